"""The manifest: what a snapshot records, sealed by its own checksum, and how it is checked.

The manifest is built from an allow-list of what a load records (agents, filters, window, counts,
the API host without any user name or password); the API key cannot reach it. Reading checks the
format, the schema version, the checksum and then the shape of every field, by decoding into the
msgspec structs of `_shape`, before anything else is trusted. The same structs check what a save is about
to write, so every manifest a save writes is one a load reads.

A manifest is read from bytes someone else may have written, so nothing in it may crash the reader:
its nesting is bounded (`MAX_DEPTH`) before it is parsed, numbers beyond 64 bits and non-finite
ones are refused by the parser, and every field has one type. Each failure is a `SnapshotError`
that names the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import msgspec
import polars as pl

from roe_analysis._schema import SCHEMA_VERSION, format_datetime
from roe_analysis._version import __version__
from roe_analysis.api import JobQuery, Secret
from roe_analysis.errors import (
    InvalidArgumentError,
    SnapshotCorruptedError,
    SnapshotFormatError,
    SnapshotNotFoundError,
    SnapshotVersionError,
)
from roe_analysis.storage._layout import (
    FRAME_FILES,
    FRAMES_BY_SCHEMA,
    MANIFEST_NAME,
    SNAPSHOT_FORMAT,
    listed_files,
    target_path,
)
from roe_analysis.storage._shape import FileEntry, Manifest, Query, field_name, shape_problem, short

#: How deeply objects and lists may nest in a manifest read from disk (the format itself needs 6).
MAX_DEPTH = 64
#: How deeply a value saved into a manifest (`extra`, a filter) may nest, so the whole stays under
#: `MAX_DEPTH`.
MAX_VALUE_DEPTH = 32
# msgspec reads integers of 64 bits (signed or not); a save refuses any other.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1

# What a manifest may copy from `frames.query`. Anything else (a key, headers, settings) is dropped.
_QUERY_KEYS = frozenset(
    {
        "agent_ids",
        "organization_id",
        "filters",
        "ordering_sent",
        "started_at",
        "fetched_at",
        "complete",
        "requests",
        "retries",
        "resumed_pages",
        "agents",
        "results",
        "versions",
        "results_missing",
    }
)
_FILTER_KEYS = frozenset(f.name for f in fields(JobQuery))
_AGENT_KEYS = frozenset(
    {
        "agent_id",
        "server_count",
        "unique_jobs",
        "pages",
        "page_size_used",
        "window_end",
        "server_time",
        "watermark",
        "reconcile_passes",
        "duplicates_dropped",
        "missing",
        "consistent",
        "versions",
    }
)
# Names under which `extra` must not hold anything (compared lower-case, without separators).
_CREDENTIAL_NAMES = frozenset(
    {
        "apikey",
        "roeapikey",
        "xapikey",
        "authorization",
        "auth",
        "bearer",
        "password",
        "passwd",
        "secret",
        "token",
        "accesstoken",
        "refreshtoken",
        "cookie",
    }
)

# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _text(value: str, where: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            f"{where} holds text that is not valid Unicode ({exc.reason} at position {exc.start}), which a "
            f"snapshot manifest cannot hold."
        ) from None
    return value


def plain(value: object, where: str, depth: int = 0) -> Any:
    """`value` as plain JSON data, or an error naming where the unsupported value is.

    Nesting deeper than `MAX_VALUE_DEPTH` (or a value that contains itself), integers beyond 64
    bits and text that is not valid Unicode are refused too: a load could not read them back.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise InvalidArgumentError(
                f"{where} is an integer beyond 64 bits, which a snapshot manifest cannot hold; store it as a string."
            )
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{where} is {value}, which JSON cannot hold; use None instead.")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(f"{where} is a naive datetime; give it a time zone (e.g. tzinfo=UTC).")
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return _text(str(value), where)
    if isinstance(value, Mapping | list | tuple) and depth >= MAX_VALUE_DEPTH:
        raise InvalidArgumentError(
            f"{where} is nested more than {MAX_VALUE_DEPTH} levels deep (or contains itself), which a snapshot "
            f"manifest does not hold; flatten it."
        )
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(f"{where} has a {type(key).__name__} key {key!r}; keys must be strings.")
            out[_text(key, f"{where} key {short(key)}")] = plain(item, f"{where}[{key!r}]", depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [plain(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, Secret):
        raise InvalidArgumentError(f"{where} is a Secret: a snapshot never holds credentials.")
    raise InvalidArgumentError(
        f"{where} is a {type(value).__name__}, which a snapshot manifest cannot hold; use JSON values "
        f"(str, int, float, bool, None, lists, dicts with str keys) or aware datetimes."
    )


def refuse_credentials(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if "".join(c for c in key.lower() if c.isalnum()) in _CREDENTIAL_NAMES:
                raise InvalidArgumentError(f"{where}[{key!r}] looks like a credential; a snapshot never holds one.")
            refuse_credentials(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            refuse_credentials(item, f"{where}[{i}]")


def api_host(url: object) -> str | None:
    """The host (and port) of a URL, without scheme, path or any user name and password.

    Examples:
        >>> api_host("https://user:pw@API.roe-ai.com:8443/v1")
        'api.roe-ai.com:8443'
        >>> api_host("http://127.0.0.1:8123")
        '127.0.0.1:8123'
    """
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    netloc = urlsplit(text if "//" in text else f"//{text}").netloc
    host = netloc.rpartition("@")[2].lower()
    return host or None


def manifest_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """The allow-listed, JSON-ready copy of `frames.query` a manifest records.

    Raises:
        InvalidArgumentError: an allow-listed entry has a shape a load could not read back (e.g.
            ``requests`` that is not a number, an ``agents`` entry without an ``agent_id``).
    """
    out: dict[str, Any] = {}
    for key, value in query.items():
        if key in {"base_url", "host"}:
            out["host"] = api_host(value)
        elif key == "filters" and isinstance(value, Mapping):
            out[key] = {k: plain(v, f"frames.query['filters'][{k!r}]") for k, v in value.items() if k in _FILTER_KEYS}
        elif key == "agents" and isinstance(value, Sequence) and not isinstance(value, str):
            out[key] = [
                {k: plain(v, f"frames.query['agents'][{i}][{k!r}]") for k, v in agent.items() if k in _AGENT_KEYS}
                if isinstance(agent, Mapping)
                else None
                for i, agent in enumerate(value)
            ]
        elif key in _QUERY_KEYS:
            out[key] = plain(value, f"frames.query[{key!r}]")
    try:
        msgspec.convert(out, Query, strict=True)
    except msgspec.ValidationError as exc:
        path, detail = shape_problem(exc)
        raise InvalidArgumentError(
            f"frames.query cannot be saved: {detail} at {path.replace('$', 'query', 1)}, and a load could not read "
            f"that back. Give it the shape a load records, or drop that entry."
        ) from None
    return out


def _canonical(data: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _checksum(data: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(data)).hexdigest()


def build_manifest(
    jobs: pl.DataFrame, query: dict[str, Any], files: dict[str, dict[str, Any]], extra: dict[str, Any]
) -> dict[str, Any]:
    """The sealed manifest of a snapshot of ``jobs`` (agent ids come from it when the query has none).

    ``query`` is `manifest_query`'s output and ``extra`` `plain`'s; the result is checked against
    the shape `validated_manifest` reads.
    """
    agent_ids = query.get("agent_ids")
    if not isinstance(agent_ids, list):
        agent_ids = jobs.get_column("agent_id").drop_nulls().unique(maintain_order=True).to_list()
    agents = query.get("agents")
    counts = {
        a["agent_id"]: a["server_count"]
        for a in (agents if isinstance(agents, list) else [])
        if isinstance(a, dict) and "agent_id" in a and "server_count" in a
    }
    manifest: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "library_version": __version__,
        "created_at": format_datetime(datetime.now(UTC)),
        "agent_ids": agent_ids,
        "host": query.get("host"),
        "fetched_at": query.get("fetched_at"),
        "server_counts": counts,
        "query": query,
        "files": files,
        "extra": extra,
    }
    manifest["checksum"] = _checksum(manifest)
    try:
        msgspec.convert(manifest, Manifest, strict=True)
    except msgspec.ValidationError as exc:
        path, detail = shape_problem(exc)
        raise InvalidArgumentError(f"the snapshot's manifest cannot be written: {detail} at {path}.") from None
    return manifest


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with open(path, "xb") as f:
        f.write(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> str:
    prefixes = (f".{folder.name}.old-", f".{folder.name}.tmp-")
    try:
        found = sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(prefixes) and p.is_dir())
    except OSError:
        return ""
    old = [name for name in found if name.startswith(f".{folder.name}.old-")]
    if old:
        return (
            f" An interrupted save left the previous snapshot at {folder.parent / old[0]}: rename it to "
            f"{folder.name} to recover it."
        )
    if found:
        return f" An interrupted save left {', '.join(found)} in {folder.parent}."
    return ""


def snapshot_folder(path: str | os.PathLike[str]) -> Path:
    folder = target_path(path)
    if folder.is_file() and folder.name == MANIFEST_NAME:
        folder = folder.parent
    if not folder.exists():
        raise SnapshotNotFoundError(f"no snapshot at {folder}: the folder does not exist.{_leftovers(folder)}")
    if not folder.is_dir():
        raise SnapshotNotFoundError(f"{folder} is a file; a snapshot is a folder written by `save_snapshot`.")
    if not (folder / MANIFEST_NAME).is_file():
        present = [f for f in FRAME_FILES.values() if (folder / f).exists()]
        hint = f" (it holds {', '.join(present)} but no manifest: not a complete snapshot)" if present else ""
        raise SnapshotNotFoundError(f"{folder} is not a roe-analysis snapshot: it has no {MANIFEST_NAME}{hint}.")
    return folder


# A JSON string (escapes included), and the brackets that open or close a container.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _too_deep(raw: bytes) -> bool:
    """Whether the containers of a JSON text nest deeper than `MAX_DEPTH` (strings skipped)."""
    depth = 0
    for bracket in _BRACKETS.finditer(_JSON_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def parse_manifest(where: Path) -> dict[str, Any]:
    """The JSON object in the manifest file `where`, parsed without trusting anything in it.

    Raises:
        SnapshotCorruptedError: unreadable, not JSON, not an object, nested deeper than
            `MAX_DEPTH`, or holding an integer beyond 64 bits or a number beyond a float's range.
    """
    try:
        raw = where.read_bytes()
    except OSError as exc:
        raise SnapshotCorruptedError(f"{where} cannot be read: {exc}") from exc
    if _too_deep(raw):
        raise SnapshotCorruptedError(
            f"{where} nests objects or lists more than {MAX_DEPTH} levels deep, which no snapshot manifest does: "
            f"the snapshot is damaged."
        )
    try:
        data = msgspec.json.decode(raw)
    except msgspec.ValidationError as exc:
        raise SnapshotCorruptedError(
            f"{where} holds a number no snapshot manifest holds ({exc}): the snapshot is damaged."
        ) from None
    except (msgspec.DecodeError, RecursionError) as exc:
        raise SnapshotCorruptedError(f"{where} is not valid JSON ({exc}): the snapshot is damaged.") from None
    if not isinstance(data, dict):
        raise SnapshotCorruptedError(f"{where} is not a JSON object: the snapshot is damaged.")
    huge = _huge_integer(data)
    if huge is not None:
        raise SnapshotCorruptedError(
            f"{where} holds an integer beyond 64 bits at {huge}, which no snapshot manifest holds: the snapshot is "
            f"damaged."
        )
    return data


def _huge_integer(data: Any) -> str | None:
    """The JSON path of the first integer a save could not have written (beyond 64 bits), if any."""
    pending: list[tuple[str, Any]] = [("$", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
            return path
    return None


def check_manifest(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """`data`, the parsed manifest of `folder`, once its format, version, checksum and shape are checked.

    Raises:
        SnapshotFormatError: the manifest is not a roe-analysis snapshot's.
        SnapshotVersionError: written with a schema version this roe-analysis cannot read.
        SnapshotCorruptedError: changed since it was written, or a field is missing or of the
            wrong type (the message gives its JSON path).
    """
    where = folder / MANIFEST_NAME
    fmt = data.get("format")
    if fmt != SNAPSHOT_FORMAT:
        raise SnapshotFormatError(
            f"{folder} is not a roe-analysis snapshot: its {MANIFEST_NAME} has format {short(fmt)} "
            f"(expected {SNAPSHOT_FORMAT!r})."
        )
    version = data.get("schema_version")
    newer = isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION
    # A newer writer may seal its manifest differently, so "newer" wins over "checksum mismatch".
    if newer:
        written_by = data.get("library_version")
        raise SnapshotVersionError(
            f"{folder} was written by a newer roe-analysis "
            f"({written_by if isinstance(written_by, str) and len(written_by) <= 40 else 'unknown version'}, "
            f"schema {version}); this is roe-analysis {__version__} (schema {SCHEMA_VERSION}): upgrade "
            f"roe-analysis to read it."
        )
    if data.get("checksum") != _checksum(data):
        raise SnapshotCorruptedError(
            f"{where} was changed or damaged after it was written: its checksum does not match its content."
        )
    if not isinstance(version, int) or isinstance(version, bool):
        raise SnapshotCorruptedError(
            f"{where} has no valid `schema_version` (found {short(version)}): the manifest is damaged."
        )
    if version not in FRAMES_BY_SCHEMA:
        raise SnapshotVersionError(
            f"{folder} was written with snapshot schema {version}, which roe-analysis {__version__} "
            f"(schema {SCHEMA_VERSION}) cannot read: load the jobs again and save a new snapshot."
        )
    try:
        typed = msgspec.convert(data, Manifest, strict=True)
    except msgspec.ValidationError as exc:
        path, detail = shape_problem(exc)
        entry = re.fullmatch(r"\$\.files\.(\w+)", path)
        if entry and entry.group(1) in FRAME_FILES:
            raise SnapshotCorruptedError(
                f"{where} does not list {FRAME_FILES[entry.group(1)]} ({detail}): the manifest is damaged."
            ) from None
        raise SnapshotCorruptedError(
            f"{where} has no valid `{field_name(path)}` ({detail} at {path}): the manifest is damaged."
        ) from None
    for name, file_name in listed_files(data).items():
        listed: FileEntry | None = getattr(typed.files, name)
        if listed is None:
            raise SnapshotCorruptedError(
                f"{where} does not list {file_name} (schema {version} snapshots hold it): the manifest is damaged."
            )
        if listed.file != file_name:
            raise SnapshotCorruptedError(f"{where} lists {short(listed.file)} for `{name}`, expected {file_name!r}.")
        for key in ("rows", "bytes"):
            value = getattr(listed, key)
            if value < 0:
                raise SnapshotCorruptedError(f"{where} gives {file_name} {value} {key}: the manifest is damaged.")
        if re.fullmatch(r"[0-9a-f]{64}", listed.sha256) is None:
            raise SnapshotCorruptedError(f"{where} has no valid SHA-256 for {file_name}: the manifest is damaged.")
    # What a load gives back must be what a save (a refresh) may write again.
    free_form = [("extra", data["extra"]), *((f"query.filters.{k}", v) for k, v in (typed.query.filters or {}).items())]
    for label, value in free_form:
        if _depth(value) > MAX_VALUE_DEPTH:
            raise SnapshotCorruptedError(
                f"{where} nests `{label[:60]}` more than {MAX_VALUE_DEPTH} levels deep, deeper than a save "
                f"writes: the manifest is damaged."
            )
    return data


def _depth(value: Any) -> int:
    """How many objects and lists nest in `value` at its deepest (0 for a scalar)."""
    deepest = 0
    pending: list[tuple[int, Any]] = [(0, value)]
    while pending:
        depth, item = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            pending.extend((depth + 1, child) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def validated_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the snapshot `folder`, parsed and checked (`parse_manifest`, `check_manifest`)."""
    return check_manifest(parse_manifest(folder / MANIFEST_NAME), folder)


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The verified manifest of a snapshot (without reading its frames).

    Args:
        path: the snapshot folder (or its ``manifest.json``).

    Returns:
        The manifest as a dict: ``format``, ``schema_version``, ``library_version``,
        ``created_at``, ``agent_ids``, ``host``, ``fetched_at``, ``server_counts``, ``query``,
        ``files`` (rows, bytes and sha256 of each frame's file), ``extra`` and ``checksum``.

    Raises:
        SnapshotNotFoundError: no folder, or no manifest in it.
        SnapshotFormatError: the manifest is not a roe-analysis snapshot's.
        SnapshotVersionError: written with a schema version this roe-analysis cannot read.
        SnapshotCorruptedError: the manifest is not valid JSON, is incomplete, or was changed.

    Examples:
        >>> import tempfile
        >>> from roe_analysis._schema import empty_tables
        >>> from roe_analysis.storage import save_snapshot
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = save_snapshot(empty_tables(), f"{tmp}/snap", extra={"note": "baseline"})
        ...     manifest = read_manifest(folder)
        >>> manifest["format"], manifest["schema_version"], manifest["extra"]
        ('roe-analysis-snapshot', 2, {'note': 'baseline'})
        >>> {name: entry["rows"] for name, entry in manifest["files"].items()}
        {'jobs': 0, 'status_events': 0, 'inputs': 0, 'metadata': 0, 'results': 0, 'outputs': 0, 'versions': 0}
    """
    return validated_manifest(snapshot_folder(path))
