"""What tests across the tree share: clients of the sandbox, and comparing frames.

The sandbox fixtures themselves (``roe_sandbox``, ``roe_sandbox_factory``) come from the package's
pytest plugin (`roe_analysis.sandbox.pytest_plugin`); frames are built with the public
constructors ``ra.JobFrames.from_records`` and ``ra.JobFrames.from_tables``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.sandbox import Sandbox

MakeClient = Callable[..., ra.RoeClient]


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
