"""Atomic folders: a crash at any moment leaves the old folder or the new one, never a mix.

Saving writes everything into a hidden folder beside the target, flushes it to disk, and only then
renames it into place. Only an empty folder or a roe-analysis snapshot is ever replaced, so a
mistyped path cannot delete a user's folder.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from roe_analysis.errors import InvalidArgumentError, SnapshotError, SnapshotOverwriteError
from roe_analysis.storage._layout import MANIFEST_NAME, SNAPSHOT_FORMAT


def target_path(path: str | os.PathLike[str]) -> Path:
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
    _check_replaceable(target_path(path), overwrite=overwrite)


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
    target = target_path(path)
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


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling, flushed, then renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
