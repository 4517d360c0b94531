"""`filter_frames`: each filter alone and combined, checked by the exact ids kept, and its errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

import roe_analysis as ra
from roe_analysis import InvalidArgumentError, JobFrames
from roe_analysis.frames import filter_frames, versions_in_order

AGENT = "00000000-0000-4000-8000-0000000000aa"


def job_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def record(
    n: int,
    *,
    version: str | None = "v1",
    status: int = 3,
    created: str = "2026-05-01T10:00:00Z",
    metadata: dict[str, str] | None = None,
    reviewer: str | None = None,
) -> dict[str, Any]:
    """A job as the API returns it, with an input, an event and metadata so child frames can be checked."""
    return {
        "id": job_id(n),
        "agent_version_name": version,
        "status_code": status,
        "created_at": created,
        "last_updated_at": created,
        "duration_ms": None,
        "status_events": [{"timestamp": created, "status_code": 0}],
        "job_inputs": [{"key": "text", "value": f"case {n}"}],
        "metadata": metadata if metadata is not None else {},
        "ui_fields": {},
        "evaluation": None,
        "feedback_review": None
        if reviewer is None
        else {"review_status": "approved", "reviewed_by": reviewer, "reviewed_at": created},
    }


@pytest.fixture(scope="module")
def frames() -> JobFrames:
    records = [
        record(
            1, version="v1", status=3, created="2026-05-01T00:00:00Z", metadata={"customer": "acme"}, reviewer="ana"
        ),
        record(2, version="v1", status=4, created="2026-05-01T23:59:59.999999Z", metadata={"customer": "globex"}),
        record(
            3, version="v2", status=3, created="2026-05-02T00:00:00Z", metadata={"customer": "acme", "region": "eu"}
        ),
        record(4, version="v2", status=1, created="2026-05-03T12:00:00Z", reviewer="bo"),
        record(5, version=None, status=3, created="2026-05-04T08:30:00+02:00", metadata={"region": "eu"}),
    ]
    return JobFrames.from_records(records, agent_id=AGENT)


def kept(frames: JobFrames) -> list[int]:
    return [int(i[-12:]) for i in frames.jobs.get_column("id").to_list()]


def test_no_filter_returns_the_same_frames(frames: JobFrames) -> None:
    result = filter_frames(frames)
    assert result is frames


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"versions": ["v2"]}, [3, 4]),
        ({"versions": ["v1", "v2"]}, [1, 2, 3, 4]),
        ({"versions": []}, []),
        ({"versions": ["v9"]}, []),
        ({"statuses": ["SUCCESS"]}, [1, 3, 5]),
        ({"statuses": ["failure", "started"]}, [2, 4]),
        ({"statuses": []}, []),
        ({"created_from": "2026-05-02"}, [3, 4, 5]),
        ({"created_from": datetime(2026, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)}, [2, 3, 4, 5]),
        ({"created_to": date(2026, 5, 1)}, [1, 2]),
        ({"created_to": "2026-05-01"}, [1, 2]),
        ({"created_to": datetime(2026, 5, 2, tzinfo=UTC)}, [1, 2, 3]),
        ({"created_to": "2026-05-02T00:00:00Z"}, [1, 2, 3]),
        ({"created_from": "2026-05-02", "created_to": "2026-05-03"}, [3, 4]),
        # 08:30 at +02:00 is 06:30 UTC on 2026-05-04: days are UTC days
        ({"created_from": datetime(2026, 5, 4, 6, 30, tzinfo=UTC)}, [5]),
        ({"created_to": datetime(2026, 5, 4, 8, 0, tzinfo=timezone(timedelta(hours=2)))}, [1, 2, 3, 4]),
        ({"metadata": {"customer": "acme"}}, [1, 3]),
        ({"metadata": {"customer": "acme", "region": "eu"}}, [3]),
        ({"metadata": {"region": "eu"}}, [3, 5]),
        ({"metadata": {"customer": "nobody"}}, []),
        ({"metadata": {}}, [1, 2, 3, 4, 5]),
        ({"reviewers": ["ana"]}, [1]),
        ({"reviewers": ["ana", "bo"]}, [1, 4]),
        ({"reviewers": []}, []),
        ({"versions": ["v1", "v2"], "statuses": ["SUCCESS"], "metadata": {"customer": "acme"}}, [1, 3]),
        ({"versions": ["v2"], "reviewers": ["bo"], "created_from": "2026-05-03"}, [4]),
    ],
)
def test_filters_keep_exactly_these_jobs(frames: JobFrames, options: dict[str, Any], expected: list[int]) -> None:
    result = filter_frames(frames, **options)
    assert kept(result) == expected


def test_child_frames_keep_the_rows_of_the_kept_jobs(frames: JobFrames) -> None:
    result = filter_frames(frames, metadata={"customer": "acme"})
    ids = [job_id(1), job_id(3)]
    assert result.inputs.get_column("job_id").to_list() == ids
    assert result.inputs.get_column("value").to_list() == ["case 1", "case 3"]
    assert result.status_events.get_column("job_id").to_list() == ids
    assert result.metadata.sort("job_id", "key").select("job_id", "key", "value").rows() == [
        (job_id(1), "customer", "acme"),
        (job_id(3), "customer", "acme"),
        (job_id(3), "region", "eu"),
    ]


def test_the_schema_and_row_order_are_kept_and_the_input_untouched(frames: JobFrames) -> None:
    before = frames.jobs.clone()
    result = filter_frames(frames, statuses=["SUCCESS", "STARTED"])
    assert kept(result) == [1, 3, 4, 5]
    for name in ("jobs", "status_events", "inputs", "metadata"):
        assert getattr(result, name).schema == getattr(frames, name).schema
    assert frames.jobs.equals(before)


def test_the_filters_are_recorded_in_the_query(frames: JobFrames) -> None:
    result = filter_frames(frames, versions=["v2"], created_to=date(2026, 5, 3), metadata={"region": "eu"})
    assert result.query["local_filters"] == {
        "versions": ["v2"],
        "statuses": None,
        "created_from": None,
        "created_to": "2026-05-03",
        "metadata": {"region": "eu"},
        "reviewers": None,
    }


def test_an_empty_result_has_every_frame_empty(frames: JobFrames) -> None:
    result = filter_frames(frames, versions=[])
    assert (result.jobs.height, result.status_events.height, result.inputs.height, result.metadata.height) == (
        0,
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"versions": "v1"}, "must be a list of strings"),
        ({"reviewers": "ana"}, "must be a list of strings"),
        ({"versions": [1]}, "must hold strings only"),
        ({"statuses": ["SUCESS"]}, "Did you mean 'SUCCESS'"),
        ({"created_from": datetime(2026, 5, 1)}, "naive datetime"),
        ({"created_to": "yesterday"}, "must be a date"),
        ({"created_from": 20260501}, "must be a datetime, a date or an ISO 8601 string"),
        ({"created_from": "2026-05-03", "created_to": "2026-05-01"}, "is after created_to"),
        ({"metadata": [("customer", "acme")]}, "must be a mapping"),
        ({"metadata": {"customer": 1}}, "keys and values must be strings"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(
    frames: JobFrames, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        filter_frames(frames, **options)


def test_frames_must_be_job_frames(frames: JobFrames) -> None:
    with pytest.raises(TypeError, match="needs JobFrames"):
        filter_frames(frames.jobs)  # type: ignore[arg-type]


def test_versions_in_order_is_the_rollout_order(frames: JobFrames) -> None:
    assert versions_in_order(frames) == ["v1", "v2"]
    later_first = JobFrames.from_records(
        [
            record(1, version="v10", created="2026-05-01T00:00:00Z"),
            record(2, version="v9", created="2026-05-02T00:00:00Z"),
        ],
        agent_id=AGENT,
    )
    assert versions_in_order(later_first) == ["v10", "v9"]
    assert versions_in_order(filter_frames(frames, versions=[])) == []


# --- the vocabulary of load_jobs ------------------------------------------------------------------


def test_version_name_and_status_code_read_as_load_jobs_reads_them(frames: JobFrames) -> None:
    by_old = filter_frames(frames, versions=["v2"], statuses=["SUCCESS"])
    by_new = filter_frames(frames, version_name="v2", status_code="success")
    assert by_new.jobs.get_column("id").to_list() == by_old.jobs.get_column("id").to_list()
    by_code = filter_frames(frames, version_name=["v2"], status_code=[3])
    assert by_code.jobs.get_column("id").to_list() == by_old.jobs.get_column("id").to_list()


def test_a_filter_and_its_older_spelling_together_are_refused(frames: JobFrames) -> None:
    with pytest.raises(ra.InvalidArgumentError, match=r"version_name=\.\.\. or its older spelling versions="):
        filter_frames(frames, version_name="v1", versions=["v1"])
    with pytest.raises(ra.InvalidArgumentError, match=r"status_code=\.\.\. or its older spelling statuses="):
        filter_frames(frames, status_code=3, statuses=["SUCCESS"])


def test_an_unknown_status_code_names_the_codes(frames: JobFrames) -> None:
    with pytest.raises(ra.InvalidArgumentError, match="unknown status_code 'DONE'"):
        filter_frames(frames, status_code="DONE")


def test_something_that_is_not_frames_is_a_type_error_and_a_roe_error() -> None:
    with pytest.raises(ra.ArgumentTypeError, match="filter_frames needs JobFrames") as info:
        filter_frames([1, 2])  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and isinstance(info.value, ra.RoeError)
