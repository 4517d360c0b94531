"""Job data is shown as text: the escaped tables, and the static rendering of every widget."""

from __future__ import annotations

import copy

import ipywidgets as widgets
import polars as pl

from roe_analysis import JobFrames
from roe_analysis.sandbox import Sandbox
from roe_analysis.widgets import (
    Table,
    disagreement_table,
    filter_panel,
    html_table,
    job_rows,
    jobs_table,
    static_html,
)


def test_html_table_escapes_headers_and_values_and_cuts_long_text(script: str, escaped: str) -> None:
    frame = pl.DataFrame(
        {"<i>name</i>": [script, "x" * 300, None], "n": [1234567, 2, None], "f": [0.123456, 98765.4, None]}
    )
    markup = html_table(frame, max_chars=30, caption="<b>c</b>")
    assert script not in markup and "<i>name</i>" not in markup and "<b>c</b>" not in markup
    assert f"<td>{escaped}</td>" in markup
    assert "&lt;i&gt;name&lt;/i&gt;" in markup
    assert f"<td>{'x' * 29}…</td>" in markup
    assert "<td>1,234,567</td>" in markup and "<td>0.1235</td>" in markup and "<td>98,765</td>" in markup
    assert markup.count("<td>—</td>") == 3


def test_the_html_injection_job_is_shown_as_text(
    sandbox: Sandbox, frames: JobFrames, script: str, escaped: str
) -> None:
    injected = sandbox.special_job_ids["html_injection"]
    table = jobs_table(frames, [injected], caption="read")
    assert isinstance(table, Table)
    markup = table._repr_html_()
    assert markup.count(escaped) == 2  # the customer note input and ui_fields.rationale
    assert script not in markup and "<b>urgent</b>" not in markup
    assert "&lt;b&gt;urgent&lt;/b&gt;" in markup
    assert repr(table) == "Table('read': 1 rows × 12 columns)"
    row = job_rows(frames, [injected]).row(0, named=True)
    assert row["rationale"] == f"Input contained {script}"


def test_the_disagreement_widget_escapes_job_data(sandbox: Sandbox, script: str, escaped: str) -> None:
    # The planted job was not reviewed: make it a rejected review whose comment also carries the script.
    injected = sandbox.special_job_ids["html_injection"]
    records = copy.deepcopy(sandbox.jobs("demo"))
    for job in records:
        if job["id"] == injected:
            job["feedback_review"] = {
                "review_status": "rejected",
                "corrected_verdict": "Suspicious",
                "review_comment": f"see {script}",
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
            assert script not in markup
            assert "<b>mallory</b>" not in markup
            assert escaped in markup
            assert "&lt;b&gt;mallory&lt;/b&gt;@example.com" in markup


def test_the_panel_escapes_values_from_the_data_in_its_controls_and_static_rendering(script: str, escaped: str) -> None:
    record = {
        "id": "00000000-0000-4000-8000-000000000001",
        "agent_version_name": f"v<{script}>",
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "metadata": {"note": script},
        "feedback_review": {"review_status": "approved", "reviewed_by": script},
    }
    frames = JobFrames.from_records([record], agent_id="00000000-0000-4000-8000-0000000000aa")
    panel = filter_panel(frames, views=[("View", lambda f: Table(job_rows(f)))])
    panel.metadata_key.value = "note"
    panel.metadata_value.value = script
    panel.reviewer.value = script
    assert panel.frames.jobs.height == 1
    markup = panel._repr_mimebundle_()["text/html"]
    assert script not in markup
    assert escaped in markup


def test_static_html_of_plain_widgets(script: str, escaped: str) -> None:
    box = widgets.HBox(
        [
            widgets.Label(script),
            widgets.Dropdown(options=[("one", 1), ("two", 2)], value=2, description="Pick"),
            widgets.Button(description="ignored"),
            widgets.Output(),
        ]
    )
    box.children[3].outputs = ({"output_type": "stream", "name": "stdout", "text": script},)
    markup = static_html(box)
    assert markup.startswith('<div style="display:flex')
    assert f"<div>{escaped}</div>" in markup
    assert "<b>Pick</b>: two" in markup
    assert "ignored" not in markup
    assert f"<pre>{escaped}</pre>" in markup
