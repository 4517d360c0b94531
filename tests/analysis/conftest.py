"""Builders shared by the analysis tests, as fixtures.

pytest runs with ``--import-mode=importlib``, so test modules cannot import each other: a test that
needs a builder takes the fixture, which returns the builder function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import polars as pl
import pytest

from roe_analysis.frames import JobFrames

#: ``jobs_frame(scores, *, start_day=1)``: see `_jobs_frame`.
JobsFrameBuilder = Callable[..., pl.DataFrame]
#: ``paired_frames(per_version, *, shuffle_inputs=False)``: see `_paired_frames`.
PairedFramesBuilder = Callable[..., JobFrames]


def _jobs_frame(scores: dict[str, Sequence[float | None]], *, start_day: int = 1) -> pl.DataFrame:
    """A jobs-like frame: one row per score, versions created on consecutive days in dict order."""
    rows = []
    for day, (version, values) in enumerate(scores.items(), start=start_day):
        for i, value in enumerate(values):
            rows.append(
                {
                    "job_id": f"{version}-{i}",
                    "agent_version_name": version,
                    "created_at": datetime(2026, 5, day, tzinfo=UTC),
                    "grader_score": value,
                }
            )
    return pl.DataFrame(
        rows,
        schema={"job_id": pl.String, "agent_version_name": pl.String, "created_at": pl.Datetime("us", "UTC"),
                "grader_score": pl.Float64},
    )  # fmt: skip


def _paired_frames(
    per_version: dict[str, Sequence[tuple[str, float | None]]], *, shuffle_inputs: bool = False
) -> JobFrames:
    """JobFrames whose jobs carry inputs: ``{version: [(input_name, score), ...]}``.

    Each input is the pair set {("question", name), ("lang", "en")}; ``shuffle_inputs`` swaps
    their order for the second version, which must not change the identity.
    """
    jobs, inputs = [], []
    for day, (version, items) in enumerate(per_version.items(), start=1):
        for i, (name, score) in enumerate(items):
            job_id = f"{version}-{i}"
            jobs.append(
                {
                    "id": job_id,
                    "agent_version_name": version,
                    "status": "SUCCESS",
                    "created_at": datetime(2026, 5, day, tzinfo=UTC),
                    "grader_score": score,
                }
            )
            pairs = [("question", name), ("lang", "en")]
            if shuffle_inputs and day == 2:
                pairs.reverse()
            for index, (key, value) in enumerate(pairs):
                inputs.append({"job_id": job_id, "input_index": index, "key": key, "value": value, "data_type": "text"})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs)


@pytest.fixture
def jobs_frame() -> JobsFrameBuilder:
    """The builder of a jobs-like frame of grader scores per version (`_jobs_frame`)."""
    return _jobs_frame


@pytest.fixture
def paired_frames() -> PairedFramesBuilder:
    """The builder of JobFrames whose jobs carry inputs, for paired comparisons (`_paired_frames`)."""
    return _paired_frames
