"""Words and numbers as a person reads them: one place for plurals, durations, shares and scores.

Every layer that shows text (frames' reprs, charts' titles, tables, the report, the widgets, the
CLI) formats through these, so "1 job", "24.3 s" and "84.2%" read the same everywhere.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

import polars as pl

#: Irregular plurals of the words we count.
_IRREGULAR = {"matches": "matches", "match": "matches", "analysis": "analyses", "was": "were", "is": "are"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, the word in the plural unless ``n`` is 1; thousands separated.

    Examples:
        >>> plural(1, "job"), plural(0, "job"), plural(1255, "job"), plural(2, "status event")
        ('1 job', '0 jobs', '1,255 jobs', '2 status events')
        >>> plural(3, "analysis"), plural(1, "person", "people"), plural(4, "person", "people")
        ('3 analyses', '1 person', '4 people')
    """
    return f"{n:,} {plural_word(n, word, many)}"


def plural_word(n: int, word: str, many: str | None = None) -> str:
    """``word`` alone, in the plural unless ``n`` is 1 (for "the 1 slowest job" phrasing).

    Examples:
        >>> plural_word(1, "job"), plural_word(2, "job"), plural_word(2, "was"), plural_word(2, "match")
        ('job', 'jobs', 'were', 'matches')
    """
    if n == 1:
        return word
    if many is not None:
        return many
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def plural_expr(n: pl.Expr | str, word: str, many: str | None = None) -> pl.Expr:
    """`plural` as a Polars expression over the counts ``n`` (a column name or expression); null stays null.

    Examples:
        >>> import polars as pl
        >>> pl.select(plural_expr(pl.Series([1, 4, 1200]), "input")).to_series().to_list()
        ['1 input', '4 inputs', '1,200 inputs']
    """
    count = pl.col(n) if isinstance(n, str) else n
    text = count.cast(pl.Int64).map_elements(lambda v: f"{v:,}", return_dtype=pl.String)
    word_expr = pl.when(count == 1).then(pl.lit(word)).otherwise(pl.lit(plural_word(2, word, many)))
    return pl.concat_str([text, pl.lit(" "), word_expr])


def fmt_count(n: int | None) -> str:
    """A count with thousands separated.

    Examples:
        >>> fmt_count(1255), fmt_count(0), fmt_count(None)
        ('1,255', '0', '—')
    """
    return "—" if n is None else f"{n:,}"


def fmt_ms(ms: float | None, unit_of: float | None = None) -> str:
    """A duration in the unit that reads best for ``unit_of`` (default: ``ms`` itself).

    Examples:
        >>> fmt_ms(850), fmt_ms(24_312), fmt_ms(150_000), fmt_ms(5_400_000), fmt_ms(None)
        ('850 ms', '24.3 s', '2.5 min', '1.5 h', '—')
        >>> fmt_ms(23_100, unit_of=61_000)
        '0.39 min'
    """
    if ms is None:
        return "—"
    ref = abs(ms if unit_of is None else unit_of)
    if ref < 1_000:
        return f"{ms:,.0f} ms"
    for divisor, unit in ((1_000, "s"), (60_000, "min"), (3_600_000, "h")):
        if ref < divisor * 60 or unit == "h":
            value = ms / divisor
            return f"{value:,.1f} {unit}" if abs(value) >= 1 or value == 0 else f"{value:.2g} {unit}"
    raise AssertionError("unreachable")


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage.

    Examples:
        >>> fmt_pct(0.84215), fmt_pct(None)
        ('84.2%', '—')
    """
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def fmt_num(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (scores have no fixed scale); a true minus sign.

    Examples:
        >>> fmt_num(0.677337), fmt_num(0.77), fmt_num(0.005), fmt_num(95.25), fmt_num(100.0), fmt_num(None)
        ('0.677', '0.770', '0.005', '95.2', '100', '—')
        >>> fmt_num(46163.0), fmt_num(1234567.0), fmt_num(-0.527), fmt_num(-0.00718)
        ('46,163', '1,234,567', '−0.527', '−0.00718')
    """
    if x is None:
        return "—"
    if x < 0:
        return "−" + fmt_num(-x, digits)
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    if abs(x) < 0.1:
        return f"{x:.{digits}g}"
    return f"{x:#.{digits}g}".rstrip(".")


def fmt_signed(x: float | None, digits: int = 3) -> str:
    """A difference with its sign and ``digits`` significant digits; a true minus sign.

    Examples:
        >>> fmt_signed(0.0924), fmt_signed(-0.23), fmt_signed(0.0), fmt_signed(None)
        ('+0.0924', '−0.230', '0', '—')
    """
    if x is None:
        return "—"
    if x == 0:
        return "0"
    text = fmt_num(abs(x), digits)
    return ("+" if x > 0 else "−") + text


def column_format(
    values: Sequence[float | None], digits: int = 3, *, signed: bool = False, typical: bool = False
) -> Callable[[float | None], str]:
    """A formatter that writes a table column's numbers with one number of decimals.

    The decimals give the column's largest value ``digits`` significant digits, so a column of
    scores reads ``1.00 · 0.94 · 0.07`` rather than ``1.00 · 0.935 · 0.07`` (`fmt_num` per cell).
    With ``typical=True`` the decimals are those of the column's median magnitude instead, so one
    large value does not cost the others a digit; a value too small to show at them keeps its own.
    Thousands are separated; a true minus sign.

    Examples:
        >>> fmt = column_format([1.0, 0.935, 0.07, None])
        >>> [fmt(v) for v in (1.0, 0.935, 0.07, None)]
        ['1.00', '0.94', '0.07', '—']
        >>> typical = column_format([1.0, 0.935, 0.669, 0.07], typical=True)
        >>> [typical(v) for v in (1.0, 0.935, 0.07)]
        ['1.000', '0.935', '0.070']
        >>> differences = column_format([0.0924, -0.23, 0.08729], signed=True, typical=True)
        >>> [differences(v) for v in (0.0924, -0.23, 0.08729)]
        ['+0.0924', '−0.2300', '+0.0873']
        >>> signed = column_format([0.906, -0.1], signed=True)
        >>> signed(0.906), signed(-0.1), signed(0.0)
        ('+0.906', '−0.100', '0.000')
        >>> mixed = column_format([98765.4, 0.123456, 20000.0], typical=True)  # 0.123 is not shown as 0
        >>> mixed(98765.4), mixed(0.123456)
        ('98,765', '0.123')
    """
    present = sorted(abs(v) for v in values if v is not None and math.isfinite(v))

    def needs(v: float) -> int:  # decimals that give v `digits` significant digits
        return digits - 1 - (math.floor(math.log10(v)) if v > 0 else 0)

    nonzero = [v for v in present if v > 0]
    if typical and nonzero:
        decimals = max(0, needs(statistics.median(nonzero)))
    else:
        decimals = max(0, needs(present[-1] if present else 0.0))

    def fmt(value: float | None) -> str:
        if value is None:
            return "—"
        if not math.isfinite(value):
            return str(value)
        if value != 0 and round(value, decimals) == 0:
            # Too small for the column's decimals: its own significant digits, not a false zero.
            return fmt_signed(value, digits) if signed else fmt_num(value, digits)
        text = f"{abs(value):,.{decimals}f}"
        if signed and round(value, decimals) != 0:
            return ("+" if value > 0 else "−") + text
        return text if value >= 0 or round(value, decimals) == 0 else "−" + text

    return fmt
