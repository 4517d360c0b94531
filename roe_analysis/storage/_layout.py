"""What a snapshot folder holds, fixed by the format::

snapshot/
├── jobs.parquet             one Parquet file per frame (zstd, with statistics)
├── status_events.parquet
├── inputs.parquet
├── metadata.parquet
└── manifest.json            written last: format, schema version, the query, and each file's
                             rows, size and SHA-256, sealed by a checksum of the manifest itself
"""

from __future__ import annotations

from roe_analysis._schema import FRAME_SCHEMAS

#: The `format` of every snapshot manifest.
SNAPSHOT_FORMAT = "roe-analysis-snapshot"
#: The manifest's file name inside a snapshot folder.
MANIFEST_NAME = "manifest.json"
#: The Parquet file of each frame; fixed by the format, never read from a manifest.
FRAME_FILES: dict[str, str] = {name: f"{name}.parquet" for name in FRAME_SCHEMAS}
