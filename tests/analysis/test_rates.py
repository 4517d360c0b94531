"""Failure/cancel/retry/cache-hit rates per version, against statsmodels and hand formulas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from roe_analysis.analysis._rates import COMPARE_RATES_SCHEMA, RATES_STATS, compare_rates, outcome_rates
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def durations(
    version: str,
    statuses: Sequence[str | None],
    *,
    inputs: Sequence[str] | None = None,
    retries: Sequence[int] | None = None,
) -> pl.DataFrame:
    """A `job_durations`-like frame: one row per status (None = running)."""
    n = len(statuses)
    return pl.DataFrame(
        {
            "job_id": [f"{version}-{i}" for i in range(n)],
            "agent_version_name": [version] * n,
            "terminal_status": statuses,
            "retry_count": retries if retries is not None else [0] * n,
            "input_id": list(inputs) if inputs is not None else [f"{version}-in{i}" for i in range(n)],
        },
        schema_overrides={
            "input_id": pl.String,
            "agent_version_name": pl.String,
            "terminal_status": pl.String,
            "retry_count": pl.Int64,
        },
    )


def robust_deff(x: np.ndarray, clusters: np.ndarray) -> float:
    """Design effect by hand: the cluster-robust variance of the mean over s²/N (Kish; Cameron & Miller 2015)."""
    n, mean = x.size, x.mean()
    labels = sorted(set(clusters.tolist()))
    resid = np.array([(x[clusters == c] - mean).sum() for c in labels])
    g = len(labels)
    robust = g / (g - 1) * (resid**2).sum() / n**2
    return robust / (x.var(ddof=1) / n)


def wilson(p: float, n: float, crit: float) -> tuple[float, float]:
    """Wilson (1927) score interval with a possibly fractional n."""
    centre = (p + crit**2 / (2 * n)) / (1 + crit**2 / n)
    half = crit * np.sqrt(p * (1 - p) / n + crit**2 / (4 * n * n)) / (1 + crit**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_independent_jobs_give_statsmodels_wilson_intervals() -> None:
    statuses = ["FAILURE"] * 7 + ["CANCELLED"] * 3 + ["CACHED"] * 5 + ["SUCCESS"] * 25
    retries = [1] * 4 + [0] * 36
    frame = durations("v1", statuses, retries=retries)
    row = outcome_rates(frame).row(0, named=True)
    assert row["n"] == 40 and row["n_inputs"] == 40 and row["n_running"] == 0
    for rate, count in (("failure", 7), ("cancel", 3), ("cache_hit", 5), ("retry", 4)):
        low, high = proportion_confint(count, 40, alpha=0.05, method="wilson")
        assert row[f"{rate}_count"] == count
        assert row[f"{rate}_rate"] == pytest.approx(count / 40)
        assert row[f"{rate}_low"] == pytest.approx(low, abs=1e-12)
        assert row[f"{rate}_high"] == pytest.approx(high, abs=1e-12)
        assert row[f"{rate}_design_effect"] == 1.0
    assert row["too_few"] is False and row["note"] is None


def test_reruns_widen_the_interval_by_the_design_effect() -> None:
    # 15 inputs, 3 runs each; failures cluster on some inputs
    pattern = [1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    fails = np.repeat(pattern, 3).astype(float)
    fails[[2, 20, 40]] = 1 - fails[[2, 20, 40]]
    inputs = np.repeat([f"in{i}" for i in range(15)], 3)
    frame = durations("v1", ["FAILURE" if f else "SUCCESS" for f in fails], inputs=inputs.tolist())
    row = outcome_rates(frame, confidence=0.9).row(0, named=True)
    deff = robust_deff(fails, inputs)
    assert row["n"] == 45 and row["n_inputs"] == 15
    assert row["failure_design_effect"] == pytest.approx(deff, rel=1e-12)
    assert deff > 1.5
    low, high = wilson(fails.mean(), 45 / deff, stats.t.ppf(0.95, 14))
    assert row["failure_low"] == pytest.approx(low, abs=2e-4)  # t by Cornish–Fisher, within 1e-4 at df 14
    assert row["failure_high"] == pytest.approx(high, abs=2e-4)
    plain_low, plain_high = proportion_confint(fails.sum(), 45, alpha=0.1, method="wilson")
    assert row["failure_high"] - row["failure_low"] > plain_high - plain_low


def test_running_jobs_are_left_out_of_the_denominator() -> None:
    frame = durations("v1", ["FAILURE"] * 3 + ["SUCCESS"] * 9 + [None] * 5)
    row = outcome_rates(frame).row(0, named=True)
    assert (row["n"], row["n_running"], row["failure_rate"]) == (12, 5, 0.25)
    assert row["note"] == "5 running jobs not counted"


def test_too_few_inputs_give_no_interval() -> None:
    frame = durations("v1", ["FAILURE", "SUCCESS"] * 6, inputs=[f"in{i % 4}" for i in range(12)])
    row = outcome_rates(frame).row(0, named=True)
    assert row["n_inputs"] == 4 and row["too_few"] is True
    assert row["failure_low"] is None and row["failure_high"] is None
    assert row["note"] == "too few to tell: 4 inputs (need 10)"


def test_job_frames_read_retries_cache_hits_and_inputs_from_events() -> None:
    jobs, events, inputs = [], [], []
    plan = [("SUCCESS", True), ("FAILURE", False), ("CACHED", False), ("SUCCESS", False), ("STARTED", True)]
    for i, (status, retried) in enumerate(plan):
        jobs.append({"id": f"j{i}", "agent_version_name": "v1", "status": status, "created_at": T0})
        seq = ["PENDING", "STARTED", *(["RETRY", "STARTED"] if retried else []), status]
        if status == "CACHED":
            seq = ["PENDING", "CACHED"]
        if status == "STARTED":
            seq = seq[:-1]
        for k, s in enumerate(seq):
            events.append({"job_id": f"j{i}", "event_index": k, "timestamp": T0 + timedelta(seconds=k), "status": s})
        inputs.append({"job_id": f"j{i}", "key": "q", "value": "same" if i < 2 else f"x{i}"})
    frames = JobFrames.from_tables(jobs=jobs, status_events=events, inputs=inputs)
    row = outcome_rates(frames).row(0, named=True)
    assert row["n"] == 4 and row["n_running"] == 1 and row["n_inputs"] == 3
    assert (row["retry_count"], row["cache_hit_count"], row["failure_count"]) == (1, 1, 1)
    overall = outcome_rates(frames, by=None)
    assert overall.columns == list(RATES_STATS) and overall.height == 1


def test_schema_is_fixed_empty_included() -> None:
    full = outcome_rates(durations("v1", ["SUCCESS"] * 3))
    empty = outcome_rates(durations("v1", []))
    assert empty.height == 0 and empty.schema == full.schema
    assert dict(full.schema) == {"agent_version_name": pl.String(), **dict(RATES_STATS)}
    assert outcome_rates(JobFrames.from_tables()).schema == full.schema


def test_bad_input_raises_before_work() -> None:
    with pytest.raises(ArgumentTypeError):
        outcome_rates([1, 2])  # type: ignore[arg-type]
    with pytest.raises(MissingColumnsError):
        outcome_rates(pl.DataFrame({"job_id": ["a"]}))
    with pytest.raises(InvalidArgumentError):
        outcome_rates(durations("v1", ["SUCCESS"]), confidence=1.5)
    with pytest.raises(InvalidArgumentError):
        outcome_rates(durations("v1", ["SUCCESS"]), cluster="customer")
    with pytest.raises(InvalidArgumentError):
        outcome_rates(durations("v1", ["SUCCESS"]), by="n")


def two_versions(fail_a: int, fail_b: int, n: int = 40) -> pl.DataFrame:
    a = durations("v1", ["FAILURE"] * fail_a + ["SUCCESS"] * (n - fail_a))
    b = durations("v2", ["FAILURE"] * fail_b + ["SUCCESS"] * (n - fail_b))
    return pl.concat([a, b])


def test_compare_rates_is_newcombe_for_independent_jobs() -> None:
    row = compare_rates(two_versions(4, 16), "v1", "v2").row(0, named=True)
    low, high = confint_proportions_2indep(16, 40, 4, 40, method="newcomb", compare="diff")
    assert row["difference"] == pytest.approx(0.3)
    assert row["diff_low"] == pytest.approx(low, abs=1e-12)
    assert row["diff_high"] == pytest.approx(high, abs=1e-12)
    assert row["verdict"].startswith("v2 is higher than v1: failure rate difference +0.300")
    lower = compare_rates(two_versions(16, 4), "v1", "v2").item(0, "verdict")
    assert lower.startswith("v2 is lower than v1")


def test_compare_rates_verdicts_for_no_difference_and_too_few() -> None:
    same = compare_rates(two_versions(8, 10), "v1", "v2")
    assert same.item(0, "verdict").startswith("no detectable difference between v1 and v2 in failure rate")
    few = compare_rates(two_versions(2, 6, n=8), "v1", "v2")
    assert few.item(0, "too_few") is True and few.item(0, "diff_low") is None
    assert few.item(0, "verdict").startswith("too few to tell")
    assert few.schema == COMPARE_RATES_SCHEMA == same.schema


def test_compare_rates_rejects_bad_arguments() -> None:
    frame = two_versions(4, 16)
    with pytest.raises(InvalidArgumentError, match="rate must be one of"):
        compare_rates(frame, "v1", "v2", rate="errors")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="same version"):
        compare_rates(frame, "v1", "v1")
    with pytest.raises(InvalidArgumentError, match="not in"):
        compare_rates(frame, "v1", "v9")
    with pytest.raises(ArgumentTypeError):
        compare_rates(frame, "v1", 2)  # type: ignore[arg-type]


def test_compare_rates_with_reruns_uses_effective_n_per_side() -> None:
    rng = np.random.default_rng(4)
    frames, sides = [], {}
    for version, rate in (("v1", 0.2), ("v2", 0.5)):
        per_input = rng.random(20) < rate  # 20 inputs, 3 runs each, runs mostly follow the input
        fails = np.repeat(per_input, 3) ^ (rng.random(60) < 0.1)
        inputs = np.repeat([f"{version}-in{i}" for i in range(20)], 3)
        frames.append(durations(version, ["FAILURE" if f else "SUCCESS" for f in fails], inputs=inputs.tolist()))
        deff = robust_deff(fails.astype(float), inputs)
        sides[version] = (fails.mean(), *wilson(fails.mean(), 60 / deff, stats.t.ppf(0.975, 19)))
    row = compare_rates(pl.concat(frames), "v1", "v2").row(0, named=True)
    (p_a, lo_a, hi_a), (p_b, lo_b, hi_b) = sides["v1"], sides["v2"]
    # Newcombe (1998) method 10 from the two Wilson intervals
    assert row["diff_low"] == pytest.approx(p_b - p_a - np.hypot(p_b - lo_b, hi_a - p_a), abs=3e-4)
    assert row["diff_high"] == pytest.approx(p_b - p_a + np.hypot(hi_b - p_b, p_a - lo_a), abs=3e-4)
    assert row["n_inputs_a"] == row["n_inputs_b"] == 20 and row["n_a"] == 60
    assert row["design_effect_a"] > 1


def test_job_frames_cluster_by_a_jobs_column() -> None:
    jobs = [
        {"id": f"j{i}", "agent_version_name": "v1", "status": "FAILURE" if i % 3 == 0 else "SUCCESS"}
        | {"creator_id": f"c{i % 12}"}
        for i in range(36)
    ]
    frames = JobFrames.from_tables(jobs=jobs)
    by_creator = outcome_rates(frames, cluster="creator_id").row(0, named=True)
    by_job = outcome_rates(frames).row(0, named=True)
    assert by_creator["n_inputs"] == 12 and by_job["n_inputs"] == 36  # no inputs: each job is its own
    status = np.array([1.0 if i % 3 == 0 else 0.0 for i in range(36)])
    assert by_creator["failure_design_effect"] == pytest.approx(
        robust_deff(status, np.array([f"c{i % 12}" for i in range(36)])), rel=1e-12
    )
