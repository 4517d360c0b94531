"""How long jobs take and where the time goes.

`job_durations` recomputes each job's duration from its status events by the API spec's rule and
splits it into queue and run time; the other helpers summarise that frame (quantiles with bootstrap
intervals, a censoring-aware median, trends, the slowest jobs, disagreements with the server).

The spec's rule for ``duration_ms``: from the earliest event to the latest non-CACHED event, events
ordered by timestamp (not by their position in the array), in whole milliseconds, truncated; null
while the job is running (status PENDING, STARTED or RETRY), when any of its event timestamps is
missing, or when it has no non-CACHED event. Trailing CACHED events are later cache hits on a
finished job, so they do not count as time the job took. A job served entirely from cache
(PENDING → CACHED) therefore lasts 0 ms: its latest non-CACHED event is its first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC as UTC_TZ
from datetime import datetime

import numpy as np
import polars as pl

from roe_analysis._schema import RUNNING_STATUSES, UTC, Status
from roe_analysis.analysis._common import require_columns
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_quantile_ci,
    check_confidence,
    kaplan_meier_median,
    quantile_name,
)
from roe_analysis.frames import JobFrames

#: Columns and dtypes of `job_durations` (one row per job).
DURATIONS_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "created_at": UTC,
        "terminal_status": Status,
        "is_running": pl.Boolean(),
        "started_at": UTC,
        "ended_at": UTC,
        "duration_ms": pl.Int64(),
        "server_duration_ms": pl.Int64(),
        "queue_ms": pl.Int64(),
        "run_ms": pl.Int64(),
        "running_for_ms": pl.Int64(),
        "retry_count": pl.UInt32(),
        "attempts": pl.UInt32(),
        "cache_hits": pl.Int64(),
    }
)

#: Columns and dtypes of `status_time` (one row per status event).
STATUS_TIME_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "event_index": pl.UInt32(),
        "step": pl.UInt32(),
        "status": Status,
        "timestamp": UTC,
        "time_ms": pl.Float64(),
    }
)

#: Why `duration_mismatches` lists a job.
MismatchReason = pl.Enum(["differs", "recomputed_missing", "server_missing"])

_DURATION_COLUMNS = ("duration_ms", "is_running", "running_for_ms")
_SUMMARY_COUNTS = ("n", "n_finished", "n_running", "n_measured", "n_censored")


def _check_frames(frames: object, helper: str) -> JobFrames:
    if not isinstance(frames, JobFrames):
        raise TypeError(
            f"{helper} needs a JobFrames (jobs and status events together); got {type(frames).__name__}. "
            "Build one with JobFrames.from_records(...) or a loader."
        )
    return frames


def _utc_now(now: datetime | None) -> datetime | None:
    if now is None:
        return None
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a timezone-aware datetime; got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(timezone.utc); a naive datetime is ambiguous")
    return now.astimezone(UTC_TZ)


def _ordered_events(events: pl.LazyFrame) -> pl.LazyFrame:
    """Events sorted by job, then timestamp (ties by array position), with order-derived columns.

    ``pos`` is the position by timestamp, ``end_pos`` the position of the job's latest non-CACHED
    event, ``timeline_ok`` whether every event of the job has a timestamp (without that the order,
    and so every time derived from it, is unknown).
    """
    return (
        events.sort("job_id", "timestamp", "event_index", nulls_last=True)
        .with_columns(pos=pl.int_range(pl.len(), dtype=pl.UInt32).over("job_id"))
        .with_columns(
            end_pos=pl.when(pl.col("status") != "CACHED").then(pl.col("pos")).max().over("job_id"),
            timeline_ok=pl.col("timestamp").is_not_null().all().over("job_id"),
        )
    )


def _ms(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole milliseconds from ``start`` to ``end``, truncated toward zero."""
    return (end - start).dt.total_milliseconds()


def job_durations(frames: JobFrames, *, now: datetime | None = None) -> pl.DataFrame:
    """One row per job: its duration recomputed from status events, split into queue and run time.

    Columns (schema `DURATIONS_SCHEMA`):

    - ``job_id``, ``agent_id``, ``agent_version_name``, ``created_at``: from ``jobs``, for grouping.
    - ``terminal_status``: the job's status (``jobs.status``) once finished; null while running.
      Trailing cache hits do not change it (a job that succeeded then served hits stays SUCCESS).
    - ``is_running``: the job's status is PENDING, STARTED or RETRY.
    - ``started_at``: the earliest event; ``ended_at``: the latest non-CACHED event of a finished job.
    - ``duration_ms``: ``ended_at - started_at`` by the spec's rule (see the module docstring).
    - ``server_duration_ms``: ``jobs.duration_ms`` as the API returned it.
    - ``queue_ms``: first PENDING → first STARTED (known while running too); null without both.
    - ``run_ms``: first STARTED → ``ended_at``; null while running or without a STARTED event.
      For the usual PENDING-first job ``duration_ms == queue_ms + run_ms``.
    - ``running_for_ms``: for a running job, ``now - started_at`` (``now - created_at`` if it has no
      events yet); null for finished jobs and whenever ``now`` is not given, since "the latest
      timestamp in the data" would silently understate the age of every job.
    - ``retry_count``: RETRY events; ``attempts``: STARTED events.
    - ``cache_hits``: the summed ``count`` of trailing CACHED events (those after the latest
      non-CACHED event), a missing ``count`` counting 1.

    Every time-derived column (times, ``cache_hits``) is null for a job with any event lacking a
    timestamp: its events cannot be put in order. Jobs without events have null times and zero counts.

    Args:
        frames: the loaded `JobFrames`.
        now: a timezone-aware instant at which to measure how long running jobs have been running.

    Raises:
        ValueError: if ``now`` is naive or earlier than the start of a running job.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> from roe_analysis.frames import JobFrames
        >>> from roe_analysis._schema import JOBS_SCHEMA, STATUS_EVENTS_SCHEMA
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     [{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS", "duration_ms": 5000}],
        ...     schema=JOBS_SCHEMA,
        ... )
        >>> events = pl.DataFrame(
        ...     [
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(2), "status": "STARTED"},
        ...         {"job_id": "j1", "event_index": 2, "timestamp": t(5), "status": "SUCCESS"},
        ...         {"job_id": "j1", "event_index": 3, "timestamp": t(9), "status": "CACHED", "count": 3},
        ...     ],
        ...     schema=STATUS_EVENTS_SCHEMA,
        ... )
        >>> frames = JobFrames.empty()
        >>> frames = JobFrames(jobs, events, frames.inputs, frames.metadata)
        >>> job_durations(frames).select("job_id", "duration_ms", "queue_ms", "run_ms", "cache_hits")
        shape: (1, 5)
        ┌────────┬─────────────┬──────────┬────────┬────────────┐
        │ job_id ┆ duration_ms ┆ queue_ms ┆ run_ms ┆ cache_hits │
        │ ---    ┆ ---         ┆ ---      ┆ ---    ┆ ---        │
        │ str    ┆ i64         ┆ i64      ┆ i64    ┆ i64        │
        ╞════════╪═════════════╪══════════╪════════╪════════════╡
        │ j1     ┆ 5000        ┆ 2000     ┆ 3000   ┆ 3          │
        └────────┴─────────────┴──────────┴────────┴────────────┘
    """
    frames = _check_frames(frames, "job_durations")
    now_utc = _utc_now(now)
    ordered = _ordered_events(frames.status_events.lazy())
    ts = pl.col("timestamp")
    status = pl.col("status")
    trailing = (status == "CACHED") & (pl.col("pos") > pl.col("end_pos").fill_null(-1))
    per_job = ordered.group_by("job_id").agg(
        timeline_ok=pl.col("timeline_ok").first(),
        started_at=ts.min(),
        last_non_cached=ts.filter(status != "CACHED").max(),
        first_pending=ts.filter(status == "PENDING").min(),
        first_started=ts.filter(status == "STARTED").min(),
        retry_count=(status == "RETRY").sum().cast(pl.UInt32),
        attempts=(status == "STARTED").sum().cast(pl.UInt32),
        cache_hits=pl.col("count").fill_null(1).filter(trailing).sum().cast(pl.Int64),
    )
    jobs = frames.jobs.lazy().select(
        pl.col("id").alias("job_id"),
        "agent_id",
        "agent_version_name",
        "created_at",
        pl.col("status").alias("job_status"),
        pl.col("duration_ms").alias("server_duration_ms"),
    )
    joined = jobs.join(per_job, on="job_id", how="left", maintain_order="left").with_columns(
        is_running=pl.col("job_status").is_in(list(RUNNING_STATUSES)).fill_null(False),
        has_timeline=pl.col("timeline_ok").fill_null(False),
    )
    ok = pl.col("has_timeline")
    finished_ok = ok & ~pl.col("is_running")
    started_at = pl.when(ok).then(pl.col("started_at"))
    ended_at = pl.when(finished_ok).then(pl.col("last_non_cached"))
    running_since = (
        pl.when(pl.col("timeline_ok").is_null()).then(pl.col("created_at")).when(ok).then(pl.col("started_at"))
    )
    if now_utc is None:
        running_for: pl.Expr = pl.lit(None, dtype=pl.Int64)
    else:
        running_for = pl.when(pl.col("is_running")).then(_ms(running_since, pl.lit(now_utc, dtype=UTC)))
    result = (
        joined.select(
            "job_id",
            "agent_id",
            "agent_version_name",
            "created_at",
            pl.when(~pl.col("is_running")).then(pl.col("job_status")).alias("terminal_status"),
            "is_running",
            started_at.alias("started_at"),
            ended_at.alias("ended_at"),
            _ms(started_at, ended_at).alias("duration_ms"),
            "server_duration_ms",
            pl.when(ok).then(_ms(pl.col("first_pending"), pl.col("first_started"))).alias("queue_ms"),
            pl.when(finished_ok).then(_ms(pl.col("first_started"), ended_at)).alias("run_ms"),
            running_for.alias("running_for_ms"),
            pl.col("retry_count").fill_null(0),
            pl.col("attempts").fill_null(0),
            pl.when(ok).then(pl.col("cache_hits")).when(pl.col("timeline_ok").is_null()).then(0).alias("cache_hits"),
        )
        .cast(DURATIONS_SCHEMA)
        .collect()
    )
    if now_utc is not None:
        negative = result.filter(pl.col("running_for_ms") < 0)
        if negative.height:
            raise ValueError(
                f"now ({now_utc.isoformat()}) is earlier than the start of {negative.height} running "
                f"job(s), e.g. {negative.item(0, 'job_id')!r}; pass the time the data was loaded"
            )
    return result


def status_time(frames: JobFrames) -> pl.DataFrame:
    """Time spent in each status: one row per status event, for "where does the time go".

    Events are ordered by timestamp within each job (``step`` is that position, ties broken by array
    position). ``time_ms`` is the time from an event to the next one, in milliseconds with the
    microseconds kept as a fraction (Float64), so that a job's times add up exactly: the job's end
    event (its latest non-CACHED event) and any trailing cache hits after it have no time, and the
    sum of a finished job's ``time_ms`` is ``ended_at - started_at``, which `job_durations`
    truncates to whole milliseconds as ``duration_ms``. The
    current status of a running job is open, so also null. A job with any missing timestamp has null
    ``step`` and ``time_ms`` on every event, its order being unknown.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> from roe_analysis.frames import JobFrames
        >>> from roe_analysis._schema import JOBS_SCHEMA, STATUS_EVENTS_SCHEMA
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame([{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS"}], schema=JOBS_SCHEMA)
        >>> events = pl.DataFrame(
        ...     [
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(5), "status": "SUCCESS"},
        ...         {"job_id": "j1", "event_index": 2, "timestamp": t(2), "status": "STARTED"},
        ...     ],
        ...     schema=STATUS_EVENTS_SCHEMA,
        ... )
        >>> frames = JobFrames(jobs, events, JobFrames.empty().inputs, JobFrames.empty().metadata)
        >>> status_time(frames).select("job_id", "event_index", "step", "status", "time_ms")
        shape: (3, 5)
        ┌────────┬─────────────┬──────┬─────────┬─────────┐
        │ job_id ┆ event_index ┆ step ┆ status  ┆ time_ms │
        │ ---    ┆ ---         ┆ ---  ┆ ---     ┆ ---     │
        │ str    ┆ u32         ┆ u32  ┆ enum    ┆ f64     │
        ╞════════╪═════════════╪══════╪═════════╪═════════╡
        │ j1     ┆ 0           ┆ 0    ┆ PENDING ┆ 2000.0  │
        │ j1     ┆ 2           ┆ 1    ┆ STARTED ┆ 3000.0  │
        │ j1     ┆ 1           ┆ 2    ┆ SUCCESS ┆ null    │
        └────────┴─────────────┴──────┴─────────┴─────────┘
    """
    frames = _check_frames(frames, "status_time")
    ordered = _ordered_events(frames.status_events.lazy()).with_columns(
        next_timestamp=pl.col("timestamp").shift(-1).over("job_id")
    )
    ok = pl.col("timeline_ok")
    jobs = frames.jobs.lazy().select(pl.col("id").alias("job_id"), "agent_id", "agent_version_name")
    return (
        ordered.join(jobs, on="job_id", how="left", maintain_order="left")
        .select(
            "job_id",
            "agent_id",
            "agent_version_name",
            "event_index",
            pl.when(ok).then(pl.col("pos")).alias("step"),
            "status",
            "timestamp",
            pl.when(ok & (pl.col("pos") < pl.col("end_pos")))
            .then((pl.col("next_timestamp") - pl.col("timestamp")).dt.total_microseconds() / 1000)
            .alias("time_ms"),
        )
        .cast(STATUS_TIME_SCHEMA)
        .collect()
    )


def status_time_summary(
    status_times: pl.DataFrame | JobFrames, *, by: str | Sequence[str] = ("agent_version_name",)
) -> pl.DataFrame:
    """Total, mean and median time in each status per group, from `status_time`.

    Per group and status: ``n_jobs`` (jobs with time in that status), ``total_ms``,
    ``mean_ms`` and ``median_ms`` of the per-job time in that status (a job re-entering a status,
    e.g. STARTED after a RETRY, has its visits added up first; jobs that never had the status are
    not counted as zeros) and ``share`` of the group's total time. Statuses with no timed event
    (end events, open statuses) are left out.

    Examples:
        >>> import polars as pl
        >>> st = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "a", "b", "b"],
        ...         "agent_version_name": ["v1"] * 4,
        ...         "status": ["PENDING", "STARTED", "PENDING", "STARTED"],
        ...         "time_ms": [1000.0, 3000.0, 3000.0, 5000.0],
        ...     },
        ...     schema_overrides={"status": pl.Enum(["PENDING", "STARTED"])},
        ... )
        >>> status_time_summary(st)
        shape: (2, 7)
        ┌────────────────────┬─────────┬────────┬──────────┬─────────┬───────────┬──────────┐
        │ agent_version_name ┆ status  ┆ n_jobs ┆ total_ms ┆ mean_ms ┆ median_ms ┆ share    │
        │ ---                ┆ ---     ┆ ---    ┆ ---      ┆ ---     ┆ ---       ┆ ---      │
        │ str                ┆ enum    ┆ u32    ┆ f64      ┆ f64     ┆ f64       ┆ f64      │
        ╞════════════════════╪═════════╪════════╪══════════╪═════════╪═══════════╪══════════╡
        │ v1                 ┆ PENDING ┆ 2      ┆ 4000.0   ┆ 2000.0  ┆ 2000.0    ┆ 0.333333 │
        │ v1                 ┆ STARTED ┆ 2      ┆ 8000.0   ┆ 4000.0  ┆ 4000.0    ┆ 0.666667 │
        └────────────────────┴─────────┴────────┴──────────┴─────────┴───────────┴──────────┘
    """
    keys = _keys(by)
    frame = status_time(status_times) if isinstance(status_times, JobFrames) else status_times
    require_columns(frame, [*keys, "job_id", "status", "time_ms"], helper="status_time_summary")
    per_job = (
        frame.lazy()
        .filter(pl.col("time_ms").is_not_null())
        .group_by(*keys, "status", "job_id")
        .agg(pl.col("time_ms").sum())
    )
    summary = (
        per_job.group_by(*keys, "status")
        .agg(
            n_jobs=pl.len().cast(pl.UInt32),
            total_ms=pl.col("time_ms").sum().cast(pl.Float64),
            mean_ms=pl.col("time_ms").mean().cast(pl.Float64),
            median_ms=pl.col("time_ms").median().cast(pl.Float64),
        )
        .with_columns(
            share=pl.col("total_ms") / (pl.col("total_ms").sum().over(keys) if keys else pl.col("total_ms").sum())
        )
        .sort(*keys, "status", nulls_last=True)
        .collect()
    )
    return summary


def _keys(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    keys = list(by)
    if not all(isinstance(k, str) for k in keys):
        raise TypeError(f"by must be a column name or a sequence of column names; got {by!r}")
    return keys


def _durations_input(frames_or_durations: JobFrames | pl.DataFrame, now: datetime | None, helper: str) -> pl.DataFrame:
    if isinstance(frames_or_durations, JobFrames):
        return job_durations(frames_or_durations, now=now)
    if isinstance(frames_or_durations, pl.DataFrame):
        if now is not None:
            raise ValueError(
                f"{helper}: now only applies to JobFrames; a job_durations frame already has running_for_ms "
                "(call job_durations(frames, now=...) instead)"
            )
        return frames_or_durations
    raise TypeError(
        f"{helper} takes a JobFrames or the frame returned by job_durations; got {type(frames_or_durations).__name__}"
    )


def _without_cached(frame: pl.DataFrame, include_cached: bool, helper: str) -> pl.DataFrame:
    if include_cached:
        return frame
    require_columns(frame, ["terminal_status"], helper=helper)
    return frame.filter(pl.col("terminal_status").is_null() | (pl.col("terminal_status") != "CACHED"))


def _quantile_columns(quantiles: Sequence[float]) -> list[tuple[float, str]]:
    named = [(float(q), quantile_name(q)) for q in quantiles]
    names = [name for _, name in named]
    if len(set(names)) != len(names):
        raise ValueError(f"quantiles must be distinct; got {list(quantiles)}")
    return named


def duration_summary_schema(
    by: str | Sequence[str] = ("agent_version_name",),
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
    for key in _keys(by):
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
    frames_or_durations: JobFrames | pl.DataFrame,
    *,
    by: str | Sequence[str] = ("agent_version_name",),
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
        frames_or_durations: `JobFrames`, or the output of `job_durations`.
        by: grouping column(s); ``()`` for one overall row.
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
    keys = _keys(by)
    named = _quantile_columns(quantiles)
    frame = _without_cached(
        _durations_input(frames_or_durations, now, "duration_summary"), include_cached, "duration_summary"
    )
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


def _check_every(every: str, helper: str) -> None:
    try:
        pl.select(pl.lit(datetime(2024, 1, 1, tzinfo=UTC_TZ), dtype=UTC).dt.truncate(every))
    except Exception as exc:
        raise ValueError(
            f"{helper}: every must be a Polars duration string such as '1h', '1d' or '1w'; got {every!r}"
        ) from exc


def duration_trend(
    frames_or_durations: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: str | Sequence[str] = ("agent_version_name",),
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
    _check_every(every, "duration_trend")
    keys = _keys(by)
    frame = _without_cached(
        _durations_input(frames_or_durations, now, "duration_trend"), include_cached, "duration_trend"
    )
    require_columns(frame, [*keys, "created_at", *_DURATION_COLUMNS], helper="duration_trend")
    if "period_start" in keys:
        raise ValueError("duration_trend: by must not contain 'period_start', the column it adds")
    with_period = frame.with_columns(period_start=pl.col("created_at").cast(UTC).dt.truncate(every))
    return duration_summary(
        with_period,
        by=["period_start", *keys],
        quantiles=quantiles,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def slowest_jobs(
    frames_or_durations: JobFrames | pl.DataFrame,
    *,
    n: int = 10,
    by: str | Sequence[str] | None = None,
    include_running: bool = False,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The ``n`` slowest jobs (per group when ``by`` is given), slowest first.

    Returns ``rank`` (1 = slowest within its group), ``elapsed_ms`` (what the ranking used) and the
    `job_durations` columns. Finished jobs are ranked by ``duration_ms``; with
    ``include_running=True`` running jobs are ranked too, by ``running_for_ms`` (how long they have
    run so far, a lower bound on their duration, which needs ``now``), so a stuck job shows up.
    Ties are broken by ``job_id``.

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
        >>> slowest_jobs(durations, n=2)
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
        raise ValueError(f"slowest_jobs: n must be a positive integer; got {n!r}")
    keys = _keys(by)
    frame = _durations_input(frames_or_durations, now, "slowest_jobs")
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


def duration_mismatches(frames_or_durations: JobFrames | pl.DataFrame, *, tolerance_ms: int = 0) -> pl.DataFrame:
    """Jobs whose recomputed ``duration_ms`` disagrees with the server's ``server_duration_ms``.

    A job is listed when the two differ by more than ``tolerance_ms`` (``reason`` ``"differs"``) or
    exactly one of them is null (``"recomputed_missing"`` / ``"server_missing"``); both null (a
    running job) agrees. Adds ``difference_ms = duration_ms - server_duration_ms`` and ``reason``
    (an Enum) to the `job_durations` columns, largest absolute difference first.

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
        raise ValueError(f"duration_mismatches: tolerance_ms must be a number >= 0; got {tolerance_ms!r}")
    frame = _durations_input(frames_or_durations, None, "duration_mismatches")
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
