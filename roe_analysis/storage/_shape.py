"""The typed shape of a snapshot manifest: msgspec structs that `_manifest` decodes into.

Reading converts the parsed manifest into `Manifest` (strictly: ``true`` is no row count, ``1.0``
no integer), so every field a reader uses has one type; saving converts what it is about to write
the same way, so a save never writes a manifest a load refuses. Unknown keys are ignored (they stay
in the manifest's dict, covered by its checksum) except in ``files``, which the format fixes.
Free-form parts (``extra``, filter values) are ``Any``: their depth is bounded before parsing.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec import Struct

from roe_analysis.storage._layout import FRAME_FILES


class _LoadCounts(Struct, gc=False, kw_only=True):
    """What a load report records of one request stream (shared by an agent's and a version's)."""

    server_count: int | None = None
    unique_jobs: int | None = None
    pages: int | None = None
    page_size_used: int | None = None
    window_end: str | None = None
    server_time: str | None = None
    watermark: str | None = None
    reconcile_passes: int | None = None
    duplicates_dropped: int | None = None
    missing: int | None = None
    consistent: bool | None = None


class VersionReport(_LoadCounts, gc=False, kw_only=True):
    """How one version of an agent was loaded (``query.agents[i].versions[j]``)."""

    agent_id: str | None = None
    version_name: str | None = None


class AgentReport(_LoadCounts, gc=False, kw_only=True):
    """How one agent was loaded (``query.agents[i]``); a refresh reads its watermark."""

    agent_id: str
    versions: list[VersionReport] | None = None


class Query(Struct, gc=False):
    """The recorded query (``query``): what `manifest_query` copies from ``frames.query``."""

    agent_ids: list[str] | None = None
    host: str | None = None
    organization_id: str | None = None
    filters: dict[str, Any] | None = None
    ordering_sent: list[str] | None = None
    started_at: str | None = None
    results: bool | None = None
    versions: bool | None = None
    results_missing: int | None = None
    fetched_at: str | None = None
    complete: bool | None = None
    requests: int | None = None
    retries: int | None = None
    resumed_pages: int | None = None
    agents: list[AgentReport] = []


class FileEntry(Struct, forbid_unknown_fields=True, gc=False):
    """One frame's file (``files.<frame>``)."""

    file: str
    rows: int
    bytes: int
    sha256: str


class Files(Struct, forbid_unknown_fields=True, gc=False):
    """One entry per frame (``files``), no other; schema 1 has no results, outputs or versions."""

    jobs: FileEntry
    status_events: FileEntry
    inputs: FileEntry
    metadata: FileEntry
    results: FileEntry | None = None
    outputs: FileEntry | None = None
    versions: FileEntry | None = None


if set(Files.__struct_fields__) != set(FRAME_FILES):  # pragma: no cover - a new frame needs an entry here
    raise AssertionError(f"Files lists {Files.__struct_fields__}, the frames are {list(FRAME_FILES)}")


class Manifest(Struct, gc=False):
    """A whole manifest, as `build_manifest` writes it."""

    format: str
    schema_version: int
    library_version: str
    created_at: str
    agent_ids: list[str]
    server_counts: dict[str, int | None]
    query: Query
    files: Files
    extra: dict[str, Any]
    checksum: str
    host: str | None = None
    fetched_at: str | None = None


def shape_problem(exc: msgspec.ValidationError) -> tuple[str, str]:
    """The JSON path a msgspec validation error points at, and what it says is wrong there."""
    detail, _, at = str(exc).partition(" - at `")
    path = at.rstrip("`") or "$"
    missing = re.fullmatch(r"Object missing required field `(.+)`", detail)
    if missing:
        path = f"{path}.{missing.group(1)}"
    return path, detail


def field_name(path: str) -> str:
    """The last named field of a JSON path: ``$.query.agents[0].agent_id`` → ``agent_id``."""
    return re.sub(r"(\[[^\]]*\])+$", "", path).rpartition(".")[2] or path


def short(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to `limit` characters (a hostile manifest may hold megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
