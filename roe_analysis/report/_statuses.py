"""The "Status by version" section: jobs per status per version, each with its share of the row."""

from __future__ import annotations

import polars as pl

from roe_analysis._text import fmt_count, fmt_pct
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._markup import Cell, _empty, _table

CAPTION = "Jobs per status; small print: the share of the version's jobs (of all jobs, on the last row)."


def _cell(count: int, total: int) -> Cell:
    return Cell(fmt_count(count), "num", fmt_pct(count / total) if total else None)


def _statuses(a: Analyses) -> str:
    out = ['<section id="statuses"><h2>Status by version</h2>']
    table = a.status_by_version
    if table.height == 0:
        out.append(_empty("No jobs: no statuses to count."))
        return "".join([*out, "</section>"])
    # A status no job has is a column of zeros: left out so the table shows what happened.
    statuses = [c for c in table.columns if c not in (VERSION, "n") and table.get_column(c).sum()]
    rows = [
        [
            Cell(row[VERSION] or "(no version)"),
            *(_cell(row[s], row["n"]) for s in statuses),
            Cell(fmt_count(row["n"]), "num"),
        ]
        for row in table.iter_rows(named=True)
    ]
    totals = table.select(pl.col([*statuses, "n"]).sum()).row(0, named=True)
    rows.append(
        [Cell("all versions"), *(_cell(totals[s], totals["n"]) for s in statuses), Cell(fmt_count(totals["n"]), "num")]
    )
    headers = [("Version", ""), *((s, "num") for s in statuses), ("Jobs", "num")]
    out.append(
        "<p>Every job by its current status: PENDING, STARTED and RETRY are still running; SUCCESS and "
        "CACHED (served from cache) delivered a result; FAILURE and CANCELLED did not.</p>"
    )
    out.append(_table(headers, rows, caption=CAPTION))
    return "".join([*out, "</section>"])
