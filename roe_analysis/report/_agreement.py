"""The reviewer agreement section: coefficients, agreement charts, score agreement, reviewers, alpha."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis._text import fmt_count, fmt_signed, plural
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._figures import (
    coef_text,
    fmt_coef,
    fmt_ms,
    fmt_num,
    fmt_pct,
    with_ci,
)
from roe_analysis.report._markup import (
    Cell,
    _e,
    _empty,
    _est,
    _num,
    _pct_est,
    _table,
)
from roe_analysis.report._page import _Page


def _coefficient_row(label: str, row: Mapping[str, Any]) -> list[Cell]:
    def coef(name: str) -> Cell:
        return _est(coef_text(row, name), fmt_coef(row[f"{name}_low"]), fmt_coef(row[f"{name}_high"]))

    return [
        Cell(label),
        _num(fmt_count(row["n_reviewed"])),
        _pct_est(row["approval_rate"], row["approval_rate_low"], row["approval_rate_high"]),
        _num(fmt_count(row["n_pairs"])),
        _pct_est(row["agreement_rate"], row["agreement_rate_low"], row["agreement_rate_high"]),
        coef("cohen_kappa"),
        coef("gwet_ac1"),
        coef("pabak"),
    ]


def _agreement(a: Analyses, page: _Page) -> str:
    out = ['<section id="agreement"><h2>Reviewer agreement</h2>']
    if a.agreement.height == 0 or a.agreement.item(0, "n_reviewed") == 0:
        out.append(_empty("No reviewed jobs: no agreement to measure." if a.frames.jobs.height else "No jobs."))
        return "".join([*out, "</section>"])
    out.append(
        "<p>Do human reviewers agree with the agent's verdict? Approval counts every completed review; "
        "agreement compares the agent's verdict with the reviewer's final verdict where both are known. "
        "Kappa corrects for chance but drops when one label dominates; AC1 and PABAK are read beside it.</p>"
    )
    headers = [
        ("Group", ""),
        ("Reviewed", "num"),
        ("Approved", "num"),
        ("Verdict pairs", "num"),
        ("Agreement", "num"),
        ("Cohen's kappa", "num"),
        ("Gwet's AC1", "num"),
        ("PABAK", "num"),
    ]
    rows = [_coefficient_row("all jobs", a.agreement.row(0, named=True))]
    rows += [_coefficient_row(str(r[VERSION]), r) for r in a.agreement_by_version.iter_rows(named=True)]
    out.append(_table(headers, rows))
    figures = []
    if a.agreement_by_version.filter(pl.col("n_pairs") > 0).height:
        figures.append(
            page.figure(
                "agreement-intervals",
                lambda: charts.agreement_summary(a.agreement_by_version.filter(pl.col("n_pairs") > 0)).properties(
                    width=420
                ),
                "Agreement coefficients per version with their confidence intervals (1 = perfect, 0 = chance).",
            )
        )
    if a.confusion.height and a.confusion.get_column("count").sum():
        figures.append(
            page.figure(
                "confusion-heatmap",
                lambda: charts.confusion_matrix(a.confusion),
                "Agent verdict (rows) against the reviewers' final verdict (columns): jobs and the share of "
                "the agent's verdict.",
            )
        )
    if a.reviewers.height:
        figures.append(
            page.figure(
                "reviewer-bars",
                lambda: charts.reviewer_stats(a.reviewers).properties(width=360),
                "Share of each reviewer's reviews that approved the agent, with its Wilson interval.",
            )
        )
    if a.score_agreement.height and a.score_agreement.item(0, "n_pairs"):
        figures.append(
            page.figure(
                "grader-vs-human",
                lambda: charts.grader_vs_human(a.frames.jobs, colours=a.colours).properties(width=360, height=360),
                "Grader score against human score, one point per job scored by both; the dashed line is equal scores.",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    out.append(_score_agreement(a))
    out.append(_reviewer_table(a))
    out.append(_inter_reviewer(a))
    return "".join([*out, "</section>"])


def _score_agreement(a: Analyses) -> str:
    if a.score_agreement.height == 0 or not a.score_agreement.item(0, "n_pairs"):
        return "<h3>Grader against human scores</h3>" + _empty("No job has both a grader and a human score.")
    row = a.score_agreement.row(0, named=True)
    headers = [
        ("Jobs with both scores", "num"),
        ("Pearson", "num"),
        ("Spearman", "num"),
        ("Mean |grader − human|", "num"),
        ("Bias (grader − human)", "num"),
        ("95% limits of agreement", "num"),
    ]
    limits = f"{fmt_signed(row['loa_low'])} to {fmt_signed(row['loa_high'])}" if row["loa_low"] is not None else None
    cells = [
        _num(fmt_count(row["n_pairs"])),
        _est(fmt_coef(row["pearson"]), fmt_coef(row["pearson_low"]), fmt_coef(row["pearson_high"])),
        _est(fmt_coef(row["spearman"]), fmt_coef(row["spearman_low"]), fmt_coef(row["spearman_high"])),
        _num(fmt_num(row["mean_abs_diff"])),
        _signed_est(row["bias"], row["bias_low"], row["bias_high"]),
        _limits(row, limits),
    ]
    if a.threshold is not None:
        headers += [("Pass/fail agreement", "num"), ("Pass/fail kappa", "num")]
        cells += [_num(fmt_pct(row["threshold_agreement"])), _num(fmt_coef(row["threshold_kappa"]))]
    return "<h3>Grader against human scores</h3>" + _table(headers, [cells])


def _signed_est(value: float | None, low: float | None, high: float | None) -> Cell:
    """A signed difference with its interval as small print, "+0.0201 to +0.0712"."""
    if value is None or low is None or high is None:
        return _num(fmt_signed(value))
    return Cell(fmt_signed(value), "num", f"{fmt_signed(low)} to {fmt_signed(high)}")


def _limits(row: dict, limits: str | None) -> Cell:
    """The limits of agreement, with the interval of each limit as small print."""
    if limits is None or row["loa_low_low"] is None or row["loa_high_high"] is None:
        return _num(limits)
    # Signed bounds read "−0.491 to −0.402"; a dash between two signed numbers would not.
    low = f"{fmt_signed(row['loa_low_low'])} to {fmt_signed(row['loa_low_high'])}"
    high = f"{fmt_signed(row['loa_high_low'])} to {fmt_signed(row['loa_high_high'])}"
    return Cell(limits, "num", f"{low} · {high}")


def _reviewer_table(a: Analyses) -> str:
    if a.reviewers.height == 0:
        return ""
    rows = [
        [
            Cell(r["reviewed_by"] or "(no reviewer)"),
            _num(fmt_count(r["n_reviews"])),
            _pct_est(r["approval_rate"], r["approval_rate_low"], r["approval_rate_high"]),
            _num(fmt_pct(r["correction_rate"])),
            _pct_est(r["peer_agreement_rate"], r["peer_agreement_rate_low"], r["peer_agreement_rate_high"]),
            _num(fmt_ms(r["median_time_to_review_ms"])),
        ]
        for r in a.reviewers.iter_rows(named=True)
    ]
    headers = [
        ("Reviewer", ""),
        ("Reviews", "num"),
        ("Approved", "num"),
        ("Corrected the verdict", "num"),
        ("Agrees with other reviewers", "num"),
        ("Median time to review", "num"),
    ]
    return "<h3>Reviewers</h3>" + _table(headers, rows)


def _inter_reviewer(a: Analyses) -> str:
    head = "<h3>Between reviewers: Krippendorff's alpha</h3>"
    if a.inter_reviewer.height == 0 or not a.inter_reviewer.item(0, "n_items"):
        return head + _empty("No input was reviewed more than once, so reviewers cannot be compared.")
    row = a.inter_reviewer.row(0, named=True)
    alpha = with_ci(fmt_coef(row["krippendorff_alpha"]), fmt_coef(row["alpha_low"]), fmt_coef(row["alpha_high"]))
    fleiss = fmt_coef(row["fleiss_kappa"]) if row["fleiss_kappa"] is not None else f"not computed: {row['fleiss_note']}"
    counts = ", ".join(
        (plural(row["n_items"], "input"), plural(row["n_values"], "verdict"), plural(row["n_reviewers"], "reviewer"))
    )
    return head + (
        "<p>Where the same input was reviewed more than once, reviewers settled on the same label with "
        f"Krippendorff's alpha <strong>{_e(alpha)}</strong> ({_e(counts)}; 1 = perfect, 0 = chance). "
        f"Fleiss' kappa: {_e(fleiss)}.</p>"
    )
