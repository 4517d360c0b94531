"""The `results`, `outputs`, `versions` and `agents` frames, built from the decoded catalog records.

Each builder takes the structs of `roe_analysis.api` (already type-checked by msgspec) and gives a
frame with its fixed schema (`roe_analysis._schema`), an empty answer included. A value no frame
can hold (a status code beyond Int8, a time that is not ISO 8601) is a `MalformedResponseError`
naming the record and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import polars as pl

from roe_analysis._schema import AGENTS_SCHEMA, FRAME_SCHEMAS, STATUS_NAMES
from roe_analysis.api import AgentRecord, Datum, ResultItem, VersionRecord
from roe_analysis.errors import MalformedResponseError


def _status(code: int | None, job_id: str) -> tuple[int | None, str | None]:
    if code is None:
        return None, None
    if not -128 <= code <= 127:
        raise MalformedResponseError(f"the result of job {job_id} has status {code}, which is not a status code")
    return code, STATUS_NAMES.get(code, "UNKNOWN")


def results_frame(items: Iterable[ResultItem]) -> pl.DataFrame:
    """One row per result: its job, agent and version ids, status, cost, tokens and output counts."""
    rows = []
    for item in items:
        code, status = _status(item.status, item.id)
        rows.append(
            (
                item.id,
                item.agent_id,
                item.agent_version_id,
                code,
                status,
                item.cost,
                item.input_tokens,
                item.output_tokens,
                len(item.result or ()),
                len(item.corrected_outputs or ()),
            )
        )
    return pl.DataFrame(rows, schema=FRAME_SCHEMAS["results"], orient="row")


def _output_rows(job_id: str, data: Sequence[Datum] | None, *, corrected: bool) -> list[tuple[Any, ...]]:
    return [
        (job_id, corrected, i, d.key, d.data_type, d.value, d.description, d.cost) for i, d in enumerate(data or ())
    ]


def outputs_frame(items: Iterable[ResultItem]) -> pl.DataFrame:
    """One row per output datum of each result, then per corrected datum (``corrected`` true)."""
    rows = []
    for item in items:
        rows += _output_rows(item.id, item.result, corrected=False)
        rows += _output_rows(item.id, item.corrected_outputs, corrected=True)
    return pl.DataFrame(rows, schema=FRAME_SCHEMAS["outputs"], orient="row")


def _instant(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise MalformedResponseError(f"{what} is {text[:60]!r}, not an ISO 8601 date-time in years 1 to 9999") from None


def model_of(engine_config: Any) -> str | None:
    """The model an engine config names (its ``model`` entry, when that is text), else None.

    Examples:
        >>> model_of({"model": "gpt-4.1", "temperature": "0.2"}), model_of({"temperature": "0.2"}), model_of(None)
        ('gpt-4.1', None, None)
    """
    if isinstance(engine_config, dict):
        model = engine_config.get("model")
        if isinstance(model, str) and model.strip():
            return model
    return None


def versions_frame(agent_id: str, records: Iterable[VersionRecord]) -> pl.DataFrame:
    """One row per version of ``agent_id``: name, creation, engine, model and its config as JSON."""
    rows = []
    for v in records:
        config = msgspec.json.decode(v.engine_config) if v.engine_config else None
        rows.append(
            (
                agent_id,
                v.base_agent.name if v.base_agent is not None else None,
                v.id,
                v.version_name,
                _instant(v.created_at, f"`created_at` of version {v.id}"),
                v.engine_name,
                model_of(config),
                None if config is None else json.dumps(config, sort_keys=True, ensure_ascii=False),
                v.description,
                v.creator.email if v.creator is not None else None,
                v.readonly,
            )
        )
    return pl.DataFrame(rows, schema=FRAME_SCHEMAS["versions"], orient="row")


def agents_frame(records: Iterable[AgentRecord]) -> pl.DataFrame:
    """One row per agent: name, times, job count, most recent job, current version, engine, tags."""
    rows = []
    for a in records:
        rows.append(
            (
                a.id,
                a.name,
                _instant(a.created_at, f"`created_at` of agent {a.id}"),
                _instant(a.updated_at, f"`updated_at` of agent {a.id}"),
                a.job_count,
                _instant(a.most_recent_job, f"`most_recent_job` of agent {a.id}"),
                a.current_version_id,
                a.engine_name,
                [t.name for t in a.tags or () if t.name is not None],
                a.disable_cache,
                a.creator.email if a.creator is not None else None,
            )
        )
    return pl.DataFrame(rows, schema=AGENTS_SCHEMA, orient="row")
