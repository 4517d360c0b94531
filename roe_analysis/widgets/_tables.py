"""Tables: the one place job data becomes HTML, formatted and escaped (`html_table`, `Table`, `table`), and job rows."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from roe_analysis._text import plural
from roe_analysis.frames import JobFrames, ui_field
from roe_analysis.widgets._format import MAX_CHARS, Format, format_columns
from roe_analysis.widgets._static import NO_MATH

#: The table's own style, scoped by its class: numbers right-aligned, a light zebra, a sticky header.
STYLE = (
    "<style>"
    ".roe-table{border-collapse:collapse;font-size:13px;margin:4px 0}"
    ".roe-table caption{text-align:left;font-weight:600;padding:4px 0}"
    # Scoped under the wrapper so JupyterLab's own table rules (right-aligned cells) do not win.
    ".roe-wrap .roe-table th,.roe-wrap .roe-table td{padding:3px 10px;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #e5e5e5}"
    ".roe-wrap .roe-table th{position:sticky;top:0;background:#fff;border-bottom:1px solid #999;font-weight:600}"
    ".roe-wrap .roe-table .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".roe-wrap .roe-table tbody tr:nth-child(even){background:#f6f7f9}"
    ".roe-wrap .roe-table .empty{color:#666;font-style:italic}"
    ".roe-wrap .roe-table td{white-space:nowrap}.roe-wrap .roe-table td.long{white-space:normal;min-width:16em}"
    ".roe-wrap{overflow-x:auto;max-width:100%}"
    "</style>"
)

#: A text column whose cells are all this short does not wrap (labels, ids, dates); longer text wraps.
SHORT = 40

#: The line shown under the headers of a table with no rows.
NO_ROWS = "No rows: nothing matches."


def html_table(
    frame: pl.DataFrame,
    *,
    max_chars: int = MAX_CHARS,
    caption: str | None = None,
    columns: Sequence[str] | None = None,
    formats: Mapping[str, Format] | None = None,
    confidence: float | None = None,
) -> str:
    """``frame`` as a formatted HTML table in which every header and value is escaped text.

    Cells are formatted per column as `format_columns` says (durations in one unit, counts with
    thousands separated, shares as percent, intervals merged into their estimate), numbers are
    right-aligned, nulls show as "—" and text longer than ``max_chars`` is cut with "…". A frame with
    no rows shows its headers and `NO_ROWS`.

    Examples:
        >>> import polars as pl
        >>> markup = html_table(pl.DataFrame({"note": ["<script>alert(1)</script>"], "score": [0.91234]}))
        >>> print(markup.removeprefix(STYLE))
        <div class="roe-wrap tex2jax_ignore mathjax_ignore"><table class="roe-table"><thead><tr><th>Note</th><th class="num">Score</th></tr></thead><tbody><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="num">0.912</td></tr></tbody></table></div>
    """  # noqa: E501
    shown = format_columns(frame, columns=columns, formats=formats, max_chars=max_chars, confidence=confidence)
    # Numbers and short labels ("v2.1-canary", a date) stay on one line; a column of long text
    # wraps; a table wider than the output scrolls sideways instead of being cut.
    css = [
        ' class="num"' if c.numeric else (' class="long"' if max(map(len, c.cells), default=0) > SHORT else "")
        for c in shown
    ]
    head_css = [' class="num"' if c.numeric else "" for c in shown]
    head = "".join(f"<th{k}>{html.escape(c.header)}</th>" for c, k in zip(shown, head_css, strict=True))
    rows = [
        "<tr>" + "".join(f"<td{k}>{html.escape(c.cells[i])}</td>" for c, k in zip(shown, css, strict=True)) + "</tr>"
        for i in range(frame.height)
    ]
    if not rows:
        rows = [f'<tr><td class="empty" colspan="{max(len(shown), 1)}">{NO_ROWS}</td></tr>']
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'{STYLE}<div class="roe-wrap {NO_MATH}"><table class="roe-table">{title}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


@dataclass(frozen=True)
class Table:
    """A formatted, escaped HTML table a notebook displays as such (``text/html``), with a short text form.

    Display only: ``frame`` keeps its numbers; the formatting happens when the table is shown.

    Attributes:
        frame: the rows shown, unformatted.
        caption: the table's caption.
        max_chars: longest text shown per cell.
        columns: the columns shown, in order (default: all); the others still inform the formatting.
        formats: a format per column over the rules of `format_columns`.
        confidence: the intervals' level for their headers (default: the frame's).
    """

    frame: pl.DataFrame
    caption: str | None = None
    max_chars: int = MAX_CHARS
    columns: tuple[str, ...] | None = None
    formats: Mapping[str, Format] | None = None
    confidence: float | None = None

    def _repr_html_(self) -> str:
        return html_table(
            self.frame,
            max_chars=self.max_chars,
            caption=self.caption,
            columns=self.columns,
            formats=self.formats,
            confidence=self.confidence,
        )

    def __repr__(self) -> str:
        rows = self.frame.height
        columns = len(self.columns) if self.columns is not None else self.frame.width
        return f"Table({self.caption or 'untitled'!r}: {plural(rows, 'row')} × {plural(columns, 'column')})"


def table(
    frame: pl.DataFrame,
    *,
    caption: str | None = None,
    columns: Sequence[str] | None = None,
    formats: Mapping[str, Format] | None = None,
    max_chars: int = MAX_CHARS,
    confidence: float | None = None,
) -> Table:
    """``frame`` as a formatted `Table` for a notebook: ``display(rw.table(ra.duration_summary(frames)))``.

    Durations read in one unit per column, counts with thousands separated, shares as percent,
    ``*_low``/``*_high`` intervals beside their estimate, headers in words; the frame itself is
    untouched (``.frame``). Bad arguments are refused here, not when the table is shown.

    Args:
        frame: the frame to show.
        caption: a caption above the table.
        columns: the columns to show, in order (default: all). Select with ``columns=`` rather than
            ``frame.select(...)``: the columns left out still inform the formatting (a ``metric``
            column gives a comparison's unit, ``confidence`` the intervals' level).
        formats: ``{"column": format}``, a name ("duration", "percent", "count", "number",
            "p_value", "signed", "datetime", "text") or a callable from a value to text.
        max_chars: longest text shown per cell.
        confidence: the intervals' level, for the headers (default: the frame's ``confidence`` or
            ``interval_confidence`` column, else "(CI)").

    Raises:
        ArgumentTypeError: ``frame`` is not a DataFrame, or ``columns`` not a list of names.
        MissingColumnsError: ``columns`` or ``formats`` names a column the frame lacks.
        InvalidArgumentError: an unknown format name, a column listed twice, or ``max_chars`` below 2.

    Examples:
        >>> import polars as pl
        >>> t = table(pl.DataFrame({"p50_ms": [46163.0, 812.0], "n": [1255, 3]}), caption="Speed")
        >>> t
        Table('Speed': 2 rows × 2 columns)
        >>> t.frame.get_column("p50_ms").to_list()
        [46163.0, 812.0]
    """
    format_columns(frame, columns=columns, formats=formats, max_chars=max_chars, confidence=confidence)
    shown = tuple(columns) if columns is not None else None
    return Table(frame, caption=caption, max_chars=max_chars, columns=shown, formats=formats, confidence=confidence)


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
