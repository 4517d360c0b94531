"""Grader-score summaries, against hand results and scipy/statsmodels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from roe_analysis.analysis import (
    MissingColumnsError,
    score_drift,
    score_summary,
    score_vs_duration,
)
from roe_analysis.analysis._scores import SCORE_VS_DURATION_SCHEMA
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)


# --- score_summary ------------------------------------------------------------------------------


def test_score_summary_hand_computed_on_a_1_to_10_scale(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    jobs = jobs_frame({"v1": [2.0, 4.0, 9.0, None], "v2": [7.0, 7.0, 7.0, 10.0]})

    result = score_summary(jobs, threshold=7).select(
        "agent_version_name", "n", "n_scored", "mean", "median", "std", "n_passed", "pass_rate"
    )

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


def test_score_summary_intervals_match_references(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    """Every row its own unit: Wilson exactly, the mean the expanded percentile bootstrap.

    Expanded percentile (Hesterberg 2015, §4.2): percentiles at α'/2 with
    α' = 2Φ(-√(n/(n-1))·t_{n-1, 0.975}), reproduced here with scipy.stats.bootstrap.
    """
    rng = np.random.default_rng(0)
    values = rng.normal(50, 10, size=80).round(1)
    jobs = jobs_frame({"v1": values.tolist()})

    result = score_summary(jobs, threshold=55, n_resamples=20_000).row(0, named=True)

    k = int((values >= 55).sum())
    assert (result["pass_low"], result["pass_high"]) == pytest.approx(
        proportion_confint(k, 80, alpha=0.05, method="wilson"), abs=1e-12
    )
    alpha = 2 * stats.norm.cdf(-np.sqrt(80 / 79) * stats.t.ppf(0.975, 79))
    expected = stats.bootstrap(
        (values,), np.mean, n_resamples=20_000, method="percentile", confidence_level=1 - alpha,
        rng=np.random.default_rng(1),
    ).confidence_interval  # fmt: skip
    width = expected.high - expected.low
    assert result["mean_low"] == pytest.approx(expected.low, abs=0.03 * width)
    assert result["mean_high"] == pytest.approx(expected.high, abs=0.03 * width)
    assert (result["n_inputs"], result["design_effect"], result["pass_design_effect"]) == (80, 1.0, 1.0)
    assert (result["too_few"], result["note"]) == (False, None)


def test_score_summary_all_null_scores_and_nan(jobs_frame: Callable[..., pl.DataFrame]) -> None:
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
    assert (v2["n_scored"], v2["mean"], v2["mean_low"], v2["mean_high"], v2["std"]) == (1, 3.0, None, None, None)
    assert (v1["n_inputs"], v1["too_few"], v1["note"]) == (0, True, "too few to tell: 0 jobs (need 10)")


def test_score_summary_without_threshold_keeps_the_pass_columns_null(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    result = score_summary(jobs_frame({"v1": [1.0, 2.0]}))

    assert result.select("n_passed", "pass_rate", "pass_low", "pass_high").row(0) == (None, None, None, None)


def test_score_summary_from_job_frames_by_other_metric_and_overall(paired_frames: Callable[..., JobFrames]) -> None:
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


def test_score_summary_empty_has_fixed_schema(jobs_frame: Callable[..., pl.DataFrame]) -> None:
    result = score_summary(JobFrames.empty(), threshold=0.5)
    again = score_summary(jobs_frame({}))

    assert result.height == 0
    assert result.columns == [
        "agent_version_name", "n", "n_scored", "n_inputs", "mean", "mean_low", "mean_high", "median", "std",
        "design_effect", "n_passed", "pass_rate", "pass_low", "pass_high", "pass_design_effect", "too_few", "note",
    ]  # fmt: skip
    assert result.schema == again.schema


def test_score_summary_validates(jobs_frame: Callable[..., pl.DataFrame]) -> None:
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


# --- every helper: the same columns and dtypes with or without data ---------------------------


@pytest.mark.parametrize(
    "helper",
    [
        score_summary,
        lambda frames: score_summary(frames, by=("agent_version_name", "status"), threshold=2),
        score_drift,
        score_vs_duration,
    ],
)
def test_empty_input_gives_the_same_schema_as_data(helper: Any, paired_frames: Callable[..., JobFrames]) -> None:
    frames = paired_frames({"v1": [("a", 1.0), ("b", 3.0)], "v2": [("a", 5.0)]})

    empty = helper(JobFrames.empty())
    full = helper(frames)

    assert empty.height == 0
    assert full.height > 0
    assert empty.schema == full.schema


# --- the input as the unit, metadata slices, one scale per pooled column -----------------------


def repeated_frames(n_inputs: int, runs: int, *, agents: dict[str, float] | None = None) -> JobFrames:
    """``n_inputs`` inputs run ``runs`` times each; per agent (id → scale factor) scores ``scale·i/n``."""
    jobs, inputs, metadata = [], [], []
    for agent, scale in (agents or {"00000000-0000-4000-8000-0000000000aa": 1.0}).items():
        for i in range(n_inputs):
            for r in range(runs):
                job_id = f"{agent}-{i}-{r}"
                jobs.append({"id": job_id, "agent_id": agent, "agent_version_name": "v1", "status": "SUCCESS",
                             "grader_score": scale * (i + r % 2) / (n_inputs + 1)})  # fmt: skip
                inputs.append({"job_id": job_id, "input_index": 0, "key": "q", "value": str(i), "data_type": "text"})
                metadata.append({"job_id": job_id, "key": "customer", "value": "acme" if i % 2 else "globex"})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs, metadata=metadata)


def test_score_summary_counts_inputs_not_runs() -> None:
    frames = repeated_frames(4, 3)

    row = score_summary(frames, by=None, threshold=0.5).row(0, named=True)

    assert (row["n"], row["n_scored"], row["n_inputs"], row["too_few"]) == (12, 12, 4, True)
    assert row["note"] == "too few to tell: 4 inputs (need 10)"
    assert (row["mean_low"], row["mean_high"], row["pass_low"], row["pass_high"]) == (None, None, None, None)


def test_score_summary_by_and_cluster_a_metadata_key() -> None:
    frames = repeated_frames(12, 2)
    scores = frames.jobs.get_column("grader_score").to_numpy()
    customers = ["acme" if int(i.split("-")[-2]) % 2 else "globex" for i in frames.jobs.get_column("id")]

    result = score_summary(frames, by="customer").select("customer", "n", "n_inputs", "mean")
    by_customer = score_summary(frames, by=None, cluster="customer").row(0, named=True)

    expected = {c: scores[np.array(customers) == c] for c in ("acme", "globex")}
    assert result.rows() == [(c, 12, 6, pytest.approx(v.mean())) for c, v in sorted(expected.items())]
    assert (by_customer["n_inputs"], by_customer["note"]) == (2, "too few to tell: 2 clusters of customer (need 10)")
    with pytest.raises(
        MissingColumnsError, match=r"neither a column nor a metadata key.*metadata keys: \['customer'\]"
    ):
        score_summary(frames, by="customers")


def test_score_summary_degenerate_interval_is_null() -> None:
    jobs = pl.DataFrame({"input_id": [str(i) for i in range(12)], "grader_score": [0.7] * 12})

    row = score_summary(jobs, by=None, threshold=0.5).row(0, named=True)

    assert row["mean"] == pytest.approx(0.7)
    assert (row["too_few"], row["mean_low"], row["mean_high"], row["design_effect"]) == (False, None, None, None)
    assert row["pass_high"] == 1.0 and row["pass_low"] == pytest.approx(proportion_confint(12, 12, method="wilson")[0])


def test_score_summary_refuses_to_pool_agents_on_different_scales() -> None:
    a, b = "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000bb"
    mixed = repeated_frames(10, 1, agents={a: 1.0, b: 100.0})
    same = repeated_frames(10, 1, agents={a: 1.0, b: 0.5})

    with pytest.raises(ValueError, match=r"different scales across agents.*0–1.*0–100.*pass by=\['agent_id', \.\.\.\]"):
        score_summary(mixed)
    with pytest.raises(ValueError, match="different scales across agents"):
        score_drift(mixed)
    assert score_summary(mixed, by=["agent_id", "agent_version_name"]).height == 2
    assert score_summary(same).get_column("n").to_list() == [20]


def test_score_scale_recognises_the_common_scales() -> None:
    from roe_analysis.analysis._scales import score_scale

    cases: dict[str, list[float]] = {
        "0–1": [0.0, 0.5, 1.0], "1–5": [1, 2, 5], "0–10": [0, 10], "0–100": [0.5, 99.0],
    }  # fmt: skip
    for label, values in cases.items():
        assert score_scale(values) == label
        assert score_scale(pl.Series(values, dtype=pl.Float64)) == label
    assert score_scale([-0.5, 0.5]) is None and score_scale([0, 250]) is None and score_scale([]) is None


def test_score_summary_one_input_reads_singular() -> None:
    row = score_summary(repeated_frames(1, 3), by=None, threshold=0.5).row(0, named=True)

    assert (row["n"], row["n_inputs"], row["too_few"]) == (3, 1, True)
    assert row["note"] == "too few to tell: 1 input (need 10)"
    by_customer = score_summary(repeated_frames(1, 3), by=None, cluster="customer").row(0, named=True)
    assert (by_customer["n_inputs"], by_customer["note"]) == (1, "too few to tell: 1 cluster of customer (need 10)")
