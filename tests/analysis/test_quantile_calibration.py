"""Calibration: 95% intervals for p50 and p90 of durations cover at least 0.93 (issue 10, item 4).

Seeded, vectorised simulation on lognormal durations (the shape of job durations) at the sizes the
report uses. The order-statistic interval is conservative (the binomial is discrete), so coverage
sits at or above the nominal 0.95: exactly 0.955-0.974 at these sizes, the one-sided p90 bound at
n = 30 the highest (conservative methods may exceed 0.98 elsewhere). The test asserts >= 0.93 and
that the simulated coverage matches the exact binomial coverage P(l <= B < u) computed with scipy.
The percentile bootstrap it replaced covers less for p90 at n = 30 (0.85 here).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from roe_analysis.analysis import duration_summary
from roe_analysis.analysis._quantiles import order_statistic_ranks
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
