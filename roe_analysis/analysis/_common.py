"""Input validation shared by the analysis helpers and chart builders.

Every helper checks its input before doing any work, so a wrong frame fails with one readable
message naming the helper, the missing columns, the columns that exist and the closest match,
instead of a Polars ``ColumnNotFoundError`` from deep inside a lazy plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from roe_analysis.errors import MissingColumnsError


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
        roe_analysis.errors.MissingColumnsError: demo: missing column(s) ['job_ids']; available columns: ['job_id']. did you mean 'job_id' for 'job_ids'?
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
