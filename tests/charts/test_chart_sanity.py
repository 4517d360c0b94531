"""What a person sees in every chart, read from the rendered chart (vl-convert), not from `to_dict()`.

nbval proves that outputs did not change; it cannot see that a chart is empty. For every public
chart drawn from sandbox data the way the notebooks and the report draw it, these tests render it
and check: marks are drawn, every mark lies inside its plot (the x and y domains span the data),
both axes have tick labels, no two text boxes of the SVG overlap, a version has the same colour in
every chart (and a legend lists only versions drawn), and no two palettes share a colour.

Text boxes come from the SVG: each ``<text>`` (each ``<tspan>`` line) is placed by its own and its
groups' ``transform``, sized by the font's advance widths (DejaVu Sans, the font the renderer
resolves ``sans-serif`` to here, through Pillow; 0.6 em a character if it is missing) and by
ascent 0.8 em / descent 0.2 em around the baseline. Two boxes overlap when their rotated rectangles
intersect by more than a pixel (separating-axis test).
"""

from __future__ import annotations

import json
import math
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from typing import Any

import altair as alt
import polars as pl
import pytest
import vl_convert

import roe_analysis as ra
from roe_analysis import analysis
from roe_analysis.charts import PALETTES, STATUS_COLOURS, version_colours

SVG = "{http://www.w3.org/2000/svg}"
Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as in SVG's matrix()
Box = list[tuple[float, float]]

# --- the charts, as the notebooks and the report draw them -----------------------------------------


@pytest.fixture(scope="module")
def frames(demo_frames: ra.JobFrames) -> ra.JobFrames:
    """The demo agent as seeded (the session's ``demo_frames``, loaded once)."""
    return demo_frames


@pytest.fixture(scope="module")
def colours(frames: ra.JobFrames) -> dict[str, str]:
    return version_colours(frames)


#: Made-up costs per version for the cost charts (the sandbox's own are not relied on here).
BASE_COST = {"v1.0": 0.012, "v1.1": 0.015, "v2.0": 0.031, "v2.1-canary": 0.02}
MODELS = {"v1.0": "gpt-4o-mini", "v1.1": "gpt-4o-mini", "v2.0": "gpt-4.1"}


@pytest.fixture(scope="module")
def costed(frames: ra.JobFrames) -> ra.JobFrames:
    """The demo frames with a result per job: cost by version, alike for reruns, 0 for cache hits."""
    jobs = frames.jobs
    wobble = 1 + (pl.col("id").str.slice(0, 2).str.to_integer(base=16, strict=False).fill_null(0) % 40) / 40
    status = pl.col("status").cast(pl.String)
    base = pl.col("agent_version_name").replace_strict(BASE_COST, default=0.01, return_dtype=pl.Float64)
    results = jobs.select(
        pl.col("id").alias("job_id"),
        pl.when(status == "CACHED")
        .then(0.0)
        .when(status == "FAILURE")
        .then(base / 2)
        .otherwise(base * wobble)
        .alias("cost"),
        (base * 100_000).cast(pl.Int64).alias("input_tokens"),
        (base * 10_000 * wobble).cast(pl.Int64).alias("output_tokens"),
    )
    versions = [{"agent_id": jobs.item(0, "agent_id"), "version_name": v, "model": m} for v, m in MODELS.items()]
    built = ra.JobFrames.from_tables(results=results, versions=versions)
    return replace(frames, results=built.results, versions=built.versions, query={**frames.query, "results": True})


@pytest.fixture(scope="module")
def charts(frames: ra.JobFrames, colours: dict[str, str], costed: ra.JobFrames) -> dict[str, alt.TopLevelMixin]:
    durations = ra.job_durations(frames)
    labels = analysis.version_labels(costed)
    status_summary = ra.status_time_summary(ra.status_time(frames), by=["agent_version_name"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "job_durations_histogram": ra.charts.job_durations_histogram(durations, colours=colours),
            "job_durations_histogram_log": ra.charts.job_durations_histogram(
                durations, log_scale=True, colours=colours
            ),
            "job_durations_ecdf": ra.charts.job_durations_ecdf(durations, colours=colours),
            "job_durations_ecdf_log": ra.charts.job_durations_ecdf(durations, log_scale=True, colours=colours),
            "duration_trend": ra.charts.duration_trend(ra.duration_trend(durations, every="1w"), colours=colours),
            "status_time_summary": ra.charts.status_time_summary(status_summary, colours=colours),
            "status_time_summary_median": ra.charts.status_time_summary(status_summary, stat="median"),
            "score_summary": ra.charts.score_summary(ra.score_summary(frames), colours=colours),
            "compare_versions": ra.charts.compare_versions(ra.compare_all_versions(frames), colours=colours),
            "compare_versions_ab": ra.charts.compare_versions(
                ra.compare_versions(frames, a="v1.0", b="v2.0"), colours=colours
            ),
            "confusion_matrix": ra.charts.confusion_matrix(ra.confusion_matrix(frames, by=None)),
            "confusion_matrix_by_version": ra.charts.confusion_matrix(
                ra.confusion_matrix(frames, by="agent_version_name")
            ),
            "reviewer_stats": ra.charts.reviewer_stats(ra.reviewer_stats(frames)),
            "grader_vs_human": ra.charts.grader_vs_human(frames.jobs, colours=colours),
            "agreement_summary": ra.charts.agreement_summary(ra.agreement_summary(frames, by="agent_version_name")),
            "job_volume": ra.charts.job_volume(
                ra.job_volume(frames, every="1d", by="agent_version_name"), colours=colours
            ),
            "job_volume_status": ra.charts.job_volume(ra.job_volume(frames, every="1d", by="status"), color="status"),
            "failure_rate_chart": ra.charts.failure_rate_chart(ra.failure_summary(frames), colours=colours),
            "failure_trend_chart": ra.charts.failure_trend_chart(ra.failure_trend(frames, every="1w"), colours=colours),
            "cost_quality": ra.charts.cost_quality(analysis.cost_quality(costed), colours=colours),
            "cost_quality_approval_labelled": ra.charts.cost_quality(
                analysis.cost_quality(costed, quality="approval"), colours=colours, labels=labels
            ),
            "cost_summary": ra.charts.cost_summary(analysis.cost_summary(costed), colours=colours),
            "cost_summary_per_approval_labelled": ra.charts.cost_summary(
                analysis.cost_summary(costed), stat="per_approval", colours=colours, labels=labels
            ),
        }


#: Charts that colour marks by agent version (so their colours must follow `version_colours`).
VERSION_COLOURED = {
    "job_durations_histogram",
    "job_durations_histogram_log",
    "job_durations_ecdf",
    "job_durations_ecdf_log",
    "duration_trend",
    "score_summary",
    "compare_versions",
    "compare_versions_ab",
    "grader_vs_human",
    "job_volume",
    "failure_rate_chart",
    "failure_trend_chart",
    "cost_quality",
    "cost_summary",
}


#: Charts whose x axis is fixed by what it measures, not by the data.
FIXED_X_DOMAIN = {"agreement_summary", "reviewer_stats"}  # coefficients on -1..1, rates on 0..100%


@pytest.fixture(scope="module")
def rendered(charts: dict[str, alt.TopLevelMixin]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each chart's SVG and Vega scenegraph."""
    out = {}
    for name, chart in charts.items():
        spec = chart.to_json()
        out[name] = (vl_convert.vegalite_to_svg(spec), vl_convert.vegalite_to_scenegraph(spec))
    return out


def test_every_public_chart_is_drawn_here(charts: dict[str, alt.TopLevelMixin]) -> None:
    drawn = {name.removesuffix("_log") for name in charts} | {
        n for n in ra.charts.__all__ if any(key.startswith(n) for key in charts)
    }
    not_charts = {"with_chart_fonts"}  # the SVG text helper beside the charts
    public = {n for n in ra.charts.__all__ if n.islower() and not n.startswith("version_")} - not_charts
    old = {n for n in public if getattr(ra.charts, n).__name__ != n}
    assert public - old <= drawn


# --- marks and domains, from the scenegraph ---------------------------------------------------------


def walk_marks(node: dict[str, Any], frame: tuple[float, float] | None = None) -> Iterator[tuple[dict, tuple]]:
    """(mark group, the width/height of the plot it is drawn in) for every data mark of the scenegraph."""
    for item in node.get("items", []):
        if not isinstance(item, dict):
            continue
        here = (item["width"], item["height"]) if "width" in item and "height" in item else frame
        if item.get("role") == "mark" and item.get("marktype") != "group":
            yield item, here  # type: ignore[misc]
        yield from walk_marks(item, here)


def mark_problems(scenegraph: dict[str, Any], *, spread: bool = True) -> list[str]:
    """What is wrong with the drawn marks: none, marks placed nowhere or outside the plot, or bunched."""
    items = [(item, frame) for mark, frame in walk_marks(scenegraph["scenegraph"]) for item in mark["items"]]
    if not items:
        return ["no marks drawn"]
    problems: list[str] = []
    xs, ys = [], []
    for item, (width, height) in items:
        if item.get("x") is None or item.get("y") is None:
            # Vega gives no position to a value its scale cannot place (0 on a log axis)
            problems.append(f"a mark with no position: {item.get('description')}")
            continue
        x2 = item.get("x2", item["x"] + item.get("width", 0))
        y2 = item.get("y2", item["y"] + item.get("height", 0))
        for x, y in ((item["x"], item["y"]), (x2, y2)):
            # a domain that does not span the data draws marks outside the plot
            if not (-1.5 <= x <= width + 1.5 and -1.5 <= y <= height + 1.5):
                problems.append(f"a mark outside the {width}×{height} plot at ({x}, {y})")
            xs.append(x / width)
            ys.append(y / height)
    # What was empty before: every curve collapsed to a line at the left edge of a log axis.
    if spread and xs and max(xs) - min(xs) <= 0.3:
        problems.append(f"marks span only {max(xs) - min(xs):.0%} of the width")
    if xs and max(ys) - min(ys) <= 0.1:
        problems.append(f"marks span only {max(ys) - min(ys):.0%} of the height")
    return problems[:5]


def test_the_mark_check_sees_the_old_empty_log_axis() -> None:
    # The ECDF as it was: 0 ms cache hits on a log axis, so no mark had an x position.
    ecdf = pl.DataFrame({"duration_ms": [0, 0, 100, 800_000], "share": [0.25, 0.5, 0.75, 1.0]})
    chart = (
        alt.Chart(ecdf)
        .mark_line(interpolate="step-after")
        .encode(x=alt.X("duration_ms:Q", scale=alt.Scale(type="log")), y="share:Q")
    )
    problems = mark_problems(vl_convert.vegalite_to_scenegraph(chart.to_json()))
    assert problems and problems[0].startswith("a mark with no position")
    bunched = alt.Chart(ecdf).mark_point().encode(x=alt.X("share:Q", scale=alt.Scale(domain=[0, 100])), y="share:Q")
    assert mark_problems(vl_convert.vegalite_to_scenegraph(bunched.to_json())) == ["marks span only 1% of the width"]


@pytest.mark.parametrize(
    "name",
    sorted([*VERSION_COLOURED, "confusion_matrix", "reviewer_stats", "agreement_summary", "status_time_summary"]),
)
def test_marks_are_drawn_inside_their_plot_and_span_it(
    name: str, rendered: dict[str, tuple[str, dict[str, Any]]]
) -> None:
    # Agreement coefficients (-1..1) and reviewer rates (0..100%) keep a fixed axis: they may sit in part of it.
    assert mark_problems(rendered[name][1], spread=name not in FIXED_X_DOMAIN) == [], name


# --- text boxes, from the SVG --------------------------------------------------------------------


def multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def parse_transform(text: str | None) -> Matrix:
    matrix: Matrix = (1, 0, 0, 1, 0, 0)
    for op, args in re.findall(r"(\w+)\(([^)]*)\)", text or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if op == "translate":
            step: Matrix = (1, 0, 0, 1, values[0], values[1] if len(values) > 1 else 0)
        elif op == "rotate":
            r = math.radians(values[0])
            step = (math.cos(r), math.sin(r), -math.sin(r), math.cos(r), 0, 0)
        elif op == "scale":
            step = (values[0], 0, 0, values[-1], 0, 0)
        elif op == "matrix":
            step = tuple(values)  # type: ignore[assignment]
        else:
            raise AssertionError(f"unknown transform {op}")
        matrix = multiply(matrix, step)
    return matrix


@cache
def font(size: float, bold: bool) -> Any:
    try:
        from PIL import ImageFont

        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except (ImportError, OSError):
        return None


def text_width(text: str, size: float, bold: bool) -> float:
    face = font(size, bold)
    return float(face.getlength(text)) if face is not None else 0.6 * size * len(text)


def text_boxes(svg: str) -> list[tuple[str, float, Box]]:
    """(text, angle, corner points) of every line of text in ``svg``, in page coordinates."""
    boxes: list[tuple[str, float, Box]] = []

    def visit(element: ET.Element, matrix: Matrix) -> None:
        here = multiply(matrix, parse_transform(element.get("transform")))
        if element.get("opacity") == "0":
            return  # hidden by the renderer (e.g. a tick label dropped for overlapping): not seen
        if element.tag == f"{SVG}text":
            size = float((element.get("font-size") or "10px").removesuffix("px"))
            bold = element.get("font-weight") == "bold"
            anchor = element.get("text-anchor") or "start"
            lines = [t.text or "" for t in element.findall(f"{SVG}tspan")] or [element.text or ""]
            dys = [0.0] + [float(t.get("dy") or 0) for t in element.findall(f"{SVG}tspan")[1:]]
            offset = 0.0
            angle = round(math.degrees(math.atan2(here[1], here[0])) % 180, 1)
            for line, dy in zip(lines, dys, strict=False):
                offset += dy
                if not line.strip():
                    continue
                width = text_width(line, size, bold)
                x0 = {"start": 0.0, "middle": -width / 2, "end": -width}[anchor]
                corners = [(x0, offset - 0.8 * size), (x0 + width, offset - 0.8 * size)]
                corners += [(x0 + width, offset + 0.2 * size), (x0, offset + 0.2 * size)]
                a, b, c, d, e, f = here
                boxes.append((line, angle, [(a * x + c * y + e, b * x + d * y + f) for x, y in corners]))
            return
        for child in element:
            visit(child, here)

    visit(ET.fromstring(svg), (1, 0, 0, 1, 0, 0))
    return boxes


def overlap(p: Box, q: Box, slack: float = 1.0) -> bool:
    """Whether two convex quadrilaterals intersect by more than ``slack`` pixels (separating axes)."""
    for shape in (p, q):
        for i in range(4):
            (x1, y1), (x2, y2) = shape[i], shape[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            norm = math.hypot(nx, ny) or 1.0
            proj_p = [(x * nx + y * ny) / norm for x, y in p]
            proj_q = [(x * nx + y * ny) / norm for x, y in q]
            if min(max(proj_p), max(proj_q)) - max(min(proj_p), min(proj_q)) <= slack:
                return False
    return True


def test_the_overlap_check_sees_the_old_heatmap_labels() -> None:
    # The heatmap as it was: "28 (31%)" on one line in cells 20 px wide ran into each other.
    chart = (
        alt.Chart(pl.DataFrame({"x": ["a", "b", "c"], "label": ["28 (31%)", "27 (32%)", "9 (13%)"]}))
        .mark_text()
        .encode(x="x:N", text="label:N")
        .properties(width=alt.Step(20))
    )
    boxes = text_boxes(vl_convert.vegalite_to_svg(chart.to_json()))
    labels = [b for b in boxes if "(" in b[0]]
    assert len(labels) == 3
    assert overlap(labels[0][2], labels[1][2])
    # and two level labels side by side with room between them do not overlap
    assert not overlap([(0, 0), (10, 0), (10, 5), (0, 5)], [(12, 0), (20, 0), (20, 5), (12, 5)])


@pytest.mark.parametrize(
    "name",
    [
        "job_durations_histogram",
        "job_durations_histogram_log",
        "job_durations_ecdf",
        "job_durations_ecdf_log",
        "duration_trend",
        "status_time_summary",
        "status_time_summary_median",
        "score_summary",
        "compare_versions",
        "compare_versions_ab",
        "confusion_matrix",
        "confusion_matrix_by_version",
        "reviewer_stats",
        "grader_vs_human",
        "agreement_summary",
        "job_volume",
        "job_volume_status",
        "cost_quality",
        "cost_quality_approval_labelled",
        "cost_summary",
        "cost_summary_per_approval_labelled",
    ],
)
def test_no_two_texts_overlap_and_both_axes_have_tick_labels(
    name: str, rendered: dict[str, tuple[str, dict[str, Any]]]
) -> None:
    svg, _ = rendered[name]
    boxes = text_boxes(svg)
    clashes = [
        (a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a[1] == b[1] and overlap(a[2], b[2])
    ]
    assert not clashes, f"{name}: overlapping texts {clashes[:5]}"
    axes = re.findall(r'aria-label="([XY])-axis[^"]*"', svg)
    assert {"X", "Y"} <= set(axes), f"{name}: axes {axes}"
    labels = re.findall(r'class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg)
    assert len(labels) >= 2 and all("<text" in group for group in labels), f"{name}: an axis without tick labels"
    assert "NaN" not in svg and "Infinity" not in svg


# --- colours -------------------------------------------------------------------------------------


def legend_colours(scenegraph: dict[str, Any]) -> dict[str, str]:
    """Legend label → the colour of its symbol (fill, or stroke when unfilled), from the scenegraph."""
    symbols: list[str] = []
    labels: list[str] = []

    def visit(node: dict[str, Any]) -> None:
        for item in node.get("items", []):
            if not isinstance(item, dict):
                continue
            if item.get("role") == "legend-symbol":
                for symbol in item["items"]:
                    fill = symbol.get("fill")
                    symbols.append(str(fill if fill not in (None, "transparent") else symbol.get("stroke")).upper())
            elif item.get("role") == "legend-label":
                labels.extend(str(label["text"]) for label in item["items"])
            else:
                visit(item)

    visit(scenegraph["scenegraph"])
    assert len(symbols) == len(labels)
    return dict(zip(labels, symbols, strict=True))


def drawn_versions(chart: alt.TopLevelMixin) -> set[str]:
    spec = chart.to_dict()
    rows = [row for values in spec["datasets"].values() for row in values]
    field = "b" if any("comparison" in row for row in rows) else "agent_version_name"
    return {row[field] for row in rows if row.get(field) is not None}


@pytest.mark.parametrize("name", sorted(VERSION_COLOURED))
def test_a_version_has_the_same_colour_in_every_chart_and_legends_list_only_what_is_drawn(
    name: str,
    charts: dict[str, alt.TopLevelMixin],
    rendered: dict[str, tuple[str, dict[str, Any]]],
    colours: dict[str, str],
) -> None:
    legend = legend_colours(rendered[name][1])
    assert legend, f"{name}: no version legend rendered"
    assert set(legend) == drawn_versions(charts[name])
    assert legend == {v: colours[v].upper() for v in legend}


def test_versions_are_coloured_in_order_of_first_appearance(frames: ra.JobFrames, colours: dict[str, str]) -> None:
    first = frames.jobs.group_by("agent_version_name").agg(pl.col("created_at").min()).sort("created_at")
    assert list(colours) == first["agent_version_name"].to_list()
    assert list(colours.values()) == list(PALETTES["version"][: len(colours)])


def test_no_two_palettes_share_a_colour() -> None:
    seen: dict[str, str] = {}
    for name, palette in PALETTES.items():
        for colour in palette:
            assert colour.upper() not in seen, f"{colour} is in both {seen.get(colour.upper())} and {name}"
            seen[colour.upper()] = name
    # each palette's colours are distinct within it too, bar the grey shared by extra versions
    assert len(set(PALETTES["status"])) == len(STATUS_COLOURS)


def test_status_and_coefficient_charts_draw_only_their_own_palettes(
    rendered: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    for name, palette in [
        ("job_volume_status", "status"),
        ("status_time_summary", "status"),
        ("agreement_summary", "coefficient"),
    ]:
        legend = legend_colours(rendered[name][1])
        assert legend, name
        assert set(legend.values()) <= {c.upper() for c in PALETTES[palette]}, (name, legend)


# --- empty frames ----------------------------------------------------------------------------------


def test_a_filter_that_matches_nothing_draws_empty_charts_that_say_so(frames: ra.JobFrames) -> None:
    nothing = ra.filter_frames(frames, version_name="no such version")
    assert nothing.jobs.height == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        durations = ra.job_durations(nothing)
        drawn = [
            ra.charts.job_volume(ra.job_volume(nothing, every="1d")),
            ra.charts.job_durations_histogram(durations),
            ra.charts.job_durations_ecdf(durations, log_scale=True),
            ra.charts.score_summary(ra.score_summary(nothing)),
            ra.charts.confusion_matrix(ra.confusion_matrix(nothing, by=None)),
            ra.charts.duration_trend(ra.duration_trend(durations, every="1w")),
            ra.charts.status_time_summary(ra.status_time_summary(ra.status_time(nothing), by=["agent_version_name"])),
            ra.charts.compare_versions(ra.compare_all_versions(nothing)),
            ra.charts.agreement_summary(ra.agreement_summary(nothing, by="agent_version_name")),
            ra.charts.grader_vs_human(nothing.jobs),
            ra.charts.reviewer_stats(ra.reviewer_stats(nothing)),
            ra.charts.job_volume(ra.job_volume(nothing, every="1d", by="status"), color="status"),
        ]
    for chart in drawn:
        spec = chart.to_dict()
        title = spec["title"] if isinstance(spec["title"], str) else spec["title"]["text"]
        assert title == "No jobs match: nothing to draw"
        assert vl_convert.vegalite_to_svg(json.dumps(spec)).startswith("<svg")
