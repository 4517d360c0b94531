"""Job data is shown as text: the escaped tables, and the static rendering of every widget."""

from __future__ import annotations

import copy

import ipywidgets as widgets
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.errors import InvalidArgumentError
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
from roe_analysis.widgets._tables import NO_ROWS, STYLE, table

#: The wrapper of every table: it scrolls sideways, and MathJax leaves its text (amounts in $) alone.
WRAP = '<div class="roe-wrap tex2jax_ignore mathjax_ignore">'


def test_html_table_escapes_headers_and_values_and_cuts_long_text(script: str, escaped: str) -> None:
    frame = pl.DataFrame(
        {"<i>name</i>": [script, "x" * 300, None], "n": [1234567, 2, None], "f": [0.123456, 98765.4, None]}
    )
    markup = html_table(frame, max_chars=30, caption="<b>c</b>")
    assert script not in markup and "<i>name</i>" not in markup and "<b>c</b>" not in markup
    assert f"<td>{escaped}</td>" in markup
    assert "<th>&lt;i&gt;name&lt;/i&gt;</th>" in markup
    assert f"<td>{'x' * 29}…</td>" in markup
    assert '<td class="num">1,234,567</td>' in markup and '<td class="num">0.123</td>' in markup
    assert '<td class="num">98,765</td>' in markup
    assert markup.count("<td>—</td>") == 1 and markup.count('<td class="num">—</td>') == 2


def test_a_table_is_display_only_and_reads_without_shape_or_dtypes(frames: JobFrames) -> None:
    summary = ra.duration_summary(frames)
    before = summary.clone()
    columns = ["agent_version_name", "n", "mean_ms", "p50", "p50_low", "p50_high", "too_few"]
    shown = table(summary.select(columns), caption="Speed")
    assert shown.frame.equals(before.select(columns))
    assert shown.frame.schema["p50"] == pl.Float64 and summary.equals(before)
    markup = shown._repr_html_()
    assert markup.startswith(STYLE + WRAP + '<table class="roe-table"><caption>Speed</caption>')
    assert "shape:" not in markup and "f64" not in markup and "str" not in markup.removeprefix(STYLE)
    head = (
        '<tr><th>Agent version</th><th class="num">Jobs</th><th class="num">Mean</th>'
        '<th class="num">p50 (CI)</th><th>Too few</th></tr>'
    )
    assert head in markup
    first = '<td class="num">443</td><td class="num">59.0 s</td><td class="num">51.1 s (46.3–55.3 s)</td><td>no</td>'
    assert f"<tr><td>v1.0</td>{first}</tr>" in markup
    assert '<td class="num">12.9 s (too few to tell)</td><td>yes</td>' in markup
    assert repr(shown) == "Table('Speed': 4 rows × 7 columns)"
    assert repr(table(summary.head(1))) == "Table('untitled': 1 row × 22 columns)"


def test_an_empty_table_shows_its_headers_and_says_it_has_no_rows() -> None:
    empty = pl.DataFrame(schema={"agent_version_name": pl.String, "n": pl.UInt32, "mean_ms": pl.Float64})
    markup = html_table(empty)
    assert markup.removeprefix(STYLE) == (
        f'{WRAP}<table class="roe-table"><thead><tr><th>Agent version</th><th class="num">Jobs</th>'
        f'<th class="num">Mean</th></tr></thead><tbody><tr><td class="empty" colspan="3">{NO_ROWS}</td></tr>'
        "</tbody></table></div>"
    )
    assert NO_ROWS == "No rows: nothing matches."


def test_a_wide_table_scrolls_and_only_long_text_wraps() -> None:
    frame = pl.DataFrame({"agent_version_name": ["v2.1-canary"], "comment": ["x" * 41], "n": [3]})
    markup = html_table(frame).removeprefix(STYLE)
    assert markup.startswith(WRAP + "<table") and markup.endswith("</table></div>")
    assert '<td>v2.1-canary</td><td class="long">' + "x" * 41 + '</td><td class="num">3</td>' in markup
    assert ".roe-table td{white-space:nowrap}" in STYLE and ".roe-wrap{overflow-x:auto" in STYLE
    assert "<td>" + "x" * 40 + "</td>" in html_table(frame.with_columns(comment=pl.lit("x" * 40)))


def test_table_refuses_bad_formats_when_made_not_when_shown() -> None:
    with pytest.raises(InvalidArgumentError, match=r"formats\['n'\] must be a callable"):
        table(pl.DataFrame({"n": [1]}), formats={"n": "money"})  # type: ignore[dict-item]


def test_hostile_values_and_headers_stay_text_after_formatting(script: str, escaped: str) -> None:
    frame = pl.DataFrame({script: [script], "note": [["<b>x</b>", script]], "mean_ms": [12.0]})
    markup = html_table(frame, formats={"mean_ms": lambda v: f"<i>{v}</i>"})
    assert script not in markup and "<b>x</b>" not in markup and "<i>12.0</i>" not in markup
    assert f"<th>{escaped}</th>" in markup and f"<td>&lt;b&gt;x&lt;/b&gt;, {escaped}</td>" in markup
    assert '<td class="num">&lt;i&gt;12.0&lt;/i&gt;</td>' in markup


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
    assert repr(table) == "Table('read': 1 row × 12 columns)"
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
