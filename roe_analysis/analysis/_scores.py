"""How grader scores (and durations, and pass rates) move between agent versions.

Scores have no fixed scale: nothing here assumes 0–1, and a pass threshold is always passed
explicitly (a score passes when ``score >= threshold``). NaN scores count as missing.

Methods, chosen to be robust on the skewed, tied, small samples evaluation runs produce:

- intervals for a mean or median: the percentile bootstrap (seeded, `bootstrap_replicates`);
- intervals for a pass rate: Wilson; for a difference of two pass rates: Newcombe's hybrid score
  interval (both stay sensible at 0% and 100%, where a bootstrap collapses to a point);
- p-values: two-sided Mann–Whitney U (unpaired) or Wilcoxon signed-rank on per-input differences
  (paired), normal approximation with tie and continuity corrections; they need no distributional
  assumption and are not swayed by a few extreme scores or durations;
- several comparisons: Holm's step-down adjustment.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import polars as pl

from roe_analysis._schema import UTC, Status
from roe_analysis.analysis._common import require_columns
from roe_analysis.analysis._durations import _check_every, _keys, job_durations
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_difference_ci,
    bootstrap_mean_ci,
    bootstrap_replicates,
    check_confidence,
    holm_adjust,
    mann_whitney_u,
    newcombe_interval,
    wilcoxon_signed_rank,
    wilson_interval,
)
from roe_analysis.errors import closest_match
from roe_analysis.frames import JobFrames

#: Fewer values than this on a side (or pairs, when paired) and a comparison says it cannot tell.
MIN_PER_SIDE = 10

_SUMMARY_STATS: dict[str, pl.DataType] = {
    "n": pl.UInt32(),
    "n_scored": pl.UInt32(),
    "mean": pl.Float64(),
    "mean_low": pl.Float64(),
    "mean_high": pl.Float64(),
    "median": pl.Float64(),
    "std": pl.Float64(),
    "n_passed": pl.UInt32(),
    "pass_rate": pl.Float64(),
    "pass_low": pl.Float64(),
    "pass_high": pl.Float64(),
}

#: Columns and dtypes of `compare_versions` (and, with ``p_value_adjusted``, `compare_all_versions`).
COMPARISON_SCHEMA = pl.Schema(
    {
        "a": pl.String(),
        "b": pl.String(),
        "metric": pl.String(),
        "statistic": pl.String(),
        "paired": pl.Boolean(),
        "method": pl.String(),
        "n_a": pl.UInt32(),
        "n_b": pl.UInt32(),
        "n_pairs": pl.UInt32(),
        "estimate_a": pl.Float64(),
        "estimate_b": pl.Float64(),
        "difference": pl.Float64(),
        "diff_low": pl.Float64(),
        "diff_high": pl.Float64(),
        "p_value": pl.Float64(),
        "verdict": pl.String(),
    }
)

#: Columns and dtypes of `score_vs_duration`.
SCORE_VS_DURATION_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "created_at": UTC,
        "terminal_status": Status,
        "is_running": pl.Boolean(),
        "duration_ms": pl.Int64(),
        "server_duration_ms": pl.Int64(),
        "grader_score": pl.Float64(),
        "human_score": pl.Float64(),
    }
)

Paired = Literal["auto"] | bool
StatName = Literal["mean", "median"]


def _jobs_frame(frames: JobFrames | pl.DataFrame, helper: str) -> pl.DataFrame:
    if isinstance(frames, JobFrames):
        return frames.jobs
    if isinstance(frames, pl.DataFrame):
        return frames
    raise TypeError(f"{helper} takes a JobFrames or a jobs-like DataFrame; got {type(frames).__name__}")


def _check_metric_column(frame: pl.DataFrame, metric: str, helper: str) -> None:
    require_columns(frame, [metric], helper=helper)
    if not frame.schema[metric].is_numeric():
        raise ValueError(f"{helper}: metric column {metric!r} must be numeric; it is {frame.schema[metric]}")


def _value(metric: str) -> pl.Expr:
    """The metric as Float64 with NaN treated as missing."""
    return pl.col(metric).cast(pl.Float64).fill_nan(None)


def _check_threshold(threshold: float | None, helper: str) -> None:
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or math.isnan(threshold)
    ):
        raise ValueError(f"{helper}: threshold must be a number (scores >= threshold pass); got {threshold!r}")


def _summary_schema(keys: list[str], key_dtypes: pl.Schema) -> pl.Schema:
    return pl.Schema({**{k: key_dtypes[k] for k in keys}, **_SUMMARY_STATS})


def _summarise(
    frame: pl.DataFrame,
    *,
    keys: list[str],
    metric: str,
    threshold: float | None,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> pl.DataFrame:
    schema = _summary_schema(keys, frame.schema)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    data = frame.select(*keys, _value(metric).alias("value"))
    if keys:
        data = data.sort(keys, nulls_last=True)
    value = pl.col("value")
    passed = (value >= threshold) if threshold is not None else pl.lit(None, dtype=pl.Boolean)
    aggs = [
        pl.len().alias("n"),
        value.count().alias("n_scored"),
        value.mean().alias("mean"),
        value.median().alias("median"),
        value.std(ddof=1).alias("std"),
        passed.sum().alias("n_passed") if threshold is not None else pl.lit(None, dtype=pl.UInt32).alias("n_passed"),
    ]
    if keys:
        stats = data.group_by(keys, maintain_order=True).agg(aggs)
        groups = data.partition_by(keys, maintain_order=True, include_key=False)
    else:
        stats = data.select(aggs)
        groups = [data]
    lows: list[float | None] = []
    highs: list[float | None] = []
    for group in groups:
        values = group.get_column("value").drop_nulls().to_numpy()
        low, high = bootstrap_mean_ci(values, confidence=confidence, n_resamples=n_resamples, seed=seed)
        lows.append(low)
        highs.append(high)
    pass_low, pass_high = wilson_interval(pl.col("n_passed"), pl.col("n_scored"), confidence=confidence)
    out = stats.with_columns(
        pl.Series("mean_low", lows, dtype=pl.Float64),
        pl.Series("mean_high", highs, dtype=pl.Float64),
        pl.when(pl.col("n_scored") > 0).then(pl.col("n_passed") / pl.col("n_scored")).alias("pass_rate"),
        pass_low.alias("pass_low"),
        pass_high.alias("pass_high"),
    )
    return out.select(list(schema)).cast(schema)


def score_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: str | Sequence[str] = "agent_version_name",
    threshold: float | None = None,
    metric: str = "grader_score",
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """Score statistics per group.

    Columns: the ``by`` columns, ``n`` (jobs), ``n_scored`` (jobs with a score: every statistic
    below uses these), ``mean`` with its percentile-bootstrap interval ``mean_low``/``mean_high``,
    ``median``, ``std`` (sample standard deviation, ddof=1, null below two scores), and
    ``n_passed``, ``pass_rate`` (``n_passed / n_scored``, a score passing when ``>= threshold``)
    with its Wilson interval ``pass_low``/``pass_high``. The pass columns are null without a
    ``threshold``; they are always present so the schema does not depend on the arguments.

    Args:
        frames: `JobFrames`, or any frame with the ``by`` and ``metric`` columns (e.g. ``jobs``).
        by: grouping column(s); ``()`` for one overall row.
        threshold: pass mark on the score's own scale; scores have no fixed scale, so there is no
            default.
        metric: the numeric column to summarise, e.g. ``"human_score"``.
        confidence: level of the intervals.
        n_resamples: bootstrap resamples per group.
        seed: seed of the bootstrap, so reruns agree exactly.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {"agent_version_name": ["v1"] * 4 + ["v2"] * 2, "grader_score": [1.0, 2.0, 3.0, None, 4.0, 4.0]}
        ... )
        >>> score_summary(jobs, threshold=2).select(
        ...     "agent_version_name", "n", "n_scored", "mean", "median", "std", "pass_rate"
        ... )
        shape: (2, 7)
        ┌────────────────────┬─────┬──────────┬──────┬────────┬─────┬───────────┐
        │ agent_version_name ┆ n   ┆ n_scored ┆ mean ┆ median ┆ std ┆ pass_rate │
        │ ---                ┆ --- ┆ ---      ┆ ---  ┆ ---    ┆ --- ┆ ---       │
        │ str                ┆ u32 ┆ u32      ┆ f64  ┆ f64    ┆ f64 ┆ f64       │
        ╞════════════════════╪═════╪══════════╪══════╪════════╪═════╪═══════════╡
        │ v1                 ┆ 4   ┆ 3        ┆ 2.0  ┆ 2.0    ┆ 1.0 ┆ 0.666667  │
        │ v2                 ┆ 2   ┆ 2        ┆ 4.0  ┆ 4.0    ┆ 0.0 ┆ 1.0       │
        └────────────────────┴─────┴──────────┴──────┴────────┴─────┴───────────┘
    """
    check_confidence(confidence)
    _check_threshold(threshold, "score_summary")
    keys = _keys(by)
    jobs = _jobs_frame(frames, "score_summary")
    require_columns(jobs, keys, helper="score_summary")
    _check_metric_column(jobs, metric, "score_summary")
    return _summarise(
        jobs, keys=keys, metric=metric, threshold=threshold, confidence=confidence, n_resamples=n_resamples, seed=seed
    )


def score_drift(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: str | Sequence[str] = "agent_version_name",
    threshold: float | None = None,
    metric: str = "grader_score",
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """`score_summary` per period of job creation: ``period_start`` then the summary's columns.

    Jobs fall in the period (``every``: ``"1h"``, ``"1d"``, ``"1w"``…) in which they were created
    (``created_at`` truncated, UTC). Periods without jobs have no row.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, 9, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 4,
        ...         "created_at": [day(1), day(1), day(2), day(2)],
        ...         "grader_score": [0.5, 0.7, 0.2, None],
        ...     }
        ... )
        >>> score_drift(jobs).select("period_start", "agent_version_name", "n", "n_scored", "mean")
        shape: (2, 5)
        ┌─────────────────────────┬────────────────────┬─────┬──────────┬──────┐
        │ period_start            ┆ agent_version_name ┆ n   ┆ n_scored ┆ mean │
        │ ---                     ┆ ---                ┆ --- ┆ ---      ┆ ---  │
        │ datetime[μs, UTC]       ┆ str                ┆ u32 ┆ u32      ┆ f64  │
        ╞═════════════════════════╪════════════════════╪═════╪══════════╪══════╡
        │ 2026-05-01 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 2        ┆ 0.6  │
        │ 2026-05-02 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 1        ┆ 0.2  │
        └─────────────────────────┴────────────────────┴─────┴──────────┴──────┘
    """
    check_confidence(confidence)
    _check_threshold(threshold, "score_drift")
    _check_every(every, "score_drift")
    keys = _keys(by)
    if "period_start" in keys:
        raise ValueError("score_drift: by must not contain 'period_start', the column it adds")
    jobs = _jobs_frame(frames, "score_drift")
    require_columns(jobs, [*keys, "created_at"], helper="score_drift")
    _check_metric_column(jobs, metric, "score_drift")
    with_period = jobs.with_columns(period_start=pl.col("created_at").cast(UTC).dt.truncate(every))
    return _summarise(
        with_period,
        keys=["period_start", *keys],
        metric=metric,
        threshold=threshold,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def score_vs_duration(frames: JobFrames) -> pl.DataFrame:
    """One row per job with its recomputed duration and its scores, for a scatter plot.

    Columns (schema `SCORE_VS_DURATION_SCHEMA`): ``job_id``, ``agent_id``, ``agent_version_name``,
    ``created_at``, ``terminal_status``, ``is_running``, ``duration_ms`` (from `job_durations`),
    ``server_duration_ms``, ``grader_score``, ``human_score``. All jobs are kept; filter on
    ``duration_ms``/``grader_score`` being present for the plot.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> from roe_analysis.frames import JobFrames
        >>> from roe_analysis._schema import JOBS_SCHEMA, STATUS_EVENTS_SCHEMA
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     [{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS", "grader_score": 0.8}],
        ...     schema=JOBS_SCHEMA,
        ... )
        >>> events = pl.DataFrame(
        ...     [
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(4), "status": "SUCCESS"},
        ...     ],
        ...     schema=STATUS_EVENTS_SCHEMA,
        ... )
        >>> frames = JobFrames(jobs, events, JobFrames.empty().inputs, JobFrames.empty().metadata)
        >>> score_vs_duration(frames).select("job_id", "duration_ms", "grader_score")
        shape: (1, 3)
        ┌────────┬─────────────┬──────────────┐
        │ job_id ┆ duration_ms ┆ grader_score │
        │ ---    ┆ ---         ┆ ---          │
        │ str    ┆ i64         ┆ f64          │
        ╞════════╪═════════════╪══════════════╡
        │ j1     ┆ 4000        ┆ 0.8          │
        └────────┴─────────────┴──────────────┘
    """
    if not isinstance(frames, JobFrames):
        raise TypeError(
            f"score_vs_duration needs a JobFrames (durations come from status events); got {type(frames).__name__}"
        )
    scores = frames.jobs.select(pl.col("id").alias("job_id"), "grader_score", "human_score")
    return (
        job_durations(frames)
        .join(scores, on="job_id", how="left", maintain_order="left")
        .select(list(SCORE_VS_DURATION_SCHEMA))
        .cast(SCORE_VS_DURATION_SCHEMA)
    )


# --- comparing versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class _PerJob:
    """The compared value of every job: ``job_id``, ``version``, ``created_at``, ``value``, ``input_id``."""

    frame: pl.DataFrame
    metric: str
    statistic: StatName
    can_pair: bool


def _input_identities(inputs: pl.DataFrame) -> pl.DataFrame:
    """``job_id → input_id``: the job's set of (key, value) input pairs, order-independent.

    Each pair is JSON-encoded (so no separator can be forged by a value) and the distinct pairs are
    sorted and joined; jobs without inputs get no identity and are never paired.
    """
    return (
        inputs.lazy()
        .select("job_id", pl.struct("key", "value").struct.json_encode().alias("pair"))
        .unique()
        .group_by("job_id")
        .agg(pl.col("pair").sort().str.join("\n").alias("input_id"))
        .collect()
    )


def _per_job(
    frames: JobFrames | pl.DataFrame,
    metric: str,
    threshold: float | None,
    statistic: StatName | None,
    helper: str,
) -> _PerJob:
    if metric == "pass_rate":
        if threshold is None:
            raise ValueError(f"{helper}: metric='pass_rate' needs a threshold (grader_score >= threshold passes)")
        if statistic not in (None, "mean"):
            raise ValueError(f"{helper}: a pass rate is a mean of pass/fail; statistic must be 'mean' or None")
    elif threshold is not None:
        raise ValueError(f"{helper}: threshold only applies to metric='pass_rate'; got metric={metric!r}")
    if statistic not in (None, "mean", "median"):
        raise ValueError(f"{helper}: statistic must be 'mean', 'median' or None; got {statistic!r}")
    chosen: StatName = statistic or ("median" if metric == "duration_ms" else "mean")
    source = "grader_score" if metric == "pass_rate" else metric
    if isinstance(frames, JobFrames):
        jobs = frames.jobs.rename({"id": "job_id"})
        if metric == "duration_ms":
            # The spec's recomputed duration; running jobs have none and are left out.
            durations = job_durations(frames).select("job_id", "duration_ms")
            jobs = jobs.drop("duration_ms").join(durations, on="job_id", how="left", maintain_order="left")
        identities = _input_identities(frames.inputs)
        can_pair = True
    elif isinstance(frames, pl.DataFrame):
        jobs = frames.rename({"id": "job_id"}) if "id" in frames.columns and "job_id" not in frames.columns else frames
        identities = pl.DataFrame(schema={"job_id": pl.String(), "input_id": pl.String()})
        can_pair = "input_id" in jobs.columns
    else:
        raise TypeError(f"{helper} takes a JobFrames or a jobs-like DataFrame; got {type(frames).__name__}")
    require_columns(jobs, ["job_id", "agent_version_name"], helper=helper)
    _check_metric_column(jobs, source, helper)
    value = _value(source)
    if metric == "pass_rate":
        assert threshold is not None
        value = (value >= threshold).cast(pl.Float64)
    if "input_id" not in jobs.columns:
        jobs = jobs.join(identities, on="job_id", how="left", maintain_order="left")
    frame = jobs.select(
        "job_id",
        pl.col("agent_version_name").alias("version"),
        pl.col("created_at") if "created_at" in jobs.columns else pl.lit(None, dtype=UTC).alias("created_at"),
        value.alias("value"),
        pl.col("input_id").cast(pl.String),
    )
    return _PerJob(frame, metric, chosen, can_pair)


def _check_version(frame: pl.DataFrame, version: str, helper: str) -> None:
    versions = sorted(v for v in frame.get_column("version").unique().to_list() if v is not None)
    if version not in versions:
        close = closest_match(str(version), versions)
        hint = f" Did you mean {close!r}?" if close is not None else ""
        raise ValueError(f"{helper}: no jobs of version {version!r}; versions present: {versions}.{hint}")


def _stat(values: np.ndarray, statistic: StatName) -> float | None:
    if values.size == 0:
        return None
    return float(np.mean(values)) if statistic == "mean" else float(np.quantile(values, 0.5))


def _fmt(x: float) -> str:
    return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.3g}"


def _fmt_plain(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _fmt_p(p: float, adjusted: bool) -> str:
    name = "Holm-adjusted p" if adjusted else "p"
    return f"{name}<0.0001" if p < 0.0001 else f"{name}={p:.2g}"


@dataclass(frozen=True)
class _Comparison:
    """One row of `COMPARISON_SCHEMA`, typed while it is being built."""

    a: str
    b: str
    metric: str
    statistic: StatName
    paired: bool
    method: str
    n_a: int
    n_b: int
    n_pairs: int
    estimate_a: float | None
    estimate_b: float | None
    difference: float | None
    diff_low: float | None
    diff_high: float | None
    p_value: float | None

    def verdict(self, confidence: float, p: float | None, *, adjusted: bool = False) -> str:
        """The plain-language reading of this comparison, decided by ``p`` at ``1 - confidence``."""
        a, b, metric = self.a, self.b, self.metric
        if self.paired:
            if self.n_pairs < MIN_PER_SIDE:
                return (
                    f"too few shared inputs to tell: {self.n_pairs} input(s) ran on both {a} and {b} "
                    f"(need at least {MIN_PER_SIDE})"
                )
        elif self.n_a < MIN_PER_SIDE or self.n_b < MIN_PER_SIDE:
            return (
                f"too few jobs to tell: {a} has {self.n_a} and {b} has {self.n_b} with a {metric} value "
                f"(need at least {MIN_PER_SIDE} each)"
            )
        diff, low, high = self.difference, self.diff_low, self.diff_high
        if diff is None or low is None or high is None or p is None:
            return f"cannot tell: no {metric} values to compare"
        name = "pass rate" if metric == "pass_rate" else metric
        what = f"{self.statistic} per-input difference in {name}" if self.paired else f"{self.statistic} {name}"
        if metric == "pass_rate" and not self.paired:
            what = "pass rate"
        unit = " ms" if metric == "duration_ms" else ""
        interval = f"{confidence:.0%} CI {_fmt_plain(low)} to {_fmt_plain(high)}{unit}"
        if p >= 1 - confidence:
            return f"no detectable difference between {a} and {b} ({_fmt_p(p, adjusted)}; {what}: {interval})"
        if low > 0 or high < 0:
            up = low > 0
            word = ("slower" if up else "faster") if metric == "duration_ms" else ("higher" if up else "lower")
            return f"{b} is {word} than {a}: {what} {_fmt(diff)}{unit} ({interval}; {_fmt_p(p, adjusted)})"
        return (
            f"{a} and {b} differ ({_fmt_p(p, adjusted)}), but the {interval} of the {what} includes zero: "
            "no clear direction"
        )

    def row(self, confidence: float) -> dict[str, object]:
        return {**asdict(self), "verdict": self.verdict(confidence, self.p_value)}


def _compare(
    per_job: _PerJob,
    a: str,
    b: str,
    *,
    paired: Paired,
    confidence: float,
    n_resamples: int,
    seed: int,
    helper: str,
) -> _Comparison:
    if a == b:
        raise ValueError(f"{helper}: a and b must be different versions; got {a!r} twice")
    frame = per_job.frame
    _check_version(frame, a, helper)
    _check_version(frame, b, helper)
    if paired not in ("auto", True, False):
        raise ValueError(f"{helper}: paired must be 'auto', True or False; got {paired!r}")
    if paired is True and not per_job.can_pair:
        raise ValueError(
            f"{helper}: paired=True needs the inputs of each job: pass JobFrames, or a frame with an input_id column"
        )
    scored = frame.filter(pl.col("value").is_not_null())
    values_a = scored.filter(pl.col("version") == a).get_column("value").to_numpy()
    values_b = scored.filter(pl.col("version") == b).get_column("value").to_numpy()
    per_input = (
        scored.filter(pl.col("version").is_in([a, b]) & pl.col("input_id").is_not_null())
        .group_by("input_id", "version")
        .agg(pl.col("value").mean())
    )
    side_a = per_input.filter(pl.col("version") == a).select("input_id", pl.col("value").alias("value_a"))
    side_b = per_input.filter(pl.col("version") == b).select("input_id", pl.col("value").alias("value_b"))
    pairs = side_a.join(side_b, on="input_id").sort("input_id")
    n_pairs = pairs.height
    if paired == "auto":
        use_pairs = (
            per_job.can_pair
            and n_pairs >= MIN_PER_SIDE
            and n_pairs >= 0.5 * side_a.height
            and n_pairs >= 0.5 * side_b.height
        )
    else:
        use_pairs = bool(paired)
    statistic = per_job.statistic
    low: float | None
    high: float | None
    p_value: float | None = None
    if use_pairs:
        pa = pairs.get_column("value_a").to_numpy()
        pb = pairs.get_column("value_b").to_numpy()
        diffs = pb - pa
        method = (
            f"paired on {n_pairs} shared inputs (per-input means): {statistic} of differences with "
            "percentile bootstrap CI; Wilcoxon signed-rank p-value (normal approximation, tie and "
            "continuity corrected)"
        )
        estimate_a, estimate_b, difference = _stat(pa, statistic), _stat(pb, statistic), _stat(diffs, statistic)
        low = high = None
        if diffs.size:
            reps = bootstrap_replicates(diffs, statistic, n_resamples=n_resamples, rng=np.random.default_rng(seed))
            alpha = (1 - confidence) / 2
            low, high = (float(v) for v in np.quantile(reps, [alpha, 1 - alpha]))
            p_value = wilcoxon_signed_rank(diffs)[1]
    else:
        estimate_a, estimate_b = _stat(values_a, statistic), _stat(values_b, statistic)
        difference = estimate_b - estimate_a if estimate_a is not None and estimate_b is not None else None
        if per_job.metric == "pass_rate":
            interval = "Newcombe hybrid score CI"
            low, high = newcombe_interval(
                int(values_a.sum()), values_a.size, int(values_b.sum()), values_b.size, confidence=confidence
            )
        else:
            interval = "percentile bootstrap CI"
            low, high = bootstrap_difference_ci(
                values_a, values_b, statistic=statistic, confidence=confidence, n_resamples=n_resamples, seed=seed
            )
        if difference is not None:
            p_value = mann_whitney_u(values_a, values_b)[1]
        method = (
            f"unpaired: difference in {statistic}s with {interval}; Mann–Whitney U p-value "
            "(normal approximation, tie and continuity corrected)"
        )
    return _Comparison(
        a=a,
        b=b,
        metric=per_job.metric,
        statistic=statistic,
        paired=use_pairs,
        method=method,
        n_a=values_a.size,
        n_b=values_b.size,
        n_pairs=n_pairs,
        estimate_a=estimate_a,
        estimate_b=estimate_b,
        difference=difference,
        diff_low=low,
        diff_high=high,
        p_value=p_value,
    )


def compare_versions(
    frames: JobFrames | pl.DataFrame,
    a: str,
    b: str,
    *,
    metric: str = "grader_score",
    threshold: float | None = None,
    paired: Paired = "auto",
    statistic: StatName | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """Compare version ``b`` with version ``a``: difference ``b - a`` with its CI, p-value and verdict.

    Metrics: ``"grader_score"`` (default), ``"human_score"``, ``"duration_ms"`` (recomputed by
    `job_durations` from JobFrames; running jobs have no duration and are left out), ``"pass_rate"``
    (``grader_score >= threshold``, threshold required) or any numeric column of the frame.
    Instead of JobFrames, a jobs-like frame (``job_id`` or ``id``, ``agent_version_name``, the
    metric) works too: its columns are used as they are, and it can be paired only if it has an
    ``input_id`` column (any text identifying a job's input).

    Unpaired (independent jobs): ``difference`` is ``statistic(b) - statistic(a)`` with a
    percentile-bootstrap CI (Newcombe's interval for a pass rate); the p-value is the two-sided
    Mann–Whitney U test (normal approximation, tie and continuity corrections) — a rank test, so a
    few extreme scores or durations do not decide it (on pass/fail values it is the two-proportion
    z-test up to a factor of (N−1)/N).

    Paired: when both versions ran the same inputs (an input is the set of (key, value) pairs of a
    job, order-independent) each input's jobs are averaged per version and ``difference`` is the
    ``statistic`` of the per-input differences, bootstrapped over inputs; the p-value is the
    Wilcoxon signed-rank test (zeros dropped, normal approximation, tie and continuity
    corrections). Pairing removes the input-to-input variation, so it detects smaller changes.
    ``paired="auto"`` pairs when at least 10 inputs ran on both versions and they make up at least
    half of each version's distinct inputs; ``True``/``False`` force it.

    ``statistic`` defaults to the mean, or the median for ``duration_ms`` (durations are heavy-tailed).

    Returns one row (schema `COMPARISON_SCHEMA`): ``a``, ``b``, ``metric``, ``statistic``,
    ``paired``, ``method`` (in words), ``n_a``/``n_b`` (jobs with a value), ``n_pairs`` (inputs run
    by both), ``estimate_a``/``estimate_b`` (the statistic per version; over the shared inputs'
    means when paired), ``difference``, ``diff_low``, ``diff_high``, ``p_value`` and ``verdict``:
    "too few … to tell" below 10 values a side (10 pairs when paired), "no detectable difference"
    when ``p >= 1 - confidence``, else "b is higher/lower than a" (slower/faster for durations).

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(24)],
        ...         "agent_version_name": ["v1"] * 12 + ["v2"] * 12,
        ...         "created_at": [datetime(2026, 5, 1, tzinfo=timezone.utc)] * 24,
        ...         "grader_score": [float(x % 4) for x in range(12)] + [float(x % 4 + 2) for x in range(12)],
        ...     }
        ... )
        >>> result = compare_versions(jobs, "v1", "v2")
        >>> result.select("n_a", "n_b", "difference", pl.col("p_value").round(4))
        shape: (1, 4)
        ┌─────┬─────┬────────────┬─────────┐
        │ n_a ┆ n_b ┆ difference ┆ p_value │
        │ --- ┆ --- ┆ ---        ┆ ---     │
        │ u32 ┆ u32 ┆ f64        ┆ f64     │
        ╞═════╪═════╪════════════╪═════════╡
        │ 12  ┆ 12  ┆ 2.0        ┆ 0.0016  │
        └─────┴─────┴────────────┴─────────┘
        >>> print(result.item(0, "verdict"))
        v2 is higher than v1: mean grader_score +2 (95% CI 1.08 to 2.92; p=0.0016)
    """
    check_confidence(confidence)
    _check_threshold(threshold, "compare_versions")
    per_job = _per_job(frames, metric, threshold, statistic, "compare_versions")
    comparison = _compare(
        per_job,
        a,
        b,
        paired=paired,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        helper="compare_versions",
    )
    return pl.DataFrame([comparison.row(confidence)], schema=COMPARISON_SCHEMA)


def _chronological_versions(frame: pl.DataFrame) -> list[str]:
    """Versions by their first job's ``created_at`` (then name), so pairs read older → newer."""
    first = (
        frame.filter(pl.col("version").is_not_null())
        .group_by("version")
        .agg(pl.col("created_at").min())
        .sort("created_at", "version", nulls_last=True)
    )
    return first.get_column("version").to_list()


def compare_all_versions(
    frames: JobFrames | pl.DataFrame,
    *,
    baseline: str | None = None,
    metric: str = "grader_score",
    threshold: float | None = None,
    paired: Paired = "auto",
    statistic: StatName | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """`compare_versions` for every pair of versions, or every version against ``baseline``.

    Versions are taken in the order they first appear (earliest ``created_at``; by name for a frame
    without that column), so in each row ``a`` is the older and ``difference = b - a`` reads as
    "what changed"; with a ``baseline`` it is always ``a``. Adds ``p_value_adjusted``, Holm's
    step-down adjustment over all rows (it controls the chance of any false "difference" across the
    family), and the verdicts use it.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(36)],
        ...         "agent_version_name": ["v1"] * 12 + ["v2"] * 12 + ["v3"] * 12,
        ...         "created_at": [day(1)] * 12 + [day(2)] * 12 + [day(3)] * 12,
        ...         "grader_score": [float(x % 4) for x in range(24)] + [float(x % 4 + 2) for x in range(12)],
        ...     }
        ... )
        >>> compare_all_versions(jobs).select("a", "b", "difference", pl.col("p_value_adjusted").round(4))
        shape: (3, 4)
        ┌─────┬─────┬────────────┬──────────────────┐
        │ a   ┆ b   ┆ difference ┆ p_value_adjusted │
        │ --- ┆ --- ┆ ---        ┆ ---              │
        │ str ┆ str ┆ f64        ┆ f64              │
        ╞═════╪═════╪════════════╪══════════════════╡
        │ v1  ┆ v2  ┆ 0.0        ┆ 1.0              │
        │ v1  ┆ v3  ┆ 2.0        ┆ 0.0049           │
        │ v2  ┆ v3  ┆ 2.0        ┆ 0.0049           │
        └─────┴─────┴────────────┴──────────────────┘
    """
    check_confidence(confidence)
    _check_threshold(threshold, "compare_all_versions")
    per_job = _per_job(frames, metric, threshold, statistic, "compare_all_versions")
    schema = pl.Schema({**COMPARISON_SCHEMA, "p_value_adjusted": pl.Float64()})
    versions = _chronological_versions(per_job.frame)
    if baseline is not None:
        _check_version(per_job.frame, baseline, "compare_all_versions")
        pairs = [(baseline, v) for v in versions if v != baseline]
    else:
        pairs = list(itertools.combinations(versions, 2))
    comparisons = [
        _compare(
            per_job,
            a,
            b,
            paired=paired,
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
            helper="compare_all_versions",
        )
        for a, b in pairs
    ]
    adjusted = holm_adjust([c.p_value for c in comparisons])
    rows = [
        {**asdict(c), "verdict": c.verdict(confidence, p, adjusted=True), "p_value_adjusted": p}
        for c, p in zip(comparisons, adjusted, strict=True)
    ]
    return pl.DataFrame(rows, schema=schema)
