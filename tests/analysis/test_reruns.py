"""Rerun consistency per input: verdict pair agreement by hand, ICC(1) against scipy's one-way ANOVA."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest
from scipy import stats

from roe_analysis.analysis._reruns import RERUNS_STATS, anova_icc, rerun_consistency
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError
from roe_analysis.frames import JobFrames

Run = tuple[str, str | None, str | None, float | None]


def make_frames(runs: Sequence[Run], *, status: list[str] | None = None) -> JobFrames:
    """JobFrames from (version, input value, verdict, score) runs; input None = a job without inputs."""
    jobs, inputs = [], []
    for i, (version, value, verdict, score) in enumerate(runs):
        jobs.append(
            {
                "id": f"j{i}",
                "agent_version_name": version,
                "status": status[i] if status else "SUCCESS",
                "ui_fields": json.dumps({"verdict": verdict}),
                "grader_score": score,
            }
        )
        if value is not None:
            inputs.append({"job_id": f"j{i}", "key": "q", "value": value})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs)


def pair_agreement(groups: list[list[str]]) -> float:
    """Share of same-verdict pairs over all within-input pairs, counted pair by pair."""
    same = total = 0
    for verdicts in groups:
        for x, y in itertools.combinations(verdicts, 2):
            same += x == y
            total += 1
    return same / total


def icc1(groups: list[np.ndarray]) -> float:
    """ICC(1) from scipy's one-way ANOVA F: (F − 1)/(F + k₀ − 1) (Shrout & Fleiss 1979; k₀ for unequal sizes)."""
    f = stats.f_oneway(*groups).statistic
    sizes = np.array([g.size for g in groups])
    n = sizes.sum()
    k0 = (n - (sizes**2).sum() / n) / (len(groups) - 1)
    return (f - 1) / (f + k0 - 1)


def pooled_sd(groups: list[np.ndarray]) -> float:
    ss = sum(((g - g.mean()) ** 2).sum() for g in groups)
    return float(np.sqrt(ss / (sum(g.size for g in groups) - len(groups))))


def random_runs(
    rng: np.random.Generator, n_inputs: int, version: str = "v1"
) -> tuple[list[Run], list[list[str]], list[np.ndarray]]:
    runs: list[Run] = []
    verdict_groups: list[list[str]] = []
    score_groups: list[np.ndarray] = []
    for i in range(n_inputs):
        k = int(rng.integers(2, 5))
        base = rng.normal()
        verdicts = [
            ("yes" if rng.random() < 0.8 else "no") if i % 2 else ("no" if rng.random() < 0.7 else "yes")
            for _ in range(k)
        ]
        scores = base + rng.normal(0, 0.5, k)
        runs += [(version, f"in{i}", v, float(s)) for v, s in zip(verdicts, scores, strict=True)]
        verdict_groups.append(verdicts)
        score_groups.append(scores)
    return runs, verdict_groups, score_groups


def test_estimates_match_hand_pair_counts_and_scipy_anova() -> None:
    runs, verdict_groups, score_groups = random_runs(np.random.default_rng(3), 25)
    row = rerun_consistency(make_frames(runs)).row(0, named=True)
    assert row["n_inputs"] == 25 and row["n_runs"] == sum(len(v) for v in verdict_groups)
    assert row["n_pairs"] == sum(len(v) * (len(v) - 1) // 2 for v in verdict_groups)
    assert row["verdict_agreement"] == pytest.approx(pair_agreement(verdict_groups), rel=1e-12)
    assert row["icc"] == pytest.approx(icc1(score_groups), rel=1e-10)
    assert row["within_sd"] == pytest.approx(pooled_sd(score_groups), rel=1e-12)
    for stat in ("verdict", "within_sd", "icc"):
        estimate = row["verdict_agreement" if stat == "verdict" else stat]
        assert row[f"{stat}_low"] < estimate < row[f"{stat}_high"]
    assert row["too_few"] is False and row["score_too_few"] is False and row["note"] is None


def test_balanced_icc_is_shrout_fleiss_icc1() -> None:
    # Shrout & Fleiss (1979) ICC(1,1) = (BMS − WMS) / (BMS + (k − 1)·WMS), by hand for k = 3
    data = np.array([[9.0, 2.0, 5.0], [6.0, 1.0, 3.0], [8.0, 4.0, 6.0], [7.0, 1.0, 2.0], [10.0, 5.0, 6.0]])
    k = data.shape[1]
    bms = k * ((data.mean(axis=1) - data.mean()) ** 2).sum() / (data.shape[0] - 1)
    wms = ((data - data.mean(axis=1, keepdims=True)) ** 2).sum() / (data.shape[0] * (k - 1))
    sd, icc = anova_icc(np.full(5, k), data.mean(axis=1), ((data - data.mean(axis=1, keepdims=True)) ** 2).sum(axis=1))
    assert icc[0] == pytest.approx((bms - wms) / (bms + (k - 1) * wms), rel=1e-12)
    assert sd[0] == pytest.approx(np.sqrt(wms), rel=1e-12)


def test_intervals_are_seeded_and_cover_the_truth_reasonably() -> None:
    runs, _, _ = random_runs(np.random.default_rng(5), 30)
    frames = make_frames(runs)
    first = rerun_consistency(frames)
    assert first.equals(rerun_consistency(frames))
    other = rerun_consistency(frames, seed=11)
    assert other.item(0, "icc_low") != first.item(0, "icc_low")
    narrow = rerun_consistency(frames, confidence=0.5)
    assert narrow.item(0, "icc_high") - narrow.item(0, "icc_low") < first.item(0, "icc_high") - first.item(0, "icc_low")


def test_cache_hits_single_runs_and_jobs_without_inputs_are_left_out() -> None:
    runs: list[Run] = [("v1", f"in{i}", "yes", 0.5) for i in range(3) for _ in range(2)]
    runs += [("v1", "in0", "no", 0.1), ("v1", "solo", "no", 0.2), ("v1", None, "no", 0.3), ("v1", "in1", None, None)]
    status = ["SUCCESS"] * 6 + ["CACHED", "SUCCESS", "SUCCESS", "STARTED"]
    row = rerun_consistency(make_frames(runs, status=status)).row(0, named=True)
    assert (row["n_inputs"], row["n_runs"], row["verdict_agreement"]) == (3, 6, 1.0)
    cached = rerun_consistency(make_frames(runs, status=status), include_cached=True).row(0, named=True)
    assert (cached["n_runs"], cached["n_pairs"]) == (7, 5)
    assert cached["verdict_agreement"] == pytest.approx(
        pair_agreement([["yes", "yes", "no"], ["yes"] * 2, ["yes"] * 2])
    )


def test_verdicts_compare_without_case_or_whitespace() -> None:
    runs = [("v1", "a", "Yes", 1.0), ("v1", "a", " yes ", 1.0), ("v1", "b", "NO", 0.0), ("v1", "b", "no", 0.5)]
    assert rerun_consistency(make_frames(runs)).item(0, "verdict_agreement") == 1.0


def test_too_few_and_degenerate_give_no_interval() -> None:
    few = rerun_consistency(make_frames([("v1", f"in{i % 4}", "yes", float(i)) for i in range(8)])).row(0, named=True)
    assert few["too_few"] is True and few["verdict_low"] is None and few["icc_low"] is None
    assert few["note"] == (
        "too few to tell: 4 inputs with rerun verdicts (need 10); "
        "scores too few to tell: 4 inputs with rerun scores (need 10)"
    )
    # every rerun agrees on 12 inputs: the bootstrap is a point, so no interval
    same = rerun_consistency(make_frames([("v1", f"in{i % 12}", "yes", float(i % 12)) for i in range(24)]))
    row = same.row(0, named=True)
    assert row["verdict_agreement"] == 1.0 and row["verdict_low"] is None and row["verdict_high"] is None
    assert row["too_few"] is False


def test_groups_by_version_and_overall() -> None:
    runs_a, _, _ = random_runs(np.random.default_rng(1), 12, "v1")
    runs_b, _, _ = random_runs(np.random.default_rng(2), 6, "v2")
    frames = make_frames(runs_a + runs_b)
    per_version = rerun_consistency(frames)
    assert per_version.get_column("agent_version_name").to_list() == ["v1", "v2"]
    assert per_version.get_column("too_few").to_list() == [False, True]
    overall = rerun_consistency(frames, by=None)
    # overall, runs of in0..in5 on both versions are runs of one input: 12 inputs, every run counted
    assert overall.columns == list(RERUNS_STATS) and overall.item(0, "n_inputs") == 12
    assert overall.item(0, "n_runs") == per_version.get_column("n_runs").sum()


def test_schema_is_fixed_empty_included() -> None:
    full = rerun_consistency(make_frames([("v1", "a", "yes", 1.0)] * 2))
    empty = rerun_consistency(JobFrames.from_tables())
    assert empty.height == 0 and empty.schema == full.schema
    assert dict(full.schema) == {"agent_version_name": pl.String(), **dict(RERUNS_STATS)}


def test_bad_input_raises_before_work() -> None:
    frames = make_frames([("v1", "a", "yes", 1.0)])
    with pytest.raises(ArgumentTypeError):
        rerun_consistency(frames.jobs)  # type: ignore[arg-type]
    with pytest.raises(MissingColumnsError):
        rerun_consistency(frames, by="customer")
    with pytest.raises(MissingColumnsError):
        rerun_consistency(frames, score="score")
    with pytest.raises(InvalidArgumentError):
        rerun_consistency(frames, score="agent_version_name")
    with pytest.raises(InvalidArgumentError):
        rerun_consistency(frames, verdict_field="")
    with pytest.raises(InvalidArgumentError):
        rerun_consistency(frames, confidence=0)
    with pytest.raises(InvalidArgumentError):
        rerun_consistency(frames, n_resamples=0)
    with pytest.raises(ArgumentTypeError):
        rerun_consistency(frames, include_cached="no")  # type: ignore[arg-type]
