"""The input as the unit of score intervals: references (statsmodels, scipy) and seeded coverage.

Simulation: 20 inputs × 10 runs, a per-input random effect u ~ N(0, 1) and run noise e ~ N(0, 1)
(score = 5 + u + e, intra-class correlation 0.5); a run passes with probability logistic(0.5 + 1.5u).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from roe_analysis.analysis import score_summary
from roe_analysis.analysis._score_intervals import cluster_mean_interval, cluster_wilson_interval, t_quantile
from roe_analysis.analysis._units import MIN_N

G, M = 20, 10
CLUSTERS = np.repeat(np.arange(G), M)


def simulate(rng: np.random.Generator, replicates: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, passed)``, each ``replicates × (G·M)``."""
    u = rng.normal(0, 1, (replicates, G))[:, CLUSTERS]
    scores = 5 + u + rng.normal(0, 1, u.shape)
    passed = (rng.random(u.shape) < 1 / (1 + np.exp(-(0.5 + 1.5 * u)))).astype(np.float64)
    return scores, passed


def true_pass_rate() -> float:
    """E[logistic(0.5 + 1.5u)], u ~ N(0, 1), by Gauss–Hermite quadrature (numpy)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    return float((weights / 1 / np.sqrt(2 * np.pi) / (1 + np.exp(-(0.5 + 1.5 * nodes)))).sum())


def test_t_quantile_matches_scipy() -> None:
    for df in [5, 9, 19, 50, 1000]:
        for confidence in [0.9, 0.95]:
            assert t_quantile(confidence, df) == pytest.approx(
                stats.t.ppf(0.5 + confidence / 2, df), abs=5e-4 if df < 9 else 1e-4
            )


def test_design_effect_and_intervals_match_statsmodels_and_scipy() -> None:
    scores, passed = simulate(np.random.default_rng(7), 1)
    x, y = scores[0], passed[0]
    jobs = pl.DataFrame({"input_id": CLUSTERS.astype(str), "grader_score": np.where(y == 1, x, x - 10)})
    row = score_summary(jobs, by=None, threshold=0.0, n_resamples=20_000).row(0, named=True)
    values = jobs.get_column("grader_score").to_numpy()
    fit = lambda v: sm.OLS(v, np.ones(v.size))  # noqa: E731  intercept-only: the variance of a mean
    for v, column in [(values, "design_effect"), ((values >= 0).astype(float), "pass_design_effect")]:
        robust = fit(v).fit(cov_type="cluster", cov_kwds={"groups": CLUSTERS}).bse[0] ** 2
        naive = fit(v).fit().bse[0] ** 2
        assert row[column] == pytest.approx(robust / naive, rel=1e-9)
    # Wilson with n_eff = n / deff and the t_{G-1} critical value, as statsmodels' Wilson at that alpha.
    p = (values >= 0).mean()
    n_eff = values.size / max(1.0, row["pass_design_effect"])
    alpha = 2 * stats.norm.sf(stats.t.ppf(0.975, G - 1))
    assert (row["pass_low"], row["pass_high"]) == pytest.approx(
        proportion_confint(p * n_eff, n_eff, alpha=alpha, method="wilson"), abs=1e-4
    )
    # Equal cluster sizes: the cluster bootstrap of the mean is the bootstrap of the input means.
    means = values.reshape(G, M).mean(axis=1)
    alpha = 2 * stats.norm.cdf(-np.sqrt(G / (G - 1)) * stats.t.ppf(0.975, G - 1))
    expected = stats.bootstrap(
        (means,), np.mean, n_resamples=20_000, method="percentile", confidence_level=1 - alpha,
        rng=np.random.default_rng(3),
    ).confidence_interval  # fmt: skip
    width = expected.high - expected.low
    assert row["mean_low"] == pytest.approx(expected.low, abs=0.03 * width)
    assert row["mean_high"] == pytest.approx(expected.high, abs=0.03 * width)
    assert (row["n"], row["n_inputs"], row["too_few"], row["note"]) == (200, 20, False, None)


def test_interval_functions_cover_and_the_run_level_interval_does_not() -> None:
    scores, passed = simulate(np.random.default_rng(2024), 1000)
    truth_p = true_pass_rate()
    runs = np.arange(G * M)

    def coverage(clusters: np.ndarray) -> tuple[float, float]:
        mean_hits = pass_hits = 0
        for i in range(scores.shape[0]):
            low, high = cluster_mean_interval(scores[i], clusters, confidence=0.95, n_resamples=1000, seed=i)
            mean_hits += low is not None and high is not None and low <= 5.0 <= high
            plow, phigh = cluster_wilson_interval(passed[i], clusters, confidence=0.95)
            pass_hits += plow is not None and phigh is not None and plow <= truth_p <= phigh
        return mean_hits / scores.shape[0], pass_hits / scores.shape[0]

    by_input = coverage(CLUSTERS)
    by_run = coverage(runs)  # today's run-level interval: every run its own unit

    assert min(by_input) >= 0.93, by_input
    assert max(by_run) < 0.8, by_run


def test_score_summary_covers_through_the_public_helper() -> None:
    replicates = 1000
    scores, passed = simulate(np.random.default_rng(99), replicates)
    truth_p = true_pass_rate()
    # A run passes a threshold of 0 exactly when it passed: failing runs are shifted below 0.
    jobs = pl.DataFrame(
        {
            "replicate": np.repeat(np.arange(replicates), G * M),
            "input_id": np.tile(CLUSTERS, replicates).astype(str),
            "grader_score": scores.ravel(),
            "pass_score": np.where(passed.ravel() == 1, 1.0, -1.0),
        }
    )

    means = score_summary(jobs, by="replicate", n_resamples=1000)
    rates = score_summary(jobs, by="replicate", metric="pass_score", threshold=0.0)

    mean_cover = float(means.select(((pl.col("mean_low") <= 5.0) & (pl.col("mean_high") >= 5.0)).mean()).item())
    pass_cover = float(rates.select(((pl.col("pass_low") <= truth_p) & (pl.col("pass_high") >= truth_p)).mean()).item())
    assert mean_cover >= 0.93 and pass_cover >= 0.93, (mean_cover, pass_cover)
    assert means.get_column("n_inputs").unique().to_list() == [G]


def test_below_min_n_inputs_no_interval() -> None:
    clusters = np.repeat(np.arange(MIN_N - 1), 5)
    values = np.random.default_rng(0).normal(size=clusters.size)
    assert cluster_mean_interval(values, clusters, confidence=0.95, n_resamples=100, seed=0) == (None, None)
    assert cluster_wilson_interval((values > 0).astype(float), clusters, confidence=0.95) == (None, None)
