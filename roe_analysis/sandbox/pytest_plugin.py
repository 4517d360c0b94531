"""pytest fixtures for the sandbox (registered as the ``roe_sandbox`` pytest11 plugin).

* ``roe_sandbox_session``: one sandbox (seed 0, default sizes) per test session (per xdist worker).
* ``roe_sandbox``: the same server for one test, reset first: seeded data restored if a test changed
  it, the faults cleared with fresh counters, the request log emptied. Tests that change data or set
  faults therefore cannot leak into the next test.
* ``roe_sandbox_factory``: builds extra sandboxes with other options (seed, sizes, ``legacy_shape``,
  ``error_style``, faults); each is started and stopped at the end of the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from roe_analysis.sandbox._sandbox import Sandbox


@pytest.fixture(scope="session")
def roe_sandbox_session() -> Iterator[Sandbox]:
    """A running sandbox shared by the whole session; prefer ``roe_sandbox``."""
    with Sandbox(seed=0) as sandbox:
        yield sandbox


@pytest.fixture
def roe_sandbox(roe_sandbox_session: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, reset to its seeded state with no faults and an empty request log."""
    roe_sandbox_session.reset()
    yield roe_sandbox_session
    roe_sandbox_session.set_faults(None)


@pytest.fixture
def roe_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start extra sandboxes: ``roe_sandbox_factory(seed=1, legacy_shape=True)``; stopped after the test."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        sandbox = Sandbox(**options).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()
