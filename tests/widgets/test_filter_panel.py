"""The filter panel, headless: set controls as a user would, check what it shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ipywidgets as widgets
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.frames import filter_frames
from roe_analysis.widgets import (
    FilterPanel,
    filter_panel,
)


def test_the_panel_starts_with_every_job_and_its_views_drawn(
    frames: JobFrames, texts: Callable[[widgets.Output], list[str]]
) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
    assert isinstance(panel, widgets.VBox)
    assert panel.frames is frames
    assert panel.filters == {
        "versions": None,
        "statuses": None,
        "created_from": None,
        "created_to": None,
        "metadata": None,
        "reviewers": None,
    }
    assert panel.versions.options == ("v1.0", "v1.1", "v2.0", "v2.1-canary")
    assert panel.statuses.options == ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED")
    assert "<b>1,500</b> of 1,500 jobs match" in panel.summary.value
    assert texts(panel.views[0]) == ["<h4>Jobs</h4>", "1500"]
    assert panel.views[0] in panel.children


def test_each_control_filters_like_filter_frames_and_redraws_the_views_in_place(
    frames: JobFrames, ids: Callable[[JobFrames], list[str]], texts: Callable[[widgets.Output], list[str]]
) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
    view = panel.views[0]

    panel.versions.value = ("v2.0",)
    assert ids(panel.frames) == ids(filter_frames(frames, versions=["v2.0"]))
    v2 = frames.jobs.filter(pl.col("agent_version_name") == "v2.0").height
    assert 0 < v2 < frames.jobs.height
    assert texts(view)[1] == str(v2)

    panel.statuses.value = ("SUCCESS", "FAILURE")
    expected = filter_frames(frames, versions=["v2.0"], statuses=["SUCCESS", "FAILURE"])
    assert ids(panel.frames) == ids(expected)
    assert texts(view)[1] == str(expected.jobs.height)

    panel.created_from.value = date(2026, 5, 20)
    panel.created_to.value = date(2026, 5, 25)
    expected = filter_frames(
        frames,
        versions=["v2.0"],
        statuses=["SUCCESS", "FAILURE"],
        created_from=date(2026, 5, 20),
        created_to=date(2026, 5, 25),
    )
    assert ids(panel.frames) == ids(expected)

    panel.metadata_key.value = "customer"
    assert not panel.metadata_value.disabled
    assert "acme" in panel.metadata_value.options
    panel.metadata_value.value = "acme"
    expected = filter_frames(
        frames,
        versions=["v2.0"],
        statuses=["SUCCESS", "FAILURE"],
        created_from=date(2026, 5, 20),
        created_to=date(2026, 5, 25),
        metadata={"customer": "acme"},
    )
    assert ids(panel.frames) == ids(expected)
    assert 0 < panel.frames.jobs.height < 50
    assert texts(view)[1] == str(expected.jobs.height)
    assert f"<b>{expected.jobs.height:,}</b> of 1,500 jobs match" in panel.summary.value

    panel.clear()
    assert panel.frames.jobs.height == 1500
    assert panel.metadata_value.disabled
    assert texts(view)[1] == "1500"


def test_the_reviewer_control(frames: JobFrames, ids: Callable[[JobFrames], list[str]]) -> None:
    panel = filter_panel(frames)
    panel.reviewer.value = "dmitri.volkov@northwind-risk.example"
    assert panel.filters["reviewers"] == ["dmitri.volkov@northwind-risk.example"]
    assert ids(panel.frames) == ids(filter_frames(frames, reviewers=["dmitri.volkov@northwind-risk.example"]))
    assert set(panel.frames.jobs.get_column("reviewed_by")) == {"dmitri.volkov@northwind-risk.example"}


def test_nothing_selected_means_no_job(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    panel.versions.value = ()
    assert panel.frames.jobs.height == 0
    assert panel.filters["versions"] == []


def test_an_impossible_date_range_is_reported_and_the_last_result_kept(
    frames: JobFrames, ids: Callable[[JobFrames], list[str]]
) -> None:
    panel = filter_panel(frames)
    panel.created_from.value = date(2026, 5, 20)
    before = ids(panel.frames)
    panel.created_to.value = date(2026, 5, 1)
    assert "is after created_to" in panel.summary.value
    assert ids(panel.frames) == before


def test_a_failing_view_shows_its_error_escaped_and_a_warning_is_shown(
    frames: JobFrames, script: str, escaped: str, texts: Callable[[widgets.Output], list[str]]
) -> None:
    def broken(f: JobFrames) -> object:
        raise ValueError(f"no {script} here")

    def warns(f: JobFrames) -> object:
        import warnings

        warnings.warn("take care", UserWarning, stacklevel=1)
        return "drawn"

    panel = filter_panel(frames, views=[("Broken", broken), ("Warns", warns)])
    shown = "".join(texts(panel.views[0]))
    assert "Cannot draw this view for the current filters: ValueError: no" in shown
    assert escaped in shown
    assert script not in shown
    assert any("UserWarning: take care" in t for t in texts(panel.views[1]))


def test_listeners_get_the_filtered_frames(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    seen: list[int] = []
    panel.on_change(lambda f: seen.append(f.jobs.height))
    panel.versions.value = ("v1.0",)
    panel.versions.value = ("v1.0", "v1.1")
    version = pl.col("agent_version_name")
    expected = [frames.jobs.filter(version.is_in(vs)).height for vs in (["v1.0"], ["v1.0", "v1.1"])]
    assert 0 < expected[0] < expected[1] < frames.jobs.height
    assert seen == expected


def test_the_display_bundle_is_a_summary_and_a_static_rendering_of_the_current_state(frames: JobFrames) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: ra.charts.duration_ecdf(ra.job_durations(f)))])
    before = panel._repr_mimebundle_()
    assert before["text/plain"] == "FilterPanel: 1,500 of 1,500 jobs (no filter); 1 view(s)"
    assert before["text/html"].count("<svg") == 1
    assert "<b>Versions</b>: v1.0, v1.1, v2.0, v2.1-canary" in before["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in before

    panel.versions.value = ("v2.0",)
    after = panel._repr_mimebundle_()
    v2 = frames.jobs.filter(pl.col("agent_version_name") == "v2.0").height
    assert after["text/plain"] == f"FilterPanel: {v2:,} of 1,500 jobs (versions=['v2.0']); 1 view(s)"
    assert "<b>Versions</b>: v2.0" in after["text/html"]
    assert after["text/html"] != before["text/html"]


def test_the_panel_needs_job_frames(frames: JobFrames) -> None:
    with pytest.raises(TypeError, match="needs JobFrames"):
        FilterPanel(frames.jobs)  # type: ignore[arg-type]
