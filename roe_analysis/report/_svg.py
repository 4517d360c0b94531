"""Altair charts as inline SVG: rendered offline by vl-convert, checked, made safe to inline.

vl-convert runs Vega-Lite and Vega in an embedded JavaScript engine and returns the SVG the
browser would draw, so a report needs no JavaScript, no CDN and no network to show its charts.
Vega escapes every text and attribute it writes (a reviewer called ``<script>`` appears as
``&lt;script&gt;``); `inline_svg` still parses the result and refuses anything that could run or
fetch (a script, a foreign object, an event attribute, a link leaving the document), so the safety
of the report does not rest on another library's escaping alone.

Several SVGs inlined in one HTML document share one id space, so every id is prefixed with the
chart's name (a clip path ``clip1`` in two charts would otherwise clip the second with the first's).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from roe_analysis.errors import InvalidArgumentError, RoeError

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_FORBIDDEN_TAGS = frozenset(
    {"script", "style", "foreignObject", "iframe", "object", "embed", "image", "audio", "video", "a"}
)
#: Presentation attributes whose ``url(...)`` would load a resource unless it points inside the document.
_URL_ATTRIBUTES = frozenset(
    {"fill", "stroke", "clip-path", "mask", "filter", "style", "marker-start", "marker-mid", "marker-end", "cursor"}
)
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


# A RoeError itself, not MalformedResponseError (the SVG comes from vl-convert on this machine, not
# from the API) nor InvalidArgumentError (the caller's arguments may be fine: it is the rendered
# output that fails the safety check). Still a ValueError, as it always was, for `except ValueError`.
class UnsafeSVGError(RoeError, ValueError):
    """A rendered chart holds something that could run code or load a resource."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def check_svg(svg: str) -> None:
    """Raise `UnsafeSVGError` unless ``svg`` is well-formed SVG that can neither run code nor fetch.

    Examples:
        >>> check_svg('<svg xmlns="http://www.w3.org/2000/svg"><text>&lt;script&gt;</text></svg>')
        >>> check_svg('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
        Traceback (most recent call last):
        ...
        roe_analysis.report._svg.UnsafeSVGError: chart SVG holds a <script> element
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise UnsafeSVGError(f"chart SVG is not well-formed XML: {exc}") from exc
    if _local(root.tag) != "svg":
        raise UnsafeSVGError(f"chart SVG starts with <{_local(root.tag)}>, not <svg>")
    for element in root.iter():
        tag = _local(element.tag)
        if tag in _FORBIDDEN_TAGS:
            raise UnsafeSVGError(f"chart SVG holds a <{tag}> element")
        for attribute, value in element.attrib.items():
            name = _local(attribute).lower()
            if name.startswith("on"):
                raise UnsafeSVGError(f"chart SVG holds an event attribute {name!r} on <{tag}>")
            if name == "href" and not value.startswith("#"):
                raise UnsafeSVGError(f"chart SVG links outside the document from <{tag}>")
            if name in _URL_ATTRIBUTES and re.search(r"url\(\s*['\"]?\s*(?!#)", value):
                raise UnsafeSVGError(f"chart SVG refers to a resource in {name!r} of <{tag}>")


def inline_svg(svg: str, name: str) -> str:
    """``svg`` checked by `check_svg`, ready to sit inside HTML: no XML namespaces, ids renamed.

    Ids become ``<name>-1``, ``<name>-2``… in order of first appearance, and every ``url(#…)`` and
    ``href="#…"`` follows them: unique across the charts of a page, and the same on every render.

    Args:
        svg: an SVG document as vl-convert returns it.
        name: the chart's name (lowercase letters, digits, dashes), used as the id prefix.

    Examples:
        >>> inline_svg(
        ...     '<svg xmlns="http://www.w3.org/2000/svg" width="2"><clipPath id="clip1"/>'
        ...     '<g clip-path="url(#clip1)"/></svg>',
        ...     "trend",
        ... )
        '<svg width="2" class="chart-svg"><clipPath id="trend-1"/><g clip-path="url(#trend-1)"/></svg>'
    """
    if not _NAME.match(name):
        raise InvalidArgumentError(
            f"chart name must be lowercase letters, digits and dashes; got {name!r}: name it e.g. 'duration-trend'"
        )
    check_svg(svg)
    body = svg.strip()
    if body.startswith("<?xml"):
        body = body[body.index("?>") + 2 :].lstrip()
    # The HTML parser puts <svg> and its children in the SVG namespace by itself.
    body = body.replace(f' xmlns="{_SVG_NS}"', "", 1).replace(f' xmlns:xlink="{_XLINK_NS}"', "", 1)
    # Vega numbers gradients and clip paths with a counter that runs on across renders in one
    # process; renumbering them by first appearance keeps the same chart byte-identical.
    ids = {old: f"{name}-{i}" for i, old in enumerate(dict.fromkeys(re.findall(r'\bid="([^"]+)"', body)), 1)}

    def local(match: re.Match[str]) -> str:
        return ids.get(match.group(1), f"{name}-{match.group(1)}")

    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{local(m)}"', body)
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{local(m)})", body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{local(m)}"', body)
    head, sep, rest = body.partition(">")
    if ' class="' in head:
        head = head.replace(' class="', ' class="chart-svg ', 1)
    else:
        head += ' class="chart-svg"'
    return head + sep + rest


def render_svg(chart: Any, name: str) -> str:
    """An Altair chart rendered offline by vl-convert, as inline SVG (see `inline_svg`).

    Examples:
        >>> import altair as alt
        >>> import polars as pl
        >>> chart = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
        >>> svg = render_svg(chart, "demo")
        >>> svg[:50]
        '<svg version="1.1" class="chart-svg marks" width="'
        >>> "<script" in svg, "http" in svg
        (False, False)
    """
    import vl_convert

    # The chart builders' specs are validated by their own tests; validating again costs a third of the render.
    return inline_svg(vl_convert.vegalite_to_svg(chart.to_json(validate=False)), name)
