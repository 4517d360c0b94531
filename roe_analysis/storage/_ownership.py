"""Which folders a save may replace, and deleting only the files a save wrote.

A save replaces `path` only when it is missing, empty, or a snapshot roe-analysis can verify it
wrote: a manifest that passes every check of a load, every frame file it lists present as a regular
file with the recorded size and SHA-256, and nothing else in the folder (`OWN_NAMES`). Anything
else (a user's ``notes.txt``, a sub-folder, a link, a file whose bytes differ from the manifest, a
manifest that merely claims the format) makes the save refuse with `SnapshotOverwriteError` before
anything is changed, naming what it found. When the old snapshot is replaced, exactly the files
verified here are deleted, one by one, and its folder only if that leaves it empty: nothing is ever
deleted by walking a tree.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roe_analysis.errors import SnapshotError, SnapshotOverwriteError
from roe_analysis.storage._layout import MANIFEST_NAME, OWN_NAMES, SNAPSHOT_FORMAT, listed_files
from roe_analysis.storage._manifest import check_manifest, parse_manifest
from roe_analysis.storage._shape import short

_CHUNK = 1 << 20
# How many foreign entries an error names (the walk stops after one more).
_SHOWN = 5


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What changes when a file is rewritten, replaced or touched (the link itself, not followed)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        st = os.lstat(path)
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


# Folders verified (hashes included) in this process, with the stamps their files had then: a
# second check of an unchanged folder (before the save, then at the swap) need not hash again.
_verified: dict[Path, dict[str, Stamp]] = {}


def _not_a_snapshot(target: Path, why: str) -> SnapshotOverwriteError:
    return SnapshotOverwriteError(
        f"refusing to replace {target}: it is not a roe-analysis snapshot ({why}), and replacing it would "
        f"delete everything in it. Save to a new folder, or delete this one yourself if it is disposable."
    )


def _unverified(target: Path, reason: str) -> SnapshotOverwriteError:
    return SnapshotOverwriteError(
        f"refusing to replace {target}: its {MANIFEST_NAME} says it is a roe-analysis snapshot, but it does not "
        f"check out ({reason.rstrip('.')}), so roe-analysis cannot tell that it wrote what is there, and replacing "
        f"it could delete files it did not write. Save to another path, or move this folder aside (or delete it "
        f"yourself if it is disposable)."
    )


def strangers(folder: Path, *, limit: int = _SHOWN) -> list[str]:
    """Paths (relative to `folder`, ``/``-separated) of what a save did not write in it; at most ``limit + 1``.

    A sub-folder is listed by the files in it (or as ``name/`` when empty), a link as itself
    (never followed), an entry named like a snapshot file that is not a regular file too.
    """
    found: list[str] = []
    pending: list[tuple[Path, str]] = [(folder, "")]
    while pending and len(found) <= limit:
        path, prefix = pending.pop()
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.append(f"{prefix or '.'} (unreadable: {exc.strerror})")
            continue
        if not entries and prefix:
            found.append(prefix)
        folders: list[tuple[Path, str]] = []
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if not prefix and entry.name in OWN_NAMES and entry.is_file(follow_symlinks=False):
                continue
            if entry.is_symlink():
                found.append(f"{rel} (a symbolic link)")
            elif entry.is_dir(follow_symlinks=False):
                folders.append((Path(entry.path), f"{rel}/"))
            else:
                found.append(rel)
        pending.extend(reversed(folders))
    return found


def _listing(found: list[str], limit: int = _SHOWN) -> str:
    names = ", ".join(found[:limit])
    return f"{names} and more" if len(found) > limit else names


def _verify_files(target: Path, manifest: Mapping[str, Any]) -> dict[str, Stamp]:
    """The stamps of the snapshot's own files, once each matches the manifest byte for byte."""
    stamps: dict[str, Stamp] = {}
    for name in [*listed_files(manifest).values(), MANIFEST_NAME]:
        try:
            stamps[name] = Stamp.of(target / name)
        except FileNotFoundError:
            raise _unverified(target, f"{name} is missing") from None
    if _verified.get(target) == stamps:
        return stamps
    for name, file_name in listed_files(manifest).items():
        expected = manifest["files"][name]
        if stamps[file_name].size != expected["bytes"]:
            raise _unverified(
                target, f"{file_name} is {stamps[file_name].size:,} bytes, the manifest records {expected['bytes']:,}"
            )
    for name, file_name in listed_files(manifest).items():
        try:
            actual = file_sha256(target / file_name)
        except OSError as exc:
            raise _unverified(target, f"{file_name} cannot be read ({exc.strerror})") from None
        if actual != manifest["files"][name]["sha256"]:
            raise _unverified(target, f"{file_name} does not match its SHA-256 in {MANIFEST_NAME}")
    if len(_verified) >= 64:
        _verified.clear()
    _verified[target] = stamps
    return stamps


def check_replaceable(target: Path, *, overwrite: bool) -> dict[str, Stamp] | None:
    """Refuse to replace anything but a missing or empty folder or a snapshot verified as ours.

    Returns:
        The stamps of the snapshot's files, as verified (what `remove_replaced` may delete), or
        None when there is nothing to replace.

    Raises:
        SnapshotOverwriteError: `target` is a link or a file; or a folder that is not a snapshot,
            holds anything a save did not write (named), or does not match its own manifest; or a
            snapshot while `overwrite` is False.
    """
    if target.is_symlink():
        raise SnapshotOverwriteError(
            f"{target} is a symbolic link; save to the folder it points to ({target.resolve()}) instead, so the "
            f"link is not replaced by a folder."
        )
    if not target.exists():
        return None
    if not target.is_dir():
        raise SnapshotOverwriteError(f"{target} is a file, not a snapshot folder; refusing to replace it.")
    try:
        with os.scandir(target) as listing:
            empty = next(listing, None) is None
    except OSError as exc:
        raise SnapshotOverwriteError(f"{target} cannot be read ({exc.strerror}); refusing to replace it.") from None
    if empty:
        return None
    manifest = target / MANIFEST_NAME
    try:
        mode = os.lstat(manifest).st_mode
    except FileNotFoundError:
        raise _not_a_snapshot(target, f"it has no {MANIFEST_NAME}") from None
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a file"
        raise _not_a_snapshot(target, f"its {MANIFEST_NAME} is {kind}")
    try:
        data = parse_manifest(manifest)
    except SnapshotError as exc:
        raise _not_a_snapshot(target, f"its {MANIFEST_NAME} is unreadable: {exc}") from None
    fmt = data.get("format")
    if fmt != SNAPSHOT_FORMAT:
        raise _not_a_snapshot(target, f"its {MANIFEST_NAME} has format {short(fmt)}")
    try:
        check_manifest(data, target)
    except SnapshotError as exc:
        raise _unverified(target, str(exc)) from None
    found = strangers(target)
    if found:
        them = "it" if len(found) == 1 else "them"
        raise SnapshotOverwriteError(
            f"refusing to replace the snapshot at {target}: it also holds {_listing(found)}, which roe-analysis did "
            f"not write, and replacing the snapshot would delete {them}. Move {them} out of {target}, or save the "
            f"snapshot to another path."
        )
    if not overwrite:
        raise SnapshotOverwriteError(
            f"{target} already holds a snapshot; pass overwrite=True to replace it, or choose another path."
        )
    return _verify_files(target, data)


def remove_replaced(old: Path, stamps: Mapping[str, Stamp]) -> list[str]:
    """Delete a replaced snapshot (moved aside to `old`): only its verified files, then `old` if empty.

    A file whose stamp changed since it was verified is left alone.

    Returns:
        The names left in `old` (none when `old` is gone).
    """
    _verified.pop(old, None)
    for name, stamp in stamps.items():
        path = old / name
        try:
            if Stamp.of(path) == stamp:
                os.unlink(path)
        except OSError:
            continue
    try:
        os.rmdir(old)
    except FileNotFoundError:
        return []
    except OSError:
        try:
            with os.scandir(old) as listing:
                return sorted(f"{e.name}/" if e.is_dir(follow_symlinks=False) else e.name for e in listing)
        except OSError as exc:
            return [f"entries it cannot list ({exc.strerror})"]
    return []


def kept_message(target: Path, old: Path, kept: list[str]) -> str:
    """Why a replaced snapshot's folder was kept after a save."""
    return (
        f"saved the snapshot at {target}, but the previous one's folder, moved aside to {old}, also held "
        f"{_listing(kept)} (which appeared while saving), so it was kept: move what you need out of it, then "
        f"delete it."
    )
