"""The demo agent's reports, built once per session.

``demo_html`` is built from ``demo_frames`` (tests/conftest.py: the jobs list only, as a snapshot
written before results existed would hold), ``demo_full_html`` from ``demo_full_frames``: the
demo agent as `roe-analysis report` loads it by default, with its results (costs, tokens) and
versions (the agent's name, each version's model).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import roe_analysis as ra
from roe_analysis.report import build_report
from roe_analysis.sandbox import Sandbox


@pytest.fixture(scope="session")
def generated_at() -> datetime:
    """The "Report generated" instant of every report the tests compare byte for byte."""
    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_html(demo_frames: ra.JobFrames, generated_at: datetime) -> str:
    """The demo agent's report without results or versions, generated at the fixed ``generated_at``."""
    return build_report(demo_frames, generated_at=generated_at)


@pytest.fixture(scope="session")
def demo_full_frames(roe_sandbox_session: Sandbox) -> ra.JobFrames:
    """The demo agent with its results and versions, loaded once over HTTP from the seeded sandbox."""
    sb = roe_sandbox_session
    sb.reset()
    with ra.RoeClient(
        api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
    ) as client:
        return client.load_jobs(sb.agents["demo"], progress=False, results=True, versions=True)


@pytest.fixture(scope="session")
def demo_full_html(demo_full_frames: ra.JobFrames, generated_at: datetime) -> str:
    """The demo agent's report as `roe-analysis report` writes it (results and versions), at ``generated_at``."""
    return build_report(demo_full_frames, generated_at=generated_at)
