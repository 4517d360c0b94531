"""Exact rank tests, t tests, McNemar and effect sizes for `compare_versions` (numpy only).

Checked in tests against scipy (``method="exact"``) and statsmodels, or against brute-force hand
formulas with their sources:

- `mann_whitney_exact_p`, `wilcoxon_exact_p`: the exact null distributions of the Mann–Whitney U
  and Wilcoxon signed-rank statistics, counted by dynamic programming; `mann_whitney`/`wilcoxon`
  use them for small samples without ties and the normal approximation otherwise.
- `welch_t`, `one_sample_t`, `t_two_sided_p`: Welch's unequal-variance t test, the one-sample t
  test, and the Student t tail through the regularised incomplete beta function.
- `hodges_lehmann`, `hodges_lehmann_paired`: the Hodges–Lehmann shift with its distribution-free
  (Moses / Walsh-average) interval.
- `cliffs_delta`: Cliff's delta with Cliff's (1993) unbiased variance and his asymmetric interval.
- `mcnemar`: McNemar's test of paired pass/fail flips (exact binomial for few discordant pairs).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from roe_analysis.analysis._stats import mann_whitney_u, wilcoxon_signed_rank

#: Exact rank distributions are used up to this many values a side (and no ties).
EXACT_MAX_N = 25
#: McNemar is exact (binomial) up to this many discordant pairs, chi-square above.
MCNEMAR_EXACT_MAX = 25
#: Up to this many pairwise differences the Hodges–Lehmann order statistics are sorted directly.
_PAIRWISE_LIMIT = 4_000_000


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@lru_cache(maxsize=128)
def _u_counts(n1: int, n2: int) -> np.ndarray:
    """How many of the C(n1+n2, n1) arrangements give each U = 0 … n1·n2 (f(m,n,u) recurrence)."""
    table = [[np.ones(1, dtype=np.int64) for _ in range(n2 + 1)] for _ in range(n1 + 1)]
    for m in range(1, n1 + 1):
        for n in range(1, n2 + 1):
            # The largest value is from x (adds n to U) or from y (adds nothing).
            out = np.zeros(m * n + 1, dtype=np.int64)
            out[n : n + table[m - 1][n].size] += table[m - 1][n]
            out[: table[m][n - 1].size] += table[m][n - 1]
            table[m][n] = out
    result = table[n1][n2]
    result.setflags(write=False)  # cached: shared by every caller
    return result


def mann_whitney_exact_p(u: float, n1: int, n2: int) -> float:
    """Two-sided exact p-value of U (no ties): ``2·P(U ≥ max(u, n1·n2 - u))``, capped at 1.

    Examples:
        >>> round(mann_whitney_exact_p(2.0, 4, 5), 4)
        0.0635
    """
    counts = _u_counts(n1, n2)
    upper = max(u, n1 * n2 - u)
    tail = counts[math.ceil(upper) :].sum()
    return min(1.0, 2.0 * float(tail) / float(counts.sum()))


def _has_ties(values: np.ndarray) -> bool:
    return bool(np.unique(values).size < values.size)


def mann_whitney(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, float, bool]:
    """``(U of x, two-sided p, exact)``: exact when both sides have ≤ 25 values and none is tied."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u, p = mann_whitney_u(x, y)
    if max(x.size, y.size) <= EXACT_MAX_N and not _has_ties(np.concatenate([x, y])):
        return u, mann_whitney_exact_p(u, x.size, y.size), True
    return u, p, False


@lru_cache(maxsize=128)
def _signed_rank_counts(n: int) -> np.ndarray:
    """Subsets of {1..n} by their sum: the null counts of W+ (coefficients of ∏(1 + q^i))."""
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.int64)
    counts[0] = 1
    for i in range(1, n + 1):
        counts[i:] = counts[i:] + counts[:-i].copy()
    counts.setflags(write=False)  # cached: shared by every caller
    return counts


def wilcoxon_exact_p(w_plus: float, n: int) -> float:
    """Two-sided exact p-value of the signed-rank sum ``W+`` of ``n`` non-zero, untied differences.

    Examples:
        >>> round(wilcoxon_exact_p(54.0, 10), 4)
        0.0039
    """
    counts = _signed_rank_counts(n)
    total = n * (n + 1) / 2
    upper = max(w_plus, total - w_plus)
    return min(1.0, 2.0 * float(counts[math.ceil(upper) :].sum()) / float(counts.sum()))


def wilcoxon(differences: npt.ArrayLike) -> tuple[float, float, bool]:
    """``(W+, two-sided p, exact)``: exact for ≤ 25 differences with no zero and no tie."""
    d = np.asarray(differences, dtype=np.float64)
    w, p = wilcoxon_signed_rank(d)
    if 0 < d.size <= EXACT_MAX_N and not (d == 0).any() and not _has_ties(np.abs(d)):
        return w, wilcoxon_exact_p(w, d.size), True
    return w, p, False


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Continued fraction of the incomplete beta function (modified Lentz, Numerical Recipes 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < tiny, tiny, d)
    d = 1.0 / d
    h = d.copy()
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        step = d * c
        h = h * step
        if np.all(np.abs(step - 1.0) < 1e-15):
            break
    return h


_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularised incomplete beta function ``I_x(a, b)``, elementwise."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    out = np.where(x <= 0, 0.0, 1.0)
    inside = (x > 0) & (x < 1)
    if not inside.any():
        return out
    ai, bi, xi = a[inside], b[inside], x[inside]
    with np.errstate(divide="ignore"):
        front = np.exp(_lgamma(ai + bi) - _lgamma(ai) - _lgamma(bi) + ai * np.log(xi) + bi * np.log1p(-xi))
    direct = xi < (ai + 1.0) / (ai + bi + 2.0)
    value = np.where(
        direct,
        front * _betacf(ai, bi, xi) / ai,
        1.0 - front * _betacf(bi, ai, 1.0 - xi) / bi,
    )
    out[inside] = value
    return out


def t_two_sided_p(t: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """``P(|T| ≥ |t|)`` for Student's t with ``df`` degrees of freedom (``I_{df/(df+t²)}(df/2, 1/2)``)."""
    t = np.asarray(t, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    return np.clip(_betainc(df / 2.0, np.full_like(df, 0.5), df / (df + t * t)), 0.0, 1.0)


def welch_t_arrays(
    summary_a: tuple[np.ndarray, np.ndarray, np.ndarray], summary_b: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Welch test of ``b - a`` from ``(means, variances, sizes)`` per side: ``(t, df, p)``.

    p is NaN where the test is undefined (no spread, or fewer than two values).
    """
    mean_a, var_a, n_a = (np.asarray(v, dtype=np.float64) for v in summary_a)
    mean_b, var_b, n_b = (np.asarray(v, dtype=np.float64) for v in summary_b)
    va, vb = var_a / n_a, var_b / n_b
    se2 = va + vb
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (mean_b - mean_a) / np.sqrt(se2)
        df = se2**2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    ok = np.isfinite(t) & np.isfinite(df) & (df > 0)
    p = np.full(t.shape, np.nan)
    if ok.any():
        p[ok] = t_two_sided_p(t[ok], df[ok])
    return t, df, p


def welch_t(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[float, float | None]:
    """Welch's t test of ``mean(b) - mean(a)``: ``(t, p)``; p is None with < 2 values a side.

    With no spread on either side the test is decided by the means alone: p = 1 when they are
    equal, 0 otherwise.

    Examples:
        >>> t, p = welch_t([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0, 7.0])
        >>> round(t, 4), round(p, 4)
        (2.6112, 0.0349)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size < 2 or b.size < 2:
        return math.nan, None
    va, vb = float(a.var(ddof=1)), float(b.var(ddof=1))
    diff = float(b.mean() - a.mean())
    if va == 0 and vb == 0:
        return (math.copysign(math.inf, diff) if diff else 0.0), (1.0 if diff == 0 else 0.0)
    t, _, p = welch_t_arrays(
        (np.array([a.mean()]), np.array([va]), np.array([a.size])),
        (np.array([b.mean()]), np.array([vb]), np.array([b.size])),
    )
    return float(t[0]), float(p[0])


def one_sample_t(d: npt.ArrayLike) -> tuple[float, float | None]:
    """The one-sample (paired) t test of ``mean(d) = 0``: ``(t, p)``; p is None with < 2 values."""
    d = np.asarray(d, dtype=np.float64)
    if d.size < 2:
        return math.nan, None
    sd = float(d.std(ddof=1))
    mean = float(d.mean())
    if sd == 0:
        return (math.copysign(math.inf, mean) if mean else 0.0), (1.0 if mean == 0 else 0.0)
    t = mean / (sd / math.sqrt(d.size))
    return t, float(t_two_sided_p(t, d.size - 1))


def _kth_pairwise(x: np.ndarray, y: np.ndarray, ks: list[int]) -> list[float]:
    """The ``k``-th smallest (1-based) of all ``y_j - x_i``, for each k.

    Sorted directly up to `_PAIRWISE_LIMIT` differences; beyond that by bisection on the value
    (counting differences ≤ t with one `searchsorted`) and a final snap to an actual difference.
    """
    xs = np.sort(x)
    if xs.size * y.size <= _PAIRWISE_LIMIT:
        diffs = np.sort((y[:, None] - xs[None, :]).ravel())
        return [float(diffs[k - 1]) for k in ks]
    out = []
    for k in ks:
        lo, hi = float(y.min() - xs.max()) - 1.0, float(y.max() - xs.min())
        for _ in range(200):
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                break
            count = int((xs.size - np.searchsorted(xs, y - mid, side="left")).sum())
            lo, hi = (mid, hi) if count < k else (lo, mid)
        # Rounding in ``y - t`` can misplace a difference equal to t, so finish on the actual
        # differences in a window around (lo, hi] far wider than rounding and far narrower than data.
        w = 1e-9 * max(1.0, abs(lo), abs(hi))
        left, right = lo - w, hi + w
        below = int((xs.size - np.searchsorted(xs, y - left, side="left")).sum())
        i0 = np.maximum(np.searchsorted(xs, y - right, side="left") - 1, 0)
        i1 = np.minimum(np.searchsorted(xs, y - left, side="left") + 1, xs.size)
        window = np.sort(np.concatenate([y[j] - xs[i0[j] : i1[j]] for j in range(y.size)]))
        window = window[(window > left) & (window <= right)]
        out.append(float(window[min(max(k - below - 1, 0), window.size - 1)]) if window.size else hi)
    return out


def hodges_lehmann(
    a: npt.ArrayLike, b: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """Hodges–Lehmann shift of ``b`` over ``a`` (median of all ``b_j - a_i``) and Moses' interval.

    The interval is ``[D_(k), D_(N+1-k)]`` over the ``N = n_a·n_b`` sorted differences, ``k`` the
    ``(1 - confidence)/2`` quantile of the Mann–Whitney null (as R's ``wilcox.test(conf.int=TRUE)``):
    the exact distribution with ≤ 25 values a side and no ties, else the normal approximation
    ``⌊N/2 - z·√(n_a·n_b·(n_a+n_b+1)/12)⌋`` (Hollander & Wolfe, *Nonparametric Statistical
    Methods*, 3rd ed., §4.3). A degenerate (zero-width) interval is ``None``.

    Examples:
        >>> hodges_lehmann([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3.0, 4.5, 5.0, 6.5, 7.0, 8.0])
        (2.0, -1.0, 5.0)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n1, n2 = a.size, b.size
    if n1 == 0 or n2 == 0:
        return None, None, None
    total = n1 * n2
    alpha = 1 - confidence
    if max(n1, n2) <= EXACT_MAX_N and not _has_ties(np.concatenate([a, b])):
        cdf = np.cumsum(_u_counts(n1, n2)) / math.comb(n1 + n2, n1)
        k = int(np.searchsorted(cdf, alpha / 2 - 1e-12, side="left"))  # smallest q with P(U ≤ q) ≥ α/2
    else:
        k = math.floor(total / 2 - _z(confidence) * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = max(k, 1)
    lo_k, hi_k = k, total + 1 - k
    mid = [(total + 1) // 2, total // 2 + 1]
    values = _kth_pairwise(a, b, [*mid, lo_k, hi_k])
    estimate = (values[0] + values[1]) / 2
    low, high = values[2], values[3]
    if not low < high:
        return estimate, None, None
    return estimate, low, high


def hodges_lehmann_paired(
    d: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """Hodges–Lehmann estimate of paired differences (median of Walsh averages) with its interval.

    The interval is ``[W_(k), W_(M+1-k)]`` over the ``M = n(n+1)/2`` sorted Walsh averages
    ``(d_i + d_j)/2, i ≤ j``, ``k`` the ``(1 - confidence)/2`` quantile of the signed-rank null
    (exact for ≤ 25 differences without zeros or ties, else ``⌊M/2 - z·√(n(n+1)(2n+1)/24)⌋``),
    as R's ``wilcox.test(d, conf.int=TRUE)``. A degenerate interval is ``None``.

    Examples:
        >>> hodges_lehmann_paired([1.0, 2.0, 3.0, -0.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        (4.5, 2.0, 7.0)
    """
    d = np.sort(np.asarray(d, dtype=np.float64))
    n = d.size
    if n == 0:
        return None, None, None
    total = n * (n + 1) // 2
    alpha = 1 - confidence
    if n <= EXACT_MAX_N and not (d == 0).any() and not _has_ties(np.abs(d)):
        cdf = np.cumsum(_signed_rank_counts(n)) / 2.0**n
        k = int(np.searchsorted(cdf, alpha / 2 - 1e-12, side="left"))
    else:
        k = math.floor(total / 2 - _z(confidence) * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
    k = max(k, 1)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2)
    estimate = (float(walsh[(total + 1) // 2 - 1]) + float(walsh[total // 2])) / 2
    low, high = float(walsh[k - 1]), float(walsh[total - k])
    if not low < high:
        return estimate, None, None
    return estimate, low, high


def cliffs_delta(
    a: npt.ArrayLike, b: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """Cliff's delta ``P(b > a) - P(b < a)`` with Cliff's asymmetric interval.

    The variance is Cliff's (1993, *Psychological Bulletin* 114, eq. 9) unbiased estimate
    ``[n_b² Σ(d_i. - δ)² + n_a² Σ(d_.j - δ)² - ΣΣ(d_ij - δ)²] / [n_a n_b (n_a-1)(n_b-1)]``, floored at
    ``(1 - δ²)/(n_a n_b - 1)`` as Cliff advises; the interval is
    ``(δ - δ³ ± z s √((1-δ²)² + z²s²)) / (1 - δ² + z²s²)`` (Feng & Cliff 2004), inside [-1, 1].
    Computed from sorted values (no n_a × n_b matrix). ``δ = 2U/(n_a n_b) - 1`` with U the
    Mann–Whitney statistic of ``b``. A degenerate interval (or < 2 values a side) is ``None``.

    Examples:
        >>> [round(v, 4) for v in cliffs_delta([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 7.0])]
        [0.64, -0.0083, 0.9095]
    """
    a = np.sort(np.asarray(a, dtype=np.float64))
    b = np.sort(np.asarray(b, dtype=np.float64))
    n1, n2 = a.size, b.size
    if n1 == 0 or n2 == 0:
        return None, None, None
    # d_ij = sign(b_j - a_i); column j: (#a below b_j - #a above b_j) / n1.
    below_b = np.searchsorted(a, b, side="left")
    above_b = n1 - np.searchsorted(a, b, side="right")
    below_a = np.searchsorted(b, a, side="left")  # b values under a_i
    above_a = n2 - np.searchsorted(b, a, side="right")
    d_col = (below_b - above_b) / n1
    d_row = (above_a - below_a) / n2
    delta = float(d_col.mean())
    if n1 < 2 or n2 < 2:
        return delta, None, None
    untied = n1 * n2 - float((np.searchsorted(a, b, side="right") - below_b).sum())
    sum_sq = untied - n1 * n2 * delta**2  # ΣΣ(d_ij - δ)² with d_ij² = 1 unless tied
    var = (n2**2 * float(((d_row - delta) ** 2).sum()) + n1**2 * float(((d_col - delta) ** 2).sum()) - sum_sq) / (
        n1 * n2 * (n1 - 1) * (n2 - 1)
    )
    var = max(var, (1 - delta**2) / (n1 * n2 - 1))
    z = _z(confidence)
    s = math.sqrt(var)
    spread = z * s * math.sqrt((1 - delta**2) ** 2 + z * z * var)
    denom = 1 - delta**2 + z * z * var
    if denom <= 0 or spread <= 0:
        return delta, None, None
    low = max(-1.0, (delta - delta**3 - spread) / denom)
    high = min(1.0, (delta - delta**3 + spread) / denom)
    return (delta, low, high) if low < high else (delta, None, None)


def mcnemar(fail_to_pass: int, pass_to_fail: int) -> tuple[float, bool]:
    """McNemar's two-sided p-value for paired pass/fail: ``(p, exact)``.

    Exact binomial (``2·P(Bin(b+c, ½) ≤ min(b, c))``, capped at 1) up to 25 discordant pairs,
    else the chi-square ``(|b - c| - 1)² / (b + c)`` with continuity correction — as statsmodels'
    ``mcnemar(exact=True)`` / ``mcnemar(exact=False, correction=True)``. No discordant pair: p = 1.

    Examples:
        >>> mcnemar(7, 1)
        (0.0703125, True)
    """
    b, c = int(fail_to_pass), int(pass_to_fail)
    n = b + c
    if n == 0:
        return 1.0, True
    if n <= MCNEMAR_EXACT_MAX:
        tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2.0**n
        return min(1.0, 2.0 * tail), True
    chi2 = (abs(b - c) - 1) ** 2 / n
    return math.erfc(math.sqrt(chi2 / 2.0)), False
