"""A snapshot saved before results existed (schema 1) still loads, and says how to add them (issue 13).

``tests/fixtures/snapshot-schema-1`` was written by roe-analysis at commit 1baf792 (schema 1: jobs,
status events, inputs and metadata of the sandbox's "small" agent, seed 0) and is kept unchanged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.storage import read_manifest, snapshot_info
from roe_analysis.storage._manifest import _checksum

OLD = Path(__file__).parent.parent / "fixtures" / "snapshot-schema-1"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    copy = tmp_path / "old"
    shutil.copytree(OLD, copy)
    return copy


def test_a_schema_1_snapshot_loads_with_empty_results_outputs_and_versions(old: Path) -> None:
    assert read_manifest(old)["schema_version"] == 1
    frames = ra.JobFrames.load(old)
    assert (frames.jobs.height, frames.status_events.height, frames.inputs.height, frames.metadata.height) == (
        40,
        118,
        104,
        116,
    )
    for name in ("results", "outputs", "versions"):
        frame = getattr(frames, name)
        assert frame.height == 0 and frame.schema == FRAME_SCHEMAS[name], name
    assert frames.query["snapshot"]["schema_version"] == 1
    assert "results" not in frames.query
    assert repr(frames) == "JobFrames(jobs=40, status_events=118, inputs=104, metadata=116, agents=1)"


def test_a_schema_1_snapshot_scans_the_same(old: Path) -> None:
    lazy = ra.JobFrames.scan(old)
    assert lazy.results.collect().schema == FRAME_SCHEMAS["results"]
    collected = lazy.collect()
    loaded = ra.JobFrames.load(old)
    for name in FRAME_SCHEMAS:
        assert getattr(collected, name).equals(getattr(loaded, name)), name


def test_snapshot_info_says_what_a_schema_1_snapshot_lacks_and_how_to_add_it(old: Path) -> None:
    info = snapshot_info(old)
    assert "size          " in info and "(4 Parquet files, SHA-256 checked on load)" in info
    assert (
        "not saved     results, outputs, versions (schema 1 predates them; they load empty): add them with "
        "client.load_results(frames) / client.load_versions(agent_id), then save again"
    ) in info


def test_saving_over_a_schema_1_snapshot_writes_schema_2_with_every_frame(old: Path) -> None:
    frames = ra.JobFrames.load(old)
    frames.save(old)
    manifest = read_manifest(old)
    assert manifest["schema_version"] == ra.SCHEMA_VERSION == 2
    assert sorted(manifest["files"]) == sorted(FRAME_SCHEMAS)
    again = ra.JobFrames.load(old)
    assert again.jobs.equals(frames.jobs) and again.results.schema == FRAME_SCHEMAS["results"]


def test_a_schema_2_manifest_that_lists_only_the_job_frames_is_damaged(old: Path, tmp_path: Path) -> None:
    # A version-2 manifest must list all seven frames: the missing one is named.
    frames = ra.JobFrames.load(old)
    folder = frames.save(tmp_path / "new")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["versions"]
    manifest["checksum"] = _checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        ra.SnapshotCorruptedError, match=r"does not list versions\.parquet \(schema 2 snapshots hold it\)"
    ):
        ra.JobFrames.load(folder)
