"""What the analysis helpers share: checking their input, and grouping by ``by=``.

- `require_columns`: the one check that a frame has the columns a helper needs.
- `By`, `DEFAULT_BY` and `group_keys`: the one vocabulary of ``by=`` (a column, several, or
  ``None``/``()`` for one overall row), with `group_aggregate`, `keyed_schema` and `describe_groups`.
- `job_frames`, `jobs_frame`, `derived_frame`: the one check for each kind of first argument
  (`JobFrames` only; `JobFrames` or its jobs frame; `JobFrames` or a helper's output frame).
- `check_every`, `check_threshold`: the options several helpers take.

Every helper checks its input before doing any work, so a wrong frame fails with one readable
message naming the helper, the missing columns, the columns that exist and the closest match,
instead of a Polars ``ColumnNotFoundError`` from deep inside a lazy plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC as UTC_TZ
from datetime import datetime
from typing import TypeAlias

import polars as pl

from roe_analysis._schema import UTC
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError
from roe_analysis.frames import JobFrames


def require_columns(
    frame: pl.DataFrame | pl.LazyFrame | Mapping[str, object],
    columns: Iterable[str],
    *,
    helper: str = "roe_analysis",
) -> None:
    """Raise `MissingColumnsError` unless ``frame`` has every one of ``columns``.

    Args:
        frame: a DataFrame, a LazyFrame (its schema is resolved, no data is read) or a schema mapping.
        columns: the column names the caller needs.
        helper: the name shown at the start of the message, usually the public function's name.

    Raises:
        MissingColumnsError: (a ``ValueError``) listing the missing columns, the available ones
            and the closest match for each missing name.

    Examples:
        >>> import polars as pl
        >>> require_columns(pl.DataFrame({"job_id": ["a"]}), ["job_id"], helper="demo")
        >>> require_columns(pl.DataFrame({"job_id": ["a"]}), ["job_ids"], helper="demo")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.MissingColumnsError: demo: missing column ['job_ids']; available columns: ['job_id']. did you mean 'job_id' for 'job_ids'?
    """  # noqa: E501
    if isinstance(frame, pl.LazyFrame):
        available = list(frame.collect_schema().names())
    elif isinstance(frame, pl.DataFrame):
        available = list(frame.columns)
    else:
        available = list(frame)
    present = set(available)
    missing = [c for c in dict.fromkeys(columns) if c not in present]
    if missing:
        raise MissingColumnsError(helper, missing, available)


# --- grouping ----------------------------------------------------------------------------------------

#: What every ``by=`` accepts: one column, several, or ``None`` / ``()`` for one overall row.
By: TypeAlias = str | Sequence[str] | None

#: The default of every ``by=``: one row (or one set of rows) per agent version.
DEFAULT_BY = "agent_version_name"


def group_keys(
    by: By,
    *,
    helper: str,
    frame: pl.DataFrame | pl.LazyFrame | Mapping[str, object] | None = None,
    reserved: Iterable[str] = (),
) -> list[str]:
    """``by`` as a list of column names: ``[]`` for ``None`` or ``()`` (one overall row).

    Checks that it names columns (a string or a sequence of strings), lists none twice, names no
    column in ``reserved`` (the columns the helper adds to its result) and, with ``frame``, that the
    frame has every one of them.

    Examples:
        >>> group_keys("agent_version_name", helper="demo")
        ['agent_version_name']
        >>> group_keys(None, helper="demo"), group_keys((), helper="demo")
        ([], [])
        >>> group_keys([1], helper="demo")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.ArgumentTypeError: demo: by must be a column name, a sequence of column names, or None (or ()) for one overall row; got [1]
    """  # noqa: E501
    if by is None:
        keys: list[str] = []
    elif isinstance(by, str):
        keys = [by]
    elif isinstance(by, Sequence) and all(isinstance(k, str) for k in by):
        keys = list(by)
    else:
        raise ArgumentTypeError(
            f"{helper}: by must be a column name, a sequence of column names, or None (or ()) for one overall row; "
            f"got {by!r}"
        )
    if len(set(keys)) != len(keys):
        raise InvalidArgumentError(f"{helper}: by lists a column more than once: {keys}; list each column once")
    taken = set(reserved)
    clash = [k for k in keys if k in taken]
    if clash:
        raise InvalidArgumentError(
            f"{helper}: cannot group by {clash}: the result has columns of that name; rename the column first"
        )
    if frame is not None:
        require_columns(frame, keys, helper=helper)
    return keys


def group_aggregate(frame: pl.DataFrame, keys: list[str], aggs: Sequence[pl.Expr]) -> pl.DataFrame:
    """Aggregate per group sorted by the keys, or over the whole frame (one row) without keys."""
    if not keys:
        return frame.select(aggs)
    return frame.group_by(keys).agg(aggs).sort(keys, nulls_last=True)


def describe_groups(frame: pl.DataFrame, keys: list[str], limit: int = 3) -> str:
    """A short human description of the groups in ``frame`` for a warning message."""
    if not keys:
        return "overall"
    shown = [", ".join(f"{k}={v!r}" for k, v in row.items()) for row in frame.select(keys).head(limit).to_dicts()]
    more = f" and {frame.height - limit} more" if frame.height > limit else ""
    return "; ".join(shown) + more


def keyed_schema(frame: pl.DataFrame, keys: list[str], stats: pl.Schema) -> pl.Schema:
    """The schema of a per-group result: the ``keys`` with their dtypes in ``frame``, then ``stats``."""
    return pl.Schema([*((k, frame.schema[k]) for k in keys), *stats.items()])


# --- what a helper is given ------------------------------------------------------------------------------

_BUILD_HINT = "build one with JobFrames.from_records(...), JobFrames.from_tables(...) or a loader"


def job_frames(frames: object, *, helper: str, needs: str) -> JobFrames:
    """``frames`` itself, checked to be a `JobFrames`; ``needs`` says what of it the helper reads."""
    if not isinstance(frames, JobFrames):
        raise ArgumentTypeError(
            f"{helper} expects JobFrames; got {type(frames).__name__}. It needs a JobFrames because {needs}: "
            f"{_BUILD_HINT}."
        )
    return frames


def jobs_frame(frames: object, *, helper: str, columns: Iterable[str] = ()) -> pl.DataFrame:
    """The ``jobs`` frame of a `JobFrames`, or ``frames`` itself when it is a frame with ``columns``."""
    if isinstance(frames, JobFrames):
        return frames.jobs
    if isinstance(frames, pl.DataFrame):
        require_columns(frames, columns, helper=helper)
        return frames
    raise ArgumentTypeError(
        f"{helper} expects JobFrames or a jobs frame (e.g. frames.jobs, filtered); got {type(frames).__name__}"
    )


def derived_frame(
    frames: object,
    derive: Callable[[JobFrames], pl.DataFrame],
    *,
    helper: str,
    derived_by: str,
    columns: Iterable[str] = (),
) -> pl.DataFrame:
    """``derive(frames)`` for a `JobFrames`, or ``frames`` itself when it already is such a frame.

    ``derived_by`` names the helper whose output is accepted instead (e.g. ``"review_outcomes"``);
    such a frame is checked to hold ``columns``.
    """
    if isinstance(frames, JobFrames):
        return derive(frames)
    if isinstance(frames, pl.DataFrame):
        require_columns(frames, columns, helper=helper)
        return frames
    raise ArgumentTypeError(
        f"{helper} expects JobFrames or the frame {derived_by}(...) returns; got {type(frames).__name__}. "
        f"Pass the loaded JobFrames, or {derived_by}(frames) (e.g. filtered)."
    )


# --- options -------------------------------------------------------------------------------------------


def check_every(every: object, *, helper: str) -> str:
    """``every``, checked to be a Polars duration string that can truncate a datetime."""
    hint = "such as '1h', '1d', '1w' or '1mo'"
    if not isinstance(every, str) or not every:
        raise ArgumentTypeError(f"{helper}: every must be a Polars duration string {hint}; got {every!r}")
    try:
        pl.select(pl.lit(datetime(2024, 1, 1, tzinfo=UTC_TZ), dtype=UTC).dt.truncate(every))
    except Exception as exc:
        raise InvalidArgumentError(
            f"{helper}: every={every!r} is not a Polars duration string; every must be a Polars duration string {hint}"
        ) from exc
    return every


def with_period(frame: pl.DataFrame, every: str) -> pl.DataFrame:
    """``frame`` with ``period_start``: its ``created_at`` truncated to ``every`` (a checked duration), in UTC."""
    return frame.with_columns(period_start=pl.col("created_at").cast(UTC).dt.truncate(every))


def period_keys(keys: list[str], *, helper: str) -> list[str]:
    """The groups of a trend, ``["period_start", *keys]``; ``by`` may not name the column it adds."""
    if "period_start" in keys:
        raise InvalidArgumentError(f"{helper}: by must not contain 'period_start', the column it adds; got by={keys}")
    return ["period_start", *keys]


def check_threshold(value: object, *, helper: str, name: str = "threshold") -> None:
    """Raise unless ``value`` is ``None`` or a finite number (a pass mark: scores ``>=`` it pass)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentTypeError(
            f"{helper}: {name} must be a number: a finite number, scores >= {name} pass; got {value!r}"
        )
    if not math.isfinite(value):
        raise InvalidArgumentError(
            f"{helper}: {name} must be a number: a finite number, scores >= {name} pass; got {value!r}"
        )
