"""The version picker, headless: it compares what `compare_versions` compares and follows a panel."""

from __future__ import annotations

from datetime import date

import ipywidgets as widgets
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.widgets import (
    VersionPicker,
    filter_panel,
    version_picker,
)


def test_the_picker_compares_the_two_newest_versions_by_default(frames: JobFrames) -> None:
    picker = version_picker(frames, threshold=0.7)
    assert isinstance(picker, widgets.VBox)
    assert (picker.a.value, picker.b.value, picker.metric.value) == ("v1.1", "v2.0", "grader_score")
    expected = ra.compare_versions(frames, "v1.1", "v2.0")
    assert picker.comparison is not None
    assert picker.comparison.equals(expected)
    assert expected.item(0, "verdict").replace("<", "&lt;") in picker.verdict.value
    assert picker.chart.outputs[0]["data"]["image/svg+xml"].startswith("<svg")
    assert "<th>estimate_a</th>" in picker.numbers.value


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
