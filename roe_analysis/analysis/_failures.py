"""Why jobs fail: `failure_summary`, `failure_trend` and `error_messages`.

A failure is a job whose terminal status (from `job_durations`) is FAILURE; a cancellation one
whose terminal status is CANCELLED. Rates are shares of *finished* jobs (SUCCESS, FAILURE,
CANCELLED or CACHED): pending and running jobs have no outcome yet and are counted apart
(``n_unfinished``). Intervals are those of `outcome_rates` (Wilson's on ``n / design_effect``
with a ``t_{G-1}`` critical value over ``G`` inputs; plain Wilson with one run per input), and
null below `MIN_N` inputs ("too few to tell").

Error messages come from the job's FAILURE status event (``error_message``), whitespace
normalised. The sandbox's messages carry no per-job ids or numbers worth stripping (they read
"Exceeded maximum retries", "Model request timed out after 30s"), so the text is otherwise kept.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_every,
    group_keys,
    job_frames,
    keyed_schema,
    period_keys,
    with_period,
)
from roe_analysis.analysis._job_durations import job_durations
from roe_analysis.analysis._rates import _check_options, _one_rate, _runs, _too_few_note
from roe_analysis.analysis._units import MIN_N
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

#: The message of a failed job whose FAILURE event has none.
NO_MESSAGE = "(no message)"

#: The statistics columns of `failure_summary` (after the ``by`` columns).
FAILURE_STATS = pl.Schema(
    {
        "n": pl.UInt32(),
        "n_unfinished": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "failures": pl.UInt32(),
        "cancelled": pl.UInt32(),
        "failure_rate": pl.Float64(),
        "failure_rate_low": pl.Float64(),
        "failure_rate_high": pl.Float64(),
        "cancel_rate": pl.Float64(),
        "cancel_rate_low": pl.Float64(),
        "cancel_rate_high": pl.Float64(),
        "design_effect": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
        "confidence": pl.Float64(),
    }
)

#: The statistics columns of `failure_trend` (after ``period_start`` and the ``by`` columns).
TREND_STATS = pl.Schema(
    {
        "n": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "failures": pl.UInt32(),
        "failure_rate": pl.Float64(),
        "failure_rate_low": pl.Float64(),
        "failure_rate_high": pl.Float64(),
        "too_few": pl.Boolean(),
        "confidence": pl.Float64(),
    }
)

#: The columns of `error_messages` (after the ``by`` columns).
MESSAGE_STATS = pl.Schema(
    {
        "message": pl.String(),
        "n_jobs": pl.UInt32(),
        "share": pl.Float64(),
        "versions": pl.List(pl.String()),
        "first_seen": pl.Datetime("us", "UTC"),
        "last_seen": pl.Datetime("us", "UTC"),
        "example_job_id": pl.String(),
    }
)


def _group_rows(runs: pl.DataFrame, keys: list[str], confidence: float, *, cancel: bool) -> list[dict[str, object]]:
    """One dict per group of ``runs`` (sorted by ``keys``): counts, rates and intervals."""
    if keys:
        groups = runs.sort(keys, nulls_last=True).partition_by(keys, maintain_order=True, include_key=True)
    else:
        groups = [runs]
    rows = []
    for group in groups:
        done = group.filter(pl.col("finished"))
        clusters = done.get_column("cluster").to_numpy()
        n_inputs = int(np.unique(clusters).size)
        row: dict[str, object] = {k: group.item(0, k) for k in keys}
        row |= {"n": done.height, "n_unfinished": group.height - done.height, "n_inputs": n_inputs}
        for rate, count_name, prefix in (
            ("failure", "failures", "failure_rate"),
            ("cancel", "cancelled", "cancel_rate"),
        ):
            if rate == "cancel" and not cancel:
                continue
            values = done.get_column(rate).cast(pl.Float64).to_numpy()
            low, high, deff = _one_rate(values, clusters, confidence)
            if n_inputs < MIN_N:
                low = high = None
            count = int(values.sum())
            row |= {
                count_name: count,
                prefix: count / values.size if values.size else None,
                f"{prefix}_low": low,
                f"{prefix}_high": high,
            }
            if rate == "failure":
                row["design_effect"] = deff
        rows.append(row)
    return rows


def failure_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    cluster: str | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Failures and cancellations per group, with intervals that count inputs.

    Columns (the ``by`` columns, then `FAILURE_STATS`): ``n`` (finished jobs: SUCCESS, FAILURE,
    CANCELLED or CACHED; pending and running jobs are not counted, but reported as
    ``n_unfinished``), ``n_inputs`` (distinct inputs among the finished jobs), ``failures`` and
    ``cancelled`` (counts), ``failure_rate`` (failures / ``n``) with ``failure_rate_low`` and
    ``failure_rate_high``, ``cancel_rate`` with its bounds (Wilson's interval on
    ``n / design_effect`` with a ``t_{G-1}`` critical value, as `outcome_rates`; null below `MIN_N`
    inputs), ``design_effect`` (of the failure indicator; null when it never varies), ``too_few``,
    ``note`` ("too few to tell: 4 inputs (need 10)", unfinished jobs not counted) and
    ``confidence``. Rows are sorted by the ``by`` columns, nulls last.

    Args:
        frames: the loaded `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        by: the grouping columns (``None`` for one overall row).
        cluster: the unit of evidence, ``input_id`` by default.
        confidence: the level of the intervals.

    Raises:
        ArgumentTypeError: ``frames`` is neither `JobFrames` nor a frame, or an option has the wrong type.
        MissingColumnsError: the frame lacks a column it needs.
        InvalidArgumentError: ``confidence`` is not between 0 and 1, or ``cluster`` is not a column.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(6)],
        ...         "agent_version_name": ["v1", "v1", "v1", "v2", "v2", "v2"],
        ...         "terminal_status": ["SUCCESS", "FAILURE", "CANCELLED", "SUCCESS", "FAILURE", None],
        ...         "retry_count": [0] * 6,
        ...     }
        ... )
        >>> failure_summary(durations).select("agent_version_name", "n", "n_unfinished", "failures", "failure_rate")
        shape: (2, 5)
        ┌────────────────────┬─────┬──────────────┬──────────┬──────────────┐
        │ agent_version_name ┆ n   ┆ n_unfinished ┆ failures ┆ failure_rate │
        │ ---                ┆ --- ┆ ---          ┆ ---      ┆ ---          │
        │ str                ┆ u32 ┆ u32          ┆ u32      ┆ f64          │
        ╞════════════════════╪═════╪══════════════╪══════════╪══════════════╡
        │ v1                 ┆ 3   ┆ 0            ┆ 1        ┆ 0.333333     │
        │ v2                 ┆ 2   ┆ 1            ┆ 1        ┆ 0.5          │
        └────────────────────┴─────┴──────────────┴──────────┴──────────────┘
    """
    helper = "failure_summary"
    keys = group_keys(by, helper=helper, reserved=FAILURE_STATS.names())
    _check_options(confidence, cluster, helper=helper)
    runs, unit = _runs(frames, keys, cluster, helper=helper)
    schema = keyed_schema(runs, keys, FAILURE_STATS)
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    rows = _group_rows(runs, keys, float(confidence), cancel=True)
    partial = {name: dtype for name, dtype in schema.items() if name not in ("too_few", "note", "confidence")}
    out = pl.DataFrame(rows, schema=partial).with_columns(
        (pl.col("n_inputs") < MIN_N).alias("too_few"),
        _too_few_note(pl.col("n_inputs"), pl.col("n_unfinished"), unit).alias("note"),
        pl.lit(float(confidence)).alias("confidence"),
    )
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def failure_trend(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """The failure rate per period of creation and group, with its interval.

    Columns: ``period_start`` (``created_at`` truncated to ``every`` in UTC), the ``by`` columns,
    then `TREND_STATS`: ``n`` (finished jobs), ``n_inputs``, ``failures``, ``failure_rate`` and its
    bounds (as in `failure_summary`; null below `MIN_N` inputs in the period, ``too_few``) and
    ``confidence``. Periods without finished jobs have no row; sorted by period then group.

    Args:
        frames: the loaded `JobFrames`, or the frame `job_durations` returns.
        every: a Polars duration: ``"1h"``, ``"1d"``, ``"1w"``.
        by: the grouping columns within a period (``None`` for one row per period).
        confidence: the level of the intervals.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, 9, tzinfo=timezone.utc)
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c"],
        ...         "agent_version_name": ["v1", "v1", "v1"],
        ...         "created_at": [day(1), day(1), day(2)],
        ...         "terminal_status": ["FAILURE", "SUCCESS", "SUCCESS"],
        ...         "retry_count": [0, 0, 0],
        ...     }
        ... )
        >>> failure_trend(durations).select("period_start", "n", "failures", "failure_rate", "too_few")
        shape: (2, 5)
        ┌─────────────────────────┬─────┬──────────┬──────────────┬─────────┐
        │ period_start            ┆ n   ┆ failures ┆ failure_rate ┆ too_few │
        │ ---                     ┆ --- ┆ ---      ┆ ---          ┆ ---     │
        │ datetime[μs, UTC]       ┆ u32 ┆ u32      ┆ f64          ┆ bool    │
        ╞═════════════════════════╪═════╪══════════╪══════════════╪═════════╡
        │ 2026-05-01 00:00:00 UTC ┆ 2   ┆ 1        ┆ 0.5          ┆ true    │
        │ 2026-05-02 00:00:00 UTC ┆ 1   ┆ 0        ┆ 0.0          ┆ true    │
        └─────────────────────────┴─────┴──────────┴──────────────┴─────────┘
    """
    helper = "failure_trend"
    keys = group_keys(by, helper=helper, reserved=TREND_STATS.names())
    groups = period_keys(keys, helper=helper)
    check_every(every, helper=helper)
    _check_options(confidence, None, helper=helper)
    runs, _ = _runs(frames, [*keys, "created_at"], None, helper=helper)
    runs = with_period(runs, every).filter(pl.col("finished")).drop("created_at")
    schema = keyed_schema(runs, groups, TREND_STATS)
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    rows = _group_rows(runs, groups, float(confidence), cancel=False)
    partial = {name: dtype for name, dtype in schema.items() if name not in ("too_few", "confidence")}
    out = pl.DataFrame([{k: v for k, v in r.items() if k in partial} for r in rows], schema=partial)
    out = out.with_columns((pl.col("n_inputs") < MIN_N).alias("too_few"), pl.lit(float(confidence)).alias("confidence"))
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def error_messages(frames: JobFrames, *, by: By = None, top: int | None = 10) -> pl.DataFrame:
    """The most common error messages of failed jobs, from their FAILURE status event.

    A failed job (terminal status FAILURE) counts once, under the ``error_message`` of its last
    FAILURE event, with runs of whitespace collapsed to one space and the ends trimmed; a job whose
    event has no message (or no FAILURE event) counts under ``"(no message)"``. Ids and numbers
    are kept: the sandbox's messages carry none that differ per job.

    Columns (the ``by`` columns, then `MESSAGE_STATS`): ``message``, ``n_jobs``, ``share`` (of the
    group's failed jobs), ``versions`` (the versions with it, in order of first appearance),
    ``first_seen``/``last_seen`` (``created_at`` of its first and last job) and ``example_job_id``
    (its first job). Per group, the ``top`` messages (``None``: all) by ``n_jobs``, ties by message.

    Args:
        frames: the loaded `JobFrames` (the messages live in its status events).
        by: columns of ``jobs`` to rank within (``None``: over all failed jobs).
        top: how many messages per group, a positive integer, or ``None`` for all.

    Raises:
        ArgumentTypeError: ``frames`` is not a `JobFrames`, or ``top`` is not a positive integer or None.

    Examples:
        >>> import roe_analysis as ra
        >>> frames = ra.JobFrames.from_tables(
        ...     jobs={"id": ["a", "b", "c"], "status": ["FAILURE", "FAILURE", "SUCCESS"],
        ...           "agent_version_name": ["v1", "v1", "v1"]},
        ...     status_events={"job_id": ["a", "b", "c"], "event_index": [0, 0, 0],
        ...                    "status": ["FAILURE", "FAILURE", "SUCCESS"],
        ...                    "error_message": ["Tool  call failed ", None, None]},
        ... )
        >>> error_messages(frames).select("message", "n_jobs", "share", "versions", "example_job_id")
        shape: (2, 5)
        ┌──────────────────┬────────┬───────┬───────────┬────────────────┐
        │ message          ┆ n_jobs ┆ share ┆ versions  ┆ example_job_id │
        │ ---              ┆ ---    ┆ ---   ┆ ---       ┆ ---            │
        │ str              ┆ u32    ┆ f64   ┆ list[str] ┆ str            │
        ╞══════════════════╪════════╪═══════╪═══════════╪════════════════╡
        │ (no message)     ┆ 1      ┆ 0.5   ┆ ["v1"]    ┆ b              │
        │ Tool call failed ┆ 1      ┆ 0.5   ┆ ["v1"]    ┆ a              │
        └──────────────────┴────────┴───────┴───────────┴────────────────┘
    """
    helper = "error_messages"
    frames = job_frames(frames, helper=helper, needs="the messages come from the status events")
    keys = group_keys(by, helper=helper, frame=frames.jobs, reserved=MESSAGE_STATS.names())
    if top is not None and (isinstance(top, bool) or not isinstance(top, int)):
        raise ArgumentTypeError(f"{helper}: top must be a positive integer, or None for all messages; got {top!r}")
    if top is not None and top < 1:
        raise InvalidArgumentError(f"{helper}: top must be a positive integer, or None for all messages; got {top!r}")
    schema = keyed_schema(frames.jobs, keys, MESSAGE_STATS)
    failed = (
        job_durations(frames)
        .filter(pl.col("terminal_status").cast(pl.String) == "FAILURE")
        .select("job_id", "created_at")
        .join(
            frames.jobs.select(pl.col("id").alias("job_id"), pl.col("agent_version_name").alias("_version"), *keys),
            on="job_id",
            how="left",
        )
    )
    events = (
        frames.status_events.filter(pl.col("status").cast(pl.String) == "FAILURE")
        .sort("job_id", "event_index")
        .group_by("job_id", maintain_order=True)
        .agg(pl.col("error_message").last())
    )
    cleaned = pl.col("error_message").str.replace_all(r"\s+", " ").str.strip_chars()
    failed = failed.join(events, on="job_id", how="left").with_columns(
        message=pl.when(cleaned.is_null() | (cleaned == "")).then(pl.lit(NO_MESSAGE)).otherwise(cleaned)
    )
    if failed.height == 0:
        return pl.DataFrame(schema=schema)
    failed = failed.sort("created_at", "job_id", nulls_last=True)
    total = pl.len().over(keys) if keys else pl.len()
    out = (
        failed.with_columns(_total=total)
        .group_by([*keys, "message"], maintain_order=True)
        .agg(
            pl.len().alias("n_jobs"),
            (pl.len() / pl.col("_total").first()).alias("share"),
            pl.col("_version").drop_nulls().unique(maintain_order=True).alias("versions"),
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
            pl.col("job_id").first().alias("example_job_id"),
        )
        .sort([*keys, "n_jobs", "message"], descending=[*([False] * len(keys)), True, False], nulls_last=True)
    )
    if top is not None:
        out = out.filter(pl.int_range(pl.len()).over(keys) < top) if keys else out.head(top)
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
