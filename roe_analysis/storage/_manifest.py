"""The manifest: what a snapshot records, sealed by its own checksum, and how it is checked.

The manifest is built from an allow-list of what a load records (agents, filters, window, counts,
the API host without any user name or password); the API key cannot reach it. Reading checks the
format, the schema version, the checksum and every field before anything else is trusted.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

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
from roe_analysis.storage._atomic import target_path
from roe_analysis.storage._layout import FRAME_FILES, MANIFEST_NAME, SNAPSHOT_FORMAT

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


def plain(value: object, where: str) -> Any:
    """`value` as plain JSON data, or an error naming where the unsupported value is."""
    if value is None or isinstance(value, bool | int | str):
        return value
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
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(f"{where} has a {type(key).__name__} key {key!r}; keys must be strings.")
            out[key] = plain(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
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
    """The allow-listed, JSON-ready copy of `frames.query` a manifest records."""
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
    return out


def _canonical(data: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _checksum(data: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(data)).hexdigest()


def build_manifest(
    jobs: pl.DataFrame, query: dict[str, Any], files: dict[str, dict[str, Any]], extra: dict[str, Any]
) -> dict[str, Any]:
    """The sealed manifest of a snapshot of ``jobs`` (agent ids come from it when the query has none)."""
    agent_ids = query.get("agent_ids")
    if not isinstance(agent_ids, list):
        agent_ids = jobs.get_column("agent_id").unique(maintain_order=True).to_list()
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
    return manifest


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with open(path, "xb") as f:
        f.write(text.encode("utf-8"))


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


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    # bool is an int in Python, but `true` is no row count.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SnapshotCorruptedError(f"{where} has no valid `{key}` (found {value!r}): the manifest is damaged.")
    return value


def validated_manifest(folder: Path) -> dict[str, Any]:
    where = folder / MANIFEST_NAME
    try:
        data = json.loads(where.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SnapshotCorruptedError(f"{where} is not valid JSON ({exc}): the snapshot is damaged.") from exc
    except OSError as exc:
        raise SnapshotCorruptedError(f"{where} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise SnapshotCorruptedError(f"{where} is not a JSON object: the snapshot is damaged.")
    fmt = data.get("format")
    if fmt != SNAPSHOT_FORMAT:
        raise SnapshotFormatError(
            f"{folder} is not a roe-analysis snapshot: its {MANIFEST_NAME} has format {fmt!r} "
            f"(expected {SNAPSHOT_FORMAT!r})."
        )
    version = data.get("schema_version")
    newer = isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION
    # A newer writer may seal its manifest differently, so "newer" wins over "checksum mismatch".
    if newer:
        raise SnapshotVersionError(
            f"{folder} was written by a newer roe-analysis ({data.get('library_version', 'unknown version')}, "
            f"schema {version}); this is roe-analysis {__version__} (schema {SCHEMA_VERSION}): upgrade "
            f"roe-analysis to read it."
        )
    if data.get("checksum") != _checksum(data):
        raise SnapshotCorruptedError(
            f"{where} was changed or damaged after it was written: its checksum does not match its content."
        )
    _field(data, "schema_version", int, str(where))
    if version != SCHEMA_VERSION:
        raise SnapshotVersionError(
            f"{folder} was written with snapshot schema {version}, which roe-analysis {__version__} "
            f"(schema {SCHEMA_VERSION}) cannot read: load the jobs again and save a new snapshot."
        )
    for key, kind in (
        ("library_version", str),
        ("created_at", str),
        ("agent_ids", list),
        ("server_counts", dict),
        ("query", dict),
        ("files", dict),
        ("extra", dict),
    ):
        _field(data, key, kind, str(where))
    files = data["files"]
    for name, file_name in FRAME_FILES.items():
        entry = files.get(name)
        if not isinstance(entry, dict):
            raise SnapshotCorruptedError(f"{where} does not list {file_name}: the manifest is damaged.")
        if entry.get("file") != file_name:
            raise SnapshotCorruptedError(f"{where} lists {entry.get('file')!r} for `{name}`, expected {file_name!r}.")
        for key in ("rows", "bytes"):
            value = _field(entry, key, int, f"{where} ({file_name})")
            if value < 0:
                raise SnapshotCorruptedError(f"{where} gives {file_name} {value} {key}: the manifest is damaged.")
        digest = _field(entry, "sha256", str, f"{where} ({file_name})")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise SnapshotCorruptedError(f"{where} has no valid SHA-256 for {file_name}: the manifest is damaged.")
    return data


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
        ('roe-analysis-snapshot', 1, {'note': 'baseline'})
        >>> {name: entry["rows"] for name, entry in manifest["files"].items()}
        {'jobs': 0, 'status_events': 0, 'inputs': 0, 'metadata': 0}
    """
    return validated_manifest(snapshot_folder(path))
