"""`JobFrames.from_tables`: frames from partial tables, with the fixed schema, or a clear refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

import roe_analysis as ra


def test_missing_columns_are_null_and_every_dtype_is_the_schemas() -> None:
    frames = ra.JobFrames.from_tables(
        jobs=[{"id": "a", "status": "SUCCESS", "created_at": datetime(2026, 5, 1, tzinfo=UTC), "duration_ms": 5}],
        status_events=pl.DataFrame({"job_id": ["a", "a"], "event_index": [0, 1], "status": ["PENDING", "SUCCESS"]}),
        inputs={"job_id": ["a"], "key": ["text"], "value": ["hi"]},
    )
    for name, schema in ra.FRAME_SCHEMAS.items():
        assert getattr(frames, name).schema == schema, name
    assert frames.jobs.row(0, named=True) | {} == {
        **dict.fromkeys(ra.FRAME_SCHEMAS["jobs"]),
        "id": "a",
        "status": "SUCCESS",
        "created_at": datetime(2026, 5, 1, tzinfo=UTC),
        "duration_ms": 5,
    }
    assert frames.status_events.get_column("status").to_list() == ["PENDING", "SUCCESS"]
    assert frames.inputs.get_column("input_index").to_list() == [None]
    assert frames.metadata.height == 0
    assert frames.query == {}


def test_a_query_is_kept() -> None:
    assert ra.JobFrames.from_tables(query={"agent_ids": ["x"]}).query == {"agent_ids": ["x"]}


def test_an_unknown_column_is_refused_naming_the_frame_and_the_columns() -> None:
    with pytest.raises(ra.SchemaMismatchError, match=r"`metadata` has no column \['val'\]; its columns are"):
        ra.JobFrames.from_tables(metadata=[{"job_id": "a", "key": "k", "val": "v"}])
    with pytest.raises(ra.SchemaMismatchError, match=r"`metadata` has no columns \['val', 'x'\]; its columns are"):
        ra.JobFrames.from_tables(metadata=[{"job_id": "a", "key": "k", "val": "v", "x": 1}])


def test_a_value_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ra.SchemaMismatchError, match="`jobs` does not fit the frame schema"):
        ra.JobFrames.from_tables(jobs={"id": ["a"], "status": ["DONE"]})
    with pytest.raises(ra.SchemaMismatchError, match="`jobs` does not fit the frame schema"):
        ra.JobFrames.from_tables(jobs=pl.DataFrame({"duration_ms": ["slow"]}))


def test_something_that_is_no_table_is_refused() -> None:
    with pytest.raises(ra.SchemaMismatchError, match="`jobs` must be a DataFrame, a dict of columns or a list"):
        ra.JobFrames.from_tables(jobs="id,status")  # type: ignore[arg-type]


def test_schema_errors_are_argument_errors() -> None:
    assert issubclass(ra.SchemaMismatchError, ra.InvalidArgumentError)
    assert issubclass(ra.SchemaMismatchError, ValueError)


def test_tables_gives_the_four_frames_by_name() -> None:
    frames = ra.JobFrames.from_tables(jobs=[{"id": "a"}])
    tables = frames.tables()
    assert list(tables) == list(ra.FRAME_SCHEMAS)
    assert tables["jobs"] is frames.jobs
