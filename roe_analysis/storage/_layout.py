"""What a snapshot folder holds, fixed by the format::

snapshot/
├── jobs.parquet             one Parquet file per frame (zstd, with statistics)
├── status_events.parquet
├── inputs.parquet
├── metadata.parquet
└── manifest.json            written last: format, schema version, the query, and each file's
                             rows, size and SHA-256, sealed by a checksum of the manifest itself

Nothing else is ever written inside the folder: the temporary folders of a save
(``.<name>.tmp-*``, ``.<name>.old-*``) and a load's checkpoint (``.<name>.checkpoint/``) live beside
it. So `OWN_NAMES` is all a save may delete when it replaces a snapshot; anything else in the
folder is someone else's and makes the save refuse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from roe_analysis._schema import FRAME_SCHEMAS, JOB_FRAME_NAMES
from roe_analysis.errors import InvalidArgumentError

#: The `format` of every snapshot manifest.
SNAPSHOT_FORMAT = "roe-analysis-snapshot"
#: The manifest's file name inside a snapshot folder.
MANIFEST_NAME = "manifest.json"
#: The Parquet file of each frame; fixed by the format, never read from a manifest.
FRAME_FILES: dict[str, str] = {name: f"{name}.parquet" for name in FRAME_SCHEMAS}
#: Every name a save writes inside a snapshot folder: the only files replacing a snapshot may delete.
OWN_NAMES: frozenset[str] = frozenset({*FRAME_FILES.values(), MANIFEST_NAME})
#: The frames a snapshot of each readable schema version holds (version 1 predates results and versions).
FRAMES_BY_SCHEMA: dict[int, tuple[str, ...]] = {1: JOB_FRAME_NAMES, 2: tuple(FRAME_SCHEMAS)}


def listed_files(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The Parquet file of each frame a checked manifest's schema version holds, by frame name."""
    return {name: FRAME_FILES[name] for name in FRAMES_BY_SCHEMA[manifest["schema_version"]]}


def target_path(path: str | os.PathLike[str]) -> Path:
    """`path` as an absolute folder path (``~`` expanded), or `InvalidArgumentError`."""
    if not isinstance(path, str | os.PathLike):
        raise InvalidArgumentError(f"path must be a folder path (str or Path); got {type(path).__name__}.")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"path must be a non-empty folder path; got {path!r}.")
    target = Path(os.path.abspath(Path(text).expanduser()))
    if target.parent == target:
        raise InvalidArgumentError(f"{target} is a file-system root, not a snapshot folder.")
    return target
