"""Snapshots: frames saved to a folder and read back exactly, or not at all.

This layer speaks plain Polars frames, keyed by frame name (`roe_analysis._schema.FRAME_SCHEMAS`),
and a JSON-ready query; `JobFrames.save`, `JobFrames.load` and `JobFrames.scan` wrap it. Saving
writes one Parquet file per frame and then the manifest into an atomic folder; loading checks every
byte against the manifest before a frame is returned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.errors import InvalidArgumentError, SnapshotCorruptedError, SnapshotError
from roe_analysis.storage._atomic import atomic_folder
from roe_analysis.storage._layout import FRAME_FILES, MANIFEST_NAME, listed_files, target_path
from roe_analysis.storage._manifest import (
    build_manifest,
    manifest_query,
    plain,
    refuse_credentials,
    snapshot_folder,
    validated_manifest,
    write_manifest,
)
from roe_analysis.storage._ownership import file_sha256 as _sha256

# What reading a damaged Parquet file raises: Polars panics (a BaseException) on some bytes it
# cannot parse, which a scan without hashes reaches.
_UNREADABLE = (OSError, pl.exceptions.PolarsError, pl.exceptions.PanicException)


def _write_frame(frame: pl.DataFrame, path: Path) -> dict[str, Any]:
    frame.write_parquet(path, compression="zstd", statistics=True)
    # Hash what is on disk, not what was meant to be written.
    return {"file": path.name, "rows": frame.height, "bytes": path.stat().st_size, "sha256": _sha256(path)}


#: The frames of a snapshot by name (the keys of `FRAME_SCHEMAS`), each with its fixed schema.
Tables = Mapping[str, pl.DataFrame]


def save_snapshot(
    tables: Tables,
    path: str | os.PathLike[str],
    *,
    query: Mapping[str, Any] | None = None,
    overwrite: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Save frames to a snapshot folder that `load_snapshot` reads back exactly.

    Writes one Parquet file per frame and then ``manifest.json`` into a hidden folder beside
    `path`, flushes them to disk and renames the folder into place: a crash never leaves a
    half-written snapshot at `path`. The manifest records the format and schema version, the
    library version, when it was written, the agents, the query (filters, ordering, window,
    counts; the API host without credentials), the rows, size and SHA-256 of each file, and
    `extra`. It never holds the API key: the query is copied through an allow-list.

    Args:
        tables: one frame per name of `FRAME_SCHEMAS` (``jobs``, ``status_events``, ``inputs``,
            ``metadata``), as `JobFrames` holds them.
        path: the snapshot folder; its parent folders are created if missing.
        query: what the load recorded (``frames.query``); only allow-listed keys are written.
        overwrite: replace an existing snapshot at `path` (never a folder that is not one, nor one
            holding anything a save did not write: only the snapshot's own files are ever deleted).
        extra: more JSON-ready data to record, e.g. ``{"refresh_history": [{"at": ..., "added": 12}]}``
            (`snapshot_info` lists a ``refresh_history`` list). Keys that name a credential are refused.

    Returns:
        The absolute path of the snapshot folder.

    Raises:
        SnapshotOverwriteError: `path` is a file, a link, a folder that is not a snapshot, a
            snapshot that also holds other files or folders (the message names them: move them out,
            or save elsewhere), one whose files do not match its manifest, or a snapshot while
            `overwrite` is False. Nothing is changed.
        InvalidArgumentError: `tables` is not one frame per name, or `extra` or the query holds
            something JSON cannot (or must not) hold, or a load could not read back (nesting deeper
            than 32 levels, integers beyond 64 bits, a query entry of the wrong shape).

    Examples:
        >>> import tempfile
        >>> from roe_analysis._schema import empty_tables
        >>> from roe_analysis.storage import read_manifest
        >>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +NORMALIZE_WHITESPACE
        ...     folder = save_snapshot(empty_tables(), f"{tmp}/reviews/2026-05")
        ...     sorted(p.name for p in folder.iterdir())
        ...     read_manifest(folder)["files"]["jobs"]["rows"]
        ['inputs.parquet', 'jobs.parquet', 'manifest.json', 'metadata.parquet', 'outputs.parquet', 'results.parquet',
         'status_events.parquet', 'versions.parquet']
        0
    """
    if not isinstance(tables, Mapping) or set(tables) != set(FRAME_SCHEMAS):
        given = sorted(tables) if isinstance(tables, Mapping) else type(tables).__name__
        raise InvalidArgumentError(
            f"tables must map each of {list(FRAME_SCHEMAS)} to its frame; got {given}. Save `JobFrames` with "
            f"frames.save(path)."
        )
    bad = [name for name, frame in tables.items() if not isinstance(frame, pl.DataFrame)]
    if bad:
        raise InvalidArgumentError(f"tables {bad} are not Polars DataFrames.")
    if extra is not None and not isinstance(extra, Mapping):
        raise InvalidArgumentError(f"extra must be a dict of JSON-ready values; got {type(extra).__name__}.")
    # Everything that can be refused is refused before the disk is touched.
    extra_json: dict[str, Any] = plain(extra or {}, "extra")
    refuse_credentials(extra_json, "extra")
    recorded = manifest_query(query or {})
    target = target_path(path)
    with atomic_folder(target, overwrite=overwrite) as temp:
        files = {name: _write_frame(tables[name], temp / FRAME_FILES[name]) for name in FRAME_SCHEMAS}
        write_manifest(temp / MANIFEST_NAME, build_manifest(tables["jobs"], recorded, files, extra_json))
    return target


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
    listed = listed_files(manifest)
    missing = [f for f in listed.values() if not (folder / f).is_file()]
    if missing:
        raise SnapshotCorruptedError(
            f"{folder} is missing {', '.join(missing)}: the snapshot is incomplete and cannot be loaded."
        )
    stamps: dict[str, _Stamp] = {}
    for name, file_name in listed.items():
        stamp = _Stamp.of(folder / file_name)
        expected = files[name]["bytes"]
        if stamp.size != expected:
            raise SnapshotCorruptedError(
                f"{file_name} in {folder} is {stamp.size:,} bytes but {MANIFEST_NAME} records {expected:,}: "
                f"the file was truncated or replaced."
            )
        stamps[name] = stamp
    if verify_hashes:
        for name, file_name in listed.items():
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
    snapshot = {
        "path": str(folder),
        "created_at": manifest["created_at"],
        "extra": manifest["extra"],
        "schema_version": manifest["schema_version"],
    }
    return {**manifest["query"], "snapshot": snapshot}


def _not_saved(manifest: Mapping[str, Any]) -> list[str]:
    """The frames an older snapshot predates: they load empty, with their fixed schema."""
    return [name for name in FRAME_SCHEMAS if name not in listed_files(manifest)]


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot read back: its frames by name, exactly as saved, and the query it recorded.

    Attributes:
        tables: one frame per name of `FRAME_SCHEMAS`, with the library's fixed schema.
        query: the saved query plus a ``snapshot`` entry: the folder's ``path``, the manifest's
            ``created_at`` and its ``extra``.
    """

    tables: dict[str, pl.DataFrame]
    query: dict[str, Any]


def load_snapshot(path: str | os.PathLike[str]) -> StoredSnapshot:
    """Read a snapshot back exactly as saved, after checking every byte.

    The manifest's format, schema version and checksum are checked, then each file's size and
    SHA-256, then each frame's schema and row count.

    Args:
        path: the snapshot folder (or its ``manifest.json``).

    Returns:
        The frames with the library's fixed schema, and the recorded query.

    Raises:
        SnapshotNotFoundError: no folder, or no manifest in it.
        SnapshotFormatError: the folder is something else's.
        SnapshotVersionError: written by a newer (or an unreadable older) roe-analysis.
        SnapshotCorruptedError: a file is missing, truncated or changed (the message names it), or
            the manifest is damaged.

    Examples:
        >>> import tempfile
        >>> from roe_analysis._schema import empty_tables
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     stored = load_snapshot(save_snapshot(empty_tables(), f"{tmp}/snap", extra={"note": "x"}))
        >>> {name: frame.height for name, frame in stored.tables.items()}
        {'jobs': 0, 'status_events': 0, 'inputs': 0, 'metadata': 0, 'results': 0, 'outputs': 0, 'versions': 0}
        >>> sorted(stored.query["snapshot"]), stored.query["snapshot"]["extra"]
        (['created_at', 'extra', 'path', 'schema_version'], {'note': 'x'})
    """
    folder = snapshot_folder(path)
    manifest = validated_manifest(folder)
    stamps = _check_files(folder, manifest, verify_hashes=True)
    tables: dict[str, pl.DataFrame] = {}
    for name, file_name in listed_files(manifest).items():
        try:
            frame = pl.read_parquet(folder / file_name)
        except _UNREADABLE as exc:
            raise SnapshotCorruptedError(f"{file_name} in {folder} cannot be read as Parquet: {exc}") from exc
        tables[name] = _conform(name, frame, folder, manifest["files"][name]["rows"])
    for name in _not_saved(manifest):
        tables[name] = pl.DataFrame(schema=FRAME_SCHEMAS[name])
    tables = {name: tables[name] for name in FRAME_SCHEMAS}
    _check_unchanged(folder, stamps, "while it was being loaded; load it again")
    return StoredSnapshot(tables, _loaded_query(folder, manifest))


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
class ScannedSnapshot:
    """A snapshot opened lazily: each frame is a `pl.LazyFrame` over its Parquet file.

    Build it with `scan_snapshot` (`JobFrames.scan` gives its `LazySnapshot` form, whose
    ``collect()`` returns `JobFrames`). Nothing is read until a lazy frame is collected, so filters and
    column selections are pushed down into the Parquet scan.

    Attributes:
        path: the snapshot folder.
        manifest: the verified manifest (see `read_manifest`).
        jobs: lazy `jobs` frame.
        status_events: lazy `status_events` frame.
        inputs: lazy `inputs` frame.
        metadata: lazy `metadata` frame.
        results: lazy `results` frame (empty in a schema-1 snapshot, which predates it).
        outputs: lazy `outputs` frame (likewise).
        versions: lazy `versions` frame (likewise).
    """

    path: Path
    manifest: Mapping[str, Any]
    jobs: pl.LazyFrame
    status_events: pl.LazyFrame
    inputs: pl.LazyFrame
    metadata: pl.LazyFrame
    results: pl.LazyFrame
    outputs: pl.LazyFrame
    versions: pl.LazyFrame
    _stamps: Mapping[str, _Stamp] = field(repr=False, compare=False)

    @property
    def query(self) -> dict[str, Any]:
        """The saved query plus a ``snapshot`` entry, as `load_snapshot` gives it."""
        return _loaded_query(self.path, self.manifest)

    def collect_tables(self) -> dict[str, pl.DataFrame]:
        """Read every frame (the same frames `load_snapshot` gives).

        Raises:
            SnapshotError: a file changed since the snapshot was scanned.
            SnapshotCorruptedError: a file's rows or schema differ from the manifest.
        """
        _check_unchanged(self.path, self._stamps, "since it was scanned; scan it again")
        try:
            collected = pl.collect_all([getattr(self, name) for name in FRAME_SCHEMAS])
        except _UNREADABLE as exc:
            raise SnapshotCorruptedError(f"the snapshot at {self.path} cannot be read: {exc}") from exc
        files = self.manifest["files"]
        tables = {
            name: _conform(name, frame, self.path, files[name]["rows"]) if files.get(name) is not None else frame
            for name, frame in zip(FRAME_SCHEMAS, collected, strict=True)
        }
        _check_unchanged(self.path, self._stamps, "since it was scanned; scan it again")
        return tables

    def __repr__(self) -> str:
        rows = ", ".join(f"{name}={entry['rows']}" for name, entry in self.manifest["files"].items())
        return f"{type(self).__name__}('{self.path}', {rows})"


def _scan(name: str, folder: Path) -> pl.LazyFrame:
    file_name = FRAME_FILES[name]
    expected = FRAME_SCHEMAS[name]
    frame = pl.scan_parquet(folder / file_name)
    try:
        schema = frame.collect_schema()
    except _UNREADABLE as exc:
        raise SnapshotCorruptedError(f"{file_name} in {folder} cannot be read as Parquet: {exc}") from exc
    if schema == expected:
        return frame
    if list(schema) != list(expected):
        raise SnapshotCorruptedError(f"{file_name} in {folder} has columns {list(schema)}, expected {list(expected)}.")
    return frame.cast(expected, strict=True)


def scan_snapshot(path: str | os.PathLike[str], *, verify_hashes: bool = True) -> ScannedSnapshot:
    """Open a snapshot lazily, for snapshots too large to read at once.

    The manifest, the schema version, each file's presence and size and each file's schema are
    checked up front; with `verify_hashes` every file's SHA-256 is checked too, reading it in 1 MiB
    chunks (never whole into memory).

    Args:
        path: the snapshot folder (or its ``manifest.json``).
        verify_hashes: check every file's SHA-256 now (reads each file once); turn off to open a
            very large snapshot instantly when you trust the disk.

    Returns:
        A `ScannedSnapshot`; its `collect_tables()` gives the same frames as `load_snapshot`.

    Raises:
        SnapshotNotFoundError: no folder, or no manifest in it.
        SnapshotFormatError: the folder is something else's.
        SnapshotVersionError: written by a newer (or an unreadable older) roe-analysis.
        SnapshotCorruptedError: a file is missing, has the wrong size or hash (the message names
            it), or the manifest is damaged.

    Examples:
        >>> import tempfile
        >>> from roe_analysis._schema import empty_tables
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     snap = scan_snapshot(save_snapshot(empty_tables(), f"{tmp}/snap"))
        ...     rows = {name: frame.height for name, frame in snap.collect_tables().items()}
        >>> snap.jobs.collect_schema() == FRAME_SCHEMAS["jobs"], rows["status_events"]
        (True, 0)
    """
    folder = snapshot_folder(path)
    manifest = validated_manifest(folder)
    stamps = _check_files(folder, manifest, verify_hashes=verify_hashes)
    listed = listed_files(manifest)
    lazy = {
        name: _scan(name, folder) if name in listed else pl.LazyFrame(schema=FRAME_SCHEMAS[name])
        for name in FRAME_SCHEMAS
    }
    return ScannedSnapshot(path=folder, manifest=manifest, _stamps=stamps, **lazy)
