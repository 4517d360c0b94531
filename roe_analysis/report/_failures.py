"""The failures section: failure and cancellation rates by version, their trend, the commonest errors.

Error messages are job data (an agent can put anything in them): like every other value they reach
the page only through `_markup._e`, and inside the chart SVG through vl-convert's own escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis._text import fmt_count, fmt_pct
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._markup import Cell, _cut, _empty, _num, _pct_est, _table
from roe_analysis.report._page import _band_height, _Page


def _rate_row(label: str, row: Mapping[str, Any]) -> list[Cell]:
    return [
        Cell(label),
        _num(fmt_count(row["n"])),
        _num(fmt_count(row["failures"])),
        _pct_est(row["failure_rate"], row["failure_rate_low"], row["failure_rate_high"]),
        _num(fmt_count(row["cancelled"])),
        _pct_est(row["cancel_rate"], row["cancel_rate_low"], row["cancel_rate_high"]),
        Cell(row["note"], "text"),
    ]


def _messages(a: Analyses) -> str:
    head = "<h3>The most common error messages</h3>"
    if a.error_messages.height == 0:
        return head + _empty("No failed job has an error message.")
    rows = [
        [
            Cell(_cut(r["message"]), "text"),
            _num(fmt_count(r["n_jobs"])),
            _num(fmt_pct(r["share"])),
            Cell(", ".join(r["versions"])),
            Cell(r["first_seen"].strftime("%Y-%m-%d %H:%M") if r["first_seen"] else None),
            Cell(r["last_seen"].strftime("%Y-%m-%d %H:%M") if r["last_seen"] else None),
            Cell(r["example_job_id"], "id"),
        ]
        for r in a.error_messages.iter_rows(named=True)
    ]
    headers = [
        ("Message", ""),
        ("Failed jobs", "num"),
        ("Share of failures", "num"),
        ("Versions", ""),
        ("First seen (UTC)", ""),
        ("Last seen (UTC)", ""),
        ("Example job", ""),
    ]
    return head + "<p>From each failed job's FAILURE status event, most frequent first.</p>" + _table(headers, rows)


def _failures(a: Analyses, page: _Page) -> str:
    out = ['<section id="failures"><h2>Failures</h2>']
    if a.failure_overall.height == 0 or not a.failure_overall.item(0, "n"):
        out.append(_empty("No finished jobs: no failures to count." if a.frames.jobs.height else "No jobs."))
        return "".join([*out, "</section>"])
    out.append(
        "<p>A failure is a finished job that ended FAILURE, a cancellation one that ended CANCELLED; rates "
        "are shares of finished jobs (jobs still running are not counted), with intervals that count "
        "inputs, not runs.</p>"
    )
    headers = [
        ("Version", ""),
        ("Finished", "num"),
        ("Failures", "num"),
        ("Failure rate", "num"),
        ("Cancelled", "num"),
        ("Cancel rate", "num"),
        ("Note", ""),
    ]
    rows = [_rate_row(r[VERSION] or "(no version)", r) for r in a.failures.iter_rows(named=True)]
    rows.append(_rate_row("all versions", a.failure_overall.row(0, named=True)))
    out.append(_table(headers, rows))
    drawn = a.failures.filter(pl.col("n") > 0)
    figures = [
        page.figure(
            "failure-rate",
            lambda: charts.failure_rate_chart(drawn, colours=a.colours).properties(
                width=380, height=max(160, _band_height(drawn))
            ),
            "Share of each version's finished jobs that failed (dot) with its confidence interval over "
            "inputs (bar); a hollow dot has too few inputs to tell.",
        )
    ]
    if a.failure_trend.height:
        figures.append(
            page.figure(
                "failure-trend",
                lambda: charts.failure_trend_chart(a.failure_trend, colours=a.colours).properties(
                    width=440, height=240
                ),
                f"Failure rate of the jobs created in each period ({a.drift_every}), per version, with its "
                "confidence interval (none where a period has too few inputs).",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    out.append(_messages(a))
    return "".join([*out, "</section>"])
