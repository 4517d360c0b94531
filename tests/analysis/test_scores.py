"""Grader-score summaries and version comparisons, against hand results and scipy/statsmodels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from roe_analysis.analysis import (
    MissingColumnsError,
    compare_all_versions,
    compare_versions,
    score_drift,
    score_summary,
    score_vs_duration,
)
from roe_analysis.analysis._comparisons import COMPARISON_SCHEMA
from roe_analysis.analysis._scores import SCORE_VS_DURATION_SCHEMA
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def jobs_frame(scores: dict[str, Sequence[float | None]], *, start_day: int = 1) -> pl.DataFrame:
    """A jobs-like frame: one row per score, versions created on consecutive days in dict order."""
    rows = []
    for day, (version, values) in enumerate(scores.items(), start=start_day):
        for i, value in enumerate(values):
            rows.append(
                {
                    "job_id": f"{version}-{i}",
                    "agent_version_name": version,
                    "created_at": datetime(2026, 5, day, tzinfo=UTC),
                    "grader_score": value,
                }
            )
    return pl.DataFrame(
        rows,
        schema={"job_id": pl.String, "agent_version_name": pl.String, "created_at": pl.Datetime("us", "UTC"),
                "grader_score": pl.Float64},
    )  # fmt: skip


def paired_frames(
    per_version: dict[str, Sequence[tuple[str, float | None]]], *, shuffle_inputs: bool = False
) -> JobFrames:
    """JobFrames whose jobs carry inputs: ``{version: [(input_name, score), ...]}``.

    Each input is the pair set {("question", name), ("lang", "en")}; ``shuffle_inputs`` swaps
    their order for the second version, which must not change the identity.
    """
    jobs, inputs = [], []
    for day, (version, items) in enumerate(per_version.items(), start=1):
        for i, (name, score) in enumerate(items):
            job_id = f"{version}-{i}"
            jobs.append(
                {
                    "id": job_id,
                    "agent_version_name": version,
                    "status": "SUCCESS",
                    "created_at": datetime(2026, 5, day, tzinfo=UTC),
                    "grader_score": score,
                }
            )
            pairs = [("question", name), ("lang", "en")]
            if shuffle_inputs and day == 2:
                pairs.reverse()
            for index, (key, value) in enumerate(pairs):
                inputs.append({"job_id": job_id, "input_index": index, "key": key, "value": value, "data_type": "text"})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs)


# --- score_summary ------------------------------------------------------------------------------


def test_score_summary_hand_computed_on_a_1_to_10_scale() -> None:
    jobs = jobs_frame({"v1": [2.0, 4.0, 9.0, None], "v2": [7.0, 7.0, 7.0, 10.0]})

    result = score_summary(jobs, threshold=7).drop("mean_low", "mean_high", "pass_low", "pass_high")

    expected = pl.DataFrame(
        {
            "agent_version_name": ["v1", "v2"],
            "n": [4, 4],
            "n_scored": [3, 4],
            "mean": [5.0, 7.75],
            "median": [4.0, 7.0],
            "std": [np.std([2, 4, 9], ddof=1), np.std([7, 7, 7, 10], ddof=1)],
            "n_passed": [1, 4],  # 7 passes a threshold of 7
            "pass_rate": [1 / 3, 1.0],
        },
        schema_overrides={"n": pl.UInt32, "n_scored": pl.UInt32, "n_passed": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_score_summary_intervals_match_references() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(50, 10, size=80).round(1)
    jobs = jobs_frame({"v1": values.tolist()})

    result = score_summary(jobs, threshold=55, n_resamples=20_000).row(0, named=True)

    k = int((values >= 55).sum())
    assert (result["pass_low"], result["pass_high"]) == pytest.approx(
        proportion_confint(k, 80, alpha=0.05, method="wilson"), abs=1e-12
    )
    expected = stats.bootstrap(
        (values,), np.mean, n_resamples=20_000, method="percentile", rng=np.random.default_rng(1)
    ).confidence_interval
    width = expected.high - expected.low
    assert result["mean_low"] == pytest.approx(expected.low, abs=0.05 * width)
    assert result["mean_high"] == pytest.approx(expected.high, abs=0.05 * width)


def test_score_summary_all_null_scores_and_nan() -> None:
    jobs = jobs_frame({"v1": [None, None], "v2": [float("nan"), 3.0]})

    result = score_summary(jobs, threshold=1)

    v1, v2 = result.rows(named=True)
    assert (v1["n"], v1["n_scored"], v1["mean"], v1["mean_low"], v1["std"], v1["n_passed"]) == (
        2,
        0,
        None,
        None,
        None,
        0,
    )
    assert (v1["pass_rate"], v1["pass_low"], v1["pass_high"]) == (None, None, None)
    # NaN counts as missing, not as a score.
    assert (v2["n_scored"], v2["mean"], v2["mean_low"], v2["mean_high"], v2["std"]) == (1, 3.0, 3.0, 3.0, None)


def test_score_summary_without_threshold_keeps_the_pass_columns_null() -> None:
    result = score_summary(jobs_frame({"v1": [1.0, 2.0]}))

    assert result.select("n_passed", "pass_rate", "pass_low", "pass_high").row(0) == (None, None, None, None)


def test_score_summary_from_job_frames_by_other_metric_and_overall() -> None:
    frames = paired_frames({"v1": [("a", 1.0), ("b", 3.0)], "v2": [("a", 5.0)]})
    frames = JobFrames(
        frames.jobs.with_columns(human_score=pl.Series([0.0, 1.0, 1.0])),
        frames.status_events,
        frames.inputs,
        frames.metadata,
    )

    by_version = score_summary(frames, metric="human_score").select("agent_version_name", "mean")
    overall = score_summary(frames, by=()).select("n", "mean")

    assert by_version.rows() == [("v1", 0.5), ("v2", 1.0)]
    assert overall.rows() == [(3, 3.0)]


def test_score_summary_empty_has_fixed_schema() -> None:
    result = score_summary(JobFrames.empty(), threshold=0.5)
    again = score_summary(jobs_frame({}))

    assert result.height == 0
    assert result.columns == [
        "agent_version_name", "n", "n_scored", "mean", "mean_low", "mean_high", "median", "std",
        "n_passed", "pass_rate", "pass_low", "pass_high",
    ]  # fmt: skip
    assert result.schema == again.schema


def test_score_summary_validates() -> None:
    jobs = jobs_frame({"v1": [1.0]})
    with pytest.raises(MissingColumnsError, match="did you mean 'grader_score'"):
        score_summary(jobs, metric="grader_scores")
    with pytest.raises(ValueError, match="must be numeric"):
        score_summary(jobs, metric="job_id")
    with pytest.raises(ValueError, match="threshold must be a number"):
        score_summary(jobs, threshold="0.5")  # type: ignore[arg-type]


# --- score_drift and score_vs_duration ----------------------------------------------------------


def test_score_drift_by_day() -> None:
    jobs = pl.DataFrame(
        {
            "agent_version_name": ["v1"] * 5,
            "created_at": [T0, T0 + timedelta(hours=23), T0 + timedelta(days=1), T0 + timedelta(days=1), T0],
            "grader_score": [1.0, 3.0, 5.0, None, 2.0],
        }
    )

    result = score_drift(jobs, threshold=2).select("period_start", "n", "n_scored", "mean", "pass_rate")

    expected = pl.DataFrame(
        {
            "period_start": [T0, T0 + timedelta(days=1)],
            "n": [3, 2],
            "n_scored": [3, 1],
            "mean": [2.0, 5.0],
            "pass_rate": [2 / 3, 1.0],
        },
        schema_overrides={
            "n": pl.UInt32,
            "n_scored": pl.UInt32,
            "period_start": pl.Datetime("us", "UTC"),
        },
    )
    assert_frame_equal(result, expected)


def test_score_drift_empty_and_bad_every() -> None:
    assert score_drift(JobFrames.empty()).columns[:2] == ["period_start", "agent_version_name"]
    with pytest.raises(ValueError, match="Polars duration string"):
        score_drift(JobFrames.empty(), every="weekly")


def test_score_vs_duration_joins_scores_and_recomputed_durations() -> None:
    frames = JobFrames.from_tables(
        jobs=[
            {"id": "a", "status": "SUCCESS", "grader_score": 0.9, "human_score": 1.0, "duration_ms": 999},
            {"id": "b", "status": "STARTED"},
        ],
        status_events=[
            {"job_id": "a", "event_index": 0, "timestamp": T0, "status": "PENDING"},
            {"job_id": "a", "event_index": 1, "timestamp": T0 + timedelta(seconds=3), "status": "SUCCESS"},
            {"job_id": "b", "event_index": 0, "timestamp": T0, "status": "PENDING"},
        ],
    )

    result = score_vs_duration(frames).select(
        "job_id", "is_running", "duration_ms", "server_duration_ms", "grader_score", "human_score"
    )

    assert result.rows() == [("a", False, 3000, 999, 0.9, 1.0), ("b", True, None, None, None, None)]
    assert score_vs_duration(JobFrames.empty()).schema == SCORE_VS_DURATION_SCHEMA
    with pytest.raises(TypeError, match="needs a JobFrames"):
        score_vs_duration(frames.jobs)  # type: ignore[arg-type]


# --- compare_versions: unpaired -----------------------------------------------------------------


def test_compare_unpaired_matches_scipy_and_bootstrap() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, size=40).astype(float)  # ties on a 1-5 scale
    b = rng.integers(2, 7, size=35).astype(float)
    jobs = jobs_frame({"va": a.tolist(), "vb": b.tolist()})

    result = compare_versions(jobs, "va", "vb", n_resamples=20_000).row(0, named=True)

    assert (result["n_a"], result["n_b"], result["paired"], result["statistic"]) == (40, 35, False, "mean")
    assert result["difference"] == pytest.approx(b.mean() - a.mean())
    assert (result["estimate_a"], result["estimate_b"]) == pytest.approx((a.mean(), b.mean()))
    assert result["p_value"] == pytest.approx(
        float(stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True).pvalue), rel=1e-9
    )
    r = np.random.default_rng(7)
    reps = b[r.integers(0, 35, (20_000, 35))].mean(axis=1) - a[r.integers(0, 40, (20_000, 40))].mean(axis=1)
    low, high = np.quantile(reps, [0.025, 0.975])
    assert result["diff_low"] == pytest.approx(low, abs=0.05 * (high - low))
    assert result["diff_high"] == pytest.approx(high, abs=0.05 * (high - low))
    assert result["verdict"].startswith("vb is higher than va: mean grader_score +")
    assert "Mann–Whitney" in result["method"]


def test_compare_verdict_lower_and_no_difference() -> None:
    lower = compare_versions(jobs_frame({"v1": [5.0, 6.0, 7.0] * 5, "v2": [1.0, 2.0, 3.0] * 5}), "v1", "v2")
    same = compare_versions(jobs_frame({"v1": [1.0, 2.0, 3.0] * 5, "v2": [3.0, 2.0, 1.0] * 5}), "v1", "v2")

    assert lower.item(0, "verdict").startswith("v2 is lower than v1: mean grader_score -4 (95% CI")
    assert same.item(0, "difference") == 0.0
    assert same.item(0, "p_value") == pytest.approx(1.0)
    assert same.item(0, "verdict").startswith("no detectable difference between v1 and v2 (p=1;")


def test_compare_too_small_sample_says_so() -> None:
    jobs = jobs_frame({"v1": [0.0] * 9, "v2": [100.0] * 30})

    result = compare_versions(jobs, "v1", "v2").row(0, named=True)

    assert result["verdict"] == (
        "too few jobs to tell: v1 has 9 and v2 has 30 with a grader_score value (need at least 10 each)"
    )
    assert result["difference"] == 100.0  # still reported


def test_compare_only_counts_scored_jobs() -> None:
    jobs = jobs_frame({"v1": [1.0] * 10 + [None] * 5, "v2": [2.0] * 10})

    result = compare_versions(jobs, "v1", "v2").row(0, named=True)

    assert (result["n_a"], result["n_b"]) == (10, 10)
    assert result["difference"] == 1.0


def test_compare_single_job_each_side() -> None:
    result = compare_versions(jobs_frame({"v1": [1.0], "v2": [2.0]}), "v1", "v2").row(0, named=True)

    assert (result["difference"], result["diff_low"], result["diff_high"]) == (1.0, 1.0, 1.0)
    assert result["verdict"].startswith("too few jobs to tell")


def test_compare_all_null_side() -> None:
    result = compare_versions(jobs_frame({"v1": [None] * 12, "v2": [2.0] * 12}), "v1", "v2").row(0, named=True)

    assert (result["n_a"], result["difference"], result["p_value"], result["diff_low"]) == (0, None, None, None)
    assert result["verdict"].startswith("too few jobs to tell: v1 has 0")


def test_compare_pass_rate_uses_newcombe() -> None:
    jobs = jobs_frame({"v1": [1.0] * 6 + [0.0] * 14, "v2": [1.0] * 15 + [0.0] * 5})

    result = compare_versions(jobs, "v1", "v2", metric="pass_rate", threshold=0.5).row(0, named=True)

    assert (result["estimate_a"], result["estimate_b"], result["difference"]) == pytest.approx((0.3, 0.75, 0.45))
    expected = confint_proportions_2indep(15, 20, 6, 20, method="newcomb", compare="diff")
    assert (result["diff_low"], result["diff_high"]) == pytest.approx(tuple(map(float, expected)), abs=1e-12)
    pass_a = np.array([1.0] * 6 + [0.0] * 14)
    pass_b = np.array([1.0] * 15 + [0.0] * 5)
    assert result["p_value"] == pytest.approx(float(stats.mannwhitneyu(pass_a, pass_b, method="asymptotic").pvalue))
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
    assert result["verdict"].startswith("v2 is slower than v1: median duration_ms +2,000 ms (95% CI")


def test_compare_validates() -> None:
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


def test_compare_pairs_identical_inputs_whatever_their_order() -> None:
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
    assert result["p_value"] == pytest.approx(
        float(stats.wilcoxon(diffs, method="asymptotic", correction=True).pvalue), rel=1e-9
    )
    assert result["diff_low"] < result["difference"] < result["diff_high"]
    assert "Wilcoxon" in result["method"]
    assert "per-input difference" in result["verdict"]


def test_paired_detects_what_unpaired_misses() -> None:
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


def test_auto_does_not_pair_when_few_inputs_are_shared() -> None:
    v1 = [(f"q{i}", 1.0) for i in range(30)]
    v2 = [(f"q{i}", 2.0) for i in range(20, 50)]  # 10 shared of 30 distinct each
    frames = paired_frames({"v1": v1, "v2": v2})

    result = compare_versions(frames, "v1", "v2").row(0, named=True)
    forced = compare_versions(frames, "v1", "v2", paired=True).row(0, named=True)

    assert (result["paired"], result["n_pairs"]) == (False, 10)
    assert (forced["paired"], forced["n_pairs"], forced["difference"]) == (True, 10, 1.0)


def test_paired_too_few_pairs_and_all_equal() -> None:
    frames = paired_frames({"v1": [(f"q{i}", 1.0) for i in range(8)], "v2": [(f"q{i}", 1.0) for i in range(8)]})

    result = compare_versions(frames, "v1", "v2", paired=True).row(0, named=True)

    assert result["verdict"] == "too few shared inputs to tell: 8 input(s) ran on both v1 and v2 (need at least 10)"
    assert (result["difference"], result["p_value"]) == (0.0, 1.0)


def test_jobs_without_inputs_are_never_paired() -> None:
    frames = paired_frames({"v1": [(f"q{i}", 1.0) for i in range(12)], "v2": [(f"q{i}", 2.0) for i in range(12)]})
    frames = JobFrames(frames.jobs, frames.status_events, frames.inputs.clear(), frames.metadata)

    result = compare_versions(frames, "v1", "v2").row(0, named=True)

    assert (result["paired"], result["n_pairs"]) == (False, 0)


def test_compare_empty_schema() -> None:
    assert compare_versions(jobs_frame({"v1": [1.0], "v2": [1.0]}), "v1", "v2").schema == COMPARISON_SCHEMA


# --- compare_all_versions -----------------------------------------------------------------------


def three_versions() -> pl.DataFrame:
    rng = np.random.default_rng(11)
    # Created in the order v10, v2, v3 (not alphabetical): pairs follow creation.
    return jobs_frame(
        {
            "v10": rng.normal(0.0, 1, 25).tolist(),
            "v2": rng.normal(0.3, 1, 25).tolist(),
            "v3": rng.normal(1.2, 1, 25).tolist(),
        }
    )


def test_compare_all_pairs_with_holm() -> None:
    result = compare_all_versions(three_versions())

    assert result.select("a", "b").rows() == [("v10", "v2"), ("v10", "v3"), ("v2", "v3")]
    raw = result["p_value"].to_list()
    assert result["p_value_adjusted"].to_list() == pytest.approx(list(multipletests(raw, method="holm")[1]))
    for row in result.iter_rows(named=True):
        single = compare_versions(three_versions(), row["a"], row["b"]).row(0, named=True)
        assert row["difference"] == single["difference"] and row["p_value"] == single["p_value"]
        assert "Holm-adjusted p" in row["verdict"]
    assert result.columns == [*COMPARISON_SCHEMA, "p_value_adjusted"]


def test_compare_all_against_baseline() -> None:
    result = compare_all_versions(three_versions(), baseline="v3")

    assert result.select("a", "b").rows() == [("v3", "v10"), ("v3", "v2")]
    assert result["p_value_adjusted"].to_list() == pytest.approx(
        list(multipletests(result["p_value"].to_list(), method="holm")[1])
    )


def test_compare_all_empty_and_single_version() -> None:
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
        score_summary,
        lambda frames: score_summary(frames, by=("agent_version_name", "status"), threshold=2),
        score_drift,
        score_vs_duration,
        compare_all_versions,
        lambda frames: compare_all_versions(frames, metric="pass_rate", threshold=2),
    ],
)
def test_empty_input_gives_the_same_schema_as_data(helper: Any) -> None:
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
