"""The cost–quality picker, headless, and the cost metrics of the version picker.

Frames come from the seeded sandbox with their results and versions, as `05_cost_and_quality`
loads them, so the fronts below are the sandbox's seeded trade-off: ``v1.1`` cheapest, ``v2.0``
best, ``v1.0`` dominated.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import filter_frames
from roe_analysis.sandbox import Sandbox
from roe_analysis.widgets import CostQualityPicker, cost_quality_picker, filter_panel, static_html, version_picker

VERSIONS = ("v1.0", "v1.1", "v2.0", "v2.1-canary")


@pytest.fixture(scope="module")
def costed(sandbox: Sandbox) -> JobFrames:
    """The demo agent's jobs with their results (cost, tokens) and versions (models)."""
    with ra.RoeClient(api_key=sandbox.api_key, organization_id=sandbox.organization_id, base_url=sandbox.base_url) as c:
        return c.load_jobs(sandbox.agents["demo"], progress=False, results=True, versions=True)


def _chart(picker: CostQualityPicker) -> str:
    (output,) = picker.chart.outputs
    svg = output["data"]["image/svg+xml"]
    assert svg.startswith("<svg")
    return str(svg)


def _rows(markup: str) -> list[list[str]]:
    """The body rows of the HTML table in ``markup``, as cell texts."""
    body = markup.split("<tbody>", 1)[1]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_by_default_every_version_is_weighed_on_the_grader_score(costed: JobFrames) -> None:
    picker = cost_quality_picker(costed)
    assert (picker.quality.value, picker.versions.value) == ("grader_score", VERSIONS)
    assert picker.result is not None
    assert picker.result.equals(ra.cost_quality(costed))
    assert picker.front.value == (
        "<p><b>On the Pareto front: v1.1, v2.0</b>; the intervals do not settle it for: none.</p>"
    )
    # Labels carry the models, as in the notebook's charts; the canary is drawn hollow.
    assert "v2.0 · o1" in _chart(picker)
    assert "Quality: mean grader score over the scored jobs" in picker.numbers.value
    assert '<th class="num">Scored</th>' in picker.numbers.value
    assert [row[0] for row in _rows(picker.numbers.value)] == list(VERSIONS)
    assert _rows(picker.numbers.value)[1][1:4] == ["488", "$0.000506 ($0.00047–$0.000544)", "359"]


def test_the_quality_measure_switches_the_frame_the_chart_and_the_counts(costed: JobFrames) -> None:
    picker = cost_quality_picker(costed)
    before = _chart(picker)
    picker.quality.value = "approval"
    assert picker.result is not None
    assert picker.result.equals(ra.cost_quality(costed, quality="approval"))
    assert picker.front.value == (
        "<p><b>On the Pareto front: v1.1, v2.0</b>; the intervals do not settle it for: v1.0, v2.0.</p>"
    )
    assert _chart(picker) != before
    assert "Human approval rate" in _chart(picker)
    assert '<th class="num">Reviewed</th>' in picker.numbers.value
    assert _rows(picker.numbers.value)[2][3] == "222"  # v2.0's completed reviews


def test_the_front_is_recomputed_among_the_picked_versions(costed: JobFrames) -> None:
    picker = cost_quality_picker(costed, versions=["v1.0", "v2.0"])
    assert picker.result is not None
    expected = ra.cost_quality(filter_frames(costed, versions=["v1.0", "v2.0"]))
    assert picker.result.equals(expected)
    # Without v1.1, nothing dominates v1.0 any more: the cheaper of the two is on the front.
    assert picker.result.get_column("pareto").to_list() == [True, True]
    picker.versions.value = ("v1.0", "v1.1")
    assert picker.result.get_column("agent_version_name").to_list() == ["v1.0", "v1.1"]
    assert picker.result.get_column("pareto").to_list() == [False, True]
    assert "v2.0" not in [row[0] for row in _rows(picker.numbers.value)]


def test_versions_keep_their_colours_of_the_whole_data(costed: JobFrames) -> None:
    colours = ra.charts.version_colours(costed)
    picker = cost_quality_picker(costed, versions=["v2.0"])
    svg = _chart(picker)
    assert colours["v2.0"].lower() in svg.lower()
    assert colours["v1.0"].lower() not in svg.lower()


def test_with_no_version_picked_nothing_is_drawn(costed: JobFrames) -> None:
    picker = cost_quality_picker(costed)
    picker.versions.value = ()
    assert picker.result is None
    assert picker.front.value == "<p>Pick at least one version.</p>"
    assert (picker.chart.outputs, picker.numbers.value) == ((), "")
    assert picker._repr_mimebundle_()["text/plain"] == "CostQualityPicker: grader_score for no version: nothing drawn"


def test_frames_without_results_show_how_to_load_them(frames: JobFrames) -> None:
    picker = cost_quality_picker(frames)
    assert picker.result is None
    assert "#b00020" in picker.front.value
    assert "no results" in picker.front.value and "results=True" in picker.front.value


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"quality": "cost"}, InvalidArgumentError, r"quality must be one of \['grader_score', 'approval'\]"),
        ({"versions": ["v9"]}, InvalidArgumentError, "versions must be some of"),
        ({"versions": []}, InvalidArgumentError, "versions must be some of"),
    ],
)
def test_bad_arguments_are_refused_at_once(
    costed: JobFrames, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        cost_quality_picker(costed, **kwargs)


def test_a_frame_is_not_jobframes() -> None:
    with pytest.raises(ArgumentTypeError, match="needs JobFrames"):
        CostQualityPicker(object())  # type: ignore[arg-type]


def test_the_picker_follows_a_filter_panel(costed: JobFrames) -> None:
    panel = filter_panel(costed)
    picker = cost_quality_picker(panel)
    assert picker.result is not None
    panel.created_from.value = date(2026, 5, 20)  # v1.0 and v1.1 ran their last jobs before that
    assert picker.result is not None
    assert picker.result.get_column("agent_version_name").to_list() == ["v2.0", "v2.1-canary"]
    assert picker.result.equals(ra.cost_quality(filter_frames(costed, created_from=date(2026, 5, 20))))
    panel.created_to.value = date(2026, 5, 1)
    assert picker.result is None
    assert picker.error is not None and picker.error.startswith("Not redrawn: the creation dates are reversed")
    assert picker.chart.outputs == ()
    panel.clear()
    assert picker.error is None
    assert picker.result is not None and picker.result.equals(ra.cost_quality(costed))
    panel.versions.value = ()
    assert picker.result is None
    assert "No jobs match these filters" in picker.front.value


def test_the_static_copy_is_the_same_on_every_run_and_after_a_round_trip(costed: JobFrames) -> None:
    """What a notebook stores (and nbval compares) does not depend on the run, nor on the path taken."""
    picker = cost_quality_picker(costed)
    first = static_html(picker)
    assert first == static_html(cost_quality_picker(costed))
    picker.quality.value = "approval"
    picker.versions.value = ("v1.1",)
    picker.versions.value = VERSIONS
    picker.quality.value = "grader_score"
    assert static_html(picker) == first
    bundle = picker._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "CostQualityPicker: grader_score for v1.0, v1.1, v2.0, v2.1-canary: "
        "on the Pareto front: v1.1, v2.0; the intervals do not settle it for: none"
    )
    # Jupyter typesets "$…$" in HTML outputs as math: the static copy and its tables opt out.
    assert bundle["text/html"].startswith('<div class="tex2jax_ignore mathjax_ignore">')
    assert '<div class="roe-wrap tex2jax_ignore mathjax_ignore">' in bundle["text/html"]
    assert "<b>Quality</b>: grader score (mean)" in bundle["text/html"]
    assert "<b>Versions</b>: v1.0, v1.1, v2.0, v2.1-canary" in bundle["text/html"]


def test_the_controls_have_explicit_widths_and_wrap(costed: JobFrames) -> None:
    picker = cost_quality_picker(costed)
    controls = picker.children[0]
    assert controls.layout.flex_flow == "row wrap"
    assert [c.layout.width for c in controls.children] == ["20em", "20em"]


# -- the version picker on cost --------------------------------------------------------------------


def test_the_version_picker_offers_cost_and_tokens_only_with_results(frames: JobFrames, costed: JobFrames) -> None:
    without = [value for _, value in version_picker(frames).metric.options]
    with_costs = [value for _, value in version_picker(costed).metric.options]
    assert "cost" not in without
    assert with_costs[-3:] == ["cost", "input_tokens", "output_tokens"]
    with pytest.raises(InvalidArgumentError, match=r"conn.load\(costs=True\)"):
        version_picker(frames, metric="cost")


def test_the_version_picker_compares_cost_in_dollars(costed: JobFrames) -> None:
    picker = version_picker(costed, metric="cost")
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(costed, "v1.1", "v2.0", metric="cost"))
    assert "v2.0 is more expensive than v1.1: mean cost per job +$0.0856" in picker.verdict.value
    assert _rows(picker.numbers.value) == [["488", "475", "no", "$0.000506", "$0.0861", "+$0.0856 ($0.081 to $0.0909)"]]
    picker.metric.value = "output_tokens"
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(costed, "v1.1", "v2.0", metric="output_tokens"))
    assert _rows(picker.numbers.value)[0][3:] == ["341", "807", "+466 (426 to 511)"]
