"""The disagreement table, headless: its rows are the helpers' rows, one page at a time."""

from __future__ import annotations

import ipywidgets as widgets
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.widgets import (
    DisagreementTable,
    disagreement_table,
    filter_panel,
)
from roe_analysis.widgets._disagreements import DISAGREEMENTS


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
    assert sorted(rows.get_column("job_id")) == sorted(outcomes.filter(pl.col("agrees").not_()).get_column("job_id"))
    assert rows.height == 123
    confidence = rows.get_column("confidence").drop_nulls()
    assert confidence.is_sorted(descending=True)
    assert (rows.get_column("agent_verdict") != rows.get_column("final_verdict")).all()
    assert rows.get_column("inputs").null_count() == 0


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
    assert table.rows.get_column("job_id").to_list() == rows_of(frames, "score").get_column("job_id").to_list()
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
