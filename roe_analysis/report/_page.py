"""The page shell: the inline style sheet, the Content-Security-Policy, the chart collector, the title.

The Content-Security-Policy ``default-src 'none'`` tells the browser to load nothing and run
nothing, so the file opens the same with or without a network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

import roe_analysis.charts as charts  # noqa: PLR0402 (the layer package, not the roe_analysis face)
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.report._markup import _e
from roe_analysis.report._svg import render_svg

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
h4 { font-size: 15px; margin: 14px 0 2px; color: var(--muted); }
p.name-note { color: var(--muted); font-size: 13px; margin: -8px 0 8px; }
p.headline { font-size: 17px; margin: 0 0 12px; padding: 8px 12px; border-left: 4px solid var(--accent);
  background: var(--soft); }
p.see { color: var(--muted); font-size: 14px; }
p.see a { color: var(--accent); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
ul.versions { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 20px; }
ul.versions .model, .idle { color: var(--muted); }
.idle { display: block; font-size: 13px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.generated { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
nav.toc { margin: 12px 0 0; font-size: 14px; }
nav.toc a { color: var(--accent); margin-right: 16px; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .detail { color: var(--muted); font-size: 13px; }
ul.verdicts, ul.front { padding-left: 20px; }
ul.verdicts li, ul.front li { margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; align-items: start; }
figure.chart { margin: 12px 0; padding: 12px 16px; border: 1px solid var(--line); border-radius: 8px;
  background: #fff; }
figure.chart.wide { grid-column: 1 / -1; }
svg.chart-svg { display: block; max-width: 100%; height: auto; margin: 0 auto; overflow: visible; }
/* vl-convert lays text out with Liberation Sans, metric twin of Arial: draw it with the same widths. */
svg.chart-svg text { font-family: @CHART_FONTS@; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td .sub { display: block; color: var(--muted); font-size: 11px; }
td.text { min-width: 130px; max-width: 320px; overflow-wrap: anywhere; }
td.name { white-space: nowrap; }
td.long { min-width: 260px; max-width: 440px; overflow-wrap: anywhere; }
td code { white-space: nowrap; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 12px; padding-top: 4px; }
tbody tr:nth-child(even) td { background: #fafbfc; }
p.empty { color: var(--muted); font-style: italic; }
.notes li { margin: 4px 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; }
@media print { figure.chart { break-inside: avoid; } main { padding: 0; } }
""".replace("@CHART_FONTS@", charts.SVG_FONT_FAMILY)

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass
class _Page:
    """Collects the charts as they are rendered, so each gets a unique name."""

    charts: list[str] = field(default_factory=list)

    def figure(self, name: str, build: Callable[[], Any], caption: str, *, wide: bool = False) -> str:
        if name in self.charts:
            raise InvalidArgumentError(
                f"two charts named {name!r} on one page; the names taken are {self.charts}: give each chart its own"
            )
        self.charts.append(name)
        svg = render_svg(build(), name)
        css = "chart wide" if wide else "chart"
        return (
            f'<figure class="{css}" id="chart-{name}" data-chart="{name}">{svg}'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )


def _band_height(frame: pl.DataFrame) -> int:
    """Height of a chart with one row per frame row, so a few rows are not squeezed flat."""
    return max(100, 36 * frame.height)


def comparison_chart(comparisons: pl.DataFrame, colours: Mapping[str, str]) -> Any:
    """`charts.compare_versions` sized for the page, one band per comparison.

    Its difference axis is padded: without it a difference at the edge of the domain (the lowest
    bound of all) sits on the axis line, its dot half outside the plot and its bar under the axis.
    """
    chart = charts.compare_versions(comparisons, colours=colours)
    return chart.properties(width=420, height=_band_height(comparisons)).configure_scale(continuousPadding=12)


def default_title(figures: Mapping[str, Any]) -> str:
    """``Evaluation report: <agent name>`` (``agent <id>`` while its name is unknown; ``N agents``).

    Examples:
        >>> default_title({"agents": ["a1"], "agent_names": {"a1": "Transaction screening"}})
        'Evaluation report: Transaction screening'
        >>> default_title({"agents": ["a1"]}), default_title({"agents": ["a1", "a2"]}), default_title({"agents": []})
        ('Evaluation report: agent a1', 'Evaluation report: 2 agents', 'Evaluation report')
    """
    agents = figures["agents"]
    if not agents:
        return "Evaluation report"
    if len(agents) > 1:
        return f"Evaluation report: {len(agents)} agents"
    name = figures.get("agent_names", {}).get(agents[0])
    return f"Evaluation report: {name}" if name else f"Evaluation report: agent {agents[0]}"
