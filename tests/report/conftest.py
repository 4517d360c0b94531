"""The demo agent's report, built once per session (its frames, ``demo_frames``, come from tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import roe_analysis as ra
from roe_analysis.report import build_report


@pytest.fixture(scope="session")
def generated_at() -> datetime:
    """The "Report generated" instant of every report the tests compare byte for byte."""
    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_html(demo_frames: ra.JobFrames, generated_at: datetime) -> str:
    """The demo agent's report, generated at the fixed ``generated_at``."""
    return build_report(demo_frames, generated_at=generated_at)
