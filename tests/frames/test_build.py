"""Building frames from job records: schema, edge cases and lossless JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.api import decode_page
from roe_analysis.frames import PageChunk, build_frames

from ..records import job

AGENT = "2c1d6a4e-0000-4000-8000-00000000a9e7"


def test_empty_frames_have_the_fixed_schema() -> None:
    frames = ra.JobFrames.from_records([], agent_id=AGENT)
    for name, schema in FRAME_SCHEMAS.items():
        assert getattr(frames, name).schema == schema
        assert getattr(frames, name).height == 0


def test_one_job_has_the_same_schema_as_empty() -> None:
    frames = ra.JobFrames.from_records([job(1)], agent_id=AGENT)
    for name, schema in FRAME_SCHEMAS.items():
        assert getattr(frames, name).schema == schema
    assert frames.jobs.get_column("agent_id").to_list() == [AGENT]


def test_every_field_lands_in_its_column() -> None:
    record = job(
        7,
        status_events=[
            {"timestamp": "2026-05-01T10:00:05.250+02:00", "status_code": 1},
            {"timestamp": "2026-05-01T08:00:00Z", "status_code": 0},
            {
                "timestamp": "2026-05-01T08:00:09.000001Z",
                "status_code": 4,
                "error_message": "boom",
                "error_details": {"code": 500, "retry": True, "ratio": 1.0},
            },
            {"timestamp": None, "status_code": 6, "count": 3},
        ],
        job_inputs=[
            {
                "key": "doc",
                "description": "a pdf",
                "data_type": "application/pdf",
                "value": "s3://b/k",
                "file_name": "k.pdf",
            },
            {"key": "q", "description": "", "data_type": "text/plain", "value": "<script>alert(1)</script>"},
        ],
        metadata={"customer": "acme", "région": "eu ✓"},
        ui_fields={"verdict": "Not Suspicious", "confidence": 0.5, "cost": 1.0, "nested": {"a": [1, None]}},
        evaluation={
            "reference": "expected",
            "human_score": 80,
            "grader_score": 0.75,
            "feedback": "ok",
            "created_at": "2026-05-02T00:00:00Z",
            "updated_at": "2026-05-02T00:00:01Z",
        },
        feedback_review={
            "review_status": "rejected",
            "corrected_verdict": "Suspicious",
            "review_comment": "wrong",
            "reviewed_at": "2026-05-03T00:00:00Z",
            "reviewed_by": "rev@example.com",
        },
        review_state="disagreed",
        creator={"id": 12, "email": "c@example.com", "first_name": "C", "last_name": "D", "display_name": "C D"},
        unknown_future_field={"ignored": True},
    )
    frames = ra.JobFrames.from_records([record], agent_id=AGENT)
    row = frames.jobs.row(0, named=True)
    assert row["grader_score"] == 0.75
    assert row["human_score"] == 80.0
    assert row["evaluation_reference"] == '"expected"'
    assert row["evaluation_created_at"] == datetime(2026, 5, 2, tzinfo=UTC)
    assert row["review_status"] == "rejected"
    assert row["corrected_verdict"] == "Suspicious"
    assert row["reviewed_by"] == "rev@example.com"
    assert row["review_state"] == "disagreed"
    assert (row["creator_id"], row["creator_email"], row["creator_display_name"]) == ("12", "c@example.com", "C D")
    assert json.loads(row["ui_fields"]) == record["ui_fields"]
    assert row["ui_fields"] == '{"verdict":"Not Suspicious","confidence":0.5,"cost":1.0,"nested":{"a":[1,null]}}'
    assert (row["n_status_events"], row["n_inputs"], row["n_metadata"]) == (4, 2, 2)

    events = frames.status_events
    assert events.get_column("event_index").to_list() == [0, 1, 2, 3]
    assert events.get_column("timestamp").to_list() == [
        datetime(2026, 5, 1, 8, 0, 5, 250000, tzinfo=UTC),
        datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 8, 0, 9, 1, tzinfo=UTC),
        None,
    ]
    assert events.get_column("status").to_list() == ["STARTED", "PENDING", "FAILURE", "CACHED"]
    assert events.get_column("error_details").to_list() == [None, None, '{"code":500,"retry":true,"ratio":1.0}', None]
    assert events.get_column("count").to_list() == [None, None, None, 3]

    assert frames.inputs.select("key", "file_name", "value").rows() == [
        ("doc", "k.pdf", "s3://b/k"),
        ("q", None, "<script>alert(1)</script>"),
    ]
    assert frames.metadata.select("key", "value").rows() == [("customer", "acme"), ("région", "eu ✓")]


def test_unknown_status_code_is_unknown_and_keeps_its_code() -> None:
    frames = ra.JobFrames.from_records(
        [job(1, status_code=9, status_events=[{"timestamp": "2026-05-01T10:00:00Z", "status_code": 7}])],
        agent_id=AGENT,
    )
    assert frames.jobs.select("status_code", "status").row(0) == (9, "UNKNOWN")
    assert frames.status_events.select("status_code", "status").row(0) == (7, "UNKNOWN")


def test_missing_optional_fields_become_nulls() -> None:
    frames = ra.JobFrames.from_records(
        [{"id": "00000000-0000-4000-8000-000000000001", "status_code": 0, "created_at": "2026-05-01T10:00:00Z"}],
        agent_id=AGENT,
    )
    row = frames.jobs.row(0, named=True)
    assert row["agent_version_name"] is None
    assert row["duration_ms"] is None
    assert row["ui_fields"] is None
    assert row["review_state"] is None
    assert (row["n_status_events"], row["n_inputs"], row["n_metadata"]) == (0, 0, 0)
    assert frames.status_events.height == frames.inputs.height == frames.metadata.height == 0


def test_jobs_without_children_do_not_create_child_rows() -> None:
    frames = ra.JobFrames.from_records(
        [job(1, status_events=[], job_inputs=[], metadata={}), job(2)],
        agent_id=AGENT,
    )
    assert frames.status_events.get_column("job_id").unique().to_list() == [job(2)["id"]]
    assert frames.inputs.get_column("job_id").to_list() == [job(2)["id"]]
    assert frames.metadata.get_column("job_id").to_list() == [job(2)["id"]]


def test_non_string_metadata_values_are_kept_as_json_text() -> None:
    frames = ra.JobFrames.from_records([job(1, metadata={"n": 3, "flag": True, "none": None})], agent_id=AGENT)
    assert frames.metadata.select("key", "value").rows() == [("n", "3"), ("flag", "true"), ("none", None)]


def test_malformed_record_raises_with_its_path() -> None:
    with pytest.raises(ra.MalformedResponseError, match=r"\$\[1\]\.status_code"):
        ra.JobFrames.from_records([job(1), job(2, status_code="three")], agent_id=AGENT)


def test_missing_id_raises_not_keyerror() -> None:
    record = job(1)
    del record["id"]
    with pytest.raises(ra.MalformedResponseError, match="missing required field `id`"):
        ra.JobFrames.from_records([record], agent_id=AGENT)


def test_bad_timestamp_names_the_job_and_page() -> None:
    body = json.dumps({"count": 1, "results": [job(5, created_at="yesterday")]}).encode()
    page = decode_page(body)
    with pytest.raises(
        ra.MalformedResponseError, match=r"page 4.*`created_at` of job 00000000-0000-4000-8000-000000000005"
    ):
        build_frames([PageChunk(AGENT, 4, page.results)])


@pytest.mark.parametrize("bad, words", [(1, "1 value like it"), (2, "2 values like it")])
def test_bad_timestamps_are_counted_in_words(bad: int, words: str) -> None:
    records = [job(n, created_at="yesterday") for n in range(1, bad + 1)] + [job(9)]
    with pytest.raises(ra.MalformedResponseError, match=rf"is 'yesterday', not an ISO 8601 date-time \({words}\)"):
        ra.JobFrames.from_records(records, agent_id=AGENT)


@pytest.mark.parametrize("bad, words", [(1, "1 job has"), (2, "2 jobs have")])
def test_unknown_review_status_warns_and_becomes_null(bad: int, words: str) -> None:
    records = [job(n, feedback_review={"review_status": "escalated", "reviewed_by": None}) for n in range(1, bad + 1)]
    with pytest.warns(ra.UnknownValueWarning, match=rf"^{words} a `review_status` this version .*'escalated'"):
        frames = ra.JobFrames.from_records(records, agent_id=AGENT)
    assert frames.jobs.get_column("review_status").to_list() == [None] * bad


def test_bad_agent_id_is_refused() -> None:
    with pytest.raises(ra.InvalidArgumentError, match="agent_id must be a UUID"):
        ra.JobFrames.from_records([job(1)], agent_id="my-agent")


def test_frames_refuse_a_wrong_schema() -> None:
    empty = ra.JobFrames.empty()
    with pytest.raises(ra.SchemaMismatchError, match=r"missing columns \['status'\]"):
        ra.JobFrames(empty.jobs.drop("status"), empty.status_events, empty.inputs, empty.metadata)


def test_same_value_gives_same_json_text_whatever_the_spacing() -> None:
    spaced = (
        b'{"count":1,"results":[{"id":"00000000-0000-4000-8000-000000000001","status_code":3,'
        b'"created_at":"2026-05-01T10:00:00Z","ui_fields":{ "verdict" : "S\\u00e9" , "x" : 1.0 }}]}'
    )
    from_body = build_frames([PageChunk(AGENT, 1, decode_page(spaced).results)])
    from_dicts = ra.JobFrames.from_records([json.loads(spaced)["results"][0]], agent_id=AGENT)
    assert_frame_equal(from_body.jobs, from_dicts.jobs)
    assert from_body.jobs.get_column("ui_fields").to_list() == ['{"verdict":"Sé","x":1.0}']


def test_schema_is_fixed_for_datetimes() -> None:
    frames = ra.JobFrames.from_records([job(1)], agent_id=AGENT)
    assert frames.jobs.schema["created_at"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    "codes, words", [([7], "1 status event of 1 job has"), ([7, 9, 3], "2 status events of 1 job have")]
)
def test_unknown_event_status_codes_warn_with_exact_numbers(codes: list[int], words: str) -> None:
    events = [{"status_code": c, "timestamp": f"2026-05-01T10:00:0{i}Z"} for i, c in enumerate(codes)]
    with pytest.warns(
        ra.UnknownValueWarning, match=rf"^{words} a `status_code` this version .*does not know \("
    ) as caught:
        frames = ra.JobFrames.from_records([job(1, status_events=events)], agent_id=AGENT)
    assert sorted(int(c) for c in str(caught[0].message).split("(")[1].split(";")[0].split(", ")) == sorted(
        {c for c in codes if c not in (3,)}
    )
    assert frames.status_events.get_column("status").to_list() == ["UNKNOWN" if c != 3 else "SUCCESS" for c in codes]
