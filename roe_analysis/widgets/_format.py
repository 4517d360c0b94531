"""How a table cell reads: one format per column, chosen from its name and dtype (display only).

The frame stays numeric; only the text shown changes. A column's format is picked by these rules
(first match), and ``formats={"col": ...}`` overrides any of them:

- ``*_ms`` (and ``p50``/``p90``… beside other ``*_ms`` columns, as `duration_summary` returns them)
  → a duration, one unit per column (the unit that reads best for the column's median);
- ``p_value``/``p_*`` → 3 significant digits, "< 0.001" below 0.001;
- ``difference``, ``diff*``, ``*delta``, ``hodges_lehmann``, ``bias`` → signed (a true minus sign);
- ``*_rate``, ``share``, ``*_share``, ``share_*``, ``agreement``, ``*confidence`` → percent;
- ``cost``, ``*_cost``, ``cost_*`` (`cost_summary`, `cost_quality`) → US dollars with 3 significant
  digits per value ("$0.000506", "$0.0861", "$40.9"): costs of one column span orders of magnitude;
- integers → thousands separated; other numbers → one number of decimals per column, giving its
  typical value 3 significant digits (`column_format`); datetimes → UTC minutes
  (the date alone when every value is midnight); booleans → yes/no; lists joined; null → "—".

An estimate with a ``_low``/``_high`` pair (``mean_low``, ``pass_low`` for ``pass_rate``,
``diff_low`` for ``difference``, ``hl_low`` for ``hodges_lehmann``) becomes one cell
"0.669 (0.646–0.692)" headed "Mean (95% CI)", or "too few to tell" where ``too_few`` is set.
An estimate that is null where its ``*_min``/``*_max`` are known (`agreement_summary`'s kappa
when some rejections carry no correction) reads "between 0.412 and 0.463", not "—".
In a `compare_versions` frame the estimates read in the metric's unit (durations, percent, dollars).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import polars as pl

from roe_analysis._text import column_format, fmt_count, fmt_ms, fmt_num, fmt_pct, fmt_signed
from roe_analysis.analysis import require_columns
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: Longest text shown in a table cell before it is cut with "…" (a job input can be 100 KB).
MAX_CHARS = 240

#: The named formats ``formats=`` accepts (or any callable from a value to text).
FormatName = Literal["duration", "percent", "count", "number", "p_value", "signed", "datetime", "text"]
Format = FormatName | Callable[[Any], str]
_NAMES: tuple[str, ...] = get_args(FormatName)
_NUMERIC = frozenset(
    {"duration", "percent", "count", "number", "p_value", "signed", "signed_duration", "points", "usd", "signed_usd"}
)

#: Headers where the generic rule ("n_inputs" → "Inputs", "_" → " ") would read wrongly.
_HEADERS = {
    "n": "Jobs",
    "a": "A",
    "b": "B",
    "n_a": "n A",
    "n_b": "n B",
    "estimate_a": "Estimate A",
    "estimate_b": "Estimate B",
    "n_inputs_a": "Inputs A",
    "n_inputs_b": "Inputs B",
    "p_value": "p-value",
    "p_value_adjusted": "Holm-adjusted p",
    "km_median": "KM median",
    "cohen_kappa": "Cohen's κ",
    "gwet_ac1": "Gwet's AC1",
    "pabak": "PABAK",
    "cliffs_delta": "Cliff's δ",
    "hodges_lehmann": "Hodges–Lehmann",
    "too_few": "Too few",
    "loa_low": "Lower LoA",
    "loa_high": "Upper LoA",
    # as the charts title them (charts/_common.py `human_title`, not on the charts' face)
    "agent_version_name": "Agent version",
    "reviewed_by": "Reviewer",
    "creator_email": "Creator",
    "creator_display_name": "Creator",
    "agent_id": "Agent",
}
_PERCENTILE = re.compile(r"p\d{1,2}")
TOO_FEW = "too few to tell"


def _header(column: str) -> str:
    name = column.removesuffix("_ms")
    if name in _HEADERS:
        return _HEADERS[name]
    if _PERCENTILE.fullmatch(name.split("_", 1)[0]):
        return name.replace("_", " ")  # "p50", "p50 low": a percentile keeps its lower-case p
    if name.startswith("n_") and len(name) > 2:
        name = name[2:]
    return name.replace("_", " ").strip().capitalize()


#: `compare_versions` columns that read in the unit of the row's ``metric``.
_IN_METRIC = frozenset({"estimate_a", "estimate_b", "difference", "detectable_difference", "hodges_lehmann"})


def _kind(column: str, dtype: pl.DataType, frame: pl.DataFrame, metric: str | None = None) -> str:
    """The named format of ``column`` by the module's rules (``metric``: the rows' `compare_versions` metric)."""
    base = re.sub(r"_(ci_)?(low|high)$", "", column)
    in_metric = metric is not None and base in _IN_METRIC
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_temporal():
        return "datetime"
    if isinstance(dtype, pl.List | pl.Array):
        return "list"
    if not dtype.is_numeric():
        return "text"
    signed = base in {"difference", "hodges_lehmann", "hl", "delta", "bias"} or base.startswith("diff")
    signed = signed or base.endswith("delta")
    if in_metric and str(metric).endswith("_ms"):
        return "signed_duration" if signed else "duration"
    if in_metric and metric == "pass_rate" and base != "hodges_lehmann":
        return "points" if signed or base == "detectable_difference" else "percent"
    if in_metric and metric == "cost":
        return "signed_usd" if signed else "usd"
    has_ms = any(c.endswith("_ms") for c in frame.columns)
    if base.endswith("_ms") or (has_ms and _PERCENTILE.fullmatch(base)):
        return "duration"
    if base == "p_value" or (base.startswith("p_") and not dtype.is_integer()):
        return "p_value"
    if signed:
        return "signed"
    if not dtype.is_integer() and (base == "cost" or base.endswith("_cost") or base.startswith("cost_")):
        return "usd"  # an integer is a count ("n_with_cost"), never an amount
    rate = base.endswith(("_rate", "_share", "confidence")) or base.startswith("share_")
    if rate or base in {"share", "agreement", "pass", "approval"}:
        return "percent"
    return "count" if dtype.is_integer() else "number"


def _signed_ms(v: float, unit_of: float | None) -> str:
    text = fmt_ms(abs(v), unit_of=unit_of)
    return "0" if v == 0 else ("+" if v > 0 else "−") + text


def _usd(v: float, *, signed: bool = False) -> str:
    """US dollars, 3 significant digits: "$0.000506", "−$0.0078", "+$0.0856" (``signed``)."""
    sign = "−" if v < 0 else ("+" if signed and v > 0 else "")
    return f"{sign}${fmt_num(abs(v))}"


def _text_of(kind: str, unit_of: float | None, max_chars: int) -> Callable[[Any], str]:
    def cut(text: str) -> str:
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"

    def datetime_text(v: datetime) -> str:
        if v.tzinfo is None:
            return v.strftime("%Y-%m-%d %H:%M")
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    simple: dict[str, Callable[[Any], str]] = {
        "duration": lambda v: fmt_ms(v, unit_of=unit_of),
        "signed_duration": lambda v: _signed_ms(v, unit_of),
        "percent": fmt_pct,
        "points": lambda v: fmt_signed(v * 100, 3) + " pp",
        "count": lambda v: fmt_count(int(v)),
        "number": fmt_num,
        "p_value": lambda v: "< 0.001" if v < 0.001 else fmt_num(v),
        "signed": fmt_signed,
        "usd": _usd,
        "signed_usd": lambda v: _usd(v, signed=True),
        "bool": lambda v: "yes" if v else "no",
        "datetime": lambda v: datetime_text(v) if isinstance(v, datetime) else str(v),
        "list": lambda v: cut(", ".join("—" if x is None else str(x) for x in v)),
        "text": lambda v: cut(str(v)),
    }
    return simple[kind]


@dataclass(frozen=True)
class Column:
    """One shown column: its header, its cells as text, and whether it reads as a number (right-aligned)."""

    header: str
    cells: tuple[str, ...]
    numeric: bool


def _interval_pairs(columns: list[str]) -> dict[str, tuple[str, str]]:
    """``{estimate: (low, high)}`` for every ``*_low``/``*_high`` pair whose estimate is unambiguous."""
    pairs: dict[str, tuple[str, str]] = {}
    bounds = {c for c in columns if c.endswith(("_low", "_high"))}
    for low in (c for c in columns if c.endswith("_low")):
        stem = low.removesuffix("_low")
        high = stem + "_high"
        if high not in columns:
            continue
        plain = stem.removesuffix("_ci")
        others = [c for c in columns if c not in bounds and c != plain]
        candidates = [plain] if plain in columns else []
        candidates = candidates or [c for c in others if c.startswith(plain + "_") or c.startswith(plain)]
        candidates = candidates or [c for c in others if "".join(w[0] for w in c.split("_")) == plain]
        if len(candidates) == 1 and candidates[0] not in pairs:
            pairs[candidates[0]] = (low, high)
    return pairs


def _merge_interval(estimate: str, low: str, high: str) -> str:
    """ "0.669 (0.646–0.692)"; the shared unit written once; " to " when a bound is negative."""
    if low == "—" or high == "—":
        return estimate
    unit = ""
    for suffix in (" ms", " s", " min", " h", " pp", "%"):
        if low.endswith(suffix) and high.endswith(suffix):
            unit, low, high = suffix, low.removesuffix(suffix), high.removesuffix(suffix)
            break
    signed = low.startswith(("−", "+")) or high.startswith(("−", "+"))
    low, high = low.removeprefix("+"), high.removeprefix("+")
    joiner = " to " if signed else "–"
    return f"{estimate} ({low}{joiner}{high}{unit})"


def _cells(
    frame: pl.DataFrame, column: str, estimate: str, kind: str, *, spec: Format | None, max_chars: int
) -> list[str]:
    """The text of each value of ``column`` in format ``kind`` (durations in the unit of ``estimate``'s median)."""
    series, dtype = frame.get_column(column), frame.schema[column]
    if kind == "datetime" and isinstance(dtype, pl.Datetime):
        times = series.drop_nulls()
        if times.len() and bool((times.dt.truncate("1d") == times).all()):
            kind = "date"
    unit_of = None
    if kind in {"duration", "signed_duration"} and dtype.is_numeric():
        values = frame.get_column(estimate).drop_nulls()
        unit_of = statistics.median(abs(v) for v in values.to_list()) if values.len() else None
    if kind == "date":
        show: Callable[[Any], str] = lambda v: (v.astimezone(UTC) if v.tzinfo else v).strftime("%Y-%m-%d")  # noqa: E731
    elif callable(spec):
        show = spec
    elif kind == "number" and dtype.is_numeric():
        # One number of decimals per column (its estimate's), set by its typical magnitude:
        # "1.000 · 0.935 · 0.070", not "1.00 · 0.935 · 0.07". Differences keep 3 significant
        # digits each ("signed"), exactly as the verdicts beside them write them.
        show = column_format(frame.get_column(estimate).to_list(), typical=True)
    else:
        show = _text_of(kind, unit_of, max_chars)
    return ["—" if v is None else show(v) for v in series.to_list()]


def _check(frame: object, formats: Mapping[str, Format] | None, max_chars: int) -> Mapping[str, Format]:
    if not isinstance(frame, pl.DataFrame):
        raise ArgumentTypeError(f"table shows a polars DataFrame; got {type(frame).__name__}")
    formats = dict(formats or {})
    require_columns(frame, list(formats), helper="table(formats=...)")
    for column, spec in formats.items():
        if not callable(spec) and spec not in _NAMES:
            raise InvalidArgumentError(
                f"table: formats[{column!r}] must be a callable or one of {', '.join(_NAMES)}; got {spec!r}"
            )
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 2:
        raise InvalidArgumentError(f"table: max_chars must be a whole number of at least 2; got {max_chars!r}")
    return formats


def _shown(frame: pl.DataFrame, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(frame.columns)
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise ArgumentTypeError(f"table: columns must be a list of column names; got {columns!r}")
    listed = list(columns)
    twice = sorted({c for c in listed if listed.count(c) > 1})
    if twice:
        raise InvalidArgumentError(f"table: columns lists {', '.join(map(repr, twice))} more than once")
    require_columns(frame, listed, helper="table(columns=...)")
    return listed


def format_columns(
    frame: pl.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    formats: Mapping[str, Format] | None = None,
    max_chars: int = MAX_CHARS,
    confidence: float | None = None,
) -> list[Column]:
    """The columns of ``frame`` as they are shown: humanised headers, formatted cells, intervals merged.

    Args:
        frame: any frame; it is not changed.
        columns: the columns to show, in this order (default: all). The others still inform the
            formatting: a ``metric`` column gives a comparison's unit, a ``*_ms`` column makes
            ``p50`` a duration, ``confidence`` names the level, and an estimate's ``*_low``/``*_high``
            are merged into it without being listed.
        formats: a format per column name (a name from `FormatName` or a callable from value to text),
            over the module's rules.
        max_chars: longest text shown per cell; longer text is cut with "…".
        confidence: the intervals' level, for the header; default: the frame's ``confidence`` or
            ``interval_confidence`` column, else the header says "(CI)".

    Raises:
        ArgumentTypeError: ``frame`` is not a DataFrame.
        MissingColumnsError: ``columns`` or ``formats`` names a column the frame lacks.
        InvalidArgumentError: an unknown format name, a column listed twice, or ``max_chars`` below 2.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"mean_ms": [46163.0], "mean_ms_low": [40100.0], "mean_ms_high": [52000.0]})
        >>> [(c.header, c.cells) for c in format_columns(frame, confidence=0.95)]
        [('Mean (95% CI)', ('46.2 s (40.1–52.0 s)',))]
    """
    formats = _check(frame, formats, max_chars)
    order = _shown(frame, columns)
    if confidence is None:
        for name in ("confidence", "interval_confidence"):
            if name in frame.columns and frame.get_column(name).drop_nulls().n_unique() == 1:
                confidence = float(frame.get_column(name).drop_nulls()[0])
    level = f"{confidence * 100:g}% CI" if confidence is not None else "CI"
    pairs = _interval_pairs(frame.columns)
    bounds = {c for pair in pairs.values() for c in pair}
    too_few = frame.get_column("too_few").to_list() if frame.schema.get("too_few") == pl.Boolean else None
    texts: dict[str, list[str]] = {}
    numeric: dict[str, bool] = {}
    metrics = frame.get_column("metric").cast(pl.String) if "metric" in frame.columns else None
    for column, dtype in frame.schema.items():
        spec = formats.get(column)
        estimate = next((e for e, pair in pairs.items() if column in pair), column)
        if metrics is not None and spec is None and estimate in _IN_METRIC:
            # each row in its own metric's unit: a comparison of durations beside one of scores
            cells = [""] * frame.height
            for metric in metrics.unique(maintain_order=True).to_list():
                rows = (metrics == metric) if metric is not None else metrics.is_null()
                kind = _kind(estimate, dtype, frame, metric)
                part = _cells(frame.filter(rows), column, estimate, kind, spec=None, max_chars=max_chars)
                for i, text in zip(rows.arg_true().to_list(), part, strict=True):
                    cells[i] = text
            texts[column], numeric[column] = cells, dtype.is_numeric()
            continue
        kind = spec if isinstance(spec, str) else _kind(estimate, dtype, frame)
        texts[column] = _cells(frame, column, estimate, kind, spec=spec, max_chars=max_chars)
        numeric[column] = (dtype.is_numeric() and kind in _NUMERIC) or (callable(spec) and dtype.is_numeric())
    bounded = {c for c in frame.columns if f"{c}_min" in frame.columns and f"{c}_max" in frame.columns}
    shown: list[Column] = []
    seen: set[str] = set()
    owner = {bound: estimate for estimate, pair in pairs.items() for bound in pair}
    for column in order:
        if column in bounds and owner[column] in order:
            continue  # merged into its estimate
        cells = texts[column]
        header = _header(column)
        header = header if header not in seen else f"{header} ({column})"
        seen.add(header)
        if column in pairs:
            low, high = (texts[c] for c in pairs[column])
            cells = [
                f"{e} ({TOO_FEW})" if too_few and too_few[i] and e != "—" else _merge_interval(e, lo, hi)
                for i, (e, lo, hi) in enumerate(zip(cells, low, high, strict=True))
            ]
            header = f"{header} ({level})"
        if column in bounded:
            lows, highs = texts[f"{column}_min"], texts[f"{column}_max"]
            cells = [
                f"between {lo} and {hi}" if e == "—" and lo != "—" and hi != "—" else e
                for e, lo, hi in zip(cells, lows, highs, strict=True)
            ]
        shown.append(Column(header, tuple(cells), numeric[column]))
    return shown


def format_table(
    frame: pl.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    formats: Mapping[str, Format] | None = None,
    max_chars: int = MAX_CHARS,
    confidence: float | None = None,
) -> pl.DataFrame:
    """``frame`` as it reads in a table: every column text, headers humanised, intervals merged.

    For a text export or a test; `table` shows the same as HTML. Arguments as in `format_columns`.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"agent_version_name": ["v1"], "n": [1255], "pass_rate": [0.84215]})
        >>> format_table(frame).row(0, named=True)
        {'Agent version': 'v1', 'Jobs': '1,255', 'Pass rate': '84.2%'}
    """
    shown = format_columns(frame, columns=columns, formats=formats, max_chars=max_chars, confidence=confidence)
    return pl.DataFrame({c.header: list(c.cells) for c in shown}, schema={c.header: pl.String for c in shown})
