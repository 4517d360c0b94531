"""How grader scores move: summaries per group (`score_summary`), per period (`score_drift`), and
one row per job beside its duration (`score_vs_duration`).

Scores have no fixed scale: nothing here assumes 0–1, and a pass threshold is always passed
explicitly (a score passes when ``score >= threshold``). NaN scores count as missing. A mean's
interval is the percentile bootstrap (seeded, `bootstrap_replicates`), a pass rate's is Wilson.
Comparing versions with each other is in `roe_analysis.analysis._comparisons`.
"""

from __future__ import annotations

import polars as pl

from roe_analysis._schema import UTC, Status
from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_every,
    check_threshold,
    group_keys,
    job_frames,
    jobs_frame,
    period_keys,
    require_columns,
    with_period,
)
from roe_analysis.analysis._job_durations import job_durations
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_mean_ci,
    check_confidence,
    wilson_interval,
)
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

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


def check_metric_column(frame: pl.DataFrame, metric: str, helper: str) -> None:
    """Raise unless ``frame`` has a numeric column ``metric``."""
    require_columns(frame, [metric], helper=helper)
    if not frame.schema[metric].is_numeric():
        numeric = [name for name, dtype in frame.schema.items() if dtype.is_numeric()]
        raise InvalidArgumentError(
            f"{helper}: metric column {metric!r} must be numeric; it is {frame.schema[metric]}. "
            f"Numeric columns: {numeric}"
        )


def metric_value(metric: str) -> pl.Expr:
    """The metric as Float64 with NaN treated as missing."""
    return pl.col(metric).cast(pl.Float64).fill_nan(None)


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
    data = frame.select(*keys, metric_value(metric).alias("value"))
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
    by: By = DEFAULT_BY,
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
        by: grouping column(s); ``None`` or ``()`` for one overall row.
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
    check_threshold(threshold, helper="score_summary")
    keys = group_keys(by, helper="score_summary")
    jobs = jobs_frame(frames, helper="score_summary")
    require_columns(jobs, keys, helper="score_summary")
    check_metric_column(jobs, metric, "score_summary")
    return _summarise(
        jobs, keys=keys, metric=metric, threshold=threshold, confidence=confidence, n_resamples=n_resamples, seed=seed
    )


def score_drift(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: By = DEFAULT_BY,
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
    check_threshold(threshold, helper="score_drift")
    check_every(every, helper="score_drift")
    keys = group_keys(by, helper="score_drift")
    groups = period_keys(keys, helper="score_drift")
    jobs = jobs_frame(frames, helper="score_drift")
    require_columns(jobs, [*keys, "created_at"], helper="score_drift")
    check_metric_column(jobs, metric, "score_drift")
    return _summarise(
        with_period(jobs, every),
        keys=groups,
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
        >>> from roe_analysis.frames import JobFrames
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> frames = JobFrames.from_tables(
        ...     jobs=[{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS", "grader_score": 0.8}],
        ...     status_events=[
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(4), "status": "SUCCESS"},
        ...     ],
        ... )
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
    frames = job_frames(frames, helper="score_vs_duration", needs="durations come from the status events")
    scores = frames.jobs.select(pl.col("id").alias("job_id"), "grader_score", "human_score")
    return (
        job_durations(frames)
        .join(scores, on="job_id", how="left", maintain_order="left")
        .select(list(SCORE_VS_DURATION_SCHEMA))
        .cast(SCORE_VS_DURATION_SCHEMA)
    )
