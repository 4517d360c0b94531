"""The report's markup building blocks: escaped text, table cells and tables, empty notes.

Every value that comes from job data reaches the page through `_e` (`html.escape`), here; the only
raw markup is the report's own.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roe_analysis.report._figures import (
    fmt_ms,
    fmt_pct,
)

#: Longest text shown for one input value or agent output field; the rest is cut with "…".
MAX_VALUE_CHARS = 200

CI_CAPTION = "Small print under an estimate: its 95% confidence interval."


def _e(value: object) -> str:
    """Escaped text for HTML; ``None`` reads as an em dash."""
    return "—" if value is None else html.escape(str(value), quote=True)


def _cut(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and an optional second, smaller line (both escaped when written)."""

    text: str | None
    #: "num", "text" (wraps), "long" (long text: wider), "name" (a version's name: never wraps), "code",
    #: "id" (a job id, shortened, in full on hover) or ""
    kind: str = ""
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
    if value is not None and low is not None and high is None:  # too few runs for an upper bound
        return Cell(fmt_ms(value), "num", f"≥ {fmt_ms(low, value)}")
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
            css = f' class="{cell.kind}"' if cell.kind in ("num", "text", "long", "name") else ""
            cells.append(f"<td{css}>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    if caption is None and any(cell.sub for row in rows for cell in row):
        cap = f"<caption>{_e(CI_CAPTION)}</caption>"
    table = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="table-wrap">{table}</div>'


def _empty(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'
