"""grader_calibration and calibration_curve: the grader as a predictor of the human decision."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm
from sklearn.calibration import calibration_curve as sk_calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from roe_analysis import JobFrames
from roe_analysis.analysis import calibration_curve, grader_calibration
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

AGENT = "00000000-0000-4000-8000-0000000000aa"


def outcomes(score: Any, approved: Any, **columns: Any) -> pl.DataFrame:
    """A review_outcomes-like frame: decided reviews with a grader score."""
    approved = list(approved)
    status = ["approved" if a else "rejected" for a in approved]
    return pl.DataFrame(
        {"job_id": [f"job-{i:04d}" for i in range(len(status))], "review_status": status, "grader_score": list(score)}
        | columns
    )


def simulated(n: int, seed: int, scale: float = 1.0, low: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Scores on [low, low + scale], rounded (so there are ties); approval more likely with the score."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    approved = rng.uniform(0, 1, n) < p
    return low + np.round(p, 2) * scale, approved


def delong_by_pairs(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """DeLong, DeLong & Clarke-Pearson (1988) eq. (2)–(4), from the m × n kernel ψ directly."""
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return float(psi.mean()), float(v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size)


@pytest.mark.parametrize(("scale", "low", "label"), [(1.0, 0.0, "0–1"), (100.0, 0.0, "0–100"), (4.0, 1.0, "1–5")])
def test_auc_brier_and_ece_equal_sklearn_and_delong(scale: float, low: float, label: str) -> None:
    x, y = simulated(300, seed=1, scale=scale, low=low)

    row = grader_calibration(outcomes(x, y), by=None, bins=10).row(0, named=True)

    auc, variance = delong_by_pairs(x[y], x[~y])
    half = norm.ppf(0.975) * math.sqrt(variance)
    assert row["auc"] == pytest.approx(roc_auc_score(y, x), abs=1e-12)
    assert (row["auc_low"], row["auc_high"]) == pytest.approx((auc - half, auc + half), abs=1e-12)
    p = (x - low) / scale
    assert row["grader_scale"] == label
    assert row["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    prob_true, prob_pred = sk_calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.bincount(np.digitize(p, np.linspace(0, 1, 11)[1:-1], right=True), minlength=10)
    weights = counts[counts > 0] / p.size
    assert row["ece"] == pytest.approx(float((weights * np.abs(prob_true - prob_pred)).sum()), abs=1e-12)
    assert (row["n"], row["n_approved"], row["n_rejected"]) == (300, int(y.sum()), int((~y).sum()))
    assert (row["n_inputs"], row["too_few"], row["note"]) == (None, False, None)


def test_delong_standard_error_matches_a_bootstrap() -> None:
    x, y = simulated(400, seed=2)
    row = grader_calibration(outcomes(x, y), by=None).row(0, named=True)

    # resampling counts of every review; AUC_b = Σ c_i c_j ψ_ij / (Σ c_pos · Σ c_neg) (Mann–Whitney)
    counts = np.random.default_rng(3).multinomial(x.size, np.full(x.size, 1 / x.size), size=4000)
    pos, neg = x[y], x[~y]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    c_pos, c_neg = counts[:, y], counts[:, ~y]
    boot = ((c_pos @ psi) * c_neg).sum(axis=1) / (c_pos.sum(axis=1) * c_neg.sum(axis=1))
    se = (row["auc_high"] - row["auc_low"]) / (2 * norm.ppf(0.975))
    assert se == pytest.approx(float(np.std(boot, ddof=1)), rel=0.1)


def test_the_best_threshold_is_the_brute_force_best_agreement_with_wilson() -> None:
    x, y = simulated(200, seed=4, scale=10.0)

    row = grader_calibration(outcomes(x, y), by=None, threshold=5.0).row(0, named=True)

    candidates = np.unique(x)
    agree = np.array([((x >= t) == y).sum() for t in candidates])
    youden = np.array([(x[y] >= t).mean() - (x[~y] >= t).mean() for t in candidates])
    top = np.flatnonzero(agree == agree.max())
    best = top[youden[top] == youden[top].max()][0]  # ties: larger J, then the lower mark
    assert row["best_threshold"] == pytest.approx(candidates[best])
    assert row["best_agreement"] == pytest.approx(agree[best] / 200)
    assert row["best_youden_j"] == pytest.approx(youden[best])
    low, high = proportion_confint(agree[best], 200, method="wilson")
    assert (row["best_agreement_low"], row["best_agreement_high"]) == pytest.approx((low, high), abs=1e-12)
    k = int(((x >= 5.0) == y).sum())
    low, high = proportion_confint(k, 200, method="wilson")
    assert row["threshold"] == 5.0
    assert row["threshold_agreement"] == pytest.approx(k / 200)
    assert (row["threshold_agreement_low"], row["threshold_agreement_high"]) == pytest.approx((low, high), abs=1e-12)


def test_the_curve_equals_sklearn_with_wilson_intervals() -> None:
    x, y = simulated(500, seed=5, scale=100.0)

    curve = calibration_curve(outcomes(x, y), by=None, bins=8)

    p = x / 100
    prob_true, prob_pred = sk_calibration_curve(y, p, n_bins=8, strategy="uniform")
    assert curve.get_column("approval_rate").to_numpy() == pytest.approx(prob_true, abs=1e-12)
    assert curve.get_column("mean_score").to_numpy() == pytest.approx(prob_pred, abs=1e-12)
    edges = np.linspace(0, 1, 9)
    bins = curve.get_column("bin").to_numpy()
    assert curve.get_column("bin_low").to_numpy() == pytest.approx(edges[bins])
    assert curve.get_column("bin_high").to_numpy() == pytest.approx(edges[bins + 1])
    k = np.round(curve.get_column("approval_rate").to_numpy() * curve.get_column("n").to_numpy())
    low, high = proportion_confint(k, curve.get_column("n").to_numpy(), method="wilson")
    assert curve.get_column("approval_rate_low").to_numpy() == pytest.approx(low, abs=1e-12)
    assert curve.get_column("approval_rate_high").to_numpy() == pytest.approx(high, abs=1e-12)
    assert curve.get_column("n").sum() == 500


def test_a_bin_below_min_n_has_no_interval() -> None:
    curve = calibration_curve(
        outcomes([0.05] * 3 + [0.95] * 12, [False, True, False] + [True] * 11 + [False]), by=None, bins=2
    )

    assert curve.select("bin", "n", "too_few").rows() == [(0, 3, True), (1, 12, False)]
    assert curve.item(0, "approval_rate_low") is None
    assert curve.item(0, "note").startswith("too few to tell")
    assert curve.item(1, "approval_rate_low") is not None


def test_from_job_frames_only_decided_reviews_count_and_inputs_are_units() -> None:
    def job(i: int, status: str, score: float) -> dict[str, Any]:
        return {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "agent_version_name": "v1" if i % 2 else "v2",
            "status_code": 3,
            "created_at": "2026-05-01T10:00:00Z",
            "job_inputs": [{"key": "text", "value": f"case {i % 5}"}],
            "ui_fields": {"verdict": "Suspicious"},
            "evaluation": {"grader_score": score},
            "feedback_review": {"review_status": status, "reviewed_by": "r@x.example"},
        }

    records = [job(i, "approved" if i % 3 else "rejected", i / 20) for i in range(20)] + [job(20, "pending", 0.5)]
    frames = JobFrames.from_records(records, agent_id=AGENT)

    result = grader_calibration(frames, by="agent_version_name")

    assert result.select("agent_version_name", "n", "n_inputs", "too_few").rows() == [
        ("v1", 10, 5, True),
        ("v2", 10, 5, True),
    ]
    assert result.item(0, "auc_low") is None
    assert result.item(0, "note").startswith("too few to tell: 5 inputs")
    xs = np.arange(1, 20, 2) / 20
    ys = np.array([i % 3 != 0 for i in range(1, 20, 2)])
    assert result.item(0, "auc") == pytest.approx(roc_auc_score(ys, xs))


def test_one_decision_or_no_scale_leaves_those_figures_null() -> None:
    all_approved = grader_calibration(outcomes(np.linspace(0, 1, 12), [True] * 12), by=None).row(0, named=True)
    off_scale = grader_calibration(outcomes(np.linspace(-3, 7, 12), [False, True] * 6), by=None).row(0, named=True)

    assert (all_approved["auc"], all_approved["best_threshold"]) == (None, None)
    assert all_approved["brier"] == pytest.approx(brier_score_loss([True] * 12, np.linspace(0, 1, 12)), abs=1e-12)
    assert "only one decision" in all_approved["note"]
    assert (off_scale["grader_scale"], off_scale["brier"], off_scale["ece"]) == (None, None, None)
    assert "fits no common scale" in off_scale["note"]
    with pytest.raises(InvalidArgumentError, match="fits no common scale"):
        calibration_curve(outcomes(np.linspace(-3, 7, 12), [False, True] * 6), by=None)


def test_the_schemas_are_fixed_empty_or_not() -> None:
    x, y = simulated(30, seed=6)
    full = grader_calibration(outcomes(x, y, agent_version_name=["v1"] * 30), by="agent_version_name", threshold=0.5)
    empty = grader_calibration(JobFrames.empty(), by="agent_version_name", threshold=0.5)
    curve = calibration_curve(outcomes(x, y), by=None)
    empty_curve = calibration_curve(JobFrames.empty(), by=None)

    assert (empty.height, empty_curve.height) == (0, 0)
    assert empty.schema == full.schema
    assert empty_curve.schema == curve.schema


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"bins": 0}, InvalidArgumentError, "bins must be a whole number"),
        ({"bins": 2.5}, ArgumentTypeError, "bins must be a whole number"),
        ({"threshold": "0.5"}, ArgumentTypeError, "threshold must be a number"),
        ({"confidence": 1.0}, InvalidArgumentError, "confidence must be between 0 and 1"),
        ({"by": "auc"}, InvalidArgumentError, "cannot group by"),
    ],
)
def test_bad_options_raise(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        grader_calibration(outcomes([0.5], [True]), **{"by": None, **kwargs})


def test_a_frame_without_the_columns_raises() -> None:
    with pytest.raises(ValueError, match="grader_score"):
        grader_calibration(pl.DataFrame({"job_id": ["a"], "review_status": ["approved"]}), by=None)
