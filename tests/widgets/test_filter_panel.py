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
from roe_analysis.widgets._filter_panel import ANY

NO_JOBS = "No jobs match these filters. Widen them, or press Clear filters."
REVERSED = "Not redrawn: the creation dates are reversed (from 2026-05-20 after to 2026-05-01). Fix them above."


def counted(drawn: list[int]) -> Callable[[JobFrames], int]:
    """A view that notes how many jobs it was drawn with."""

    def render(frames: JobFrames) -> int:
        drawn.append(frames.jobs.height)
        return frames.jobs.height

    return render


def notice(text: str, *, error: bool = False) -> str:
    style = "color:#b00020;font-weight:bold" if error else "color:#555;font-style:italic"
    return f'<p class="roe-message" style="{style};margin:0.5em 0">{text}</p>'


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


def test_reversed_dates_redraw_nothing_and_say_so_everywhere(
    frames: JobFrames, ids: Callable[[JobFrames], list[str]], texts: Callable[[widgets.Output], list[str]]
) -> None:
    drawn: list[int] = []
    panel = filter_panel(frames, views=[("Jobs", counted(drawn))])
    heard: list[int] = []
    errors: list[str] = []
    panel.on_change(lambda f: heard.append(f.jobs.height), on_error=errors.append)
    panel.on_change(lambda f: heard.append(-1))  # no on_error: not called while invalid
    assert panel.error is None
    panel.created_from.value = date(2026, 5, 20)
    before = ids(panel.frames)
    kept = len(before)
    assert drawn == [1500, kept] and heard == [kept, -1]

    panel.created_to.value = date(2026, 5, 1)
    assert panel.error == REVERSED
    assert panel.summary.value == notice(REVERSED, error=True)
    assert texts(panel.views[0]) == ["<h4>Jobs</h4>", notice(REVERSED, error=True)]
    assert errors == [REVERSED]
    assert drawn == [1500, kept] and heard == [kept, -1]  # nothing drawn, no listener given stale frames
    assert ids(panel.frames) == before  # the last valid result
    assert panel._repr_mimebundle_()["text/plain"] == (
        f"FilterPanel: {kept:,} of 1,500 jobs (created_from=2026-05-20; created_to=2026-05-01); {REVERSED}; 1 view"
    )

    panel.created_to.value = date(2026, 5, 25)
    assert panel.error is None
    expected = filter_frames(frames, created_from=date(2026, 5, 20), created_to=date(2026, 5, 25))
    assert ids(panel.frames) == ids(expected)
    assert texts(panel.views[0]) == ["<h4>Jobs</h4>", str(expected.jobs.height)]
    assert heard[-2:] == [expected.jobs.height, -1]
    assert errors == [REVERSED]


def test_a_filter_that_matches_nothing_draws_no_view_and_says_so(
    frames: JobFrames, texts: Callable[[widgets.Output], list[str]]
) -> None:
    drawn: list[int] = []
    status_by_version = lambda f: ra.job_volume(f, every=None, by="agent_version_name", columns="status")  # noqa: E731
    panel = filter_panel(
        frames,
        views=[("Counted", counted(drawn)),
               ("Status by version", status_by_version)],
    )  # fmt: skip
    heard: list[int] = []
    panel.on_change(lambda f: heard.append(f.jobs.height))

    panel.versions.value = ()
    assert drawn == [1500]  # never called without jobs
    assert [texts(v) for v in panel.views] == [
        ["<h4>Counted</h4>", notice(NO_JOBS)],
        ["<h4>Status by version</h4>", notice(NO_JOBS)],
    ]
    assert panel.summary.value == "<p><b>0</b> of 1,500 jobs match</p>"
    assert panel.error is None
    assert heard == [0]  # followers are given the empty frames

    panel.clear()
    panel.metadata_key.value = "customer"
    panel.metadata_value.value = "no such customer"
    assert panel.frames.jobs.height == 0
    assert texts(panel.views[1]) == ["<h4>Status by version</h4>", notice(NO_JOBS)]

    panel.reset.click()
    assert panel.frames.jobs.height == 1500
    # drawn: at the start, after clear(), after picking a key (no value yet: no filter), after the
    # button; once each (clear() applies once, however many controls it resets)
    assert drawn == [1500, 1500, 1500, 1500]
    assert "<b>1,500</b> of 1,500 jobs match" in panel.summary.value


def test_counts_read_in_the_singular_and_plural() -> None:
    def job(n: int, version: str) -> dict[str, object]:
        return {"id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": version, "status_code": 3,
                "created_at": "2026-05-01T10:00:00Z"}  # fmt: skip

    two = JobFrames.from_records([job(1, "v1"), job(2, "v2")], agent_id="00000000-0000-4000-8000-0000000000aa")
    panel = filter_panel(two)
    assert panel.summary.value == "<p><b>2</b> of 2 jobs match</p>"
    panel.versions.value = ("v1",)
    assert panel.summary.value == "<p><b>1</b> of 2 jobs matches</p>"
    assert panel._repr_mimebundle_()["text/plain"] == "FilterPanel: 1 of 2 jobs (versions=['v1']); 0 views"
    one = filter_panel(JobFrames.from_records([job(1, "v1")], agent_id="00000000-0000-4000-8000-0000000000aa"))
    assert one.summary.value == "<p><b>1</b> of 1 job matches</p>"


def test_the_any_options_are_shown_selected_and_mean_no_filter(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    for control, label in ((panel.metadata_key, "any"), (panel.reviewer, "any (reviewed or not)")):
        assert (control.index, control.label, control.value) == (0, label, ANY)
    panel.reviewer.value = "dmitri.volkov@northwind-risk.example"
    panel.metadata_key.value = "customer"
    assert panel.frames.jobs.height < 1500
    panel.reviewer.index = 0  # what picking "any" in the browser does
    panel.metadata_key.value = None  # None selects "any" too, not a blank box
    assert (panel.reviewer.index, panel.reviewer.label, panel.reviewer.value) == (0, "any (reviewed or not)", ANY)
    assert (panel.metadata_key.index, panel.metadata_key.label, panel.metadata_key.value) == (0, "any", ANY)
    assert panel.filters["reviewers"] is None and panel.filters["metadata"] is None
    assert panel.frames.jobs.height == 1500


def test_the_clear_filters_button_sets_every_control_back(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    assert panel.reset.description == "Clear filters"
    panel.versions.value = ("v2.0",)
    panel.statuses.value = ("SUCCESS",)
    panel.created_from.value = date(2026, 5, 20)
    panel.created_to.value = date(2026, 5, 1)
    panel.metadata_key.value = "customer"
    panel.reviewer.value = "dmitri.volkov@northwind-risk.example"
    assert panel.error is not None
    panel.reset.click()
    assert panel.error is None
    assert panel.filters == dict.fromkeys(
        ["versions", "statuses", "created_from", "created_to", "metadata", "reviewers"]
    )
    assert (panel.metadata_key.label, panel.reviewer.label) == ("any", "any (reviewed or not)")
    assert panel.metadata_value.disabled and panel.metadata_value.options == ()
    assert panel.frames.jobs.height == 1500


def test_the_layout_wraps_in_explicit_widths_and_views_scroll_inside(frames: JobFrames) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
    controls = panel.children[0]
    assert (controls.layout.flex_flow, controls.layout.width) == ("row wrap", "100%")
    assert (panel.layout.width, panel.layout.max_width) == ("100%", "100%")
    widths = [c.layout.width for column in controls.children for c in column.children]
    assert widths == ["18em", "18em", "18em", "18em", "21em", "20em", "20em", "10em"]
    assert (panel.views[0].layout.overflow, panel.views[0].layout.max_width) == ("auto", "100%")


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
    assert before["text/plain"] == "FilterPanel: 1,500 of 1,500 jobs (no filter); 1 view"
    assert before["text/html"].count("<svg") == 1
    assert "<b>Versions</b>: v1.0, v1.1, v2.0, v2.1-canary" in before["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in before

    panel.versions.value = ("v2.0",)
    after = panel._repr_mimebundle_()
    v2 = frames.jobs.filter(pl.col("agent_version_name") == "v2.0").height
    assert after["text/plain"] == f"FilterPanel: {v2:,} of 1,500 jobs (versions=['v2.0']); 1 view"
    panel.register(lambda f: f.jobs.height)
    assert panel._repr_mimebundle_()["text/plain"].endswith("; 2 views")
    assert "<b>Versions</b>: v2.0" in after["text/html"]
    assert after["text/html"] != before["text/html"]


def test_the_panel_needs_job_frames(frames: JobFrames) -> None:
    with pytest.raises(TypeError, match="needs JobFrames"):
        FilterPanel(frames.jobs)  # type: ignore[arg-type]
