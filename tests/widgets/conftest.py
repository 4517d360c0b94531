"""Shared by the widget tests: the demo agent's frames from the seeded sandbox, charts drawn as SVG.

Frames come from the seeded sandbox (its demo agent), so the numbers are the notebooks' numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import ipywidgets as widgets
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis.sandbox import Sandbox

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox(seed=0) as sb:
        yield sb


@pytest.fixture(scope="module")
def frames(sandbox: Sandbox) -> JobFrames:
    with ra.RoeClient(api_key=sandbox.api_key, organization_id=sandbox.organization_id, base_url=sandbox.base_url) as c:
        return c.load_jobs(sandbox.agents["demo"], progress=False)


@pytest.fixture(autouse=True, scope="module")
def svg_charts() -> Any:
    """Charts rendered as in the notebooks (SVG), restored afterwards."""
    previous = alt.renderers.active
    alt.renderers.enable("svg")
    yield
    alt.renderers.enable(previous)


def _ids(frames: JobFrames) -> list[str]:
    return frames.jobs.get_column("id").to_list()


def _texts(out: widgets.Output) -> list[str]:
    """Every text/plain or text/html payload of an Output widget."""
    return [str(o["data"].get("text/html") or o["data"].get("text/plain")) for o in out.outputs]


@pytest.fixture
def script() -> str:
    """A value from the data that would run if it were written as markup."""
    return SCRIPT


@pytest.fixture
def escaped() -> str:
    """`script` as escaped text."""
    return ESCAPED


@pytest.fixture
def ids() -> Callable[[JobFrames], list[str]]:
    """``ids(frames)``: the job ids of some frames, in order."""
    return _ids


@pytest.fixture
def texts() -> Callable[[widgets.Output], list[str]]:
    """``texts(out)``: every text/plain or text/html payload of an Output widget."""
    return _texts
