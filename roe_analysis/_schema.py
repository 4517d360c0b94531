"""The fixed schema of every frame the library builds, and the datetime helpers every layer shares.

Each frame has the same columns and dtypes whatever the data, an empty load included, so that code
written against one agent runs unchanged against another. All datetimes are ``Datetime("us", "UTC")``.
"""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime

import polars as pl

#: Version 2 added the `results`, `outputs` and `versions` frames (version-1 snapshots load with them empty).
SCHEMA_VERSION = 2

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

#: One row per job the results endpoint answered for (`POST /v1/agents/jobs/results/`): what it
#: cost and how many tokens it used. A job missing here has no result (not fetched, or not answered).
RESULTS_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_id": pl.String(),
        "status_code": pl.Int8(),
        "status": Status,
        "cost": pl.Float64(),
        "input_tokens": pl.Int64(),
        "output_tokens": pl.Int64(),
        "n_outputs": pl.UInt32(),
        "n_corrected_outputs": pl.UInt32(),
    }
)

#: One row per output datum of a result, and per corrected datum (``corrected`` true), in the
#: order the API gives them (``output_index`` counts within each of the two lists).
OUTPUTS_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "corrected": pl.Boolean(),
        "output_index": pl.UInt32(),
        "key": pl.String(),
        "data_type": pl.String(),
        "value": pl.String(),
        "description": pl.String(),
        "cost": pl.Float64(),
    }
)

#: One row per agent version (`GET /v1/agents/{agent_id}/versions/`); jobs name their version by
#: ``version_name`` (= ``jobs.agent_version_name``, kept exactly as the API gives it). ``model`` is
#: the engine config's model where it names one; ``engine_config`` is its JSON text; ``agent_name``
#: is the agent's own name (the version's ``base_agent.name``), for titles.
VERSIONS_SCHEMA = pl.Schema(
    {
        "agent_id": pl.String(),
        "agent_name": pl.String(),
        "version_id": pl.String(),
        "version_name": pl.String(),
        "created_at": UTC,
        "engine_name": pl.String(),
        "model": pl.String(),
        "engine_config": pl.String(),
        "description": pl.String(),
        "creator_email": pl.String(),
        "readonly": pl.Boolean(),
    }
)

#: One row per agent of the organisation (`GET /v1/agents/`), as `RoeClient.list_agents` gives it.
AGENTS_SCHEMA = pl.Schema(
    {
        "agent_id": pl.String(),
        "name": pl.String(),
        "created_at": UTC,
        "updated_at": UTC,
        "job_count": pl.Int64(),
        "most_recent_job": UTC,
        "current_version_id": pl.String(),
        "engine_name": pl.String(),
        "tags": pl.List(pl.String()),
        "disable_cache": pl.Boolean(),
        "creator_email": pl.String(),
    }
)

#: The frames built from the jobs list's pages.
JOB_FRAME_NAMES: tuple[str, ...] = ("jobs", "status_events", "inputs", "metadata")
#: The frames added by the results and versions endpoints (empty until loaded).
EXTRA_FRAME_NAMES: tuple[str, ...] = ("results", "outputs", "versions")

FRAME_SCHEMAS: dict[str, pl.Schema] = {
    "jobs": JOBS_SCHEMA,
    "status_events": STATUS_EVENTS_SCHEMA,
    "inputs": INPUTS_SCHEMA,
    "metadata": METADATA_SCHEMA,
    "results": RESULTS_SCHEMA,
    "outputs": OUTPUTS_SCHEMA,
    "versions": VERSIONS_SCHEMA,
}


def empty_tables() -> dict[str, pl.DataFrame]:
    """One empty frame per name of `FRAME_SCHEMAS`, each with its fixed schema.

    Examples:
        >>> {name: frame.width for name, frame in empty_tables().items()}
        {'jobs': 27, 'status_events': 8, 'inputs': 7, 'metadata': 3, 'results': 10, 'outputs': 8, 'versions': 11}
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
