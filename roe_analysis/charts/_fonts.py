"""The fonts a chart's static SVG names, so its text has the widths it was laid out with.

vl-convert lays text out with Liberation Sans (the metric twin of Arial) and writes
``font-family="sans-serif"`` on every text element. A browser draws ``sans-serif`` with its own
default, DejaVu Sans on Debian, about 12% wider: legend titles then run past the SVG's edge
("Agent versio") and centred titles past both. Naming Arial's metric twins first, and DejaVu
Sans Condensed (close to Arial's widths) before the generic family, keeps every label inside.
"""

from __future__ import annotations

import html

#: The font stack for chart text: Arial and its metric-compatible twins, then a narrow fallback.
SVG_FONT_FAMILY = 'Arial, Helvetica, "Liberation Sans", Arimo, "Nimbus Sans", "DejaVu Sans Condensed", sans-serif'


def with_chart_fonts(svg: str) -> str:
    """``svg`` (from vl-convert) with its generic ``sans-serif`` text drawn in `SVG_FONT_FAMILY`.

    Examples:
        >>> with_chart_fonts('<text font-family="sans-serif">v1.0</text>')[:52]
        '<text font-family="Arial, Helvetica, &quot;Liberatio'
    """
    return svg.replace('font-family="sans-serif"', f'font-family="{html.escape(SVG_FONT_FAMILY)}"')
