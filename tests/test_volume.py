"""`job_volume` counts and `volume_chart`: exact counts per period and group, and what the chart encodes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from roe_analysis import JobFrames, MissingColumnsError
from roe_analysis.analysis import job_volume
from roe_analysis.charts import volume_chart
from roe_analysis.charts._common import version_scale

AGENT = "00000000-0000-4000-8000-0000000000aa"


def record(n: int, version: str, status: int, created: str) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "agent_version_name": version,
        "status_code": status,
        "created_at": created,
    }


@pytest.fixture(scope="module")
def frames() -> JobFrames:
    records = [
        record(1, "v1", 3, "2026-05-01T00:00:00Z"),
        record(2, "v1", 4, "2026-05-01T23:59:59Z"),
        record(3, "v2", 3, "2026-05-01T12:00:00Z"),
        record(4, "v2", 3, "2026-05-03T08:00:00+02:00"),  # 06:00 UTC on May 3
        record(5, "v2", 0, "2026-05-03T23:00:00-02:00"),  # 01:00 UTC on May 4
    ]
    return JobFrames.from_records(records, agent_id=AGENT)


def day(d: int) -> datetime:
    return datetime(2026, 5, d, tzinfo=UTC)


def test_jobs_per_utc_day_and_version(frames: JobFrames) -> None:
    result = job_volume(frames)
    expected = pl.DataFrame(
        {
            "period_start": [day(1), day(1), day(3), day(4)],
            "agent_version_name": ["v1", "v2", "v2", "v2"],
            "n": [2, 1, 1, 1],
        },
        schema={"period_start": pl.Datetime("us", "UTC"), "agent_version_name": pl.String, "n": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_statuses_sort_in_their_own_order(frames: JobFrames) -> None:
    result = job_volume(frames, every=None, by="status")
    assert result.select(pl.col("status").cast(pl.String), "n").rows() == [
        ("PENDING", 1),
        ("SUCCESS", 3),
        ("FAILURE", 1),
    ]


def test_totals_and_cross_tables(frames: JobFrames) -> None:
    assert job_volume(frames, every=None, by=None).rows() == [(5,)]
    spread = job_volume(frames, every=None, by="agent_version_name", columns="status")
    # status is an Enum: every status has its column, in status order, seen or not
    assert spread.columns == [
        "agent_version_name", "PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED", "UNKNOWN", "n"
    ]  # fmt: skip
    assert spread.rows() == [("v1", 0, 0, 0, 1, 1, 0, 0, 0, 2), ("v2", 1, 0, 0, 2, 0, 0, 0, 0, 3)]
    by_day = job_volume(frames, every="1d", by=None, columns="agent_version_name")
    assert by_day.rows() == [(day(1), 2, 1, 3), (day(3), 0, 1, 1), (day(4), 0, 1, 1)]
    overall = job_volume(frames, every=None, by=None, columns="status")
    assert overall.rows() == [(1, 0, 0, 3, 1, 0, 0, 0, 5)]
    # a text column spreads only the values present, alphabetically
    by_version = job_volume(frames, every=None, by="status", columns="agent_version_name")
    assert by_version.columns == ["status", "v1", "v2", "n"]
    assert by_version.select(pl.col("status").cast(pl.String), "v1", "v2", "n").rows() == [
        ("PENDING", 0, 1, 1),
        ("SUCCESS", 1, 2, 3),
        ("FAILURE", 1, 0, 1),
    ]


def test_a_jobs_frame_works_too(frames: JobFrames) -> None:
    assert_frame_equal(job_volume(frames.jobs, every="1w"), job_volume(frames, every="1w"))


def test_errors(frames: JobFrames) -> None:
    with pytest.raises(ValueError, match="every must be a Polars duration"):
        job_volume(frames, every="daily")
    with pytest.raises(ValueError, match="also in by"):
        job_volume(frames, by="status", columns="status")
    with pytest.raises(MissingColumnsError, match="did you mean 'status'"):
        job_volume(frames, by="statuss")
    with pytest.raises(TypeError, match="JobFrames or a jobs frame"):
        job_volume([1, 2])  # type: ignore[arg-type]


def test_the_chart_stacks_counts_with_the_shared_colours(frames: JobFrames) -> None:
    spec = volume_chart(job_volume(frames)).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "period_start"
    assert spec["encoding"]["x"]["scale"] == {"type": "utc"}  # the same axis in every time zone
    assert spec["encoding"]["y"] == {"field": "n", "stack": "zero", "title": "Jobs", "type": "quantitative"}
    assert spec["encoding"]["color"]["scale"] == version_scale(["v1", "v2"]).to_dict()
    status = volume_chart(job_volume(frames, by="status"), color="status").to_dict()
    assert status["encoding"]["color"]["scale"]["domain"] == ["PENDING", "SUCCESS", "FAILURE"]
    assert status["encoding"]["color"]["title"] == "Status"
    with pytest.raises(MissingColumnsError):
        volume_chart(job_volume(frames, every=None))
