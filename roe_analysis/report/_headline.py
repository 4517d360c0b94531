"""The one sentence at the top of the report: what a reader must know first.

Every claim is read from a figure already computed (`Analyses`): a version comparison says what
its own verdict concluded (higher, lower, faster, slower, no detectable difference, too few to
tell), never more. The version it speaks of is the latest (the last to appear) that has enough
inputs to be compared with the one before it; a newer version with too few jobs is named first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from roe_analysis._text import fmt_ms, fmt_num, fmt_pct, fmt_signed, plural
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._money import fmt_usd


def _pair(comparisons: pl.DataFrame, older: str, newer: str) -> dict[str, Any] | None:
    """The comparison row of ``newer`` against ``older``, oriented so that ``b`` is ``newer``."""
    for row in comparisons.iter_rows(named=True):
        if (row["a"], row["b"]) == (older, newer):
            return row
        if (row["a"], row["b"]) == (newer, older):
            flipped = {k: -v if k == "difference" and v is not None else v for k, v in row.items()}
            flipped["verdict_b"] = row["b"]
            flipped["estimate_a"], flipped["estimate_b"] = row["estimate_b"], row["estimate_a"]
            return {**flipped, "a": older, "b": newer, "flipped": True}
    return None


#: The directions a comparison's verdict can find, each with its opposite (for a flipped row).
_OPPOSITES = (
    ("higher", "lower"),
    ("lower", "higher"),
    ("faster", "slower"),
    ("slower", "faster"),
    ("cheaper", "more expensive"),
    ("more expensive", "cheaper"),
)
_DIRECTIONS = tuple(word for word, _ in _OPPOSITES)


def _reading(row: Mapping[str, Any]) -> str:
    """What the comparison's own verdict concluded about ``b``: a word, or "" when it cannot tell."""
    if row["too_few"]:
        return "too few"
    verdict = str(row["verdict"])
    if verdict.startswith("no detectable difference"):
        return "same"
    # The verdict names the version it found higher/faster first; a flipped row names ``a``.
    subject = row.get("verdict_b", row["b"])
    for word, opposite in _OPPOSITES:
        if verdict.startswith(f"{subject} is {word} than"):
            return opposite if row.get("flipped") else word
    return ""


def _p(row: Mapping[str, Any]) -> str:
    adjusted = row["p_value_adjusted"]
    p = adjusted if adjusted is not None else row["p_value"]
    name = "Holm p" if adjusted is not None else "p"
    return f"{name} < 0.0001" if p < 0.0001 else f"{name} {fmt_num(p, 2)}"


def _signed(value: float, metric: str, ref: float) -> str:
    if metric == "cost":
        return fmt_usd(value, signed=True)
    if metric != "duration_ms":
        return fmt_signed(value)
    return fmt_signed(value)[0] + fmt_ms(abs(value), abs(ref)) if value else fmt_ms(0, abs(ref))


def comparison_text(row: Mapping[str, Any]) -> str:
    """One comparison as a reader's sentence: its verdict's claim, the difference with its sign and unit.

    A comparison that found a direction is rewritten from its numbers (signed, in seconds or minutes
    for durations, in US dollars for costs, metric names in words); any other verdict (too few, no
    detectable difference, no clear direction) is the helper's own text.

    Examples:
        >>> row = {"a": "v1", "b": "v2", "metric": "duration_ms", "statistic": "median", "paired": False,
        ...        "difference": -11_958.0, "diff_low": -19_575.0, "diff_high": -6_756.0, "too_few": False,
        ...        "p_value": 1e-6, "p_value_adjusted": 2e-6, "interval_confidence": 0.95,
        ...        "verdict": "v2 is faster than v1: median duration_ms -11,958 ms (...)"}
        >>> comparison_text(row)
        'v2 is faster than v1: median duration −12.0 s (Holm-adjusted 95% CI −19.6 s to −6.8 s; Holm p < 0.0001)'
    """
    reading = _reading(row)
    if reading not in _DIRECTIONS or row["difference"] is None:
        return str(row["verdict"])
    metric = str(row["metric"])
    name = {
        "duration_ms": "duration",
        "grader_score": "grader score",
        "pass_rate": "pass rate",
        "cost": "cost per job",
    }.get(metric, metric)
    what = f"{row['statistic']} per-input difference in {name}" if row["paired"] else f"{row['statistic']} {name}"
    if metric == "pass_rate" and not row["paired"]:
        what = "pass rate"
    diff = row["difference"]
    text = f"{row['b']} is {reading} than {row['a']}: {what} {_signed(diff, metric, diff)}"
    details = []
    if row["diff_low"] is not None and row["diff_high"] is not None:
        level = fmt_pct(row["interval_confidence"] or 0.95).replace(".0%", "%")
        label = f"Holm-adjusted {level} CI" if row["p_value_adjusted"] is not None else f"{level} CI"
        details.append(f"{label} {_signed(row['diff_low'], metric, diff)} to {_signed(row['diff_high'], metric, diff)}")
    details.append(_p(row))
    return f"{text} ({'; '.join(details)})"


def _score_clause(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    older, reading = row["a"], _reading(row)
    if reading in ("higher", "lower"):
        return f"scores {reading} than {older} ({fmt_signed(row['difference'])}, {_p(row)})"
    if reading == "same":
        return f"scores no detectably differently from {older} ({_p(row)})"
    return ""


def _speed_clause(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    reading = _reading(row)
    medians = f"median {fmt_ms(row['estimate_b'])} vs {fmt_ms(row['estimate_a'])}"
    if reading in ("faster", "slower"):
        return f"is {reading} ({medians}, {_p(row)})"
    if reading == "same":
        return f"is about as fast ({medians}, no detectable difference)"
    return ""


def _cost_clause(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    reading = _reading(row)
    means = f"mean {fmt_usd(row['estimate_b'])} vs {fmt_usd(row['estimate_a'])} per job"
    if reading in ("cheaper", "more expensive"):
        return f"costs {'less' if reading == 'cheaper' else 'more'} ({means}, {_p(row)})"
    if reading == "same":
        return f"costs about as much ({means}, no detectable difference)"
    return ""


def _failure_clause(a: Analyses, older: str, newer: str) -> str:
    """The failure rates of ``newer`` and ``older`` side by side: no difference is claimed (none is tested)."""
    rates = {r[VERSION]: r for r in a.failures.iter_rows(named=True)}
    new, old = rates.get(newer), rates.get(older)
    if not new or not old or new["too_few"] or old["too_few"]:
        return ""
    return f"fails {fmt_pct(new['failure_rate'])} of its finished jobs ({older}: {fmt_pct(old['failure_rate'])})"


def _approval(a: Analyses, version: str) -> str:
    rows = a.agreement_by_version.filter(pl.col(VERSION) == version)
    if rows.height == 0 or not rows.item(0, "n_reviewed"):
        return ""
    row = rows.row(0, named=True)
    return f"reviewers approve {fmt_pct(row['approval_rate'])} of its verdicts ({plural(row['n_reviewed'], 'review')})"


def _jobs(a: Analyses, version: str) -> int:
    rows = a.status_by_version.filter(pl.col(VERSION) == version)
    return int(rows.item(0, "n")) if rows.height else 0


def _join(clauses: list[str]) -> str:
    return clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]


def headline(a: Analyses) -> str:
    """The report's first sentence: the latest comparable version against the one before it.

    Examples:
        >>> from roe_analysis.frames import JobFrames
        >>> from roe_analysis.report._analyses import analyse
        >>> headline(analyse(JobFrames.empty()))
        'No jobs in this data: there is nothing to report yet.'
    """
    versions = [v for v in a.colours if _jobs(a, v)]
    if not versions:
        return "No jobs in this data: there is nothing to report yet."
    latest = versions[-1]
    if len(versions) == 1:
        only = f"{latest} is the only version ({plural(_jobs(a, latest), 'job')}): there is nothing to compare"
        approval = _approval(a, latest)
        return only + (f"; {approval}" if approval else "") + "."
    lead = ""
    for i in range(len(versions) - 1, 0, -1):
        older, newer = versions[i - 1], versions[i]
        score = _pair(a.score_comparisons, older, newer)
        speed = _pair(a.duration_comparisons, older, newer)
        cost = _pair(a.cost_comparisons, older, newer) if a.cost_comparisons is not None else None
        said = [c for c in (_score_clause(score), _speed_clause(speed), _cost_clause(cost)) if c]
        if said:
            failing = _failure_clause(a, older, newer)
            said += [failing] if failing else []
            approval = _approval(a, newer)
            tag = " (latest)" if newer == latest else ""
            sentence = f"{newer}{tag} " + _join(said) + (f"; {approval}" if approval else "")
            return lead + sentence + "."
        if newer == latest:
            lead = f"{latest} (latest) has too few jobs to tell ({plural(_jobs(a, latest), 'job')}); "
    counts = _join([f"{v} has {plural(_jobs(a, v), 'job')}" for v in versions])
    return f"Too few jobs to tell the versions apart: {counts}; each comparison needs more inputs per version."
