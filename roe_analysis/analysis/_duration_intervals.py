"""The per-group statistics of `duration_summary` that need the runs themselves, not an aggregate.

For each group: the order-statistic interval of every quantile (Woodruff's clustered interval when
runs are clustered by input, `roe_analysis.analysis._quantiles.clustered_quantile_interval`), the
design effect of the median indicator, the ``too_few`` flag and ``note``, and the Kaplan–Meier
median with running jobs censored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from roe_analysis._text import plural
from roe_analysis.analysis._quantiles import (
    clustered_quantile_interval,
    kaplan_meier_median,
    min_n_for_bounds,
    quantile_design_effect,
    quantile_interval,
)
from roe_analysis.analysis._units import MIN_N, unit_count

#: The column of each group's frame that holds its cluster (the input, or ``cluster=``).
CLUSTER = "_cluster"


def unit_name(cluster: str | None) -> str:
    """Notes name the unit (plural): ``"distinct inputs"``, or ``"clusters of customer"`` for ``cluster="customer"``.

    Examples:
        >>> unit_name(None), unit_name("input_id"), unit_name("customer")
        ('distinct inputs', 'distinct inputs', 'clusters of customer')
    """
    return "distinct inputs" if cluster in (None, "input_id") else f"clusters of {cluster}"


def group_intervals(
    values: np.ndarray,
    clusters: np.ndarray | None,
    n_inputs: int | None,
    named: Sequence[tuple[float, str]],
    *,
    confidence: float,
    unit: str = "distinct inputs",
) -> tuple[dict[str, float | None], bool, str | None]:
    """The ``pXX_low``/``pXX_high`` of one group, its ``too_few`` flag and its ``note``.

    With ``clusters`` (the input of each run) the intervals are Woodruff's clustered ones
    (`clustered_quantile_interval`); without, the runs are taken as independent. Below `MIN_N`
    runs or ``n_inputs`` clusters there is no interval and the note says "too few to tell".

    Examples:
        >>> import numpy as np
        >>> named = [(0.5, "p50"), (0.9, "p90")]
        >>> bounds, too_few, note = group_intervals(np.arange(1.0, 31.0), None, None, named, confidence=0.95)
        >>> bounds, too_few
        ({'p50_low': 10.0, 'p50_high': 21.0, 'p90_low': 24.0, 'p90_high': None}, False)
        >>> note
        "p90: too few runs for an upper bound (at least 24; needs n >= 36 inputs' worth)"
    """
    bounds: dict[str, float | None] = {f"{name}_{side}": None for _, name in named for side in ("low", "high")}
    n = int(values.size)
    if n == 0:
        return bounds, True, "too few to tell: no finished run with a duration"
    if n < MIN_N:
        return bounds, True, f"too few to tell: {plural(n, 'measured run')}, fewer than {MIN_N}; no interval"
    if n_inputs is not None and n_inputs < MIN_N:
        return bounds, True, f"too few to tell: {unit_count(n_inputs, unit)}, fewer than {MIN_N}; no interval"
    notes = []
    for q, name in named:
        if clusters is None:
            low, high = quantile_interval(values, q, confidence=confidence)
        else:
            low, high, _ = clustered_quantile_interval(values, clusters, q, confidence=confidence)
        bounds[f"{name}_low"], bounds[f"{name}_high"] = low, high
        if low is None and high is None:
            notes.append(f"{name}: no interval (tied values or too few runs)")
        elif high is None:
            needs = min_n_for_bounds(q, confidence=confidence)[1]
            notes.append(
                f"{name}: too few runs for an upper bound (at least {low:g}; needs n >= {needs} inputs' worth)"
            )
        elif low is None:
            needs = min_n_for_bounds(q, confidence=confidence)[0]
            notes.append(f"{name}: too few runs for a lower bound (at most {high:g}; needs n >= {needs} inputs' worth)")
    return bounds, False, "; ".join(notes) or None


def group_columns(
    groups: Sequence[pl.DataFrame],
    n_inputs: Sequence[int | None],
    named: Sequence[tuple[float, str]],
    confidence: float,
    *,
    unit: str,
) -> list[pl.Series]:
    """The interval columns, ``km_median_ms``, ``design_effect``, ``too_few`` and ``note``, one row per group.

    Each group's frame has ``duration_ms``, ``is_running``, ``running_for_ms`` and, when runs are
    clustered, `CLUSTER`. The Kaplan–Meier median is null for a group with a running job of unknown
    age (``running_for_ms`` null: no ``now``).
    """
    columns: dict[str, list[float | None]] = {f"{n}_{s}": [] for _, n in named for s in ("low", "high")}
    km: list[float | None] = []
    too_few: list[bool] = []
    notes: list[str | None] = []
    deffs: list[float | None] = []
    is_measured = pl.col("duration_ms").is_not_null() & ~pl.col("is_running")
    for group, inputs in zip(groups, n_inputs, strict=True):
        finished = group.filter(is_measured)
        values = finished.get_column("duration_ms").to_numpy().astype(np.float64)
        clusters = finished.get_column(CLUSTER).to_numpy() if CLUSTER in group.columns else None
        deffs.append(quantile_design_effect(values, clusters, 0.5) if clusters is not None else None)
        bounds, few, note = group_intervals(values, clusters, inputs, named, confidence=confidence, unit=unit)
        for name, bound in bounds.items():
            columns[name].append(bound)
        too_few.append(few)
        notes.append(note)
        running = group.filter(pl.col("is_running"))
        if running.get_column("running_for_ms").null_count():
            km.append(None)
            continue
        censored = running.get_column("running_for_ms").to_numpy().astype(np.float64)
        km.append(
            kaplan_meier_median(
                np.concatenate([values, censored]),
                np.concatenate([np.ones(values.size, dtype=bool), np.zeros(censored.size, dtype=bool)]),
            )
        )
    return [
        *[pl.Series(name, vals, dtype=pl.Float64) for name, vals in columns.items()],
        pl.Series("km_median_ms", km, dtype=pl.Float64),
        pl.Series("design_effect", deffs, dtype=pl.Float64),
        pl.Series("too_few", too_few, dtype=pl.Boolean),
        pl.Series("note", notes, dtype=pl.String),
    ]
