"""The disagreement table, headless: its rows are the helpers' rows, one page at a time."""

from __future__ import annotations

from datetime import date

import ipywidgets as widgets
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.frames import filter_frames
from roe_analysis.widgets import (
    DisagreementTable,
    disagreement_table,
    filter_panel,
)
from roe_analysis.widgets._disagreements import DISAGREEMENTS, MIN_WIDTHS, NO_CORRECTION


def rows_of(frames: JobFrames, kind: str) -> pl.DataFrame:
    """Every row the disagreement table lists with its "Show" toggle at ``kind``."""
    table = disagreement_table(frames)
    table.kind.value = kind
    return table.rows


def test_verdict_disagreements_are_the_rejections_that_changed_the_label_most_confident_first(
    frames: JobFrames,
) -> None:
    rows = rows_of(frames, "verdict")
    outcomes = ra.review_outcomes(frames)
    disagreeing = outcomes.filter(pl.col("agrees").not_())
    assert sorted(rows.get_column("job_id")) == sorted(disagreeing.get_column("job_id"))
    assert rows.height == disagreeing.height > 0
    confidence = rows.get_column("confidence").drop_nulls()
    assert confidence.is_sorted(descending=True)
    # A changed label differs from the agent's; a null one is a rejection without a correction.
    corrected = rows.filter(pl.col("final_verdict").is_not_null())
    assert corrected.height > 0
    assert (corrected.get_column("agent_verdict") != corrected.get_column("final_verdict")).all()
    uncorrected = rows.filter(pl.col("final_verdict").is_null()).get_column("job_id")
    expected_uncorrected = disagreeing.filter(pl.col("rejected_uncorrected")).get_column("job_id")
    assert sorted(uncorrected) == sorted(expected_uncorrected)
    assert len(uncorrected) > 0
    assert set(disagreeing.filter(pl.col("job_id").is_in(uncorrected.implode())).get_column("review_status")) == {
        "rejected"
    }
    assert rows.get_column("inputs").null_count() == 0


def test_a_rejection_without_a_correction_shows_as_such_not_as_a_blank(frames: JobFrames) -> None:
    rows = rows_of(frames, "verdict")
    table = disagreement_table(frames, page_size=rows.height)  # every row on one page
    uncorrected = rows.get_column("final_verdict").null_count()
    assert uncorrected > 0
    assert table.table.value.count(f"<td>{NO_CORRECTION}</td>") == uncorrected
    assert table.rows.get_column("final_verdict").null_count() == uncorrected  # the data keeps its nulls
    for final in rows.get_column("final_verdict").drop_nulls().unique():
        assert f"<td>{final}</td>" in table.table.value


def test_score_disagreements_are_in_the_order_of_score_disagreements(frames: JobFrames) -> None:
    rows = rows_of(frames, "score")
    expected = ra.score_disagreements(frames, n=frames.jobs.height)
    assert rows.get_column("job_id").to_list() == expected.get_column("job_id").to_list()
    # The toggle offers exactly the kinds the table maps to a helper.
    table = disagreement_table(frames)
    assert [value for _, value in table.kind.options] == list(DISAGREEMENTS) == ["verdict", "score"]
    assert DISAGREEMENTS["verdict"][1] is ra.verdict_disagreements


def test_the_table_pages_through_the_rows(frames: JobFrames) -> None:
    table = disagreement_table(frames, page_size=10)
    assert isinstance(table, widgets.VBox)
    rows = table.rows
    n = ra.review_outcomes(frames).filter(pl.col("agrees").not_()).height
    pages = -(-n // 10)
    assert n > 20 and rows.height == n
    assert (table.page, table.pages) == (0, pages)
    assert table.previous.disabled and not table.next.disabled
    first_ids = rows.get_column("job_id").head(10).to_list()
    assert all(i in table.table.value for i in first_ids)
    assert f"Rows 1–10 of {n} (page 1 of {pages})" in table.position.value

    table.next.click()
    assert table.page == 1
    second_ids = rows.get_column("job_id").slice(10, 10).to_list()
    assert all(i in table.table.value for i in second_ids)
    assert not any(i in table.table.value for i in first_ids)

    table.show_page(99)
    assert table.page == pages - 1 and table.next.disabled
    assert f"Rows {(pages - 1) * 10 + 1}–{n} of {n} (page {pages} of {pages})" in table.position.value
    table.previous.click()
    assert table.page == pages - 2

    table.kind.value = "score"
    assert table.page == 0
    assert table.rows.get_column("job_id").to_list() == rows_of(frames, "score").get_column("job_id").to_list()
    scored = ra.score_disagreements(frames, n=frames.jobs.height).height
    assert scored > 10 and table.rows.height == scored
    assert table._repr_mimebundle_()["text/plain"] == (
        f"DisagreementTable: score disagreements, page 1 of {-(-scored // 10)} ({scored:,} rows)"
    )


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


NO_JOBS = "No jobs match these filters. Widen them, or press Clear filters."
REVERSED = "Not redrawn: the creation dates are reversed (from 2026-05-20 after to 2026-05-01). Fix them above."


def test_the_table_shows_the_panels_error_and_no_stale_rows(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    table = DisagreementTable(panel, page_size=5)
    panel.created_from.value = date(2026, 5, 20)
    assert table.rows.height > 0 and table.error is None
    panel.created_to.value = date(2026, 5, 1)
    assert table.error == REVERSED
    assert table.rows.height == 0
    assert table.table.value == (
        f'<p class="roe-message" style="color:#b00020;font-weight:bold;margin:0.5em 0">{REVERSED}</p>'
    )
    assert (table.previous.disabled, table.next.disabled) == (True, True)
    assert table.position.value == ""
    table.kind.value = "score"  # switching kind does not bring stale rows back
    assert table.rows.height == 0 and table.error == REVERSED
    panel.created_to.value = None
    assert table.error is None
    expected = DISAGREEMENTS["score"][1](filter_frames(frames, created_from=date(2026, 5, 20)))
    assert table.rows.get_column("job_id").to_list() == expected.get_column("job_id").to_list()
    assert table.rows.height > 0


def test_the_table_says_when_no_job_matches(frames: JobFrames) -> None:
    panel = filter_panel(frames)
    table = DisagreementTable(panel)
    panel.versions.value = ()
    assert table.rows.height == 0 and table.error is None
    assert (
        table.table.value == f'<p class="roe-message" style="color:#555;font-style:italic;margin:0.5em 0">{NO_JOBS}</p>'
    )
    assert table._repr_mimebundle_()["text/plain"] == "DisagreementTable: verdict disagreements, page 1 of 1 (0 rows)"


def test_text_columns_have_a_minimum_width_and_the_toggle_fits_its_labels(frames: JobFrames) -> None:
    table = DisagreementTable(frames, page_size=3)
    columns = table.rows.columns
    assert columns == [
        "job_id", "agent_version_name", "agent_verdict", "final_verdict", "confidence", "reviewed_by",
        "grader_score", "human_score", "review_comment", "inputs",
    ]  # fmt: skip
    page = table.table.value
    assert page.startswith('<div class="roe-disagreements"><style>')
    assert page.count('<div class="roe-wrap tex2jax_ignore mathjax_ignore">') == 1  # a wide page scrolls sideways
    wide = {"inputs": 10, "review_comment": 9}
    for name, nth in wide.items():
        assert columns[nth - 1] == name
        rule = (
            f".roe-disagreements .roe-table tr>*:nth-child({nth}){{min-width:{MIN_WIDTHS[name]};white-space:normal;"
            "overflow-wrap:anywhere}"
        )
        assert rule in page
    assert MIN_WIDTHS == {"review_comment": "16em", "inputs": "32em"}
    # Ids, versions, verdicts, e-mails and numbers keep to one line (the table's own nowrap).
    assert "nth-child(1)" not in page and "nth-child(6)" not in page and "nth-child(5)" not in page
    assert "break-all" not in page  # words are not broken letter by letter
    assert table.kind.style.button_width == "19em"
    assert table.kind.options == (("Verdicts changed by reviewers", "verdict"), ("Grader vs human scores", "score"))
