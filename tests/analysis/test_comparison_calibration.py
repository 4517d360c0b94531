"""Calibration of the version comparison by seeded, vectorised simulation (issue 10, acceptance).

20 inputs × 10 runs per version, no true difference, runs of one input strongly correlated (input
effect sd 1, run noise sd 0.5: intra-class correlation 0.8). The tests `compare_versions` uses on
per-input values must reject at most 7% of the time at α = 0.05; the old run-level Mann–Whitney
(every run independent) rejects far more, which shows the simulation can fail.
"""

from __future__ import annotations

import math
import time

import numpy as np
import polars as pl
import pytest
from scipy import stats

from roe_analysis.analysis import compare_versions
from roe_analysis.analysis._comparison_stats import _unbiased
from roe_analysis.analysis._rank_tests import _u_counts, t_two_sided_p, welch_t_arrays
from roe_analysis.analysis._units import cluster_bootstrap_mean

REPLICATES = 2000
INPUTS, RUNS = 20, 10
ALPHA = 0.05


def simulate(rng: np.random.Generator, shared_inputs: bool) -> tuple[np.ndarray, np.ndarray]:
    """Runs of each version, shape (replicates, inputs, runs); same input effects when shared."""
    effect_a = rng.normal(0, 1, (REPLICATES, INPUTS, 1))
    effect_b = effect_a if shared_inputs else rng.normal(0, 1, (REPLICATES, INPUTS, 1))
    noise = 0.5
    a = effect_a + rng.normal(0, noise, (REPLICATES, INPUTS, RUNS))
    b = effect_b + rng.normal(0, noise, (REPLICATES, INPUTS, RUNS))
    return a, b


def run_level_mann_whitney_p(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Today's old method: Mann–Whitney on every run (continuous data: no ties), normal approximation."""
    x, y = a.reshape(REPLICATES, -1), b.reshape(REPLICATES, -1)
    n1, n2 = x.shape[1], y.shape[1]
    ranks = np.argsort(np.argsort(np.concatenate([x, y], axis=1), axis=1), axis=1) + 1
    u = ranks[:, :n1].sum(axis=1) - n1 * (n1 + 1) / 2
    z = (np.abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return 2 * stats.norm.sf(z)


def test_unpaired_per_input_tests_hold_their_level_where_run_level_does_not() -> None:
    start = time.perf_counter()
    a, b = simulate(np.random.default_rng(20261203), shared_inputs=False)
    ga, gb = a.mean(axis=2), b.mean(axis=2)

    # The mean: Welch on per-input means (what compare_versions uses unpaired).
    n = np.full(REPLICATES, float(INPUTS))
    _, _, p_welch = welch_t_arrays((ga.mean(1), ga.var(1, ddof=1), n), (gb.mean(1), gb.var(1, ddof=1), n))
    # The median: exact Mann–Whitney on per-input medians (20 a side, no ties).
    ma, mb = np.median(a, axis=2), np.median(b, axis=2)
    u = (mb[:, :, None] > ma[:, None, :]).sum(axis=(1, 2))
    tail = np.cumsum(_u_counts(INPUTS, INPUTS)[::-1])[::-1] / math.comb(2 * INPUTS, INPUTS)
    p_exact = np.minimum(1.0, 2 * tail[np.maximum(u, INPUTS * INPUTS - u)])
    p_old = run_level_mann_whitney_p(a, b)
    elapsed = time.perf_counter() - start

    assert np.mean(p_welch < ALPHA) <= 0.07
    assert np.mean(p_exact < ALPHA) <= 0.07
    assert np.mean(p_welch < ALPHA) >= 0.03  # not merely conservative
    assert np.mean(p_old < ALPHA) > 0.3
    assert elapsed < 20


def test_paired_per_input_tests_hold_their_level() -> None:
    a, b = simulate(np.random.default_rng(7), shared_inputs=True)
    d = b.mean(axis=2) - a.mean(axis=2)

    t = d.mean(1) / (d.std(1, ddof=1) / math.sqrt(INPUTS))
    p_t = t_two_sided_p(t, np.full(REPLICATES, INPUTS - 1.0))

    assert np.mean(p_t < ALPHA) <= 0.07


def test_compare_versions_itself_on_a_few_replicates_agrees_with_the_vectorised_test() -> None:
    # The vectorised Welch above is the function compare_versions calls: check a few replicates end to end.
    a, b = simulate(np.random.default_rng(3), shared_inputs=False)
    for r in range(3):
        rows = [
            {"job_id": f"{v}{r}-{i}-{k}", "agent_version_name": v, "input_id": f"{v}-q{i}", "grader_score": float(x)}
            for v, runs in (("a", a[r]), ("b", b[r]))
            for i in range(INPUTS)
            for k, x in enumerate(runs[i])
        ]
        row = compare_versions(pl.DataFrame(rows), "a", "b", paired=False, n_resamples=200).row(0, named=True)
        expected = stats.ttest_ind(b[r].mean(1), a[r].mean(1), equal_var=False).pvalue
        assert row["p_value"] == pytest.approx(float(expected), rel=1e-9)
        assert (row["n_a"], row["n_inputs_a"]) == (INPUTS * RUNS, INPUTS)


def test_cluster_bootstrap_interval_of_the_difference_covers() -> None:
    # The interval compare_versions prints for an unpaired mean, from the functions compare_unpaired
    # calls: whole inputs resampled on each side (`cluster_bootstrap_mean`), spread corrected by
    # √(G/(G-1)) (`_unbiased`); 2,000 replicates of 20 inputs × 10 runs, true difference 0. (The
    # uncorrected percentile bootstrap covers ≈ 0.93 here.)
    rng = np.random.default_rng(11)
    a, b = simulate(rng, shared_inputs=False)
    labels = np.repeat(np.arange(INPUTS), RUNS)
    covered = 0
    for r in range(REPLICATES):
        ra_, rb_ = a[r].ravel(), b[r].ravel()
        reps_a = _unbiased(cluster_bootstrap_mean(ra_, labels, n_resamples=500, rng=rng), ra_.mean(), INPUTS)
        reps_b = _unbiased(cluster_bootstrap_mean(rb_, labels, n_resamples=500, rng=rng), rb_.mean(), INPUTS)
        low, high = np.quantile(reps_b - reps_a, [0.025, 0.975])
        covered += bool(low <= 0 <= high)

    assert covered / REPLICATES >= 0.93
