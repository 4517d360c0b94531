"""`job_volume` of no jobs (a filter that matched nothing): the fixed columns and no error."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from roe_analysis import JobFrames, filter_frames, job_volume

AGENT = "00000000-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module")
def nothing() -> JobFrames:
    records = [
        {
            "id": "00000000-0000-4000-8000-000000000001",
            "agent_version_name": "v1",
            "status_code": 3,
            "created_at": "2026-05-01T00:00:00Z",
        },
    ]
    matched = filter_frames(JobFrames.from_records(records, agent_id=AGENT), version_name="no such version")
    assert matched.jobs.height == 0
    return matched


UTC_US = pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    ("options", "schema", "rows"),
    [
        ({}, {"period_start": UTC_US, "agent_version_name": pl.String, "n": pl.UInt32}, 0),
        ({"by": "status"}, {"period_start": UTC_US, "status": None, "n": pl.UInt32}, 0),
        # "Status by version" in notebook 01 raised a Polars ComputeError here
        ({"every": None, "columns": "status"}, {"agent_version_name": pl.String, "n": pl.UInt32}, 0),
        ({"columns": "status"}, {"period_start": UTC_US, "agent_version_name": pl.String, "n": pl.UInt32}, 0),
        # totals over all jobs keep their one row, with or without a spread column
        ({"every": None, "by": None}, {"n": pl.UInt32}, 1),
        ({"every": None, "by": None, "columns": "status"}, {"n": pl.UInt32}, 1),
    ],
)
def test_no_jobs_give_the_index_columns_and_n(
    nothing: JobFrames, options: dict[str, object], schema: dict[str, object], rows: int
) -> None:
    result = job_volume(nothing, **options)  # type: ignore[arg-type]

    expected = {k: (v if v is not None else nothing.jobs.schema["status"]) for k, v in schema.items()}
    assert result.schema == pl.Schema(expected)  # type: ignore[arg-type]
    assert result.height == rows
    if rows:
        assert_frame_equal(result, pl.DataFrame({"n": [0]}, schema={"n": pl.UInt32}))


def test_the_same_columns_as_with_jobs_bar_the_spread_values(nothing: JobFrames) -> None:
    # With jobs the spread adds one column per status seen; with none there is none to add.
    empty = job_volume(nothing, every=None, columns="status")
    assert empty.columns == ["agent_version_name", "n"]
