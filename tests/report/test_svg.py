"""The SVG guard (`roe_analysis.report._svg`): what could run or fetch is refused, ids made unique."""

from __future__ import annotations

import re

import pytest

from roe_analysis.errors import RoeError
from roe_analysis.report._svg import UnsafeSVGError, check_svg, inline_svg

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{}</svg>'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>', "<foreignObject>"),
        ('<rect onload="alert(1)"/>', "event attribute 'onload'"),
        ('<use href="https://example.com/a.svg#x"/>', "links outside the document"),
        ('<rect fill="url(https://example.com/x)"/>', "refers to a resource"),
        ("<style>@import url(x.css);</style>", "<style>"),
        ("<g>", "not well-formed"),
    ],
)
def test_check_svg_refuses_what_could_run_or_fetch(body: str, message: str) -> None:
    with pytest.raises(UnsafeSVGError, match=re.escape(message)):
        check_svg(SVG.format(body))


def test_check_svg_accepts_escaped_hostile_text_and_local_references() -> None:
    body = (
        '<clipPath id="c"/><g clip-path="url(#c)" aria-label="x onerror=alert(1) url(http://x)">'
        "<text>&lt;script&gt;alert(1)&lt;/script&gt;</text></g>"
    )
    check_svg(SVG.format(body))


def test_inline_svg_renames_ids_so_charts_cannot_share_them_and_renders_repeat() -> None:
    svg = SVG.format(
        '<linearGradient id="gradient_7"/><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#gradient_7"/>'
    )
    later = svg.replace("gradient_7", "gradient_8")  # Vega's counter moved on in the same process

    first, second = inline_svg(svg, "first"), inline_svg(svg, "second")

    assert 'id="first-1"' in first and 'id="first-2"' in first
    assert "url(#first-2)" in first and 'href="#first-1"' in first
    assert second == first.replace("first-", "second-")
    assert inline_svg(later, "first") == first
    assert "xmlns" not in first
    with pytest.raises(ValueError, match="chart name"):
        inline_svg(svg, "Not A Name")


def test_unsafe_svg_is_a_roe_error_and_still_a_value_error() -> None:
    assert issubclass(UnsafeSVGError, RoeError)
    assert issubclass(UnsafeSVGError, ValueError)
