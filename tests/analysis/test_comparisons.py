"""Comparing versions (compare_versions, compare_all_versions), against scipy/statsmodels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from roe_analysis.analysis import (
    compare_all_versions,
    compare_versions,
)
from roe_analysis.analysis._comparisons import COMPARISON_SCHEMA
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)


# --- compare_versions: unpaired -----------------------------------------------------------------


def test_compare_unpaired_matches_scipy_and_bootstrap(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, size=40).astype(float)  # ties on a 1-5 scale
    b = rng.integers(2, 7, size=35).astype(float)
    jobs = jobs_frame({"va": a.tolist(), "vb": b.tolist()})

    result = compare_versions(jobs, "va", "vb", n_resamples=20_000).row(0, named=True)

    assert (result["n_a"], result["n_b"], result["paired"], result["statistic"]) == (40, 35, False, "mean")
    assert result["difference"] == pytest.approx(b.mean() - a.mean())
    assert (result["estimate_a"], result["estimate_b"]) == pytest.approx((a.mean(), b.mean()))
    # Every job is its own cluster here: Welch's t on the runs themselves.
    assert result["p_value"] == pytest.approx(float(stats.ttest_ind(b, a, equal_var=False).pvalue), rel=1e-9)
    assert (result["n_inputs_a"], result["n_inputs_b"], result["design_effect"]) == (40, 35, pytest.approx(1.0))
    r = np.random.default_rng(7)
    # Deviations spread by √(G/(G-1)) so the bootstrap variance is unbiased (Efron & Tibshirani §5.2).
    reps_b = b.mean() + (b[r.integers(0, 35, (20_000, 35))].mean(axis=1) - b.mean()) * np.sqrt(35 / 34)
    reps_a = a.mean() + (a[r.integers(0, 40, (20_000, 40))].mean(axis=1) - a.mean()) * np.sqrt(40 / 39)
    reps = reps_b - reps_a
    low, high = np.quantile(reps, [0.025, 0.975])
    assert result["diff_low"] == pytest.approx(low, abs=0.05 * (high - low))
    assert result["diff_high"] == pytest.approx(high, abs=0.05 * (high - low))
    assert result["verdict"].startswith("vb is higher than va: mean grader score +0.961 (95% CI +0.331 to +1.61; p=")
    assert "Welch" in result["method"]


def test_compare_verdict_lower_and_no_difference(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    lower = compare_versions(jobs_frame({"v1": [5.0, 6.0, 7.0] * 5, "v2": [1.0, 2.0, 3.0] * 5}), "v1", "v2")
    same = compare_versions(jobs_frame({"v1": [1.0, 2.0, 3.0] * 5, "v2": [3.0, 2.0, 1.0] * 5}), "v1", "v2")

    assert lower.item(0, "verdict").startswith(
        "v2 is lower than v1: mean grader score −4.00 (95% CI −4.55 to −3.38; p<0.0001)"
    )
    assert same.item(0, "difference") == 0.0
    assert same.item(0, "p_value") == pytest.approx(1.0)
    assert same.item(0, "verdict").startswith("no detectable difference between v1 and v2 (p=1;")


def test_compare_too_small_sample_says_so(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    jobs = jobs_frame({"v1": [0.0] * 9, "v2": [100.0] * 30})

    result = compare_versions(jobs, "v1", "v2").row(0, named=True)

    assert result["verdict"] == (
        "too few to tell: v1 has 9 inputs and v2 has 30 inputs with a grader_score value (need at least 10 each)"
    )
    assert result["difference"] == 100.0  # still reported
    assert (result["too_few"], result["note"], result["p_value"], result["diff_low"]) == (
        True,
        "too few to tell",
        None,
        None,
    )


def test_compare_only_counts_scored_jobs(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    jobs = jobs_frame({"v1": [1.0] * 10 + [None] * 5, "v2": [2.0] * 10})

    result = compare_versions(jobs, "v1", "v2").row(0, named=True)

    assert (result["n_a"], result["n_b"]) == (10, 10)
    assert result["difference"] == 1.0


def test_compare_single_job_each_side(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    result = compare_versions(jobs_frame({"v1": [1.0], "v2": [2.0]}), "v1", "v2").row(0, named=True)

    assert (result["difference"], result["diff_low"], result["diff_high"]) == (1.0, None, None)  # never zero-width
    assert result["verdict"].startswith("too few to tell")


def test_compare_all_null_side(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    result = compare_versions(jobs_frame({"v1": [None] * 12, "v2": [2.0] * 12}), "v1", "v2").row(0, named=True)

    assert (result["n_a"], result["difference"], result["p_value"], result["diff_low"]) == (0, None, None, None)
    assert result["verdict"].startswith("too few to tell: v1 has 0")


def test_compare_pass_rate_uses_newcombe(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    jobs = jobs_frame({"v1": [1.0] * 6 + [0.0] * 14, "v2": [1.0] * 15 + [0.0] * 5})

    result = compare_versions(jobs, "v1", "v2", metric="pass_rate", threshold=0.5).row(0, named=True)

    assert (result["estimate_a"], result["estimate_b"], result["difference"]) == pytest.approx((0.3, 0.75, 0.45))
    expected = confint_proportions_2indep(15, 20, 6, 20, method="newcomb", compare="diff")
    assert (result["diff_low"], result["diff_high"]) == pytest.approx(tuple(map(float, expected)), abs=1e-12)
    pass_a = np.array([1.0] * 6 + [0.0] * 14)
    pass_b = np.array([1.0] * 15 + [0.0] * 5)
    assert result["p_value"] == pytest.approx(float(stats.ttest_ind(pass_b, pass_a, equal_var=False).pvalue))
    assert result["verdict"].startswith("v2 is higher than v1: pass rate +0.45")


def test_mann_whitney_on_pass_flags_is_the_two_proportion_test_up_to_n_minus_1() -> None:
    # The claim in compare_versions' docstring: z_MW^2 * N / (N - 1) = z_2prop^2 (no continuity).
    a = np.array([1.0] * 6 + [0.0] * 14)
    b = np.array([1.0] * 15 + [0.0] * 5)
    n = a.size + b.size
    z_mw = stats.norm.isf(stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False).pvalue / 2)
    pooled = (a.sum() + b.sum()) / n
    z_prop = (b.mean() - a.mean()) / np.sqrt(pooled * (1 - pooled) * (1 / a.size + 1 / b.size))

    assert z_mw**2 * n / (n - 1) == pytest.approx(z_prop**2)


def test_compare_durations_uses_recomputed_median() -> None:
    jobs, events = [], []
    for version, base in (("v1", 1000), ("v2", 3000)):
        for i in range(12):
            job_id = f"{version}-{i}"
            jobs.append({"id": job_id, "agent_version_name": version, "status": "SUCCESS", "created_at": T0,
                         "duration_ms": 1})  # fmt: skip
            events += [
                {"job_id": job_id, "event_index": 0, "timestamp": T0, "status": "PENDING"},
                {"job_id": job_id, "event_index": 1, "timestamp": T0 + timedelta(milliseconds=base + 100 * i),
                 "status": "SUCCESS"},
            ]  # fmt: skip
    jobs.append({"id": "running", "agent_version_name": "v2", "status": "STARTED", "created_at": T0})
    frames = JobFrames.from_tables(jobs=jobs, status_events=events)

    result = compare_versions(frames, "v1", "v2", metric="duration_ms").row(0, named=True)

    assert (result["statistic"], result["n_a"], result["n_b"]) == ("median", 12, 12)  # running job left out
    assert (result["estimate_a"], result["estimate_b"], result["difference"]) == (1550.0, 3550.0, 2000.0)
    assert result["verdict"].startswith(
        "v2 is slower than v1: median duration +2.0 s (95% CI +1.6 s to +2.4 s; p<0.0001)"
    )


def test_compare_validates(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    jobs = jobs_frame({"v1": [1.0], "v2": [2.0]})
    with pytest.raises(ValueError, match=r"no jobs of version 'v3'; versions present: \['v1', 'v2'\]"):
        compare_versions(jobs, "v1", "v3")
    with pytest.raises(ValueError, match="Did you mean 'v2'"):
        compare_versions(jobs, "v1", "V2")
    with pytest.raises(ValueError, match="different versions"):
        compare_versions(jobs, "v1", "v1")
    with pytest.raises(ValueError, match="needs a threshold"):
        compare_versions(jobs, "v1", "v2", metric="pass_rate")
    with pytest.raises(ValueError, match="only applies to metric='pass_rate'"):
        compare_versions(jobs, "v1", "v2", threshold=1)
    with pytest.raises(ValueError, match="paired=True needs the inputs"):
        compare_versions(jobs, "v1", "v2", paired=True)
    with pytest.raises(ValueError, match="paired must be"):
        compare_versions(jobs, "v1", "v2", paired="yes")  # type: ignore[arg-type]


# --- compare_versions: paired -------------------------------------------------------------------


def test_compare_pairs_identical_inputs_whatever_their_order(paired_frames: Callable[..., JobFrames]) -> None:
    rng = np.random.default_rng(5)
    names = [f"q{i}" for i in range(15)]
    base = rng.normal(5, 2, size=15)
    shift = rng.normal(0.6, 0.5, size=15).round(2)
    frames = paired_frames(
        {
            # v1 ran q3 twice: its per-input mean is used.
            "v1": [(n, float(s)) for n, s in zip(names, base, strict=True)] + [("q3", float(base[3]) + 1.0)],
            "v2": [(n, float(s + d)) for n, s, d in zip(names, base, shift, strict=True)],
        },
        shuffle_inputs=True,
    )

    result = compare_versions(frames, "v1", "v2").row(0, named=True)

    per_input_a = base.copy()
    per_input_a[3] += 0.5
    diffs = (base + shift) - per_input_a
    assert (result["paired"], result["n_pairs"], result["n_a"], result["n_b"]) == (True, 15, 16, 15)
    assert result["difference"] == pytest.approx(diffs.mean())
    assert result["p_value"] == pytest.approx(float(stats.ttest_1samp(diffs, 0.0).pvalue), rel=1e-9)
    assert result["diff_low"] < result["difference"] < result["diff_high"]
    assert "paired t-test" in result["method"]
    walsh = [(x + y) / 2 for i, x in enumerate(diffs) for y in diffs[i:]]
    assert result["hodges_lehmann"] == pytest.approx(float(np.median(walsh)))
    assert "per-input difference" in result["verdict"]


def test_paired_detects_what_unpaired_misses(paired_frames: Callable[..., JobFrames]) -> None:
    # Large input-to-input spread, small consistent improvement: only pairing sees it.
    names = [f"q{i}" for i in range(20)]
    base = np.linspace(0, 100, 20)
    frames = paired_frames(
        {"v1": list(zip(names, base.tolist(), strict=True)), "v2": list(zip(names, (base + 1).tolist(), strict=True))}
    )

    paired = compare_versions(frames, "v1", "v2").row(0, named=True)
    unpaired = compare_versions(frames, "v1", "v2", paired=False).row(0, named=True)

    assert paired["paired"] and not unpaired["paired"]
    assert paired["p_value"] < 0.001
    assert unpaired["p_value"] > 0.5
    assert paired["verdict"].startswith("v2 is higher than v1")
    assert unpaired["verdict"].startswith("no detectable difference")
    assert unpaired["n_pairs"] == 20  # still reported


def test_auto_does_not_pair_when_few_inputs_are_shared(paired_frames: Callable[..., JobFrames]) -> None:
    v1 = [(f"q{i}", 1.0) for i in range(30)]
    v2 = [(f"q{i}", 2.0) for i in range(20, 50)]  # 10 shared of 30 distinct each
    frames = paired_frames({"v1": v1, "v2": v2})

    result = compare_versions(frames, "v1", "v2").row(0, named=True)
    forced = compare_versions(frames, "v1", "v2", paired=True).row(0, named=True)

    assert (result["paired"], result["n_pairs"]) == (False, 10)
    assert (forced["paired"], forced["n_pairs"], forced["difference"]) == (True, 10, 1.0)


def test_paired_too_few_pairs_and_all_equal(paired_frames: Callable[..., JobFrames]) -> None:
    frames = paired_frames({"v1": [(f"q{i}", 1.0) for i in range(8)], "v2": [(f"q{i}", 1.0) for i in range(8)]})

    result = compare_versions(frames, "v1", "v2", paired=True).row(0, named=True)

    assert result["verdict"] == "too few to tell: 8 inputs ran on both v1 and v2 (need at least 10 shared inputs)"
    assert (result["difference"], result["p_value"], result["too_few"]) == (0.0, None, True)


def test_jobs_without_inputs_are_never_paired(paired_frames: Callable[..., JobFrames]) -> None:
    frames = paired_frames({"v1": [(f"q{i}", 1.0) for i in range(12)], "v2": [(f"q{i}", 2.0) for i in range(12)]})
    frames = JobFrames(frames.jobs, frames.status_events, frames.inputs.clear(), frames.metadata)

    result = compare_versions(frames, "v1", "v2").row(0, named=True)

    assert (result["paired"], result["n_pairs"]) == (False, 0)


def test_compare_empty_schema(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    assert compare_versions(jobs_frame({"v1": [1.0], "v2": [1.0]}), "v1", "v2").schema == COMPARISON_SCHEMA


# --- compare_all_versions -----------------------------------------------------------------------


@pytest.fixture
def three_versions(jobs_frame: Callable[..., pl.DataFrame]) -> pl.DataFrame:
    rng = np.random.default_rng(11)
    # Created in the order v10, v2, v3 (not alphabetical): pairs follow creation.
    return jobs_frame(
        {
            "v10": rng.normal(0.0, 1, 25).tolist(),
            "v2": rng.normal(0.3, 1, 25).tolist(),
            "v3": rng.normal(1.2, 1, 25).tolist(),
        }
    )


def test_compare_all_pairs_with_holm(three_versions: pl.DataFrame) -> None:
    result = compare_all_versions(three_versions)

    assert result.select("a", "b").rows() == [("v10", "v2"), ("v10", "v3"), ("v2", "v3")]
    raw = result["p_value"].to_list()
    assert result["p_value_adjusted"].to_list() == pytest.approx(list(multipletests(raw, method="holm")[1]))
    for row in result.iter_rows(named=True):
        single = compare_versions(three_versions, row["a"], row["b"]).row(0, named=True)
        assert row["difference"] == single["difference"] and row["p_value"] == single["p_value"]
        assert "Holm-adjusted p" in row["verdict"]
    assert result.columns == [*COMPARISON_SCHEMA, "p_value_adjusted"]


def test_compare_all_against_baseline(three_versions: pl.DataFrame) -> None:
    result = compare_all_versions(three_versions, baseline="v3")

    assert result.select("a", "b").rows() == [("v3", "v10"), ("v3", "v2")]
    assert result["p_value_adjusted"].to_list() == pytest.approx(
        list(multipletests(result["p_value"].to_list(), method="holm")[1])
    )


def test_compare_all_empty_and_single_version(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    empty = compare_all_versions(JobFrames.empty())
    single = compare_all_versions(jobs_frame({"v1": [1.0, 2.0]}))

    assert empty.height == 0 and single.height == 0
    assert empty.schema == single.schema
    with pytest.raises(ValueError, match="no jobs of version 'v9'"):
        compare_all_versions(jobs_frame({"v1": [1.0]}), baseline="v9")


# --- every helper: the same columns and dtypes with or without data ---------------------------


@pytest.mark.parametrize(
    "helper",
    [
        compare_all_versions,
        lambda frames: compare_all_versions(frames, metric="pass_rate", threshold=2),
    ],
)
def test_comparisons_on_empty_input_keep_the_schema(helper: Any, paired_frames: Callable[..., JobFrames]) -> None:
    frames = paired_frames({"v1": [("a", 1.0), ("b", 3.0)], "v2": [("a", 5.0)]})

    empty = helper(JobFrames.empty())
    full = helper(frames)

    assert empty.height == 0
    assert full.height > 0
    assert empty.schema == full.schema


def test_compare_a_plain_frame_with_input_ids_and_no_created_at() -> None:
    frame = pl.DataFrame(
        {
            "id": [f"j{i}" for i in range(24)],
            "agent_version_name": ["b"] * 12 + ["a"] * 12,
            "input_id": [f"q{i}" for i in range(12)] * 2,
            "grader_score": [float(i) for i in range(12)] + [float(i) + 1 for i in range(12)],
        }
    )

    single = compare_versions(frame, "b", "a").row(0, named=True)
    every = compare_all_versions(frame)

    assert (single["paired"], single["n_pairs"], single["difference"]) == (True, 12, 1.0)
    assert every.select("a", "b").rows() == [("a", "b")]  # no created_at: by name
