"""score_agreement: intervals on the correlations and on Bland–Altman, the input as the unit, the scale check."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy.stats import norm, pearsonr, spearmanr
from scipy.stats import t as t_dist

from roe_analysis import JobFrames
from roe_analysis.analysis import ScaleMismatchWarning, score_agreement, score_disagreements
from roe_analysis.errors import InvalidArgumentError

AGENT = "00000000-0000-4000-8000-0000000000aa"


def scores(grader: Any, human: Any, **columns: Any) -> pl.DataFrame:
    """A jobs frame with the given scores (and any other columns); the rest null."""
    grader, human = list(grader), list(human)
    data = {"id": [f"job-{i:04d}" for i in range(len(grader))], "grader_score": grader, "human_score": human}
    inputs = columns.pop("input_id", None)
    jobs = JobFrames.from_tables(jobs=data | columns).jobs
    return jobs if inputs is None else jobs.with_columns(input_id=pl.Series(inputs, dtype=pl.String))


def correlated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    grader = rng.uniform(0, 1, n)
    return grader, np.clip(grader + rng.normal(0, 0.25, n), 0, 1)


def bland_altman_reference(diff: np.ndarray, n_eff: float, confidence: float) -> dict[str, tuple[float, float]]:
    """Bland & Altman (1999) §2.3: SE(bias) = s/√n, SE(limit) ≈ √(3s²/n), t on n-1 df; limits bias ∓ 1.96 s."""
    z, s = t_dist.ppf(0.5 + confidence / 2, n_eff - 1), diff.std(ddof=1)
    bias = diff.mean()
    limits = {"loa_low": bias - norm.ppf(0.975) * s, "loa_high": bias + norm.ppf(0.975) * s}
    out = {"bias": (bias - z * s / math.sqrt(n_eff), bias + z * s / math.sqrt(n_eff))}
    for name, value in limits.items():
        half = z * math.sqrt(3 * s * s / n_eff)
        out[name] = (value - half, value + half)
    return out


def bonett_wright(r: float, n_eff: float, z: float) -> tuple[float, float]:
    """Fisher z with Bonett & Wright (2000) variance (1 + r²/2)/(n - 3) for Spearman's rho."""
    half = z * math.sqrt((1 + r * r / 2) / (n_eff - 3))
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_intervals_equal_scipy_fisher_z_and_bland_altman_1999(confidence: float) -> None:
    grader, human = correlated(150, seed=1)

    result = score_agreement(scores(grader, human), by=None, confidence=confidence).row(0, named=True)

    ci = pearsonr(grader, human).confidence_interval(confidence)
    assert (result["pearson_low"], result["pearson_high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
    rho = spearmanr(grader, human).statistic
    assert result["spearman"] == pytest.approx(rho, abs=1e-12)
    expected = bonett_wright(rho, 150, norm.ppf(0.5 + confidence / 2))
    assert (result["spearman_low"], result["spearman_high"]) == pytest.approx(expected, abs=1e-12)
    for name, (low, high) in bland_altman_reference(grader - human, 150, confidence).items():
        assert (result[f"{name}_low"], result[f"{name}_high"]) == pytest.approx(
            (low, high), abs=1e-7
        )  # t_quantile: Cornish–Fisher, exact to 1e-7 at 149 df
    diff = grader - human
    assert result["loa_low"] == pytest.approx(diff.mean() - norm.ppf(0.975) * diff.std(ddof=1), abs=1e-12)
    assert (result["n"], result["n_pairs"], result["n_inputs"], result["design_effect"]) == (150, 150, None, None)
    assert (result["too_few"], result["note"]) == (False, None)


def test_distinct_inputs_give_design_effect_one_and_the_scipy_interval() -> None:
    grader, human = correlated(60, seed=2)
    jobs = scores(grader, human, input_id=[f"in-{i}" for i in range(60)])

    result = score_agreement(jobs, by=None).row(0, named=True)

    ci = pearsonr(grader, human).confidence_interval()
    assert (result["n_inputs"], result["design_effect"]) == (60, pytest.approx(1.0, abs=1e-12))
    assert (result["pearson_low"], result["pearson_high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_reruns_of_one_input_shrink_the_effective_n_by_the_design_effect() -> None:
    rng = np.random.default_rng(3)
    inputs, runs = 25, 4
    grader = np.repeat(rng.uniform(0, 1, inputs), runs) + rng.normal(0, 0.02, inputs * runs)
    human = grader + np.repeat(rng.normal(0, 0.2, inputs), runs) + rng.normal(0, 0.05, inputs * runs)
    groups = np.repeat(np.arange(inputs), runs)
    jobs = scores(grader, human, input_id=[f"in-{g}" for g in groups])

    result = score_agreement(jobs, by=None).row(0, named=True)

    # cluster-robust variance of the mean difference (statsmodels, no small-sample factor) × G/(G-1)
    diff = grader - human
    fit = sm.OLS(diff, np.ones_like(diff)).fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    deff = inputs / (inputs - 1) * fit.cov_params()[0, 0] / (diff.var(ddof=1) / diff.size)
    n_eff = diff.size / deff
    assert deff > 2
    assert (result["n"], result["n_inputs"], result["design_effect"]) == (100, 25, pytest.approx(deff, rel=1e-9))
    r = pearsonr(grader, human).statistic
    half = norm.ppf(0.975) / math.sqrt(n_eff - 3)
    expected = (math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half))
    assert (result["pearson_low"], result["pearson_high"]) == pytest.approx(expected, abs=1e-9)
    for name, (low, high) in bland_altman_reference(diff, n_eff, 0.95).items():
        assert (result[f"{name}_low"], result[f"{name}_high"]) == pytest.approx((low, high), abs=1e-7)


def test_bias_interval_covers_with_reruns_per_input() -> None:
    """Seeded simulation: 200 replicates of 30 inputs × 3 correlated runs; true bias 0.05."""
    rng = np.random.default_rng(4)
    inputs, runs, replicates = 30, 3, 200
    groups = [f"in-{g}" for g in np.repeat(np.arange(inputs), runs)]
    covered = 0
    for _ in range(replicates):
        grader = rng.uniform(40, 60, inputs * runs)  # 0–100, so both sides stay on one scale
        diff = 0.05 + np.repeat(rng.normal(0, 0.2, inputs), runs) + rng.normal(0, 0.05, inputs * runs)
        row = score_agreement(scores(grader, grader - diff, input_id=groups), by=None).row(0, named=True)
        covered += row["bias_low"] <= 0.05 <= row["bias_high"]
    assert covered / replicates >= 0.93  # 0.952 over 1,000 replicates; the naive interval (n = 90) covers 0.76


def test_inputs_are_derived_from_job_frames() -> None:
    records = [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "status_code": 3,
            "created_at": "2026-05-01T10:00:00Z",
            "job_inputs": [{"key": "text", "value": f"case {i % 4}"}],
            "evaluation": {"grader_score": 0.1 * (i % 10), "human_score": 0.1 * ((i * 7) % 10)},
        }
        for i in range(12)
    ]
    frames = JobFrames.from_records(records, agent_id=AGENT)

    result = score_agreement(frames, by=None).row(0, named=True)

    assert (result["n"], result["n_inputs"], result["too_few"]) == (12, 4, True)
    assert result["note"].startswith("too few to tell: 4 inputs, fewer than 10")
    assert result["pearson_low"] is None and result["bias_low"] is None


@pytest.mark.parametrize(("n", "too_few"), [(9, True), (10, False)])
def test_below_min_n_there_is_no_interval(n: int, too_few: bool) -> None:
    grader, human = correlated(n, seed=5)

    result = score_agreement(scores(grader, human), by=None).row(0, named=True)

    assert result["too_few"] is too_few
    interval_columns = [
        f"{s}_{side}" for s in ("pearson", "spearman", "bias", "loa_low", "loa_high") for side in ("low", "high")
    ]
    assert all((result[c] is None) is too_few for c in interval_columns)
    assert result["pearson"] == pytest.approx(pearsonr(grader, human).statistic, abs=1e-12)


def test_degenerate_intervals_are_null_not_zero_width() -> None:
    grader = np.linspace(0.05, 0.95, 20)
    result = score_agreement(scores(grader, grader - 0.05), by=None).row(0, named=True)  # r = 1, constant difference

    assert result["pearson"] == pytest.approx(1.0)
    assert (result["pearson_low"], result["spearman_low"], result["bias_low"], result["loa_low_low"]) == (None,) * 4
    assert result["bias"] == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("grader_range", "human_range", "grader_scale", "human_scale", "hint"),
    [
        ((0.0, 1.0), (1.0, 5.0), "0–1", "1–5", "(human_score - 1) / 4"),
        ((0.0, 10.0), (0.0, 100.0), "0–10", "0–100", "grader_score / 10 and human_score / 100"),
        ((1.0, 5.0), (0.0, 10.0), "1–5", "0–10", "(grader_score - 1) / 4 and human_score / 10"),
        ((0.0, 100.0), (0.0, 1.0), "0–100", "0–1", "grader_score / 100"),
    ],
)
def test_the_scale_check_recognises_the_common_scales_and_names_both(
    grader_range: tuple[float, float], human_range: tuple[float, float], grader_scale: str, human_scale: str, hint: str
) -> None:
    u = np.linspace(0, 1, 12)
    grader = grader_range[0] + u * (grader_range[1] - grader_range[0])
    human = human_range[0] + u[::-1] * (human_range[1] - human_range[0])

    with pytest.warns(ScaleMismatchWarning) as caught:
        result = score_agreement(scores(grader, human), by=None).row(0, named=True)

    message = str(caught[0].message)
    assert f"grader_score on {grader_scale}" in message and f"human_score on {human_scale}" in message
    assert hint in message
    assert (result["grader_scale"], result["human_scale"], result["scales_differ"]) == (grader_scale, human_scale, True)
    assert "different scales" in result["note"]


def test_same_scale_does_not_warn_and_an_unrecognised_side_uses_the_magnitude_rule() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = score_agreement(scores([1, 2, 3, 5], [2, 2, 4, 4]), by=None).row(0, named=True)
        signed = score_agreement(scores([-0.5, 0.5, 1.0], [0.1, 0.5, 0.9]), by=None).row(0, named=True)
    assert (same["grader_scale"], same["human_scale"], same["scales_differ"]) == ("1–5", "1–5", False)
    assert (signed["grader_scale"], signed["scales_differ"]) == (None, False)
    with pytest.warns(ScaleMismatchWarning, match="grader_score on no common scale"):
        mixed = score_agreement(scores([-0.5, 0.5, 1.0], [10.0, 50.0, 90.0]), by=None).row(0, named=True)
    assert mixed["scales_differ"] is True


def test_score_disagreements_names_both_scales() -> None:
    with pytest.warns(ScaleMismatchWarning, match="grader_score on 0–1 .* against human_score on 0–100"):
        score_disagreements(scores([0.2, 0.9], [20.0, 85.0]))


def test_the_schema_is_fixed_empty_or_not() -> None:
    grader, human = correlated(12, seed=6)
    full = score_agreement(scores(grader, human, agent_version_name=["v1"] * 12), threshold=0.5)
    empty = score_agreement(JobFrames.empty(), threshold=0.5)

    assert empty.height == 0
    assert empty.schema == full.schema
    assert full.schema["n_inputs"] == pl.UInt32 and full.schema["note"] == pl.String


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 1.5}, "confidence must be between 0 and 1"),
        ({"cluster": "customer"}, "cluster='customer' is not a column"),
        ({"by": "pearson_low"}, "cannot group by"),
    ],
)
def test_bad_options_raise_before_work(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        score_agreement(scores([0.1], [0.2]), **{"by": None, **kwargs})
