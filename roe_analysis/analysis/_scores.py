"""How grader scores move: summaries per group (`score_summary`), per period (`score_drift`), and
one row per job beside its duration (`score_vs_duration`).

Scores have no fixed scale: nothing here assumes 0–1, and a pass threshold is always passed
explicitly (a score passes when ``score >= threshold``). NaN scores count as missing. The unit of
the intervals is the input (``cluster=`` for another column): a mean's interval is the expanded
percentile cluster bootstrap (seeded), a pass rate's is Wilson's with effective n ``n / deff``
(`roe_analysis.analysis._score_intervals`); below `MIN_N` inputs there is none. Agents whose scores
are on different scales (`roe_analysis.analysis._scales`) are not pooled. Comparing versions with
each other is in `roe_analysis.analysis._comparisons`.
"""

from __future__ import annotations

import numpy as np
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
from roe_analysis.analysis._scales import check_one_scale
from roe_analysis.analysis._score_intervals import cluster_mean_interval, cluster_wilson_interval, effective_n
from roe_analysis.analysis._slices import with_metadata_keys
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence
from roe_analysis.analysis._units import (
    MIN_N,
    check_cluster,
    cluster_column,
    group_design_effect,
    input_ids,
    unit_count_expr,
)
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

_SUMMARY_STATS: dict[str, pl.DataType] = {
    "n": pl.UInt32(),
    "n_scored": pl.UInt32(),
    "n_inputs": pl.UInt32(),
    "mean": pl.Float64(),
    "mean_low": pl.Float64(),
    "mean_high": pl.Float64(),
    "median": pl.Float64(),
    "std": pl.Float64(),
    "design_effect": pl.Float64(),
    "n_passed": pl.UInt32(),
    "pass_rate": pl.Float64(),
    "pass_low": pl.Float64(),
    "pass_high": pl.Float64(),
    "pass_design_effect": pl.Float64(),
    "too_few": pl.Boolean(),
    "note": pl.String(),
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


def _prepared(
    frames: JobFrames | pl.DataFrame,
    *,
    keys: list[str],
    extra: list[str],
    metric: str,
    cluster: str | None,
    helper: str,
) -> tuple[pl.DataFrame, str]:
    """The jobs with the ``keys`` (metadata keys joined), ``value`` and ``cluster``; and the unit's name.

    ``extra`` are further columns the caller needs from the jobs frame (e.g. ``created_at``).
    """
    check_cluster(cluster, helper=helper)
    jobs = jobs_frame(frames, helper=helper)
    check_metric_column(jobs, metric, helper)
    wanted = [*keys, *([cluster] if cluster not in (None, "input_id") else [])]
    if isinstance(frames, JobFrames):
        require_columns(jobs, extra, helper=helper)
        jobs = with_metadata_keys(frames, jobs, wanted, helper=helper, id_column="id")
        if cluster in (None, "input_id"):
            jobs = jobs.join(
                input_ids(frames.inputs).rename({"job_id": "id"}), on="id", how="left", maintain_order="left"
            )
        jobs = jobs.with_columns(pl.col("id").alias("job_id"))
    else:
        require_columns(jobs, [*wanted, *extra], helper=helper)
    value = metric_value(metric)
    if "agent_id" not in keys:
        check_one_scale(jobs.with_columns(value.alias("\x00value")), value="\x00value", helper=helper, metric=metric)
    name = "input_id" if cluster is None else cluster
    if name == "input_id" and name not in jobs.columns:
        jobs = jobs.with_columns(pl.lit(None, dtype=pl.String).alias("input_id"))
        unit = "jobs"
    else:
        unit = "inputs" if name == "input_id" else f"clusters of {name}"
    out = jobs.select(*keys, *extra, value.alias("value"), cluster_column(jobs, name, helper=helper).alias("cluster"))
    return out, unit


def _group_intervals(
    values: np.ndarray,
    clusters: np.ndarray,
    threshold: float | None,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float | None, ...]:
    """``mean_low, mean_high, design_effect, pass_low, pass_high, pass_design_effect`` of one group."""
    if values.size == 0:
        return (None,) * 6
    deff = group_design_effect(values, clusters)
    low, high = cluster_mean_interval(values, clusters, confidence=confidence, n_resamples=n_resamples, seed=seed)
    if threshold is None:
        return low, high, deff, None, None, None
    passed = (values >= threshold).astype(np.float64)
    _, pass_deff = effective_n(passed, clusters)
    pass_low, pass_high = cluster_wilson_interval(passed, clusters, confidence=confidence)
    return low, high, deff, pass_low, pass_high, pass_deff


def _summarise(
    frame: pl.DataFrame,
    *,
    keys: list[str],
    threshold: float | None,
    unit: str,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> pl.DataFrame:
    schema = _summary_schema(keys, frame.schema)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    data = frame.select(*keys, "value", pl.col("cluster").rank("dense").alias("cluster"))
    if keys:
        data = data.sort(keys, nulls_last=True)
    value = pl.col("value")
    passed = (value >= threshold) if threshold is not None else pl.lit(None, dtype=pl.Boolean)
    aggs = [
        pl.len().alias("n"),
        value.count().alias("n_scored"),
        pl.col("cluster").filter(value.is_not_null()).n_unique().alias("n_inputs"),
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
    rows = []
    for group in groups:
        scored = group.drop_nulls("value")
        rows.append(
            _group_intervals(
                scored.get_column("value").to_numpy(),
                scored.get_column("cluster").to_numpy(),
                threshold,
                confidence=confidence,
                n_resamples=n_resamples,
                seed=seed,
            )
        )
    names = ["mean_low", "mean_high", "design_effect", "pass_low", "pass_high", "pass_design_effect"]
    columns = list(zip(*rows, strict=True))
    too_few = pl.col("n_inputs") < MIN_N
    out = stats.with_columns(
        *(pl.Series(name, column, dtype=pl.Float64) for name, column in zip(names, columns, strict=True)),
        pl.when(pl.col("n_scored") > 0).then(pl.col("n_passed") / pl.col("n_scored")).alias("pass_rate"),
        too_few.alias("too_few"),
        pl.when(too_few)
        .then(pl.format(f"too few to tell: {{}} (need {MIN_N})", unit_count_expr(pl.col("n_inputs"), unit)))
        .alias("note"),
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
    cluster: str | None = None,
) -> pl.DataFrame:
    """Score statistics per group, with the input (not the run) as the unit of the intervals.

    Columns: the ``by`` columns, ``n`` (jobs), ``n_scored`` (jobs with a score: every statistic
    below uses these), ``n_inputs`` (distinct inputs — clusters — among them), ``mean`` with its
    interval ``mean_low``/``mean_high``, ``median``, ``std`` (sample standard deviation, ddof=1, null
    below two scores), ``design_effect`` (variance of the mean under clustering over that of
    independent runs: 1 = reruns as good as new inputs), ``n_passed``, ``pass_rate``
    (``n_passed / n_scored``, a score passing when ``>= threshold``) with its interval
    ``pass_low``/``pass_high`` and ``pass_design_effect``, ``too_few`` (``n_inputs < MIN_N``) and
    ``note`` ("too few to tell: 4 inputs (need 10)", else null). The pass columns are null without
    a ``threshold``; every column is always present so the schema does not depend on the arguments.

    The unit is the input: runs of one input are correlated, so the mean's interval is the expanded
    percentile cluster bootstrap and the pass rate's is Wilson's with effective n ``n / deff``
    (see `roe_analysis.analysis._score_intervals`). With `JobFrames` each job's input is its set of
    input (key, value) pairs; a frame's ``input_id`` column is used if it has one, else every row is
    its own unit. Below ``MIN_N`` (10) inputs, or where an interval would have zero width, the
    interval is null.

    When several agents are loaded (an ``agent_id`` column) and ``by`` does not include
    ``agent_id``, their scores must be on one scale (0–1, 1–5, 0–10 or 0–100, recognised from the
    observed range): pooling 0–1 scores with 0–100 ones is refused.

    Args:
        frames: `JobFrames`, or any frame with the ``by`` and ``metric`` columns (e.g. ``jobs``).
        by: grouping column(s); ``None`` or ``()`` for one overall row. With `JobFrames` a name may
            also be a metadata key (its value per job, null where a job lacks it).
        threshold: pass mark on the score's own scale; scores have no fixed scale, so there is no
            default.
        metric: the numeric column to summarise, e.g. ``"human_score"``.
        confidence: level of the intervals.
        n_resamples: bootstrap resamples per group.
        seed: seed of the bootstrap, so reruns agree exactly.
        cluster: the unit of the intervals: ``None`` (or ``"input_id"``) for the input, or any jobs
            column or (with `JobFrames`) metadata key, such as a customer.

    Raises:
        MissingColumnsError: ``by``/``cluster`` names neither a column nor (with `JobFrames`) a
            metadata key; the message lists both.
        InvalidArgumentError: the agents' scores are on different scales and ``by`` does not
            separate them.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {"agent_version_name": ["v1"] * 4 + ["v2"] * 2, "grader_score": [1.0, 2.0, 3.0, None, 4.0, 4.0]}
        ... )
        >>> score_summary(jobs, threshold=2).select(
        ...     "agent_version_name", "n", "n_scored", "n_inputs", "mean", "std", "pass_rate", "too_few"
        ... )
        shape: (2, 8)
        ┌────────────────────┬─────┬──────────┬──────────┬──────┬─────┬───────────┬─────────┐
        │ agent_version_name ┆ n   ┆ n_scored ┆ n_inputs ┆ mean ┆ std ┆ pass_rate ┆ too_few │
        │ ---                ┆ --- ┆ ---      ┆ ---      ┆ ---  ┆ --- ┆ ---       ┆ ---     │
        │ str                ┆ u32 ┆ u32      ┆ u32      ┆ f64  ┆ f64 ┆ f64       ┆ bool    │
        ╞════════════════════╪═════╪══════════╪══════════╪══════╪═════╪═══════════╪═════════╡
        │ v1                 ┆ 4   ┆ 3        ┆ 3        ┆ 2.0  ┆ 1.0 ┆ 0.666667  ┆ true    │
        │ v2                 ┆ 2   ┆ 2        ┆ 2        ┆ 4.0  ┆ 0.0 ┆ 1.0       ┆ true    │
        └────────────────────┴─────┴──────────┴──────────┴──────┴─────┴───────────┴─────────┘
        >>> score_summary(jobs).get_column("note").to_list()
        ['too few to tell: 3 jobs (need 10)', 'too few to tell: 2 jobs (need 10)']
    """
    check_confidence(confidence)
    check_threshold(threshold, helper="score_summary")
    keys = group_keys(by, helper="score_summary")
    table, unit = _prepared(frames, keys=keys, extra=[], metric=metric, cluster=cluster, helper="score_summary")
    return _summarise(
        table, keys=keys, threshold=threshold, unit=unit, confidence=confidence, n_resamples=n_resamples, seed=seed
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
    cluster: str | None = None,
) -> pl.DataFrame:
    """`score_summary` per period of job creation: ``period_start`` then the summary's columns.

    Jobs fall in the period (``every``: ``"1h"``, ``"1d"``, ``"1w"``…) in which they were created
    (``created_at`` truncated, UTC). Periods without jobs have no row. ``by`` (metadata keys
    included), ``cluster`` and the one-scale rule are as in `score_summary`; the inputs are counted
    per period.

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
        >>> score_drift(jobs).select("period_start", "agent_version_name", "n", "n_scored", "mean", "mean_low")
        shape: (2, 6)
        ┌─────────────────────────┬────────────────────┬─────┬──────────┬──────┬──────────┐
        │ period_start            ┆ agent_version_name ┆ n   ┆ n_scored ┆ mean ┆ mean_low │
        │ ---                     ┆ ---                ┆ --- ┆ ---      ┆ ---  ┆ ---      │
        │ datetime[μs, UTC]       ┆ str                ┆ u32 ┆ u32      ┆ f64  ┆ f64      │
        ╞═════════════════════════╪════════════════════╪═════╪══════════╪══════╪══════════╡
        │ 2026-05-01 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 2        ┆ 0.6  ┆ null     │
        │ 2026-05-02 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 1        ┆ 0.2  ┆ null     │
        └─────────────────────────┴────────────────────┴─────┴──────────┴──────┴──────────┘
    """
    check_confidence(confidence)
    check_threshold(threshold, helper="score_drift")
    check_every(every, helper="score_drift")
    keys = group_keys(by, helper="score_drift")
    groups = period_keys(keys, helper="score_drift")
    table, unit = _prepared(
        frames, keys=keys, extra=["created_at"], metric=metric, cluster=cluster, helper="score_drift"
    )
    return _summarise(
        with_period(table, every),
        keys=groups,
        threshold=threshold,
        unit=unit,
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
