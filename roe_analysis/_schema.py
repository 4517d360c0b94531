"""The fixed schema of every frame the library builds, and the datetime helpers every layer shares.

Each frame has the same columns and dtypes whatever the data, an empty load included, so that code
written against one agent runs unchanged against another. All datetimes are ``Datetime("us", "UTC")``.
"""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime

import polars as pl

SCHEMA_VERSION = 1

#: Status names by the code the API uses (spec: 0=PENDING … 6=CACHED). Anything else is UNKNOWN.
STATUS_NAMES: dict[int, str] = {
    0: "PENDING",
    1: "STARTED",
    2: "RETRY",
    3: "SUCCESS",
    4: "FAILURE",
    5: "CANCELLED",
    6: "CACHED",
}
#: Statuses of a job that has not finished yet.
RUNNING_STATUSES: tuple[str, ...] = ("PENDING", "STARTED", "RETRY")

Status: pl.DataType = pl.Enum([*STATUS_NAMES.values(), "UNKNOWN"])
ReviewStatus: pl.DataType = pl.Enum(["pending", "approved", "rejected"])
ReviewState: pl.DataType = pl.Enum(["unreviewed", "agreed", "disagreed"])
UTC: pl.DataType = pl.Datetime("us", "UTC")

JOBS_SCHEMA = pl.Schema(
    {
        "agent_id": pl.String(),
        "id": pl.String(),
        "agent_version_name": pl.String(),
        "status_code": pl.Int8(),
        "status": Status,
        "created_at": UTC,
        "last_updated_at": UTC,
        "duration_ms": pl.Int64(),
        "grader_score": pl.Float64(),
        "human_score": pl.Float64(),
        "evaluation_feedback": pl.String(),
        "evaluation_reference": pl.String(),
        "evaluation_created_at": UTC,
        "evaluation_updated_at": UTC,
        "review_status": ReviewStatus,
        "corrected_verdict": pl.String(),
        "review_comment": pl.String(),
        "reviewed_at": UTC,
        "reviewed_by": pl.String(),
        "review_state": ReviewState,
        "creator_id": pl.String(),
        "creator_email": pl.String(),
        "creator_display_name": pl.String(),
        "ui_fields": pl.String(),
        "n_status_events": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "n_metadata": pl.UInt32(),
    }
)

STATUS_EVENTS_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "event_index": pl.UInt32(),
        "timestamp": UTC,
        "status_code": pl.Int8(),
        "status": Status,
        "error_message": pl.String(),
        "error_details": pl.String(),
        "count": pl.Int64(),
    }
)

INPUTS_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "input_index": pl.UInt32(),
        "key": pl.String(),
        "description": pl.String(),
        "data_type": pl.String(),
        "value": pl.String(),
        "file_name": pl.String(),
    }
)

METADATA_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "key": pl.String(),
        "value": pl.String(),
    }
)

FRAME_SCHEMAS: dict[str, pl.Schema] = {
    "jobs": JOBS_SCHEMA,
    "status_events": STATUS_EVENTS_SCHEMA,
    "inputs": INPUTS_SCHEMA,
    "metadata": METADATA_SCHEMA,
}


def empty_tables() -> dict[str, pl.DataFrame]:
    """One empty frame per name of `FRAME_SCHEMAS`, each with its fixed schema.

    Examples:
        >>> {name: frame.width for name, frame in empty_tables().items()}
        {'jobs': 27, 'status_events': 8, 'inputs': 7, 'metadata': 3}
    """
    return {name: pl.DataFrame(schema=schema) for name, schema in FRAME_SCHEMAS.items()}


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a `Z`, the form the API and snapshots use.

    Examples:
        >>> from datetime import timedelta, timezone
        >>> format_datetime(datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))))
        '2026-05-01T10:00:00.000000Z'
    """
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str | None) -> datetime:
    """An ISO 8601 text as an aware UTC datetime (naive = UTC); `datetime.min` (UTC) if unreadable.

    For choosing between two copies of one job, where an unreadable time must lose, not fail.

    Examples:
        >>> parse_utc("2026-05-01T10:00:00+02:00").isoformat()
        '2026-05-01T08:00:00+00:00'
        >>> parse_utc("yesterday") == datetime.min.replace(tzinfo=_UTC)
        True
        >>> parse_utc("9999-12-31T23:59:59-23:59") == datetime.min.replace(tzinfo=_UTC)  # past year 9999 in UTC
        True
    """
    try:
        when = datetime.fromisoformat(text or "")
        return when.replace(tzinfo=_UTC) if when.tzinfo is None else when.astimezone(_UTC)
    except (ValueError, OverflowError):
        return datetime.min.replace(tzinfo=_UTC)
