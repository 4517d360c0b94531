"""Debian's headless Chromium, shared by the browser suites: where it is, and what to do without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> None:
    """Fail when ``CI`` is set and Chromium is missing (a CI that skips proves nothing); skip elsewhere."""
    if CHROMIUM.exists():
        return
    message = f"needs Debian's Chromium at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
