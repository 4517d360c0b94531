"""The grader scores section: per-version table, score charts, version comparisons and drift."""

from __future__ import annotations

from datetime import datetime

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis._text import fmt_count
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._figures import fmt_num
from roe_analysis.report._markup import (
    Cell,
    _e,
    _empty,
    _est,
    _num,
    _pct_est,
    _table,
)
from roe_analysis.report._overview import SEE_WHAT_CHANGED
from roe_analysis.report._page import _Page, comparison_chart


def _scores(a: Analyses, page: _Page) -> str:
    out = ['<section id="scores"><h2>Grader scores</h2>']
    scored = a.score_by_version.filter(pl.col("n_scored") > 0)
    if scored.height == 0:
        out.append(_empty("No jobs have a grader score." if a.frames.jobs.height else "No jobs: no grader scores."))
        return "".join([*out, "</section>"])
    threshold = a.threshold
    out.append(
        "<p>The automatic grader's score of each job, by agent version. Scores have no fixed scale; "
        + (
            f"a score passes at {_e(fmt_num(threshold))} or above.</p>"
            if threshold is not None
            else "no pass mark was given, so there are no pass rates.</p>"
        )
    )
    headers = [("Version", ""), ("Jobs", "num"), ("Scored", "num"), ("Mean", "num"), ("Median", "num")]
    if threshold is not None:
        headers.append(("Pass rate", "num"))
    rows = []
    for row in a.score_by_version.iter_rows(named=True):
        cells = [
            Cell(row[VERSION]),
            _num(fmt_count(row["n"])),
            _num(fmt_count(row["n_scored"])),
            _est(fmt_num(row["mean"]), fmt_num(row["mean_low"]), fmt_num(row["mean_high"])),
            _num(fmt_num(row["median"])),
        ]
        if threshold is not None:
            cells.append(_pct_est(row["pass_rate"], row["pass_low"], row["pass_high"]))
        rows.append(cells)
    out.append(_table(headers, rows))
    figures = [
        page.figure(
            "score-by-version",
            lambda: charts.score_summary(scored, colours=a.colours).properties(width=320, height=260),
            "Mean grader score per version (dot) with its confidence interval, a cluster bootstrap over "
            "inputs (bar), and median (tick).",
        )
    ]
    # Comparisons with too few inputs have no interval: the chart draws only those it can support.
    supported = a.score_comparisons.filter(~pl.col("too_few"))
    if supported.height:
        figures.append(
            page.figure(
                "score-comparison",
                lambda: comparison_chart(supported, a.colours),
                "Difference in mean grader score between versions (b − a) with its confidence interval; "
                "right of the dashed line is higher. "
                "Comparisons too small to tell are not drawn (see What changed between versions).",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    if a.score_comparisons.height or (a.pass_comparisons is not None and a.pass_comparisons.height):
        out.append(SEE_WHAT_CHANGED)
    else:
        out.append(_empty("Only one agent version: nothing to compare."))
    out.append(_drift(a))
    return "".join([*out, "</section>"])


def _drift(a: Analyses) -> str:
    drift = a.score_drift.filter(pl.col("n_scored") > 0)
    if drift.height == 0:
        return ""
    versions = sorted({v for v in drift.get_column(VERSION).to_list() if v is not None})
    has_null = drift.get_column(VERSION).null_count() > 0
    columns: list[str | None] = [*versions, *([None] if has_null else [])]
    cells: dict[tuple[datetime, str | None], Cell] = {}
    for row in drift.iter_rows(named=True):
        cells[(row["period_start"], row[VERSION])] = _est(
            fmt_num(row["mean"]), fmt_num(row["mean_low"]), fmt_num(row["mean_high"]), f"n={fmt_count(row['n_scored'])}"
        )
    periods = sorted({p for p, _ in cells})
    fmt = "%Y-%m-%d %H:%M" if a.drift_every.endswith("h") else "%Y-%m-%d"
    rows = [[Cell(p.strftime(fmt)), *(cells.get((p, v), _num(None)) for v in columns)] for p in periods]
    headers = [("Period starting (UTC)", ""), *((v or "(no version)", "num") for v in columns)]
    return (
        f"<h3>Drift: mean grader score per period ({_e(a.drift_every)})</h3>"
        "<p>A version whose score moves over time is drifting (inputs changed, or the grader did).</p>"
        + _table(headers, rows)
    )
