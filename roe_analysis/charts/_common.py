"""What every chart shares: one colour per agent version, the same in every chart."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

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
