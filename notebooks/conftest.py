"""pytest settings for ``pytest --nbval notebooks/``.

- The ``py:percent`` scripts paired with the notebooks are not test modules: importing them (as
  ``--doctest-modules`` would) would run each notebook a second time.
- The stored outputs are those of the bundled sandbox in UTC. A ``ROE_API_KEY`` in the caller's
  environment would point the kernels at a real account, and another time zone would move the time
  axes of the SVG charts, so both are pinned before any kernel starts.
"""

from __future__ import annotations

import os

import pytest

collect_ignore_glob = ["*.py"]


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("nbval", default=False) or config.getoption("nbval_lax", default=False):
        os.environ.pop("ROE_API_KEY", None)
        os.environ["TZ"] = "UTC"
