"""Storage: frames on disk, atomically, checked byte for byte on the way back.

This layer speaks plain Polars frames keyed by name (`roe_analysis._schema.FRAME_SCHEMAS`) and
JSON-ready mappings; it knows neither `JobFrames` nor the client.

- ``_layout``: what a snapshot folder holds (file names, format), and nothing else.
- ``_atomic``: atomic folders and files (a crash leaves the old or the new, never a mix).
- ``_ownership``: which folders a save may replace (verified as its own, nothing else in them)
  and deleting only the files it verified.
- ``_manifest``: the manifest's allow-list, checksum and validation; ``_shape``: its typed
  shape (msgspec structs), shared by reading and writing.
- ``_snapshot``: saving, loading and scanning a snapshot.
- ``_info``: the human summary ``roe-analysis info`` prints.
- ``_checkpoint``: the pages of an interrupted load, so it can resume.
"""

from __future__ import annotations

from roe_analysis.storage._atomic import atomic_folder, check_writable
from roe_analysis.storage._checkpoint import PageStore, checkpoint_dir
from roe_analysis.storage._info import snapshot_info
from roe_analysis.storage._layout import FRAME_FILES, MANIFEST_NAME, SNAPSHOT_FORMAT
from roe_analysis.storage._manifest import api_host, read_manifest
from roe_analysis.storage._snapshot import (
    ScannedSnapshot,
    StoredSnapshot,
    Tables,
    load_snapshot,
    save_snapshot,
    scan_snapshot,
)

__all__ = [
    "FRAME_FILES",
    "MANIFEST_NAME",
    "SNAPSHOT_FORMAT",
    "PageStore",
    "ScannedSnapshot",
    "StoredSnapshot",
    "Tables",
    "api_host",
    "atomic_folder",
    "check_writable",
    "checkpoint_dir",
    "load_snapshot",
    "read_manifest",
    "save_snapshot",
    "scan_snapshot",
    "snapshot_info",
]
