"""Money as the report writes it, and the cost key figure.

Costs per job run from fractions of a cent to cents: `fmt_usd` gives them three significant digits
(two in the key figures), and cents from a dollar up. `cost_lines` reads the helpers' cost figures
(`cost_summary`, `cost_quality`, as `key_figures` holds them) into the one line the demo prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from roe_analysis._text import fmt_num


def fmt_usd(x: float | None, digits: int = 3, *, signed: bool = False) -> str:
    """US dollars: ``digits`` significant digits below $1 (costs per job are fractions of a cent to
    cents), cents from $1 up; a true minus sign.

    Examples:
        >>> fmt_usd(0.000481), fmt_usd(0.0826), fmt_usd(0.022), fmt_usd(0.5), fmt_usd(34.623), fmt_usd(0.0)
        ('$0.000481', '$0.0826', '$0.0220', '$0.500', '$34.62', '$0')
        >>> fmt_usd(0.000481, 2), fmt_usd(0.000999, 2), fmt_usd(0.00000123), fmt_usd(-0.00876, signed=True)
        ('$0.00048', '$0.0010', '$0.00000123', '−$0.00876')
        >>> fmt_usd(0.0999, 2), fmt_usd(0.9999), fmt_usd(None)
        ('$0.10', '$1.00', '—')
    """
    if x is None or math.isnan(x):
        return "—"
    sign = "−" if x < 0 else ("+" if signed and x > 0 else "")
    # Rounded first, so a carry (0.000999 → 0.0010) sets the decimals of the number written.
    value = float(f"{abs(x):.{digits}g}")
    if value == 0:
        return "$0"
    if value >= 1:
        return f"{sign}${abs(x):,.2f}"
    decimals = max(2, digits - 1 - math.floor(math.log10(value)))
    return f"{sign}${value:.{decimals}f}"


def fmt_ratio(x: float) -> str:
    """How many times as much, to two significant digits: ``"170×"``, ``"2.5×"``.

    Examples:
        >>> fmt_ratio(171.8), fmt_ratio(2.46), fmt_ratio(19.6), fmt_ratio(1234.0)
        ('170×', '2.5×', '20×', '1,200×')
    """
    return f"{fmt_num(float(f'{x:.2g}'), 2)}×"


#: How the key figures say which version is best on each quality measure of `cost_quality`.
_BEST = {"grader_score": "scores highest", "approval": "is approved most often"}


def _best(figures: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The measure and `cost_quality` row of the best version on quality: grader score, else approval.

    Only versions placed on the cost–quality plane count (enough inputs on both axes).
    """
    for measure in _BEST:
        placed = [r for r in figures.get("cost_quality", {}).get(measure, []) if r["pareto"] is not None]
        if placed:
            return measure, max(placed, key=lambda r: r["quality"])
    return None


def cost_lines(figures: Mapping[str, Any]) -> list[str]:
    """The cost key figure: mean cost per job by version, cheapest first, and what the best one costs.

    The best is the version that scores highest (or, without grader scores, is approved most often)
    among those with enough inputs on both axes of `cost_quality`; its cost is said as a multiple of
    the cheapest's. Versions with too few inputs for an interval come last, said to be too few to
    tell; nothing without results.

    Examples:
        >>> row = lambda v, cost, few=False: {"agent_version_name": v, "mean_cost": cost, "too_few": few}
        >>> place = lambda v, cost, q: {"agent_version_name": v, "mean_cost": cost, "quality": q, "pareto": True}
        >>> figures = {
        ...     "costs": [row("v1", 0.0092), row("v2", 0.000481), row("v3", 0.0826), row("v4", 0.0073, True)],
        ...     "cost_quality": {"grader_score": [place("v2", 0.000481, 0.77), place("v3", 0.0826, 0.89)]},
        ... }
        >>> cost_lines(figures)
        ["v2 $0.00048 · v1 $0.0092 · v3 $0.083 per job (v3 scores highest of these, 170× v2's cost); v4 $0.0073, too few to tell"]
        >>> cost_lines({"costs": None})
        []
    """  # noqa: E501
    costs = figures.get("costs")
    if not costs:
        return []
    priced = [r for r in costs if r["mean_cost"] is not None and r["agent_version_name"] is not None]
    if not priced:
        return ["no job has a cost in the results"]
    enough = sorted((r for r in priced if not r["too_few"]), key=lambda r: r["mean_cost"])
    few = [r for r in priced if r["too_few"]]
    text = " · ".join(f"{r['agent_version_name']} {fmt_usd(r['mean_cost'], 2)}" for r in enough)
    if enough:
        text += " per job"
        best = _best(figures)
        cheapest = enough[0]
        if best is not None and len(enough) > 1:
            measure, row = best
            name = row["agent_version_name"]
            if name == cheapest["agent_version_name"]:
                text += f" ({name} is the cheapest and {_BEST[measure]} of these)"
            elif cheapest["mean_cost"]:
                ratio = fmt_ratio(row["mean_cost"] / cheapest["mean_cost"])
                text += f" ({name} {_BEST[measure]} of these, {ratio} {cheapest['agent_version_name']}'s cost)"
    if few:
        thin = ", ".join(f"{r['agent_version_name']} {fmt_usd(r['mean_cost'], 2)}" for r in few)
        text += ("; " if enough else "") + f"{thin}, too few to tell"
    return [text]
