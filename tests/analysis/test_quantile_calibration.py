"""Calibration: 95% intervals for p50 and p90 of durations cover at least 0.93 (issue 10, item 4).

Seeded, vectorised simulation on lognormal durations (the shape of job durations) at the sizes the
report uses. The order-statistic interval is conservative (the binomial is discrete), so coverage
sits at or above the nominal 0.95: exactly 0.955-0.974 at these sizes, the one-sided p90 bound at
n = 30 the highest (conservative methods may exceed 0.98 elsewhere). The test asserts >= 0.93 and
that the simulated coverage matches the exact binomial coverage P(l <= B < u) computed with scipy.
The percentile bootstrap it replaced covers less for p90 at n = 30 (0.85 here).

With reruns (inputs x runs, a strong per-input level) the order-statistic interval that takes runs
as independent covers 0.78-0.85 at 30 x 5 and 0.90-0.93 at 100 x 2; Woodruff's clustered interval
(what `duration_summary` uses) covers 0.95-0.97, checked on the function and end to end.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from roe_analysis.analysis import duration_summary
from roe_analysis.analysis._quantiles import (
    clustered_quantile_interval,
    order_statistic_ranks,
    quantile_design_effect,
    quantile_interval,
)
from roe_analysis.analysis._stats import bootstrap_replicates, percentile_interval
from roe_analysis.analysis._units import MIN_N

REPLICATES = 2000
MU, SIGMA = 8.0, 1.0


def true_quantile(q: float) -> float:
    return math.exp(MU + SIGMA * float(stats.norm.ppf(q)))


def samples(n: int, seed: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).lognormal(MU, SIGMA, size=(REPLICATES, n)), axis=1)


@pytest.mark.parametrize("n", [30, 100, 400])
@pytest.mark.parametrize("q", [0.5, 0.9])
def test_order_statistic_interval_covers_at_least_093(n: int, q: float) -> None:
    x = samples(n, seed=1000 * n + int(q * 100))
    truth = true_quantile(q)
    low, high = order_statistic_ranks(n, q, confidence=0.95)

    covered = np.ones(REPLICATES, dtype=bool)
    if low is not None:
        covered &= x[:, low - 1] <= truth
    if high is not None:
        covered &= x[:, high - 1] >= truth
    coverage = covered.mean()

    # Exact coverage for a continuous distribution: P(l <= B < u), B ~ Binomial(n, q).
    exact = (1.0 if high is None else stats.binom.cdf(high - 1, n, q)) - (
        0.0 if low is None else stats.binom.cdf(low - 1, n, q)
    )
    se = math.sqrt(exact * (1 - exact) / REPLICATES)
    assert coverage >= 0.93
    assert abs(coverage - exact) <= 4 * se + 1e-9
    assert exact >= 0.95  # conservative by construction (the one-sided p90 at n = 30 is 0.974)
    if n == 30 and q == 0.9:
        assert high is None  # too few runs for an upper bound: reported as "p90 ≥ x"


def test_duration_summary_uses_those_intervals() -> None:
    x = samples(100, seed=5)[:20]
    low, high = order_statistic_ranks(100, 0.9)
    assert low is not None and high is not None
    frame = pl.DataFrame(
        {
            "agent_version_name": np.repeat([f"r{i:02d}" for i in range(20)], 100),
            "terminal_status": ["SUCCESS"] * 2000,
            "duration_ms": x.ravel(),
            "is_running": [False] * 2000,
            "running_for_ms": pl.Series([None] * 2000, dtype=pl.Int64),
        }
    )

    result = duration_summary(frame, quantiles=(0.9,))

    assert result.get_column("p90_low").to_list() == x[:, low - 1].tolist()
    assert result.get_column("p90_high").to_list() == x[:, high - 1].tolist()


def test_below_min_n_no_interval_is_produced() -> None:
    x = samples(MIN_N - 1, seed=9)[:50]
    frame = pl.DataFrame(
        {
            "agent_version_name": np.repeat([f"r{i:02d}" for i in range(50)], MIN_N - 1),
            "terminal_status": ["SUCCESS"] * x.size,
            "duration_ms": x.ravel(),
            "is_running": [False] * x.size,
            "running_for_ms": pl.Series([None] * x.size, dtype=pl.Int64),
        }
    )

    result = duration_summary(frame, quantiles=(0.5, 0.9))

    assert result.select(pl.col("p50_low", "p50_high", "p90_low", "p90_high").null_count()).row(0) == (50,) * 4
    assert result.get_column("too_few").all()


def test_the_old_percentile_bootstrap_undercovers_p90_at_n30() -> None:
    x = samples(30, seed=77)[:400]
    truth = true_quantile(0.9)

    bounds = [
        percentile_interval(bootstrap_replicates(row, 0.9, n_resamples=1000, rng=np.random.default_rng(i)), 0.95)
        for i, row in enumerate(x)
    ]
    coverage = np.mean([lo is not None and hi is not None and lo <= truth <= hi for lo, hi in bounds])

    assert coverage < 0.93


# --- runs clustered by input (Woodruff's interval) ---------------------------------------------------


def clustered_samples(inputs: int, runs: int, seed: int, replicates: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Log-durations with a per-input level (sd 0.8) and run-to-run noise (sd 0.6), and the inputs."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.8, (replicates, inputs, 1))
    x = np.exp(MU + level + rng.normal(0, 0.6, (replicates, inputs, runs))).reshape(replicates, -1)
    return x, np.repeat(np.arange(inputs), runs)


def clustered_truth(q: float) -> float:
    # The runs' marginal distribution is lognormal with sigma sqrt(0.8² + 0.6²) = 1.
    return math.exp(MU + float(stats.norm.ppf(q)))


def covered(low: float | None, high: float | None, truth: float) -> bool:
    return (low is None or low <= truth) and (high is None or truth <= high) and not (low is None and high is None)


@pytest.mark.parametrize(("inputs", "runs"), [(30, 5), (100, 2)])
@pytest.mark.parametrize("q", [0.5, 0.9])
def test_clustered_intervals_cover_and_the_independent_ones_do_not(inputs: int, runs: int, q: float) -> None:
    x, clusters = clustered_samples(inputs, runs, seed=inputs * 10 + runs + int(q * 100))
    truth = clustered_truth(q)
    clustered = np.mean([covered(*clustered_quantile_interval(row, clusters, q)[:2], truth) for row in x])
    independent = np.mean([covered(*quantile_interval(row, q), truth) for row in x])
    # Woodruff's interval is conservative here too (the binomial is discrete, the ranks rounded out):
    # 0.954-0.971 on these seeds, none above 0.98.
    assert 0.93 <= clustered <= 0.98, clustered
    if runs == 5:  # five correlated runs per input: the independent interval is far too narrow (0.78-0.83)
        assert independent < 0.85, independent
    else:  # two runs per input: still below nominal (0.91-0.93), clearly under the clustered one
        assert independent < 0.94, independent
        assert clustered - independent >= 0.03, (clustered, independent)


@pytest.mark.parametrize(("inputs", "runs"), [(30, 5), (100, 2)])
def test_duration_summary_covers_with_reruns_and_would_not_without_the_input(inputs: int, runs: int) -> None:
    """End to end: one ``duration_summary`` group per replicate, the input from ``input_id``."""
    x, clusters = clustered_samples(inputs, runs, seed=7 * inputs + runs)
    replicates = x.shape[0]
    durations = pl.DataFrame(
        {
            "replicate": np.repeat(np.arange(replicates), inputs * runs),
            "terminal_status": "SUCCESS",
            "duration_ms": x.ravel(),
            "is_running": False,
            "running_for_ms": None,
            "input_id": np.tile([f"in{c}" for c in clusters], replicates),
        },
        schema_overrides={"running_for_ms": pl.Int64},
    )
    clustered = duration_summary(durations, by="replicate", quantiles=(0.5, 0.9))
    independent = duration_summary(durations.drop("input_id"), by="replicate", quantiles=(0.5, 0.9))
    assert clustered.height == replicates
    assert (clustered.get_column("n_inputs") == inputs).all()
    assert float(clustered.select((pl.col("design_effect") > 1).mean()).item()) > 0.95
    for q, name in ((0.5, "p50"), (0.9, "p90")):
        truth = clustered_truth(q)

        def coverage(result: pl.DataFrame, name: str = name, truth: float = truth) -> float:
            low, high = pl.col(f"{name}_low"), pl.col(f"{name}_high")
            hit = (low.is_null() | (low <= truth)) & (high.is_null() | (high >= truth))
            return float(result.select((hit & (low.is_not_null() | high.is_not_null())).mean()).item())

        # On these seeds: clustered 0.962-0.972 (conservative, not above 0.98); independent runs
        # 0.80/0.85 at 30 x 5 and 0.90/0.93 at 100 x 2 (p50/p90).
        assert 0.93 <= coverage(clustered) <= 0.98, coverage(clustered)
        assert coverage(independent) < coverage(clustered) - 0.025


def test_clustered_ranks_are_the_binomial_ranks_of_the_effective_sample_scaled_to_the_runs() -> None:
    rng = np.random.default_rng(5)
    levels = rng.normal(0, 1, 40)
    values = np.exp(np.repeat(levels, 3) + rng.normal(0, 0.3, 120))
    clusters = np.repeat(np.arange(40), 3)
    low, high, n_eff = clustered_quantile_interval(values, clusters, 0.5)

    # Hand: the design effect of 1{x <= median} by input (Kish; cluster-robust variance over s²/N).
    below = (values <= np.quantile(values, 0.5)).astype(float)
    sums = np.bincount(clusters, weights=below)
    robust = 40 / 39 * ((sums - 3 * below.mean()) ** 2).sum() / 120**2
    deff = robust / (below.var(ddof=1) / 120)
    assert n_eff == pytest.approx(120 / deff, rel=1e-12)
    m = math.floor(n_eff)
    # Equal-tailed ranks from scipy's binomial: l the largest with P(B <= l-1) <= 2.5%, u the smallest
    # with P(B >= u) <= 2.5%, B ~ Binomial(m, 0.5).
    ranks = np.arange(1, m + 1)
    l_rank = int(ranks[stats.binom.cdf(ranks - 1, m, 0.5) <= 0.025 + 1e-12].max())
    u_rank = int(ranks[stats.binom.sf(ranks - 1, m, 0.5) <= 0.025 + 1e-12].min())
    ordered = np.sort(values)
    assert low == ordered[math.floor(l_rank * 120 / m) - 1]
    assert high == ordered[math.ceil(u_rank * 120 / m) - 1]


def test_duration_summary_carries_the_design_effect_and_the_clustered_intervals() -> None:
    x, clusters = clustered_samples(30, 4, seed=3, replicates=1)
    durations = pl.DataFrame(
        {
            "agent_version_name": "v1",
            "duration_ms": x[0],
            "is_running": False,
            "running_for_ms": None,
            "terminal_status": "SUCCESS",
            "input_id": [f"in{c}" for c in clusters],
        },
        schema_overrides={"running_for_ms": pl.Float64},
    )
    row = duration_summary(durations, quantiles=(0.5, 0.9)).row(0, named=True)
    assert (row["n_measured"], row["n_inputs"]) == (120, 30)
    assert row["design_effect"] == pytest.approx(quantile_design_effect(x[0], clusters, 0.5), abs=1e-12)
    assert row["design_effect"] > 1.5
    assert (row["p50_low"], row["p50_high"]) == clustered_quantile_interval(x[0], clusters, 0.5)[:2]
    assert (row["p90_low"], row["p90_high"]) == clustered_quantile_interval(x[0], clusters, 0.9)[:2]
