"""The snapshot store: exact round trips, refusal of damaged or foreign snapshots, atomic saves."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS, SCHEMA_VERSION
from roe_analysis.api import Secret
from roe_analysis.errors import (
    SnapshotCorruptedError,
    SnapshotError,
    SnapshotFormatError,
    SnapshotNotFoundError,
    SnapshotOverwriteError,
    SnapshotVersionError,
)
from roe_analysis.frames import LazySnapshot
from roe_analysis.storage import FRAME_FILES, _atomic, _manifest, _snapshot, atomic_folder, read_manifest, snapshot_info

from ..records import job


def save_snapshot(frames: ra.JobFrames, path: str | os.PathLike[str], **options: Any) -> Path:
    return frames.save(path, **options)


load_snapshot = ra.JobFrames.load
scan_snapshot = ra.JobFrames.scan

AGENT = "2c1d6a4e-0000-4000-8000-00000000a9e7"
AGENT_2 = "7f3e9b10-0000-4000-8000-0000000000b2"
ORG = "3f2b1c0d-0000-4000-8000-0000000000c3"
FAKE_KEY = "roe_sk_live_TESTONLY_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
BIG = "é" + "x" * 99_999  # 100 KB of text, starting with a non-ASCII character
ALL_FILES = [*FRAME_FILES.values(), "manifest.json"]


def rich_frames() -> ra.JobFrames:
    """Every column filled somewhere, unicode, nulls, unknown codes and a 100 KB value."""
    records = [
        job(
            1,
            status_events=[
                {"timestamp": "2026-05-01T10:00:05.250+02:00", "status_code": 1},
                {"timestamp": "2026-05-01T08:00:09.000001Z", "status_code": 4, "error_message": "boom ✗"},
                {"timestamp": None, "status_code": 9, "count": 3, "error_details": {"trace": ["a", None]}},
            ],
            job_inputs=[
                {
                    "key": "doc",
                    "description": "",
                    "data_type": "application/pdf",
                    "value": "s3://b/k",
                    "file_name": "k",
                },
                {"key": "big", "description": "100 KB", "data_type": "text/plain", "value": BIG},
            ],
            metadata={"région": "eu ✓", "n": 3, "none": None, "big": BIG},
            ui_fields={"verdict": "Not Suspicious", "confidence": 0.5, "emoji": "🦀", "big": BIG},
            evaluation={
                "reference": {"expected": "Suspicious"},
                "human_score": 80,
                "grader_score": 0.75,
                "feedback": "ok",
                "created_at": "2026-05-02T00:00:00Z",
                "updated_at": "2026-05-02T00:00:01.123456Z",
            },
            feedback_review={
                "review_status": "rejected",
                "corrected_verdict": "Suspicious",
                "review_comment": "wrong — see 日本語",
                "reviewed_at": "2026-05-03T00:00:00Z",
                "reviewed_by": "rev@example.com",
            },
            review_state="disagreed",
            creator={"id": 12, "email": "c@example.com", "display_name": "Zoë"},
        ),
        job(2, status_code=42, status_events=[], job_inputs=[], metadata={}, ui_fields=None, duration_ms=None),
        {"id": "00000000-0000-4000-8000-000000000003", "status_code": 0, "created_at": "2026-05-01T10:00:00Z"},
    ]
    return ra.JobFrames.from_records(records, agent_id=AGENT)


@pytest.fixture(scope="module")
def large_frames() -> ra.JobFrames:
    states = ["unreviewed", "agreed", "disagreed", None]
    reviews = [None, {"review_status": "approved"}, {"review_status": "pending", "review_comment": "ü"}]
    records = [
        job(
            i,
            status_code=i % 8,
            duration_ms=None if i % 11 == 0 else i,
            created_at=f"2026-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 60:02d}.{i % 1_000_000:06d}Z",
            review_state=states[i % 4],
            feedback_review=reviews[i % 3],
            evaluation=None if i % 2 else {"grader_score": i / 20_000, "human_score": None},
            metadata={"customer": f"c{i % 17}", "batch": i // 1000},
            ui_fields={"verdict": ["Suspicious", "Not Suspicious"][i % 2], "score": i},
        )
        for i in range(20_000)
    ]
    return ra.JobFrames.from_records(records, agent_id=AGENT)


def loaded_query(agent_count: int = 1) -> dict[str, Any]:
    """A `frames.query` as a load records it, with credentials planted where a bug could copy them."""
    agents = [AGENT, AGENT_2][:agent_count]
    return {
        "agent_ids": agents,
        "base_url": f"https://analyst:{FAKE_KEY}@API.roe-ai.com:8443/v1",
        "organization_id": ORG,
        "filters": {
            "created_from": "2026-05-01T00:00:00.000000Z",
            "created_to": None,
            "status_code": [3, 4],
            "version_name": None,
            "ordering": ["-created_at"],
            "metadata": {"customer": "acme"},
            "search": "naïve",
            "semantic_string": None,
            "job_id": None,
            "job_inputs": None,
            "exclude_metadata": False,
            "verdict": None,
            "limit": None,
            "page_size": 100,
            "api_key": FAKE_KEY,
        },
        "ordering_sent": ["-created_at", "-id"],
        "started_at": "2026-05-07T12:00:00.000000Z",
        "fetched_at": "2026-05-07T12:00:03.500000Z",
        "complete": True,
        "requests": 4,
        "retries": 1,
        "agents": [
            {
                "agent_id": agent,
                "server_count": 3 + n,
                "unique_jobs": 3,
                "pages": 1,
                "page_size_used": 100,
                "window_end": "2026-05-07T12:00:01.000000Z",
                "reconcile_passes": 0,
                "duplicates_dropped": 0,
                "missing": n,
                "authorization": f"Bearer {FAKE_KEY}",
            }
            for n, agent in enumerate(agents)
        ],
        "api_key": FAKE_KEY,
        "headers": {"Authorization": f"Bearer {FAKE_KEY}"},
        "settings": Secret(FAKE_KEY),
    }


def with_query(frames: ra.JobFrames, query: Mapping[str, Any]) -> ra.JobFrames:
    return ra.JobFrames(frames.jobs, frames.status_events, frames.inputs, frames.metadata, query)


def assert_frames_equal(result: ra.JobFrames, expected: ra.JobFrames) -> None:
    for name, schema in FRAME_SCHEMAS.items():
        assert getattr(result, name).schema == schema
        assert_frame_equal(getattr(result, name), getattr(expected, name), check_exact=True)


def rewrite_manifest(folder: Path, edit: Callable[[dict[str, Any]], None], *, reseal: bool = True) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    edit(data)
    if reseal:
        data["checksum"] = _manifest._checksum(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")


def flip_byte(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "rich"])
def test_save_then_load_gives_the_same_frames(tmp_path: Path, kind: str) -> None:
    frames = ra.JobFrames.empty() if kind == "empty" else rich_frames()
    folder = save_snapshot(frames, tmp_path / "snap")
    result = load_snapshot(folder)
    assert folder == tmp_path / "snap"
    assert entries(folder) == sorted(ALL_FILES)
    assert_frames_equal(result, frames)


def test_rich_frames_keep_every_awkward_value(tmp_path: Path) -> None:
    result = load_snapshot(save_snapshot(rich_frames(), tmp_path / "snap"))
    assert result.jobs.get_column("status").to_list() == ["SUCCESS", "UNKNOWN", "PENDING"]
    assert result.jobs.get_column("duration_ms").to_list() == [2000, None, None]
    assert result.jobs.get_column("review_comment").to_list() == ["wrong — see 日本語", None, None]
    assert result.jobs.get_column("evaluation_updated_at").to_list() == [
        datetime(2026, 5, 2, 0, 0, 1, 123456, tzinfo=UTC),
        None,
        None,
    ]
    assert result.status_events.get_column("timestamp").to_list()[2] is None
    assert result.inputs.filter(pl.col("key") == "big").get_column("value").item() == BIG
    assert json.loads(result.jobs.get_column("ui_fields")[0])["big"] == BIG


def test_large_frames_round_trip(tmp_path: Path, large_frames: ra.JobFrames) -> None:
    result = load_snapshot(save_snapshot(large_frames, tmp_path / "snap"))
    assert result.jobs.height == 20_000
    assert result.status_events.height == 40_000
    assert_frames_equal(result, large_frames)


def test_loaded_query_is_the_saved_query_plus_where_it_came_from(tmp_path: Path) -> None:
    frames = with_query(rich_frames(), loaded_query())
    folder = save_snapshot(frames, tmp_path / "snap", extra={"note": "weekly review"})
    result = load_snapshot(folder).query
    manifest = read_manifest(folder)
    expected = loaded_query()
    for planted in ("api_key", "headers", "settings", "base_url"):
        del expected[planted]
    del expected["filters"]["api_key"]
    del expected["agents"][0]["authorization"]
    expected["host"] = "api.roe-ai.com:8443"
    assert {k: v for k, v in result.items() if k != "snapshot"} == expected
    assert result["snapshot"] == {
        "path": str(folder),
        "created_at": manifest["created_at"],
        "extra": {"note": "weekly review"},
        "schema_version": SCHEMA_VERSION,
    }
    # Saving a loaded snapshot again keeps the query (the host included) and drops the old provenance.
    again = read_manifest(save_snapshot(load_snapshot(folder), tmp_path / "copy"))
    assert again["query"] == manifest["query"]


def test_manifest_layout(tmp_path: Path) -> None:
    frames = with_query(rich_frames(), loaded_query(agent_count=2))
    folder = save_snapshot(frames, tmp_path / "snap", extra={"refresh_history": []})
    manifest = read_manifest(folder)
    assert list(manifest) == [
        "format",
        "schema_version",
        "library_version",
        "created_at",
        "agent_ids",
        "host",
        "fetched_at",
        "server_counts",
        "query",
        "files",
        "extra",
        "checksum",
    ]
    assert manifest["format"] == "roe-analysis-snapshot"
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["library_version"] == ra.__version__
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["agent_ids"] == [AGENT, AGENT_2]
    assert manifest["host"] == "api.roe-ai.com:8443"
    assert manifest["fetched_at"] == "2026-05-07T12:00:03.500000Z"
    assert manifest["server_counts"] == {AGENT: 3, AGENT_2: 4}
    assert manifest["extra"] == {"refresh_history": []}
    assert manifest["files"] == {
        name: {
            "file": f"{name}.parquet",
            "rows": getattr(frames, name).height,
            "bytes": (folder / f"{name}.parquet").stat().st_size,
            "sha256": hashlib.sha256((folder / f"{name}.parquet").read_bytes()).hexdigest(),
        }
        for name in FRAME_SCHEMAS
    }
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert manifest["checksum"] == "sha256:" + hashlib.sha256(canonical).hexdigest()


def test_frames_built_from_records_name_their_agents(tmp_path: Path) -> None:
    manifest = read_manifest(save_snapshot(rich_frames(), tmp_path / "snap"))
    assert (manifest["agent_ids"], manifest["host"], manifest["fetched_at"]) == ([AGENT], None, None)
    assert (manifest["query"], manifest["server_counts"]) == ({}, {})


def test_parquet_files_are_zstd_with_statistics(tmp_path: Path) -> None:
    folder = save_snapshot(rich_frames(), tmp_path / "snap")
    raw = (folder / "jobs.parquet").read_bytes()
    footer = raw[-8 - struct.unpack("<I", raw[-8:-4])[0] : -8]
    assert b"\x28\xb5\x2f\xfd" in raw  # zstd frames
    # With statistics, the (uncompressed) footer holds each column's min and max.
    assert b"00000000-0000-4000-8000-000000000003" in footer


def test_the_query_the_client_records_survives_a_save(tmp_path: Path) -> None:
    # If the loader starts recording a new key, it must be allow-listed here or it is silently dropped.
    from roe_analysis.api import JobQuery
    from roe_analysis.client import AgentLoad, LoadReport, describe_load

    report = LoadReport(agent_id=AGENT, server_count=0, window_end="2026-05-07T12:00:01.000000Z")
    query = JobQuery.build(created_from="2026-05-01T00:00:00Z", metadata={"customer": "acme"})
    description = describe_load(
        [AgentLoad(report)],
        query,
        base_url="http://127.0.0.1:8123",
        organization_id=ORG,
        started=datetime.now(UTC),
        requests=0,
        retries=0,
        complete=True,
    )
    frames = ra.JobFrames.from_tables(query=description)
    manifest = read_manifest(save_snapshot(frames, tmp_path / "snap"))
    expected = {k: v for k, v in frames.query.items() if k != "base_url"} | {"host": "127.0.0.1:8123"}
    assert manifest["query"] == expected
    assert FAKE_KEY.encode() not in (tmp_path / "snap" / "manifest.json").read_bytes()


# ---------------------------------------------------------------------------------------------
# The API key
# ---------------------------------------------------------------------------------------------


def test_the_api_key_never_reaches_a_written_byte(tmp_path: Path) -> None:
    frames = with_query(rich_frames(), loaded_query(agent_count=2))
    save_snapshot(frames, tmp_path / "snap", extra={"refresh_history": [{"at": "2026-05-08T00:00:00Z"}]})
    save_snapshot(frames, tmp_path / "snap")  # an overwrite, too
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(p.name for p in written) == sorted(ALL_FILES)
    for path in written:
        raw = path.read_bytes()
        assert FAKE_KEY.encode() not in raw, path
        assert b"analyst" not in raw, path
    for name in FRAME_FILES.values():  # and not in the decoded frames or Parquet key/value metadata
        assert FAKE_KEY not in str(pl.read_parquet_metadata(tmp_path / "snap" / name))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"api_key": FAKE_KEY}, r"extra\['api_key'\] looks like a credential"),
        ({"refresh": [{"headers": {"Authorization": "x"}}]}, r"\['Authorization'\] looks like a credential"),
        ({"client": Secret(FAKE_KEY)}, r"extra\['client'\] is a Secret"),
        ({"when": datetime(2026, 5, 1)}, "naive datetime"),
        ({"ratio": float("nan")}, "JSON cannot hold"),
        ({"frame": pl.DataFrame()}, "is a DataFrame, which a snapshot manifest cannot hold"),
        ({1: "x"}, "keys must be strings"),
    ],
)
def test_bad_extra_is_refused_before_anything_is_written(tmp_path: Path, extra: Any, message: str) -> None:
    with pytest.raises(ra.InvalidArgumentError, match=message) as info:
        save_snapshot(rich_frames(), tmp_path / "snap", extra=extra)
    assert FAKE_KEY not in str(info.value)
    assert entries(tmp_path) == []


def test_extra_is_kept_as_json(tmp_path: Path) -> None:
    extra = {"refresh_history": [{"at": datetime(2026, 5, 8, tzinfo=UTC), "added": 3, "path": Path("a/b")}]}
    manifest = read_manifest(save_snapshot(ra.JobFrames.empty(), tmp_path / "snap", extra=extra))
    assert manifest["extra"] == {"refresh_history": [{"at": "2026-05-08T00:00:00.000000Z", "added": 3, "path": "a/b"}]}


# ---------------------------------------------------------------------------------------------
# Refusing damaged and foreign snapshots
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return save_snapshot(with_query(rich_frames(), loaded_query()), tmp_path / "snap")


@pytest.mark.parametrize("file_name", list(FRAME_FILES.values()))
def test_a_flipped_byte_in_a_frame_file_is_refused_naming_it(snap: Path, file_name: str) -> None:
    flip_byte(snap / file_name, (snap / file_name).stat().st_size // 2)
    with pytest.raises(SnapshotCorruptedError, match=rf"{file_name} in .* does not match its SHA-256"):
        load_snapshot(snap)
    with pytest.raises(SnapshotCorruptedError, match=rf"{file_name} in .* does not match its SHA-256"):
        scan_snapshot(snap)


def test_every_flipped_bit_of_the_manifest_is_refused(snap: Path) -> None:
    path = snap / "manifest.json"
    original = path.read_bytes()
    for offset in range(len(original)):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(SnapshotError):
            load_snapshot(snap)
    path.write_bytes(original)
    load_snapshot(snap)


def test_a_hand_edited_manifest_is_refused(snap: Path) -> None:
    rewrite_manifest(snap, lambda m: m["query"]["filters"].update(search="something else"), reseal=False)
    with pytest.raises(SnapshotCorruptedError, match="changed or damaged after it was written"):
        load_snapshot(snap)


@pytest.mark.parametrize("file_name", list(FRAME_FILES.values()))
def test_a_missing_frame_file_is_named(snap: Path, file_name: str) -> None:
    (snap / file_name).unlink()
    with pytest.raises(SnapshotCorruptedError, match=rf"is missing {file_name}: the snapshot is incomplete"):
        load_snapshot(snap)
    with pytest.raises(SnapshotCorruptedError, match=rf"is missing {file_name}"):
        scan_snapshot(snap, verify_hashes=False)


def test_a_missing_manifest_is_not_a_snapshot(snap: Path) -> None:
    (snap / "manifest.json").unlink()
    with pytest.raises(SnapshotNotFoundError, match=r"has no manifest.json \(it holds jobs.parquet"):
        load_snapshot(snap)


def test_a_truncated_file_is_refused_by_its_size(snap: Path) -> None:
    path = snap / "inputs.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SnapshotCorruptedError, match=r"inputs.parquet in .* bytes but manifest.json records"):
        scan_snapshot(snap, verify_hashes=False)


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"{not json", SnapshotCorruptedError, "is not valid JSON"),
        (b"\xff\xfe{}", SnapshotCorruptedError, "is not valid JSON"),
        (b"[1, 2]", SnapshotCorruptedError, "is not a JSON object"),
        (b"", SnapshotCorruptedError, "is not valid JSON"),
        (b'{"name": "my-app", "version": "1.0"}', SnapshotFormatError, "has format None"),
        (b'{"format": "delta-lake"}', SnapshotFormatError, "has format 'delta-lake'"),
    ],
)
def test_a_bad_or_foreign_manifest_is_refused(snap: Path, content: bytes, error: type, message: str) -> None:
    (snap / "manifest.json").write_bytes(content)
    with pytest.raises(error, match=message):
        load_snapshot(snap)
    with pytest.raises(error, match=message):
        scan_snapshot(snap)


@pytest.mark.parametrize("reseal", [True, False])
def test_a_future_schema_version_asks_for_an_upgrade(snap: Path, reseal: bool) -> None:
    def newer(m: dict[str, Any]) -> None:
        m.update(schema_version=SCHEMA_VERSION + 1, library_version="9.0.0")

    rewrite_manifest(snap, newer, reseal=reseal)
    message = rf"written by a newer roe-analysis \(9.0.0, schema {SCHEMA_VERSION + 1}\).*upgrade roe-analysis"
    with pytest.raises(SnapshotVersionError, match=message):
        load_snapshot(snap)
    with pytest.raises(SnapshotVersionError, match=message):
        read_manifest(snap)


def test_an_unknown_older_schema_version_is_refused(snap: Path) -> None:
    rewrite_manifest(snap, lambda m: m.update(schema_version=0))
    with pytest.raises(SnapshotVersionError, match="written with snapshot schema 0"):
        load_snapshot(snap)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m["files"]["jobs"].update(rows=4), r"jobs.parquet in .* holds 3 rows but manifest.json records 4"),
        (lambda m: m["files"]["metadata"].update(rows=-1), "gives metadata.parquet -1 rows"),
        (lambda m: m["files"]["inputs"].update(file="../../etc/passwd"), "lists '../../etc/passwd' for `inputs`"),
        (lambda m: m["files"].pop("status_events"), "does not list status_events.parquet"),
        (lambda m: m["files"]["jobs"].update(sha256="abc"), "no valid SHA-256 for jobs.parquet"),
        (lambda m: m["files"]["jobs"].update(rows=True), "no valid `rows`"),
        (lambda m: m.pop("query"), "no valid `query`"),
        (lambda m: m.update(schema_version="1"), "no valid `schema_version`"),
    ],
)
def test_a_manifest_that_disagrees_or_lacks_fields_is_refused(
    snap: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    rewrite_manifest(snap, edit)
    with pytest.raises(SnapshotCorruptedError, match=message):
        load_snapshot(snap)


def test_a_file_with_the_wrong_schema_is_refused(snap: Path) -> None:
    # Same bytes as the manifest records, but not the frame it should be.
    path = snap / "metadata.parquet"
    pl.DataFrame({"job_id": ["x"], "value": ["y"]}).write_parquet(path)
    rewrite_manifest(
        snap,
        lambda m: m["files"]["metadata"].update(
            bytes=path.stat().st_size, sha256=hashlib.sha256(path.read_bytes()).hexdigest()
        ),
    )
    with pytest.raises(SnapshotCorruptedError, match=r"metadata.parquet in .* has columns \['job_id', 'value'\]"):
        load_snapshot(snap)
    with pytest.raises(SnapshotCorruptedError, match=r"metadata.parquet in .* has columns"):
        scan_snapshot(snap)


def test_no_snapshot_at_the_path(tmp_path: Path) -> None:
    with pytest.raises(SnapshotNotFoundError, match="the folder does not exist") as info:
        load_snapshot(tmp_path / "nope")
    assert isinstance(info.value, FileNotFoundError)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(SnapshotNotFoundError, match="is a file"):
        load_snapshot(tmp_path / "file.txt")


def test_the_manifest_path_itself_is_accepted(snap: Path) -> None:
    assert load_snapshot(snap / "manifest.json").query["snapshot"]["path"] == str(snap)


# ---------------------------------------------------------------------------------------------
# Atomic saves
# ---------------------------------------------------------------------------------------------


def fail_on_call(n: int, exc: BaseException, real: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise exc
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    ("target", "call", "exc"),
    [
        ((_snapshot, "_write_frame"), 2, OSError(28, "No space left on device")),
        ((_snapshot, "_write_frame"), 4, KeyboardInterrupt()),
        ((_snapshot, "write_manifest"), 1, KeyboardInterrupt()),
        ((_atomic, "_fsync_tree"), 1, OSError(5, "Input/output error")),
    ],
)
def test_a_crash_mid_save_leaves_the_old_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: tuple[Any, str], call: int, exc: BaseException
) -> None:
    old = rich_frames()
    folder = save_snapshot(old, tmp_path / "snap")
    module, name = target
    monkeypatch.setattr(module, name, fail_on_call(call, exc, getattr(module, name)))
    with pytest.raises(type(exc)):
        save_snapshot(ra.JobFrames.empty(), folder)
    assert entries(tmp_path) == ["snap"]
    assert_frames_equal(load_snapshot(folder), old)


def test_a_crash_on_the_first_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_snapshot, "_write_frame", fail_on_call(3, KeyboardInterrupt(), _snapshot._write_frame))
    with pytest.raises(KeyboardInterrupt):
        save_snapshot(rich_frames(), tmp_path / "snap")
    assert entries(tmp_path) == []


def test_a_failed_swap_puts_the_old_snapshot_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = rich_frames()
    folder = save_snapshot(old, tmp_path / "snap")
    # Rename 1 moves the old snapshot aside, rename 2 would move the new one in.
    monkeypatch.setattr(os, "rename", fail_on_call(2, OSError(18, "Invalid cross-device link"), os.rename))
    with pytest.raises(OSError, match="cross-device"):
        save_snapshot(ra.JobFrames.empty(), folder)
    monkeypatch.undo()
    assert entries(tmp_path) == ["snap"]
    assert_frames_equal(load_snapshot(folder), old)


def test_when_the_old_snapshot_cannot_be_put_back_the_error_says_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = rich_frames()
    folder = save_snapshot(old, tmp_path / "snap")
    real = os.rename
    calls = 0

    def rename(src: Any, dst: Any) -> None:
        nonlocal calls
        calls += 1
        if calls >= 2:
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(SnapshotError, match=r"it is intact at .*\.snap\.old-[0-9a-f]+; rename that folder to snap"):
        save_snapshot(ra.JobFrames.empty(), folder)
    monkeypatch.undo()
    [leftover] = entries(tmp_path)
    assert leftover.startswith(".snap.old-")
    with pytest.raises(SnapshotNotFoundError, match=rf"left the previous snapshot at .*{leftover}: rename it to snap"):
        load_snapshot(folder)
    assert_frames_equal(load_snapshot(tmp_path / leftover), old)


def test_a_hard_crash_before_the_manifest_leaves_nothing_that_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A killed process cleans nothing up: what it leaves behind must not load.
    monkeypatch.setattr(_atomic.shutil, "rmtree", lambda *a, **k: None)
    monkeypatch.setattr(_snapshot, "write_manifest", fail_on_call(1, SystemExit(), _manifest.write_manifest))
    with pytest.raises(SystemExit):
        save_snapshot(rich_frames(), tmp_path / "snap")
    monkeypatch.undo()
    [temp] = entries(tmp_path)
    assert temp.startswith(".snap.tmp-")
    with pytest.raises(SnapshotNotFoundError, match=r"left \.snap\.tmp-"):
        load_snapshot(tmp_path / "snap")
    with pytest.raises(SnapshotNotFoundError, match="no manifest: not a complete snapshot"):
        load_snapshot(tmp_path / temp)


def test_overwrite_replaces_a_snapshot_and_leaves_nothing_behind(tmp_path: Path, large_frames: ra.JobFrames) -> None:
    folder = save_snapshot(large_frames, tmp_path / "snap")
    save_snapshot(rich_frames(), folder)
    assert entries(tmp_path) == ["snap"]
    assert_frames_equal(load_snapshot(folder), rich_frames())


def test_overwrite_false_refuses_an_existing_snapshot(snap: Path) -> None:
    with pytest.raises(SnapshotOverwriteError, match="already holds a snapshot; pass overwrite=True"):
        save_snapshot(ra.JobFrames.empty(), snap, overwrite=False)
    assert load_snapshot(snap).jobs.height == 3


def test_an_empty_folder_is_filled(tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    save_snapshot(rich_frames(), tmp_path / "snap", overwrite=False)
    assert load_snapshot(tmp_path / "snap").jobs.height == 3


@pytest.mark.parametrize("manifest", [None, b'{"format": "other"}', b"garbage"])
def test_a_folder_that_is_not_a_snapshot_is_never_replaced(tmp_path: Path, manifest: bytes | None) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    if manifest is not None:
        (home / "manifest.json").write_bytes(manifest)
    with pytest.raises(SnapshotOverwriteError, match=r"refusing to replace .*home: it is not a roe-analysis snapshot"):
        save_snapshot(rich_frames(), home)
    assert (home / "thesis.tex").read_text() == "years of work"
    assert entries(tmp_path) == ["home"]


def test_a_file_or_a_link_is_never_replaced(tmp_path: Path, snap: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(SnapshotOverwriteError, match="is a file, not a snapshot folder"):
        save_snapshot(rich_frames(), tmp_path / "notes.txt")
    (tmp_path / "link").symlink_to(snap)
    with pytest.raises(SnapshotOverwriteError, match="is a symbolic link"):
        save_snapshot(rich_frames(), tmp_path / "link")
    assert (tmp_path / "notes.txt").read_text() == "keep"
    assert (tmp_path / "link").is_symlink()


def test_a_non_snapshot_appearing_during_the_save_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    with pytest.raises(SnapshotOverwriteError, match="not a roe-analysis snapshot"), atomic_folder(target) as temp:
        (temp / "manifest.json").write_text('{"format": "roe-analysis-snapshot"}')
        target.mkdir()
        (target / "data.csv").write_text("a,b")
    assert entries(tmp_path) == ["snap"]
    assert entries(target) == ["data.csv"]


def test_a_snapshot_is_as_readable_as_any_new_folder(tmp_path: Path) -> None:
    # Temporary folders are private (0o700); a snapshot shared with reviewers must follow the umask.
    umask = os.umask(0o022)
    try:
        folder = save_snapshot(ra.JobFrames.empty(), tmp_path / "snap")
    finally:
        os.umask(umask)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert {(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {0o644}


def test_leftover_names_with_glob_characters_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_atomic, "_fsync_tree", fail_on_call(1, SystemExit(), _atomic._fsync_tree))
    monkeypatch.setattr(_atomic.shutil, "rmtree", lambda *a, **k: None)
    with pytest.raises(SystemExit):
        save_snapshot(ra.JobFrames.empty(), tmp_path / "snap[1]")
    monkeypatch.undo()
    with pytest.raises(SnapshotNotFoundError, match=r"left \.snap\[1\]\.tmp-[0-9a-f]+ in"):
        load_snapshot(tmp_path / "snap[1]")


def test_parent_folders_are_created(tmp_path: Path) -> None:
    folder = save_snapshot(ra.JobFrames.empty(), tmp_path / "a" / "b" / "snap")
    assert entries(folder) == sorted(ALL_FILES)


# ---------------------------------------------------------------------------------------------
# Lazy scans
# ---------------------------------------------------------------------------------------------


def test_scan_then_collect_equals_load(tmp_path: Path, large_frames: ra.JobFrames) -> None:
    folder = save_snapshot(with_query(large_frames, loaded_query()), tmp_path / "snap")
    lazy = scan_snapshot(folder)
    loaded = load_snapshot(folder)
    assert isinstance(lazy, LazySnapshot)
    assert all(isinstance(getattr(lazy, name), pl.LazyFrame) for name in FRAME_SCHEMAS)
    assert all(getattr(lazy, name).collect_schema() == schema for name, schema in FRAME_SCHEMAS.items())
    result = lazy.collect()
    assert_frames_equal(result, loaded)
    assert result.query == loaded.query == lazy.query
    assert lazy.manifest == read_manifest(folder)
    assert repr(lazy) == (
        f"LazySnapshot('{folder}', jobs=20000, status_events=40000, inputs=20000, metadata=40000, "
        "results=0, outputs=0, versions=0)"
    )


def test_scan_pushes_filters_down(snap: Path) -> None:
    lazy = scan_snapshot(snap)
    result = lazy.jobs.filter(pl.col("status") == "UNKNOWN").select("id", "status_code").collect()
    assert result.rows() == [("00000000-0000-4000-8000-000000000002", 42)]


def test_scan_without_hashes_skips_the_hash_but_not_the_size(snap: Path) -> None:
    flip_byte(snap / "jobs.parquet", 200)
    scan_snapshot(snap, verify_hashes=False)
    with pytest.raises(SnapshotCorruptedError, match=r"jobs\.parquet in .* does not match its SHA-256"):
        scan_snapshot(snap, verify_hashes=True)


def test_collect_refuses_files_changed_since_the_scan(snap: Path) -> None:
    lazy = scan_snapshot(snap)
    save_snapshot(ra.JobFrames.empty(), snap)
    with pytest.raises(SnapshotError, match=r"jobs.parquet changed since it was scanned; scan it again"):
        lazy.collect()


# ---------------------------------------------------------------------------------------------
# Info
# ---------------------------------------------------------------------------------------------


def test_snapshot_info_summarises_the_manifest(tmp_path: Path) -> None:
    frames = with_query(rich_frames(), loaded_query(agent_count=2))
    history = [{"at": "2026-05-08T09:00:00.000000Z", "added": 2, "updated": 1}]
    folder = save_snapshot(frames, tmp_path / "snap", extra={"refresh_history": history, "checkpoint": {}})
    manifest = read_manifest(folder)
    size = sum(entry["bytes"] for entry in manifest["files"].values())
    expected = f"""\
snapshot      {folder}
agents        {AGENT} (server count 3)
              {AGENT_2} (server count 4)
host          api.roe-ai.com:8443
window        2026-05-01T00:00:00.000000Z → 2026-05-07T12:00:01.000000Z (pinned at load)
fetched at    2026-05-07T12:00:03.500000Z
complete      yes
rows          jobs 3 · status_events 3 · inputs 2 · metadata 4 · results 0 · outputs 0 · versions 0
size          {size / 1000:,.1f} kB (7 Parquet files, SHA-256 checked on load)
written by    roe-analysis {ra.__version__}, schema {SCHEMA_VERSION}, at {manifest["created_at"]}
refreshes     1
  - at=2026-05-08T09:00:00.000000Z, added=2, updated=1
extra         checkpoint"""
    assert snapshot_info(folder) == expected


def test_snapshot_info_refuses_what_load_refuses(snap: Path) -> None:
    rewrite_manifest(snap, lambda m: m.update(schema_version=SCHEMA_VERSION + 1))
    with pytest.raises(SnapshotVersionError, match="upgrade"):
        snapshot_info(snap)
