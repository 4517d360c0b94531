"""The snapshot store: `JobFrames` saved to a folder and read back exactly, or not at all.

A snapshot is a folder that everyone reviewing a notebook can load to see the same data::

    snapshot/
    ├── jobs.parquet             one Parquet file per frame (zstd, with statistics)
    ├── status_events.parquet
    ├── inputs.parquet
    ├── metadata.parquet
    └── manifest.json            written last: format, schema version, the query, and each file's
                                 rows, size and SHA-256, sealed by a checksum of the manifest itself

Saving writes everything into a hidden folder beside the target, flushes it to disk, and only then
renames it into place, so a crash at any moment leaves either the old snapshot or the new one at the
path, never a mix. Loading checks every byte against the manifest before a frame is returned.

The manifest is built from an allow-list of what a load records (agents, filters, window, counts,
the API host without any user name or password); the API key cannot reach it.

```
SnapshotError (RoeError)
├── SnapshotNotFoundError (also FileNotFoundError)   no folder, or a folder without manifest.json
├── SnapshotFormatError                              manifest.json of something else
├── SnapshotVersionError                             written with a schema this version cannot read
├── SnapshotCorruptedError                           bad manifest, or a file missing, truncated or changed
└── SnapshotOverwriteError                           save refused: would replace a non-snapshot folder
```
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from roe_analysis._config import Secret
from roe_analysis._errors import InvalidArgumentError, RoeError
from roe_analysis._frames import JobFrames
from roe_analysis._query import JobQuery, format_datetime
from roe_analysis._schema import FRAME_SCHEMAS, SCHEMA_VERSION
from roe_analysis._version import __version__

#: The `format` of every snapshot manifest.
SNAPSHOT_FORMAT = "roe-analysis-snapshot"
#: The manifest's file name inside a snapshot folder.
MANIFEST_NAME = "manifest.json"
#: The Parquet file of each frame; fixed by the format, never read from a manifest.
FRAME_FILES: dict[str, str] = {name: f"{name}.parquet" for name in FRAME_SCHEMAS}

_CHUNK = 1 << 20

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


class SnapshotError(RoeError):
    """A snapshot could not be saved or loaded."""


class SnapshotNotFoundError(SnapshotError, FileNotFoundError):
    """There is no snapshot at the path: no folder, or a folder without ``manifest.json``."""


class SnapshotFormatError(SnapshotError):
    """The folder's ``manifest.json`` belongs to something other than a roe-analysis snapshot."""


class SnapshotVersionError(SnapshotError):
    """The snapshot was written with a schema version this roe-analysis cannot read."""


class SnapshotCorruptedError(SnapshotError):
    """The manifest is damaged, or a file is missing or differs from what the manifest records."""


class SnapshotOverwriteError(SnapshotError):
    """Saving would replace something that is not a snapshot (or `overwrite=False` forbids it)."""


# ---------------------------------------------------------------------------------------------
# Atomic folders
# ---------------------------------------------------------------------------------------------


def _target_path(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise InvalidArgumentError(f"path must be a folder path (str or Path); got {type(path).__name__}.")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"path must be a non-empty folder path; got {path!r}.")
    target = Path(os.path.abspath(Path(text).expanduser()))
    if target.parent == target:
        raise InvalidArgumentError(f"{target} is a file-system root, not a snapshot folder.")
    return target


def _peek_format(manifest: Path) -> tuple[object, str | None]:
    """The `format` of a manifest, or why it could not be read."""
    try:
        data = json.loads(manifest.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None, "it has no manifest.json"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"its manifest.json is unreadable ({exc})"
    if not isinstance(data, dict):
        return None, "its manifest.json is not a JSON object"
    return data.get("format"), None


def check_writable(path: str | os.PathLike[str], *, overwrite: bool = True) -> None:
    """Raise `SnapshotOverwriteError` now if a snapshot could never be saved at ``path``."""
    _check_replaceable(_target_path(path), overwrite=overwrite)


def _check_replaceable(target: Path, *, overwrite: bool) -> None:
    """Refuse to replace anything but an empty folder or a roe-analysis snapshot."""
    if target.is_symlink():
        raise SnapshotOverwriteError(
            f"{target} is a symbolic link; save to the folder it points to ({target.resolve()}) instead, so the "
            f"link is not replaced by a folder."
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise SnapshotOverwriteError(f"{target} is a file, not a snapshot folder; refusing to replace it.")
    if next(target.iterdir(), None) is None:
        return
    fmt, problem = _peek_format(target / MANIFEST_NAME)
    if fmt != SNAPSHOT_FORMAT:
        why = problem or f"its manifest.json has format {fmt!r}"
        raise SnapshotOverwriteError(
            f"refusing to replace {target}: it is not a roe-analysis snapshot ({why}), and replacing it would "
            f"delete everything in it. Save to a new folder, or delete this one yourself if it is disposable."
        )
    if not overwrite:
        raise SnapshotOverwriteError(
            f"{target} already holds a snapshot; pass overwrite=True to replace it, or choose another path."
        )


def _fsync_dir(folder: Path) -> None:
    # Makes the names in a folder (new files, renames) durable; directories cannot be opened on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "r+b") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(root))


def _sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{secrets.token_hex(6)}")


def _make_temp_folder(target: Path) -> Path:
    # os.mkdir (unlike mkdtemp's 0o700) honours the umask, so a shared snapshot stays readable by the team.
    while True:
        temp = _sibling(target, "tmp")
        try:
            os.mkdir(temp)
        except FileExistsError:
            continue
        return temp


def _swap_into_place(temp: Path, target: Path, *, overwrite: bool) -> None:
    _check_replaceable(target, overwrite=overwrite)
    if not target.exists():
        os.rename(temp, target)
    elif next(target.iterdir(), None) is None:
        os.rmdir(target)
        os.rename(temp, target)
    else:
        old = _sibling(target, "old")
        os.rename(target, old)
        try:
            os.rename(temp, target)
        except BaseException as exc:
            try:
                os.rename(old, target)
            except OSError:
                raise SnapshotError(
                    f"saving {target} failed after the previous snapshot was moved aside, and moving it back "
                    f"failed too: it is intact at {old}; rename that folder to {target.name} to restore it."
                ) from exc
            raise
        _fsync_dir(target.parent)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


@contextmanager
def atomic_folder(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary folder beside `path` that replaces `path` only if the block succeeds.

    Write the folder's files inside the block; on success they are flushed to disk and the folder is
    renamed into place (an existing snapshot is moved aside, replaced, then deleted). On any
    exception, `KeyboardInterrupt` included, the temporary folder is deleted and `path` is untouched.
    Only an empty folder or a roe-analysis snapshot (a ``manifest.json`` with the snapshot format)
    is ever replaced, so a mistyped path cannot delete a user's folder. Concurrent saves to the same
    path are not coordinated: one of them may fail.

    Args:
        path: the folder to create or replace.
        overwrite: replace an existing snapshot; if False, an existing snapshot is an error.

    Yields:
        The temporary folder to write into (hidden, in the same parent folder as `path`).

    Raises:
        SnapshotOverwriteError: `path` is a file, a symbolic link, a folder that is not a snapshot,
            or a snapshot while `overwrite` is False (checked before and again after the block).

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with atomic_folder(Path(tmp) / "checkpoint") as folder:
        ...         _ = (folder / "manifest.json").write_text('{"format": "roe-analysis-snapshot"}')
        ...     sorted(p.name for p in Path(tmp).iterdir())
        ['checkpoint']
    """
    target = _target_path(path)
    _check_replaceable(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = _make_temp_folder(target)
    try:
        yield temp
        _fsync_tree(temp)
        _swap_into_place(temp, target, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------------------------


def _plain(value: object, where: str) -> Any:
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
            out[key] = _plain(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Secret):
        raise InvalidArgumentError(f"{where} is a Secret: a snapshot never holds credentials.")
    raise InvalidArgumentError(
        f"{where} is a {type(value).__name__}, which a snapshot manifest cannot hold; use JSON values "
        f"(str, int, float, bool, None, lists, dicts with str keys) or aware datetimes."
    )


def _refuse_credentials(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if "".join(c for c in key.lower() if c.isalnum()) in _CREDENTIAL_NAMES:
                raise InvalidArgumentError(f"{where}[{key!r}] looks like a credential; a snapshot never holds one.")
            _refuse_credentials(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_credentials(item, f"{where}[{i}]")


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


def _manifest_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """The allow-listed, JSON-ready copy of `frames.query` a manifest records."""
    out: dict[str, Any] = {}
    for key, value in query.items():
        if key in {"base_url", "host"}:
            out["host"] = api_host(value)
        elif key == "filters" and isinstance(value, Mapping):
            out[key] = {k: _plain(v, f"frames.query['filters'][{k!r}]") for k, v in value.items() if k in _FILTER_KEYS}
        elif key == "agents" and isinstance(value, Sequence) and not isinstance(value, str):
            out[key] = [
                {k: _plain(v, f"frames.query['agents'][{i}][{k!r}]") for k, v in agent.items() if k in _AGENT_KEYS}
                if isinstance(agent, Mapping)
                else None
                for i, agent in enumerate(value)
            ]
        elif key in _QUERY_KEYS:
            out[key] = _plain(value, f"frames.query[{key!r}]")
    return out


def _canonical(data: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _checksum(data: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(data)).hexdigest()


def _build_manifest(
    frames: JobFrames, query: dict[str, Any], files: dict[str, dict[str, Any]], extra: dict[str, Any]
) -> dict[str, Any]:
    agent_ids = query.get("agent_ids")
    if not isinstance(agent_ids, list):
        agent_ids = frames.jobs.get_column("agent_id").unique(maintain_order=True).to_list()
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


# ---------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_frame(frame: pl.DataFrame, path: Path) -> dict[str, Any]:
    frame.write_parquet(path, compression="zstd", statistics=True)
    # Hash what is on disk, not what was meant to be written.
    return {"file": path.name, "rows": frame.height, "bytes": path.stat().st_size, "sha256": _sha256(path)}


def _write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with open(path, "xb") as f:
        f.write(text.encode("utf-8"))


def save_snapshot(
    frames: JobFrames,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Save `frames` to a snapshot folder that `load_snapshot` reads back exactly.

    Writes one Parquet file per frame and then ``manifest.json`` into a hidden folder beside
    `path`, flushes them to disk and renames the folder into place: a crash never leaves a
    half-written snapshot at `path`. The manifest records the format and schema version, the
    library version, when it was written, the agents, the query (filters, ordering, window,
    counts; the API host without credentials), the rows, size and SHA-256 of each file, and
    `extra`. It never holds the API key: the query is copied through an allow-list.

    Args:
        frames: the frames to save.
        path: the snapshot folder; its parent folders are created if missing.
        overwrite: replace an existing snapshot at `path` (never a folder that is not one).
        extra: more JSON-ready data to record, e.g. ``{"refresh_history": [{"at": ..., "added": 12}]}``
            (`snapshot_info` lists a ``refresh_history`` list). Keys that name a credential are refused.

    Returns:
        The absolute path of the snapshot folder.

    Raises:
        SnapshotOverwriteError: `path` is a file, a link, a folder that is not a snapshot, or a
            snapshot while `overwrite` is False.
        InvalidArgumentError: `extra` or the query holds something JSON cannot (or must not) hold.

    Examples:
        >>> import tempfile
        >>> import roe_analysis as ra
        >>> job = {"id": "9a1f2c3e-0000-4000-8000-000000000001", "status_code": 3,
        ...        "created_at": "2026-05-01T10:00:00Z", "metadata": {"customer": "acme"}}
        >>> frames = ra.JobFrames.from_records([job], agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = save_snapshot(frames, f"{tmp}/reviews/2026-05")
        ...     sorted(p.name for p in folder.iterdir())
        ...     read_manifest(folder)["files"]["jobs"]["rows"]
        ['inputs.parquet', 'jobs.parquet', 'manifest.json', 'metadata.parquet', 'status_events.parquet']
        1
    """
    if not isinstance(frames, JobFrames):
        raise InvalidArgumentError(f"frames must be a JobFrames; got {type(frames).__name__}.")
    if extra is not None and not isinstance(extra, Mapping):
        raise InvalidArgumentError(f"extra must be a dict of JSON-ready values; got {type(extra).__name__}.")
    # Everything that can be refused is refused before the disk is touched.
    extra_json: dict[str, Any] = _plain(extra or {}, "extra")
    _refuse_credentials(extra_json, "extra")
    query = _manifest_query(frames.query)
    target = _target_path(path)
    with atomic_folder(target, overwrite=overwrite) as temp:
        files = {name: _write_frame(getattr(frames, name), temp / FRAME_FILES[name]) for name in FRAME_SCHEMAS}
        _write_manifest(temp / MANIFEST_NAME, _build_manifest(frames, query, files, extra_json))
    return target


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


def _snapshot_folder(path: str | os.PathLike[str]) -> Path:
    folder = _target_path(path)
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


def _validated_manifest(folder: Path) -> dict[str, Any]:
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
        >>> import roe_analysis as ra
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = save_snapshot(ra.JobFrames.empty(), f"{tmp}/snap", extra={"note": "baseline"})
        ...     manifest = read_manifest(folder)
        >>> manifest["format"], manifest["schema_version"], manifest["extra"]
        ('roe-analysis-snapshot', 1, {'note': 'baseline'})
        >>> {name: entry["rows"] for name, entry in manifest["files"].items()}
        {'jobs': 0, 'status_events': 0, 'inputs': 0, 'metadata': 0}
    """
    return _validated_manifest(_snapshot_folder(path))


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


def _check_files(folder: Path, manifest: Mapping[str, Any], *, verify_hashes: bool) -> dict[str, _Stamp]:
    files = manifest["files"]
    missing = [f for f in FRAME_FILES.values() if not (folder / f).is_file()]
    if missing:
        raise SnapshotCorruptedError(
            f"{folder} is missing {', '.join(missing)}: the snapshot is incomplete and cannot be loaded."
        )
    stamps: dict[str, _Stamp] = {}
    for name, file_name in FRAME_FILES.items():
        stamp = _Stamp.of(folder / file_name)
        expected = files[name]["bytes"]
        if stamp.size != expected:
            raise SnapshotCorruptedError(
                f"{file_name} in {folder} is {stamp.size:,} bytes but {MANIFEST_NAME} records {expected:,}: "
                f"the file was truncated or replaced."
            )
        stamps[name] = stamp
    if verify_hashes:
        for name, file_name in FRAME_FILES.items():
            actual = _sha256(folder / file_name)
            if actual != files[name]["sha256"]:
                raise SnapshotCorruptedError(
                    f"{file_name} in {folder} does not match its SHA-256 in {MANIFEST_NAME} (expected "
                    f"{files[name]['sha256'][:12]}…, found {actual[:12]}…): the file is corrupted or was changed "
                    f"after the snapshot was saved."
                )
    return stamps


def _conform(name: str, frame: pl.DataFrame, folder: Path, rows: int) -> pl.DataFrame:
    """`frame` with exactly the library's schema for `name`, or an error saying how it differs."""
    file_name = FRAME_FILES[name]
    expected = FRAME_SCHEMAS[name]
    if frame.schema != expected:
        if list(frame.schema) != list(expected):
            raise SnapshotCorruptedError(
                f"{file_name} in {folder} has columns {list(frame.schema)}, expected {list(expected)}."
            )
        try:
            frame = frame.cast(expected, strict=True)
        except pl.exceptions.PolarsError as exc:
            raise SnapshotCorruptedError(f"{file_name} in {folder} does not have the frame schema: {exc}") from exc
    if frame.height != rows:
        raise SnapshotCorruptedError(
            f"{file_name} in {folder} holds {frame.height:,} rows but {MANIFEST_NAME} records {rows:,}."
        )
    return frame


def _loaded_query(folder: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    snapshot = {"path": str(folder), "created_at": manifest["created_at"], "extra": manifest["extra"]}
    return {**manifest["query"], "snapshot": snapshot}


def load_snapshot(path: str | os.PathLike[str]) -> JobFrames:
    """Read a snapshot back as `JobFrames`, exactly as saved, after checking every byte.

    The manifest's format, schema version and checksum are checked, then each file's size and
    SHA-256, then each frame's schema and row count. ``frames.query`` is the saved query plus a
    ``snapshot`` entry: the folder's ``path``, the manifest's ``created_at`` and its ``extra``.

    Args:
        path: the snapshot folder (or its ``manifest.json``).

    Returns:
        The four frames with the library's fixed schema.

    Raises:
        SnapshotNotFoundError: no folder, or no manifest in it.
        SnapshotFormatError: the folder is something else's.
        SnapshotVersionError: written by a newer (or an unreadable older) roe-analysis.
        SnapshotCorruptedError: a file is missing, truncated or changed (the message names it), or
            the manifest is damaged.

    Examples:
        >>> import tempfile
        >>> import roe_analysis as ra
        >>> job = {"id": "9a1f2c3e-0000-4000-8000-000000000001", "status_code": 4,
        ...        "created_at": "2026-05-01T10:00:00Z"}
        >>> frames = ra.JobFrames.from_records([job], agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     loaded = load_snapshot(save_snapshot(frames, f"{tmp}/snap"))
        >>> loaded.jobs.select("status", "created_at")
        shape: (1, 2)
        ┌─────────┬─────────────────────────┐
        │ status  ┆ created_at              │
        │ ---     ┆ ---                     │
        │ enum    ┆ datetime[μs, UTC]       │
        ╞═════════╪═════════════════════════╡
        │ FAILURE ┆ 2026-05-01 10:00:00 UTC │
        └─────────┴─────────────────────────┘
        >>> sorted(loaded.query["snapshot"])
        ['created_at', 'extra', 'path']
    """
    folder = _snapshot_folder(path)
    manifest = _validated_manifest(folder)
    stamps = _check_files(folder, manifest, verify_hashes=True)
    frames: dict[str, pl.DataFrame] = {}
    for name, file_name in FRAME_FILES.items():
        try:
            frame = pl.read_parquet(folder / file_name)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise SnapshotCorruptedError(f"{file_name} in {folder} cannot be read as Parquet: {exc}") from exc
        frames[name] = _conform(name, frame, folder, manifest["files"][name]["rows"])
    _check_unchanged(folder, stamps, "while it was being loaded; load it again")
    return JobFrames(**frames, query=_loaded_query(folder, manifest))


def _check_unchanged(folder: Path, stamps: Mapping[str, _Stamp], when: str) -> None:
    for name, stamp in stamps.items():
        path = folder / FRAME_FILES[name]
        try:
            now = _Stamp.of(path)
        except FileNotFoundError:
            now = None
        if now != stamp:
            raise SnapshotError(f"{path} changed {when}.")


@dataclass(frozen=True, eq=False)
class LazySnapshot:
    """A snapshot opened lazily: each frame is a `pl.LazyFrame` over its Parquet file.

    Build it with `scan_snapshot`. Nothing is read until a lazy frame is collected, so filters and
    column selections are pushed down into the Parquet scan.

    Attributes:
        path: the snapshot folder.
        manifest: the verified manifest (see `read_manifest`).
        jobs: lazy `jobs` frame.
        status_events: lazy `status_events` frame.
        inputs: lazy `inputs` frame.
        metadata: lazy `metadata` frame.
    """

    path: Path
    manifest: Mapping[str, Any]
    jobs: pl.LazyFrame
    status_events: pl.LazyFrame
    inputs: pl.LazyFrame
    metadata: pl.LazyFrame
    _stamps: Mapping[str, _Stamp] = field(repr=False, compare=False)

    @property
    def query(self) -> dict[str, Any]:
        """What ``frames.query`` will be after `collect`: the saved query plus a ``snapshot`` entry."""
        return _loaded_query(self.path, self.manifest)

    def collect(self) -> JobFrames:
        """Read every frame into `JobFrames` (the same frames `load_snapshot` gives).

        Raises:
            SnapshotError: a file changed since the snapshot was scanned.
            SnapshotCorruptedError: a file's rows or schema differ from the manifest.
        """
        _check_unchanged(self.path, self._stamps, "since it was scanned; scan it again")
        try:
            collected = pl.collect_all([getattr(self, name) for name in FRAME_SCHEMAS])
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise SnapshotCorruptedError(f"the snapshot at {self.path} cannot be read: {exc}") from exc
        frames = {
            name: _conform(name, frame, self.path, self.manifest["files"][name]["rows"])
            for name, frame in zip(FRAME_SCHEMAS, collected, strict=True)
        }
        _check_unchanged(self.path, self._stamps, "since it was scanned; scan it again")
        return JobFrames(**frames, query=self.query)

    def __repr__(self) -> str:
        rows = ", ".join(f"{name}={entry['rows']}" for name, entry in self.manifest["files"].items())
        return f"LazySnapshot('{self.path}', {rows})"


def _scan(name: str, folder: Path) -> pl.LazyFrame:
    file_name = FRAME_FILES[name]
    expected = FRAME_SCHEMAS[name]
    frame = pl.scan_parquet(folder / file_name)
    try:
        schema = frame.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SnapshotCorruptedError(f"{file_name} in {folder} cannot be read as Parquet: {exc}") from exc
    if schema == expected:
        return frame
    if list(schema) != list(expected):
        raise SnapshotCorruptedError(f"{file_name} in {folder} has columns {list(schema)}, expected {list(expected)}.")
    return frame.cast(expected, strict=True)


def scan_snapshot(path: str | os.PathLike[str], *, verify_hashes: bool = True) -> LazySnapshot:
    """Open a snapshot lazily, for snapshots too large to read at once.

    The manifest, the schema version, each file's presence and size and each file's schema are
    checked up front; with `verify_hashes` every file's SHA-256 is checked too, reading it in 1 MiB
    chunks (never whole into memory).

    Args:
        path: the snapshot folder (or its ``manifest.json``).
        verify_hashes: check every file's SHA-256 now (reads each file once); turn off to open a
            very large snapshot instantly when you trust the disk.

    Returns:
        A `LazySnapshot`; its `collect()` gives the same `JobFrames` as `load_snapshot`.

    Raises:
        SnapshotNotFoundError: no folder, or no manifest in it.
        SnapshotFormatError: the folder is something else's.
        SnapshotVersionError: written by a newer (or an unreadable older) roe-analysis.
        SnapshotCorruptedError: a file is missing, has the wrong size or hash (the message names
            it), or the manifest is damaged.

    Examples:
        >>> import tempfile
        >>> import polars as pl
        >>> import roe_analysis as ra
        >>> jobs = [{"id": f"9a1f2c3e-0000-4000-8000-00000000000{i}", "status_code": i,
        ...          "created_at": "2026-05-01T10:00:00Z"} for i in range(5)]
        >>> frames = ra.JobFrames.from_records(jobs, agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     snap = scan_snapshot(save_snapshot(frames, f"{tmp}/snap"))
        ...     finished = snap.jobs.filter(pl.col("status") == "SUCCESS").select("id").collect()
        ...     everything = snap.collect()
        >>> finished.item()
        '9a1f2c3e-0000-4000-8000-000000000003'
        >>> everything
        JobFrames(jobs=5, status_events=0, inputs=0, metadata=0, agents=1)
    """
    folder = _snapshot_folder(path)
    manifest = _validated_manifest(folder)
    stamps = _check_files(folder, manifest, verify_hashes=verify_hashes)
    lazy = {name: _scan(name, folder) for name in FRAME_SCHEMAS}
    return LazySnapshot(path=folder, manifest=manifest, _stamps=stamps, **lazy)


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _window(query: Mapping[str, Any]) -> str:
    filters = query.get("filters")
    filters = filters if isinstance(filters, Mapping) else {}
    start = filters.get("created_from") or "the first job"
    end = filters.get("created_to")
    if end:
        return f"{start} → {end}"
    agents = query.get("agents")
    ends = sorted(
        {str(a["window_end"]) for a in (agents or []) if isinstance(a, Mapping) and a.get("window_end")}
        if isinstance(agents, list)
        else set()
    )
    if len(ends) == 1:
        return f"{start} → {ends[0]} (pinned at load)"
    if ends:
        return f"{start} → pinned per agent"
    return f"{start} → the fetch" if query else "— (built from records)"


def snapshot_info(path: str | os.PathLike[str]) -> str:
    """A human summary of a snapshot's manifest, for ``roe-analysis info DIR``.

    Reads only the manifest (verified by its checksum); the files are checked when loaded.

    Args:
        path: the snapshot folder (or its ``manifest.json``).

    Returns:
        A few lines: agents, API host, window, fetch time, server counts, rows, size, versions
        and, when ``extra`` holds one, the refresh history.

    Raises:
        SnapshotError: as `read_manifest`.

    Examples:
        >>> import tempfile
        >>> import roe_analysis as ra
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = save_snapshot(ra.JobFrames.empty(), f"{tmp}/snap",
        ...                            extra={"refresh_history": [{"at": "2026-05-02T00:00:00Z", "added": 3}]})
        ...     print(snapshot_info(folder))  # doctest: +ELLIPSIS
        snapshot      .../snap
        agents        —
        host          —
        window        — (built from records)
        fetched at    —
        complete      —
        rows          jobs 0 · status_events 0 · inputs 0 · metadata 0
        size          ... (4 Parquet files, SHA-256 checked on load)
        written by    roe-analysis ..., schema 1, at ...
        refreshes     1
          - at=2026-05-02T00:00:00Z, added=3
    """
    folder = _snapshot_folder(path)
    manifest = _validated_manifest(folder)
    query = manifest["query"]
    counts = manifest["server_counts"]
    agents = manifest["agent_ids"]
    agent_lines = [f"{a} (server count {counts[a]:,})" if isinstance(counts.get(a), int) else str(a) for a in agents]
    complete = query.get("complete")
    files = manifest["files"]
    rows = " · ".join(f"{name} {entry['rows']:,}" for name, entry in files.items())
    lines = [
        f"snapshot      {folder}",
        f"agents        {agent_lines[0] if agent_lines else '—'}",
        *(f"              {line}" for line in agent_lines[1:]),
        f"host          {manifest.get('host') or '—'}",
        f"window        {_window(query)}",
        f"fetched at    {manifest.get('fetched_at') or '—'}",
        f"complete      {'—' if complete is None else ('yes' if complete else 'NO (partial load)')}",
        f"rows          {rows}",
        f"size          {_size(sum(entry['bytes'] for entry in files.values()))} "
        f"({len(files)} Parquet files, SHA-256 checked on load)",
        f"written by    roe-analysis {manifest['library_version']}, schema {manifest['schema_version']}, "
        f"at {manifest['created_at']}",
    ]
    extra = manifest["extra"]
    history = extra.get("refresh_history")
    if isinstance(history, list):
        lines.append(f"refreshes     {len(history)}")
        for entry in history:
            if isinstance(entry, Mapping):
                lines.append("  - " + ", ".join(f"{k}={v}" for k, v in entry.items()))
            else:
                lines.append(f"  - {entry}")
    others = sorted(k for k in extra if k != "refresh_history")
    if others:
        lines.append(f"extra         {', '.join(others)}")
    return "\n".join(lines)
