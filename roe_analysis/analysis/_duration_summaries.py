"""Durations over many jobs: summaries, trends, the slowest jobs, disagreements with the server.

Each helper takes `JobFrames` (and computes `job_durations` itself) or the frame `job_durations`
returns (e.g. filtered): quantiles with bootstrap intervals and a censoring-aware median
(`duration_summary`), the same per period (`duration_trend`), the slowest jobs (`slowest_jobs`) and
the jobs whose recomputed duration disagrees with the server's (`duration_mismatches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import polars as pl

from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_every,
    derived_frame,
    group_keys,
    period_keys,
    require_columns,
    with_period,
)
from roe_analysis.analysis._job_durations import DURATIONS_SCHEMA, job_durations
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_quantile_ci,
    check_confidence,
    kaplan_meier_median,
    quantile_name,
)
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

#: Why `duration_mismatches` lists a job.
MismatchReason = pl.Enum(["differs", "recomputed_missing", "server_missing"])

_DURATION_COLUMNS = ("duration_ms", "is_running", "running_for_ms")
_SUMMARY_COUNTS = ("n", "n_finished", "n_running", "n_measured", "n_censored")


def _durations_input(frames: JobFrames | pl.DataFrame, now: datetime | None, helper: str) -> pl.DataFrame:
    """`job_durations` of `JobFrames`, or the frame `job_durations` returned (``now`` then must be None)."""
    if now is not None and isinstance(frames, pl.DataFrame):
        raise InvalidArgumentError(
            f"{helper}: now only applies to JobFrames; a job_durations frame already has running_for_ms "
            "(call job_durations(frames, now=...) instead)"
        )
    return derived_frame(frames, lambda f: job_durations(f, now=now), helper=helper, derived_by="job_durations")


def _without_cached(frame: pl.DataFrame, include_cached: bool, helper: str) -> pl.DataFrame:
    if include_cached:
        return frame
    require_columns(frame, ["terminal_status"], helper=helper)
    return frame.filter(pl.col("terminal_status").is_null() | (pl.col("terminal_status") != "CACHED"))


def _quantile_columns(quantiles: Sequence[float]) -> list[tuple[float, str]]:
    named = [(float(q), quantile_name(q)) for q in quantiles]
    names = [name for _, name in named]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"quantiles must be distinct; got {list(quantiles)}, which name the columns {names}")
    return named


def duration_summary_schema(
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9, 0.99),
    key_dtypes: pl.Schema | None = None,
) -> pl.Schema:
    """The columns and dtypes `duration_summary` returns for these ``by`` and ``quantiles``.

    Examples:
        >>> list(duration_summary_schema(quantiles=(0.5,)))  # doctest: +NORMALIZE_WHITESPACE
        ['agent_version_name', 'n', 'n_finished', 'n_running', 'n_measured', 'n_censored',
         'share_running', 'mean_ms', 'p50', 'p50_low', 'p50_high', 'km_median_ms']
    """
    schema: dict[str, pl.DataType] = {}
    for key in group_keys(by, helper="duration_summary_schema"):
        schema[key] = (
            key_dtypes[key] if key_dtypes is not None and key in key_dtypes else DURATIONS_SCHEMA.get(key, pl.String())
        )
    for name in _SUMMARY_COUNTS:
        schema[name] = pl.UInt32()
    schema["share_running"] = pl.Float64()
    schema["mean_ms"] = pl.Float64()
    for _, name in _quantile_columns(quantiles):
        schema[name] = pl.Float64()
        schema[f"{name}_low"] = pl.Float64()
        schema[f"{name}_high"] = pl.Float64()
    schema["km_median_ms"] = pl.Float64()
    return pl.Schema(schema)


def duration_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9, 0.99),
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    include_cached: bool = True,
) -> pl.DataFrame:
    """Duration statistics per group, still-running jobs reported rather than dropped.

    Jobs answered from cache (PENDING → CACHED) last 0 ms by the API's rule and pull every
    quantile down; ``include_cached=False`` leaves them out entirely, to measure real runs.

    Columns: the ``by`` columns, then

    - ``n`` jobs, ``n_finished``, ``n_running``, ``share_running`` (``n_running / n``);
    - ``n_measured``: finished jobs with a duration (the sample every statistic below uses; a
      finished job with a missing timestamp has none);
    - ``mean_ms``; for each quantile ``q`` a column ``pXX`` (``p50`` for 0.5, ``p99_9`` for 0.999)
      and its ``pXX_low``/``pXX_high`` percentile-bootstrap interval. Quantiles use linear
      interpolation, numpy's default, so they match ``np.quantile``; the bootstrap draws each
      resampled quantile exactly from its order statistics (see `bootstrap_replicates`), so it is
      seeded, reproducible and fast on a million jobs;
    - ``n_censored`` and ``km_median_ms``: the Kaplan–Meier median with running jobs as censored at
      ``running_for_ms`` — it does not pretend the slowest jobs (the ones still running) are absent,
      which biases ``p50`` low while many jobs run. It needs ``running_for_ms``, so it is null for a
      group with running jobs unless ``now`` was given; with nothing censored it is the lower
      sample median (the smallest duration with at least half the jobs done by then).

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        by: grouping column(s); ``None`` or ``()`` for one overall row.
        quantiles: the quantiles to report, each in [0, 1].
        confidence: level of the bootstrap intervals.
        n_resamples: bootstrap resamples per group and quantile.
        seed: seed of the bootstrap, so reruns agree exactly.
        now: passed to `job_durations` (JobFrames input only).

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 5,
        ...         "duration_ms": [1000, 2000, 3000, 4000, None],
        ...         "is_running": [False, False, False, False, True],
        ...         "running_for_ms": [None, None, None, None, 9000],
        ...     }
        ... )
        >>> duration_summary(durations, quantiles=(0.5,)).select(
        ...     "n", "n_running", "n_measured", "share_running", "mean_ms", "p50", "km_median_ms"
        ... )
        shape: (1, 7)
        ┌─────┬───────────┬────────────┬───────────────┬─────────┬────────┬──────────────┐
        │ n   ┆ n_running ┆ n_measured ┆ share_running ┆ mean_ms ┆ p50    ┆ km_median_ms │
        │ --- ┆ ---       ┆ ---        ┆ ---           ┆ ---     ┆ ---    ┆ ---          │
        │ u32 ┆ u32       ┆ u32        ┆ f64           ┆ f64     ┆ f64    ┆ f64          │
        ╞═════╪═══════════╪════════════╪═══════════════╪═════════╪════════╪══════════════╡
        │ 5   ┆ 1         ┆ 4          ┆ 0.2           ┆ 2500.0  ┆ 2500.0 ┆ 3000.0       │
        └─────┴───────────┴────────────┴───────────────┴─────────┴────────┴──────────────┘
    """
    check_confidence(confidence)
    keys = group_keys(by, helper="duration_summary")
    named = _quantile_columns(quantiles)
    frame = _without_cached(_durations_input(frames, now, "duration_summary"), include_cached, "duration_summary")
    require_columns(frame, [*keys, *_DURATION_COLUMNS], helper="duration_summary")
    schema = duration_summary_schema(keys, quantiles, frame.schema)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    data = frame.select(*keys, *_DURATION_COLUMNS).sort(keys, nulls_last=True) if keys else frame
    measured = pl.col("duration_ms").filter(pl.col("duration_ms").is_not_null() & ~pl.col("is_running"))
    aggs = [
        pl.len().alias("n"),
        (~pl.col("is_running")).sum().alias("n_finished"),
        pl.col("is_running").sum().alias("n_running"),
        measured.count().alias("n_measured"),
        (pl.col("is_running") & pl.col("running_for_ms").is_not_null()).sum().alias("n_censored"),
        pl.col("is_running").mean().alias("share_running"),
        measured.mean().alias("mean_ms"),
        *[measured.quantile(q, interpolation="linear").alias(name) for q, name in named],
    ]
    if keys:
        stats = data.group_by(keys, maintain_order=True).agg(aggs)
        groups = data.partition_by(keys, maintain_order=True, include_key=False)
    else:
        stats = data.select(aggs)
        groups = [data]
    intervals: dict[str, list[float | None]] = {f"{n}_{s}": [] for _, n in named for s in ("low", "high")}
    km: list[float | None] = []
    for group in groups:
        finished = group.filter(~pl.col("is_running") & pl.col("duration_ms").is_not_null())
        values = finished.get_column("duration_ms").to_numpy().astype(np.float64)
        for q, name in named:
            low, high = bootstrap_quantile_ci(values, q, confidence=confidence, n_resamples=n_resamples, seed=seed)
            intervals[f"{name}_low"].append(low)
            intervals[f"{name}_high"].append(high)
        running = group.filter(pl.col("is_running"))
        if running.get_column("running_for_ms").null_count():
            km.append(None)
            continue
        censored = running.get_column("running_for_ms").to_numpy().astype(np.float64)
        km.append(
            kaplan_meier_median(
                np.concatenate([values, censored]),
                np.concatenate([np.ones(values.size, dtype=bool), np.zeros(censored.size, dtype=bool)]),
            )
        )
    out = stats.with_columns(
        *[pl.Series(name, vals, dtype=pl.Float64) for name, vals in intervals.items()],
        pl.Series("km_median_ms", km, dtype=pl.Float64),
    )
    return out.select(list(schema)).cast(schema)


def duration_trend(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9),
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    include_cached: bool = True,
) -> pl.DataFrame:
    """`duration_summary` per period of job creation: ``period_start`` then the summary's columns.

    ``include_cached=False`` leaves out jobs answered from cache, as in `duration_summary`.

    Jobs fall in the period (``every``, a Polars duration string: ``"1h"``, ``"1d"``, ``"1w"``) in
    which they were created (``created_at`` truncated, UTC). Periods without jobs have no row.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, 9, tzinfo=timezone.utc)
        >>> durations = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 3,
        ...         "created_at": [day(1), day(1), day(2)],
        ...         "duration_ms": [1000, 3000, 5000],
        ...         "is_running": [False] * 3,
        ...         "running_for_ms": [None, None, None],
        ...     },
        ...     schema_overrides={"running_for_ms": pl.Int64},
        ... )
        >>> duration_trend(durations, quantiles=(0.5,)).select("period_start", "agent_version_name", "n", "p50")
        shape: (2, 4)
        ┌─────────────────────────┬────────────────────┬─────┬────────┐
        │ period_start            ┆ agent_version_name ┆ n   ┆ p50    │
        │ ---                     ┆ ---                ┆ --- ┆ ---    │
        │ datetime[μs, UTC]       ┆ str                ┆ u32 ┆ f64    │
        ╞═════════════════════════╪════════════════════╪═════╪════════╡
        │ 2026-05-01 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 2000.0 │
        │ 2026-05-02 00:00:00 UTC ┆ v1                 ┆ 1   ┆ 5000.0 │
        └─────────────────────────┴────────────────────┴─────┴────────┘
    """
    check_every(every, helper="duration_trend")
    keys = group_keys(by, helper="duration_trend")
    frame = _without_cached(_durations_input(frames, now, "duration_trend"), include_cached, "duration_trend")
    require_columns(frame, [*keys, "created_at", *_DURATION_COLUMNS], helper="duration_trend")
    groups = period_keys(keys, helper="duration_trend")
    return duration_summary(
        with_period(frame, every),
        by=groups,
        quantiles=quantiles,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def slowest_jobs(
    frames: JobFrames | pl.DataFrame,
    *,
    n: int = 10,
    by: By = DEFAULT_BY,
    include_running: bool = False,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The ``n`` slowest jobs of each group (``by=None``: of all jobs), slowest first.

    Returns ``rank`` (1 = slowest within its group), ``elapsed_ms`` (what the ranking used) and the
    `job_durations` columns. Finished jobs are ranked by ``duration_ms``; with
    ``include_running=True`` running jobs are ranked too, by ``running_for_ms`` (how long they have
    run so far, a lower bound on their duration, which needs ``now``), so a stuck job shows up.
    Ties are broken by ``job_id``.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        n: how many jobs per group.
        by: grouping column(s); ``None`` or ``()`` to rank all jobs together.
        include_running: rank running jobs too, by how long they have run so far.
        now: passed to `job_durations` (JobFrames input only).

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c", "d"],
        ...         "duration_ms": [300, 100, 200, None],
        ...         "is_running": [False, False, False, True],
        ...         "running_for_ms": [None, None, None, 900],
        ...     }
        ... )
        >>> slowest_jobs(durations, n=2, by=None)
        shape: (2, 6)
        ┌──────┬────────────┬────────┬─────────────┬────────────┬────────────────┐
        │ rank ┆ elapsed_ms ┆ job_id ┆ duration_ms ┆ is_running ┆ running_for_ms │
        │ ---  ┆ ---        ┆ ---    ┆ ---         ┆ ---        ┆ ---            │
        │ u32  ┆ i64        ┆ str    ┆ i64         ┆ bool       ┆ i64            │
        ╞══════╪════════════╪════════╪═════════════╪════════════╪════════════════╡
        │ 1    ┆ 300        ┆ a      ┆ 300         ┆ false      ┆ null           │
        │ 2    ┆ 200        ┆ c      ┆ 200         ┆ false      ┆ null           │
        └──────┴────────────┴────────┴─────────────┴────────────┴────────────────┘
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgumentError(f"slowest_jobs: n must be a positive integer (1 or more); got {n!r}")
    keys = group_keys(by, helper="slowest_jobs")
    frame = _durations_input(frames, now, "slowest_jobs")
    require_columns(frame, ["job_id", *keys, *_DURATION_COLUMNS], helper="slowest_jobs")
    finished = pl.when(~pl.col("is_running")).then(pl.col("duration_ms"))
    elapsed = (
        pl.coalesce(finished, pl.when(pl.col("is_running")).then(pl.col("running_for_ms")))
        if include_running
        else finished
    )
    ranked = (
        frame.with_columns(elapsed_ms=elapsed.cast(pl.Int64))
        .filter(pl.col("elapsed_ms").is_not_null())
        .sort([*keys, "elapsed_ms", "job_id"], descending=[False] * len(keys) + [True, False], nulls_last=True)
    )
    rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)
    ranked = ranked.with_columns(rank=rank.over(keys) if keys else rank).filter(pl.col("rank") <= n)
    return ranked.select("rank", "elapsed_ms", pl.exclude("rank", "elapsed_ms"))


def duration_mismatches(frames: JobFrames | pl.DataFrame, *, tolerance_ms: int = 0) -> pl.DataFrame:
    """Jobs whose recomputed ``duration_ms`` disagrees with the server's ``server_duration_ms``.

    A job is listed when the two differ by more than ``tolerance_ms`` (``reason`` ``"differs"``) or
    exactly one of them is null (``"recomputed_missing"`` / ``"server_missing"``); both null (a
    running job) agrees. Adds ``difference_ms = duration_ms - server_duration_ms`` and ``reason``
    (an Enum) to the `job_durations` columns, largest absolute difference first.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        tolerance_ms: the largest difference that still counts as agreement.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c", "d"],
        ...         "duration_ms": [1000, 2000, None, None],
        ...         "server_duration_ms": [1000, 2500, 700, None],
        ...     }
        ... )
        >>> duration_mismatches(durations)
        shape: (2, 5)
        ┌────────┬─────────────┬────────────────────┬───────────────┬────────────────────┐
        │ job_id ┆ duration_ms ┆ server_duration_ms ┆ difference_ms ┆ reason             │
        │ ---    ┆ ---         ┆ ---                ┆ ---           ┆ ---                │
        │ str    ┆ i64         ┆ i64                ┆ i64           ┆ enum               │
        ╞════════╪═════════════╪════════════════════╪═══════════════╪════════════════════╡
        │ b      ┆ 2000        ┆ 2500               ┆ -500          ┆ differs            │
        │ c      ┆ null        ┆ 700                ┆ null          ┆ recomputed_missing │
        └────────┴─────────────┴────────────────────┴───────────────┴────────────────────┘
    """
    if isinstance(tolerance_ms, bool) or not isinstance(tolerance_ms, int | float) or tolerance_ms < 0:
        raise InvalidArgumentError(
            f"duration_mismatches: tolerance_ms must be a number >= 0 (0 lists every difference); got {tolerance_ms!r}"
        )
    frame = _durations_input(frames, None, "duration_mismatches")
    require_columns(frame, ["job_id", "duration_ms", "server_duration_ms"], helper="duration_mismatches")
    ours, theirs = pl.col("duration_ms"), pl.col("server_duration_ms")
    difference = (ours - theirs).cast(pl.Int64)
    reason = (
        pl.when(ours.is_null() & theirs.is_not_null())
        .then(pl.lit("recomputed_missing"))
        .when(ours.is_not_null() & theirs.is_null())
        .then(pl.lit("server_missing"))
        .when(difference.abs() > tolerance_ms)
        .then(pl.lit("differs"))
        .cast(MismatchReason)
    )
    return (
        frame.with_columns(difference_ms=difference, reason=reason)
        .filter(pl.col("reason").is_not_null())
        .sort(pl.col("difference_ms").abs(), "job_id", descending=[True, False], nulls_last=True)
    )
