"""Tables: the one place job data becomes HTML, escaped (`html_table`, `Table`), and the job rows they show."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from roe_analysis.frames import JobFrames, ui_field

#: Longest text shown in a table cell before it is cut with "…" (a job input can be 100 KB).
MAX_CHARS = 240


def _cell_text(value: object, max_chars: int) -> str:
    """A value as display text: numbers rounded for reading, long text cut."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, list | tuple):
        return ", ".join(_cell_text(v, max_chars) for v in value)
    text = str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def html_table(frame: pl.DataFrame, *, max_chars: int = MAX_CHARS, caption: str | None = None) -> str:
    """``frame`` as an HTML table in which every header and value is escaped text.

    Numbers are rounded for reading (4 significant digits, thousands as whole numbers), nulls show
    as "—" and text longer than ``max_chars`` is cut with "…".

    Examples:
        >>> import polars as pl
        >>> print(html_table(pl.DataFrame({"note": ["<script>alert(1)</script>"], "score": [0.91234]})))
        <table class="roe-table"><thead><tr><th>note</th><th>score</th></tr></thead><tbody><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>0.9123</td></tr></tbody></table>
    """  # noqa: E501
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell_text(v, max_chars))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="roe-table">{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@dataclass(frozen=True)
class Table:
    """An escaped HTML table a notebook displays as such (``text/html``), with a short text form.

    Attributes:
        frame: the rows shown.
        caption: the table's caption.
        max_chars: longest text shown per cell.
    """

    frame: pl.DataFrame
    caption: str | None = None
    max_chars: int = MAX_CHARS

    def _repr_html_(self) -> str:
        return html_table(self.frame, max_chars=self.max_chars, caption=self.caption)

    def __repr__(self) -> str:
        rows, columns = self.frame.shape
        return f"Table({self.caption or 'untitled'!r}: {rows} rows × {columns} columns)"


def _with_inputs(rows: pl.DataFrame, frames: JobFrames) -> pl.DataFrame:
    """``rows`` (with ``job_id``) plus ``inputs``: each input as ``key: value`` (files by file name), in order.

    Only the inputs of these rows are read, so a page of a million jobs costs a page.
    """
    shown = pl.coalesce(pl.col("file_name"), pl.col("value"), pl.lit(""))
    inputs = (
        frames.inputs.filter(pl.col("job_id").is_in(rows.get_column("job_id").implode()))
        .sort("job_id", "input_index")
        .group_by("job_id", maintain_order=True)
        .agg(pl.format("{}: {}", pl.col("key"), shown).str.join(" · ").alias("inputs"))
    )
    return rows.join(inputs, on="job_id", how="left", maintain_order="left")


def job_rows(frames: JobFrames, job_ids: Iterable[str] | None = None) -> pl.DataFrame:
    """One row per job with what a reader needs to judge it: inputs, the agent's verdict and rationale, the review.

    Columns: ``job_id``, ``agent_version_name``, ``status``, ``verdict`` and ``rationale`` (from
    ``ui_fields``), ``grader_score``, ``human_score``, ``review_status``, ``corrected_verdict``,
    ``reviewed_by``, ``review_comment`` and ``inputs`` (every input as ``key: value``). Jobs come in the
    order of ``job_ids`` (ids not in ``frames`` are left out), or in the frame's order.
    """
    jobs = frames.jobs
    if job_ids is not None:
        wanted = pl.DataFrame({"id": list(job_ids)}, schema={"id": pl.String})
        jobs = wanted.join(jobs, on="id", how="inner", maintain_order="left")
    rows = jobs.select(
        pl.col("id").alias("job_id"),
        "agent_version_name",
        pl.col("status").cast(pl.String),
        ui_field("verdict"),
        ui_field("rationale"),
        "grader_score",
        "human_score",
        pl.col("review_status").cast(pl.String),
        "corrected_verdict",
        "reviewed_by",
        "review_comment",
    )
    return _with_inputs(rows, frames)


def jobs_table(frames: JobFrames, job_ids: Iterable[str], *, caption: str | None = None) -> Table:
    """`job_rows` of some jobs as an escaped `Table`, for reading them in a notebook."""
    return Table(job_rows(frames, job_ids), caption=caption)
