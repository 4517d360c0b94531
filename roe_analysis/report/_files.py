"""Writing a report file: atomically, through a temporary file and a rename."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename, creating folders.

    Readers see the old file or the new one, never half of one; the temporary file is removed if
    writing fails.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temp.open("xb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        # Name the file the caller asked for, not the temporary one.
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target
