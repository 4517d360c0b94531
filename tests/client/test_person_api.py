"""Python entry points as a person uses them (issue 11): misspelt keywords, progress only when watched."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import pytest

import roe_analysis as ra
from roe_analysis.client import _progress
from roe_analysis.sandbox import Sandbox


def test_a_misspelt_keyword_names_the_sync_method_and_the_closest_filter(
    roe_sandbox: Sandbox, client: ra.RoeClient
) -> None:
    with pytest.raises(TypeError) as info:
        client.load_jobs(roe_sandbox.agents["small"], stauts_code="SUCCESS")  # type: ignore[call-arg]
    assert isinstance(info.value, ra.errors.ArgumentTypeError)
    assert str(info.value).startswith(
        "RoeClient.load_jobs() got an unexpected keyword argument 'stauts_code'. Did you mean 'status_code'? Filters: "
    )
    with pytest.raises(TypeError, match=r"'progres'\. Did you mean 'progress'\?"):
        client.load_jobs(roe_sandbox.agents["small"], progres=False)  # type: ignore[call-arg]
    assert roe_sandbox.requests == []


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_tty_only(
    roe_sandbox: Sandbox, make_client: Callable[..., ra.RoeClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    assert not _progress.watched()
    make_client(roe_sandbox).load_jobs(roe_sandbox.agents["demo"], progress=True)
    assert pipe.getvalue() == ""

    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    assert _progress.watched()
    frames = make_client(roe_sandbox).load_jobs(roe_sandbox.agents["demo"], progress=True)
    drawn = tty.getvalue()
    pages = -(-len(frames) // 100)
    assert f"{pages}/{pages}" in drawn
    # No "100% 1/1" before the real total: every 100% state is the whole load.
    hundred = [state for state in drawn.replace("\n", "\r").split("\r") if "100%" in state]
    assert hundred and all(f"| {pages}/{pages} " in state for state in hundred)
    assert "| 1/1 " not in drawn


def test_first_page_sets_the_real_total(roe_sandbox: Sandbox, make_client: Callable[..., ra.RoeClient]) -> None:
    totals: list[int] = []

    class Recorder(_progress.NoProgress):
        def set_total(self, pages: int) -> None:
            totals.append(pages)

    client = make_client(roe_sandbox)
    pages = ra.client.AgentPages(
        client.async_client,
        roe_sandbox.agents["demo"],
        ra.api.JobQuery.build(),
        semaphore=asyncio.Semaphore(4),
        progress=Recorder(),
    )
    client._run(pages.load())
    assert totals[0] == 15 == -(-len(roe_sandbox.jobs(roe_sandbox.agents["demo"])) // 100)
