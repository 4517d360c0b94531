"""The demo agent's frames and report, built once per session: most report tests only read them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

import roe_analysis as ra
from roe_analysis.report import build_report
from roe_analysis.sandbox import Sandbox

Loader = Callable[[Sandbox, str], ra.JobFrames]


def _load(sb: Sandbox, agent: str) -> ra.JobFrames:
    with ra.RoeClient(
        api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
    ) as client:
        return client.load_jobs(sb.agents[agent], progress=False)


@pytest.fixture(scope="session")
def load_agent() -> Loader:
    """``load_agent(sb, "small")``: an agent's jobs through the real client over HTTP."""
    return _load


@pytest.fixture(scope="session")
def generated_at() -> datetime:
    """The "Report generated" instant of every report the tests compare byte for byte."""
    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_frames(roe_sandbox_session: Sandbox) -> ra.JobFrames:
    """The demo agent (1,500 jobs) as seeded, loaded once: its report takes a second or two to build.

    It resets the session sandbox first, as the function-scoped ``roe_sandbox`` does, so data other
    tests changed does not leak in; tests that change data use ``roe_sandbox`` and load their own.
    """
    roe_sandbox_session.reset()
    return _load(roe_sandbox_session, "demo")


@pytest.fixture(scope="session")
def demo_html(demo_frames: ra.JobFrames, generated_at: datetime) -> str:
    """The demo agent's report, generated at the fixed ``generated_at``."""
    return build_report(demo_frames, generated_at=generated_at)
