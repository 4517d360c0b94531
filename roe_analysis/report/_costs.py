"""The cost section: what each version costs, its cost against its quality, and what changed between versions.

Every number is a helper's (`Analyses.costs`, `.cost_quality`, `.cost_comparisons`); what is done
here is reading them out. The Pareto front is said in words from the helper's ``pareto`` and
``pareto_uncertain`` flags; to name *which* version leaves another off the front, the point
estimates and interval bounds of the helper's rows are compared, by the helper's own rules
(no costlier and no worse, one strictly; "clearly" when the two intervals are apart).

Frames without results (a snapshot written before them, ``--no-results``) get the section's
heading and one sentence saying how to add them, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis._text import fmt_count, fmt_num, fmt_pct, plural
from roe_analysis.analysis import MIN_N
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._markup import Cell, _e, _empty, _num, _table
from roe_analysis.report._money import fmt_usd
from roe_analysis.report._overview import SEE_WHAT_CHANGED
from roe_analysis.report._page import _Page, comparison_chart

#: What the section says, in place of its figures, when the frames hold no results.
NO_RESULTS = (
    "These jobs were loaded without their results, so what they cost is not known: `roe-analysis report` "
    "fetches results unless told --no-results; in Python, load with client.load_jobs(..., results=True), "
    "or add them to frames already loaded (or read from a snapshot) with client.load_results(frames)."
)

CAPTION = (
    "US dollars, as the results endpoint reports them. Small print: each version's model (where its "
    "versions entry gives one), the inputs behind the figures, and the 95% confidence interval over "
    "inputs (whole inputs resampled), or why there is none."
)

#: How the text speaks of each quality measure of `cost_quality`: its name, "better" as a verb,
#: "better" and "worse" as adjectives.
_MEASURES: dict[str, tuple[str, str, str, str]] = {
    "grader_score": ("mean grader score", "scores higher", "higher-scoring", "lower-scoring"),
    "approval": ("human approval rate", "is approved more often", "more often approved", "less often approved"),
}


def _quality_text(measure: str, value: float | None) -> str:
    return fmt_pct(value) if measure == "approval" else fmt_num(value)


def _usd_cell(row: Mapping[str, Any], name: str, *, why: str | None = None) -> Cell:
    """A cost of a `cost_summary` row with its interval in the small print (or why there is none)."""
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if value is None:
        return Cell("—", "num", why)
    if low is not None and high is not None:
        return Cell(fmt_usd(value), "num", f"{fmt_usd(low)}–{fmt_usd(high)}")
    if low is not None:  # an order-statistic interval too short for its upper side
        return Cell(fmt_usd(value), "num", f"≥ {fmt_usd(low)}")
    return Cell(fmt_usd(value), "num", "too few to tell" if row["too_few"] else None)


def labels_of(a: Analyses) -> dict[str, str]:
    """Version name → its display label ("v2.0 · o1"), the first an agent gives it."""
    pairs = a.labels.select("version_name", "label").drop_nulls().unique("version_name", keep="first")
    return {str(name): str(label) for name, label in pairs.iter_rows()}


def _models(a: Analyses) -> dict[str, str]:
    known = a.labels.filter(pl.col("model").is_not_null()).unique("version_name", keep="first", maintain_order=True)
    return {str(name): str(model) for name, model in known.select("version_name", "model").iter_rows()}


def _summary_table(a: Analyses, summary: pl.DataFrame) -> str:
    models = _models(a)
    headers = [
        ("Version", ""),
        ("Jobs with a cost", "num"),
        ("Mean per job", "num"),
        ("p50 per job", "num"),
        ("p95 per job", "num"),
        ("Per successful job", "num"),
        ("Per approved verdict", "num"),
        ("Mean tokens in/out", "num"),
    ]
    rows = []
    for row in summary.iter_rows(named=True):
        name = row[VERSION]
        tokens = f"{fmt_num(row['mean_input_tokens'])} / {fmt_num(row['mean_output_tokens'])}"
        rows.append(
            [
                # The version's name as the API gives it; its model in the small print.
                Cell(name or "(no version)", "name", models.get(name) if name is not None else None),
                Cell(
                    f"{fmt_count(row['n_with_cost'])} of {fmt_count(row['n_jobs'])}",
                    "num",
                    plural(row["n_inputs"], "input"),
                ),
                _usd_cell(row, "mean_cost"),
                _usd_cell(row, "p50_cost"),
                _usd_cell(row, "p95_cost"),
                _usd_cell(row, "cost_per_success", why="no SUCCESS job"),
                _usd_cell(row, "cost_per_approval", why="no approved verdict"),
                _num(tokens if row["mean_input_tokens"] is not None else None),
            ]
        )
    return _table(headers, rows, caption=CAPTION)


def _summary_notes(summary: pl.DataFrame) -> str:
    notes = [(row[VERSION], row["note"]) for row in summary.iter_rows(named=True) if row["note"]]
    if not notes:
        return ""
    items = "".join(f"<li>{_e(name or '(no version)')}: {_e(note)}.</li>" for name, note in notes)
    return f'<ul class="notes">{items}</ul>'


def _cheaper(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``a`` is clearly cheaper than ``b``: its cost interval lies wholly below ``b``'s."""
    return (
        a["mean_cost_high"] is not None and b["mean_cost_low"] is not None and a["mean_cost_high"] < b["mean_cost_low"]
    )


def _better(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``a`` is clearly better than ``b``: its quality interval lies wholly above ``b``'s."""
    return a["quality_low"] is not None and b["quality_high"] is not None and a["quality_low"] > b["quality_high"]


def _dominates(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """``a`` no costlier and no worse than ``b``, and one of the two strictly (the helper's rule)."""
    cost_a, cost_b, q_a, q_b = a["mean_cost"], b["mean_cost"], a["quality"], b["quality"]
    return cost_a <= cost_b and q_a >= q_b and (cost_a < cost_b or q_a > q_b)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def front_text(frame: pl.DataFrame, measure: str, labels: Mapping[str, str]) -> list[str]:
    """The Pareto front of one `cost_quality` frame in sentences: who is on it, who is off it and why.

    Examples:
        >>> row = lambda v, c, q, front, unsure=False: {
        ...     "agent_version_name": v, "mean_cost": c, "mean_cost_low": c * 0.9, "mean_cost_high": c * 1.1,
        ...     "quality": q, "quality_low": q - 0.02, "quality_high": q + 0.02, "pareto": front,
        ...     "pareto_uncertain": unsure, "too_few": front is None, "n_inputs": 40, "n_quality_inputs": 30}
        >>> frame = pl.DataFrame([row("v1", 0.01, 0.6, False), row("v2", 0.001, 0.7, True), row("v3", 0.08, 0.9, True)])
        >>> for sentence in front_text(frame, "grader_score", {"v2": "v2 · mini"}):
        ...     print(sentence)
        v2 · mini and v3 are on the Pareto front: no other version is at least as cheap and at least as good. The 95% intervals settle it for each: every other placed version is clearly costlier or clearly lower-scoring than it.
        From v2 · mini to v3, the mean grader score rises from 0.700 to 0.900 and the mean cost per job from $0.00100 to $0.0800.
        v1 is off the front: v2 · mini is cheaper ($0.00100 vs $0.0100 per job) and scores higher (0.700 vs 0.600), clearly on both (the 95% intervals are apart).
    """  # noqa: E501
    words, better, adjective, worse = _MEASURES[measure]
    rows = [r for r in frame.iter_rows(named=True) if r[VERSION] is not None and r["mean_cost"] is not None]

    def name(row: Mapping[str, Any]) -> str:
        return labels.get(row[VERSION], row[VERSION])

    placed = [r for r in rows if r["pareto"] is not None]
    thin = [r for r in rows if r["pareto"] is None]
    out = []
    if len(placed) == 1:
        out.append(
            f"Only {name(placed[0])} has enough inputs on both axes to place: there is nothing to weigh it against."
        )
    elif placed:
        front = sorted((r for r in placed if r["pareto"]), key=lambda r: r["mean_cost"])
        verb = "is" if len(front) == 1 else "are"
        sentence = (
            f"{_join([name(r) for r in front])} {verb} on the Pareto front: no other version is at least as "
            "cheap and at least as good."
        )
        sure = [r for r in front if not r["pareto_uncertain"]]
        if sure:
            which = "for each" if len(sure) == len(front) > 1 else f"for {_join([name(r) for r in sure])}"
            which = "" if len(front) == 1 and sure else f" {which}"
            sentence += (
                f" The 95% intervals settle it{which}: every other placed version is clearly costlier or "
                f"clearly {worse} than it."
            )
        for row in (r for r in front if r["pareto_uncertain"]):
            # The versions the intervals cannot rule out as doing better: this one is neither clearly
            # cheaper nor clearly better than them (the helper's reading of ``pareto_uncertain``).
            rivals = [name(r) for r in placed if r is not row and not _cheaper(row, r) and not _better(row, r)]
            sentence += f" The 95% intervals do not settle it for {name(row)}" + (
                f": it is neither clearly cheaper nor clearly {adjective} than {_join(rivals)}." if rivals else "."
            )
        out.append(sentence)
        if len(front) > 1:
            first, last = front[0], front[-1]
            out.append(
                f"From {name(first)} to {name(last)}, the {words} rises from {_quality_text(measure, first['quality'])}"
                f" to {_quality_text(measure, last['quality'])} and the mean cost per job from "
                f"{fmt_usd(first['mean_cost'])} to {fmt_usd(last['mean_cost'])}."
            )
        for row in sorted((r for r in placed if not r["pareto"]), key=lambda r: r["mean_cost"]):
            dominators = sorted(
                (r for r in placed if r is not row and _dominates(r, row)), key=lambda r: r["mean_cost"]
            )
            clear = [r for r in dominators if _cheaper(r, row) and _better(r, row)]
            by = (clear or dominators)[0]
            sentence = (
                f"{name(row)} is off the front: {name(by)} is "
                + ("cheaper" if by["mean_cost"] < row["mean_cost"] else "as cheap")
                + f" ({fmt_usd(by['mean_cost'])} vs {fmt_usd(row['mean_cost'])} per job) and "
                + (better if by["quality"] > row["quality"] else "as good")
                + f" ({_quality_text(measure, by['quality'])} vs {_quality_text(measure, row['quality'])}), "
            )
            if clear and not row["pareto_uncertain"]:
                sentence += "clearly on both (the 95% intervals are apart)."
            else:
                sentence += (
                    "on the point estimates; the 95% intervals do not settle it (no version that does better is "
                    "clearly cheaper and clearly better)."
                )
            out.append(sentence)
    evidence = "with a grader score" if measure == "grader_score" else "with a completed review"
    for row in thin:
        out.append(
            f"{name(row)} is not placed: {plural(row['n_inputs'], 'input')} with a cost and "
            f"{fmt_count(row['n_quality_inputs'])} {evidence}, too few to tell ({MIN_N} needed on each)."
        )
    if not placed and not thin:
        out.append(f"No version has both a cost and a {words}.")
    return out


#: Each quality measure's chart name and caption.
_CHARTS = {
    "grader_score": (
        "cost-quality-score",
        "Mean cost per job against mean grader score, per version, each with its 95% interval over inputs: "
        "up and to the left is better.",
    ),
    "approval": (
        "cost-quality-approval",
        "Mean cost per job against the share of completed human reviews that approved, per version, each "
        "with its 95% interval over inputs: up and to the left is better.",
    ),
}


def _quality_chart(a: Analyses, page: _Page, measure: str, drawn: pl.DataFrame) -> str:
    name, caption = _CHARTS[measure]
    return page.figure(name, lambda: charts.cost_quality(drawn, colours=a.colours, labels=a.labels), caption)


def _cost_quality(a: Analyses, page: _Page) -> str:
    labels = labels_of(a)
    figures, text = [], []
    for measure, frame in a.cost_quality.items():
        drawn = frame.filter(pl.col("mean_cost").is_not_null() & pl.col("quality").is_not_null())
        if drawn.height == 0:
            continue
        figures.append(_quality_chart(a, page, measure, drawn))
        words = _MEASURES[measure][0]
        items = "".join(f"<li>{_e(s)}</li>" for s in front_text(frame, measure, labels))
        text.append(f'<h4>On {_e(words)}</h4><ul class="front">{items}</ul>')
    if not figures:
        return _empty("No version has both a cost and a grader score or a completed review: no cost against quality.")
    return (
        "<h3>Cost against quality</h3>"
        "<p>A version is on the Pareto front when no other version is at least as cheap and at least as good "
        "(and better on one): the versions worth choosing between. The front is read on the point estimates; "
        "the 95% intervals say whether they settle it. A version with too few inputs on either axis is not "
        "placed.</p>" + f'<div class="charts">{"".join(figures)}</div>' + "".join(text)
    )


def _per_approval(a: Analyses, page: _Page, summary: pl.DataFrame) -> str:
    drawn = summary.filter(pl.col("cost_per_approval").is_not_null())
    if drawn.height == 0:
        return ""
    return page.figure(
        "cost-per-approval",
        lambda: charts.cost_summary(drawn, stat="per_approval", colours=a.colours, labels=a.labels),
        "What a correct answer costs: each version's whole bill (failures and rejections included) over "
        "its approved verdicts, with its 95% interval over inputs.",
    )


def _comparison_chart(a: Analyses, page: _Page) -> str:
    comparisons = a.cost_comparisons
    if comparisons is None:
        return ""
    # Comparisons with too few inputs have no interval: the chart draws only those it can support.
    supported = comparisons.filter(~pl.col("too_few"))
    if supported.height == 0:
        return ""
    return page.figure(
        "cost-comparison",
        lambda: comparison_chart(supported, a.colours),
        "Difference in mean cost per job between versions (b − a) with its confidence interval; left of "
        "the dashed line is cheaper. Comparisons too small to tell are not drawn (see What changed "
        "between versions).",
    )


def _costs(a: Analyses, page: _Page) -> str:
    out = ['<section id="costs"><h2>Cost</h2>']
    if a.frames.jobs.height == 0:
        out.append(_empty("No jobs: no costs."))
        return "".join([*out, "</section>"])
    if a.costs is None:
        out.append(_empty(NO_RESULTS))
        return "".join([*out, "</section>"])
    summary = a.costs
    if summary.height == 0 or not summary.get_column("n_with_cost").sum():
        out.append(_empty("The results give no job a cost: there is nothing to add up."))
        out.append(_summary_notes(summary))
        return "".join([*out, "</section>"])
    out.append(
        "<p>What each version's jobs cost, as the results endpoint reports it. Mean, p50 and p95 are over "
        "the jobs with a cost, whatever their status: a failure costs what it spent before failing, a cache "
        "hit what its result says (usually nothing). The cost per successful job and per approved verdict "
        "divide the version's whole bill by its SUCCESS jobs and by its verdicts reviewers approved: what a "
        "result, and a correct one, costs, counting the failures and rejections on the way.</p>"
    )
    out.append(_summary_table(a, summary))
    out.append(_summary_notes(summary))
    figures = [f for f in (_per_approval(a, page, summary), _comparison_chart(a, page)) if f]
    if figures:
        out.append(f'<div class="charts">{"".join(figures)}</div>')
    if a.cost_comparisons is not None and a.cost_comparisons.height:
        out.append(SEE_WHAT_CHANGED)
    out.append(_cost_quality(a, page))
    return "".join([*out, "</section>"])
