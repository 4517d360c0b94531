"""The widgets, headless: build them, set controls as a user would, check what they show.

Frames come from the seeded sandbox (its demo agent), so the numbers are the notebooks' numbers.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.frames import filter_frames
from roe_analysis.sandbox import Sandbox
from roe_analysis.widgets import (
    DisagreementTable,
    FilterPanel,
    Table,
    VersionPicker,
    disagreement_rows,
    disagreement_table,
    filter_panel,
    html_table,
    job_rows,
    jobs_table,
    static_html,
    version_picker,
)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox(seed=0) as sb:
        yield sb


@pytest.fixture(scope="module")
def frames(sandbox: Sandbox) -> JobFrames:
    with ra.RoeClient(api_key=sandbox.api_key, organization_id=sandbox.organization_id, base_url=sandbox.base_url) as c:
        return c.load_jobs(sandbox.agents["demo"], progress=False)


@pytest.fixture(autouse=True, scope="module")
def svg_charts() -> Any:
    """Charts rendered as in the notebooks (SVG), restored afterwards."""
    previous = alt.renderers.active
    alt.renderers.enable("svg")
    yield
    alt.renderers.enable(previous)


def ids(frames: JobFrames) -> list[str]:
    return frames.jobs.get_column("id").to_list()


def texts(out: widgets.Output) -> list[str]:
    """Every text/plain or text/html payload of an Output widget."""
    return [str(o["data"].get("text/html") or o["data"].get("text/plain")) for o in out.outputs]


# -- the filter panel ---------------------------------------------------------------------------------


def test_the_panel_starts_with_every_job_and_its_views_drawn(frames: JobFrames) -> None:
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
    assert panel.versions.options == ("v1.0", "v1.1", "v2.0")
    assert panel.statuses.options == ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED")
    assert "<b>1,500</b> of 1,500 jobs match" in panel.summary.value
    assert texts(panel.views[0]) == ["<h4>Jobs</h4>", "1500"]
    assert panel.views[0] in panel.children


def test_each_control_filters_like_filter_frames_and_redraws_the_views_in_place(frames: JobFrames) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
    view = panel.views[0]

    panel.versions.value = ("v2.0",)
    assert ids(panel.frames) == ids(filter_frames(frames, versions=["v2.0"]))
    assert texts(view)[1] == "475"

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


def test_the_reviewer_control(frames: JobFrames) -> None:
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


def test_an_impossible_date_range_is_reported_and_the_last_result_kept(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    panel.created_from.value = date(2026, 5, 20)
    before = ids(panel.frames)
    panel.created_to.value = date(2026, 5, 1)
    assert "is after created_to" in panel.summary.value
    assert ids(panel.frames) == before


def test_a_failing_view_shows_its_error_escaped_and_a_warning_is_shown(frames: JobFrames) -> None:
    def broken(f: JobFrames) -> object:
        raise ValueError(f"no {SCRIPT} here")

    def warns(f: JobFrames) -> object:
        import warnings

        warnings.warn("take care", UserWarning, stacklevel=1)
        return "drawn"

    panel = filter_panel(frames, views=[("Broken", broken), ("Warns", warns)])
    shown = "".join(texts(panel.views[0]))
    assert "Cannot draw this view for the current filters: ValueError: no" in shown
    assert ESCAPED in shown
    assert SCRIPT not in shown
    assert any("UserWarning: take care" in t for t in texts(panel.views[1]))


def test_listeners_get_the_filtered_frames(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    seen: list[int] = []
    panel.on_change(lambda f: seen.append(f.jobs.height))
    panel.versions.value = ("v1.0",)
    panel.versions.value = ("v1.0", "v1.1")
    assert seen == [525, 1025]


def test_the_display_bundle_is_a_summary_and_a_static_rendering_of_the_current_state(frames: JobFrames) -> None:
    panel = filter_panel(frames, views=[("Jobs", lambda f: ra.charts.duration_ecdf(ra.job_durations(f)))])
    before = panel._repr_mimebundle_()
    assert before["text/plain"] == "FilterPanel: 1,500 of 1,500 jobs (no filter); 1 view(s)"
    assert before["text/html"].count("<svg") == 1
    assert "<b>Versions</b>: v1.0, v1.1, v2.0" in before["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in before

    panel.versions.value = ("v2.0",)
    after = panel._repr_mimebundle_()
    assert after["text/plain"] == "FilterPanel: 475 of 1,500 jobs (versions=['v2.0']); 1 view(s)"
    assert "<b>Versions</b>: v2.0" in after["text/html"]
    assert after["text/html"] != before["text/html"]


def test_the_panel_needs_job_frames(frames: JobFrames) -> None:
    with pytest.raises(TypeError, match="needs JobFrames"):
        FilterPanel(frames.jobs)  # type: ignore[arg-type]


# -- the version picker ---------------------------------------------------------------------------


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


# -- the disagreements ------------------------------------------------------------------------------


def test_verdict_disagreements_are_the_rejections_that_changed_the_label_most_confident_first(
    frames: JobFrames,
) -> None:
    rows = disagreement_rows(frames, "verdict")
    outcomes = ra.review_outcomes(frames)
    assert sorted(rows.get_column("job_id")) == sorted(outcomes.filter(pl.col("agrees").not_()).get_column("job_id"))
    assert rows.height == 123
    confidence = rows.get_column("confidence").drop_nulls()
    assert confidence.is_sorted(descending=True)
    assert (rows.get_column("agent_verdict") != rows.get_column("final_verdict")).all()
    assert rows.get_column("inputs").null_count() == 0


def test_score_disagreements_are_in_the_order_of_score_disagreements(frames: JobFrames) -> None:
    rows = disagreement_rows(frames, "score")
    expected = ra.score_disagreements(frames, n=frames.jobs.height)
    assert rows.get_column("job_id").to_list() == expected.get_column("job_id").to_list()
    with pytest.raises(ValueError, match="kind must be"):
        disagreement_rows(frames, "other")  # type: ignore[arg-type]


def test_the_table_pages_through_the_rows(frames: JobFrames) -> None:
    table = disagreement_table(frames, page_size=10)
    assert isinstance(table, widgets.VBox)
    rows = table.rows
    assert (table.page, table.pages) == (0, 13)
    assert table.previous.disabled and not table.next.disabled
    first_ids = rows.get_column("job_id").head(10).to_list()
    assert all(i in table.table.value for i in first_ids)
    assert "Rows 1–10 of 123 (page 1 of 13)" in table.position.value

    table.next.click()
    assert table.page == 1
    second_ids = rows.get_column("job_id").slice(10, 10).to_list()
    assert all(i in table.table.value for i in second_ids)
    assert not any(i in table.table.value for i in first_ids)

    table.show_page(99)
    assert table.page == 12 and table.next.disabled
    assert "Rows 121–123 of 123 (page 13 of 13)" in table.position.value
    table.previous.click()
    assert table.page == 11

    table.kind.value = "score"
    assert table.page == 0
    assert (
        table.rows.get_column("job_id").to_list() == disagreement_rows(frames, "score").get_column("job_id").to_list()
    )
    assert table._repr_mimebundle_()["text/plain"] == "DisagreementTable: score disagreements, page 1 of 37 (369 rows)"


def test_the_table_follows_a_filter_panel(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    table = DisagreementTable(panel, page_size=5)
    panel.reviewer.value = "emma.schulz@northwind-risk.example"
    assert set(table.rows.get_column("reviewed_by")) == {"emma.schulz@northwind-risk.example"}
    panel.versions.value = ()
    assert table.rows.height == 0
    assert "Rows 0–0 of 0 (page 1 of 1)" in table.position.value


def test_page_size_must_be_positive(frames: JobFrames) -> None:
    with pytest.raises(ValueError, match="page_size"):
        disagreement_table(frames, page_size=0)


# -- job data is shown as text ------------------------------------------------------------------------


def test_html_table_escapes_headers_and_values_and_cuts_long_text() -> None:
    frame = pl.DataFrame(
        {"<i>name</i>": [SCRIPT, "x" * 300, None], "n": [1234567, 2, None], "f": [0.123456, 98765.4, None]}
    )
    markup = html_table(frame, max_chars=30, caption="<b>c</b>")
    assert SCRIPT not in markup and "<i>name</i>" not in markup and "<b>c</b>" not in markup
    assert f"<td>{ESCAPED}</td>" in markup
    assert "&lt;i&gt;name&lt;/i&gt;" in markup
    assert f"<td>{'x' * 29}…</td>" in markup
    assert "<td>1,234,567</td>" in markup and "<td>0.1235</td>" in markup and "<td>98,765</td>" in markup
    assert markup.count("<td>—</td>") == 3


def test_the_html_injection_job_is_shown_as_text(sandbox: Sandbox, frames: JobFrames) -> None:
    injected = sandbox.special_job_ids["html_injection"]
    table = jobs_table(frames, [injected], caption="read")
    assert isinstance(table, Table)
    markup = table._repr_html_()
    assert markup.count(ESCAPED) == 2  # the customer note input and ui_fields.rationale
    assert SCRIPT not in markup and "<b>urgent</b>" not in markup
    assert "&lt;b&gt;urgent&lt;/b&gt;" in markup
    assert repr(table) == "Table('read': 1 rows × 12 columns)"
    row = job_rows(frames, [injected]).row(0, named=True)
    assert row["rationale"] == f"Input contained {SCRIPT}"


def test_the_disagreement_widget_escapes_job_data(sandbox: Sandbox) -> None:
    # The planted job was not reviewed: make it a rejected review whose comment also carries the script.
    injected = sandbox.special_job_ids["html_injection"]
    records = copy.deepcopy(sandbox.jobs("demo"))
    for job in records:
        if job["id"] == injected:
            job["feedback_review"] = {
                "review_status": "rejected",
                "corrected_verdict": "Suspicious",
                "review_comment": f"see {SCRIPT}",
                "reviewed_by": "<b>mallory</b>@example.com",
                "reviewed_at": "2026-05-30T10:00:00Z",
            }
            job["evaluation"] = {**(job["evaluation"] or {}), "grader_score": 0.99, "human_score": 0.01}
    frames = JobFrames.from_records(records, agent_id=sandbox.agents["demo"])
    table = disagreement_table(frames, page_size=500)
    assert injected in table.rows.get_column("job_id").to_list()
    for kind in ("verdict", "score"):
        table.kind.value = kind
        table.show_page(0)
        assert injected in table.table.value
        bundle = table._repr_mimebundle_()
        for markup in (table.table.value, bundle["text/html"], static_html(table)):
            assert SCRIPT not in markup
            assert "<b>mallory</b>" not in markup
            assert ESCAPED in markup
            assert "&lt;b&gt;mallory&lt;/b&gt;@example.com" in markup


def test_the_panel_escapes_values_from_the_data_in_its_controls_and_static_rendering() -> None:
    record = {
        "id": "00000000-0000-4000-8000-000000000001",
        "agent_version_name": f"v<{SCRIPT}>",
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "metadata": {"note": SCRIPT},
        "feedback_review": {"review_status": "approved", "reviewed_by": SCRIPT},
    }
    frames = JobFrames.from_records([record], agent_id="00000000-0000-4000-8000-0000000000aa")
    panel = filter_panel(frames, views=[("View", lambda f: Table(job_rows(f)))])
    panel.metadata_key.value = "note"
    panel.metadata_value.value = SCRIPT
    panel.reviewer.value = SCRIPT
    assert panel.frames.jobs.height == 1
    markup = panel._repr_mimebundle_()["text/html"]
    assert SCRIPT not in markup
    assert ESCAPED in markup


def test_static_html_of_plain_widgets() -> None:
    box = widgets.HBox(
        [
            widgets.Label(SCRIPT),
            widgets.Dropdown(options=[("one", 1), ("two", 2)], value=2, description="Pick"),
            widgets.Button(description="ignored"),
            widgets.Output(),
        ]
    )
    box.children[3].outputs = ({"output_type": "stream", "name": "stdout", "text": SCRIPT},)
    markup = static_html(box)
    assert markup.startswith('<div style="display:flex')
    assert f"<div>{ESCAPED}</div>" in markup
    assert "<b>Pick</b>: two" in markup
    assert "ignored" not in markup
    assert f"<pre>{ESCAPED}</pre>" in markup
