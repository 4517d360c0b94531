"""Building the four frames from decoded pages, once, in columns.

Every job of every page is read once into flat Python lists (one per column) and handed to Polars;
child rows (events, inputs, metadata) are repeated from per-job counts rather than built as a tuple
per row. Free-form JSON (`ui_fields`, `reference`, `error_details`) is kept exact. A value that
does not fit the schema raises `MalformedResponseError` naming the job and the page.

That is one boundary, `build_tables`: the fast path checks nothing per value in Python (only
vectorised checks: timestamps that parse and fit a Python datetime, status codes that fit Int8,
unknown enum values, which warn). Anything it raises instead (a raw field whose JSON cannot be read
or is nested too deeply, a value Polars refuses) sends it down the slow path, which builds page by
page, then job by job (halving), then field by field, to name the page, job and field, and raises
with ``partial`` holding the tables of every page that does build.
"""

from __future__ import annotations

import functools
import gc
import json
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import polars as pl
from msgspec import Raw, Struct

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
#: The instants a Python datetime can hold (years 1 to 9999, in UTC), as microseconds since 1970:
#: a frame holds more, but then fails wherever a value is read out (``rows()``, a chart, a table).
_FIRST_US = -62_135_596_800_000_000
_LAST_US = 253_402_300_799_999_999


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
    for col in columns:
        physical = parsed.get_column(col).to_physical()
        outside = (physical < _FIRST_US) | (physical > _LAST_US)
        if outside.any():
            bad = raw.select(id_col, "_page", col).filter(outside)
            job_id, page, value = bad.row(0)
            raise MalformedResponseError(
                f"{what} `{col}` of job {job_id} is {value!r}, outside the years 1 to 9999 (in UTC) a date-time "
                f"can hold ({plural(bad.height, 'value')} like it)",
                page=page,
            )
    return parsed


def _warn_unknown(unknown: pl.DataFrame, col: str, id_col: str, fate: str) -> None:
    """Warn that the jobs of ``unknown`` have a `col` this version does not know (``fate``: what became of it)."""
    seen = sorted(set(unknown.get_column(col).to_list()))
    warnings.warn(
        f"{plural(unknown.height, 'job')} {plural_word(unknown.height, 'has', 'have')} a `{col}` "
        f"this version of roe-analysis does not know "
        f"({', '.join(map(repr, seen))}; e.g. job {unknown.get_column(id_col)[0]}); {fate}. "
        f"Upgrade roe-analysis, or read the raw value with `client.iter_pages`.",
        UnknownValueWarning,
        stacklevel=5,
    )


def _warn_unknown_events(events: pl.DataFrame) -> None:
    """Warn, with exact numbers, about status events whose code this version does not know."""
    codes = events.get_column("status_code")
    unknown = events.filter(codes.is_not_null() & ~codes.is_in(list(STATUS_NAMES)))
    if not unknown.height:
        return
    seen = sorted(set(unknown.get_column("status_code").to_list()))
    jobs = unknown.get_column("job_id").n_unique()
    its = plural_word(unknown.height, "its", "their")
    warnings.warn(
        f"{plural(unknown.height, 'status event')} of {plural(jobs, 'job')} "
        f"{plural_word(unknown.height, 'has', 'have')} a `status_code` this version of roe-analysis does not know "
        f"({', '.join(map(repr, seen))}; e.g. job {unknown.get_column('job_id')[0]}); "
        f"{its} `status` is UNKNOWN in status_events, `status_code` keeps the number, and {its} time counts as "
        f"UNKNOWN in status_time. Upgrade roe-analysis, or read the raw value with `client.iter_pages`.",
        UnknownValueWarning,
        stacklevel=5,
    )


def _to_enum(frame: pl.DataFrame, col: str, dtype: pl.DataType, id_col: str) -> pl.Series:
    values = frame.get_column(col)
    cast = values.cast(dtype, strict=False)
    unknown = frame.filter(values.is_not_null() & cast.is_null())
    if unknown.height:
        _warn_unknown(unknown, col, id_col, "they are null in the frame")
    return cast


def _status_columns(frame: pl.DataFrame, id_col: str, *, warn: bool) -> pl.DataFrame:
    codes = frame.get_column("status_code")
    out_of_range = frame.filter((codes < -128) | (codes > 127))
    if out_of_range.height:
        job_id, page, code = out_of_range.select(id_col, "_page", "status_code").row(0)
        raise MalformedResponseError(f"status code {code} of job {job_id} is not a status code", page=page)
    if warn:
        unknown = frame.filter(codes.is_not_null() & ~codes.is_in(list(STATUS_NAMES)))
        if unknown.height:
            its = plural_word(unknown.height, "its", "their")
            fate = f"{its} `status` is UNKNOWN in the frame, `status_code` keeps the number"
            _warn_unknown(unknown, "status_code", id_col, fate)
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
    """The four frames (by name) of every job of every decoded page, built once, not page by page.

    Raises:
        MalformedResponseError: a page holds a value no frame can: it names the page, the job and
            the field, and ``partial`` holds the four tables (by name, with the fixed schema) of
            every page that does build.
    """
    # Hundreds of thousands of short-lived lists would trigger the cyclic collector over and over;
    # nothing built here forms a cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            return _build_tables(chunks)
        except MemoryError:
            raise
        except Exception:  # the one boundary: whatever the data raised, say where (slow path)
            return _build_page_by_page(chunks)
    finally:
        if gc_was_enabled:
            gc.enable()


def _build_page_by_page(chunks: Sequence[PageChunk]) -> dict[str, pl.DataFrame]:
    """The slow path, after building every page at once raised: find the pages that fail alone."""
    built: list[dict[str, pl.DataFrame]] = []
    failed: list[tuple[PageChunk, Exception]] = []
    with warnings.catch_warnings():
        # The fast path has warned already; each rebuild would warn again.
        warnings.simplefilter("ignore")
        _build_halves(chunks, built, failed)
        tables = _concat_tables(built)
        if not failed:  # nothing fails page by page (a RecursionError can depend on the stack)
            return tables
        chunk, error = failed[0]
        located = error if isinstance(error, MalformedResponseError) else _locate(chunk, error)
    others = sorted({c.page for c, _ in failed[1:] if c.page is not None})
    if len(failed) > 1:
        pages = f": {plural_word(len(others), 'page')} {', '.join(map(str, others))}" if others else ""
        located.args = (f"{located.args[0]}; {plural(len(failed) - 1, 'other page')} cannot be built either{pages}",)
    located.partial = tables
    if located is error:
        raise located
    raise located from error


def _build_halves(
    chunks: Sequence[PageChunk], built: list[dict[str, pl.DataFrame]], failed: list[tuple[PageChunk, Exception]]
) -> None:
    """Build each half of ``chunks`` (known to fail together), halving again what fails, in page order:
    one bad page among n costs about two builds of them all, not n builds of one page."""
    if len(chunks) == 1:
        tables, error = _try_build(chunks)
        if error is None:
            built.append(tables)
        else:
            failed.append((chunks[0], error))
        return
    middle = len(chunks) // 2
    for half in (chunks[:middle], chunks[middle:]):
        tables, error = _try_build(half)
        if error is None:
            built.append(tables)
        elif len(half) == 1:
            failed.append((half[0], error))
        else:
            _build_halves(half, built, failed)


def _try_build(chunks: Sequence[PageChunk]) -> tuple[dict[str, pl.DataFrame], Exception | None]:
    """The tables of ``chunks``, or what building them raised."""
    try:
        return _build_tables(chunks), None
    except MemoryError:
        raise
    except Exception as exc:  # the slow path's probe: any failure counts
        return {}, exc


def _build_error(chunks: Sequence[PageChunk]) -> Exception | None:
    """What building ``chunks`` raises, or None when they build."""
    return _try_build(chunks)[1]


def _concat_tables(built: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    if not built:
        return empty_tables()
    return {name: pl.concat([tables[name] for tables in built], how="vertical") for name in built[0]}


def _locate(chunk: PageChunk, error: Exception) -> MalformedResponseError:
    """``chunk`` raised ``error`` (not one of ours): the first job that fails alone, and in it the field."""
    found = _first_failing_job(chunk)
    if found is None:
        return MalformedResponseError(f"its jobs cannot be put in frames: {_reason(error)}", page=chunk.page)
    job, job_error = found
    if isinstance(job_error, MalformedResponseError):
        return job_error
    culprit = _culprit(chunk, job)
    if culprit is None:
        return MalformedResponseError(f"job {job.id} cannot be put in a frame: {_reason(job_error)}", page=chunk.page)
    path, field_error = culprit
    reason = _reason(field_error)
    # msgspec names where in the raw JSON it failed (``$[0].a``): that is a path inside the field.
    inside = _INSIDE.search(reason)
    if inside is not None:
        path, reason = path + inside.group(1), reason[: inside.start()] + reason[inside.end() :]
    return MalformedResponseError(f"`{path}` of job {job.id} cannot be put in a frame: {reason}", page=chunk.page)


_INSIDE = re.compile(r" - at `\$([^`]*)`")


def _first_failing_job(chunk: PageChunk) -> tuple[Job, Exception] | None:
    """The first job of ``chunk`` that fails to build alone, by halving (about two builds of the page)."""
    jobs = chunk.jobs
    low, high = 0, len(jobs)  # jobs[low:high] fails together
    while high - low > 1:
        middle = (low + high) // 2
        if _build_error([PageChunk(chunk.agent_id, chunk.page, jobs[low:middle])]) is not None:
            high = middle
        elif _build_error([PageChunk(chunk.agent_id, chunk.page, jobs[middle:high])]) is not None:
            low = middle
        else:  # only together do they fail
            return None
    if low == high:
        return None
    error = _build_error([PageChunk(chunk.agent_id, chunk.page, [jobs[low]])])
    return None if error is None else (jobs[low], error)


_S = TypeVar("_S", bound=Struct)

#: A text that is a valid value of every text field (a date-time's included), for `_neutral`.
_NEUTRAL_TEXT = "2000-01-01T00:00:00Z"


@functools.cache
def _neutral(kind: type[_S]) -> _S:
    """An instance of the struct ``kind`` that builds: optional fields at their defaults, required
    ones at a neutral value (0, or a text that is also a date-time)."""
    required = {
        field.encode_name: 0
        if isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        else _NEUTRAL_TEXT
        for field in msgspec.structs.fields(kind)
        if field.required
    }
    return msgspec.convert(required, kind)


def _culprit(chunk: PageChunk, job: Job) -> tuple[str, Exception] | None:
    """The path in ``job`` of the first value that alone keeps a neutral job from building, and its error."""

    def fails(candidate: Job) -> Exception | None:
        error = _build_error([PageChunk(chunk.agent_id, chunk.page, [candidate])])
        # Our own errors name their value already; the culprit sought is one that raised something else.
        return None if isinstance(error, MalformedResponseError) else error

    return _narrow(job, lambda placed: placed, fails)


def _narrow(
    value: Struct, place: Callable[[Any], Job], fails: Callable[[Job], Exception | None]
) -> tuple[str, Exception] | None:
    """The first field of ``value`` that fails alone (``place`` puts a struct like it into a job)."""
    neutral = _neutral(type(value))
    for name in value.__struct_fields__:
        field = getattr(value, name)
        if field == getattr(neutral, name):
            continue

        def put(v: object, name: str = name) -> Job:
            return place(msgspec.structs.replace(neutral, **{name: v}))

        error = fails(put(field))
        if error is None:
            continue
        if isinstance(field, Struct):
            deeper = _narrow(field, put, fails)
            return (f"{name}.{deeper[0]}", deeper[1]) if deeper else (name, error)
        if isinstance(field, list):
            for index, item in enumerate(field):
                item_error = fails(put([item]))
                if item_error is None:
                    continue

                def put_alone(one: object, put: Callable[[object], Job] = put) -> Job:
                    return put([one])

                deeper = _narrow(item, put_alone, fails) if isinstance(item, Struct) else None
                return (f"{name}[{index}].{deeper[0]}", deeper[1]) if deeper else (f"{name}[{index}]", item_error)
        if isinstance(field, dict):
            for key, item in field.items():
                item_error = fails(put({key: item}))
                if item_error is not None:
                    return f"{name}[{json.dumps(key, ensure_ascii=False)}]", item_error
        return name, error
    return None


def _reason(error: Exception) -> str:
    """``error`` in words, its first line only (Polars adds pages of context and hints)."""
    if isinstance(error, RecursionError):
        return "its JSON is nested too deeply to read"
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if isinstance(error, msgspec.DecodeError):
        return f"its JSON cannot be read ({first})"
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


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
    parsed = _status_columns(parsed, "id", warn=True).with_columns(
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
    # An event's unknown code does not warn: the API documents none, yet events with one are seen in
    # production (the sandbox's demo agent has one); its `status` is UNKNOWN and the code is kept.
    _warn_unknown_events(events_parsed)
    events_frame = _status_columns(events_parsed, "job_id", warn=False).select(STATUS_EVENTS_SCHEMA.names())

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
