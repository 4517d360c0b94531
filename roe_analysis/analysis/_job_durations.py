"""How long each job took and where its time went: `job_durations`, `status_time`, `status_time_summary`.

`job_durations` recomputes each job's duration from its status events by the API spec's rule and
splits it into queue and run time; `status_time` gives each status event its time. Their summaries
over many jobs (quantiles, trends, the slowest jobs, disagreements with the server) are in
`roe_analysis.analysis._duration_summaries`.

The spec's rule for ``duration_ms``: from the earliest event to the latest non-CACHED event, events
ordered by timestamp (not by their position in the array), in whole milliseconds, truncated; null
while the job is running (status PENDING, STARTED or RETRY), when any of its event timestamps is
missing, or when it has no non-CACHED event. Trailing CACHED events are later cache hits on a
finished job, so they do not count as time the job took. A job served entirely from cache
(PENDING → CACHED) therefore lasts 0 ms: its latest non-CACHED event is its first.
"""

from __future__ import annotations

from datetime import UTC as UTC_TZ
from datetime import datetime

import polars as pl

from roe_analysis._schema import RUNNING_STATUSES, UTC, Status
from roe_analysis.analysis._common import DEFAULT_BY, By, derived_frame, group_keys, job_frames, require_columns
from roe_analysis.analysis._units import input_ids
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

_NEEDS_EVENTS = "durations come from the status events (jobs and status events together)"

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
        "events_out_of_order": pl.Boolean(),
        "input_id": pl.String(),
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


def _utc_now(now: datetime | None) -> datetime | None:
    if now is None:
        return None
    if not isinstance(now, datetime):
        raise ArgumentTypeError(
            f"now must be a timezone-aware datetime, e.g. datetime.now(timezone.utc); got {type(now).__name__}"
        )
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidArgumentError(
            "now must be timezone-aware, e.g. datetime.now(timezone.utc); a naive datetime is ambiguous"
        )
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
      Never negative: events are ordered by timestamp first, and when the first PENDING is stamped
      after the first STARTED (``events_out_of_order``) the queue is the time from the job's
      earliest event to its first STARTED (0 when STARTED is the earliest).
    - ``run_ms``: first STARTED → ``ended_at``; null while running or without a STARTED event.
      For the usual PENDING-first job ``duration_ms == queue_ms + run_ms``.
    - ``running_for_ms``: for a running job, ``now - started_at`` (``now - created_at`` if it has no
      events yet); null for finished jobs and whenever ``now`` is not given, since "the latest
      timestamp in the data" would silently understate the age of every job.
    - ``retry_count``: RETRY events; ``attempts``: STARTED events.
    - ``cache_hits``: the summed ``count`` of trailing CACHED events (those after the latest
      non-CACHED event), a missing ``count`` counting 1.
    - ``events_out_of_order``: the job's first PENDING is stamped after its first STARTED (a clock
      or logging fault; its ``queue_ms`` is then measured from the earliest event). False otherwise.
    - ``input_id``: the job's input identity (`roe_analysis.analysis._units.input_ids`), null for a
      job without inputs: the unit the summaries count as ``n_inputs``.

    Every time-derived column (times, ``cache_hits``) is null for a job with any event lacking a
    timestamp: its events cannot be put in order. Jobs without events have null times and zero counts.

    Args:
        frames: the loaded `JobFrames`.
        now: a timezone-aware instant at which to measure how long running jobs have been running.

    Raises:
        ArgumentTypeError: if ``frames`` is not a `JobFrames` or ``now`` not a datetime.
        InvalidArgumentError: if ``now`` is naive or earlier than the start of a running job.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from roe_analysis.frames import JobFrames
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> frames = JobFrames.from_tables(
        ...     jobs=[{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS", "duration_ms": 5000}],
        ...     status_events=[
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(2), "status": "STARTED"},
        ...         {"job_id": "j1", "event_index": 2, "timestamp": t(5), "status": "SUCCESS"},
        ...         {"job_id": "j1", "event_index": 3, "timestamp": t(9), "status": "CACHED", "count": 3},
        ...     ],
        ... )
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
    frames = job_frames(frames, helper="job_durations", needs=_NEEDS_EVENTS)
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
    identities = input_ids(frames.inputs).lazy()
    joined = (
        jobs.join(per_job, on="job_id", how="left", maintain_order="left")
        .join(identities, on="job_id", how="left", maintain_order="left")
        .with_columns(
            is_running=pl.col("job_status").is_in(list(RUNNING_STATUSES)).fill_null(False),
            has_timeline=pl.col("timeline_ok").fill_null(False),
        )
    )
    ok = pl.col("has_timeline")
    first_pending, first_started = pl.col("first_pending"), pl.col("first_started")
    out_of_order = ok & (first_pending > first_started)
    queue = pl.when(ok & first_pending.is_not_null() & first_started.is_not_null()).then(
        pl.when(first_pending <= first_started)
        .then(_ms(first_pending, first_started))
        .otherwise(_ms(pl.col("started_at"), first_started))
    )
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
            queue.alias("queue_ms"),
            pl.when(finished_ok).then(_ms(pl.col("first_started"), ended_at)).alias("run_ms"),
            running_for.alias("running_for_ms"),
            pl.col("retry_count").fill_null(0),
            pl.col("attempts").fill_null(0),
            pl.when(ok).then(pl.col("cache_hits")).when(pl.col("timeline_ok").is_null()).then(0).alias("cache_hits"),
            out_of_order.fill_null(False).alias("events_out_of_order"),
            "input_id",
        )
        .cast(DURATIONS_SCHEMA)
        .collect()
    )
    if now_utc is not None:
        negative = result.filter(pl.col("running_for_ms") < 0)
        if negative.height:
            raise InvalidArgumentError(
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
        >>> from roe_analysis.frames import JobFrames
        >>> t = lambda s: datetime(2026, 5, 1, 10, 0, s, tzinfo=timezone.utc)
        >>> frames = JobFrames.from_tables(
        ...     jobs=[{"id": "j1", "agent_version_name": "v1", "status": "SUCCESS"}],
        ...     status_events=[
        ...         {"job_id": "j1", "event_index": 0, "timestamp": t(0), "status": "PENDING"},
        ...         {"job_id": "j1", "event_index": 1, "timestamp": t(5), "status": "SUCCESS"},
        ...         {"job_id": "j1", "event_index": 2, "timestamp": t(2), "status": "STARTED"},
        ...     ],
        ... )
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
    frames = job_frames(frames, helper="status_time", needs=_NEEDS_EVENTS)
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


def status_time_summary(frames: JobFrames | pl.DataFrame, *, by: By = DEFAULT_BY) -> pl.DataFrame:
    """Total, mean and median time in each status per group, from `status_time`.

    Per group and status: ``n_jobs`` (jobs with time in that status), ``total_ms``,
    ``mean_ms`` and ``median_ms`` of the per-job time in that status (a job re-entering a status,
    e.g. STARTED after a RETRY, has its visits added up first; jobs that never had the status are
    not counted as zeros) and ``share`` of the group's total time. Statuses with no timed event
    (end events, open statuses) are left out.

    Args:
        frames: `JobFrames`, or the frame `status_time` returns (e.g. filtered).
        by: grouping column(s); ``None`` or ``()`` for one overall set of rows.

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
    helper = "status_time_summary"
    keys = group_keys(by, helper=helper)
    frame = derived_frame(frames, status_time, helper=helper, derived_by="status_time")
    require_columns(frame, [*keys, "job_id", "status", "time_ms"], helper=helper)
    # Sums in whole microseconds (the timestamps' resolution): integer sums do not depend on the
    # order Polars adds the rows in, so the same data gives the same bytes on every run.
    micros = (pl.col("time_ms") * 1000).round().cast(pl.Int64)
    per_job = (
        frame.lazy()
        .filter(pl.col("time_ms").is_not_null())
        .group_by(*keys, "status", "job_id")
        .agg(micros.sum().alias("time_us"))
    )
    summary = (
        per_job.group_by(*keys, "status")
        .agg(
            n_jobs=pl.len().cast(pl.UInt32),
            _total_us=pl.col("time_us").sum(),
            median_ms=(pl.col("time_us").median() / 1000).cast(pl.Float64),
        )
        .with_columns(
            total_ms=(pl.col("_total_us") / 1000).cast(pl.Float64),
            mean_ms=(pl.col("_total_us") / pl.col("n_jobs") / 1000).cast(pl.Float64),
            share=pl.col("_total_us") / (pl.col("_total_us").sum().over(keys) if keys else pl.col("_total_us").sum()),
        )
        .select(*keys, "status", "n_jobs", "total_ms", "mean_ms", "median_ms", "share")
        .sort(*keys, "status", nulls_last=True)
        .collect()
    )
    return summary
