"""Every chart builder's output, rendered for real: `to_dict()` tests cannot see what Vega draws."""

from __future__ import annotations

import warnings

import polars as pl
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


def test_period_tooltips_show_utc_dates(frames: ra.JobFrames) -> None:
    chart = ra.charts.job_volume(ra.job_volume(frames, every="1d", by="agent_version_name"))
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    assert "Period start (UTC): 2026-04-02 00:00" in svg
    assert pl.__version__  # polars imported for the frames above
