"""Building the four frames from decoded pages, once, in columns.

Every job of every page is read once into flat Python lists (one per column) and handed to Polars;
child rows (events, inputs, metadata) are repeated from per-job counts rather than built as a tuple
per row. Free-form JSON (`ui_fields`, `reference`, `error_details`) is kept exact. A value that
does not fit the schema raises `MalformedResponseError` naming the job and the page.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import polars as pl
from msgspec import Raw

from roe_analysis._schema import (
    INPUTS_SCHEMA,
    JOBS_SCHEMA,
    METADATA_SCHEMA,
    STATUS_EVENTS_SCHEMA,
    STATUS_NAMES,
    ReviewState,
    ReviewStatus,
    Status,
    empty_tables,
)
from roe_analysis._text import plural, plural_word
from roe_analysis.api import Job, MetaValue
from roe_analysis.errors import MalformedResponseError, UnknownValueWarning

_TS_WITH_ZONE = "%Y-%m-%dT%H:%M:%S%.f%#z"
_TS_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"


@dataclass(frozen=True)
class PageChunk:
    """The decoded jobs of one page, with where they came from (for error messages)."""

    agent_id: str
    page: int | None
    jobs: list[Job]


def _json_text(raw: Raw) -> str | None:
    # Re-encode through msgspec so that the same value gives the same text whichever way it came
    # in (a server's spacing or escaping, or a user's dicts): ints stay ints, floats stay floats.
    if not raw:
        return None
    value = msgspec.json.decode(raw)
    return None if value is None else msgspec.json.encode(value).decode()


def _meta_text(value: MetaValue) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode()


def _parse_timestamps(raw: pl.DataFrame, columns: list[str], what: str, id_col: str) -> pl.DataFrame:
    """Parse ISO 8601 text columns to UTC datetimes; a value that is not one raises, naming job and page.

    The API's own spelling (``T``, fraction optional, ``Z`` or an offset) is parsed in one pass;
    only the rare other spellings (a space for ``T``, no zone, read as UTC) pay for a second one.
    """
    parsed = raw.with_columns(
        pl.col(c).str.to_datetime(_TS_WITH_ZONE, time_unit="us", time_zone="UTC", strict=False) for c in columns
    )
    for col in columns:
        failed = raw.get_column(col).is_not_null() & parsed.get_column(col).is_null()
        if not failed.any():
            continue
        text = raw.get_column(col).str.replace(" ", "T", literal=True, n=1)
        retried = pl.select(
            pl.coalesce(
                text.str.to_datetime(_TS_WITH_ZONE, time_unit="us", time_zone="UTC", strict=False),
                text.str.to_datetime(_TS_NAIVE, time_unit="us", strict=False).dt.replace_time_zone("UTC"),
            )
        ).to_series()
        column = pl.select(pl.when(failed).then(retried).otherwise(parsed.get_column(col))).to_series().alias(col)
        bad = raw.select(id_col, "_page", col).filter(failed & column.is_null())
        if bad.height:
            job_id, page, value = bad.row(0)
            raise MalformedResponseError(
                f"{what} `{col}` of job {job_id} is {value!r}, not an ISO 8601 date-time "
                f"({plural(bad.height, 'value')} like it)",
                page=page,
            )
        parsed = parsed.with_columns(column)
    return parsed


def _to_enum(frame: pl.DataFrame, col: str, dtype: pl.DataType, id_col: str) -> pl.Series:
    values = frame.get_column(col)
    cast = values.cast(dtype, strict=False)
    unknown = frame.filter(values.is_not_null() & cast.is_null())
    if unknown.height:
        seen = sorted(set(unknown.get_column(col).to_list()))
        warnings.warn(
            f"{plural(unknown.height, 'job')} {plural_word(unknown.height, 'has', 'have')} a `{col}` "
            f"this version of roe-analysis does not know "
            f"({', '.join(map(repr, seen))}; e.g. job {unknown.get_column(id_col)[0]}); they are null in the frame. "
            f"Upgrade roe-analysis, or read the raw value with `client.iter_pages`.",
            UnknownValueWarning,
            stacklevel=4,
        )
    return cast


def _status_columns(frame: pl.DataFrame, id_col: str) -> pl.DataFrame:
    codes = frame.get_column("status_code")
    out_of_range = frame.filter((codes < -128) | (codes > 127))
    if out_of_range.height:
        job_id, page, code = out_of_range.select(id_col, "_page", "status_code").row(0)
        raise MalformedResponseError(f"status code {code} of job {job_id} is not a status code", page=page)
    names = pl.Series(list(STATUS_NAMES.values()))
    return frame.with_columns(
        pl.col("status_code").cast(pl.Int8),
        pl.col("status_code")
        .replace_strict(list(STATUS_NAMES), names, default="UNKNOWN", return_dtype=pl.String)
        .cast(Status)
        .alias("status"),
    )


def _children(parents: pl.DataFrame, count_col: str, index_col: str | None) -> pl.DataFrame:
    repeated = parents.select(
        pl.col("id").repeat_by(count_col).explode().alias("job_id"),
        pl.col("_page").repeat_by(count_col).explode(),
        *([pl.int_ranges(0, count_col, dtype=pl.UInt32).explode().alias(index_col)] if index_col else []),
    )
    # repeat_by leaves a null row for a zero count; those are not children.
    return repeated.filter(pl.col("job_id").is_not_null())


def build_tables(chunks: Sequence[PageChunk]) -> dict[str, pl.DataFrame]:
    """The four frames (by name) of every job of every decoded page, built once, not page by page."""
    # Hundreds of thousands of short-lived lists would trigger the cyclic collector over and over;
    # nothing built here forms a cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_tables(chunks)
    finally:
        if gc_was_enabled:
            gc.enable()


def _build_tables(chunks: Sequence[PageChunk]) -> dict[str, pl.DataFrame]:
    jobs: list[Job] = [job for chunk in chunks for job in chunk.jobs]
    if not jobs:
        return empty_tables()
    agent_col = [chunk.agent_id for chunk in chunks for _ in chunk.jobs]
    page_col = [chunk.page for chunk in chunks for _ in chunk.jobs]
    ev = [j.evaluation for j in jobs]
    rv = [j.feedback_review for j in jobs]
    cr = [j.creator for j in jobs]
    raw_jobs = pl.DataFrame(
        {
            "agent_id": agent_col,
            "id": [j.id for j in jobs],
            "agent_version_name": [j.agent_version_name for j in jobs],
            "status_code": [j.status_code for j in jobs],
            "created_at": [j.created_at for j in jobs],
            "last_updated_at": [j.last_updated_at for j in jobs],
            "duration_ms": [j.duration_ms for j in jobs],
            "grader_score": [None if e is None else e.grader_score for e in ev],
            "human_score": [None if e is None else e.human_score for e in ev],
            "evaluation_feedback": [None if e is None else e.feedback for e in ev],
            "evaluation_reference": [None if e is None else _json_text(e.reference) for e in ev],
            "evaluation_created_at": [None if e is None else e.created_at for e in ev],
            "evaluation_updated_at": [None if e is None else e.updated_at for e in ev],
            "review_status": [None if r is None else r.review_status for r in rv],
            "corrected_verdict": [None if r is None else r.corrected_verdict for r in rv],
            "review_comment": [None if r is None else r.review_comment for r in rv],
            "reviewed_at": [None if r is None else r.reviewed_at for r in rv],
            "reviewed_by": [None if r is None else r.reviewed_by for r in rv],
            "review_state": [j.review_state for j in jobs],
            "creator_id": [None if c is None or c.id is None else str(c.id) for c in cr],
            "creator_email": [None if c is None else c.email for c in cr],
            "creator_display_name": [None if c is None else c.display_name for c in cr],
            "ui_fields": [_json_text(j.ui_fields) for j in jobs],
            "n_status_events": [len(j.status_events or ()) for j in jobs],
            "n_inputs": [len(j.job_inputs or ()) for j in jobs],
            "n_metadata": [len(j.metadata or ()) for j in jobs],
            "_page": page_col,
        },
        schema_overrides={
            "agent_id": pl.String,
            "id": pl.String,
            "agent_version_name": pl.String,
            "status_code": pl.Int64,
            "duration_ms": pl.Int64,
            "grader_score": pl.Float64,
            "human_score": pl.Float64,
            "_page": pl.Int64,
            **{
                c: pl.String
                for c in (
                    "created_at",
                    "last_updated_at",
                    "evaluation_feedback",
                    "evaluation_reference",
                    "evaluation_created_at",
                    "evaluation_updated_at",
                    "review_status",
                    "corrected_verdict",
                    "review_comment",
                    "reviewed_at",
                    "reviewed_by",
                    "review_state",
                    "creator_id",
                    "creator_email",
                    "creator_display_name",
                    "ui_fields",
                )
            },
        },
    )
    ts_cols = [
        "created_at",
        "last_updated_at",
        "evaluation_created_at",
        "evaluation_updated_at",
        "reviewed_at",
    ]
    parsed = _parse_timestamps(raw_jobs, ts_cols, "field", "id")
    parsed = _status_columns(parsed, "id").with_columns(
        _to_enum(parsed, "review_status", ReviewStatus, "id"),
        _to_enum(parsed, "review_state", ReviewState, "id"),
    )
    jobs_frame = parsed.select(
        pl.col(name).cast(dtype) if parsed.schema[name] != dtype else pl.col(name)
        for name, dtype in JOBS_SCHEMA.items()
    )

    # Child rows: one flat Python list of structs each; the parent id, index and page are repeated
    # by Polars from per-job counts rather than built as a tuple per row.
    parents = raw_jobs.select("id", "_page", "n_status_events", "n_inputs", "n_metadata")
    events = [e for j in jobs for e in (j.status_events or ())]
    raw_events = _children(parents, "n_status_events", "event_index").with_columns(
        pl.Series("timestamp", [e.timestamp for e in events], pl.String),
        pl.Series("status_code", [e.status_code for e in events], pl.Int64),
        pl.Series("error_message", [e.error_message for e in events], pl.String),
        pl.Series(
            "error_details", [_json_text(e.error_details) if e.error_details else None for e in events], pl.String
        ),
        pl.Series("count", [e.count for e in events], pl.Int64),
    )
    events_parsed = _parse_timestamps(raw_events, ["timestamp"], "status event", "job_id")
    events_frame = _status_columns(events_parsed, "job_id").select(STATUS_EVENTS_SCHEMA.names())

    inputs = [x for j in jobs for x in (j.job_inputs or ())]
    inputs_frame = (
        _children(parents, "n_inputs", "input_index")
        .with_columns(
            pl.Series("key", [x.key for x in inputs], pl.String),
            pl.Series("description", [x.description for x in inputs], pl.String),
            pl.Series("data_type", [x.data_type for x in inputs], pl.String),
            pl.Series("value", [x.value for x in inputs], pl.String),
            pl.Series("file_name", [x.file_name for x in inputs], pl.String),
        )
        .select(INPUTS_SCHEMA.names())
    )
    pairs = [kv for j in jobs for kv in (j.metadata or {}).items()]
    metadata_frame = (
        _children(parents, "n_metadata", None)
        .with_columns(
            pl.Series("key", [k for k, _ in pairs], pl.String),
            pl.Series("value", [_meta_text(v) for _, v in pairs], pl.String),
        )
        .select(METADATA_SCHEMA.names())
    )
    return {"jobs": jobs_frame, "status_events": events_frame, "inputs": inputs_frame, "metadata": metadata_frame}
