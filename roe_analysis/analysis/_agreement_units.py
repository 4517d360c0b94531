"""The input as the unit of the agreement helpers: reruns of one input reviewed several times.

Reviews of reruns of one input are correlated (the same hard case is hard every time), so counting
each reviewed job as independent makes the intervals of `agreement_summary` too narrow. Per group:

- ``n_inputs``: distinct clusters (inputs by default, ``cluster=`` any column) among the completed
  reviews; below `MIN_N` the row is "too few to tell" and has no interval;
- ``design_effect``: `design_effect` of the agreement indicator over the label pairs (floored at
  1 in use; null when it cannot be estimated);
- approval and agreement rates: `cluster_wilson_interval`, Wilson's interval at ``n / deff`` with a
  ``t_{G-1}`` critical value (exactly Wilson's when every job is its own input);
- Cohen's kappa and Gwet's AC1: the Wald interval with the standard error multiplied by
  ``√deff`` of the agreement indicator and the ``t_{G-1}`` critical value (Kish's approximation: the
  observed agreement carries the coefficients' sampling variance), exactly the iid interval when
  every job is its own input. The seeded simulations in ``tests/analysis/test_agreement_units.py``
  check the coverage of both.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis.analysis._score_intervals import cluster_wilson_interval, t_quantile
from roe_analysis.analysis._stats import z_value
from roe_analysis.analysis._units import MIN_N, design_effect, unit_count_expr

#: Per-group columns `group_units` returns, in `agreement_summary`'s order of use.
UNIT_COLUMNS = pl.Schema(
    {
        "n_inputs": pl.UInt32(),
        "design_effect": pl.Float64(),
        "approval_rate_low": pl.Float64(),
        "approval_rate_high": pl.Float64(),
        "agreement_rate_low": pl.Float64(),
        "agreement_rate_high": pl.Float64(),
        "_se_factor": pl.Float64(),
        "_critical": pl.Float64(),
    }
)


def _codes(values: pl.Series) -> np.ndarray:
    return values.cast(pl.String).fill_null("\x00").to_numpy()


def group_units(placed: pl.DataFrame, n_groups: int, *, confidence: float) -> pl.DataFrame:
    """One row per ``_group`` (0 … n_groups-1) of `UNIT_COLUMNS`.

    ``placed`` holds ``_group``, ``_cluster``, ``review_status``, ``agent_verdict``, ``_final``,
    ``_pair`` and ``_unplaced`` (see `roe_analysis.analysis._labels.placed_outcomes`).
    """
    decided = placed.filter(pl.col("review_status").is_in(("approved", "rejected")))
    paired = placed.filter(pl.col("_pair") | pl.col("_unplaced")).with_columns(
        _agree=(pl.col("_pair") & (pl.col("agent_verdict") == pl.col("_final"))).cast(pl.Float64)
    )
    by_decided = decided.partition_by("_group", as_dict=True, include_key=True)
    by_paired = paired.partition_by("_group", as_dict=True, include_key=True)
    rows = []
    for group in range(n_groups):
        reviews = by_decided.get((group,))
        pairs = by_paired.get((group,))
        n_inputs = 0 if reviews is None else reviews.get_column("_cluster").n_unique()
        approval: tuple[float | None, float | None] = (None, None)
        agreement: tuple[float | None, float | None] = (None, None)
        deff: float | None = None
        factor, critical = 1.0, z_value(confidence)
        if reviews is not None:
            approved = (reviews.get_column("review_status") == "approved").cast(pl.Float64).to_numpy()
            approval = cluster_wilson_interval(approved, _codes(reviews.get_column("_cluster")), confidence=confidence)
        if pairs is not None:
            agree = pairs.get_column("_agree").to_numpy()
            clusters = _codes(pairs.get_column("_cluster"))
            agreement = cluster_wilson_interval(agree, clusters, confidence=confidence)
            g = np.unique(clusters).size
            deff = 1.0 if g == agree.size else design_effect(agree, clusters)
            if g < agree.size:
                factor, critical = float(np.sqrt(max(1.0, deff or 1.0))), t_quantile(confidence, max(g - 1, 1))
        rows.append((n_inputs, deff, *approval, *agreement, factor, critical))
    return pl.DataFrame(rows, schema=UNIT_COLUMNS, orient="row")


def too_few_note(n_inputs: pl.Expr, unit: str) -> pl.Expr:
    """``"too few to tell: 4 inputs (need 10)"`` (``"1 input"``) below `MIN_N` ``n_inputs``, else null."""
    return pl.when(n_inputs < MIN_N).then(
        pl.format(f"too few to tell: {{}} (need {MIN_N})", unit_count_expr(n_inputs, unit))
    )
