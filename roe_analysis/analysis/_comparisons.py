"""Is version ``b`` better than version ``a``? `compare_versions` and `compare_all_versions`.

Scores have no fixed scale and durations are heavy-tailed, so the methods are chosen to be robust
on the skewed, tied, small samples evaluation runs produce:

- intervals for a mean or median: the percentile bootstrap (seeded, `bootstrap_replicates`);
- intervals for a difference of two pass rates: Newcombe's hybrid score interval (it stays sensible
  at 0% and 100%, where a bootstrap collapses to a point);
- p-values: two-sided Mann–Whitney U (unpaired) or Wilcoxon signed-rank on per-input differences
  (paired), normal approximation with tie and continuity corrections; they need no distributional
  assumption and are not swayed by a few extreme scores or durations;
- several comparisons: Holm's step-down adjustment.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import polars as pl

from roe_analysis._schema import UTC
from roe_analysis.analysis._common import check_threshold, require_columns
from roe_analysis.analysis._job_durations import job_durations
from roe_analysis.analysis._scores import check_metric_column, metric_value
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_difference_ci,
    bootstrap_replicates,
    check_confidence,
    holm_adjust,
    mann_whitney_u,
    newcombe_interval,
    wilcoxon_signed_rank,
)
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, closest_match
from roe_analysis.frames import JobFrames

#: Fewer values than this on a side (or pairs, when paired) and a comparison says it cannot tell.
MIN_PER_SIDE = 10

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

Paired = Literal["auto"] | bool
StatName = Literal["mean", "median"]

_PAIRED_OPTIONS = ("auto", True, False)


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
            raise InvalidArgumentError(
                f"{helper}: metric='pass_rate' needs a threshold (grader_score >= threshold passes); pass threshold=..."
            )
        if statistic not in (None, "mean"):
            raise InvalidArgumentError(
                f"{helper}: a pass rate is a mean of pass/fail; statistic must be 'mean' or None; got {statistic!r}"
            )
    elif threshold is not None:
        raise InvalidArgumentError(
            f"{helper}: threshold only applies to metric='pass_rate'; got metric={metric!r}. "
            "Pass metric='pass_rate', or leave threshold out"
        )
    if statistic not in (None, "mean", "median"):
        raise InvalidArgumentError(f"{helper}: statistic must be 'mean', 'median' or None; got {statistic!r}")
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
        raise ArgumentTypeError(
            f"{helper} expects JobFrames or a jobs frame (e.g. frames.jobs, filtered); got {type(frames).__name__}"
        )
    require_columns(jobs, ["job_id", "agent_version_name"], helper=helper)
    check_metric_column(jobs, source, helper)
    value = metric_value(source)
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
        raise InvalidArgumentError(f"{helper}: no jobs of version {version!r}; versions present: {versions}.{hint}")


def _check_paired(paired: object, helper: str) -> None:
    if paired not in _PAIRED_OPTIONS:
        raise InvalidArgumentError(f"{helper}: paired must be 'auto', True or False; got {paired!r}")


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
        raise InvalidArgumentError(f"{helper}: a and b must be different versions; got {a!r} twice")
    frame = per_job.frame
    _check_version(frame, a, helper)
    _check_version(frame, b, helper)
    if paired is True and not per_job.can_pair:
        raise InvalidArgumentError(
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
    check_threshold(threshold, helper="compare_versions")
    _check_paired(paired, "compare_versions")
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
    check_threshold(threshold, helper="compare_all_versions")
    _check_paired(paired, "compare_all_versions")
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
