"""The colours every chart shares: one palette for agent versions, others that never reuse its colours.

A version keeps its colour in every chart: versions are ordered by first appearance (the earliest
``created_at`` of each version's jobs), the first `VERSION_COLOURS` get those colours in that
order, and any further version is grey (`EXTRA_VERSION_COLOUR`). A chart that colours by version
takes the mapping as ``colours=`` (build it once with `version_colours` from the full frames and
pass it to every chart, so a chart showing a subset keeps the colours); without it the chart builds
one from the versions it draws, in sorted order. Its scale lists only the versions drawn, so the
legend shows nothing that is not on the chart.

Statuses, agreement coefficients and single-colour marks use colours outside the version palette
(`PALETTES` lists them all; a test checks that no two share a colour).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import polars as pl

from roe_analysis.errors import ArgumentTypeError, MissingColumnsError
from roe_analysis.frames import JobFrames

VERSION = "agent_version_name"

#: Versions in order of first appearance take these colours (Paul Tol's "bright" set, colour-blind safe).
VERSION_COLOURS: tuple[str, ...] = ("#4477AA", "#EE7733", "#AA3377", "#66CCEE", "#CCBB44", "#332288")
#: The colour of every version past the first ``len(VERSION_COLOURS)``.
EXTRA_VERSION_COLOUR = "#BBBBBB"

#: One colour per status, the same in every status chart; none is a version colour.
STATUS_COLOURS: dict[str, str] = {
    "PENDING": "#777777",
    "STARTED": "#6699CC",
    "RETRY": "#F6C141",
    "SUCCESS": "#228833",
    "FAILURE": "#CC3311",
    "CANCELLED": "#8C510A",
    "CACHED": "#99DDAA",
    "UNKNOWN": "#000000",
}

#: One colour per agreement coefficient (`agreement_summary` chart); none is a version or status colour.
COEFFICIENT_COLOURS: dict[str, str] = {
    "Agreement rate": "#117733",
    "Cohen's kappa": "#882255",
    "Gwet's AC1": "#44AA99",
    "PABAK": "#997700",
}

#: The colour of single-colour marks (reviewer bars), outside every palette.
NEUTRAL_COLOUR = "#4D4D4D"

#: Every categorical palette, by name: no colour appears in two of them.
PALETTES: dict[str, tuple[str, ...]] = {
    "version": (*VERSION_COLOURS, EXTRA_VERSION_COLOUR),
    "status": tuple(STATUS_COLOURS.values()),
    "coefficient": tuple(COEFFICIENT_COLOURS.values()),
    "neutral": (NEUTRAL_COLOUR,),
}


def version_order(frames: JobFrames | pl.DataFrame) -> list[str]:
    """Versions in order of first appearance: by each version's earliest ``created_at`` (ties by name).

    Args:
        frames: `JobFrames`, or a jobs frame with ``agent_version_name`` and ``created_at``.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v2", "v1", "v2", None],
        ...         "created_at": [datetime(2026, 5, d, tzinfo=timezone.utc) for d in (3, 4, 1, 2)],
        ...     }
        ... )
        >>> version_order(jobs)
        ['v2', 'v1']
    """
    jobs = frames.jobs if isinstance(frames, JobFrames) else frames
    if not isinstance(jobs, pl.DataFrame):
        raise ArgumentTypeError(
            f"version_order expects JobFrames or a jobs frame (e.g. frames.jobs); got {type(frames).__name__}"
        )
    missing = [c for c in (VERSION, "created_at") if c not in jobs.columns]
    if missing:
        raise MissingColumnsError("version_order", missing, jobs.columns)
    first = (
        jobs.filter(pl.col(VERSION).is_not_null())
        .group_by(VERSION)
        .agg(pl.col("created_at").min().alias("first"))
        .sort("first", VERSION, nulls_last=True)
    )
    return [str(v) for v in first.get_column(VERSION).to_list()]


def version_colours(versions: JobFrames | pl.DataFrame | Sequence[str]) -> dict[str, str]:
    """One colour per version: the palette in order of first appearance, grey past its end.

    Args:
        versions: `JobFrames` or a jobs frame (ordered by `version_order`), or version names
            already in the order wanted.

    Examples:
        >>> version_colours(["v1.0", "v1.1"])
        {'v1.0': '#4477AA', 'v1.1': '#EE7733'}
        >>> list(version_colours([f"v{i}" for i in range(8)]).values())[-2:]
        ['#BBBBBB', '#BBBBBB']
    """
    if isinstance(versions, JobFrames | pl.DataFrame):
        names = version_order(versions)
    elif isinstance(versions, str) or not isinstance(versions, Sequence):
        raise ArgumentTypeError(
            f"version_colours expects JobFrames, a jobs frame or a list of version names; got {versions!r}"
        )
    else:
        names = list(dict.fromkeys(str(v) for v in versions if v is not None))
    return {
        name: VERSION_COLOURS[i] if i < len(VERSION_COLOURS) else EXTRA_VERSION_COLOUR for i, name in enumerate(names)
    }


def check_colours(colours: object, *, chart: str) -> Mapping[str, str] | None:
    """``colours`` itself when it is None or a mapping of version name to colour text."""
    if colours is None:
        return None
    if not isinstance(colours, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in colours.items()
    ):
        raise ArgumentTypeError(
            f"{chart}: colours must be a mapping of version name to colour, e.g. "
            f"ra.charts.version_colours(frames); got {colours!r}"
        )
    return colours


def version_scale(versions: Iterable[str | None], colours: Mapping[str, str] | None = None) -> alt.Scale:
    """The colour scale of the versions a chart draws: only those, each in its colour of ``colours``.

    Without ``colours`` the drawn versions get the palette in sorted order. A version missing from
    ``colours`` is grey. The domain follows the order of ``colours``, so legends list versions in
    order of first appearance.

    Examples:
        >>> version_scale(["v2", "v1"]).to_dict()
        {'domain': ['v1', 'v2'], 'range': ['#4477AA', '#EE7733']}
        >>> version_scale(["v2"], {"v1": "#4477AA", "v2": "#EE7733"}).to_dict()
        {'domain': ['v2'], 'range': ['#EE7733']}
    """
    drawn = {str(v) for v in versions if v is not None}
    mapping = dict(colours) if colours is not None else version_colours(sorted(drawn))
    domain = [v for v in mapping if v in drawn] + sorted(drawn - set(mapping))
    return alt.Scale(domain=domain, range=[mapping.get(v, EXTRA_VERSION_COLOUR) for v in domain])


def version_domain(versions: Iterable[str | None], colours: Mapping[str, str] | None = None) -> list[str]:
    """The drawn versions in the order `version_scale` lists them (for axis sorts)."""
    return list(version_scale(versions, colours).to_dict()["domain"])
