"""How many jobs: `job_volume` counts jobs per period and group.

The overview question ("how much ran, when, on which version, with what outcome") answered the way
the other helpers work: a pure function from `JobFrames` to a sorted frame. Its chart is
`roe_analysis.charts.volume_chart`.
"""

from __future__ import annotations

import polars as pl

from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_every,
    group_keys,
    jobs_frame,
    require_columns,
    with_period,
)
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

#: The column label of jobs whose `columns` value is missing.
NO_VALUE = "(none)"


def job_volume(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str | None = "1d",
    by: By = DEFAULT_BY,
    columns: str | None = None,
) -> pl.DataFrame:
    """Jobs per period of creation and group: ``period_start`` (unless ``every=None``), the ``by`` columns, ``n``.

    Periods are ``created_at`` truncated in UTC (``every`` a Polars duration: ``"1h"``, ``"1d"``,
    ``"1w"``); periods and groups without jobs have no row. Rows are sorted by period, then group
    (an Enum column such as ``status`` in its own order), nulls last.

    With ``columns`` (e.g. ``"status"``) the counts are spread into one column per value of that
    column, zeros filled, plus ``n`` for the row's total: a cross-table. An Enum column (``status``,
    ``review_status``) gives one column per category, in the Enum's order, whether or not any job
    has it, so the columns are the same whatever the data, no jobs included (``status`` is never
    null: an unknown code is ``UNKNOWN``). Any other column gives one column per value present,
    sorted, and no value column without jobs. Missing values add a ``"(none)"`` column, last.
    Without jobs (a filter that matched nothing) every form returns its columns with no rows;
    totals over all jobs (``every=None, by=None``) keep their one row of zeros.

    Args:
        frames: `JobFrames`, or its ``jobs`` frame (e.g. filtered).
        every: period length, or None for totals over the whole window.
        by: column(s) of ``jobs`` to count within; ``None`` or ``()`` for totals over all jobs.
        columns: a column of ``jobs`` to spread into columns.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d, h: datetime(2026, 5, d, h, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "created_at": [day(1, 9), day(1, 17), day(2, 9), day(2, 10)],
        ...         "agent_version_name": ["v1", "v2", "v2", "v2"],
        ...         "status": ["SUCCESS", "SUCCESS", "FAILURE", "SUCCESS"],
        ...     }
        ... )
        >>> job_volume(jobs)
        shape: (3, 3)
        ┌─────────────────────────┬────────────────────┬─────┐
        │ period_start            ┆ agent_version_name ┆ n   │
        │ ---                     ┆ ---                ┆ --- │
        │ datetime[μs, UTC]       ┆ str                ┆ u32 │
        ╞═════════════════════════╪════════════════════╪═════╡
        │ 2026-05-01 00:00:00 UTC ┆ v1                 ┆ 1   │
        │ 2026-05-01 00:00:00 UTC ┆ v2                 ┆ 1   │
        │ 2026-05-02 00:00:00 UTC ┆ v2                 ┆ 2   │
        └─────────────────────────┴────────────────────┴─────┘
        >>> job_volume(jobs, every=None, columns="status")
        shape: (2, 4)
        ┌────────────────────┬─────────┬─────────┬─────┐
        │ agent_version_name ┆ FAILURE ┆ SUCCESS ┆ n   │
        │ ---                ┆ ---     ┆ ---     ┆ --- │
        │ str                ┆ u32     ┆ u32     ┆ u32 │
        ╞════════════════════╪═════════╪═════════╪═════╡
        │ v1                 ┆ 0       ┆ 1       ┆ 1   │
        │ v2                 ┆ 1       ┆ 2       ┆ 3   │
        └────────────────────┴─────────┴─────────┴─────┘
        >>> status = pl.Enum(["SUCCESS", "FAILURE", "CANCELLED"])
        >>> job_volume(jobs.cast({"status": status}), every=None, columns="status")
        shape: (2, 5)
        ┌────────────────────┬─────────┬─────────┬───────────┬─────┐
        │ agent_version_name ┆ SUCCESS ┆ FAILURE ┆ CANCELLED ┆ n   │
        │ ---                ┆ ---     ┆ ---     ┆ ---       ┆ --- │
        │ str                ┆ u32     ┆ u32     ┆ u32       ┆ u32 │
        ╞════════════════════╪═════════╪═════════╪═══════════╪═════╡
        │ v1                 ┆ 1       ┆ 0       ┆ 0         ┆ 1   │
        │ v2                 ┆ 2       ┆ 1       ┆ 0         ┆ 3   │
        └────────────────────┴─────────┴─────────┴───────────┴─────┘
        >>> job_volume(jobs.cast({"status": status}).head(0), every=None, columns="status").columns
        ['agent_version_name', 'SUCCESS', 'FAILURE', 'CANCELLED', 'n']
    """
    jobs = jobs_frame(frames, helper="job_volume")
    keys = group_keys(by, helper="job_volume")
    if columns is not None and columns in keys:
        raise InvalidArgumentError(
            f"job_volume: columns={columns!r} is also in by={keys}; spread a column that is not grouped by"
        )
    require_columns(
        jobs, [*keys, *([columns] if columns else []), *(["created_at"] if every else [])], helper="job_volume"
    )
    groups = [*keys, *([columns] if columns else [])]
    if every is not None:
        check_every(every, helper="job_volume")
        jobs = with_period(jobs, every)
        groups = ["period_start", *groups]
    counts = (
        jobs.group_by(groups).agg(pl.len().cast(pl.UInt32).alias("n")).sort(groups, nulls_last=True)
        if groups
        else jobs.select(pl.len().cast(pl.UInt32).alias("n"))
    )
    if columns is None:
        return counts
    index = [g for g in groups if g != columns]
    dtype = jobs.schema[columns]
    # In the column's own order: an Enum (status) by its categories, text alphabetically; a missing
    # value gets its own "(none)" column last, so the columns always add up to `n`. An Enum gives
    # every category a column, seen or not, so the schema does not depend on the data.
    seen = counts.get_column(columns).drop_nulls().unique().sort().cast(pl.String).to_list()
    values = list(dtype.categories) if isinstance(dtype, pl.Enum) else seen
    if counts.get_column(columns).null_count():
        values.append(NO_VALUE)
    if not values:
        # No jobs (e.g. a filter matched nothing): the index columns and `n`, no rows; totals over
        # all jobs keep their one row (n = 0), as without ``columns``.
        return counts.select(*index, "n") if index else pl.DataFrame({"n": [0]}, schema={"n": pl.UInt32})
    if counts.height == 0:
        zeros = [pl.lit(0, pl.UInt32).alias(v) for v in [*values, "n"]]
        return counts.select(*index, *zeros) if index else pl.select(zeros)
    spread = counts.with_columns(pl.col(columns).cast(pl.String).fill_null(NO_VALUE)).pivot(
        on=columns, index=index or None, values="n", aggregate_function="sum"
    )
    if not index:
        spread = spread.drop("index", strict=False)
    spread = spread.with_columns(pl.lit(0, pl.UInt32).alias(v) for v in values if v not in spread.columns)
    filled = spread.with_columns(pl.col(values).fill_null(0).cast(pl.UInt32))
    return filled.select(*index, *values).with_columns(pl.sum_horizontal(values).cast(pl.UInt32).alias("n"))
