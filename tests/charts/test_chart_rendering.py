"""Every chart builder's output, rendered for real: `to_dict()` tests cannot see what Vega draws."""

from __future__ import annotations

import re
import warnings

import pytest
import vl_convert

import roe_analysis as ra


@pytest.fixture(scope="module")
def frames(demo_frames: ra.JobFrames) -> ra.JobFrames:
    """The demo agent as seeded (the session's ``demo_frames``, loaded once)."""
    return demo_frames


def charts(frames: ra.JobFrames) -> dict[str, object]:
    durations = ra.job_durations(frames)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "job_durations_histogram": ra.charts.job_durations_histogram(durations),
            "job_durations_ecdf": ra.charts.job_durations_ecdf(durations),
            "duration_trend": ra.charts.duration_trend(ra.duration_trend(durations, every="1w")),
            "status_time_summary": ra.charts.status_time_summary(
                ra.status_time_summary(ra.status_time(frames), by=["agent_version_name"])
            ),
            "score_summary": ra.charts.score_summary(ra.score_summary(frames)),
            "compare_versions": ra.charts.compare_versions(ra.compare_all_versions(frames)),
            "confusion_matrix": ra.charts.confusion_matrix(ra.confusion_matrix(frames, by=None)),
            "reviewer_stats": ra.charts.reviewer_stats(ra.reviewer_stats(frames)),
            "grader_vs_human": ra.charts.grader_vs_human(frames.jobs),
            "agreement_summary": ra.charts.agreement_summary(ra.agreement_summary(frames, by="agent_version_name")),
            "job_volume": ra.charts.job_volume(ra.job_volume(frames, every="1d", by="agent_version_name")),
        }


def test_every_chart_renders_without_nan_labels(frames: ra.JobFrames) -> None:
    # A tooltip formatted with Vega's utc() once showed "Period start: NaN" in every stored notebook.
    for name, chart in charts(frames).items():
        svg = vl_convert.vegalite_to_svg(chart.to_json())  # type: ignore[attr-defined]
        assert svg.startswith("<svg"), name
        assert "NaN" not in svg, name
        assert "Infinity" not in svg, name


def test_period_bars_read_aloud_in_utc_and_their_tooltips_in_utc_too(frames: ra.JobFrames) -> None:
    volume = ra.job_volume(frames, every="1d", by="agent_version_name")
    chart = ra.charts.job_volume(volume)
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    first = volume.row(0, named=True)
    assert first["period_start"].isoformat() == "2026-04-02T00:00:00+00:00"
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    bars = [label for label in labels if label.startswith("Agent version ")]
    assert len(bars) == volume.height
    assert f"Agent version {first['agent_version_name']}, created 2026-04-02: {first['n']} jobs" in bars
    assert not [label for label in labels if "agent_version_name" in label or "_stack" in label]
    tooltip = chart.to_dict()["encoding"]["tooltip"][0]
    assert (tooltip["timeUnit"], tooltip["format"]) == ("utcyearmonthdatehoursminutes", "%Y-%m-%d %H:%M")


def test_status_bars_stack_in_the_legend_s_order(frames: ra.JobFrames) -> None:
    spec = ra.charts.job_volume(ra.job_volume(frames, every="1d", by="status"), color="status").to_dict()
    domain = spec["encoding"]["color"]["scale"]["domain"]
    assert domain == ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED"]
    assert spec["encoding"]["order"] == {"field": "_stack", "sort": "ascending", "type": "quantitative"}
    rows = next(iter(spec["datasets"].values()))
    assert {r["status"]: r["_stack"] for r in rows} == {s: i for i, s in enumerate(domain)}
