"""`JobFrames`: the four typed frames a load produces, and how they are built from job records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from roe_analysis._schema import FRAME_SCHEMAS


class SchemaMismatchError(ValueError):
    """A frame given to `JobFrames` does not have the library's fixed schema."""


def _check_schema(name: str, frame: pl.DataFrame) -> None:
    expected = FRAME_SCHEMAS[name]
    if frame.schema == expected:
        return
    missing = [c for c in expected if c not in frame.schema]
    extra = [c for c in frame.schema if c not in expected]
    wrong = [
        f"{c}: {frame.schema[c]} (expected {expected[c]})"
        for c in expected
        if c in frame.schema and frame.schema[c] != expected[c]
    ]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    if wrong:
        parts.append(f"wrong dtypes {wrong}")
    if not parts:
        parts.append(f"columns out of order: {list(frame.schema)} (expected {list(expected)})")
    raise SchemaMismatchError(
        f"`{name}` frame does not match the roe-analysis schema: {'; '.join(parts)}. "
        f"Build frames with `JobFrames.from_records(...)` or `JobFrames.empty()` rather than by hand."
    )


@dataclass(frozen=True)
class JobFrames:
    """Every job of one or more agents as four typed Polars frames.

    Attributes:
        jobs: one row per job.
        status_events: one row per status event (``job_id``, ``event_index`` in the order returned).
        inputs: one row per job input.
        metadata: one row per metadata key/value pair.
        query: what was asked for (agent ids, filters, window); empty for frames built from records.
    """

    jobs: pl.DataFrame
    status_events: pl.DataFrame
    inputs: pl.DataFrame
    metadata: pl.DataFrame
    query: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in FRAME_SCHEMAS:
            _check_schema(name, getattr(self, name))

    @classmethod
    def empty(cls) -> JobFrames:
        """Frames with the fixed schema and no rows.

        Examples:
            >>> import roe_analysis as ra
            >>> ra.JobFrames.empty().jobs.height
            0
        """
        return cls(**{name: pl.DataFrame(schema=schema) for name, schema in FRAME_SCHEMAS.items()})

    def __repr__(self) -> str:
        agents = self.jobs.get_column("agent_id").n_unique() if self.jobs.height else 0
        return (
            f"JobFrames(jobs={self.jobs.height}, status_events={self.status_events.height}, "
            f"inputs={self.inputs.height}, metadata={self.metadata.height}, agents={agents})"
        )
