"""The report as one self-contained HTML file.

The page is static: charts are inline SVG rendered offline (see `roe_analysis.report._svg`), the
style sheet is inline, and a Content-Security-Policy ``default-src 'none'`` tells the browser to
load nothing and run nothing, so the file opens the same with or without a network. Every value
that comes from job data (ids, version names, inputs, agent output, reviewers, comments, verdicts,
the helpers' messages that quote them) goes through `html.escape` before it is written; the only
raw markup is this module's own.

Apart from the "generated at" line (``generated_at`` makes it fixed), the same frames give the same
bytes: the helpers are seeded, tables are sorted, and vl-convert renders deterministically.
"""

from __future__ import annotations

import html
import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from roe_analysis import charts
from roe_analysis._version import __version__
from roe_analysis.frames import JobFrames
from roe_analysis.report._analyses import VERSION, Analyses, analyse
from roe_analysis.report._figures import (
    figures_from,
    fmt_coef,
    fmt_instant,
    fmt_ms,
    fmt_num,
    fmt_pct,
    freshness_text,
    with_ci,
)
from roe_analysis.report._svg import render_svg

#: Longest text shown for one input value or agent output field; the rest is cut with "…".
MAX_VALUE_CHARS = 200

_CSS = """
:root { color-scheme: light; --ink: #1d232b; --muted: #5b6470; --line: #d9dee4; --soft: #f4f6f8;
  --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
header.title { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 12px; }
h2 { font-size: 22px; margin: 40px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.generated { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
nav.toc { margin: 12px 0 0; font-size: 14px; }
nav.toc a { color: var(--accent); margin-right: 16px; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .detail { color: var(--muted); font-size: 13px; }
ul.verdicts { padding-left: 20px; }
ul.verdicts li { margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; align-items: start; }
figure.chart { margin: 12px 0; padding: 12px 16px; border: 1px solid var(--line); border-radius: 8px;
  background: #fff; }
figure.chart.wide { grid-column: 1 / -1; }
svg.chart-svg { display: block; max-width: 100%; height: auto; margin: 0 auto; overflow: visible; }
/* vl-convert lays text out with Liberation Sans, metric twin of Arial: draw it with the same widths. */
svg.chart-svg text { font-family: Arial, Helvetica, "Liberation Sans", Arimo, "Nimbus Sans",
  "DejaVu Sans Condensed", sans-serif; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td .sub { display: block; color: var(--muted); font-size: 11px; }
td.text { min-width: 130px; max-width: 320px; overflow-wrap: anywhere; }
td code { white-space: nowrap; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 12px; padding-top: 4px; }
tbody tr:nth-child(even) td { background: #fafbfc; }
p.empty { color: var(--muted); font-style: italic; }
.notes li { margin: 4px 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; }
@media print { figure.chart { break-inside: avoid; } main { padding: 0; } }
"""

CI_CAPTION = "Small print under an estimate: its 95% confidence interval."

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_METHOD = (
    "Intervals are 95% confidence intervals: percentile bootstrap (2,000 seeded resamples) for duration "
    "quantiles, mean scores and differences; Wilson for rates; Newcombe for differences of pass rates; "
    "asymptotic standard errors for Cohen's kappa and Gwet's AC1; PABAK from the Wilson interval of the "
    "agreement rate; items resampled for Krippendorff's alpha. Version comparisons use Mann–Whitney U "
    "(or Wilcoxon signed-rank when both versions ran the same inputs), with Holm's adjustment across "
    "the comparisons. Durations are recomputed from status events by the API's rule; running jobs have "
    "no duration yet and are counted, not measured; jobs answered from cache (0 ms by that rule) are left "
    "out of duration statistics. The success rate is the share of finished jobs that "
    "delivered a result: SUCCESS, or CACHED (served from cache); FAILURE, CANCELLED and unknown statuses "
    "count as finished without one."
)


def _e(value: object) -> str:
    """Escaped text for HTML; ``None`` reads as an em dash."""
    return "—" if value is None else html.escape(str(value), quote=True)


def _cut(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and an optional second, smaller line (both escaped when written)."""

    text: str | None
    kind: str = ""  # "num", "text", "code", "id" (a job id, shortened, in full on hover) or ""
    sub: str | None = None


def _num(text: str | None) -> Cell:
    return Cell(text, "num")


def _est(estimate: str, low: str, high: str, extra: str | None = None) -> Cell:
    """A number with its 95% interval on a second line (and ``extra``, e.g. the sample size)."""
    parts = [] if "—" in (low, high) or estimate == "—" else [f"{low}–{high}"]
    if extra:
        parts.append(extra)
    return Cell(estimate, "num", " · ".join(parts) or None)


def _ms_est(row: Mapping[str, Any], name: str) -> Cell:
    """A duration quantile of a `duration_summary` row with its interval, both in the estimate's unit."""
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if value is None or low is None or high is None:
        return _num(fmt_ms(value))
    return _est(fmt_ms(value), fmt_ms(low, value).rsplit(" ", 1)[0], fmt_ms(high, value))


def _pct_est(rate: float | None, low: float | None, high: float | None) -> Cell:
    return _est(fmt_pct(rate), fmt_pct(low).rstrip("%"), fmt_pct(high))


def _table(headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[Cell]], caption: str | None = None) -> str:
    head = "".join(f'<th class="{kind}">{_e(name)}</th>' if kind else f"<th>{_e(name)}</th>" for name, kind in headers)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if cell.kind == "code":
                content = f"<code>{_e(cell.text)}</code>"
            elif cell.kind == "id" and cell.text:
                content = f'<code title="{_e(cell.text)}">{_e(cell.text[:8])}</code>'
            else:
                content = _e(cell.text)
            if cell.sub:
                content += f'<span class="sub">{_e(cell.sub)}</span>'
            css = f' class="{cell.kind}"' if cell.kind in ("num", "text") else ""
            cells.append(f"<td{css}>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    if caption is None and any(cell.sub for row in rows for cell in row):
        cap = f"<caption>{_e(CI_CAPTION)}</caption>"
    table = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="table-wrap">{table}</div>'


def _empty(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


def _verdicts(rows: Sequence[Mapping[str, Any]]) -> str:
    items = "".join(f"<li>{_e(row['verdict'])}</li>" for row in rows)
    return f'<ul class="verdicts">{items}</ul>'


@dataclass
class _Page:
    """Collects the charts as they are rendered, so each gets a unique name."""

    charts: list[str] = field(default_factory=list)

    def figure(self, name: str, build: Callable[[], Any], caption: str, *, wide: bool = False) -> str:
        if name in self.charts:
            raise ValueError(f"two charts named {name!r}")
        self.charts.append(name)
        svg = render_svg(build(), name)
        css = "chart wide" if wide else "chart"
        return (
            f'<figure class="{css}" id="chart-{name}" data-chart="{name}">{svg}'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )


# --- job details for the tables ---------------------------------------------------------------


def _inputs_text(frames: JobFrames, job_ids: Sequence[str]) -> dict[str, str]:
    """Each job's inputs as ``key: value`` pairs; a file shows its name, never its (signed) URL."""
    inputs = frames.inputs.filter(pl.col("job_id").is_in(list(job_ids))).sort("job_id", "input_index")
    texts: dict[str, list[str]] = {}
    for job_id, key, value, file_name in inputs.select("job_id", "key", "value", "file_name").iter_rows():
        shown = f"file {file_name}" if file_name else (value or "")
        texts.setdefault(job_id, []).append(f"{key}: {_cut(shown)}")
    return {job_id: "; ".join(parts) for job_id, parts in texts.items()}


def _output_text(ui_fields: str | None) -> str:
    """The agent's output (``ui_fields``) as ``key: value`` pairs, each value cut to a readable length."""
    if not ui_fields:
        return ""
    try:
        data = json.loads(ui_fields)
    except ValueError:
        return _cut(ui_fields)
    if not isinstance(data, dict):
        return _cut(json.dumps(data, ensure_ascii=False))
    parts = []
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {_cut(shown)}")
    return "; ".join(parts)


def _outputs(frames: JobFrames, job_ids: Sequence[str]) -> dict[str, str]:
    rows = frames.jobs.filter(pl.col("id").is_in(list(job_ids))).select("id", "ui_fields").iter_rows()
    return {job_id: _output_text(ui) for job_id, ui in rows}


# --- sections ---------------------------------------------------------------------------------


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
                f"kappa {fmt_coef(agreement['cohen_kappa'])} · AC1 {fmt_coef(agreement['gwet_ac1'])} · "
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


def _duration_rows(summary: pl.DataFrame) -> list[list[Cell]]:
    rows = []
    for row in summary.iter_rows(named=True):
        rows.append(
            [
                Cell(row[VERSION]),
                _num(f"{row['n']:,}"),
                _num(f"{row['n_running']:,}"),
                _num(f"{row['n_measured']:,}"),
                _ms_est(row, "p50"),
                _ms_est(row, "p90"),
                _num(fmt_ms(row["mean_ms"])),
            ]
        )
    return rows


def _band_height(frame: pl.DataFrame) -> int:
    """Height of a chart with one row per frame row, so a few rows are not squeezed flat."""
    return max(100, 36 * frame.height)


def _durations(a: Analyses, page: _Page) -> str:
    out = ['<section id="durations"><h2>Durations</h2>']
    measured = a.durations.filter(~pl.col("is_running") & pl.col("duration_ms").is_not_null())
    if a.frames.jobs.height == 0:
        out.append(_empty("No jobs: no durations to show."))
        return "".join([*out, "</section>"])
    out.append(
        "<p>How long jobs take from their first status event to their last (recomputed from the status "
        "events), by agent version. Jobs still running are counted but have no duration yet.</p>"
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
    out.append(_table(headers, _duration_rows(a.duration_by_version)))
    if measured.height == 0:
        out.append(_empty("No finished job has a duration yet."))
        return "".join([*out, "</section>"])
    figures = [
        page.figure(
            "duration-histogram",
            lambda: charts.duration_distribution(a.durations).properties(width=440, height=240),
            "Share of each version's finished jobs per duration bin.",
        ),
        page.figure(
            "duration-ecdf",
            lambda: charts.duration_ecdf(a.durations).properties(width=440, height=240),
            "Share of each version's finished jobs done within a duration: read p50 at 50%, p90 at 90%.",
        ),
        page.figure(
            "duration-trend",
            lambda: charts.duration_trend(a.duration_trend).properties(width=960, height=260),
            f"Median duration of the jobs created in each period ({a.trend_every}), per version, with its "
            "bootstrap confidence interval.",
            wide=True,
        ),
    ]
    if a.status_time.height:
        figures.append(
            page.figure(
                "status-time",
                lambda: charts.status_time_breakdown(a.status_time).properties(width=300, height=260),
                "Total time jobs spent in each status (queued PENDING, running STARTED, waiting to RETRY).",
            )
        )
    if a.duration_comparisons.height:
        figures.append(
            page.figure(
                "duration-comparison",
                lambda: charts.version_comparison(a.duration_comparisons).properties(
                    width=420, height=_band_height(a.duration_comparisons)
                ),
                "Difference in median duration between versions (b − a) with its confidence interval; "
                "left of the dashed line is faster.",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    if a.duration_comparisons.height:
        out.append("<h3>Speed of each version against the others</h3>")
        out.append(_verdicts(a.duration_comparisons.to_dicts()))
    out.append(f"<h3>The {a.slowest.height} slowest finished jobs</h3>")
    slow_rows = [
        [
            _num(str(row["rank"])),
            Cell(row["job_id"], "code"),
            Cell(row[VERSION]),
            Cell(row["terminal_status"]),
            Cell(row["created_at"].strftime("%Y-%m-%d %H:%M") if row["created_at"] else None),
            _num(fmt_ms(row["duration_ms"])),
            _num(fmt_ms(row["queue_ms"])),
            _num(fmt_ms(row["run_ms"])),
            _num(str(row["retry_count"])),
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
            _num(f"{row['n']:,}"),
            _num(f"{row['n_scored']:,}"),
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
            lambda: charts.score_distribution(scored).properties(width=320, height=260),
            "Mean grader score per version (dot) with its bootstrap confidence interval (bar) and median (tick).",
        )
    ]
    if a.score_comparisons.height:
        figures.append(
            page.figure(
                "score-comparison",
                lambda: charts.version_comparison(a.score_comparisons).properties(
                    width=420, height=_band_height(a.score_comparisons)
                ),
                "Difference in mean grader score between versions (b − a) with its confidence interval; "
                "right of the dashed line is higher.",
            )
        )
    out.append(f'<div class="charts">{"".join(figures)}</div>')
    comparisons = a.score_comparisons.to_dicts()
    if a.pass_comparisons is not None:
        comparisons += a.pass_comparisons.to_dicts()
    if comparisons:
        out.append("<h3>Version comparisons</h3>")
        out.append(_verdicts(comparisons))
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
            fmt_num(row["mean"]), fmt_num(row["mean_low"]), fmt_num(row["mean_high"]), f"n={row['n_scored']:,}"
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


def _coefficient_row(label: str, row: Mapping[str, Any]) -> list[Cell]:
    def coef(name: str) -> Cell:
        return _est(fmt_coef(row[name]), fmt_coef(row[f"{name}_low"]), fmt_coef(row[f"{name}_high"]))

    return [
        Cell(label),
        _num(f"{row['n_reviewed']:,}"),
        _pct_est(row["approval_rate"], row["approval_rate_low"], row["approval_rate_high"]),
        _num(f"{row['n_pairs']:,}"),
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
                lambda: charts.agreement_intervals(a.agreement_by_version.filter(pl.col("n_pairs") > 0)).properties(
                    width=420
                ),
                "Agreement coefficients per version with their confidence intervals (1 = perfect, 0 = chance).",
            )
        )
    if a.confusion.height and a.confusion.get_column("count").sum():
        figures.append(
            page.figure(
                "confusion-heatmap",
                lambda: charts.confusion_heatmap(a.confusion).properties(width=300, height=240),
                "Agent verdict (rows) against the reviewers' final verdict (columns): jobs and the share of "
                "the agent's verdict.",
            )
        )
    if a.reviewers.height:
        figures.append(
            page.figure(
                "reviewer-bars",
                lambda: charts.reviewer_bars(a.reviewers).properties(width=360),
                "Share of each reviewer's reviews that approved the agent, with its Wilson interval.",
            )
        )
    if a.score_agreement.height and a.score_agreement.item(0, "n_pairs"):
        figures.append(
            page.figure(
                "grader-vs-human",
                lambda: charts.grader_vs_human(a.frames.jobs).properties(width=360, height=360),
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
    limits = f"{fmt_num(row['loa_low'])} to {fmt_num(row['loa_high'])}" if row["loa_low"] is not None else None
    cells = [
        _num(f"{row['n_pairs']:,}"),
        _num(fmt_coef(row["pearson"])),
        _num(fmt_coef(row["spearman"])),
        _num(fmt_num(row["mean_abs_diff"])),
        _num(fmt_num(row["bias"])),
        _num(limits),
    ]
    if a.threshold is not None:
        headers += [("Pass/fail agreement", "num"), ("Pass/fail kappa", "num")]
        cells += [_num(fmt_pct(row["threshold_agreement"])), _num(fmt_coef(row["threshold_kappa"]))]
    return "<h3>Grader against human scores</h3>" + _table(headers, [cells])


def _reviewer_table(a: Analyses) -> str:
    if a.reviewers.height == 0:
        return ""
    rows = [
        [
            Cell(r["reviewed_by"] or "(no reviewer)"),
            _num(f"{r['n_reviews']:,}"),
            _pct_est(r["approval_rate"], r["approval_rate_low"], r["approval_rate_high"]),
            _num(fmt_pct(r["correction_rate"])),
            _num(fmt_pct(r["peer_agreement_rate"])),
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
    counts = f"{row['n_items']:,} inputs, {row['n_values']:,} verdicts, {row['n_reviewers']:,} reviewers"
    return head + (
        "<p>Where the same input was reviewed more than once, reviewers settled on the same label with "
        f"Krippendorff's alpha <strong>{_e(alpha)}</strong> ({_e(counts)}; 1 = perfect, 0 = chance). "
        f"Fleiss' kappa: {_e(fleiss)}.</p>"
    )


def _disagreements(a: Analyses) -> str:
    out = ['<section id="disagreements"><h2>Disagreements worth reading</h2>']
    gaps = a.score_disagreements
    corrected = (
        a.outcomes.filter(pl.col("agrees").not_())
        .sort(["grader_score", "job_id"], descending=[True, False], nulls_last=True)
        .head(gaps.height if gaps.height else 10)
    )
    ids = [*gaps.get_column("job_id").to_list(), *corrected.get_column("job_id").to_list()]
    inputs = _inputs_text(a.frames, ids)
    outputs = _outputs(a.frames, ids)
    comments = dict(a.frames.jobs.filter(pl.col("id").is_in(ids)).select("id", "review_comment").iter_rows())

    out.append("<h3>Grader and human scores furthest apart</h3>")
    if gaps.height:
        rows = [
            [
                Cell(r["job_id"], "id"),
                Cell(r[VERSION]),
                _num(fmt_num(r["grader_score"])),
                _num(fmt_num(r["human_score"])),
                _num(fmt_num(r["difference"])),
                Cell(f"{r['review_status'] or '—'} by {r['reviewed_by'] or '(no reviewer)'}"),
                Cell(r["review_comment"], "text"),
                Cell(inputs.get(r["job_id"]), "text"),
                Cell(outputs.get(r["job_id"]), "text"),
            ]
            for r in gaps.iter_rows(named=True)
        ]
        headers = [
            ("Job", ""),
            ("Version", ""),
            ("Grader", "num"),
            ("Human", "num"),
            ("Grader − human", "num"),
            ("Review", ""),
            ("Comment", ""),
            ("Inputs", ""),
            ("Agent output", ""),
        ]
        out.append(_table(headers, rows))
    else:
        out.append(_empty("No job has both a grader and a human score."))

    out.append("<h3>Verdicts reviewers corrected, highest grader score first</h3>")
    if corrected.height:
        rows = [
            [
                Cell(r["job_id"], "id"),
                Cell(r[VERSION]),
                Cell(f"{r['agent_verdict']} → {r['final_verdict']}"),
                _num(fmt_num(r["grader_score"])),
                Cell(r["reviewed_by"] or "(no reviewer)"),
                Cell(comments.get(r["job_id"]), "text"),
                Cell(inputs.get(r["job_id"]), "text"),
                Cell(outputs.get(r["job_id"]), "text"),
            ]
            for r in corrected.iter_rows(named=True)
        ]
        headers = [
            ("Job", ""),
            ("Version", ""),
            ("Agent → reviewer", ""),
            ("Grader", "num"),
            ("Reviewer", ""),
            ("Comment", ""),
            ("Inputs", ""),
            ("Agent output", ""),
        ]
        out.append(
            "<p>The grader scored these jobs well, yet a reviewer changed the agent's verdict: the grader "
            "missed what the reviewer saw.</p>" + _table(headers, rows)
        )
    else:
        out.append(_empty("No reviewer corrected a verdict."))
    return "".join([*out, "</section>"])


def _notes(a: Analyses) -> str:
    out = ['<section id="notes"><h2>Notes and method</h2>']
    if a.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in a.notes) + "</ul>")
    out.append(f"<p>{_e(_METHOD)}</p>")
    return "".join([*out, "</section>"])


def default_title(figures: Mapping[str, Any]) -> str:
    """``Evaluation report: agent <id>`` (or ``: N agents``), from the key figures.

    Examples:
        >>> default_title({"agents": ["a1"]}), default_title({"agents": ["a1", "a2"]}), default_title({"agents": []})
        ('Evaluation report: agent a1', 'Evaluation report: 2 agents', 'Evaluation report')
    """
    agents = figures["agents"]
    if not agents:
        return "Evaluation report"
    return f"Evaluation report: agent {agents[0]}" if len(agents) == 1 else f"Evaluation report: {len(agents)} agents"


def render(
    frames: JobFrames,
    *,
    title: str | None = None,
    threshold: float | None = None,
    generated_at: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """The report's HTML and the key figures it opens with, from one run of the helpers."""
    if generated_at is not None and (not isinstance(generated_at, datetime) or generated_at.tzinfo is None):
        raise ValueError(f"generated_at must be a timezone-aware datetime; got {generated_at!r}")
    analyses = analyse(frames, threshold=threshold)
    figures = figures_from(analyses)
    page = _Page()
    heading = title if title is not None else default_title(figures)
    body = [
        _title_block(figures, heading, generated_at or datetime.now(UTC)),
        _key_figures(figures),
        _durations(analyses, page),
        _scores(analyses, page),
        _agreement(analyses, page),
        _disagreements(analyses),
        _notes(analyses),
    ]
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="roe-analysis {_e(__version__)}">\n'
        f"<title>{_e(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n<footer>{_e(len(page.charts))} charts · roe-analysis {_e(__version__)}</footer>\n"
        + "</main>\n</body>\n</html>\n"
    )
    return document, figures


def build_report(
    frames: JobFrames,
    *,
    title: str | None = None,
    threshold: float | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The evaluation report of ``frames`` as one self-contained HTML document.

    It opens with a title block (agents, versions, window, data freshness, library version) and the
    key figures, then durations, grader scores, reviewer agreement and the disagreements most worth
    reading, each chart an inline SVG. The file needs no network and no JavaScript, and every value
    from the jobs is HTML-escaped. A section without data says so instead of drawing an empty chart.

    Args:
        frames: the loaded jobs.
        title: the page title; ``"Evaluation report: agent <id>"`` by default.
        threshold: pass mark of the grader score; adds pass rates and pass-rate comparisons.
        generated_at: the instant written in the "Report generated" line (now by default); with
            it fixed, the same frames give byte-identical HTML.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import roe_analysis as ra
        >>> page = build_report(ra.JobFrames.empty(), generated_at=datetime(2026, 6, 1, tzinfo=timezone.utc))
        >>> page.startswith("<!DOCTYPE html>"), "<script" in page, "No jobs in this data" in page
        (True, False, True)
    """
    return render(frames, title=title, threshold=threshold, generated_at=generated_at)[0]


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename, creating folders.

    Readers see the old file or the new one, never half of one; the temporary file is removed if
    writing fails.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temp.open("xb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        # Name the file the caller asked for, not the temporary one.
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def write_report(frames: JobFrames, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write `build_report` of ``frames`` to ``path`` atomically, creating parent folders.

    Args:
        frames: the loaded jobs.
        path: the HTML file to write (replaced if it exists).
        **options: `build_report`'s keyword arguments (``title``, ``threshold``, ``generated_at``).

    Returns:
        The path written.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import roe_analysis as ra
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     written = write_report(ra.JobFrames.empty(), Path(folder) / "out" / "report.html")
        ...     print(written.name, written.read_text(encoding="utf-8").count("<svg"))
        report.html 0
    """
    return write_text_atomically(path, build_report(frames, **options))
