"""The page's first sections: the title block (agents, versions, window, freshness) and the key figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from roe_analysis._text import fmt_count, plural
from roe_analysis.report._figures import (
    coef_text,
    fmt_coef,
    fmt_instant,
    fmt_ms,
    fmt_num,
    fmt_pct,
    freshness_text,
)
from roe_analysis.report._headline import comparison_text
from roe_analysis.report._markup import (
    _e,
    _empty,
)

#: Shown under a title that names the agent by its id: where its name comes from.
NAME_NOTE = (
    "(name not known: it comes with the agent's versions, which `roe-analysis report` fetches unless "
    "--no-versions; in Python, client.load_jobs(..., versions=True))"
)


def _models(figures: Mapping[str, Any]) -> tuple[dict[str, list[str]], set[str]]:
    """Version name → the models the versions frame gives it (several when agents share a name), and
    the names that frame lists."""
    models: dict[str, list[str]] = {}
    listed: set[str] = set()
    for row in figures.get("version_labels", []):
        name = row["version_name"]
        if name is None:
            continue
        known = models.setdefault(name, [])
        if row["model"] is not None and row["model"] not in known:
            known.append(row["model"])
        if row.get("listed"):
            listed.add(name)
    return models, listed


def version_list(figures: Mapping[str, Any], colours: Mapping[str, str]) -> str:
    """The versions of the jobs, each with its colour in the charts and its model ("v2.0 · o1").

    Versions in order of first appearance (the charts' order). When the versions frame was loaded,
    a version without a model says whether the frame gives none or does not list the version at
    all; versions it lists without a job here are named after the list.
    """
    versions = figures["versions"]
    if not versions:
        return "—"
    models, listed = _models(figures)
    items = []
    for name in [v for v in colours if v in versions] + [v for v in versions if v not in colours]:
        known = models.get(name, [])
        if known:
            model = " · " + ", ".join(known)
        elif listed:
            model = " · model not given" if name in listed else " · not in the versions list"
        else:
            model = ""
        swatch = f'<span class="swatch" style="background-color:{_e(colours[name])}"></span>' if name in colours else ""
        items.append(f'<li>{swatch}{_e(name)}<span class="model">{_e(model)}</span></li>')
    out = f'<ul class="versions">{"".join(items)}</ul>'
    idle = [name + (" · " + ", ".join(models[name]) if models[name] else "") for name in listed if name not in versions]
    if idle:
        out += f'<span class="idle">Also listed by the API, without jobs here: {_e(", ".join(sorted(idle)))}</span>'
    return out


def _title_block(
    figures: Mapping[str, Any],
    title: str,
    generated_at: datetime,
    *,
    headline: str,
    name_note: bool,
    colours: Mapping[str, str],
) -> str:
    agents = figures["agents"]
    window = figures["window"]
    if window["first_created_at"]:
        created = f"{fmt_instant(window['first_created_at'])} → {fmt_instant(window['last_created_at'])}"
    else:
        created = "no jobs"
    names = figures.get("agent_names", {})
    agent_html = (
        ", ".join((f"{_e(names[a])} " if names.get(a) else "") + f"<code>{_e(a)}</code>" for a in agents) or "—"
    )
    rows = [
        ("Agent" if len(agents) <= 1 else "Agents", agent_html),
        ("Versions", version_list(figures, colours)),
        ("Jobs", _e(fmt_count(figures["jobs"]))),
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
            ("statuses", "Status by version"),
            ("failures", "Failures"),
            ("durations", "Durations"),
            ("scores", "Grader scores"),
            ("agreement", "Reviewer agreement"),
            ("costs", "Cost"),
            ("disagreements", "Disagreements"),
            ("notes", "Notes and method"),
        )
    )
    return (
        f'<header class="title"><h1>{_e(title)}</h1>'
        + (f'<p class="name-note">{_e(NAME_NOTE)}</p>' if name_note else "")
        + f'<p class="headline" id="headline">{_e(headline)}</p><dl class="meta">{meta}</dl>'
        f'<p class="generated">Report generated {_e(generated)}</p>'
        f'<nav class="toc">{toc}</nav></header>'
    )


def _card(label: str, value: str, *details: str) -> str:
    detail = "".join(f'<div class="detail">{_e(d)}</div>' for d in details if d)
    return f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>{detail}</div>'


def _ci_only(low: str, high: str) -> str:
    return "" if "—" in (low, high) else f"95% CI {low}–{high}"


def _key_figures(figures: Mapping[str, Any], comparisons: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
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
            fmt_count(figures["jobs"]),
            plural(len(figures["versions"]), "version"),
            f"{fmt_count(running)} still running" if running else "",
        )
    )
    success = figures["success"]
    if success["n_finished"]:
        cards.append(
            _card(
                "Success rate",
                fmt_pct(success["rate"]),
                _ci_only(fmt_pct(success["low"]).rstrip("%"), fmt_pct(success["high"])),
                f"SUCCESS or CACHED in {plural(success['n_finished'], 'finished job')}",
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
            cards.append(_card(label, fmt_ms(value), ci, f"over {plural(duration['n_measured'], 'finished job')}"))
    for row in figures["scores"]:
        if row["n_scored"]:
            cards.append(
                _card(
                    f"Mean grader score · {row['agent_version_name'] or '(no version)'}",
                    fmt_num(row["mean"]),
                    _ci_only(fmt_num(row["mean_low"]), fmt_num(row["mean_high"])),
                    plural(row["n_scored"], "scored job"),
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
                plural(agreement["n_pairs"], "reviewed verdict"),
            )
        )
    inter = figures["inter_reviewer"]
    if inter and inter["n_items"]:
        cards.append(
            _card(
                "Between reviewers (Krippendorff's α)",
                fmt_coef(inter["krippendorff_alpha"]),
                _ci_only(fmt_coef(inter["alpha_low"]), fmt_coef(inter["alpha_high"])),
                f"{plural(inter['n_items'], 'input')} reviewed more than once",
            )
        )
    out.append(f'<div class="cards">{"".join(cards)}</div>')
    out.append(_what_changed(comparisons))
    out.append("</section>")
    return "".join(out)


#: The metrics compared between versions, in the order "What changed" lists them.
_COMPARED = (
    ("grader_score", "Grader score"),
    ("pass_rate", "Pass rate"),
    ("duration_ms", "Duration"),
    ("cost", "Cost per job"),
)

#: Where the sections point their readers for the comparisons (each finding is listed once).
SEE_WHAT_CHANGED = (
    '<p class="see">Each comparison is read once, in <a href="#what-changed">What changed between versions</a>.</p>'
)


def _what_changed(comparisons: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """Every version comparison's verdict, once, grouped by metric: the page's one list of them."""
    groups = [(label, comparisons.get(metric) or []) for metric, label in _COMPARED]
    if not any(rows for _, rows in groups):
        return ""
    out = ['<h3 id="what-changed">What changed between versions</h3>']
    for label, rows in groups:
        if rows:
            items = "".join(f"<li>{_e(comparison_text(row))}</li>" for row in rows)
            out.append(f'<h4>{_e(label)}</h4><ul class="verdicts">{items}</ul>')
    return "".join(out)
