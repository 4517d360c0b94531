"""Checkpointed loads: an interrupted load resumes without re-fetching what it has."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import roe_analysis as ra
from roe_analysis.sandbox import Sandbox
from roe_analysis.storage import checkpoint_dir


def jobs_requests(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests if r.path.endswith("/jobs/"))


def stored_pages(snapshot: Path, agent: str) -> int:
    return len(list((checkpoint_dir(snapshot) / agent).glob("page-*.json")))


def test_a_failed_load_resumes_from_its_checkpoint_with_fewer_requests(
    roe_sandbox: Sandbox, tmp_path: Path, make_client: Any, assert_same_frames: Any
) -> None:
    sb = roe_sandbox
    agent = sb.agents["demo"]
    snap = tmp_path / "snap"
    with make_client(sb) as reference_client:
        reference = reference_client.load_jobs(agent, progress=False)
    sb.clear_requests()

    sb.set_faults("500:after=8")
    with make_client(sb, max_retries=0) as client, pytest.raises(ra.ServerError) as info:
        client.load_jobs(agent, progress=False, checkpoint=snap)
    assert info.value.partial is not None and info.value.partial.jobs.height > 0
    have = stored_pages(snap, agent)
    # Eight requests succeed; a success still in flight when the failure cancels the rest is not kept.
    assert 2 <= have <= 8
    assert not snap.exists()

    sb.set_faults(None)
    sb.clear_requests()
    with make_client(sb) as client:
        resumed = client.load_jobs(agent, progress=False, checkpoint=snap)
    # 15 pages in all: the stored ones are read back, only the others are requested.
    assert jobs_requests(sb) == 15 - have
    assert resumed.query["resumed_pages"] == have
    assert_same_frames(resumed, reference)
    assert_same_frames(ra.JobFrames.load(snap), resumed)
    assert not checkpoint_dir(snap).exists()


def test_resuming_with_other_arguments_is_refused(roe_sandbox: Sandbox, tmp_path: Path, make_client: Any) -> None:
    sb = roe_sandbox
    snap = tmp_path / "snap"
    sb.set_faults("500:after=3")
    with make_client(sb, max_retries=0) as client, pytest.raises(ra.ServerError):
        client.load_jobs(sb.agents["demo"], progress=False, checkpoint=snap)
    sb.set_faults(None)
    sb.clear_requests()
    with make_client(sb) as client, pytest.raises(ra.InvalidArgumentError, match="belongs to a different load"):
        client.load_jobs(sb.agents["demo"], version_name="v2.0", progress=False, checkpoint=snap)
    assert sb.requests == []


def test_killing_the_cli_mid_load_and_resuming_gives_the_same_frames(
    roe_sandbox: Sandbox, tmp_path: Path, make_client: Any, assert_same_frames: Any
) -> None:
    sb = roe_sandbox
    agent = sb.agents["demo"]
    snap = tmp_path / "snap"
    with make_client(sb) as c:
        reference = c.load_jobs(agent, progress=False)
    # Slow pages, eight in flight per wave: the poller kills the process between two waves.
    sb.set_faults("latency=400ms")
    env = {
        **os.environ,
        "ROE_API_KEY": sb.api_key,
        "ROE_ORGANIZATION_ID": sb.organization_id,
        "ROE_BASE_URL": sb.base_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "roe_analysis", "fetch", agent, "--out", str(snap), "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while stored_pages(snap, agent) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    have = stored_pages(snap, agent)
    assert 4 <= have < 15, proc.stderr.read().decode() if proc.stderr else ""
    assert not snap.exists()

    sb.set_faults(None)
    with make_client(sb) as client:
        resumed = client.load_jobs(agent, progress=False, checkpoint=snap)
        # Counted by the client: the killed process's last requests may still reach the server's log.
        assert client.stats.requests == 15 - have
    assert resumed.query["resumed_pages"] == have
    assert_same_frames(resumed, reference)
