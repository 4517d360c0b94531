"""Failure charts: their spec (encodings, data, colours) and what the rendered SVG shows (vl-convert)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import altair as alt
import polars as pl
import pytest
import vl_convert

import roe_analysis as ra
from roe_analysis.charts import version_colours
from roe_analysis.errors import ArgumentTypeError, MissingColumnsError


def rendered(chart: alt.TopLevelMixin) -> str:
    return vl_convert.vegalite_to_svg(chart.to_json())


def axis_labels(svg: str) -> list[list[str]]:
    """The tick labels of each axis, in the order the SVG draws the axes."""
    groups = re.findall(r'class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg)
    return [re.findall(r"<text[^>]*>([^<]*)</text>", group) for group in groups]


def marks(svg: str, kind: str) -> int:
    """How many shapes of mark ``kind`` (``symbol``, ``rule``, ``line``, ``text``) the plot draws."""
    groups = re.findall(rf'<g class="mark-{kind} role-mark[^"]*"[^>]*>(.*?)</g>', svg, flags=re.S)
    return sum(len(re.findall(r"<(?:path|line|text)\b", group)) for group in groups)


def layer_values(spec: dict[str, Any], layer: int) -> list[dict[str, Any]]:
    return spec["datasets"][spec["layer"][layer]["data"]["name"]]


@pytest.fixture(scope="module")
def colours(demo_frames: ra.JobFrames) -> dict[str, str]:
    return version_colours(demo_frames)


def test_rate_chart_on_demo_data(demo_frames: ra.JobFrames, colours: dict[str, str]) -> None:
    chart = ra.charts.failure_rate_chart(ra.failure_summary(demo_frames), colours=colours)
    spec = chart.to_dict()

    assert spec["title"]["text"] == "Failure rate by agent version"
    interval, rate, _, _ = spec["layer"]
    assert interval["encoding"]["y"]["title"] == "Failure rate (share of finished jobs, 95% CI)"
    assert interval["encoding"]["x"]["title"] == "Agent version"
    assert rate["encoding"]["color"]["scale"] == {
        "domain": ["v1.0", "v1.1", "v2.0", "v2.1-canary"],
        "range": [colours[v] for v in ("v1.0", "v1.1", "v2.0", "v2.1-canary")],
    }
    assert [r["agent_version_name"] for r in layer_values(spec, 0)] == ["v1.0", "v1.1", "v2.0"]
    assert [(r["agent_version_name"], r["label"]) for r in layer_values(spec, 3)] == [
        ("v2.1-canary", "too few to tell")
    ]
    svg = rendered(chart)
    x_labels, y_labels = axis_labels(svg)
    assert x_labels == ["v1.0", "v1.1", "v2.0", "v2.1-canary"]
    assert y_labels == ["0%", "1%", "2%", "3%", "4%", "5%", "6%", "7%", "8%", "9%"]
    assert marks(svg, "rule") == 3 and marks(svg, "symbol") == 4
    assert "too few to tell" in svg and "NaN" not in svg


def test_trend_chart_on_demo_data(demo_frames: ra.JobFrames, colours: dict[str, str]) -> None:
    trend = ra.failure_trend(demo_frames, every="1w")
    chart = ra.charts.failure_trend_chart(trend, colours=colours)
    spec = chart.to_dict()

    assert spec["title"]["text"] == "Failure rate over time by agent version"
    assert spec["layer"][1]["encoding"]["x"]["title"] == "Jobs created (UTC period start)"
    assert spec["layer"][1]["encoding"]["y"]["title"] == "Failure rate (95% CI)"
    enough = trend.filter(~pl.col("too_few")).height
    assert len(layer_values(spec, 0)) == len(layer_values(spec, 2)) == enough
    assert len(layer_values(spec, 3)) == trend.height - enough
    svg = rendered(chart)
    x_labels, y_labels = axis_labels(svg)
    assert x_labels[:3] == ["Apr 05", "Apr 12", "Apr 19"] and len(x_labels) >= 6
    assert y_labels[0] == "0%" and all(label.endswith("%") for label in y_labels)
    # Every period is drawn as a dot; rules only where there is an interval; one line per version with one.
    assert marks(svg, "symbol") == trend.height
    assert marks(svg, "rule") == enough
    assert marks(svg, "line") == 3
    top = float(y_labels[-1].rstrip("%")) / 100
    assert top >= trend.get_column("failure_rate_high").max()  # type: ignore[operator]
    assert top >= trend.get_column("failure_rate").max()  # type: ignore[operator]


def test_charts_of_no_jobs_say_so() -> None:
    empty = ra.JobFrames.from_tables()
    for chart in (
        ra.charts.failure_rate_chart(ra.failure_summary(empty)),
        ra.charts.failure_trend_chart(ra.failure_trend(empty)),
    ):
        assert chart.to_dict()["title"]["text"] == "No jobs match: nothing to draw"
        assert rendered(chart).startswith("<svg")


def test_interval_level_follows_the_summary() -> None:
    frames = ra.JobFrames.from_tables(
        jobs={"id": [f"j{i}" for i in range(20)], "agent_version_name": ["v1"] * 20, "status": ["FAILURE"] * 20}
    )
    spec = ra.charts.failure_rate_chart(ra.failure_summary(frames, confidence=0.9)).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Failure rate (share of finished jobs, 90% CI)"


def test_charts_refuse_frames_they_do_not_draw() -> None:
    with pytest.raises(MissingColumnsError, match="failure_rate chart"):
        ra.charts.failure_rate_chart(pl.DataFrame({"agent_version_name": ["v1"]}))
    trend_like = pl.DataFrame({"period_start": [datetime(2026, 5, 1, tzinfo=UTC)], "agent_version_name": ["v1"]})
    with pytest.raises(MissingColumnsError, match="failure_trend chart"):
        ra.charts.failure_trend_chart(trend_like)
    summary = ra.failure_summary(ra.JobFrames.from_tables())
    with pytest.raises(ArgumentTypeError, match="failure_rate chart: colours must be a mapping"):
        ra.charts.failure_rate_chart(summary, colours=["#000000"])  # type: ignore[arg-type]
