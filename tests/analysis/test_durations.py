"""Durations recomputed from status events, and their summaries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import Status
from roe_analysis.analysis import (
    MissingColumnsError,
    duration_mismatches,
    duration_summary,
    duration_trend,
    job_durations,
    slowest_jobs,
    status_time,
    status_time_summary,
)
from roe_analysis.analysis._job_durations import DURATIONS_SCHEMA, STATUS_TIME_SCHEMA
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)


def at(ms: float) -> datetime:
    return T0 + timedelta(microseconds=round(ms * 1000))


def make_frames(
    jobs: Sequence[dict[str, Any]], events: Sequence[tuple[str, str, float | None] | dict[str, Any]] = ()
) -> JobFrames:
    """Jobs as dicts; events as ``(job_id, status, ms after T0 or None)`` in array order (or dicts)."""
    job_rows = [{"agent_id": "agent", "agent_version_name": "v1", "created_at": T0, **job} for job in jobs]
    event_rows = []
    index: dict[str, int] = {}
    for event in events:
        row = (
            dict(event)
            if isinstance(event, dict)
            else {"job_id": event[0], "status": event[1], "timestamp": None if event[2] is None else at(event[2])}
        )
        row.setdefault("event_index", index.get(row["job_id"], 0))
        index[row["job_id"]] = row["event_index"] + 1
        event_rows.append(row)
    return JobFrames.from_tables(jobs=job_rows, status_events=event_rows)


def row_of(frame: pl.DataFrame, job_id: str) -> dict[str, Any]:
    return frame.filter(pl.col("job_id") == job_id).row(0, named=True)


# --- job_durations: the spec rule, case by case -------------------------------------------------


def test_plain_job_splits_into_queue_and_run() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS", "duration_ms": 5000}],
        [("a", "PENDING", 0), ("a", "STARTED", 2000), ("a", "SUCCESS", 5000)],
    )

    result = job_durations(frames)

    expected = pl.DataFrame(
        [
            {
                "job_id": "a",
                "agent_id": "agent",
                "agent_version_name": "v1",
                "created_at": T0,
                "terminal_status": "SUCCESS",
                "is_running": False,
                "started_at": at(0),
                "ended_at": at(5000),
                "duration_ms": 5000,
                "server_duration_ms": 5000,
                "queue_ms": 2000,
                "run_ms": 3000,
                "running_for_ms": None,
                "retry_count": 0,
                "attempts": 1,
                "cache_hits": 0,
                "events_out_of_order": False,
                "input_id": None,
            }
        ],
        schema=DURATIONS_SCHEMA,
    )
    assert_frame_equal(result, expected)


def test_pending_stamped_after_started_is_flagged_and_queue_is_never_negative() -> None:
    # PENDING at 3 s, STARTED at 1 s: the spec orders events by timestamp, so the job's timeline is
    # STARTED(1 s) -> PENDING(3 s) -> SUCCESS(5 s). The old first PENDING -> first STARTED gave -2000.
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "SUCCESS"}],
        [
            ("a", "PENDING", 3000),
            ("a", "STARTED", 1000),
            ("a", "SUCCESS", 5000),
            ("b", "PENDING", 0),
            ("b", "STARTED", 1500),
            ("b", "SUCCESS", 4000),
        ],
    )

    result = job_durations(frames).select("job_id", "queue_ms", "run_ms", "duration_ms", "events_out_of_order")

    # a: earliest event is STARTED itself -> queue 0; run STARTED -> SUCCESS = 4000 = duration.
    assert result.rows() == [("a", 0, 4000, 4000, True), ("b", 1500, 2500, 4000, False)]


def test_out_of_order_queue_counts_from_the_earliest_event() -> None:
    # RETRY at 0, STARTED at 2 s, PENDING at 4 s: queue = 2000 (earliest event -> first STARTED).
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}],
        [("a", "RETRY", 0), ("a", "PENDING", 4000), ("a", "STARTED", 2000), ("a", "SUCCESS", 6000)],
    )

    result = row_of(job_durations(frames), "a")

    assert (result["queue_ms"], result["run_ms"], result["events_out_of_order"]) == (2000, 4000, True)
    assert result["queue_ms"] + result["run_ms"] == result["duration_ms"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["PENDING", "STARTED", "RETRY"]), st.integers(0, 10_000)), max_size=6))
def test_queue_ms_is_never_negative(events: list[tuple[str, int]]) -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}],
        [("a", status, float(ms)) for status, ms in events] + [("a", "SUCCESS", 20_000.0)],
    )

    result = row_of(job_durations(frames), "a")

    pending = [ms for status, ms in events if status == "PENDING"]
    started = [ms for status, ms in events if status == "STARTED"]
    if pending and started:
        assert result["queue_ms"] >= 0
        assert result["events_out_of_order"] == (min(pending) > min(started))
        expected = min(started) - (min(pending) if min(pending) <= min(started) else min(ms for _, ms in events))
        assert result["queue_ms"] == expected
    else:
        assert result["queue_ms"] is None
        assert result["events_out_of_order"] is False


def test_input_id_is_the_canonical_input_identity() -> None:
    frames = JobFrames.from_tables(
        jobs=[{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "SUCCESS"}, {"id": "c", "status": "SUCCESS"}],
        inputs=[
            {"job_id": "a", "key": "q", "value": "1"},
            {"job_id": "a", "key": "r", "value": "2"},
            {"job_id": "b", "key": "r", "value": "2"},
            {"job_id": "b", "key": "q", "value": "1"},
        ],
    )

    result = job_durations(frames).select("job_id", "input_id")

    ids = dict(result.rows())
    assert ids["a"] == ids["b"] == '{"key":"q","value":"1"}\n{"key":"r","value":"2"}'
    assert ids["c"] is None


def test_events_are_ordered_by_timestamp_not_array_position() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}],
        [("a", "SUCCESS", 5000), ("a", "PENDING", 0), ("a", "STARTED", 2000)],
    )

    result = row_of(job_durations(frames), "a")

    assert (result["started_at"], result["ended_at"]) == (at(0), at(5000))
    assert (result["duration_ms"], result["queue_ms"], result["run_ms"]) == (5000, 2000, 3000)


def test_trailing_cache_hits_do_not_inflate_duration() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS", "duration_ms": 5000}],
        [
            ("a", "PENDING", 0),
            ("a", "STARTED", 1000),
            ("a", "SUCCESS", 5000),
            {"job_id": "a", "status": "CACHED", "timestamp": at(90_000), "count": 3},
            {"job_id": "a", "status": "CACHED", "timestamp": at(100_000), "count": None},
        ],
    )

    result = row_of(job_durations(frames), "a")

    assert result["duration_ms"] == 5000
    assert result["ended_at"] == at(5000)
    assert result["cache_hits"] == 4  # 3 + (missing count counts 1)
    assert result["terminal_status"] == "SUCCESS"


def test_job_served_from_cache_lasts_zero_ms() -> None:
    # PENDING -> CACHED: the latest non-CACHED event is the PENDING, so by the spec duration = 0.
    frames = make_frames(
        [{"id": "a", "status": "CACHED", "duration_ms": 0}],
        [("a", "PENDING", 0), {"job_id": "a", "status": "CACHED", "timestamp": at(250), "count": None}],
    )

    result = row_of(job_durations(frames), "a")

    assert result["duration_ms"] == 0
    assert result["queue_ms"] is None and result["run_ms"] is None
    assert result["cache_hits"] == 1
    assert result["terminal_status"] == "CACHED"
    assert result["attempts"] == 0


def test_only_cached_events_have_no_duration() -> None:
    frames = make_frames(
        [{"id": "a", "status": "CACHED"}],
        [{"job_id": "a", "status": "CACHED", "timestamp": at(0), "count": 2}],
    )

    result = row_of(job_durations(frames), "a")

    assert result["duration_ms"] is None
    assert result["cache_hits"] == 2


def test_retries_count_attempts_and_run_starts_at_first_start() -> None:
    frames = make_frames(
        [{"id": "a", "status": "FAILURE"}],
        [
            ("a", "PENDING", 0),
            ("a", "STARTED", 1000),
            ("a", "RETRY", 3000),
            ("a", "STARTED", 4000),
            ("a", "RETRY", 6000),
            ("a", "STARTED", 7000),
            ("a", "FAILURE", 9500),
        ],
    )

    result = row_of(job_durations(frames), "a")

    assert (result["retry_count"], result["attempts"]) == (2, 3)
    assert (result["queue_ms"], result["run_ms"], result["duration_ms"]) == (1000, 8500, 9500)


@pytest.mark.parametrize("status", ["PENDING", "STARTED", "RETRY"])
def test_running_job_has_no_duration(status: str) -> None:
    events = [("a", "PENDING", 0), ("a", "STARTED", 1500), ("a", "RETRY", 4000)]
    upto = {"PENDING": 1, "STARTED": 2, "RETRY": 3}[status]
    frames = make_frames([{"id": "a", "status": status, "duration_ms": None}], events[:upto])

    result = row_of(job_durations(frames), "a")

    assert result["is_running"] is True
    assert result["terminal_status"] is None
    assert result["duration_ms"] is None and result["run_ms"] is None and result["ended_at"] is None
    assert result["queue_ms"] == (None if status == "PENDING" else 1500)
    assert result["running_for_ms"] is None  # no `now`, no guess


def test_running_for_ms_needs_now() -> None:
    frames = make_frames(
        [{"id": "a", "status": "STARTED"}, {"id": "b", "status": "SUCCESS"}, {"id": "c", "status": "PENDING"}],
        [("a", "PENDING", 1000), ("a", "STARTED", 2000), ("b", "PENDING", 0), ("b", "SUCCESS", 10)],
    )
    now = T0 + timedelta(seconds=60, microseconds=999)

    result = job_durations(frames, now=now).select("job_id", "running_for_ms")

    # c has no events yet: its age counts from created_at (T0).
    expected = pl.DataFrame({"job_id": ["a", "b", "c"], "running_for_ms": [59_000, None, 60_000]})
    assert_frame_equal(result, expected)


def test_now_in_another_timezone_is_converted() -> None:
    frames = make_frames([{"id": "a", "status": "PENDING"}], [("a", "PENDING", 0)])
    now = datetime(2026, 5, 1, 12, 0, 1, tzinfo=timezone(timedelta(hours=2)))  # 10:00:01 UTC

    assert job_durations(frames, now=now).item(0, "running_for_ms") == 1000


def test_now_must_be_aware_and_not_before_running_jobs() -> None:
    frames = make_frames([{"id": "a", "status": "PENDING"}], [("a", "PENDING", 5000)])

    with pytest.raises(ValueError, match="timezone-aware"):
        job_durations(frames, now=datetime(2026, 5, 1, 11))
    with pytest.raises(ValueError, match="earlier than the start of 1 running job"):
        job_durations(frames, now=T0)


def test_missing_timestamp_nulls_every_time() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS", "duration_ms": None}],
        [("a", "PENDING", 0), ("a", "STARTED", None), ("a", "SUCCESS", 5000), ("a", "CACHED", 9000)],
    )

    result = row_of(job_durations(frames), "a")

    times = ["started_at", "ended_at", "duration_ms", "queue_ms", "run_ms", "cache_hits"]
    assert {k: result[k] for k in times} == dict.fromkeys(times)
    assert (result["attempts"], result["retry_count"]) == (1, 0)


def test_job_without_events() -> None:
    frames = make_frames([{"id": "a", "status": "SUCCESS", "duration_ms": None}])

    result = row_of(job_durations(frames), "a")

    assert result["duration_ms"] is None
    assert (result["retry_count"], result["attempts"], result["cache_hits"]) == (0, 0, 0)


def test_duration_truncates_to_whole_milliseconds() -> None:
    us = lambda n: {"timestamp": T0 + timedelta(microseconds=n)}  # noqa: E731
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}],
        [
            {"job_id": "a", "status": "PENDING", **us(1)},
            {"job_id": "a", "status": "STARTED", **us(1_001_000)},
            {"job_id": "a", "status": "SUCCESS", **us(2_000_000)},
        ],
    )

    result = row_of(job_durations(frames), "a")

    # 1999.999 ms, 1000.999 ms, 999.000 ms
    assert (result["duration_ms"], result["queue_ms"], result["run_ms"]) == (1999, 1000, 999)


def test_cached_event_tied_with_end_event_follows_array_order() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "SUCCESS"}],
        [
            ("a", "PENDING", 0),
            ("a", "SUCCESS", 100),
            {"job_id": "a", "status": "CACHED", "timestamp": at(100), "count": 5},
            ("b", "PENDING", 0),
            {"job_id": "b", "status": "CACHED", "timestamp": at(100), "count": 5},
            ("b", "SUCCESS", 100),
        ],
    )

    result = job_durations(frames).select("job_id", "duration_ms", "cache_hits")

    expected = pl.DataFrame({"job_id": ["a", "b"], "duration_ms": [100, 100], "cache_hits": [5, 0]})
    assert_frame_equal(result, expected)


def test_unknown_status_job_is_finished() -> None:
    frames = make_frames(
        [{"id": "a", "status": "UNKNOWN"}], [("a", "PENDING", 0), ("a", "UNKNOWN", 300), ("a", "SUCCESS", 700)]
    )

    result = row_of(job_durations(frames), "a")

    assert (result["is_running"], result["duration_ms"], result["terminal_status"]) == (False, 700, "UNKNOWN")


def test_empty_frames_give_the_fixed_schema() -> None:
    result = job_durations(JobFrames.empty())

    assert_frame_equal(result, pl.DataFrame(schema=DURATIONS_SCHEMA))


def test_job_durations_needs_job_frames() -> None:
    with pytest.raises(TypeError, match="needs a JobFrames"):
        job_durations(pl.DataFrame())  # type: ignore[arg-type]


# --- property: agrees with a plain-Python reading of the spec -----------------------------------

STATUSES = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED", "UNKNOWN"]


def spec_duration(events: list[tuple[str, int | None]], job_status: str) -> int | None:
    if job_status in ("PENDING", "STARTED", "RETRY"):
        return None
    if any(ts is None for _, ts in events):
        return None
    stamps = [ts for _, ts in events if ts is not None]
    ends = [ts for status, ts in events if status != "CACHED" and ts is not None]
    if not stamps or not ends:
        return None
    return (max(ends) - min(stamps)) // 1000


# (status, microseconds after T0); the test then blanks the first timestamp of some jobs.
event_strategy = st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(0, 10**9)), max_size=7)


@settings(max_examples=150, deadline=None)
@given(
    jobs=st.lists(
        st.tuples(st.sampled_from(STATUSES), event_strategy, st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_duration_matches_spec_reading(jobs: list[tuple[str, list[tuple[str, int]], bool]]) -> None:
    job_rows = []
    event_rows: list[dict[str, Any]] = []
    expected = {}
    for i, (status, events, drop_one) in enumerate(jobs):
        job_id = f"j{i}"
        stamped: list[tuple[str, int | None]] = list(events)
        if drop_one and stamped:
            stamped[0] = (stamped[0][0], None)
        job_rows.append({"id": job_id, "status": status})
        for index, (event_status, us) in enumerate(stamped):
            event_rows.append(
                {
                    "job_id": job_id,
                    "event_index": index,
                    "status": event_status,
                    "timestamp": None if us is None else T0 + timedelta(microseconds=us),
                }
            )
        expected[job_id] = spec_duration(stamped, status)
    frames = make_frames(job_rows, event_rows)

    result = job_durations(frames)

    assert dict(zip(result["job_id"], result["duration_ms"], strict=True)) == expected
    times = status_time(frames).group_by("job_id").agg(total_us=(pl.col("time_ms") * 1000).round().sum())
    finished = result.filter(pl.col("duration_ms").is_not_null()).join(times, on="job_id", how="left")
    # Where the duration is known, the time in each status adds up to it (before truncation).
    assert finished["duration_ms"].to_list() == (finished["total_us"].fill_null(0).cast(pl.Int64) // 1000).to_list()


# --- status_time --------------------------------------------------------------------------------


def test_status_time_per_event() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "STARTED"}],
        [
            ("a", "PENDING", 0),
            ("a", "SUCCESS", 9000),
            ("a", "STARTED", 1000),
            ("a", "RETRY", 4000),
            ("a", "STARTED", 5000),
            ("a", "CACHED", 60_000),
            ("b", "PENDING", 0),
            ("b", "STARTED", 700.25),
        ],
    )

    result = status_time(frames).select("job_id", "event_index", "step", "status", "time_ms")

    expected = pl.DataFrame(
        {
            "job_id": ["a"] * 6 + ["b"] * 2,
            "event_index": [0, 2, 3, 4, 1, 5, 0, 1],
            "step": [0, 1, 2, 3, 4, 5, 0, 1],
            "status": ["PENDING", "STARTED", "RETRY", "STARTED", "SUCCESS", "CACHED", "PENDING", "STARTED"],
            "time_ms": [1000.0, 3000.0, 1000.0, 4000.0, None, None, 700.25, None],
        },
        schema={
            "job_id": pl.String,
            "event_index": pl.UInt32,
            "step": pl.UInt32,
            "status": Status,
            "time_ms": pl.Float64,
        },
    )
    assert_frame_equal(result, expected)


def test_status_time_missing_timestamp_nulls_the_job() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}], [("a", "PENDING", 0), ("a", "STARTED", None), ("a", "SUCCESS", 50)]
    )

    result = status_time(frames)

    assert result["step"].null_count() == 3
    assert result["time_ms"].null_count() == 3


def test_status_time_empty() -> None:
    assert_frame_equal(status_time(JobFrames.empty()), pl.DataFrame(schema=STATUS_TIME_SCHEMA))


def test_status_time_summary_adds_visits_per_job_before_the_median() -> None:
    frames = make_frames(
        [
            {"id": "a", "status": "SUCCESS", "agent_version_name": "v1"},
            {"id": "b", "status": "SUCCESS", "agent_version_name": "v1"},
            {"id": "c", "status": "SUCCESS", "agent_version_name": "v2"},
        ],
        [
            ("a", "PENDING", 0),
            ("a", "STARTED", 1000),
            ("a", "RETRY", 2000),
            ("a", "STARTED", 2500),
            ("a", "SUCCESS", 5500),
            ("b", "PENDING", 0),
            ("b", "STARTED", 3000),
            ("b", "SUCCESS", 4000),
            ("c", "PENDING", 0),
            ("c", "SUCCESS", 200),
        ],
    )

    result = status_time_summary(frames)

    # a: PENDING 1000, STARTED 1000 + 3000 = 4000, RETRY 500; b: PENDING 3000, STARTED 1000.
    expected = pl.DataFrame(
        {
            "agent_version_name": ["v1", "v1", "v1", "v2"],
            "status": ["PENDING", "STARTED", "RETRY", "PENDING"],
            "n_jobs": [2, 2, 1, 1],
            "total_ms": [4000.0, 5000.0, 500.0, 200.0],
            "mean_ms": [2000.0, 2500.0, 500.0, 200.0],
            "median_ms": [2000.0, 2500.0, 500.0, 200.0],
            "share": [4000 / 9500, 5000 / 9500, 500 / 9500, 1.0],
        },
        schema_overrides={"status": Status, "n_jobs": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_status_time_summary_reports_missing_columns() -> None:
    frame = pl.DataFrame({"job_id": ["a"], "agent_version_name": ["v"], "status": ["PENDING"], "time": [1]})

    with pytest.raises(MissingColumnsError) as error:
        status_time_summary(frame)

    assert str(error.value) == (
        "status_time_summary: missing column ['time_ms']; available columns: "
        "['job_id', 'agent_version_name', 'status', 'time']. did you mean 'time' for 'time_ms'?"
    )
    assert isinstance(error.value, ValueError)


# --- duration_mismatches -------------------------------------------------------------------------


def test_duration_mismatches_reasons_and_tolerance() -> None:
    frame = pl.DataFrame(
        {
            "job_id": ["same", "off_by_1", "off_by_5", "no_server", "no_ours", "both_null"],
            "duration_ms": [100, 101, 95, 7, None, None],
            "server_duration_ms": [100, 100, 100, None, 8, None],
        }
    )

    strict = duration_mismatches(frame).select("job_id", "difference_ms", "reason")
    tolerant = duration_mismatches(frame, tolerance_ms=1).get_column("job_id").to_list()

    expected = pl.DataFrame(
        {
            "job_id": ["off_by_5", "off_by_1", "no_ours", "no_server"],
            "difference_ms": [-5, 1, None, None],
            "reason": ["differs", "differs", "recomputed_missing", "server_missing"],
        },
        schema_overrides={"reason": pl.Enum(["differs", "recomputed_missing", "server_missing"])},
    )
    assert_frame_equal(strict, expected)
    assert tolerant == ["off_by_5", "no_ours", "no_server"]


def test_duration_mismatches_from_frames_finds_server_disagreement() -> None:
    frames = make_frames(
        [
            {"id": "a", "status": "SUCCESS", "duration_ms": 5000},
            {"id": "b", "status": "SUCCESS", "duration_ms": 90_000},
        ],
        [
            ("a", "PENDING", 0),
            ("a", "SUCCESS", 5000),
            ("b", "PENDING", 0),
            ("b", "SUCCESS", 5000),
            ("b", "CACHED", 90_000),
        ],
    )

    result = duration_mismatches(frames)

    assert result.select("job_id", "duration_ms", "server_duration_ms").rows() == [("b", 5000, 90_000)]
    with pytest.raises(ValueError, match=">= 0"):
        duration_mismatches(frames, tolerance_ms=-1)


# --- end to end from API records ----------------------------------------------------------------


def api_job(n: int, status_code: int, duration_ms: int | None, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"9a1f2c3e-0000-4000-8000-{n:012d}",
        "agent_version_name": "v1",
        "status_code": status_code,
        "created_at": "2026-05-01T10:00:00Z",
        "last_updated_at": "2026-05-01T10:00:02Z",
        "duration_ms": duration_ms,
        "status_events": events,
        "job_inputs": [],
        "metadata": {},
        "ui_fields": {},
        "evaluation": None,
        "feedback_review": None,
    }


def ev(timestamp: str | None, status_code: int, **extra: Any) -> dict[str, Any]:
    return {"timestamp": timestamp, "status_code": status_code, **extra}


def test_from_records_recomputes_the_server_duration() -> None:
    records = [
        # Out of order, a trailing cache hit a day later, and a +02:00 offset on one event.
        api_job(
            1,
            3,
            1500,
            [
                ev("2026-05-01T10:00:01.500999Z", 3),
                ev("2026-05-01T12:00:00+02:00", 0),
                ev("2026-05-02T10:00:00Z", 6, count=4),
            ],
        ),
        api_job(2, 3, None, [ev(None, 0), ev("2026-05-01T10:00:00Z", 3)]),
        api_job(3, 6, 0, [ev("2026-05-01T10:00:00Z", 0), ev("2026-05-01T10:00:00.2Z", 6)]),
        api_job(4, 1, None, [ev("2026-05-01T10:00:00Z", 0), ev("2026-05-01T10:00:03Z", 1)]),
    ]
    frames = JobFrames.from_records(records, agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")

    result = job_durations(frames, now=datetime(2026, 5, 1, 10, 0, 10, tzinfo=UTC))

    assert result.select("duration_ms", "cache_hits", "running_for_ms", "queue_ms").rows() == [
        (1500, 4, None, None),
        (None, None, None, None),
        (0, 1, None, None),
        (None, 0, 10_000, 3000),
    ]
    assert duration_mismatches(frames).height == 0


# --- every helper: the same columns and dtypes with or without data ---------------------------


def populated() -> JobFrames:
    return make_frames(
        [
            {"id": "a", "status": "SUCCESS", "agent_version_name": "v1", "duration_ms": 4000},
            {"id": "b", "status": "STARTED", "agent_version_name": "v2"},
            {"id": "c", "status": "CACHED", "agent_version_name": "v2", "duration_ms": 7},
        ],
        [
            ("a", "PENDING", 0),
            ("a", "STARTED", 1000),
            ("a", "SUCCESS", 4000),
            ("b", "PENDING", 0),
            ("c", "PENDING", 0),
            ("c", "CACHED", 10),
        ],
    )


@pytest.mark.parametrize(
    "helper",
    [
        job_durations,
        status_time,
        status_time_summary,
        duration_summary,
        duration_trend,
        slowest_jobs,
        duration_mismatches,
    ],
)
def test_empty_input_gives_the_same_schema_as_data(helper: Any) -> None:
    empty = helper(JobFrames.empty())
    full = helper(populated())

    assert empty.height == 0
    assert full.height > 0
    assert empty.schema == full.schema


def test_status_time_summary_overall() -> None:
    result = status_time_summary(populated(), by=())

    assert result.select("status", "n_jobs", "total_ms", "share").rows() == [
        ("PENDING", 1, 1000.0, 0.25),
        ("STARTED", 1, 3000.0, 0.75),
    ]


def test_status_time_summary_is_the_same_bytes_whatever_the_row_order() -> None:
    # Float times (µs resolution) summed in a different order differ in the last bits, which made the
    # stacked chart's SVG change between runs; the sums are now exact integers of microseconds.
    import numpy as np

    rng = np.random.default_rng(4)
    n = 3000
    times = pl.DataFrame(
        {
            "agent_version_name": rng.choice(["v1", "v2"], n),
            "job_id": [f"j{i % 700}" for i in range(n)],
            "status": rng.choice(["PENDING", "STARTED", "RETRY"], n),
            "time_ms": np.round(rng.exponential(5000.0, n), 3),
        }
    )
    first = ra.status_time_summary(times)
    for seed in range(5):
        shuffled = times.sample(fraction=1.0, shuffle=True, seed=seed)
        assert_frame_equal(ra.status_time_summary(shuffled), first, check_exact=True)
    v1 = times.filter(pl.col("agent_version_name") == "v1")
    totals = v1.group_by("status").agg(pl.col("time_ms").sum()).sort("status")
    row = first.filter(pl.col("agent_version_name") == "v1").sort("status")
    assert row["total_ms"].to_list() == pytest.approx(totals["time_ms"].to_list(), abs=1e-6)
    assert row["share"].sum() == pytest.approx(1.0, abs=1e-12)
