"""Intervals for a mean score and a pass rate when runs of one input are correlated.

The input (a *cluster*: any column with ``cluster=``) is the unit. With ``G`` clusters:

- `cluster_mean_interval`: the *expanded* percentile interval of the cluster bootstrap (whole
  clusters resampled, `roe_analysis.analysis._units.cluster_bootstrap_mean`). The plain percentile
  interval is too narrow with few clusters (its spread is the ``(G-1)/G`` variance, and it uses
  ``z`` where ``t`` with ``G-1`` degrees of freedom is due: 0.93 coverage at ``G = 20``); the
  expanded interval (Hesterberg 2015, "What Teachers Should Know About the Bootstrap", The American
  Statistician 69(4), §4.2) takes the percentiles at ``α'/2`` and ``1 - α'/2``, where
  ``α' = 2Φ(-√(G/(G-1)) · t_{G-1, 1-α/2})``;
- `cluster_ratio_interval`: the same expanded percentile cluster bootstrap for a ratio of cluster
  totals ``Σy / Σx`` (a cost per successful job: the total cost over the count of successes; a
  mean is the case ``x = 1``). Replicates whose drawn clusters hold no ``x`` (no success drawn)
  are infinite, so an interval whose upper end reaches them is no interval;
- `cluster_wilson_interval`: Wilson's interval with the effective sample size ``n / deff`` (Kish),
  ``deff`` the design effect of the pass indicator (floored at 1; when the runs show no variation
  it cannot be estimated and each cluster counts once). Because ``deff`` is estimated from ``G``
  clusters, the critical value is ``t_{G-1}`` instead of ``z``; when every run is its own cluster
  ``deff`` is 1 by construction and this is exactly Wilson's interval.

Both give no interval below `MIN_N` clusters or when it would have zero width. The seeded
simulations in ``tests/analysis/test_score_calibration.py`` check their coverage.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from roe_analysis.analysis._stats import bootstrap_replicates, z_value
from roe_analysis.analysis._units import MIN_N, cluster_bootstrap_mean, cluster_bootstrap_ratio, design_effect

Interval = tuple[float | None, float | None]


def t_quantile(confidence: float, df: float) -> float:
    """Two-sided Student-t critical value (``t_{df, 1-α/2}``), Cornish–Fisher expansion in ``1/df``.

    Abramowitz & Stegun 26.7.5 (four terms); within 5e-4 of the exact quantile from ``df = 5`` on and
    1e-4 from ``df = 9`` for the usual levels, and ``z`` as ``df → ∞``.

    Examples:
        >>> round(t_quantile(0.95, 19), 4), round(t_quantile(0.95, 1e9), 4)
        (2.093, 1.96)
    """
    z = z_value(confidence)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def _codes(clusters: np.ndarray) -> tuple[np.ndarray, int]:
    _, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    return inverse, int(inverse.max()) + 1 if inverse.size else 0


#: Relative width below which an interval counts as zero-width: resampled means of identical values
#: differ in their last bits (0.019999999999999997 to 0.02), which is no spread at all.
_ZERO_WIDTH = 1e-9


def _non_degenerate(low: float, high: float) -> Interval:
    if not (math.isfinite(low) and math.isfinite(high)) or high - low <= _ZERO_WIDTH * max(abs(low), abs(high)):
        return None, None
    return low, high


def cluster_mean_interval(
    values: np.ndarray, clusters: np.ndarray, *, confidence: float, n_resamples: int, seed: int
) -> Interval:
    """Expanded percentile cluster-bootstrap interval for the mean of ``values`` (no nulls).

    ``(None, None)`` below `MIN_N` clusters or for a zero-width interval. When every value is its
    own cluster the resampling is the ordinary bootstrap (`bootstrap_replicates`, fast on large n).

    Examples:
        >>> import numpy as np
        >>> x = np.array([1.0, 2.0] * 10 + [3.0, 5.0] * 10)
        >>> low, high = cluster_mean_interval(x, np.repeat(np.arange(20), 2), confidence=0.95, n_resamples=2000, seed=1)
        >>> round(low, 4), round(high, 4)
        (2.125, 3.2818)
        >>> cluster_mean_interval(x[:8], np.arange(8), confidence=0.95, n_resamples=2000, seed=1)
        (None, None)
    """
    x = np.asarray(values, dtype=np.float64)
    codes, g = _codes(clusters)
    if g < MIN_N:
        return None, None
    rng = np.random.default_rng(seed)
    if g == x.size:
        replicates = bootstrap_replicates(x, "mean", n_resamples=n_resamples, rng=rng)
    else:
        replicates = cluster_bootstrap_mean(x, codes, n_resamples=n_resamples, rng=rng)
    tail = expanded_tail(confidence, g)
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return _non_degenerate(float(low), float(high))


def expanded_tail(confidence: float, g: int) -> float:
    """The tail ``α'/2`` of Hesterberg's expanded percentile interval over ``g`` clusters.

    ``α' = 2Φ(-√(g/(g-1)) · t_{g-1, 1-α/2})``: percentiles further out than ``α/2`` make up for
    the bootstrap's ``(g-1)/g`` variance and for ``z`` standing where ``t_{g-1}`` is due.

    Examples:
        >>> round(expanded_tail(0.95, 20), 5), round(expanded_tail(0.95, 10_000), 4)
        (0.01588, 0.025)
    """
    return NormalDist().cdf(-math.sqrt(g / (g - 1)) * t_quantile(confidence, g - 1))


def cluster_ratio_interval(
    numerators: np.ndarray,
    denominators: np.ndarray,
    clusters: np.ndarray,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> Interval:
    """Expanded percentile cluster-bootstrap interval for ``Σ numerators / Σ denominators``.

    Each replicate draws the ``G`` clusters with replacement and takes the ratio of the drawn
    clusters' totals (`cluster_bootstrap_ratio`); the percentiles are those of
    `cluster_mean_interval` (``α'/2`` of `expanded_tail`). A replicate without any denominator
    counts as infinite (the ratio is unbounded there), so when more than ``α'/2`` of them are,
    there is no upper end and no interval. ``(None, None)`` below `MIN_N` clusters, without any
    denominator, or for a zero-width interval.

    Examples:
        >>> import numpy as np
        >>> cost = np.array([0.02, 0.01, 0.03, 0.0] * 10)  # 40 jobs on 20 inputs, two runs each
        >>> success = np.array([1.0, 0.0, 1.0, 1.0] * 10)
        >>> low, high = cluster_ratio_interval(
        ...     cost, success, np.repeat(np.arange(20), 2), confidence=0.95, n_resamples=2000, seed=1
        ... )
        >>> round(float(cost.sum() / success.sum()), 4), round(low, 4), round(high, 4)
        (0.02, 0.0171, 0.024)
    """
    y = np.asarray(numerators, dtype=np.float64)
    x = np.asarray(denominators, dtype=np.float64)
    codes, g = _codes(clusters)
    if g < MIN_N or not x.sum() > 0:
        return None, None
    sums = np.bincount(codes, weights=y, minlength=g)
    sizes = np.bincount(codes, weights=x, minlength=g)
    tail = expanded_tail(confidence, g)
    # Interpolating between infinite replicates gives inf or NaN: either way no upper end.
    with np.errstate(divide="ignore", invalid="ignore"):
        replicates = cluster_bootstrap_ratio(sums, sizes, n_resamples=n_resamples, rng=np.random.default_rng(seed))
        replicates = np.where(np.isfinite(replicates), replicates, np.inf)
        low, high = np.quantile(replicates, [tail, 1 - tail])
    return _non_degenerate(float(low), float(high))


def effective_n(passed: np.ndarray, clusters: np.ndarray) -> tuple[float, float | None]:
    """``(n / max(1, deff), deff)`` for a 0/1 pass indicator; ``n_clusters`` when ``deff`` is undefined."""
    x = np.asarray(passed, dtype=np.float64)
    codes, g = _codes(clusters)
    if g == x.size:
        return float(x.size), (1.0 if g >= 2 and x.min() != x.max() else None)
    deff = design_effect(x, codes)
    if deff is None:
        return float(g), None
    return x.size / max(1.0, deff), deff


def wilson_bounds(p: float, n: float, critical: float) -> Interval:
    """Wilson's score interval for a proportion ``p`` of ``n`` (may be fractional) at ``critical``."""
    if n <= 0:
        return None, None
    c2 = critical * critical
    denom = 1 + c2 / n
    centre = (p + c2 / (2 * n)) / denom
    half = critical * math.sqrt(max(p * (1 - p), 0.0) / n + c2 / (4 * n * n)) / denom
    return _non_degenerate(max(0.0, centre - half), min(1.0, centre + half))


def cluster_wilson_interval(passed: np.ndarray, clusters: np.ndarray, *, confidence: float) -> Interval:
    """Wilson's interval for the pass rate with effective n ``n / deff`` and a ``t_{G-1}`` critical value.

    ``passed`` is a 0/1 array (no nulls). ``(None, None)`` below `MIN_N` clusters.

    Examples:
        >>> import numpy as np
        >>> passed = np.array([1, 1, 0, 0] * 5 + [1, 1, 1, 1] * 5)  # 20 inputs, two runs each, runs agree
        >>> low, high = cluster_wilson_interval(passed, np.repeat(np.arange(20), 2), confidence=0.95)
        >>> round(low, 4), round(high, 4)
        (0.513, 0.8952)
    """
    x = np.asarray(passed, dtype=np.float64)
    codes, g = _codes(clusters)
    if g < MIN_N:
        return None, None
    n_eff, _ = effective_n(x, codes)
    critical = z_value(confidence) if g == x.size else t_quantile(confidence, g - 1)
    return wilson_bounds(float(x.mean()), n_eff, critical)
