"""Failures per version, their trend and their error messages: exact counts, ids and intervals.

Intervals are checked against statsmodels' Wilson interval (one run per input) and against the
clustered formula written out by hand (inputs repeated): Wilson on n / deff with a t_{G-1}
critical value, deff the cluster-robust variance of the mean over s²/N (Cameron & Miller 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import roe_analysis as ra
from roe_analysis.analysis._failures import FAILURE_STATS, MESSAGE_STATS, TREND_STATS
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
KEY = pl.Schema({"agent_version_name": pl.String()})


def frames_of(
    version: str,
    statuses: Sequence[str],
    *,
    inputs: Sequence[str] | None = None,
    start: datetime = T0,
) -> dict[str, list[dict[str, object]]]:
    """Jobs ``{version}-{i}`` created an hour apart, with their inputs (one key ``q``) when given."""
    jobs = [
        {"id": f"{version}-{i}", "agent_version_name": version, "status": s, "created_at": start + timedelta(hours=i)}
        for i, s in enumerate(statuses)
    ]
    rows: list[dict[str, object]] = [
        {"job_id": f"{version}-{i}", "key": "q", "value": v} for i, v in enumerate(inputs or [])
    ]
    return {"jobs": jobs, "inputs": rows}


def build(*parts: dict[str, list[dict[str, object]]], events: Sequence[dict[str, object]] = ()) -> ra.JobFrames:
    return ra.JobFrames.from_tables(
        jobs=[j for p in parts for j in p["jobs"]],
        inputs=[i for p in parts for i in p["inputs"]] or None,
        status_events=list(events) or None,
    )


def wilson(p: float, n: float, crit: float) -> tuple[float, float]:
    """Wilson (1927) score interval with a possibly fractional n."""
    centre = (p + crit**2 / (2 * n)) / (1 + crit**2 / n)
    half = crit * np.sqrt(p * (1 - p) / n + crit**2 / (4 * n * n)) / (1 + crit**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def robust_deff(x: np.ndarray, clusters: np.ndarray) -> float:
    n, mean = x.size, x.mean()
    labels = sorted(set(clusters.tolist()))
    resid = np.array([(x[clusters == c] - mean).sum() for c in labels])
    g = len(labels)
    return (g / (g - 1) * (resid**2).sum() / n**2) / (x.var(ddof=1) / n)


# --- failure_summary -----------------------------------------------------------------------------


def test_summary_counts_finished_jobs_only_and_says_so() -> None:
    v1 = frames_of("v1", ["SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "FAILURE", "CANCELLED", "CACHED", "PENDING"])
    v2 = frames_of("v2", ["FAILURE", "STARTED"])

    result = ra.failure_summary(build(v2, v1))

    assert result.select("agent_version_name", "n", "n_unfinished", "n_inputs", "failures", "cancelled").rows() == [
        ("v1", 7, 1, 7, 2, 1),
        ("v2", 1, 1, 1, 1, 0),
    ]
    assert result.get_column("failure_rate").to_list() == [2 / 7, 1.0]
    assert result.get_column("cancel_rate").to_list() == [1 / 7, 0.0]
    assert result.get_column("too_few").to_list() == [True, True]
    assert result.get_column("failure_rate_low").to_list() == [None, None]
    assert result.get_column("note").to_list() == [
        "too few to tell: 7 inputs (need 10); 1 running job not counted",
        "too few to tell: 1 input (need 10); 1 running job not counted",
    ]
    assert result.get_column("confidence").to_list() == [0.95, 0.95]
    assert result.schema == pl.Schema({**KEY, **FAILURE_STATS})


def test_summary_intervals_are_statsmodels_wilson_with_one_run_per_input() -> None:
    statuses = ["FAILURE"] * 7 + ["CANCELLED"] * 3 + ["SUCCESS"] * 30
    frames = build(frames_of("v1", statuses))

    row = ra.failure_summary(frames, confidence=0.9).row(0, named=True)

    assert (row["n"], row["n_inputs"], row["failures"], row["cancelled"], row["too_few"]) == (40, 40, 7, 3, False)
    low, high = proportion_confint(7, 40, alpha=0.1, method="wilson")
    assert row["failure_rate_low"] == pytest.approx(low, abs=1e-12)
    assert row["failure_rate_high"] == pytest.approx(high, abs=1e-12)
    low, high = proportion_confint(3, 40, alpha=0.1, method="wilson")
    assert row["cancel_rate_low"] == pytest.approx(low, abs=1e-12)
    assert row["cancel_rate_high"] == pytest.approx(high, abs=1e-12)
    assert row["design_effect"] == 1.0
    assert row["note"] is None


def test_summary_intervals_cluster_on_repeated_inputs() -> None:
    # 20 inputs run twice: inputs 0-5 fail both runs, 6-9 fail one run, the rest never fail.
    inputs = [f"in{i}" for i in range(20) for _ in range(2)]
    statuses = ["FAILURE" if i < 6 or (i < 10 and run == 0) else "SUCCESS" for i in range(20) for run in range(2)]
    row = ra.failure_summary(build(frames_of("v1", statuses, inputs=inputs))).row(0, named=True)

    x = np.array([s == "FAILURE" for s in statuses], dtype=float)
    clusters = np.array(inputs)
    deff = robust_deff(x, clusters)
    low, high = wilson(x.mean(), x.size / max(1.0, deff), float(stats.t.ppf(0.975, 19)))
    assert (row["n"], row["n_inputs"], row["failures"]) == (40, 20, 16)
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)
    assert deff > 1.0  # the runs of an input agree: fewer effective jobs than runs
    # The library's t is a Cornish–Fisher expansion (A&S 26.7.5), within 1e-4 of scipy's from df 9 on.
    assert row["failure_rate_low"] == pytest.approx(low, abs=2e-4)
    assert row["failure_rate_high"] == pytest.approx(high, abs=2e-4)
    plain_low, plain_high = proportion_confint(16, 40, method="wilson")
    assert row["failure_rate_high"] - row["failure_rate_low"] > plain_high - plain_low


def test_summary_overall_and_empty_keep_their_schema() -> None:
    frames = build(frames_of("v1", ["FAILURE", "SUCCESS"]), frames_of("v2", ["CANCELLED"]))
    overall = ra.failure_summary(frames, by=None)
    assert overall.select("n", "failures", "cancelled").rows() == [(3, 1, 1)]
    assert overall.schema == FAILURE_STATS

    empty = ra.failure_summary(ra.JobFrames.from_tables())
    assert_frame_equal(empty, pl.DataFrame(schema={**KEY, **FAILURE_STATS}))
    nothing = ra.filter_frames(frames, version_name="v3")
    assert_frame_equal(ra.failure_summary(nothing), pl.DataFrame(schema={**KEY, **FAILURE_STATS}))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"confidence": 1.5}, InvalidArgumentError, "confidence"),
        ({"confidence": "0.95"}, ArgumentTypeError, "failure_summary: confidence must be a number"),
        ({"by": [1]}, ArgumentTypeError, "failure_summary: by must be a column name"),
        ({"by": "failures"}, InvalidArgumentError, "failure_summary: cannot group by ['failures']"),
        ({"by": "customer"}, MissingColumnsError, "failure_summary: missing column ['customer']"),
        ({"cluster": ""}, ArgumentTypeError, "failure_summary: cluster must be a column name"),
    ],
)
def test_summary_refuses_bad_arguments(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    frames = build(frames_of("v1", ["FAILURE"]))
    with pytest.raises(error, match=None) as info:
        ra.failure_summary(frames, **kwargs)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_summary_refuses_what_is_not_frames() -> None:
    with pytest.raises(ArgumentTypeError, match="failure_summary expects JobFrames"):
        ra.failure_summary([1, 2])  # type: ignore[arg-type]


# --- failure_trend -------------------------------------------------------------------------------


def test_trend_counts_per_day_and_version_with_intervals_only_when_enough() -> None:
    # Day 1: v1 has 12 jobs on 12 inputs, 3 fail; day 2: v1 has 2 jobs, 1 fails; v2 one job on day 2.
    day1 = frames_of("v1", ["FAILURE"] * 3 + ["SUCCESS"] * 9, start=datetime(2026, 5, 1, 0, tzinfo=UTC))
    day2 = frames_of("w1", ["FAILURE", "SUCCESS", "PENDING"], start=datetime(2026, 5, 2, 0, tzinfo=UTC))
    for job in day2["jobs"]:
        job["agent_version_name"] = "v1"
    v2 = frames_of("v2", ["SUCCESS"], start=datetime(2026, 5, 2, 5, tzinfo=UTC))

    trend = ra.failure_trend(build(day1, day2, v2))

    may = [datetime(2026, 5, d, tzinfo=UTC) for d in (1, 2)]
    assert trend.select("period_start", "agent_version_name", "n", "n_inputs", "failures", "too_few").rows() == [
        (may[0], "v1", 12, 12, 3, False),
        (may[1], "v1", 2, 2, 1, True),
        (may[1], "v2", 1, 1, 0, True),
    ]
    assert trend.get_column("failure_rate").to_list() == [0.25, 0.5, 0.0]
    low, high = proportion_confint(3, 12, method="wilson")
    assert trend.item(0, "failure_rate_low") == pytest.approx(low, abs=1e-12)
    assert trend.item(0, "failure_rate_high") == pytest.approx(high, abs=1e-12)
    assert trend.get_column("failure_rate_low").to_list()[1:] == [None, None]
    assert trend.schema == pl.Schema({"period_start": pl.Datetime("us", "UTC"), **KEY, **TREND_STATS})


def test_trend_empty_and_bad_arguments() -> None:
    empty = ra.failure_trend(ra.JobFrames.from_tables(), every="1w")
    assert_frame_equal(empty, pl.DataFrame(schema={"period_start": pl.Datetime("us", "UTC"), **KEY, **TREND_STATS}))
    frames = build(frames_of("v1", ["FAILURE"]))
    with pytest.raises(InvalidArgumentError, match="failure_trend: every='fortnight' is not a Polars duration"):
        ra.failure_trend(frames, every="fortnight")
    with pytest.raises(InvalidArgumentError, match="failure_trend: by must not contain 'period_start'"):
        ra.failure_trend(frames, by="period_start")
    with pytest.raises(InvalidArgumentError, match="confidence"):
        ra.failure_trend(frames, confidence=0)


# --- error_messages ------------------------------------------------------------------------------


def event(job: str, index: int, status: str, message: str | None = None) -> dict[str, object]:
    return {"job_id": job, "event_index": index, "status": status, "error_message": message}


def message_frames() -> ra.JobFrames:
    v1 = frames_of("v1", ["FAILURE", "FAILURE", "FAILURE", "SUCCESS", "FAILURE"])
    v2 = frames_of("v2", ["FAILURE", "FAILURE", "CANCELLED"], start=T0 + timedelta(days=1))
    events = [
        event("v1-0", 0, "RETRY", "Connection reset by peer"),  # a retry's message is not a failure's
        event("v1-0", 1, "FAILURE", "Tool call  returned\nan error"),
        event("v1-1", 0, "FAILURE", "  Tool call returned an error "),
        event("v1-2", 0, "FAILURE", None),
        event("v1-3", 0, "SUCCESS"),
        event("v1-4", 0, "FAILURE", "Exceeded maximum retries"),
        event("v1-4", 1, "FAILURE", "Tool call returned an error"),  # the last FAILURE event is the job's
        event("v2-0", 0, "FAILURE", "Exceeded maximum retries"),
        # v2-1 failed without any FAILURE event
        event("v2-2", 0, "CANCELLED", "cancelled by user"),
    ]
    return build(v1, v2, events=events)


def test_error_messages_rank_messages_once_per_job() -> None:
    result = ra.error_messages(message_frames())

    assert result.select("message", "n_jobs", "share", "versions", "example_job_id").rows() == [
        ("Tool call returned an error", 3, 3 / 6, ["v1"], "v1-0"),
        ("(no message)", 2, 2 / 6, ["v1", "v2"], "v1-2"),
        ("Exceeded maximum retries", 1, 1 / 6, ["v2"], "v2-0"),
    ]
    assert result.select("first_seen", "last_seen").rows() == [
        (T0, T0 + timedelta(hours=4)),
        (T0 + timedelta(hours=2), T0 + timedelta(days=1, hours=1)),
        (T0 + timedelta(days=1), T0 + timedelta(days=1)),
    ]
    assert result.schema == MESSAGE_STATS
    assert ra.error_messages(message_frames(), top=1).get_column("message").to_list() == ["Tool call returned an error"]


def test_error_messages_by_version_share_of_each_versions_failures() -> None:
    result = ra.error_messages(message_frames(), by="agent_version_name", top=None)

    assert result.select("agent_version_name", "message", "n_jobs", "share").rows() == [
        ("v1", "Tool call returned an error", 3, 0.75),
        ("v1", "(no message)", 1, 0.25),
        ("v2", "(no message)", 1, 0.5),
        ("v2", "Exceeded maximum retries", 1, 0.5),
    ]
    assert ra.error_messages(message_frames(), by="agent_version_name", top=1).get_column("message").to_list() == [
        "Tool call returned an error",
        "(no message)",
    ]


def test_error_messages_empty_and_bad_arguments() -> None:
    assert_frame_equal(ra.error_messages(ra.JobFrames.from_tables()), pl.DataFrame(schema=MESSAGE_STATS))
    no_failures = build(frames_of("v1", ["SUCCESS"]))
    assert_frame_equal(
        ra.error_messages(no_failures, by="agent_version_name"), pl.DataFrame(schema={**KEY, **MESSAGE_STATS})
    )
    frames = message_frames()
    with pytest.raises(ArgumentTypeError, match="error_messages expects JobFrames"):
        ra.error_messages(frames.jobs)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="error_messages: top must be a positive integer"):
        ra.error_messages(frames, top=0)
    with pytest.raises(ArgumentTypeError, match="error_messages: top must be a positive integer"):
        ra.error_messages(frames, top=True)
    with pytest.raises(MissingColumnsError, match=r"error_messages: missing column \['customer'\]"):
        ra.error_messages(frames, by="customer")


# --- the demo agent ------------------------------------------------------------------------------


def test_demo_failure_counts_equal_a_plain_count(demo_frames: ra.JobFrames) -> None:
    jobs = demo_frames.jobs
    expected = (
        jobs.group_by("agent_version_name")
        .agg(
            (pl.col("status") == "FAILURE").sum().cast(pl.UInt32).alias("failures"),
            (pl.col("status") == "CANCELLED").sum().cast(pl.UInt32).alias("cancelled"),
            pl.col("status").is_in(["SUCCESS", "FAILURE", "CANCELLED", "CACHED"]).sum().cast(pl.UInt32).alias("n"),
        )
        .sort("agent_version_name")
    )
    summary = ra.failure_summary(demo_frames)
    assert_frame_equal(summary.select("agent_version_name", "failures", "cancelled", "n"), expected)
    assert summary.get_column("failures").to_list() == [32, 26, 25, 0]


def test_demo_error_messages_equal_a_plain_count(demo_frames: ra.JobFrames) -> None:
    failed = demo_frames.jobs.filter(pl.col("status") == "FAILURE").select(pl.col("id").alias("job_id"))
    expected = (
        demo_frames.status_events.filter(pl.col("status") == "FAILURE")
        .join(failed, on="job_id")
        .group_by(pl.col("error_message").alias("message"))
        .agg(pl.len().cast(pl.UInt32).alias("n_jobs"))
        .sort(["n_jobs", "message"], descending=[True, False])
    )
    result = ra.error_messages(demo_frames)
    assert_frame_equal(result.select("message", "n_jobs"), expected)
    assert int(result.get_column("n_jobs").sum()) == failed.height == 83
