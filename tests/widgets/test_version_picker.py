"""The version picker, headless: it compares what `compare_versions` compares and follows a panel."""

from __future__ import annotations

from datetime import date

import ipywidgets as widgets
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.analysis import MIN_N
from roe_analysis.analysis import default_version_pair as default_pair
from roe_analysis.frames import filter_frames, versions_in_order
from roe_analysis.widgets import (
    VersionPicker,
    filter_panel,
    version_picker,
)


def test_the_picker_compares_the_two_newest_versions_with_10_jobs_by_default(frames: JobFrames) -> None:
    picker = version_picker(frames, threshold=0.7)
    assert isinstance(picker, widgets.VBox)
    assert (picker.a.value, picker.b.value, picker.metric.value) == ("v1.1", "v2.0", "grader_score")
    expected = ra.compare_versions(frames, "v1.1", "v2.0")
    assert picker.comparison is not None
    assert picker.comparison.equals(expected)
    assert expected.item(0, "verdict").replace("<", "&lt;") in picker.verdict.value
    assert picker.chart.outputs[0]["data"]["image/svg+xml"].startswith("<svg")
    assert '<th class="num">Estimate A</th>' in picker.numbers.value


def test_changing_a_control_reruns_the_comparison(frames: JobFrames) -> None:
    picker = version_picker(frames, threshold=0.7)
    chart_before = picker.chart.outputs

    picker.metric.value = "duration_ms"
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(frames, "v1.1", "v2.0", metric="duration_ms"))
    assert "faster" in picker.verdict.value
    assert picker.chart.outputs != chart_before

    picker.a.value = "v1.0"
    assert picker.comparison is not None
    assert picker.comparison.select("a", "b", "metric").row(0) == ("v1.0", "v2.0", "duration_ms")

    picker.metric.value = "pass_rate"
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(frames, "v1.0", "v2.0", metric="pass_rate", threshold=0.7))

    picker.b.value = "v1.0"
    assert picker.comparison is None
    assert "Pick two different versions" in picker.verdict.value
    assert picker.chart.outputs == ()


def test_pass_rate_is_offered_only_with_a_threshold(frames: JobFrames) -> None:
    assert "pass_rate" not in [value for _, value in version_picker(frames).metric.options]
    with pytest.raises(ValueError, match="metric must be one of"):
        VersionPicker(frames, metric="pass_rate")


def test_the_picker_follows_a_filter_panel(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    picker = version_picker(panel)
    assert picker.comparison is not None
    panel.created_from.value = date(2026, 5, 20)  # v1.1 ran its last job before that
    assert picker.comparison is None
    assert "#b00020" in picker.verdict.value
    panel.clear()
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(frames, "v1.1", "v2.0"))
    assert picker._repr_mimebundle_()["text/plain"].startswith("VersionPicker: v1.1 → v2.0, grader_score: v2.0 is")


def test_by_default_a_version_with_fewer_than_10_jobs_is_skipped(frames: JobFrames) -> None:
    counts = dict(frames.jobs.group_by("agent_version_name").len().iter_rows())
    options = version_picker(frames).a.options
    assert options == ("v1.0", "v1.1", "v2.0", "v2.1-canary")
    # The newest version is a canary too small to tell (MIN_N = 10 in roe_analysis.analysis._units).
    assert MIN_N == 10
    assert counts["v2.1-canary"] < 10 <= min(counts["v1.1"], counts["v2.0"])
    picker = version_picker(frames)
    assert (picker.a.value, picker.b.value) == ("v1.1", "v2.0")
    assert default_pair(frames) == ("v1.1", "v2.0")
    # A side given is kept; the other is the newest remaining version with 10 jobs.
    assert default_pair(frames, a="v1.0") == ("v1.0", "v2.0")
    assert default_pair(frames, b="v2.1-canary") == ("v2.0", "v2.1-canary")
    assert default_pair(frames, a="v2.0") == ("v2.0", "v1.1")
    # It can still be picked, by hand or by argument.
    chosen = version_picker(frames, a="v2.0", b="v2.1-canary")
    assert (chosen.a.value, chosen.b.value) == ("v2.0", "v2.1-canary")
    assert chosen.comparison is not None
    assert chosen.comparison.equals(ra.compare_versions(frames, "v2.0", "v2.1-canary"))


def test_with_fewer_than_two_versions_of_10_jobs_the_two_newest_are_the_default(frames: JobFrames) -> None:
    two = filter_frames(frames, versions=["v2.0", "v2.1-canary"])  # only v2.0 has 10 jobs
    picker = version_picker(two)
    assert (picker.a.value, picker.b.value) == ("v2.0", "v2.1-canary")
    # The last day of v1.1, when it ran a single job and v2.0 many.
    day = date(2026, 5, 19)
    small = filter_frames(frames, versions=["v1.1", "v2.0"], created_from=day, created_to=day)
    counts = dict(small.jobs.group_by("agent_version_name").len().iter_rows())
    assert counts["v1.1"] < 10 <= counts["v2.0"]
    newest = versions_in_order(small)
    assert sorted(newest) == ["v1.1", "v2.0"]
    assert default_pair(small) == tuple(newest)
    one = filter_frames(frames, versions=["v2.0"])
    assert default_pair(one) == (None, "v2.0")
    assert version_picker(one).comparison is None
    assert default_pair(filter_frames(frames, versions=[])) == (None, None)


NO_JOBS = "No jobs match these filters. Widen them, or press Clear filters."
REVERSED = "Not redrawn: the creation dates are reversed (from 2026-05-20 after to 2026-05-01). Fix them above."


def test_the_picker_shows_the_panels_error_and_no_stale_comparison(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    picker = version_picker(panel)
    assert picker.comparison is not None and picker.error is None
    panel.created_from.value = date(2026, 5, 20)
    panel.created_to.value = date(2026, 5, 1)
    assert picker.error == REVERSED
    assert picker.comparison is None
    assert picker.verdict.value == (
        f'<p class="roe-message" style="color:#b00020;font-weight:bold;margin:0.5em 0">{REVERSED}</p>'
    )
    assert (picker.chart.outputs, picker.numbers.value) == ((), "")
    picker.metric.value = "duration_ms"  # another metric still compares nothing
    assert picker.comparison is None and picker.error == REVERSED
    panel.reset.click()
    assert picker.error is None
    assert picker.comparison is not None
    assert picker.comparison.equals(ra.compare_versions(frames, "v1.1", "v2.0", metric="duration_ms"))


def test_the_picker_says_when_no_job_matches(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    picker = version_picker(panel)
    panel.versions.value = ()
    assert picker.comparison is None and picker.error is None
    assert picker.verdict.value == (
        f'<p class="roe-message" style="color:#555;font-style:italic;margin:0.5em 0">{NO_JOBS}</p>'
    )
    assert picker._repr_mimebundle_()["text/plain"] == "VersionPicker: v1.1 → v2.0, grader_score: nothing compared"


def test_the_controls_have_explicit_widths_and_wrap(frames: JobFrames) -> None:
    picker = version_picker(frames)
    controls = picker.children[0]
    assert controls.layout.flex_flow == "row wrap"
    assert [c.layout.width for c in controls.children] == ["16em", "16em", "24em"]
