"""Exact rank tests, t tests, McNemar and effect sizes (analysis._rank_tests) against scipy,
statsmodels and brute-force enumerations of their textbook definitions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from roe_analysis.analysis import _rank_tests as rt
from roe_analysis.analysis._rank_tests import (
    cliffs_delta,
    hodges_lehmann,
    hodges_lehmann_paired,
    mann_whitney,
    mann_whitney_exact_p,
    mcnemar,
    one_sample_t,
    t_two_sided_p,
    welch_t,
    welch_t_arrays,
    wilcoxon,
    wilcoxon_exact_p,
)


@pytest.mark.parametrize(("n1", "n2", "seed"), [(3, 4, 0), (10, 12, 1), (25, 25, 2), (1, 7, 3), (20, 9, 4)])
def test_exact_mann_whitney_matches_scipy_exact(n1: int, n2: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 1, n1), rng.normal(0.5, 1, n2)

    u, p, exact = mann_whitney(x, y)

    ref = stats.mannwhitneyu(x, y, method="exact")
    assert exact and u == float(ref.statistic)
    assert p == pytest.approx(float(ref.pvalue), rel=1e-12)


def test_mann_whitney_falls_back_to_the_normal_approximation_with_ties_or_large_n() -> None:
    tied = np.array([1.0, 2.0, 2.0, 3.0, 4.0]), np.array([2.0, 3.0, 5.0, 6.0])
    large = np.arange(30.0), np.arange(30.0) + 5.5

    for x, y in (tied, large):
        _, p, exact = mann_whitney(x, y)
        assert not exact
        assert p == pytest.approx(float(stats.mannwhitneyu(x, y, method="asymptotic").pvalue), rel=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(5, 0), (12, 1), (25, 2)])
def test_exact_wilcoxon_matches_scipy_exact(n: int, seed: int) -> None:
    d = np.random.default_rng(seed).normal(0.4, 1, n)

    w, p, exact = wilcoxon(d)

    assert exact
    assert p == pytest.approx(float(stats.wilcoxon(d, method="exact").pvalue), rel=1e-12)
    assert w == pytest.approx(float(np.sum(stats.rankdata(np.abs(d))[d > 0])))


def test_wilcoxon_with_zeros_uses_the_normal_approximation() -> None:
    d = np.array([0.0, 1.0, 2.0, -1.5, 3.0, 4.0, 5.0, 6.0, -0.25, 7.0])

    _, p, exact = wilcoxon(d)

    assert not exact
    assert p == pytest.approx(float(stats.wilcoxon(d, method="asymptotic", correction=True).pvalue), rel=1e-9)


def test_exact_p_functions_directly() -> None:
    assert mann_whitney_exact_p(0.0, 3, 3) == pytest.approx(2 / math.comb(6, 3))
    assert wilcoxon_exact_p(0.0, 4) == pytest.approx(2 / 2**4)


def test_student_t_tail_matches_scipy_over_a_grid() -> None:
    t = np.array([0.0, 0.5, 1.96, 2.5, 4.0, 10.0, -3.0])
    for df in (1.0, 2.5, 7.0, 30.0, 200.0):
        assert t_two_sided_p(t, np.full(t.size, df)) == pytest.approx(
            2 * stats.t.sf(np.abs(t), df), rel=1e-9, abs=1e-15
        )


def test_welch_and_one_sample_t_match_scipy() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.normal(0, 1, 14), rng.normal(0.7, 2, 9)

    t, p = welch_t(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert (t, p) == pytest.approx((float(ref.statistic), float(ref.pvalue)), rel=1e-9)
    t1, p1 = one_sample_t(b - 0.2)
    ref1 = stats.ttest_1samp(b - 0.2, 0.0)
    assert (t1, p1) == pytest.approx((float(ref1.statistic), float(ref1.pvalue)), rel=1e-9)
    _, _, pv = welch_t_arrays(
        (np.array([a.mean()]), np.array([a.var(ddof=1)]), np.array([a.size])),
        (np.array([b.mean()]), np.array([b.var(ddof=1)]), np.array([b.size])),
    )
    assert pv[0] == pytest.approx(float(ref.pvalue), rel=1e-9)


def test_t_tests_without_spread() -> None:
    assert welch_t([1.0, 1.0], [2.0, 2.0])[1] == 0.0
    assert welch_t([1.0, 1.0], [1.0, 1.0])[1] == 1.0
    assert welch_t([1.0], [2.0, 3.0])[1] is None
    assert one_sample_t(np.array([0.0, 0.0, 0.0]))[1] == 1.0


def _u_null_brute(n1: int, n2: int) -> np.ndarray:
    """U of the first sample over every assignment of ranks 1..N (the definition of the exact null)."""
    ranks = np.arange(1, n1 + n2 + 1)
    return np.array([sum(c) - n1 * (n1 + 1) / 2 for c in itertools.combinations(ranks, n1)])


def test_hodges_lehmann_and_exact_moses_interval_against_enumeration() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 6), rng.normal(1, 1, 7)
    diffs = np.sort((b[:, None] - a[None, :]).ravel())
    null = _u_null_brute(6, 7)
    # k = smallest q with P(U <= q) >= alpha/2 (R's qwilcox), interval [D_(k), D_(N+1-k)].
    k = next(q for q in range(43) if np.mean(null <= q) >= 0.025)

    estimate, low, high = hodges_lehmann(a, b)

    assert estimate == pytest.approx(float(np.median(diffs)))
    assert (low, high) == (diffs[k - 1], diffs[diffs.size - k])


def test_hodges_lehmann_normal_interval_and_bisection_for_large_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0, 1, 60), rng.normal(0.5, 1, 45)
    diffs = np.sort((b[:, None] - a[None, :]).ravel())
    k = math.floor(diffs.size / 2 - stats.norm.ppf(0.975) * math.sqrt(60 * 45 * 106 / 12))  # Hollander & Wolfe 4.3

    direct = hodges_lehmann(a, b)
    monkeypatch.setattr(rt, "_PAIRWISE_LIMIT", 10)
    bisected = hodges_lehmann(a, b)

    assert direct == (float(np.median(diffs)), diffs[k - 1], diffs[diffs.size - k])
    assert bisected == direct


def test_paired_hodges_lehmann_against_walsh_averages_and_sign_enumeration() -> None:
    d = np.array([1.2, 2.3, 3.1, -0.5, 4.4, 5.6, 6.0, 7.7, 8.1, 9.9])
    walsh = np.sort([(d[i] + d[j]) / 2 for i in range(10) for j in range(i, 10)])
    w_null = np.array(
        [
            sum(r for r, s in zip(range(1, 11), signs, strict=True) if s)
            for signs in itertools.product([0, 1], repeat=10)
        ]
    )
    k = next(q for q in range(56) if np.mean(w_null <= q) >= 0.025)

    estimate, low, high = hodges_lehmann_paired(d)

    assert estimate == pytest.approx(float(np.median(walsh)))
    assert (low, high) == (walsh[k - 1], walsh[walsh.size - k])


def test_cliffs_delta_against_the_dominance_matrix() -> None:
    rng = np.random.default_rng(6)
    a = rng.integers(1, 6, 23).astype(float)  # ties
    b = rng.integers(2, 7, 17).astype(float)
    dom = np.sign(b[None, :] - a[:, None])  # rows a_i, columns b_j
    n1, n2 = dom.shape
    delta = dom.mean()
    di, dj = dom.mean(axis=1), dom.mean(axis=0)
    # Cliff (1993) eq. 9, unbiased variance; floor (1 - d^2)/(n1 n2 - 1); Feng & Cliff (2004) interval.
    var = (n2**2 * ((di - delta) ** 2).sum() + n1**2 * ((dj - delta) ** 2).sum() - ((dom - delta) ** 2).sum()) / (
        n1 * n2 * (n1 - 1) * (n2 - 1)
    )
    var = max(var, (1 - delta**2) / (n1 * n2 - 1))
    z = stats.norm.ppf(0.975)
    spread = z * math.sqrt(var) * math.sqrt((1 - delta**2) ** 2 + z * z * var)
    denom = 1 - delta**2 + z * z * var

    estimate, low, high = cliffs_delta(a, b)

    u_b = stats.mannwhitneyu(b, a).statistic
    assert estimate == pytest.approx(delta) == pytest.approx(2 * u_b / (n1 * n2) - 1)
    assert (low, high) == pytest.approx(((delta - delta**3 - spread) / denom, (delta - delta**3 + spread) / denom))


def test_cliffs_delta_degenerate_is_null() -> None:
    assert cliffs_delta([1.0], [2.0]) == (1.0, None, None)
    assert cliffs_delta([1.0, 2.0], []) == (None, None, None)
    tied, low, high = cliffs_delta([1.0, 1.0, 1.0], [1.0, 1.0])
    assert (
        tied == 0.0 and low is not None and high is not None and low == pytest.approx(-high)
    )  # Cliff's floor on the variance keeps it open


@pytest.mark.parametrize(("b", "c"), [(7, 1), (0, 0), (3, 3), (12, 2), (30, 14)])
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    p, exact = mcnemar(b, c)

    table = [[5, c], [b, 5]]
    ref = sm_mcnemar(table, exact=b + c <= 25, correction=True)
    assert exact == (b + c <= 25)
    assert p == pytest.approx(min(1.0, float(ref.pvalue)), rel=1e-9)
