"""Frames: `JobFrames` (typed Polars frames), built from decoded pages, filtered, summarised.

- ``_build``: the four job frames from decoded pages, once, in columns.
- ``_catalog_frames``: the results, outputs, versions and agents frames from their records.
- ``_job_frames``: `JobFrames` and its constructors; `LazySnapshot`; saving and loading through
  `roe_analysis.storage`.
- ``_filtering``: `filter_frames` and `versions_in_order`.
- ``_expressions``: `ui_field` and `metadata_wide`.
- ``_summary``: the few lines the CLI prints about a load.
"""

from __future__ import annotations

from roe_analysis.frames._build import PageChunk, build_tables
from roe_analysis.frames._catalog_frames import agents_frame, model_of, outputs_frame, results_frame, versions_frame
from roe_analysis.frames._expressions import metadata_wide, ui_field
from roe_analysis.frames._filtering import STATUSES, filter_frames, versions_in_order
from roe_analysis.frames._job_frames import JobFrames, LazySnapshot, build_frames
from roe_analysis.frames._summary import agents_text, summary_text

__all__ = [
    "STATUSES",
    "JobFrames",
    "LazySnapshot",
    "PageChunk",
    "build_frames",
    "agents_frame",
    "agents_text",
    "build_tables",
    "filter_frames",
    "metadata_wide",
    "model_of",
    "outputs_frame",
    "results_frame",
    "summary_text",
    "ui_field",
    "versions_frame",
    "versions_in_order",
]
