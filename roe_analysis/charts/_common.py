"""What every chart shares: one colour per agent version and per status, and the input check."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import polars as pl

from roe_analysis._schema import STATUS_NAMES
from roe_analysis.analysis import require_columns
from roe_analysis.errors import ArgumentTypeError

VERSION = "agent_version_name"

#: Colour-blind-safe palette (Okabe–Ito), assigned to versions in sorted order.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


def version_scale(versions: Iterable[str | None]) -> alt.Scale:
    """A colour scale giving each version the same colour in every chart built from the same data.

    Versions are sorted so the mapping does not depend on row order; the palette repeats past eight
    versions.

    Examples:
        >>> version_scale(["v2", "v1"]).to_dict()
        {'domain': ['v1', 'v2'], 'range': ['#0072B2', '#E69F00']}
    """
    domain = sorted({v for v in versions if v is not None})
    return alt.Scale(domain=domain, range=[PALETTE[i % len(PALETTE)] for i in range(len(domain))])


#: One colour per status (Okabe–Ito order), the same in every status chart.
STATUS_COLOURS: dict[str, str] = {
    "PENDING": "#999999",
    "STARTED": "#0072B2",
    "RETRY": "#E69F00",
    "SUCCESS": "#009E73",
    "FAILURE": "#D55E00",
    "CANCELLED": "#CC79A7",
    "CACHED": "#56B4E9",
    "UNKNOWN": "#000000",
}
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
