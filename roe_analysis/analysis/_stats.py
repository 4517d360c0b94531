"""Statistical building blocks shared by the analysis helpers.

Everything here is deliberately small and checked in tests against scipy/statsmodels (which are
test-only dependencies: nothing here imports them):

- `wilson_interval`: the Wilson score interval for a proportion, as Polars expressions so it can be
  computed per group inside an aggregation.
- `bootstrap_replicates`: bootstrap replicates of the mean or a quantile, with exact shortcuts that
  keep a million-row sample fast; `percentile_interval`: the percentile interval of replicates
  (none when degenerate), shared by every bootstrap interval.
- `mann_whitney_u`, `wilcoxon_signed_rank`: two-sided rank tests, normal approximation with tie
  and continuity corrections.
- `newcombe_interval`: the Newcombe hybrid score interval for a difference of two proportions.
- `holm_adjust`: Holm's step-down adjustment of a family of p-values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Literal

import numpy as np
import polars as pl

from roe_analysis.errors import InvalidArgumentError

#: Seed used by every resampling procedure unless the caller passes another, so reruns agree exactly.
DEFAULT_SEED = 20240601
#: Bootstrap resamples used unless the caller passes another.
DEFAULT_RESAMPLES = 2000
#: Upper bound on the elements of one block of resampled indices (keeps memory near 64 MB).
_BLOCK_ELEMENTS = 1 << 22

#: A statistic `bootstrap_replicates` knows: the mean, the median, or a quantile in [0, 1].
Statistic = Literal["mean", "median"] | float


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level (1.96 for 0.95)."""
    check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def check_confidence(confidence: float) -> None:
    """Raise a helpful error unless ``0 < confidence < 1``."""
    if not 0 < confidence < 1:
        raise InvalidArgumentError(f"confidence must be between 0 and 1 (exclusive), e.g. 0.95; got {confidence!r}")


def _check_resamples(n_resamples: int) -> None:
    if n_resamples < 1:
        raise InvalidArgumentError(f"n_resamples must be at least 1; got {n_resamples}")


def wilson_interval(successes: pl.Expr, n: pl.Expr, *, confidence: float = 0.95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval bounds for ``successes / n`` as two Float64 expressions.

    Null where ``n`` is zero or null: a proportion of nothing has no interval.

    Examples:
        >>> import polars as pl
        >>> low, high = wilson_interval(pl.col("k"), pl.col("n"))
        >>> pl.DataFrame({"k": [8], "n": [10]}).select(low.round(4).alias("low"), high.round(4).alias("high"))
        shape: (1, 2)
        ┌────────┬────────┐
        │ low    ┆ high   │
        │ ---    ┆ ---    │
        │ f64    ┆ f64    │
        ╞════════╪════════╡
        │ 0.4902 ┆ 0.9433 │
        └────────┴────────┘
    """
    z = z_value(confidence)
    k = successes.cast(pl.Float64)
    m = n.cast(pl.Float64)
    p = k / m
    denom = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * ((p * (1 - p) / m + z * z / (4 * m * m)).sqrt()) / denom
    valid = m.is_not_null() & (m > 0)
    low = pl.when(valid).then((centre - half).clip(0.0, 1.0)).otherwise(None)
    high = pl.when(valid).then((centre + half).clip(0.0, 1.0)).otherwise(None)
    return low, high


def _wilson_bounds(k: float, n: float, z: float) -> tuple[float, float]:
    """Scalar twin of `wilson_interval` (same formula), for `newcombe_interval`."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile_interval(replicates: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    """The percentile interval of bootstrap ``replicates``, NaN replicates dropped.

    ``(None, None)`` when no replicate is finite or the interval has zero width (a degenerate
    interval is no interval).

    Examples:
        >>> import numpy as np
        >>> percentile_interval(np.array([1.0, np.nan, 2.0, 3.0, 4.0, 5.0]), 0.5)
        (2.0, 4.0)
        >>> percentile_interval(np.array([0.7, 0.7, np.nan]), 0.95)
        (None, None)
    """
    finite = np.asarray(replicates, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None, None
    alpha = (1 - confidence) / 2
    low, high = (float(v) for v in np.quantile(finite, [alpha, 1 - alpha]))
    return (low, high) if high > low else (None, None)


def _resample_rows(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    n_resamples: int,
    rng: np.random.Generator,
    block_elements: int = _BLOCK_ELEMENTS,
) -> np.ndarray:
    """``statistic`` of ``n_resamples`` index resamples, drawn block by block from one stream."""
    rows = max(1, block_elements // values.size)
    out = []
    for start in range(0, n_resamples, rows):
        idx = rng.integers(0, values.size, size=(min(rows, n_resamples - start), values.size))
        out.append(np.asarray(statistic(values[idx]), dtype=np.float64))
    return np.concatenate(out)


def _check_statistic(statistic: Statistic) -> float | None:
    """The quantile a statistic stands for (``None`` for the mean); raise on anything else."""
    if statistic == "mean":
        return None
    if statistic == "median":
        return 0.5
    if isinstance(statistic, str) or not isinstance(statistic, int | float) or not 0 <= statistic <= 1:
        raise InvalidArgumentError(f"statistic must be 'mean', 'median' or a quantile in [0, 1]; got {statistic!r}")
    return float(statistic)


def bootstrap_replicates(
    values: np.ndarray,
    statistic: Statistic,
    *,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bootstrap replicates of the mean or a quantile (numpy's default 'linear' method) of a sample.

    Each replicate has exactly the distribution of ``statistic`` computed on a resample of ``n``
    values drawn with replacement, but without materialising ``n_resamples × n`` indices where a
    shortcut exists:

    - a quantile needs only the two order statistics it interpolates between. The ``k``-th smallest
      of ``n`` uniform draws is ``Beta(k, n - k + 1)`` and the next one lies above it like the
      minimum of the ``n - k`` draws left, so each replicate costs O(1) after one sort;
    - the mean of a sample with many repeated values (scores on a small scale) uses multinomial
      counts of the distinct values, O(distinct) per replicate; otherwise indices are resampled
      in memory-bounded blocks.

    Examples:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> bootstrap_replicates(np.array([5.0, 5.0, 5.0]), "median", n_resamples=3, rng=rng)
        array([5., 5., 5.])
    """
    _check_resamples(n_resamples)
    q = _check_statistic(statistic)
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:
        raise InvalidArgumentError("cannot bootstrap an empty sample")
    if q is not None:
        return _quantile_replicates(np.sort(x), q, n_resamples, rng)
    distinct, counts = np.unique(x, return_counts=True)
    if distinct.size * 8 <= n:
        rows = max(1, _BLOCK_ELEMENTS // distinct.size)
        sums = [
            rng.multinomial(n, counts / n, size=min(rows, n_resamples - start)) @ distinct
            for start in range(0, n_resamples, rows)
        ]
        return np.concatenate(sums) / n
    return _resample_rows(x, lambda a: a.mean(axis=1), n_resamples, rng)


def _quantile_replicates(x: np.ndarray, q: float, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = x.size
    h = (n - 1) * q
    j = math.floor(h)
    frac = h - j
    # U_(j+1), the (j+1)-th smallest of n uniforms, indexes the j-th (0-based) order statistic.
    u = rng.beta(j + 1, n - j, size=n_resamples)
    lower = x[np.minimum((u * n).astype(np.int64), n - 1)]
    if frac == 0 or j + 1 >= n:
        return lower
    u_next = u + (1 - u) * rng.beta(1, n - j - 1, size=n_resamples)
    upper = x[np.minimum((u_next * n).astype(np.int64), n - 1)]
    return lower + frac * (upper - lower)


def _average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks with ties given their average rank, and the size of every tie group."""
    sorter = np.argsort(x, kind="mergesort")
    xs = x[sorter]
    first = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(first) - 1
    bounds = np.r_[np.flatnonzero(first), x.size]
    average = (bounds[:-1] + 1 + bounds[1:]) / 2.0
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[sorter] = average[group]
    return ranks, np.diff(bounds).astype(np.float64)


def _two_sided_normal_p(z: float) -> float:
    """``2 * P(Z > z)`` capped at 1, via ``erfc`` so tiny p-values keep their precision."""
    return min(1.0, math.erfc(z / math.sqrt(2.0)))


def mann_whitney_u(x: np.ndarray, y: np.ndarray, *, use_continuity: bool = True) -> tuple[float, float]:
    """Two-sided Mann–Whitney U test, normal approximation with tie correction.

    Returns ``(U, p_value)`` where ``U`` is the statistic of ``x`` (the number of pairs in which the
    ``x`` value is larger, ties counting one half), as ``scipy.stats.mannwhitneyu(x, y,
    method="asymptotic", use_continuity=use_continuity)``. When every value is tied the statistic
    cannot move under permutation, so the p-value is exactly 1.

    Examples:
        >>> u, p = mann_whitney_u([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0, 7.0])
        >>> u, round(p, 4)
        (2.0, 0.0639)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        raise InvalidArgumentError("mann_whitney_u needs at least one value in each sample")
    ranks, ties = _average_ranks(np.concatenate([x, y]))
    total = n1 + n2
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    mean = n1 * n2 / 2
    tie_term = float((ties**3 - ties).sum()) / (total * (total - 1)) if total > 1 else 0.0
    var = n1 * n2 / 12 * ((total + 1) - tie_term)
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mean) - (0.5 if use_continuity else 0.0)) / math.sqrt(var)
    return u1, _two_sided_normal_p(z)


def wilcoxon_signed_rank(differences: np.ndarray, *, correction: bool = True) -> tuple[float, float]:
    """Two-sided Wilcoxon signed-rank test of paired differences, normal approximation.

    Zero differences are dropped (Wilcoxon's method) and tied absolute differences get average
    ranks with the matching variance correction. Returns ``(W+, p_value)`` where ``W+`` is the rank
    sum of the positive differences; the p-value is ``scipy.stats.wilcoxon(d, method="asymptotic",
    correction=correction)``'s. When every difference is zero the p-value is exactly 1.

    Examples:
        >>> w, p = wilcoxon_signed_rank([1.0, 2.0, 3.0, -0.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        >>> w, round(p, 4)
        (54.0, 0.008)
    """
    d = np.asarray(differences, dtype=np.float64)
    d = d[d != 0]
    n = d.size
    if n == 0:
        return 0.0, 1.0
    ranks, ties = _average_ranks(np.abs(d))
    r_plus = float(ranks[d > 0].sum())
    mean = n * (n + 1) / 4
    var = n * (n + 1) * (2 * n + 1) / 24 - float((ties**3 - ties).sum()) / 48
    if var <= 0:
        return r_plus, 1.0
    z = (abs(r_plus - mean) - (0.5 if correction else 0.0)) / math.sqrt(var)
    return r_plus, _two_sided_normal_p(z)


def newcombe_interval(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """Newcombe's hybrid score interval for ``p_b - p_a``, two independent proportions.

    Built from the Wilson interval of each proportion (Newcombe 1998, method 10), it stays inside
    [-1, 1] and keeps a sensible width at 0% or 100%, where a bootstrap collapses to a point.
    ``(None, None)`` when either sample is empty.

    Examples:
        >>> [round(v, 4) for v in newcombe_interval(5, 20, 12, 20)]
        [0.0444, 0.5778]
    """
    z = z_value(confidence)
    if n_a <= 0 or n_b <= 0:
        return None, None
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = _wilson_bounds(successes_a, n_a, z)
    low_b, high_b = _wilson_bounds(successes_b, n_b, z)
    diff = p_b - p_a
    low = diff - math.sqrt((p_b - low_b) ** 2 + (high_a - p_a) ** 2)
    high = diff + math.sqrt((high_b - p_b) ** 2 + (p_a - low_a) ** 2)
    return low, high


def holm_adjust(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values, in the input order; ``None`` entries stay ``None``.

    Tiny p-values stay tiny (``3e-25`` of two adjusts to ``6e-25``, never to ``0``).

    Examples:
        >>> [round(p, 12) if p is not None else None for p in holm_adjust([0.01, 0.04, 0.03, None])]
        [0.03, 0.06, 0.06, None]
        >>> holm_adjust([3e-25, 0.5])
        [6e-25, 0.5]
    """
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def quantile_name(q: float) -> str:
    """The column stem for a quantile: ``0.5 → 'p50'``, ``0.99 → 'p99'``, ``0.999 → 'p99_9'``.

    Examples:
        >>> [quantile_name(q) for q in (0.5, 0.9, 0.999, 0.025)]
        ['p50', 'p90', 'p99_9', 'p2_5']
    """
    if isinstance(q, bool) or not isinstance(q, int | float) or not 0 <= q <= 1:
        raise InvalidArgumentError(f"quantiles must be numbers between 0 and 1, e.g. 0.5; got {q!r}")
    return "p" + f"{q * 100:.10g}".replace(".", "_")
