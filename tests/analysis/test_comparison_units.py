"""compare_versions with the input as the unit, matched tests, effect sizes, Holm intervals, the
duration population and the scale check — each against scipy/statsmodels or a hand formula."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower

from roe_analysis._text import fmt_num
from roe_analysis.analysis import compare_all_versions, compare_versions
from roe_analysis.analysis._comparisons import COMPARISON_SCHEMA, _fmt_p
from roe_analysis.errors import InvalidArgumentError, NoSharedInputsWarning, RoeWarning
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def rerun_frame(per_version: dict[str, Sequence[tuple[str, float]]], **extra: Sequence[object]) -> pl.DataFrame:
    """A jobs-like frame with an ``input_id``: ``{version: [(input, score), ...]}`` (inputs may repeat)."""
    rows = []
    for day, (version, items) in enumerate(per_version.items(), start=1):
        for i, (name, score) in enumerate(items):
            rows.append(
                {"job_id": f"{version}-{i}", "agent_version_name": version, "input_id": name,
                 "created_at": datetime(2026, 5, day, tzinfo=UTC), "grader_score": score}
            )  # fmt: skip
    frame = pl.DataFrame(rows)
    return frame.with_columns(**{k: pl.Series(list(v)) for k, v in extra.items()})


def clustered(seed: int, n_inputs: int, runs: int, shift: float = 0.0, offset: int = 0) -> list[tuple[str, float]]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2, n_inputs)
    return [
        (f"q{offset + i}", float(centres[i] + shift + rng.normal(0, 0.3))) for i in range(n_inputs) for _ in range(runs)
    ]


def per_input(items: Sequence[tuple[str, float]], how: str = "mean") -> np.ndarray:
    frame = pl.DataFrame(items, schema=["q", "v"], orient="row")
    agg = pl.col("v").mean() if how == "mean" else pl.col("v").median()
    return frame.group_by("q").agg(agg).sort("q").get_column("v").to_numpy()


# --- the unit: clusters -------------------------------------------------------------------------


def test_unpaired_tests_per_input_means_with_a_cluster_bootstrap() -> None:
    a_items = clustered(1, 15, 4, offset=0)
    b_items = clustered(2, 12, 5, shift=0.5, offset=100)
    frame = rerun_frame({"v1": a_items, "v2": b_items})

    row = compare_versions(frame, "v1", "v2", paired=False, n_resamples=4000).row(0, named=True)

    ga, gb = per_input(a_items), per_input(b_items)
    runs_a = np.array([v for _, v in a_items])
    runs_b = np.array([v for _, v in b_items])
    assert (row["n_a"], row["n_b"], row["n_inputs_a"], row["n_inputs_b"]) == (60, 60, 15, 12)
    assert row["difference"] == pytest.approx(runs_b.mean() - runs_a.mean())
    assert row["p_value"] == pytest.approx(float(stats.ttest_ind(gb, ga, equal_var=False).pvalue), rel=1e-9)
    # Design effect, hand formula: G/(G-1)·Σ(S_c - m_c ȳ)²/N² over s²/N, clusters of each version apart.
    pooled = np.r_[runs_a, runs_b]
    sums = np.r_[ga * 4, gb * 5]
    sizes = np.r_[[4] * 15, [5] * 12]
    g, n = sums.size, pooled.size
    deff = (g / (g - 1) * ((sums - sizes * pooled.mean()) ** 2).sum() / n**2) / (pooled.var(ddof=1) / n)
    assert row["design_effect"] == pytest.approx(deff)
    assert row["design_effect"] > 3  # reruns of one input add little
    # Cluster bootstrap reference: resample whole inputs of each side.
    rng = np.random.default_rng(0)
    ia, ib = rng.integers(0, 15, (4000, 15)), rng.integers(0, 12, (4000, 12))
    # Deviations spread by √(G/(G-1)) so the bootstrap variance is unbiased (Efron & Tibshirani §5.2).
    reps_b = gb.mean() + ((gb * 5)[ib].sum(1) / (5 * 12) - gb.mean()) * np.sqrt(12 / 11)
    reps_a = ga.mean() + ((ga * 4)[ia].sum(1) / (4 * 15) - ga.mean()) * np.sqrt(15 / 14)
    reps = reps_b - reps_a
    low, high = np.quantile(reps, [0.025, 0.975])
    assert row["diff_low"] == pytest.approx(low, abs=0.05 * (high - low))
    assert row["diff_high"] == pytest.approx(high, abs=0.05 * (high - low))
    # Effect sizes on the per-input means.
    assert row["hodges_lehmann"] == pytest.approx(float(np.median(gb[:, None] - ga[None, :])))
    u_b = stats.mannwhitneyu(gb, ga).statistic
    assert row["cliffs_delta"] == pytest.approx(2 * u_b / (15 * 12) - 1)
    assert row["hl_low"] < row["hodges_lehmann"] < row["hl_high"]
    assert row["cliffs_low"] < row["cliffs_delta"] < row["cliffs_high"]


def test_ten_reruns_of_nine_inputs_are_too_few() -> None:
    frame = rerun_frame({"v1": clustered(3, 9, 10), "v2": clustered(4, 30, 1, offset=50)})

    with pytest.warns(RoeWarning, match="no input in common"):
        row = compare_versions(frame, "v1", "v2").row(0, named=True)

    assert (row["n_a"], row["n_inputs_a"], row["too_few"], row["p_value"], row["diff_low"]) == (90, 9, True, None, None)
    assert (row["hl_low"], row["cliffs_low"], row["interval_confidence"]) == (None, None, None)
    assert row["verdict"].startswith("too few to tell: v1 has 9 inputs and v2 has 30 inputs")
    assert row["note"] == "too few to tell; v1 and v2 share no inputs: compared unpaired"


def test_cluster_by_a_metadata_key() -> None:
    jobs, metadata = [], []
    for version, shift in (("v1", 0.0), ("v2", 1.0)):
        for i in range(24):
            job_id = f"{version}-{i}"
            jobs.append({"id": job_id, "agent_version_name": version, "status": "SUCCESS", "created_at": T0,
                         "grader_score": float(i % 12) + shift})  # fmt: skip
            metadata.append({"job_id": job_id, "key": "customer", "value": f"c{i % 12}"})
    frames = JobFrames.from_tables(jobs=jobs, metadata=metadata)

    row = compare_versions(frames, "v1", "v2", cluster="customer").row(0, named=True)

    ga = np.arange(12.0)
    assert (row["n_inputs_a"], row["n_inputs_b"], row["n_a"]) == (12, 12, 24)
    assert row["p_value"] == pytest.approx(float(stats.ttest_ind(ga + 1, ga, equal_var=False).pvalue))
    with pytest.raises(InvalidArgumentError, match="customerz"):
        compare_versions(frames, "v1", "v2", cluster="customerz")


def test_unpaired_median_uses_exact_mann_whitney_on_per_input_medians() -> None:
    a_items = clustered(5, 11, 3)
    b_items = clustered(6, 13, 3, shift=1.5, offset=100)
    frame = rerun_frame({"v1": a_items, "v2": b_items})

    row = compare_versions(frame, "v1", "v2", statistic="median", paired=False).row(0, named=True)

    ga, gb = per_input(a_items, "median"), per_input(b_items, "median")
    assert row["difference"] == pytest.approx(float(np.median(gb) - np.median(ga)))
    assert row["p_value"] == pytest.approx(float(stats.mannwhitneyu(gb, ga, method="exact").pvalue), rel=1e-12)
    assert "exact" in row["method"]


def test_paired_median_uses_exact_wilcoxon() -> None:
    rng = np.random.default_rng(8)
    base = rng.normal(0, 3, 14)
    delta = rng.normal(0.8, 1, 14)
    frame = rerun_frame(
        {"v1": [(f"q{i}", float(x)) for i, x in enumerate(base)],
         "v2": [(f"q{i}", float(x + d)) for i, (x, d) in enumerate(zip(base, delta, strict=True))]}
    )  # fmt: skip

    row = compare_versions(frame, "v1", "v2", statistic="median").row(0, named=True)

    diffs = (base + delta) - base
    assert row["paired"] and row["difference"] == pytest.approx(float(np.median(diffs)))
    assert row["p_value"] == pytest.approx(float(stats.wilcoxon(diffs, method="exact").pvalue), rel=1e-9)


def test_paired_pass_rate_uses_mcnemar_and_counts_flips() -> None:
    # 20 inputs: 9 flip fail→pass, 2 pass→fail, 6 pass on both, 3 fail on both.
    a = [0.0] * 9 + [1.0] * 2 + [1.0] * 6 + [0.0] * 3
    b = [1.0] * 9 + [0.0] * 2 + [1.0] * 6 + [0.0] * 3
    frame = rerun_frame({"v1": [(f"q{i}", s) for i, s in enumerate(a)], "v2": [(f"q{i}", s) for i, s in enumerate(b)]})

    row = compare_versions(frame, "v1", "v2", metric="pass_rate", threshold=0.5).row(0, named=True)

    assert (row["paired"], row["flips_fail_to_pass"], row["flips_pass_to_fail"]) == (True, 9, 2)
    ref = sm_mcnemar([[6, 2], [9, 3]], exact=True)
    assert row["p_value"] == pytest.approx(float(ref.pvalue))
    assert row["difference"] == pytest.approx(7 / 20)
    assert "McNemar" in row["method"]


def test_no_shared_inputs_warns() -> None:
    frame = rerun_frame({"v1": clustered(1, 12, 1), "v2": clustered(2, 12, 1, offset=100)})

    with pytest.warns(
        NoSharedInputsWarning,
        match=r"^compare_versions: v1 and v2 ran no input in common \(12 and 12 distinct inputs\), so they cannot "
        r"be paired; the comparison is unpaired and input-to-input variation is not removed$",
    ):
        row = compare_versions(frame, "v1", "v2", paired=True).row(0, named=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_versions(frame, "v1", "v2", paired=False)

    assert (row["paired"], row["note"]) == (False, "v1 and v2 share no inputs: compared unpaired")


# --- verdicts -----------------------------------------------------------------------------------


def test_p_values_print_three_significant_digits() -> None:
    assert (_fmt_p(0.051234, False), _fmt_p(0.0012345, True), _fmt_p(0.00001, False)) == (
        "p=0.0512",
        "Holm-adjusted p=0.00123",
        "p<0.0001",
    )


def test_verdict_never_names_a_direction_the_test_disagrees_with() -> None:
    frame = rerun_frame({"v1": clustered(1, 15, 1), "v2": clustered(1, 15, 1, shift=3.0)})
    row = compare_versions(frame, "v1", "v2", paired=False)
    from roe_analysis.analysis import _comparisons

    base = _comparisons._Comparison(**{**row.drop("verdict").row(0, named=True), "test_sign": 1, "plan": None})
    disagreeing = dataclasses.replace(base, test_sign=-1)

    assert base.verdict(0.05, 0.001).startswith("v2 is higher than v1")
    assert disagreeing.verdict(0.05, 0.001).endswith("points the other way: no clear direction")


# --- Holm: adjusted p and adjusted intervals ----------------------------------------------------


def test_holm_adjusts_intervals_and_leaves_too_few_rows_out() -> None:
    rng = np.random.default_rng(11)
    frame = rerun_frame(
        {
            "v1": [(f"a{i}", float(x)) for i, x in enumerate(rng.normal(0, 1, 25))],
            "v2": [(f"b{i}", float(x)) for i, x in enumerate(rng.normal(0.4, 1, 25))],
            "v3": [(f"c{i}", float(x)) for i, x in enumerate(rng.normal(1.2, 1, 25))],
            "tiny": [(f"d{i}", float(x)) for i, x in enumerate(rng.normal(0, 1, 4))],
        }
    )

    result = compare_all_versions(frame, paired=False)

    family = result.filter(~pl.col("too_few"))
    assert result.filter(pl.col("too_few")).get_column("p_value_adjusted").is_null().all()
    assert result.filter(pl.col("too_few")).height == 3
    assert family["p_value_adjusted"].to_list() == pytest.approx(
        list(multipletests(family["p_value"].to_list(), method="holm")[1])
    )
    order = np.argsort(family["p_value"].to_numpy())
    expected_levels = np.empty(3)
    expected_levels[order] = [1 - 0.05 / 3, 1 - 0.05 / 2, 1 - 0.05]
    assert family["interval_confidence"].to_list() == pytest.approx(expected_levels.tolist())
    for row in family.iter_rows(named=True):
        single = compare_versions(frame, row["a"], row["b"], paired=False, confidence=row["interval_confidence"])
        assert (row["diff_low"], row["diff_high"]) == single.select("diff_low", "diff_high").row(0)
        assert (row["hl_low"], row["cliffs_high"]) == single.select("hl_low", "cliffs_high").row(0)
        assert f"Holm-adjusted {row['interval_confidence'] * 100:.3g}% CI" in row["verdict"]


# --- durations: one population ------------------------------------------------------------------


def duration_frames() -> JobFrames:
    jobs, events = [], []

    def job(job_id: str, version: str, status: str, ms: int) -> None:
        jobs.append({"id": job_id, "agent_version_name": version, "status": status, "created_at": T0})
        events.append({"job_id": job_id, "event_index": 0, "timestamp": T0, "status": "PENDING"})
        events.append(
            {"job_id": job_id, "event_index": 1, "timestamp": T0 + timedelta(milliseconds=ms), "status": status}
        )

    for i in range(12):
        job(f"a{i}", "v1", "SUCCESS", 1000 + 10 * i)
        job(f"b{i}", "v2", "SUCCESS", 1500 + 10 * i)
        job(f"f{i}", "v2", "FAILURE", 5)  # fails fast
        job(f"c{i}", "v2", "CACHED", 0)  # served from cache
    return JobFrames.from_tables(jobs=jobs, status_events=events)


def test_duration_comparisons_compare_finished_success_runs_without_cache_hits() -> None:
    frames = duration_frames()

    default = compare_versions(frames, "v1", "v2", metric="duration_ms").row(0, named=True)
    anything = compare_versions(frames, "v1", "v2", metric="duration_ms", status=None, include_cached=True).row(
        0, named=True
    )

    assert (default["n_a"], default["n_b"], default["difference"]) == (12, 12, 500.0)
    assert default["verdict"] == ("v2 is slower than v1: median duration +500 ms (95% CI +455 ms to +540 ms; p<0.0001)")
    assert "finished SUCCESS runs, cache hits left out" in default["method"]
    assert anything["n_b"] == 36 and "any terminal status, cache hits kept" in anything["method"]
    assert anything["difference"] < 0  # the population decides the answer: why it is fixed by default


# --- one scale per comparison -------------------------------------------------------------------


def test_refuses_to_pool_scores_on_different_scales() -> None:
    frame = rerun_frame(
        {"v1": clustered(1, 12, 1), "v2": clustered(2, 12, 1)},
        agent_id=["small"] * 12 + ["big"] * 12,
    ).with_columns(
        pl.when(pl.col("agent_id") == "small")
        .then(pl.col("grader_score").abs() / 10)
        .otherwise(pl.col("grader_score").abs() * 10 + 5)
        .clip(0, 100)
        .alias("grader_score")
    )

    with pytest.raises(InvalidArgumentError, match=r"'big': 0–100.*'small': 0–1.*filter to one agent"):
        compare_versions(frame, "v1", "v2")


def test_schema_is_fixed_for_every_shape() -> None:
    paired = compare_versions(rerun_frame({"v1": clustered(1, 12, 2), "v2": clustered(1, 12, 2)}), "v1", "v2")
    few = compare_versions(rerun_frame({"v1": clustered(1, 2, 1), "v2": clustered(1, 2, 1)}), "v1", "v2")

    assert paired.schema == few.schema == COMPARISON_SCHEMA


# --- what a pass-rate comparison could have detected --------------------------------------------


def test_pass_rate_detectable_difference_matches_statsmodels_when_runs_are_independent() -> None:
    # One run per input: the plan is the two-sample t plan on the pass indicators (statsmodels'
    # exact noncentral-t TTestIndPower) scaled by their pooled standard deviation.
    rng = np.random.default_rng(5)
    a, b = (rng.random(60) < 0.5).astype(float), (rng.random(60) < 0.55).astype(float)
    frame = rerun_frame({"v1": [(f"a{i}", x) for i, x in enumerate(a)], "v2": [(f"b{i}", x) for i, x in enumerate(b)]})
    with pytest.warns(NoSharedInputsWarning):
        row = compare_versions(frame, "v1", "v2", metric="pass_rate", threshold=0.5).row(0, named=True)
    sd = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    reference = TTestIndPower().solve_power(None, nobs1=60, alpha=0.05, power=0.8) * sd
    assert row["detectable_difference"] == pytest.approx(reference, rel=0.005)
    assert row["verdict"].endswith(
        f"; it could have detected a difference of ±{fmt_num(row['detectable_difference'])} with 80% power)"
    )


def test_a_pass_rate_difference_of_the_detectable_size_is_detected_about_80_percent_of_the_time() -> None:
    # 80 inputs a side, one run each, v1 passing about 40%: the row plans from what it saw...
    rng = np.random.default_rng(21)
    a, b = (rng.random(80) < 0.4).astype(float), (rng.random(80) < 0.4).astype(float)
    frame = rerun_frame({"v1": [(f"a{i}", x) for i, x in enumerate(a)], "v2": [(f"b{i}", x) for i, x in enumerate(b)]})
    with pytest.warns(NoSharedInputsWarning):
        delta = compare_versions(frame, "v1", "v2", metric="pass_rate", threshold=0.5).item(0, "detectable_difference")
    # ...and 1,000 seeded pass/fail samples of that design, v2's pass chance higher by delta, are
    # told apart by the comparison's test (Welch's t on the pass indicators, scipy) about 80% of the time.
    sim = np.random.default_rng(22)
    side_a = (sim.random((1000, 80)) < a.mean()).astype(float)
    side_b = (sim.random((1000, 80)) < a.mean() + delta).astype(float)
    power = float((stats.ttest_ind(side_a, side_b, axis=1, equal_var=False).pvalue < 0.05).mean())
    assert 0.72 <= power <= 0.88, (delta, power)
