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
STATUSES = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED", "UNKNOWN"]
SPREAD = dict.fromkeys(STATUSES, pl.UInt32)


@pytest.mark.parametrize(
    ("options", "schema", "rows"),
    [
        ({}, {"period_start": UTC_US, "agent_version_name": pl.String, "n": pl.UInt32}, 0),
        ({"by": "status"}, {"period_start": UTC_US, "status": None, "n": pl.UInt32}, 0),
        # "Status by version" in notebook 01 raised a Polars ComputeError here; status is an Enum,
        # so every status has its column, as with jobs
        ({"every": None, "columns": "status"}, {"agent_version_name": pl.String, **SPREAD, "n": pl.UInt32}, 0),
        ({"columns": "status"}, {"period_start": UTC_US, "agent_version_name": pl.String, **SPREAD, "n": pl.UInt32}, 0),
        # a text column has no value to spread without jobs
        ({"every": None, "by": None, "columns": "agent_version_name"}, {"n": pl.UInt32}, 1),
        ({"every": None, "by": None}, {"n": pl.UInt32}, 1),
        # totals over all jobs keep their one row, of zeros
        ({"every": None, "by": None, "columns": "status"}, {**SPREAD, "n": pl.UInt32}, 1),
    ],
)
def test_no_jobs_give_the_same_columns_as_with_jobs(
    nothing: JobFrames, options: dict[str, object], schema: dict[str, object], rows: int
) -> None:
    result = job_volume(nothing, **options)  # type: ignore[arg-type]

    expected = {k: (v if v is not None else nothing.jobs.schema["status"]) for k, v in schema.items()}
    assert result.schema == pl.Schema(expected)  # type: ignore[arg-type]
    assert result.height == rows
    if rows:
        assert result.rows() == [(0,) * len(schema)]


def test_an_enum_spread_has_the_same_columns_with_and_without_jobs(nothing: JobFrames) -> None:
    one = JobFrames.from_records(
        [{"id": "00000000-0000-4000-8000-000000000002", "agent_version_name": "v1", "status_code": 3,
          "created_at": "2026-05-01T00:00:00Z"}],
        agent_id=AGENT,
    )  # fmt: skip
    full = job_volume(one, every=None, columns="status")
    empty = job_volume(nothing, every=None, columns="status")
    assert full.schema == empty.schema
    expected = pl.DataFrame(
        {"agent_version_name": ["v1"], **{s: [1 if s == "SUCCESS" else 0] for s in STATUSES}, "n": [1]},
        schema={"agent_version_name": pl.String, **SPREAD, "n": pl.UInt32},
    )
    assert_frame_equal(full, expected)
