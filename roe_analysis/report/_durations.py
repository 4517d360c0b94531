"""The durations section: per-version table, duration charts, comparisons and the slowest jobs."""

from __future__ import annotations

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis._text import fmt_count, plural_word
from roe_analysis.analysis import run_durations
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._figures import fmt_ms
from roe_analysis.report._markup import (
    Cell,
    _e,
    _empty,
    _ms_est,
    _num,
    _table,
)
from roe_analysis.report._overview import SEE_WHAT_CHANGED
from roe_analysis.report._page import _Page, comparison_chart


def _duration_rows(summary: pl.DataFrame, *, censored: bool) -> list[list[Cell]]:
    rows = []
    for row in summary.iter_rows(named=True):
        cells = [
            Cell(row[VERSION]),
            _num(fmt_count(row["n"])),
            _num(fmt_count(row["n_running"])),
            _num(fmt_count(row["n_measured"])),
            _ms_est(row, "p50"),
            _ms_est(row, "p90"),
            _num(fmt_ms(row["mean_ms"])),
        ]
        if censored:
            cells.append(_num(fmt_ms(row["km_median_ms"]) if row["n_censored"] else "—"))
        rows.append(cells)
    return rows


def slowest_heading(n: int) -> str:
    """The heading of the slowest-jobs table: "The slowest finished job" when there is one.

    Examples:
        >>> slowest_heading(1), slowest_heading(10)
        ('The slowest finished job', 'The 10 slowest finished jobs')
    """
    return "The slowest finished job" if n == 1 else f"The {fmt_count(n)} slowest finished {plural_word(n, 'job')}"


def _durations(a: Analyses, page: _Page) -> str:
    out = ['<section id="durations"><h2>Durations</h2>']
    measured = a.durations.filter(~pl.col("is_running") & pl.col("duration_ms").is_not_null())
    if a.frames.jobs.height == 0:
        out.append(_empty("No jobs: no durations to show."))
        return "".join([*out, "</section>"])
    out.append(
        "<p>How long jobs take from their first status event to their last (recomputed from the status "
        "events), by agent version, over runs: cache hits (0 ms by the API's rule) are left out. Jobs "
        "still running have no duration yet; where there are any, the last column's median counts each "
        "as lasting at least as long as it had been running when the data was fetched.</p>"
    )
    headers = [
        ("Version", ""),
        ("Jobs", "num"),
        ("Running", "num"),
        ("Finished with a duration", "num"),
        ("p50", "num"),
        ("p90", "num"),
        ("Mean", "num"),
    ]
    # Running jobs have no duration: the Kaplan–Meier median counts each as lasting at least as long
    # as it had been running when the data was fetched (the plain p50 leaves them out).
    censored = a.duration_by_version.height > 0 and bool(a.duration_by_version.get_column("n_censored").sum())
    if censored:
        headers.append(("Median, running jobs counted", "num"))
    out.append(_table(headers, _duration_rows(a.duration_by_version, censored=censored)))
    if measured.height == 0:
        out.append(_empty("No finished job has a duration yet."))
        return "".join([*out, "</section>"])
    # The charts draw the population the table counts: runs, without the 0 ms cache hits.
    runs = run_durations(a.durations)
    figures = [
        page.figure(
            "duration-histogram",
            lambda: charts.job_durations_histogram(runs, colours=a.colours).properties(width=440, height=240),
            "Share of each version's finished runs per duration bin (cache hits are not runs).",
        ),
        page.figure(
            "duration-ecdf",
            lambda: charts.job_durations_ecdf(runs, colours=a.colours).properties(width=440, height=240),
            "Share of each version's finished runs done within a duration: read p50 at 50%, p90 at 90%.",
        ),
        page.figure(
            "duration-trend",
            lambda: charts.duration_trend(a.duration_trend, colours=a.colours).properties(width=960, height=260),
            f"Median duration of the jobs created in each period ({a.trend_every}), per version, with its "
            "distribution-free confidence interval (none where a period has too few runs).",
            wide=True,
        ),
    ]
    if a.status_time.height:
        figures.append(
            page.figure(
                "status-time",
                lambda: charts.status_time_summary(a.status_time, colours=a.colours).properties(width=300, height=260),
                "Share of each version's job time spent in each status (queued PENDING, running STARTED, "
                "waiting to RETRY).",
            )
        )
    # Comparisons with too few inputs have no interval: the chart draws only those it can support.
    supported = a.duration_comparisons.filter(~pl.col("too_few"))
    if supported.height:
        figures.append(
            page.figure(
                "duration-comparison",
                lambda: comparison_chart(supported, a.colours),
                "Difference in median duration between versions (b − a) with its confidence interval; "
                "left of the dashed line is faster. "
                "Comparisons too small to tell are not drawn (see What changed between versions).",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    if a.duration_comparisons.height:
        out.append(SEE_WHAT_CHANGED)
    out.append(f"<h3>{_e(slowest_heading(a.slowest.height))}</h3>")
    slow_rows = [
        [
            _num(fmt_count(row["rank"])),
            Cell(row["job_id"], "code"),
            Cell(row[VERSION]),
            Cell(row["terminal_status"]),
            Cell(row["created_at"].strftime("%Y-%m-%d %H:%M") if row["created_at"] else None),
            _num(fmt_ms(row["duration_ms"])),
            _num(fmt_ms(row["queue_ms"])),
            _num(fmt_ms(row["run_ms"])),
            _num(fmt_count(row["retry_count"])),
        ]
        for row in a.slowest.iter_rows(named=True)
    ]
    out.append(
        _table(
            [
                ("#", "num"),
                ("Job", ""),
                ("Version", ""),
                ("Status", ""),
                ("Created (UTC)", ""),
                ("Duration", "num"),
                ("Queued", "num"),
                ("Running", "num"),
                ("Retries", "num"),
            ],
            slow_rows,
        )
    )
    return "".join([*out, "</section>"])
