"""Planning: sample_size / detectable_difference against statsmodels and by seeded simulation."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower
from statsmodels.stats.proportion import proportion_effectsize

from roe_analysis.analysis._power import (
    SAMPLE_SIZE_FOR_SCHEMA,
    detectable_difference,
    sample_size,
    sample_size_for,
    t_test_power,
)
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError

EFFECTS = (0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5)
POWERS = (0.7, 0.8, 0.9, 0.95)


@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_mean_sample_size_matches_statsmodels_exact_t(paired: bool, alpha: float) -> None:
    for d in EFFECTS:
        for power in POWERS:
            reference = (TTestPower() if paired else TTestIndPower()).solve_power(d, alpha=alpha, power=power)
            # sd is 2, so the effect in score units is 2·d
            assert sample_size(effect=2 * d, sd=2.0, alpha=alpha, power=power, paired=paired) == max(
                2, math.ceil(reference)
            ), (d, power)


def test_mean_sample_size_at_alpha_001_is_within_one_input() -> None:
    for d in EFFECTS:
        for paired in (False, True):
            reference = (TTestPower() if paired else TTestIndPower()).solve_power(d, alpha=0.01, power=0.8)
            ours = sample_size(effect=d, sd=1.0, alpha=0.01, paired=paired)
            assert math.ceil(reference) <= ours <= math.ceil(reference) + 1


def test_t_test_power_matches_statsmodels() -> None:
    for n in (10, 30, 100):  # the normal approximation of the noncentral t: A&S 26.7.10
        for d in (0.2, 0.5, 1.0):
            assert t_test_power(d, n, confidence=0.95, paired=False) == pytest.approx(
                TTestIndPower().power(d, n, 0.05), abs=2e-3
            )
            assert t_test_power(d, n, confidence=0.95, paired=True) == pytest.approx(
                TTestPower().power(d, n, 0.05), abs=2e-3
            )


def test_proportion_sample_size_matches_normal_ind_power() -> None:
    for p in (0.1, 0.5, 0.7, 0.85):
        for effect in (0.05, -0.05, 0.1):
            for power in POWERS:
                h = proportion_effectsize(p + effect, p)
                reference = NormalIndPower().solve_power(h, alpha=0.05, power=power)
                ours = sample_size(effect=effect, p=p, power=power, kind="proportion")
                # statsmodels solves numerically (and counts the far tail): allow its solver's 1e-3 at an integer
                assert math.ceil(reference - 1e-3) <= ours <= math.ceil(reference + 1e-3), (p, effect, power)


def test_design_effect_and_reruns_scale_the_variance() -> None:
    # a per-input mean of m runs with design effect D has variance sd²·D/m (Kish 1965)
    base = sample_size(effect=0.2, sd=1.0 * math.sqrt(2.5 / 4))
    assert sample_size(effect=0.2, sd=1.0, design_effect=2.5, runs_per_input=4) == base
    reference = NormalIndPower().solve_power(proportion_effectsize(0.8, 0.7), alpha=0.05, power=0.8)
    assert sample_size(effect=0.1, p=0.7, design_effect=1.8, kind="proportion") == math.ceil(reference * 1.8)


def test_detectable_difference_matches_statsmodels() -> None:
    for n in (5, 10, 20, 50, 200):
        d_ind = TTestIndPower().solve_power(None, nobs1=n, alpha=0.05, power=0.8)
        d_pair = TTestPower().solve_power(None, nobs=n, alpha=0.05, power=0.8)
        assert detectable_difference(n=n, sd=3.0) == pytest.approx(3 * d_ind, rel=6e-3)
        assert detectable_difference(n=n, sd=3.0, paired=True) == pytest.approx(3 * d_pair, rel=6e-3)
    for n, p in ((100, 0.5), (300, 0.7), (1000, 0.9)):
        h = NormalIndPower().solve_power(None, nobs1=n, alpha=0.05, power=0.8)
        expected = math.sin(math.asin(math.sqrt(p)) + h / 2) ** 2 - p  # Cohen's h inverted
        assert detectable_difference(n=n, p=p, kind="proportion") == pytest.approx(expected, rel=1e-5)
    assert detectable_difference(n=3, p=0.95, kind="proportion") is None


def test_detectable_difference_inverts_sample_size() -> None:
    for n in (12, 40, 150):
        effect = detectable_difference(n=n, sd=1.0, design_effect=1.5, runs_per_input=3)
        assert effect is not None
        assert sample_size(effect=effect * 1.0001, sd=1.0, design_effect=1.5, runs_per_input=3) <= n
        assert sample_size(effect=effect * 0.99, sd=1.0, design_effect=1.5, runs_per_input=3) > n


REPS = 4000


def test_simulated_power_unpaired_paired_and_clustered() -> None:
    rng = np.random.default_rng(20240601)
    # unpaired means
    n = sample_size(effect=0.4, sd=1.0)
    a = rng.normal(0.0, 1.0, (REPS, n))
    b = rng.normal(0.4, 1.0, (REPS, n))
    assert abs((stats.ttest_ind(a, b, axis=1).pvalue < 0.05).mean() - 0.8) <= 0.03
    # paired: per-input differences with sd 1
    n = sample_size(effect=0.3, sd=1.0, paired=True, power=0.9)
    diffs = rng.normal(0.3, 1.0, (REPS, n))
    assert abs((stats.ttest_1samp(diffs, 0.0, axis=1).pvalue < 0.05).mean() - 0.9) <= 0.03
    # 4 runs per input, ICC 0.3: design effect 1 + 3·0.3 = 1.9; the test runs on per-input means
    m, rho, effect = 4, 0.3, 0.4
    n = sample_size(effect=effect, sd=1.0, runs_per_input=m, design_effect=1 + (m - 1) * rho)

    def per_input_means(shift: float) -> np.ndarray:
        inputs = rng.normal(0.0, math.sqrt(rho), (REPS, n, 1))
        runs = rng.normal(0.0, math.sqrt(1 - rho), (REPS, n, m))
        return (shift + inputs + runs).mean(axis=2)

    p = stats.ttest_ind(per_input_means(0.0), per_input_means(effect), axis=1).pvalue
    assert abs((p < 0.05).mean() - 0.8) <= 0.03


def test_simulated_power_for_a_pass_rate() -> None:
    rng = np.random.default_rng(7)
    n = sample_size(effect=0.15, p=0.6, kind="proportion")
    x = rng.binomial(n, 0.6, REPS) / n
    y = rng.binomial(n, 0.75, REPS) / n
    pooled = (x + y) / 2
    z = (y - x) / np.sqrt(pooled * (1 - pooled) * 2 / n)  # pooled two-proportion z test
    assert abs((np.abs(z) > stats.norm.ppf(0.975)).mean() - 0.8) <= 0.03


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"effect": 0.1}, InvalidArgumentError),  # mean without sd
        ({"effect": 0.1, "sd": -1.0}, InvalidArgumentError),
        ({"effect": 0.0, "sd": 1.0}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "alpha": 1.2}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "power": 0.0}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "design_effect": 0.0}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "runs_per_input": 0}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "runs_per_input": 0.5}, InvalidArgumentError),
        ({"effect": 0.1, "sd": 1.0, "runs_per_input": "2"}, ArgumentTypeError),
        ({"effect": 0.1, "sd": 1.0, "paired": "yes"}, ArgumentTypeError),
        ({"effect": "0.1", "sd": 1.0}, ArgumentTypeError),
        ({"effect": 0.1, "sd": 1.0, "kind": "median"}, InvalidArgumentError),
        ({"effect": 0.1, "kind": "proportion"}, InvalidArgumentError),  # no p
        ({"effect": 0.4, "p": 0.7, "kind": "proportion"}, InvalidArgumentError),  # p + effect > 1
        ({"effect": 0.1, "p": 0.7, "kind": "proportion", "paired": True}, InvalidArgumentError),
        ({"effect": 0.1, "p": 0.7, "sd": 1.0, "kind": "proportion"}, InvalidArgumentError),
    ],
)
def test_sample_size_rejects_bad_options(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        sample_size(**kwargs)


def test_detectable_difference_rejects_bad_n() -> None:
    with pytest.raises(InvalidArgumentError):
        detectable_difference(n=1, sd=1.0)
    with pytest.raises(ArgumentTypeError):
        detectable_difference(n=10.5, sd=1.0)  # type: ignore[arg-type]


def robust_deff(x: np.ndarray, clusters: np.ndarray) -> float:
    """Design effect by hand: cluster-robust variance of the mean over s²/N (Cameron & Miller 2015)."""
    n, mean = x.size, x.mean()
    labels = sorted(set(clusters.tolist()))
    resid = np.array([(x[clusters == c] - mean).sum() for c in labels])
    g = len(labels)
    return g / (g - 1) * (resid**2).sum() / n**2 / (x.var(ddof=1) / n)


def observed(seed: int) -> tuple[pl.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    parts, data = [], {}
    for version, shift in (("v1", 0.0), ("v2", 0.2)):
        inputs = np.repeat([f"{version}-in{i}" for i in range(15)], 3)
        scores = shift + np.repeat(rng.normal(0, 0.6, 15), 3) + rng.normal(0, 0.4, 45)
        data[version] = (scores, inputs)
        parts.append(pl.DataFrame({"agent_version_name": version, "grader_score": scores, "input_id": inputs}))
    return pl.concat(parts), data


def test_sample_size_for_plans_from_the_observed_spread_and_reruns() -> None:
    frame, data = observed(8)
    row = sample_size_for(frame, "v1", "v2", effect=0.3).row(0, named=True)
    sd = np.sqrt((data["v1"][0].var(ddof=1) + data["v2"][0].var(ddof=1)) / 2)
    deff = max(robust_deff(*data["v1"]), robust_deff(*data["v2"]))
    assert row["sd"] == pytest.approx(sd, rel=1e-12)
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)
    assert row["runs_per_input"] == 3.0 and row["kind"] == "mean"
    d = 0.3 / (sd * np.sqrt(deff / 3))
    assert row["n_needed"] == math.ceil(TTestIndPower().solve_power(d, alpha=0.05, power=0.8))
    d_now = TTestIndPower().solve_power(None, nobs1=15, alpha=0.05, power=0.8)
    assert row["detectable_now"] == pytest.approx(d_now * sd * np.sqrt(deff / 3), rel=6e-3)
    assert row["note"] is None


def test_sample_size_for_a_pass_rate() -> None:
    frame, data = observed(9)
    row = sample_size_for(frame, "v1", "v2", effect=0.1, threshold=0.0).row(0, named=True)
    passed = (data["v1"][0] >= 0).astype(float)
    deff = max(robust_deff(passed, data["v1"][1]), robust_deff((data["v2"][0] >= 0).astype(float), data["v2"][1]))
    assert row["p"] == pytest.approx(passed.mean()) and row["kind"] == "proportion"
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)
    h = proportion_effectsize(passed.mean() + 0.1, passed.mean())
    reference = NormalIndPower().solve_power(h, alpha=0.05, power=0.8) * deff / 3
    assert math.ceil(reference - 1e-3) <= row["n_needed"] <= math.ceil(reference + 1e-3)


def test_sample_size_for_says_when_it_cannot_plan() -> None:
    tiny = pl.DataFrame({"agent_version_name": ["v1", "v2", "v2"], "grader_score": [1.0, 2.0, 3.0]})
    row = sample_size_for(tiny, "v1", "v2", effect=0.5).row(0, named=True)
    assert row["n_needed"] is None and row["note"].startswith("cannot plan: v1 has 1 input and v2 has 2 inputs")
    flat = pl.DataFrame({"agent_version_name": ["v1"] * 3 + ["v2"] * 3, "grader_score": [1.0] * 6})
    assert (
        sample_size_for(flat, "v1", "v2", effect=0.5).item(0, "note")
        == "cannot plan: no spread in grader_score to plan with"
    )
    assert sample_size_for(flat, "v1", "v2", effect=0.5).schema == SAMPLE_SIZE_FOR_SCHEMA
    with pytest.raises(InvalidArgumentError, match="same version"):
        sample_size_for(flat, "v1", "v1", effect=0.5)
    with pytest.raises(InvalidArgumentError, match="no rows"):
        sample_size_for(flat, "v1", "v9", effect=0.5)
    with pytest.raises(InvalidArgumentError):
        sample_size_for(flat, "v1", "v2", effect=0.5, power=2.0)


def test_sample_size_for_metric_pass_rate_plans_the_pass_indicator() -> None:
    # metric="pass_rate" (as compare_versions spells it) scores grader_score >= threshold.
    frame, data = observed(11)
    row = sample_size_for(frame, "v1", "v2", effect=0.15, metric="pass_rate", threshold=0.1).row(0, named=True)
    same = sample_size_for(frame, "v1", "v2", effect=0.15, threshold=0.1).row(0, named=True)
    assert row["metric"] == "pass_rate" and row["kind"] == "proportion"
    assert {k: v for k, v in row.items() if k != "metric"} == {k: v for k, v in same.items() if k != "metric"}
    pa, pb = ((data[v][0] >= 0.1).astype(float) for v in ("v1", "v2"))
    deff = max(robust_deff(pa, data["v1"][1]), robust_deff(pb, data["v2"][1]))
    # sd: the pass indicator's (sample) standard deviation, the two versions' variances averaged.
    assert row["sd"] == pytest.approx(math.sqrt((pa.var(ddof=1) + pb.var(ddof=1)) / 2), rel=1e-12)
    assert row["p"] == pytest.approx(pa.mean(), rel=1e-12)
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)
    # n: statsmodels' NormalIndPower on Cohen's h from p to p + effect, scaled by deff / runs per input.
    h = proportion_effectsize(pa.mean() + 0.15, pa.mean())
    reference = NormalIndPower().solve_power(h, alpha=0.05, power=0.8) * deff / 3
    assert row["n_needed"] == math.ceil(reference)
    # detectable_now: the arcsine plan solved for p2 at 15 inputs a side (hand formula, Cohen 1988 §6.2).
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    angle = math.asin(math.sqrt(pa.mean())) + z * math.sqrt(2 * deff / 3 / 15) / 2
    assert row["detectable_now"] == pytest.approx(math.sin(angle) ** 2 - pa.mean(), rel=1e-12)
    assert row["note"] is None


def test_sample_size_for_says_when_the_planned_rate_leaves_0_1() -> None:
    frame, _ = observed(11)
    row = sample_size_for(frame, "v1", "v2", effect=0.9, metric="pass_rate", threshold=0.1).row(0, named=True)
    assert row["n_needed"] is None and row["detectable_now"] is not None
    assert row["note"] == f"cannot plan: v1's pass rate {row['p']:.3g} + effect +0.9 is outside (0, 1)"


@pytest.mark.parametrize(
    ("frame_kwargs", "error", "message"),
    [
        (
            {"metric": "pass_rate"},
            InvalidArgumentError,
            "sample_size_for: metric='pass_rate' needs a threshold (grader_score >= threshold passes); "
            "pass threshold=...",
        ),
        (
            {"metric": "human_score"},
            MissingColumnsError,
            "sample_size_for: missing column ['human_score']; available columns: ['agent_version_name', "
            "'grader_score', 'input_id']. did you mean 'grader_score' for 'human_score'?",
        ),
        (
            {"effect": 0.0},
            InvalidArgumentError,
            "sample_size_for: effect must be a non-zero difference to detect; got 0.0",
        ),
        (
            {"cluster": 3},
            ArgumentTypeError,
            "sample_size_for: cluster must be a column name such as 'input_id' or None; got 3",
        ),
    ],
)
def test_sample_size_for_errors_name_sample_size_for(frame_kwargs: dict, error: type[Exception], message: str) -> None:
    frame, _ = observed(3)
    kwargs = {"effect": 0.3, **frame_kwargs}
    with pytest.raises(error) as caught:
        sample_size_for(frame, "v1", "v2", **kwargs)
    assert str(caught.value) == message


def test_sample_size_for_names_itself_for_a_frame_without_versions() -> None:
    frame, _ = observed(3)
    with pytest.raises(MissingColumnsError) as caught:
        sample_size_for(frame.drop("agent_version_name"), "v1", "v2", effect=0.3)
    assert str(caught.value).startswith("sample_size_for: missing column ['agent_version_name']")


def test_sample_size_for_is_exported() -> None:
    import roe_analysis
    import roe_analysis.analysis

    assert roe_analysis.sample_size_for is sample_size_for is roe_analysis.analysis.sample_size_for
    assert "sample_size_for" in roe_analysis.__all__ and "sample_size_for" in roe_analysis.analysis.__all__
