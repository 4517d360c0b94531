"""The fonts a chart's static SVG names, so its text has the widths it was laid out with.

vl-convert lays text out with Liberation Sans (the metric twin of Arial) and writes
``font-family="sans-serif"`` on every text element. A browser draws ``sans-serif`` with its own
default, DejaVu Sans on Debian, about 12% wider: legend titles then run past the SVG's edge
("Agent versio") and centred titles past both. Naming Arial's metric twins first, and DejaVu
Sans Condensed (close to Arial's widths) before the generic family, keeps most labels inside; a
margin around the drawing (`SVG_MARGIN`) keeps the rest: a centred title a little wider in the
browser's font than in vl-convert's spills past both edges ("here the time goes" for "Where").
"""

from __future__ import annotations

import html
import re

#: The font stack for chart text: Arial and its metric-compatible twins, then a narrow fallback.
SVG_FONT_FAMILY = 'Arial, Helvetica, "Liberation Sans", Arimo, "Nimbus Sans", "DejaVu Sans Condensed", sans-serif'


#: Pixels of room added left and right of a chart's SVG for text drawn wider than it was laid out,
#: and above and below it for taller glyphs.
SVG_MARGIN = 16
SVG_MARGIN_Y = 4

_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)" height="([\d.]+)" viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"')


def _widened(match: re.Match[str]) -> str:
    rest, width, height = match.group(1), float(match.group(2)), float(match.group(3))
    x, y, w, h = (float(v) for v in match.groups()[3:])
    m, my = SVG_MARGIN, SVG_MARGIN_Y
    return (
        f'<svg{rest} width="{width + 2 * m:g}" height="{height + 2 * my:g}" '
        f'viewBox="{x - m:g} {y - my:g} {w + 2 * m:g} {h + 2 * my:g}"'
    )


def with_chart_fonts(svg: str) -> str:
    """``svg`` (from vl-convert) with its text drawn in `SVG_FONT_FAMILY` and `SVG_MARGIN` px of room around it.

    Examples:
        >>> with_chart_fonts('<text font-family="sans-serif">v1.0</text>')[:52]
        '<text font-family="Arial, Helvetica, &quot;Liberatio'
        >>> with_chart_fonts('<svg class="marks" width="438" height="347" viewBox="0 0 438 347"></svg>')
        '<svg class="marks" width="470" height="355" viewBox="-16 -4 470 355"></svg>'
    """
    named = svg.replace('font-family="sans-serif"', f'font-family="{html.escape(SVG_FONT_FAMILY)}"')
    return _SIZE.sub(_widened, named, count=1)
