"""Input validation shared by the analysis helpers and chart builders.

Every helper checks its input before doing any work, so a wrong frame fails with one readable
message naming the helper, the missing columns, the columns that exist and the closest match,
instead of a Polars ``ColumnNotFoundError`` from deep inside a lazy plan.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

import polars as pl


class MissingColumnsError(ValueError):
    """A frame given to a helper lacks columns the helper needs.

    Attributes:
        helper: name of the helper that rejected the frame.
        missing: the required columns that are absent, in the order they were asked for.
        available: the columns the frame has.
    """

    def __init__(self, helper: str, missing: list[str], available: list[str]) -> None:
        self.helper = helper
        self.missing = missing
        self.available = available
        hints = []
        for name in missing:
            close = closest_match(name, available)
            if close is not None:
                hints.append(f"did you mean {close!r} for {name!r}?")
        hint = (" " + " ".join(hints)) if hints else ""
        super().__init__(f"{helper}: missing column(s) {missing}; available columns: {available}.{hint}")


def closest_match(name: str, options: Iterable[str]) -> str | None:
    """The option most like ``name`` (case-insensitive), or ``None`` when nothing is close.

    Examples:
        >>> closest_match("Duration_MS", ["duration_ms", "job_id"])
        'duration_ms'
        >>> print(closest_match("xyz", ["duration_ms"]))
        None
    """
    by_lower: dict[str, str] = {}
    for option in options:
        by_lower.setdefault(str(option).lower(), str(option))
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


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
        roe_analysis.analysis._validate.MissingColumnsError: demo: missing column(s) ['job_ids']; available columns: ['job_id']. did you mean 'job_id' for 'job_ids'?
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
