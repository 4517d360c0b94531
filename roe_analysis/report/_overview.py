"""The page's first sections: the title block (agents, versions, window, freshness) and the key figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from roe_analysis.report._figures import (
    coef_text,
    fmt_coef,
    fmt_instant,
    fmt_ms,
    fmt_num,
    fmt_pct,
    freshness_text,
)
from roe_analysis.report._markup import (
    _e,
    _empty,
    _verdicts,
)


def _title_block(figures: Mapping[str, Any], title: str, generated_at: datetime) -> str:
    agents = figures["agents"]
    versions = figures["versions"]
    window = figures["window"]
    if window["first_created_at"]:
        created = f"{fmt_instant(window['first_created_at'])} → {fmt_instant(window['last_created_at'])}"
    else:
        created = "no jobs"
    agent_html = ", ".join(f"<code>{_e(a)}</code>" for a in agents) or "—"
    rows = [
        ("Agent" if len(agents) <= 1 else "Agents", agent_html),
        ("Versions", _e(", ".join(versions) or "—")),
        ("Jobs", _e(f"{figures['jobs']:,}")),
        ("Jobs created", _e(created)),
        ("Data", _e(freshness_text(figures["freshness"]))),
        ("Library", _e(f"roe-analysis {figures['library_version']}")),
    ]
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    generated = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    toc = "".join(
        f'<a href="#{anchor}">{_e(text)}</a>'
        for anchor, text in (
            ("key-figures", "Key figures"),
            ("durations", "Durations"),
            ("scores", "Grader scores"),
            ("agreement", "Reviewer agreement"),
            ("disagreements", "Disagreements"),
            ("notes", "Notes and method"),
        )
    )
    return (
        f'<header class="title"><h1>{_e(title)}</h1><dl class="meta">{meta}</dl>'
        f'<p class="generated">Report generated {_e(generated)}</p>'
        f'<nav class="toc">{toc}</nav></header>'
    )


def _card(label: str, value: str, *details: str) -> str:
    detail = "".join(f'<div class="detail">{_e(d)}</div>' for d in details if d)
    return f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>{detail}</div>'


def _ci_only(low: str, high: str) -> str:
    return "" if "—" in (low, high) else f"95% CI {low}–{high}"


def _key_figures(figures: Mapping[str, Any]) -> str:
    out = ['<section id="key-figures"><h2>Key figures</h2>']
    if not figures["jobs"]:
        out.append(_empty("No jobs in this data: there is nothing to measure yet."))
        out.append("</section>")
        return "".join(out)
    cards = []
    statuses = figures["statuses"]
    running = sum(statuses.get(s, 0) for s in ("PENDING", "STARTED", "RETRY"))
    cards.append(
        _card(
            "Jobs",
            f"{figures['jobs']:,}",
            f"{len(figures['versions'])} version(s)",
            f"{running:,} still running" if running else "",
        )
    )
    success = figures["success"]
    if success["n_finished"]:
        cards.append(
            _card(
                "Success rate",
                fmt_pct(success["rate"]),
                _ci_only(fmt_pct(success["low"]).rstrip("%"), fmt_pct(success["high"])),
                f"SUCCESS or CACHED in {success['n_finished']:,} finished jobs",
            )
        )
    duration = figures["duration"]
    if duration and duration["n_measured"]:
        for name, label in (("p50", "Median duration (p50)"), ("p90", "p90 duration")):
            value = duration[name]
            ci = _ci_only(
                fmt_ms(duration[f"{name}_low"], value).rsplit(" ", 1)[0],
                fmt_ms(duration[f"{name}_high"], value),
            )
            cards.append(_card(label, fmt_ms(value), ci, f"over {duration['n_measured']:,} finished jobs"))
    for row in figures["scores"]:
        if row["n_scored"]:
            cards.append(
                _card(
                    f"Mean grader score · {row['agent_version_name'] or '(no version)'}",
                    fmt_num(row["mean"]),
                    _ci_only(fmt_num(row["mean_low"]), fmt_num(row["mean_high"])),
                    f"{row['n_scored']:,} scored jobs",
                )
            )
    agreement = figures["agreement"]
    if agreement and agreement["n_pairs"]:
        cards.append(
            _card(
                "Agent–reviewer agreement",
                fmt_pct(agreement["agreement_rate"]),
                f"kappa {coef_text(agreement, 'cohen_kappa')} · AC1 {coef_text(agreement, 'gwet_ac1')} · "
                f"PABAK {fmt_coef(agreement['pabak'])}",
                f"{agreement['n_pairs']:,} reviewed verdicts",
            )
        )
    inter = figures["inter_reviewer"]
    if inter and inter["n_items"]:
        cards.append(
            _card(
                "Between reviewers (Krippendorff's α)",
                fmt_coef(inter["krippendorff_alpha"]),
                _ci_only(fmt_coef(inter["alpha_low"]), fmt_coef(inter["alpha_high"])),
                f"{inter['n_items']:,} inputs reviewed more than once",
            )
        )
    out.append(f'<div class="cards">{"".join(cards)}</div>')
    verdicts = [*figures["comparisons"]["grader_score"], *figures["comparisons"]["duration_ms"]]
    verdicts += figures["comparisons"].get("pass_rate", [])
    if verdicts:
        out.append("<h3>What changed between versions</h3>")
        out.append(_verdicts(verdicts))
    out.append("</section>")
    return "".join(out)
