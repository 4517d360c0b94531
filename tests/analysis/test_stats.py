"""Statistical building blocks against scipy/statsmodels (test-only references) and hand results."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from roe_analysis.analysis._stats import (
    _resample_rows,
    bootstrap_replicates,
    holm_adjust,
    mann_whitney_u,
    newcombe_interval,
    percentile_interval,
    quantile_name,
    wilcoxon_signed_rank,
    wilson_interval,
    z_value,
)


@pytest.mark.parametrize("use_continuity", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mann_whitney_matches_scipy_with_ties(seed: int, use_continuity: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, size=rng.integers(5, 40)).astype(float)
    y = rng.integers(1, 7, size=rng.integers(5, 40)).astype(float)

    u, p = mann_whitney_u(x, y, use_continuity=use_continuity)

    expected = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=use_continuity)
    assert u == pytest.approx(float(expected.statistic), abs=1e-9)
    assert p == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_mann_whitney_tiny_p_value_keeps_precision() -> None:
    x = np.arange(200.0)
    y = np.arange(200.0) + 1000

    _, p = mann_whitney_u(x, y)

    expected = stats.mannwhitneyu(x, y, method="asymptotic").pvalue
    assert p == pytest.approx(float(expected), rel=1e-6)
    assert 0 < p < 1e-60


def test_mann_whitney_all_tied_is_p_one() -> None:
    assert mann_whitney_u([2.0, 2.0, 2.0], [2.0, 2.0]) == (3.0, 1.0)


def test_mann_whitney_rejects_empty_sample() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        mann_whitney_u([], [1.0])


@pytest.mark.parametrize("correction", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wilcoxon_matches_scipy_with_ties_and_zeros(seed: int, correction: bool) -> None:
    rng = np.random.default_rng(seed)
    d = rng.integers(-3, 5, size=40).astype(float)  # many ties and zeros

    w, p = wilcoxon_signed_rank(d, correction=correction)

    expected = stats.wilcoxon(d, method="asymptotic", correction=correction, zero_method="wilcox")
    assert p == pytest.approx(float(expected.pvalue), rel=1e-9)
    nonzero = d[d != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    assert w == pytest.approx(float(ranks[nonzero > 0].sum()))


def test_wilcoxon_all_zero_differences_is_p_one() -> None:
    assert wilcoxon_signed_rank(np.zeros(12)) == (0.0, 1.0)


# --- proportions --------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 10), (8, 10), (10, 10), (1, 1), (37, 120)])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_wilson_interval_matches_statsmodels(k: int, n: int, confidence: float) -> None:
    low, high = wilson_interval(pl.col("k"), pl.col("n"), confidence=confidence)

    result = pl.DataFrame({"k": [k], "n": [n]}).select(low.alias("low"), high.alias("high")).row(0)

    expected = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert result == pytest.approx(expected, abs=1e-12)


def test_wilson_interval_null_for_empty_group() -> None:
    low, high = wilson_interval(pl.col("k"), pl.col("n"))

    result = pl.DataFrame({"k": [0, None], "n": [0, None]}).select(low.alias("low"), high.alias("high"))

    assert result.to_dict(as_series=False) == {"low": [None, None], "high": [None, None]}


@pytest.mark.parametrize(("ka", "na", "kb", "nb"), [(5, 20, 12, 20), (0, 15, 0, 30), (30, 30, 12, 40), (3, 7, 9, 11)])
def test_newcombe_matches_statsmodels(ka: int, na: int, kb: int, nb: int) -> None:
    result = newcombe_interval(ka, na, kb, nb)

    expected = confint_proportions_2indep(kb, nb, ka, na, method="newcomb", compare="diff")
    assert result == pytest.approx(tuple(float(v) for v in expected), abs=1e-12)


def test_newcombe_empty_sample() -> None:
    assert newcombe_interval(0, 0, 3, 10) == (None, None)


# --- Holm ---------------------------------------------------------------------------------------


def test_holm_matches_statsmodels() -> None:
    p = [0.01, 0.04, 0.03, 0.2, 0.001, 0.04]

    result = holm_adjust(p)

    expected = multipletests(p, method="holm")[1]
    assert result == pytest.approx(list(expected), abs=1e-12)


def test_holm_keeps_none_in_place() -> None:
    assert holm_adjust([None, 0.02, None, 0.5]) == [None, 0.04, None, 0.5]


# --- bootstrap ----------------------------------------------------------------------------------


def test_bootstrap_ci_blocks_use_the_same_random_stream() -> None:
    values = np.random.default_rng(5).normal(size=37)

    one_pass = _resample_rows(values, lambda a: a.mean(axis=1), 101, np.random.default_rng(9), block_elements=10**9)
    blocked = _resample_rows(values, lambda a: a.mean(axis=1), 101, np.random.default_rng(9), block_elements=100)

    np.testing.assert_array_equal(one_pass, blocked)


def _ci(values: np.ndarray, statistic: float | str, n_resamples: int = 2000, seed: int = 1) -> tuple:
    reps = bootstrap_replicates(values, statistic, n_resamples=n_resamples, rng=np.random.default_rng(seed))  # type: ignore[arg-type]
    return percentile_interval(reps, 0.95)


def test_bootstrap_replicates_are_seeded_and_reproducible() -> None:
    values = np.random.default_rng(1).exponential(size=50)

    first = _ci(values, "mean", seed=3)
    assert first == _ci(values, "mean", seed=3)
    assert first != _ci(values, "mean", seed=4)


def test_percentile_interval_drops_nan_and_refuses_degenerate_intervals() -> None:
    # numpy's linear quantiles of the finite replicates, by hand: 1..5 at 2.5% and 97.5%.
    assert percentile_interval(np.array([np.nan, 1.0, 2.0, 3.0, 4.0, 5.0, np.inf]), 0.95) == (1.1, 4.9)
    assert percentile_interval(np.array([np.nan, np.nan]), 0.95) == (None, None)
    assert percentile_interval(np.array([]), 0.95) == (None, None)
    assert percentile_interval(np.full(50, 7.0), 0.95) == (None, None)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_replicates(np.array([1.0]), "mean", n_resamples=0, rng=np.random.default_rng(0))


def _brute_force(values: np.ndarray, q: float, n_resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_resamples, values.size))
    return np.quantile(values[idx], q, axis=1)


@pytest.mark.parametrize("q", [0.5, 0.9, 0.25, 1.0, 0.0])
def test_quantile_replicates_have_the_bootstrap_distribution(q: float) -> None:
    # The order-statistic shortcut must give the same distribution as resampling indices.
    values = np.array([3.0, 10.0, 1.0, 7.0, 7.0, 20.0, 4.0])
    n = 200_000

    fast = bootstrap_replicates(values, q, n_resamples=n, rng=np.random.default_rng(11))
    slow = _brute_force(values, q, n, seed=12)

    grid = np.unique(np.concatenate([fast, slow]))
    cdf_fast = np.searchsorted(np.sort(fast), grid, side="right") / n
    cdf_slow = np.searchsorted(np.sort(slow), grid, side="right") / n
    assert np.max(np.abs(cdf_fast - cdf_slow)) < 0.006


def test_quantile_ci_close_to_brute_force_on_skewed_sample() -> None:
    values = np.random.default_rng(2).lognormal(mean=7, sigma=1, size=400)

    low, high = _ci(values, 0.9, n_resamples=20_000)

    slow = _brute_force(values, 0.9, 20_000, seed=3)
    expected_low, expected_high = np.quantile(slow, [0.025, 0.975])
    width = expected_high - expected_low
    assert low == pytest.approx(expected_low, abs=0.05 * width)
    assert high == pytest.approx(expected_high, abs=0.05 * width)


def test_quantile_ci_handles_a_million_values_quickly() -> None:
    values = np.random.default_rng(0).exponential(1000.0, size=1_000_000)

    low, high = _ci(values, 0.5)

    median = np.quantile(values, 0.5)
    # The median's standard error is about 1/(2 f(m) sqrt(n)) = 1000 / sqrt(n) = 1 ms here.
    assert low is not None and high is not None
    assert low < median < high
    assert 2 < high - low < 6


def test_mean_ci_both_paths_agree_with_scipy_percentile_bootstrap() -> None:
    few_distinct = np.random.default_rng(3).integers(0, 5, size=400).astype(float)  # multinomial path
    many_distinct = np.random.default_rng(4).normal(size=400)  # index path

    for values in (few_distinct, many_distinct):
        low, high = _ci(values, "mean", n_resamples=20_000)

        expected = stats.bootstrap(
            (values,), np.mean, n_resamples=20_000, method="percentile", rng=np.random.default_rng(5)
        ).confidence_interval
        width = expected.high - expected.low
        assert low == pytest.approx(expected.low, abs=0.05 * width)
        assert high == pytest.approx(expected.high, abs=0.05 * width)


def test_mean_ci_of_constant_sample_is_no_interval() -> None:
    assert _ci(np.full(50, 3.0), "mean") == (None, None)


def test_bootstrap_replicates_rejects_unknown_statistic() -> None:
    with pytest.raises(ValueError, match="statistic must be"):
        bootstrap_replicates(np.array([1.0]), "mode", n_resamples=5, rng=np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        bootstrap_replicates(np.array([]), "mean", n_resamples=5, rng=np.random.default_rng(0))


# --- small helpers ------------------------------------------------------------------------------


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054)
    with pytest.raises(ValueError, match="between 0 and 1"):
        z_value(1.0)


@pytest.mark.parametrize(
    ("q", "expected"), [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99_9"), (0.07, "p7"), (1, "p100")]
)
def test_quantile_name(q: float, expected: str) -> None:
    assert quantile_name(q) == expected


@pytest.mark.parametrize("q", [1.5, -0.1, "0.5", True, math.nan])
def test_quantile_name_rejects_bad_values(q: object) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile_name(q)  # type: ignore[arg-type]


def test_holm_keeps_tiny_p_values_tiny() -> None:
    # A rounded adjustment once turned 1e-24 into 0, which no test can ever reach.
    p = [3.4638e-25, 2.081e-86, 1.5099e-54]
    result = holm_adjust(p)
    assert all(r is not None and r > 0 for r in result)
    np.testing.assert_allclose(result, multipletests(p, method="holm")[1], rtol=1e-12)
