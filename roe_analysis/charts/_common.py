"""What every chart shares: the palettes (from `_palette`), the status order, and the input check."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import polars as pl

from roe_analysis._schema import STATUS_NAMES
from roe_analysis.analysis import require_columns
from roe_analysis.charts._palette import (
    COEFFICIENT_COLOURS,
    EXTRA_VERSION_COLOUR,
    NEUTRAL_COLOUR,
    STATUS_COLOURS,
    VERSION,
    VERSION_COLOURS,
    check_colours,
    version_colours,
    version_domain,
    version_scale,
)
from roe_analysis.errors import ArgumentTypeError

__all__ = [
    "COEFFICIENT_COLOURS",
    "DATE_FORMAT",
    "NO_JOBS",
    "EXTRA_VERSION_COLOUR",
    "NEUTRAL_COLOUR",
    "PALETTE",
    "STATUS_COLOURS",
    "STATUS_ORDER",
    "VERSION",
    "check_colours",
    "check_frame",
    "duration_unit",
    "human_title",
    "titled",
    "utc_date_x",
    "version_colours",
    "version_domain",
    "version_scale",
]

#: The version palette, kept under its old name (see `roe_analysis.charts._palette`).
PALETTE: tuple[str, ...] = VERSION_COLOURS

STATUS_ORDER = [*STATUS_NAMES.values(), "UNKNOWN"]


def check_frame(frame: object, columns: Iterable[str], *, chart: str, draws: str) -> pl.DataFrame:
    """``frame`` itself once it is a Polars DataFrame with every one of ``columns``.

    Every chart calls this first, so a wrong input fails with one message naming the chart, before
    Altair or Polars sees it.

    Args:
        frame: what the chart was given.
        columns: the columns the chart reads.
        chart: the chart's name, shown at the start of the message.
        draws: what the chart draws, for the message (e.g. ``"ra.job_volume(...)"``).

    Raises:
        ArgumentTypeError: ``frame`` is not a DataFrame (a list, a `JobFrames`, a LazyFrame …).
        MissingColumnsError: ``frame`` lacks some of ``columns``.

    Examples:
        >>> check_frame([1, 2], ["n"], chart="job_volume chart", draws="the frame ra.job_volume returns")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.ArgumentTypeError: job_volume chart draws a polars DataFrame: the frame ra.job_volume returns; got list
    """  # noqa: E501
    if not isinstance(frame, pl.DataFrame):
        raise ArgumentTypeError(f"{chart} draws a polars DataFrame: {draws}; got {type(frame).__name__}")
    require_columns(frame, list(columns), helper=chart)
    return frame


#: The title of a chart whose frame has no rows (e.g. a filter matched nothing).
NO_JOBS = "No jobs match: nothing to draw"

#: Human titles of the columns charts group by (anything else: underscores to spaces).
_TITLES = {
    VERSION: "Agent version",
    "status": "Status",
    "review_state": "Review state",
    "review_status": "Review status",
    "reviewed_by": "Reviewer",
    "creator_email": "Creator",
    "creator_display_name": "Creator",
    "agent_id": "Agent",
}


def human_title(column: str) -> str:
    """An axis or legend title for ``column``, never the raw column name.

    Examples:
        >>> human_title("agent_version_name"), human_title("metadata_region")
        ('Agent version', 'Metadata region')
    """
    return _TITLES.get(column) or column.replace("_", " ").strip().capitalize()


def titled(text: str, frame: pl.DataFrame) -> str:
    """``text``, or `NO_JOBS` when ``frame`` is empty, so an empty chart says why it is empty."""
    return text if frame.height else NO_JOBS


#: Duration units a chart may use: name, milliseconds per unit; the largest that keeps the longest
#: duration at or above 2 units is chosen.
_UNITS: tuple[tuple[str, float], ...] = (("h", 3_600_000.0), ("min", 60_000.0), ("s", 1_000.0), ("ms", 1.0))


def duration_unit(longest_ms: float | None) -> tuple[str, float]:
    """The unit a duration axis reads in for durations up to ``longest_ms``: (name, ms per unit).

    Examples:
        >>> duration_unit(800_000), duration_unit(46_163), duration_unit(900), duration_unit(None)
        (('min', 60000.0), ('s', 1000.0), ('ms', 1.0), ('s', 1000.0))
    """
    if longest_ms is None or longest_ms <= 0:
        return "s", 1_000.0
    for name, size in _UNITS:
        if longest_ms >= 2 * size:
            return name, size
    return "ms", 1.0


#: The one format of every date axis (UTC): "Apr 02".
DATE_FORMAT = "%b %d"


def utc_date_x(field: str, title: str) -> alt.X:
    """A UTC time x axis with one date format, so every date chart reads alike in every time zone."""
    return alt.X(
        f"{field}:T",
        title=title,
        scale=alt.Scale(type="utc"),
        # labelSeparation: labels closer than that count as overlapping and every other one goes.
        axis=alt.Axis(format=DATE_FORMAT, labelOverlap=True, labelSeparation=8, labelAngle=0),
    )
