"""How `compare_versions` writes a comparison in words: metric names, directions, amounts, p-values.

Durations read in the unit that suits them ("−19.3 s"), costs in dollars ("+$0.0124"), anything
else with three significant digits; every negative number has a true minus sign.
"""

from __future__ import annotations

from roe_analysis._text import fmt_ms, fmt_num, fmt_signed

#: How a metric is named in a verdict.
METRIC_WORDS = {
    "duration_ms": "duration",
    "grader_score": "grader score",
    "human_score": "human score",
    "cost": "cost per job",
    "input_tokens": "input tokens per job",
    "output_tokens": "output tokens per job",
}
#: The words of a difference that points up or down, where "higher" and "lower" read badly.
DIRECTION_WORDS = {"duration_ms": ("slower", "faster"), "cost": ("more expensive", "cheaper")}


def amount(x: float, metric: str, ref: float | None, *, signed: bool = True) -> str:
    """``x`` as a verdict writes it: a true minus sign; durations in the unit that reads best for ``ref``.

    Examples:
        >>> amount(-19_308.0, "duration_ms", -19_308.0), amount(0.1354, "grader_score", 0.1354)
        ('−19.3 s', '+0.135')
        >>> amount(-6_756.0, "duration_ms", -11_958.0), amount(4_700.0, "duration_ms", 4_700.0, signed=False)
        ('−6.8 s', '4.7 s')
        >>> amount(-0.00412, "cost", -0.00412), amount(0.0031, "cost", None, signed=False)
        ('−$0.00412', '$0.0031')
    """
    if metric == "cost":
        text = "$" + fmt_num(abs(x))
        return ("−" if x < 0 else "+" if x > 0 and signed else "") + text
    if metric == "duration_ms":
        text = fmt_ms(abs(x), abs(ref) if ref else abs(x))
        return ("−" if x < 0 else "+" if x > 0 and signed else "") + text
    text = fmt_signed(x)
    return text if signed or x < 0 else text.removeprefix("+")


def fmt_p(p: float, adjusted: bool) -> str:
    """Three significant digits (``p=0.0512``), ``p<0.0001`` below that."""
    name = "Holm-adjusted p" if adjusted else "p"
    return f"{name}<0.0001" if p < 0.0001 else f"{name}={p:.3g}"


def fmt_level(confidence: float) -> str:
    """A confidence level as a verdict writes it: ``0.95`` → ``"95%"``, ``0.98333`` → ``"98.3%"``."""
    return f"{confidence * 100:.3g}%"
