"""The estimate, interval, test and effect sizes of one comparison, for `compare_versions`.

The unit is the cluster (the input by default): runs of one input are correlated, so an unpaired
comparison aggregates them to one value per cluster and tests and resamples clusters; a paired one
averages each input's runs per version and works on the per-input differences. Each estimate has a
test that asks the same question:

=================  ====================================  =========================================
estimate           interval                              test
=================  ====================================  =========================================
mean (unpaired)    cluster bootstrap of the difference   Welch (*)'s t on per-cluster means
pass rate (unp.)   Newcombe, sizes divided by the        Welch's t on per-cluster pass rates
                   design effect of each side
median (unpaired)  bootstrap of the difference of        Mann–Whitney on per-cluster medians
                   per-cluster medians                   (exact for ≤ 25 a side, no ties)
mean (paired)      bootstrap of the mean difference      one-sample (*) t on per-input differences
pass rate (pair.)  bootstrap of the mean difference      McNemar on per-input pass/fail flips
median (paired)    bootstrap of the median difference    Wilcoxon signed-rank (exact for ≤ 25)
=================  ====================================  =========================================

(*) the replicates of a mean are spread by ``√(G/(G-1))`` (``G`` clusters or pairs) about the
estimate, so the bootstrap variance is unbiased and the interval keeps its level with few inputs.

Beside every p: the Hodges–Lehmann shift with its distribution-free interval and Cliff's delta
with its interval (`roe_analysis.analysis._rank_tests`), on the same per-cluster values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from roe_analysis.analysis._rank_tests import (
    cliffs_delta,
    hodges_lehmann,
    hodges_lehmann_paired,
    mann_whitney,
    mcnemar,
    one_sample_t,
    welch_t,
    wilcoxon,
)
from roe_analysis.analysis._stats import bootstrap_replicates, newcombe_interval, percentile_interval
from roe_analysis.analysis._units import cluster_bootstrap_mean, design_effect

Interval = tuple[float | None, float | None]


@dataclass(frozen=True)
class Intervals:
    """The three intervals of a comparison at one confidence level (null when degenerate)."""

    difference: Interval
    hodges_lehmann: Interval
    cliffs_delta: Interval


@dataclass(frozen=True)
class Result:
    """Everything one comparison computes; ``intervals`` recomputes them at another level (Holm)."""

    estimate_a: float | None
    estimate_b: float | None
    difference: float | None
    p_value: float | None
    #: +1 when the test points to b > a, -1 to b < a, 0 for no direction.
    test_sign: int
    hodges_lehmann: float | None
    cliffs_delta: float | None
    method: str
    flips_pass_to_fail: int | None
    flips_fail_to_pass: int | None
    intervals: Callable[[float], Intervals]


def _stat(values: np.ndarray, statistic: str) -> float | None:
    if values.size == 0:
        return None
    return float(np.mean(values)) if statistic == "mean" else float(np.quantile(values, 0.5))


def _unbiased(reps: np.ndarray, centre: float | None, g: int) -> np.ndarray:
    """Bootstrap replicates of a mean spread by ``√(G/(G-1))`` about the estimate.

    The bootstrap variance of a mean of ``G`` units is ``(G-1)/G`` times the unbiased one, which
    makes percentile intervals too narrow with few inputs (coverage ≈ 0.93 at 20 inputs a side);
    rescaling the deviations removes that bias (Efron & Tibshirani 1993, §5.2, the
    ``(n-1)/n`` factor of the plug-in variance).
    """
    if centre is None or g < 2:
        return reps
    return centre + (reps - centre) * np.sqrt(g / (g - 1))


def _sign(x: float) -> int:
    return 1 if x > 0 else -1 if x < 0 else 0


def _nonnull(interval: tuple[float | None, float | None, float | None]) -> Interval:
    return interval[1], interval[2]


def _effect_sizes(a: np.ndarray, b: np.ndarray, paired: bool, confidence: float) -> tuple[Interval, Interval]:
    hl = hodges_lehmann_paired(b - a, confidence=confidence) if paired else hodges_lehmann(a, b, confidence=confidence)
    return _nonnull(hl), _nonnull(cliffs_delta(a, b, confidence=confidence))


def _effect_points(a: np.ndarray, b: np.ndarray, paired: bool) -> tuple[float | None, float | None]:
    if a.size == 0 or b.size == 0:
        return None, None
    hl = hodges_lehmann_paired(b - a)[0] if paired else hodges_lehmann(a, b)[0]
    return hl, cliffs_delta(a, b)[0]


def compare_unpaired(
    runs_a: np.ndarray,
    clusters_a: np.ndarray,
    runs_b: np.ndarray,
    clusters_b: np.ndarray,
    *,
    metric: str,
    statistic: str,
    n_resamples: int,
    seed: int,
    tested: bool,
) -> Result:
    """Unpaired: runs of each version with their cluster labels; ``tested=False`` skips test and intervals."""
    agg = np.mean if statistic == "mean" else np.median
    ga = per_cluster(runs_a, clusters_a, agg)
    gb = per_cluster(runs_b, clusters_b, agg)
    if statistic == "mean":
        # The run-level mean (what a summary shows), its interval by resampling whole clusters.
        est_a, est_b = _stat(runs_a, "mean"), _stat(runs_b, "mean")
    else:
        # The median of per-cluster medians: the same units as the bootstrap and the test.
        est_a, est_b = _stat(ga, "median"), _stat(gb, "median")
    difference = est_b - est_a if est_a is not None and est_b is not None else None
    hl, delta = _effect_points(ga, gb, paired=False)
    p: float | None = None
    sign = 0
    reps: np.ndarray | None = None
    if metric == "pass_rate":
        interval_name = "Newcombe hybrid score CI on effective sizes (n / design effect)"
    elif statistic == "mean":
        interval_name = "cluster bootstrap CI"
    else:
        interval_name = "percentile bootstrap CI over clusters"
    test_name = "Welch t-test on per-cluster means" if statistic == "mean" else "Mann–Whitney U on per-cluster medians"
    if tested and difference is not None:
        if statistic == "mean":
            t, p = welch_t(ga, gb)
            sign = _sign(t)
            if metric != "pass_rate":
                rng = np.random.default_rng(seed)
                reps_a = cluster_bootstrap_mean(runs_a, clusters_a, n_resamples=n_resamples, rng=rng)
                reps_b = cluster_bootstrap_mean(runs_b, clusters_b, n_resamples=n_resamples, rng=rng)
                reps = _unbiased(reps_b, est_b, gb.size) - _unbiased(reps_a, est_a, ga.size)
        else:
            u, p, exact = mann_whitney(ga, gb)
            sign = _sign(ga.size * gb.size / 2 - u)
            test_name += " (exact)" if exact else " (normal approximation, tie and continuity corrected)"
            rng = np.random.default_rng(seed)
            reps_a = bootstrap_replicates(ga, "median", n_resamples=n_resamples, rng=rng)
            reps = bootstrap_replicates(gb, "median", n_resamples=n_resamples, rng=rng) - reps_a
    deff_a = max(1.0, design_effect(runs_a, clusters_a) or 1.0)
    deff_b = max(1.0, design_effect(runs_b, clusters_b) or 1.0)

    def intervals(confidence: float) -> Intervals:
        if not tested or difference is None:
            return Intervals((None, None), (None, None), (None, None))
        if metric == "pass_rate":
            low, high = newcombe_interval(
                float(runs_a.sum()) / deff_a,  # type: ignore[arg-type]
                runs_a.size / deff_a,  # type: ignore[arg-type]
                float(runs_b.sum()) / deff_b,  # type: ignore[arg-type]
                runs_b.size / deff_b,  # type: ignore[arg-type]
                confidence=confidence,
            )
            diff: Interval = (low, high) if low is not None and high is not None and low < high else (None, None)
        else:
            diff = (None, None) if reps is None else percentile_interval(reps, confidence)
        return Intervals(diff, *_effect_sizes(ga, gb, paired=False, confidence=confidence))

    method = f"unpaired over clusters: difference in {statistic}s with {interval_name}; {test_name}"
    return Result(est_a, est_b, difference, p, sign, hl, delta, method, None, None, intervals)


def per_cluster(runs: np.ndarray, clusters: np.ndarray, agg: Callable[..., object]) -> np.ndarray:
    """``agg`` of the runs of each cluster (e.g. ``np.mean``: per-input means), clusters in sorted order."""
    if runs.size == 0:
        return np.empty(0)
    order = np.argsort(clusters, kind="stable")
    sorted_clusters = clusters[order]
    starts = np.flatnonzero(np.r_[True, sorted_clusters[1:] != sorted_clusters[:-1]])
    groups = np.split(runs[order], starts[1:])
    return np.array([float(agg(g)) for g in groups])  # type: ignore[arg-type]


def compare_paired(
    a: np.ndarray,
    b: np.ndarray,
    *,
    metric: str,
    statistic: str,
    n_resamples: int,
    seed: int,
    tested: bool,
) -> Result:
    """Paired: per-input means of the shared inputs, aligned; ``tested=False`` skips test and intervals."""
    diffs = b - a
    est_a, est_b, difference = _stat(a, statistic), _stat(b, statistic), _stat(diffs, statistic)
    hl, delta = _effect_points(a, b, paired=True)
    p: float | None = None
    sign = 0
    flips: tuple[int | None, int | None] = (None, None)
    if metric == "pass_rate":
        passes_a, passes_b = a > 0.5, b > 0.5
        flips = (int((passes_a & ~passes_b).sum()), int((~passes_a & passes_b).sum()))
        test_name = "McNemar's test on per-input pass/fail (an input passes when most of its runs pass)"
    elif statistic == "mean":
        test_name = "paired t-test on per-input differences"
    else:
        test_name = "Wilcoxon signed-rank on per-input differences"
    reps: np.ndarray | None = None
    if tested and diffs.size:
        if metric == "pass_rate":
            assert flips[0] is not None and flips[1] is not None
            p, exact = mcnemar(flips[1], flips[0])
            sign = _sign(flips[1] - flips[0])
            test_name += " (exact binomial)" if exact else " (chi-square, continuity corrected)"
        elif statistic == "mean":
            t, p = one_sample_t(diffs)
            sign = _sign(t)
        else:
            w, p, exact = wilcoxon(diffs)
            nonzero = int((diffs != 0).sum())
            sign = _sign(w - nonzero * (nonzero + 1) / 4)
            test_name += " (exact)" if exact else " (normal approximation, tie and continuity corrected)"
        reps = bootstrap_replicates(diffs, statistic, n_resamples=n_resamples, rng=np.random.default_rng(seed))  # type: ignore[arg-type]
        if statistic == "mean":
            assert difference is not None
            reps = _unbiased(reps, difference, diffs.size)

    def intervals(confidence: float) -> Intervals:
        if not tested or not diffs.size:
            return Intervals((None, None), (None, None), (None, None))
        diff = (None, None) if reps is None else percentile_interval(reps, confidence)
        return Intervals(diff, *_effect_sizes(a, b, paired=True, confidence=confidence))

    method = (
        f"paired on {diffs.size} shared inputs (per-input means): {statistic} of differences with percentile "
        f"bootstrap CI; {test_name}"
    )
    return Result(est_a, est_b, difference, p, sign, hl, delta, method, flips[0], flips[1], intervals)
