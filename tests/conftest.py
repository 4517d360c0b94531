"""What tests across the tree share: clients of the sandbox, and comparing frames.

The sandbox fixtures themselves (``roe_sandbox``, ``roe_sandbox_factory``) come from the package's
pytest plugin (`roe_analysis.sandbox.pytest_plugin`); frames are built with the public
constructors ``ra.JobFrames.from_records`` and ``ra.JobFrames.from_tables``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, MultiplexedDatabase, ReadOnlyDatabase
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.sandbox import Sandbox

MakeClient = Callable[..., ra.RoeClient]

#: The generated suites' saved examples (committed), replayed first on every run and never
#: written by a test run (so `make test` leaves the tree clean); what a local run finds goes to
#: the git-ignored `.hypothesis/` beside it. To keep a find for everyone, copy its entry in.
EXAMPLES = ReadOnlyDatabase(DirectoryBasedExampleDatabase(Path(__file__).parent / "hypothesis-examples"))
LOCAL = DirectoryBasedExampleDatabase(Path(__file__).parents[1] / ".hypothesis" / "examples")
settings.register_profile(
    "roe",
    database=EXAMPLES if os.environ.get("CI") else MultiplexedDatabase(LOCAL, EXAMPLES),
    deadline=None,  # wall time is not what these suites test; servers and frames vary in speed
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("roe")


@pytest.fixture
def api_env(roe_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """ROE_* variables pointing at the sandbox, as a user's shell would hold them."""
    monkeypatch.setenv("ROE_API_KEY", roe_sandbox.api_key)
    monkeypatch.setenv("ROE_ORGANIZATION_ID", roe_sandbox.organization_id)
    monkeypatch.setenv("ROE_BASE_URL", roe_sandbox.base_url)
    return roe_sandbox


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """``make_client(sb, **options)``: a `RoeClient` of sandbox ``sb``, closed after the test.

    ``environ={}`` so a developer's ``ROE_*`` variables never reach a test. Retries wait almost
    nothing (``fast_retries=False`` keeps the real backoff); ``Retry-After`` is still honoured exactly.
    """
    made: list[ra.RoeClient] = []

    def make(sb: Sandbox, *, fast_retries: bool = True, **options: object) -> ra.RoeClient:
        client = ra.RoeClient(
            api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}, **options
        )
        if fast_retries:
            client.async_client.backoff_base = 0.001
            client.async_client.backoff_cap = 0.01
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(roe_sandbox: Sandbox, make_client: MakeClient) -> ra.RoeClient:
    """A client of the session's sandbox (reset to its seeded state, no faults)."""
    return make_client(roe_sandbox)


def _assert_same_frames(a: ra.JobFrames, b: ra.JobFrames) -> None:
    for name in FRAME_SCHEMAS:
        assert_frame_equal(getattr(a, name), getattr(b, name))


@pytest.fixture
def assert_same_frames() -> Callable[[ra.JobFrames, ra.JobFrames], None]:
    """Assert two `JobFrames` hold the same rows in the same order, frame by frame."""
    return _assert_same_frames


# --- the demo agent, loaded once per session ---------------------------------------------------

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
def demo_frames(roe_sandbox_session: Sandbox) -> ra.JobFrames:
    """The demo agent (1,500 jobs) as seeded, loaded once: its report takes a second or two to build.

    It resets the session sandbox first, as the function-scoped ``roe_sandbox`` does, so data other
    tests changed does not leak in; tests that change data use ``roe_sandbox`` and load their own.
    """
    roe_sandbox_session.reset()
    return _load(roe_sandbox_session, "demo")
