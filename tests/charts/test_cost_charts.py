"""Cost charts: their spec (layers, data, colours, titles) and what the rendered SVG shows (vl-convert)."""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import polars as pl
import pytest
import vl_convert

from roe_analysis import analysis, charts
from roe_analysis.charts import version_colours
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames


def rendered(chart: alt.TopLevelMixin) -> str:
    return vl_convert.vegalite_to_svg(chart.to_json())


def axis_labels(svg: str) -> list[list[str]]:
    """The tick labels of each axis (each line of a label apart), in the order the SVG draws the axes."""
    groups = re.findall(r'class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, flags=re.S)
    return [[t for t in re.findall(r">([^<>]+)</(?:text|tspan)>", group) if t.strip()] for group in groups]


def legend_labels(svg: str) -> list[str]:
    groups = re.findall(r'class="mark-text role-legend-label"[^>]*>(.*?)</g>', svg, flags=re.S)
    return [t for group in groups for t in re.findall(r">([^<>]+)</text>", group)]


def layer_rows(spec: dict[str, Any], layer: int) -> list[dict[str, Any]]:
    return spec["datasets"][spec["layer"][layer]["data"]["name"]]


QUALITY = pl.DataFrame(
    {
        "agent_version_name": ["v1", "v2", "v3", "canary"],
        "quality_measure": ["grader_score"] * 4,
        "n_with_cost": [40, 40, 40, 4],
        "n_quality": [40, 40, 40, 4],
        "mean_cost": [0.012, 0.031, 0.040, 0.020],
        "mean_cost_low": [0.010, 0.027, 0.035, None],
        "mean_cost_high": [0.014, 0.035, 0.046, None],
        "quality": [0.62, 0.84, 0.80, 0.9],
        "quality_low": [0.58, 0.80, 0.76, None],
        "quality_high": [0.66, 0.88, 0.84, None],
        "pareto": [True, True, False, None],
        "pareto_uncertain": [False, False, True, None],
        "too_few": [False, False, False, True],
    }
)
COLOURS = version_colours(["v1", "v2", "v3", "canary"])
LABELS = {"v1": "v1 · gpt-4o-mini", "v2": "v2 · gpt-4.1"}


def test_cost_quality_draws_bars_on_both_axes_and_marks_the_front() -> None:
    chart = charts.cost_quality(QUALITY, colours=COLOURS)
    spec = chart.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "rule", "rule", "point", "point", "point"]
    line, cost_bars, quality_bars, _, dots, hollow = spec["layer"]
    # The front: a dashed line and a ring through the two members, cheapest first.
    assert [r["agent_version_name"] for r in layer_rows(spec, 0)] == ["v1", "v2"]
    assert [r["agent_version_name"] for r in layer_rows(spec, 3)] == ["v1", "v2"]
    assert line["mark"]["strokeDash"] == [6, 4]
    # Bars only where there is an interval; the canary (too few) is a hollow dot.
    assert [r["agent_version_name"] for r in layer_rows(spec, 1)] == ["v1", "v2", "v3"]
    assert (cost_bars["encoding"]["x"]["field"], cost_bars["encoding"]["x2"]["field"]) == (
        "mean_cost_low",
        "mean_cost_high",
    )
    assert (quality_bars["encoding"]["y"]["field"], quality_bars["encoding"]["y2"]["field"]) == (
        "quality_low",
        "quality_high",
    )
    assert [r["agent_version_name"] for r in layer_rows(spec, 5)] == ["canary"]
    assert hollow["mark"]["filled"] is False and dots["mark"]["filled"] is True
    # Versions keep their colours, listed in the order of first appearance.
    assert dots["encoding"]["color"]["scale"] == {"domain": list(COLOURS), "range": list(COLOURS.values())}
    assert dots["encoding"]["x"]["title"] == "Mean cost per job (USD, 95% CI)"
    assert dots["encoding"]["y"]["title"] == "Mean grader score (95% CI)"
    assert spec["title"]["text"] == "Cost against mean grader score by agent version"
    assert spec["title"]["subtitle"] == [
        "Dot: mean cost per job and mean grader score; bars: 95% intervals over inputs",
        "Ringed and joined: the Pareto front (no other version as cheap and as good), on point estimates",
        "Off the front, but the intervals do not settle it: v3",
        "Hollow dot: too few inputs to tell, not placed on the front (canary)",
    ]
    tooltips = [t["title"] for t in dots["encoding"]["tooltip"]]
    assert tooltips[:2] == ["Version", "Mean cost per job (USD)"] and "On the Pareto front" in tooltips
    svg = rendered(chart)
    x_labels, y_labels = axis_labels(svg)
    assert x_labels and all(label.startswith("$") for label in x_labels)
    assert y_labels and "NaN" not in svg


def test_cost_quality_dashes_the_ring_of_an_unsettled_member_and_shows_labels() -> None:
    frame = QUALITY.with_columns(pareto_uncertain=pl.Series([False, True, True, None]))
    chart = charts.cost_quality(frame, colours=COLOURS, labels=LABELS)
    spec = chart.to_dict()
    dash = spec["layer"][3]["encoding"]["strokeDash"]
    assert dash["scale"] == {"domain": [False, True], "range": [[1, 0], [3, 2]]}
    assert "Dashed ring: on the front, but the intervals do not settle it (v2 · gpt-4.1)" in spec["title"]["subtitle"]
    assert [r["label"] for r in layer_rows(spec, 4)] == ["v1 · gpt-4o-mini", "v2 · gpt-4.1", "v3"]
    svg = rendered(chart)
    assert legend_labels(svg) == ["v1 · gpt-4o-mini", "v2 · gpt-4.1", "v3", "canary"]
    assert 'stroke-dasharray="3,2"' in svg


def test_cost_quality_on_approval_reads_as_a_share() -> None:
    frame = QUALITY.with_columns(quality_measure=pl.lit("approval"))
    spec = charts.cost_quality(frame).to_dict()
    assert spec["layer"][4]["encoding"]["y"]["title"] == "Human approval rate (95% CI)"
    assert spec["layer"][4]["encoding"]["y"]["axis"]["format"] == ".0%"
    with pytest.raises(InvalidArgumentError, match="one quality measure at a time"):
        charts.cost_quality(pl.concat([QUALITY, frame]))


def test_cost_quality_from_the_helper_joins_each_agent_s_front_apart() -> None:
    jobs, results = [], []
    for agent, base in (("agent-a", 0.01), ("agent-b", 0.05)):
        for v, (k, score) in {"v1": (1.0, 0.6), "v2": (2.0, 0.8)}.items():
            for i in range(12):
                jobs.append({"id": f"{agent}{v}{i}", "agent_id": agent, "agent_version_name": v, "status": "SUCCESS",
                             "grader_score": score + (i % 3) / 50})  # fmt: skip
                results.append({"job_id": f"{agent}{v}{i}", "cost": base * k * (1 + (i % 4) / 10)})
    frame = analysis.cost_quality(
        JobFrames.from_tables(jobs=jobs, results=results), by=["agent_id", "agent_version_name"], n_resamples=200
    )
    spec = charts.cost_quality(frame).to_dict()
    assert spec["layer"][0]["encoding"]["detail"] == {"field": "agent_id", "type": "nominal"}
    assert len(layer_rows(spec, 0)) == 4
    assert "NaN" not in rendered(charts.cost_quality(frame))


SUMMARY = pl.DataFrame(
    {
        "agent_version_name": ["v1", "v2", "canary", "v3"],
        "n_with_cost": [40, 40, 4, 30],
        "mean_cost": [0.012, 0.031, 0.02, 0.04],
        "mean_cost_low": [0.010, 0.027, None, 0.035],
        "mean_cost_high": [0.014, 0.035, None, 0.046],
        "p50_cost": [0.011, 0.030, 0.02, 0.039],
        "cost_per_approval": [0.03, 0.05, 0.04, None],
        "cost_per_approval_low": [0.025, 0.04, None, None],
        "cost_per_approval_high": [0.036, 0.06, None, None],
        "too_few": [False, False, True, False],
    }
)


def test_cost_summary_draws_the_mean_with_its_interval_and_median() -> None:
    chart = charts.cost_summary(SUMMARY, colours=COLOURS)
    spec = chart.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point", "point", "text", "tick"]
    assert [r["agent_version_name"] for r in layer_rows(spec, 0)] == ["v1", "v2", "v3"]
    assert [(r["agent_version_name"], r["tag"]) for r in layer_rows(spec, 3)] == [("canary", "too few to tell")]
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Mean cost per job (USD, 95% CI)"
    assert spec["layer"][1]["encoding"]["color"]["scale"]["range"] == [COLOURS[v] for v in ("v1", "v2", "v3", "canary")]
    assert spec["title"]["subtitle"] == [
        "Dot: mean cost per job; bar: its 95% confidence interval over inputs; tick: median",
        "Hollow dot: too few inputs to tell, no interval (canary)",
    ]
    svg = rendered(chart)
    x_labels, y_labels = axis_labels(svg)
    assert x_labels == ["v1", "v2", "v3", "canary"]
    # One number of decimals on every cost label: "$0.010", never "$0.01" beside "$0.015".
    assert len({len(label.split(".")[1]) for label in y_labels}) == 1 and all(s.startswith("$") for s in y_labels)
    assert "too few to tell" in svg


def test_cost_summary_per_approval_says_which_versions_it_cannot_draw_and_labels_the_axis() -> None:
    chart = charts.cost_summary(SUMMARY, stat="per_approval", colours=COLOURS, labels=LABELS)
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Cost per approved verdict by agent version"
    assert spec["title"]["subtitle"][-1] == "Not drawn, no approved verdict: v3"
    assert {r["agent_version_name"] for r in layer_rows(spec, 1)} == {"v1", "v2"}
    x_labels, _ = axis_labels(rendered(chart))
    assert x_labels == ["v1", "gpt-4o-mini", "v2", "gpt-4.1", "canary"]  # two lines where the model is known


def test_labels_are_text_in_the_spec_even_with_quotes_in_a_name() -> None:
    frame = SUMMARY.head(2).with_columns(agent_version_name=pl.Series(['v"1\\', "v2"]))
    chart = charts.cost_summary(frame, labels={'v"1\\': 'v"1\\ · gpt "x"'})
    labels, _ = axis_labels(rendered(chart))
    assert labels[:2] == ['v"1\\', 'gpt "x"']


def test_version_labels_frame_is_accepted_and_anything_else_refused() -> None:
    frames = JobFrames.from_tables(
        jobs=[{"id": "a", "agent_id": "ag", "agent_version_name": "v1"}],
        versions=[{"agent_id": "ag", "version_name": "v1", "model": "gpt-4o-mini"}],
    )
    spec = charts.cost_summary(SUMMARY, labels=analysis.version_labels(frames)).to_dict()
    assert layer_rows(spec, 1)[0]["label"] == "v1 · gpt-4o-mini"
    with pytest.raises(ArgumentTypeError, match=r"labels must be the frame ra\.version_labels"):
        charts.cost_summary(SUMMARY, labels=["v1"])  # type: ignore[arg-type]


def test_an_empty_frame_draws_an_empty_chart_that_says_so() -> None:
    for chart in (
        charts.cost_quality(analysis.cost_quality(JobFrames.empty())),
        charts.cost_summary(analysis.cost_summary(JobFrames.empty())),
    ):
        spec = chart.to_dict()
        assert spec["title"] == {"text": "No jobs match: nothing to draw", "subtitle": []}
        assert "NaN" not in rendered(chart)


def test_compare_versions_reads_cost_in_usd_per_job() -> None:
    comparison = pl.DataFrame(
        {
            "a": ["v1"], "b": ["v2"], "metric": ["cost"], "statistic": ["mean"], "difference": [0.011],
            "diff_low": [0.004], "diff_high": [0.019], "p_value": [0.01], "verdict": ["v2 is more expensive than v1"],
        }
    )  # fmt: skip
    spec = charts.compare_versions(comparison).to_dict()
    assert spec["layer"][2]["encoding"]["x"]["title"] == "Difference in mean cost per job, USD (b − a)"
    assert spec["layer"][2]["encoding"]["x"]["axis"]["format"] == "$,f"
    tokens = charts.compare_versions(comparison.with_columns(metric=pl.lit("output_tokens"))).to_dict()
    assert tokens["layer"][2]["encoding"]["x"]["title"] == "Difference in mean output tokens per job (b − a)"


def test_costs_spanning_two_orders_of_magnitude_get_a_log_axis_ticked_1_2_5() -> None:
    # The sandbox's demo: a mini model at $0.0005 a job beside one at $0.086. On a linear axis the
    # cheap version sits on the zero line with its interval invisible; on a log axis both read.
    wide = QUALITY.with_columns(
        mean_cost=pl.Series([0.0005, 0.0095, 0.086, 0.008]),
        mean_cost_low=pl.Series([0.00047, 0.0088, 0.081, None]),
        mean_cost_high=pl.Series([0.00054, 0.0101, 0.091, None]),
    )
    spec = charts.cost_quality(wide, colours=COLOURS).to_dict()
    x = spec["layer"][4]["encoding"]["x"]
    assert x["scale"]["type"] == "log" and x["title"] == "Mean cost per job (USD, 95% CI; log scale)"
    assert x["axis"]["values"] == [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
    labels = axis_labels(rendered(charts.cost_quality(wide, colours=COLOURS)))[0]
    assert labels == ["$0.0005", "$0.001", "$0.002", "$0.005", "$0.01", "$0.02", "$0.05", "$0.1"]
    # The same frame's costs within one order of magnitude stay linear, and so does a cost of 0.
    assert "type" not in charts.cost_quality(QUALITY, colours=COLOURS).to_dict()["layer"][4]["encoding"]["x"]["scale"]
    free = wide.with_columns(mean_cost_low=pl.Series([0.0, 0.0088, 0.081, None]))
    assert "type" not in charts.cost_quality(free, colours=COLOURS).to_dict()["layer"][4]["encoding"]["x"]["scale"]
