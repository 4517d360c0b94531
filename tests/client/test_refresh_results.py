"""Refresh keeps results and versions up to date, asking only for the results of jobs that changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import roe_analysis as ra
from roe_analysis.sandbox import Sandbox


def results_requests(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests if r.path == "/v1/agents/jobs/results/"]


def test_refresh_fetches_the_results_of_new_and_changed_jobs_only(
    roe_sandbox: Sandbox, client: ra.RoeClient, tmp_path: Path, assert_same_frames: Any
) -> None:
    sb = roe_sandbox
    snap = tmp_path / "snap"
    client.load_jobs(sb.agents["small"], progress=False, results=True, versions=True).save(snap)
    jobs = sb.jobs("small")
    created = sb.create_job("small")
    sb.update_job(jobs[5]["id"], status_code=4, error_message="boom")
    sb.clear_requests()
    refreshed = client.refresh(snap, progress=False)
    # One batch, of the new job and the changed one; the other 39 results are kept from the snapshot.
    assert len(results_requests(sb)) == 1
    history = ra.JobFrames.load(snap).query["snapshot"]["extra"]["refresh_history"]
    assert history[-1]["results_asked"] == 2
    fresh = client.load_jobs(sb.agents["small"], progress=False, results=True, versions=True)
    assert_same_frames(refreshed, fresh)
    assert created["id"] in refreshed.results.get_column("job_id").to_list()
    assert refreshed.query["results"] is True and refreshed.query["versions"] is True
    changed = refreshed.results.filter(refreshed.results["job_id"] == jobs[5]["id"])
    assert changed.get_column("status").item() == "FAILURE"
    assert changed.get_column("cost").item() == sb.job_result(jobs[5]["id"])["cost"]


def test_refresh_without_changes_asks_for_no_result(
    roe_sandbox: Sandbox, client: ra.RoeClient, tmp_path: Path, assert_same_frames: Any
) -> None:
    sb = roe_sandbox
    snap = tmp_path / "snap"
    original = client.load_jobs(sb.agents["demo"], progress=False, results=True)
    original.save(snap)
    sb.clear_requests()
    refreshed = client.refresh(snap, progress=False)
    assert results_requests(sb) == []
    assert_same_frames(refreshed, original)


def test_a_deleted_job_takes_its_result_with_it(
    roe_sandbox: Sandbox, client: ra.RoeClient, tmp_path: Path, assert_same_frames: Any
) -> None:
    sb = roe_sandbox
    snap = tmp_path / "snap"
    client.load_jobs(sb.agents["small"], progress=False, results=True).save(snap)
    gone = sb.jobs("small")[3]["id"]
    sb.delete_job(gone)
    with pytest.warns(ra.RefreshWarning):
        refreshed = client.refresh(snap, progress=False)
    assert gone not in refreshed.results.get_column("job_id").to_list()
    assert refreshed.results.height == 39
    assert_same_frames(refreshed, client.load_jobs(sb.agents["small"], progress=False, results=True))


def test_a_failed_results_fetch_leaves_the_snapshot_as_it_was(
    roe_sandbox: Sandbox, make_client: Any, tmp_path: Path
) -> None:
    sb = roe_sandbox
    snap = tmp_path / "snap"
    client = make_client(sb, max_retries=0)
    client.load_jobs(sb.agents["small"], progress=False, results=True).save(snap)
    before = {p.name: p.read_bytes() for p in snap.iterdir()}
    sb.create_job("small")
    # The jobs page answers, then the results batch fails.
    with sb.faults("500:after=1,times=1"), pytest.raises(ra.ServerError) as info:
        client.refresh(snap, progress=False)
    assert {p.name: p.read_bytes() for p in snap.iterdir()} == before
    assert info.value.partial.jobs.height == 41 and info.value.partial.results.height == 40
    assert json.loads((snap / "manifest.json").read_text())["query"]["results"] is True
