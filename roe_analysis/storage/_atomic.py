"""Atomic folders: a crash at any moment leaves the old folder or the new one, never a mix.

Saving writes everything into a hidden folder beside the target, flushes it to disk, and only then
renames it into place. Only an empty folder or a roe-analysis snapshot verified as its own, with
nothing else in it, is ever replaced, and only the files it verified are deleted
(`roe_analysis.storage._ownership`), so neither a mistyped path nor a file a user put in a snapshot
folder is ever deleted.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from roe_analysis.errors import RoeWarning, SnapshotError
from roe_analysis.storage._layout import target_path
from roe_analysis.storage._ownership import check_replaceable, kept_message, remove_replaced


def check_writable(path: str | os.PathLike[str], *, overwrite: bool = True) -> None:
    """Raise `SnapshotOverwriteError` now if a snapshot could never be saved at ``path``.

    The same check a save makes: `path` must be missing, an empty folder, or a snapshot verified as
    roe-analysis's own with nothing else in it (see `roe_analysis.storage._ownership`).
    """
    check_replaceable(target_path(path), overwrite=overwrite)


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
    stamps = check_replaceable(target, overwrite=overwrite)
    if not target.exists():
        os.rename(temp, target)
    elif stamps is None:
        os.rmdir(target)  # empty when checked; fails, changing nothing, if something appeared since
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
        kept = remove_replaced(old, stamps)
        if kept:
            warnings.warn(kept_message(target, old, kept), RoeWarning, stacklevel=4)
    _fsync_dir(target.parent)


@contextmanager
def atomic_folder(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary folder beside `path` that replaces `path` only if the block succeeds.

    Write the folder's files inside the block; on success they are flushed to disk and the folder is
    renamed into place (an existing snapshot is moved aside, replaced, then its files deleted). On
    any exception, `KeyboardInterrupt` included, the temporary folder is deleted and `path` is
    untouched. Only an empty folder or a roe-analysis snapshot verified as its own (its manifest
    passes every check, its files match it byte for byte, nothing else is in it) is ever replaced,
    so neither a mistyped path nor a user's file inside a snapshot folder is deleted. Concurrent
    saves to the same path are not coordinated: one of them may fail.

    Args:
        path: the folder to create or replace.
        overwrite: replace an existing snapshot; if False, an existing snapshot is an error.

    Yields:
        The temporary folder to write into (hidden, in the same parent folder as `path`).

    Raises:
        SnapshotOverwriteError: `path` is a file, a symbolic link, a folder that is not a snapshot,
            a snapshot that holds anything else (named) or does not match its manifest, or a
            snapshot while `overwrite` is False (checked before and again after the block).

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with atomic_folder(Path(tmp) / "checkpoint") as folder:
        ...         _ = (folder / "manifest.json").write_text('{"format": "roe-analysis-snapshot"}')
        ...     sorted(p.name for p in Path(tmp).iterdir())
        ['checkpoint']
    """
    target = target_path(path)
    check_replaceable(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = _make_temp_folder(target)
    try:
        yield temp
        _fsync_tree(temp)
        _swap_into_place(temp, target, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling, flushed, then renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
