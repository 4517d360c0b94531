"""Files we did not write are never deleted, and a hostile manifest is a `SnapshotError`, never a crash.

Named cases first (a user's notes in a snapshot folder, a fake manifest, deep nesting, wrong types,
huge numbers, what a save refuses to write), then a generated suite over manifest contents and
folder states: loading, scanning, summarising and saving over the folder either succeed or raise
a `SnapshotError`, and no file the operation did not write is ever deleted or changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import roe_analysis as ra
from roe_analysis._schema import empty_tables
from roe_analysis.errors import (
    InvalidArgumentError,
    SnapshotCorruptedError,
    SnapshotError,
    SnapshotFormatError,
    SnapshotOverwriteError,
)
from roe_analysis.sandbox import Sandbox
from roe_analysis.storage import (
    FRAME_FILES,
    MANIFEST_NAME,
    PageStore,
    _manifest,
    _ownership,
    check_writable,
    checkpoint_dir,
    load_snapshot,
    read_manifest,
    save_snapshot,
    scan_snapshot,
    snapshot_info,
)
from roe_analysis.storage._layout import OWN_NAMES

AGENT = "2c1d6a4e-0000-4000-8000-00000000a9e7"
ORG = "3f2b1c0d-0000-4000-8000-0000000000c3"
NOTES = "my review notes: do not lose these"


def job(i: int) -> dict[str, object]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "agent_version_name": "v1",
        "status_code": 3,
        "created_at": f"2026-05-01T10:00:{i:02d}Z",
        "status_events": [{"timestamp": "2026-05-01T10:00:00Z", "status_code": 3}],
        "job_inputs": [{"key": "text", "description": "d", "data_type": "text/plain", "value": f"v{i}"}],
        "metadata": {"customer": "acme"},
        "ui_fields": {"verdict": "Suspicious"},
    }


def query() -> dict[str, Any]:
    """A `frames.query` shaped like a load's (no credentials: they are dropped anyway)."""
    return {
        "agent_ids": [AGENT],
        "base_url": "https://api.roe-ai.com",
        "organization_id": ORG,
        "filters": {"created_from": "2026-05-01T00:00:00.000000Z", "status_code": [3], "metadata": {"k": "v"}},
        "ordering_sent": ["-created_at", "-id"],
        "started_at": "2026-05-07T12:00:00.000000Z",
        "fetched_at": "2026-05-07T12:00:03.500000Z",
        "complete": True,
        "requests": 1,
        "retries": 0,
        "resumed_pages": 0,
        "agents": [
            {
                "agent_id": AGENT,
                "server_count": 3,
                "unique_jobs": 3,
                "pages": 1,
                "window_end": "2026-05-07T12:00:01.000000Z",
                "watermark": "2026-05-07T11:59:00.000000Z",
                "versions": [{"agent_id": AGENT, "version_name": "v1", "server_count": 3}],
            }
        ],
    }


def frames(n: int = 3) -> ra.JobFrames:
    built = ra.JobFrames.from_records([job(i) for i in range(n)], agent_id=AGENT)
    return ra.JobFrames(built.jobs, built.status_events, built.inputs, built.metadata, query())


def snapshot(folder: Path) -> Path:
    return frames().save(folder, extra={"refresh_history": [{"at": "2026-05-08T00:00:00Z", "added": 1}]})


def tree(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Everything under `root` (links not followed): kind and content by relative path."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir", b"")
            else:
                found[rel] = ("file", path.read_bytes())
    return found


def rewrite(folder: Path, edit: Callable[[dict[str, Any]], None], *, reseal: bool = True) -> None:
    path = folder / MANIFEST_NAME
    data = json.loads(path.read_text("utf-8"))
    edit(data)
    if reseal:
        data["checksum"] = _manifest._checksum(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")


def every_reader(folder: Path) -> list[Callable[[], object]]:
    return [
        lambda: load_snapshot(folder),
        lambda: scan_snapshot(folder).collect_tables(),
        lambda: scan_snapshot(folder, verify_hashes=False).collect_tables(),
        lambda: read_manifest(folder),
        lambda: snapshot_info(folder),
        lambda: ra.JobFrames.load(folder),
    ]


# ---------------------------------------------------------------------------------------------
# A user's file inside a snapshot folder
# ---------------------------------------------------------------------------------------------


def test_a_users_notes_inside_a_snapshot_survive_saving_over_it(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    (folder / "notes.txt").write_text(NOTES)
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError) as info:
        frames(1).save(folder)
    message = str(info.value)
    assert "notes.txt" in message
    assert "which roe-analysis did not write" in message
    assert "Move it out of" in message and "save the snapshot to another path" in message
    assert tree(tmp_path) == before  # nothing changed: not the notes, not the snapshot
    assert load_snapshot(folder).tables["jobs"].height == 3
    # overwrite=False names the stranger too, rather than suggesting overwrite=True.
    with pytest.raises(SnapshotOverwriteError, match=r"notes\.txt"):
        frames(1).save(folder, overwrite=False)
    # Once the notes are moved out, the save goes through and leaves only its own files.
    (folder / "notes.txt").rename(tmp_path / "notes.txt")
    frames(1).save(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(OWN_NAMES)
    assert (tmp_path / "notes.txt").read_text() == NOTES


def test_a_users_notes_survive_a_refresh_style_replacement(tmp_path: Path) -> None:
    # What refresh does: load the snapshot, then save the merged frames over the same path.
    folder = snapshot(tmp_path / "snap")
    (folder / "notes.txt").write_text(NOTES)
    loaded = ra.JobFrames.load(folder)
    with pytest.raises(SnapshotOverwriteError, match=r"it also holds notes\.txt, which roe-analysis did not write"):
        loaded.save(folder, extra={"refresh_history": []})
    assert (folder / "notes.txt").read_text() == NOTES
    assert ra.JobFrames.load(folder).jobs.height == 3


def test_a_users_notes_survive_a_real_refresh(roe_sandbox: Sandbox, client: ra.RoeClient, tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    client.load_jobs(roe_sandbox.agents["small"], progress=False).save(snap)
    (snap / "notes.txt").write_text(NOTES)
    before = tree(tmp_path)
    roe_sandbox.clear_requests()
    with pytest.raises(SnapshotOverwriteError, match=r"notes\.txt"):
        client.refresh(snap, progress=False)
    assert tree(tmp_path) == before
    assert roe_sandbox.requests == []  # refused before any request, not after a whole fetch


def test_a_fetch_into_a_snapshot_with_notes_is_refused_before_any_request(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    (folder / "notes.txt").write_text(NOTES)
    with pytest.raises(SnapshotOverwriteError, match=r"notes\.txt"):
        check_writable(folder)
    assert (folder / "notes.txt").read_text() == NOTES


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda f: (f / "sub").mkdir() or (f / "sub" / "a.txt").write_text("x"), "sub/a.txt"),
        (lambda f: (f / "sub" / "deeper").mkdir(parents=True), "sub/deeper/"),
        (lambda f: (f / "jobs.parquet.bak").write_bytes(b"x"), "jobs.parquet.bak"),
        (lambda f: (f / ".DS_Store").write_bytes(b"x"), ".DS_Store"),
        (lambda f: (f / "link").symlink_to(f.parent / "outside.txt"), "link (a symbolic link)"),
    ],
    ids=["file-in-folder", "empty-folder", "backup", "hidden", "link"],
)
def test_anything_else_in_a_snapshot_folder_is_named_and_kept(
    tmp_path: Path, make: Callable[[Path], object], named: str
) -> None:
    (tmp_path / "outside.txt").write_text(NOTES)
    folder = snapshot(tmp_path / "snap")
    make(folder)
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError) as info:
        save_snapshot(empty_tables(), folder)
    assert named in str(info.value)
    assert tree(tmp_path) == before


def test_many_strangers_are_listed_in_part(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    for i in range(20):
        (folder / f"note-{i:02d}.txt").write_text("x")
    with pytest.raises(SnapshotOverwriteError, match=r"note-00\.txt, .*note-04\.txt and more, which") as info:
        save_snapshot(empty_tables(), folder)
    assert "note-06.txt" not in str(info.value)
    assert len(list(folder.iterdir())) == 20 + 7 + 1  # the notes, the frames and the manifest


def test_a_data_file_replaced_by_a_link_is_not_ours(tmp_path: Path) -> None:
    # The link points at an identical copy: loading reads through it, but a save never wrote a link.
    folder = snapshot(tmp_path / "snap")
    outside = tmp_path / "mine.parquet"
    shutil.copyfile(folder / "jobs.parquet", outside)
    (folder / "jobs.parquet").unlink()
    (folder / "jobs.parquet").symlink_to(outside)
    assert load_snapshot(folder).tables["jobs"].height == 3
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match=r"jobs\.parquet \(a symbolic link\)"):
        save_snapshot(empty_tables(), folder)
    assert tree(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# A folder whose manifest claims the format but whose files do not match
# ---------------------------------------------------------------------------------------------


def test_a_folder_with_a_fake_manifest_is_not_wiped(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    (home / MANIFEST_NAME).write_text('{"format": "roe-analysis-snapshot"}')
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match="says it is a roe-analysis snapshot, but it does not check out"):
        save_snapshot(empty_tables(), home)
    with pytest.raises(SnapshotOverwriteError, match="does not check out"):
        check_writable(home)
    assert tree(tmp_path) == before


def test_a_copied_manifest_over_other_files_is_not_wiped(tmp_path: Path) -> None:
    # A valid, sealed manifest of another snapshot, beside files of the same names that are not its.
    real = snapshot(tmp_path / "real")
    home = tmp_path / "home"
    home.mkdir()
    for name in FRAME_FILES.values():
        (home / name).write_bytes(b"a user's own file with a snapshot file's name")
    shutil.copyfile(real / MANIFEST_NAME, home / MANIFEST_NAME)
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match=r"does not check out \(.*parquet is .* bytes"):
        save_snapshot(empty_tables(), home)
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: (f / "inputs.parquet").unlink(), "inputs.parquet is missing"),
        (lambda f: _flip(f / "jobs.parquet"), r"jobs\.parquet does not match its SHA-256"),
        (lambda f: rewrite(f, lambda m: m["query"].update(requests="4")), "no valid `requests`"),
        (lambda f: rewrite(f, lambda m: m.update(note="x"), reseal=False), "changed or damaged"),
    ],
    ids=["missing", "flipped", "wrong-type", "unsealed"],
)
def test_a_snapshot_that_does_not_match_its_manifest_is_not_replaced(
    tmp_path: Path, damage: Callable[[Path], object], reason: str
) -> None:
    folder = snapshot(tmp_path / "snap")
    damage(folder)
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match=rf"does not check out \(.*{reason}"):
        save_snapshot(empty_tables(), folder)
    assert tree(tmp_path) == before


def _flip(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_file_that_appears_during_the_swap_is_kept(tmp_path: Path) -> None:
    # The race a check cannot close: something lands in the old folder after it was verified.
    folder = snapshot(tmp_path / "snap")
    stamps = _ownership.check_replaceable(folder, overwrite=True)
    assert stamps is not None
    (folder / "late.txt").write_text(NOTES)
    (folder / "jobs.parquet").write_bytes(b"rewritten after the check")
    kept = _ownership.remove_replaced(folder, stamps)
    assert kept == ["jobs.parquet", "late.txt"]
    assert sorted(p.name for p in folder.iterdir()) == ["jobs.parquet", "late.txt"]


def test_a_save_that_races_a_new_file_keeps_it_and_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = snapshot(tmp_path / "snap")
    real = os.rename

    def rename(src: Any, dst: Any) -> None:
        real(src, dst)
        if Path(dst).name.startswith(".snap.old-"):
            (Path(dst) / "late.txt").write_text(NOTES)  # lands after the last check

    monkeypatch.setattr(os, "rename", rename)
    with pytest.warns(ra.RoeWarning, match=r"\.snap\.old-[0-9a-f]+, also held late\.txt .* so it was kept"):
        save_snapshot(empty_tables(), folder)
    monkeypatch.undo()
    [old] = [p for p in tmp_path.iterdir() if p.name != "snap"]
    assert tree(old) == {"late.txt": ("file", NOTES.encode())}
    assert load_snapshot(folder).tables["jobs"].height == 0


# ---------------------------------------------------------------------------------------------
# Hostile manifests: a SnapshotError naming the problem, never a RecursionError or TypeError
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_a_deeply_nested_manifest_is_refused(tmp_path: Path, depth: int) -> None:
    folder = snapshot(tmp_path / "snap")
    text = (folder / MANIFEST_NAME).read_text()
    (folder / MANIFEST_NAME).write_text(
        text.replace('"extra": {', '"extra": {"deep": ' + "[" * depth + "]" * depth + ", ", 1)
    )
    for read in every_reader(folder):
        with pytest.raises(SnapshotCorruptedError, match="more than 64 levels deep"):
            read()
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match=r"not a roe-analysis snapshot.*more than 64 levels deep"):
        save_snapshot(empty_tables(), folder)
    assert tree(tmp_path) == before


def test_a_whole_manifest_of_nesting_is_refused(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    (folder / MANIFEST_NAME).write_text('{"a":' * 50_000 + "1" + "}" * 50_000)
    with pytest.raises(SnapshotCorruptedError, match="more than 64 levels deep"):
        load_snapshot(folder)


def _lists(depth: int) -> Any:
    deep: Any = "bottom"
    for _ in range(depth):
        deep = [deep]
    return deep


def test_nesting_a_save_writes_is_read(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, lambda m: m["extra"].update(deep=_lists(31)))  # with `extra` itself, 32 levels
    assert load_snapshot(folder).query["snapshot"]["extra"]["deep"] == _lists(31)


@pytest.mark.parametrize(
    ("edit", "part"),
    [
        (lambda m: m["extra"].update(deep=_lists(32)), "extra"),
        (lambda m: m["query"]["filters"].update(metadata={"k": _lists(32)}), "query.filters.metadata"),
    ],
)
def test_nesting_deeper_than_a_save_writes_is_refused(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], part: str
) -> None:
    # Within the parser's bound, but a refresh could not save it again.
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, edit)
    for read in every_reader(folder):
        with pytest.raises(SnapshotCorruptedError, match=rf"nests `{part}` more than 32 levels deep"):
            read()


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, lambda m: m["extra"].update(text='[{"\\' * 500))
    assert load_snapshot(folder).query["snapshot"]["extra"]["text"] == '[{"\\' * 500


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda m: m.update(query=[]), r"`query` \(Expected `object`, got `array` at \$\.query\)"),
        (lambda m: m["query"].update(filters=["created_from"]), r"`filters` .* at \$\.query\.filters"),
        (lambda m: m["query"].update(agents=[None]), r"`agents` .* at \$\.query\.agents\[0\]"),
        (lambda m: m["query"].update(agents={"agent_id": AGENT}), r"`agents`"),
        (lambda m: m["query"]["agents"][0].pop("agent_id"), r"`agent_id` .* at \$\.query\.agents\[0\]\.agent_id"),
        (lambda m: m["query"]["agents"][0].update(watermark=7), r"`watermark`"),
        (lambda m: m["query"]["agents"][0].update(versions=[[]]), r"`versions`"),
        (lambda m: m["query"].update(requests="4"), r"`requests`"),
        (lambda m: m["query"].update(complete="yes"), r"`complete`"),
        (lambda m: m["query"].update(agent_ids=AGENT), r"`agent_ids` .* at \$\.query\.agent_ids"),
        (lambda m: m.update(agent_ids=[1]), r"`agent_ids` .* at \$\.agent_ids\[0\]"),
        (lambda m: m.update(server_counts={AGENT: "3"}), r"`server_counts`"),
        (lambda m: m.update(server_counts=[3]), r"`server_counts`"),
        (lambda m: m.update(extra=["note"]), r"`extra`"),
        (lambda m: m.update(created_at=5), r"`created_at`"),
        (lambda m: m.update(library_version=None), r"`library_version`"),
        (lambda m: m.update(host=["a"]), r"`host`"),
        (lambda m: m["files"]["jobs"].update(rows=1.5), r"`rows` .* at \$\.files\.jobs\.rows"),
        (lambda m: m["files"]["jobs"].update(bytes="12"), r"`bytes`"),
        (lambda m: m["files"]["jobs"].update(sha256=None), r"`sha256`"),
        (lambda m: m["files"]["jobs"].update(file=["jobs.parquet"]), r"`file`"),
        (lambda m: m["files"]["jobs"].update(path="/etc/passwd"), r"unknown field `path`"),
        (lambda m: m["files"].update(notes={"file": "notes.txt"}), r"unknown field `notes`"),
        (lambda m: m["files"].update(jobs="jobs.parquet"), r"does not list jobs\.parquet"),
        (lambda m: m.update(files=[]), r"`files`"),
    ],
)
def test_a_wrong_typed_field_is_refused_naming_it(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], field: str
) -> None:
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, edit)
    for read in every_reader(folder):
        with pytest.raises(SnapshotCorruptedError, match=field):
            read()
    before = tree(tmp_path)
    with pytest.raises(SnapshotOverwriteError, match="does not check out"):
        save_snapshot(empty_tables(), folder)
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('"rows": 1' + "0" * 40, r"holds an integer beyond 64 bits at \$\.files\.\w+\.rows"),
        ('"rows": 1' + "0" * 5_000, "holds a number no snapshot manifest holds"),
        ('"rows": -9223372036854775809', "holds an integer beyond 64 bits"),
        ('"rows": 1e999', "holds a number no snapshot manifest holds"),
        ('"rows": NaN', "is not valid JSON"),
        ('"rows": "\\ud800"', "is not valid JSON"),
    ],
)
def test_huge_numbers_and_bad_text_are_refused(tmp_path: Path, raw: str, message: str) -> None:
    folder = snapshot(tmp_path / "snap")
    text = (folder / MANIFEST_NAME).read_text()
    start = text.index('"rows": ')
    end = text.index(",", start)
    (folder / MANIFEST_NAME).write_text(text[:start] + raw + text[end:])
    for read in every_reader(folder):
        with pytest.raises(SnapshotCorruptedError, match=message):
            read()


def test_a_huge_format_value_is_cut_short_in_the_message(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, lambda m: m.update(format="x" * 1_000_000))
    with pytest.raises(SnapshotFormatError) as info:
        load_snapshot(folder)
    assert len(str(info.value)) < 500


def test_huge_but_valid_counts_are_refused_by_the_files(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "snap")
    rewrite(folder, lambda m: m["files"]["jobs"].update(rows=2**64 - 1))
    with pytest.raises(SnapshotCorruptedError, match="records 18,446,744,073,709,551,615"):
        load_snapshot(folder)


# ---------------------------------------------------------------------------------------------
# A save writes only what a load reads back
# ---------------------------------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def _self_containing() -> Any:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    return loop


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"deep": _nested(40)}, "nested more than 32 levels deep"),
        ({"deep": _nested(5_000)}, "nested more than 32 levels deep"),
        ({"loop": _self_containing()}, "contains itself"),
        ({"big": 2**64}, "integer beyond 64 bits"),
        ({"small": -(2**63) - 1}, "integer beyond 64 bits"),
        ({"text": "\ud800"}, "not valid Unicode"),
        ({"\udfff": 1}, "not valid Unicode"),
    ],
)
def test_extra_a_load_could_not_read_is_refused_before_writing(tmp_path: Path, extra: Any, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        save_snapshot(empty_tables(), tmp_path / "snap", extra=extra)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("recorded", "message"),
    [
        ({"requests": "many"}, r"Expected `int \| null`, got `str` at query\.requests"),
        ({"agents": [None]}, r"at query\.agents\[0\]"),
        ({"agents": [{"server_count": 3}]}, r"required field `agent_id`"),
        ({"agents": None}, r"at query\.agents"),
        ({"agent_ids": "one"}, r"at query\.agent_ids"),
        ({"filters": {"metadata": _nested(40)}}, "nested more than 32 levels deep"),
    ],
)
def test_a_query_a_load_could_not_read_is_refused_before_writing(
    tmp_path: Path, recorded: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        save_snapshot(empty_tables(), tmp_path / "snap", query=recorded)
    assert list(tmp_path.iterdir()) == []


def test_the_deepest_extra_a_save_writes_is_read_back(tmp_path: Path) -> None:
    extra = {"deep": _nested(31), "big": 2**64 - 1, "small": -(2**63), "float": 1.7976931348623157e308}
    folder = save_snapshot(empty_tables(), tmp_path / "snap", query=query(), extra=extra)
    assert load_snapshot(folder).query["snapshot"]["extra"] == extra


def test_frames_without_agent_ids_save_and_load(tmp_path: Path) -> None:
    tables = empty_tables()
    folder = save_snapshot(tables, tmp_path / "snap", query={"complete": None, "filters": None})
    assert read_manifest(folder)["agent_ids"] == []


# ---------------------------------------------------------------------------------------------
# Checkpoints delete only their own pages
# ---------------------------------------------------------------------------------------------


def test_removing_a_checkpoint_keeps_what_it_did_not_write(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "snap", {"agent_ids": [AGENT]})
    store.put(AGENT, 1, b"{}")
    store.put(AGENT, 2, b"{}")
    store.set_agent_state(AGENT, {"count": 2})
    folder = checkpoint_dir(tmp_path / "snap")
    (folder / "notes.txt").write_text(NOTES)
    (folder / AGENT / "page-0000001.json.orig").write_text(NOTES)
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "page-0000001.json").write_text(NOTES)
    store.remove()
    assert tree(folder) == {
        "notes.txt": ("file", NOTES.encode()),
        AGENT: ("dir", b""),
        f"{AGENT}/page-0000001.json.orig": ("file", NOTES.encode()),
        "elsewhere": ("dir", b""),
        "elsewhere/page-0000001.json": ("file", NOTES.encode()),
    }


def test_removing_a_clean_checkpoint_removes_its_folder(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "snap", {"agent_ids": [AGENT]})
    store.put(AGENT, 1, b"{}")
    store.set_agent_state(AGENT, {"count": 1})
    store.remove()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("state", [b"[]", b'{"identity": {"agent_ids": []}, "agents": []}', b"[" * 100_000])
def test_a_damaged_checkpoint_state_is_an_invalid_argument(tmp_path: Path, state: bytes) -> None:
    folder = checkpoint_dir(tmp_path / "snap")
    folder.mkdir()
    (folder / "state.json").write_bytes(state)
    with pytest.raises(InvalidArgumentError, match="delete that folder to start over"):
        PageStore(tmp_path / "snap", {"agent_ids": []})


def test_a_checkpoint_key_cannot_leave_its_folder(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "snap", {"agent_ids": [AGENT]})
    with pytest.raises(InvalidArgumentError, match="plain name"):
        store.put("../escape", 1, b"{}")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Generated: manifest contents × folder states
# ---------------------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
_PATHS: list[tuple[str | int, ...]] = [
    ("format",),
    ("schema_version",),
    ("library_version",),
    ("created_at",),
    ("agent_ids",),
    ("agent_ids", 0),
    ("host",),
    ("fetched_at",),
    ("server_counts",),
    ("server_counts", AGENT),
    ("query",),
    ("query", "filters"),
    ("query", "filters", "metadata"),
    ("query", "agents"),
    ("query", "agents", 0),
    ("query", "agents", 0, "agent_id"),
    ("query", "agents", 0, "watermark"),
    ("query", "agents", 0, "versions"),
    ("query", "agents", 0, "versions", 0),
    ("query", "requests"),
    ("query", "complete"),
    ("query", "agent_ids"),
    ("files",),
    ("files", "jobs"),
    ("files", "jobs", "rows"),
    ("files", "jobs", "bytes"),
    ("files", "inputs", "sha256"),
    ("files", "metadata", "file"),
    ("files", "notes"),
    ("files", "jobs", "path"),
    ("extra",),
    ("extra", "refresh_history"),
    ("extra", "refresh_history", 0),
    ("extra", "note"),
    ("extra", "refresh_history", 0, "note"),
    ("query", "filters", "search"),
    ("checksum",),
    ("unknown",),
]
_DEPTHS = [30, 62, 65, 300, 5_000]

_manifest_edits = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(_PATHS), _json, st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from(_PATHS), st.none(), st.booleans()),
    st.tuples(st.just("deep"), st.sampled_from(_PATHS), st.sampled_from(_DEPTHS), st.booleans()),
    st.tuples(st.just("replace"), st.just(()), _json, st.booleans()),
    st.tuples(st.just("bytes"), st.just(()), st.binary(max_size=40), st.just(False)),
)
# Edits a load accepts: a sealed manifest with other free-form values (64-bit integers only).
_benign_manifest_edits = st.tuples(
    st.just("set"),
    st.sampled_from([("extra", "note"), ("extra", "refresh_history", 0, "note"), ("query", "filters", "search")]),
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=6,
    ),
    st.just(True),
)
_names = st.sampled_from(
    ["notes.txt", ".DS_Store", "jobs.parquet.bak", "manifest.json.tmp", "sub", "a b", "é.txt", *OWN_NAMES]
) | st.text(alphabet="abc._-", min_size=1, max_size=6).filter(lambda n: n not in {".", ".."})
# Files and folders beside the snapshot folder, which no save may touch.
_beside = st.tuples(st.just("beside"), st.sampled_from([".snap.old-0", ".snap.tmp-0", ".snap.checkpoint", "snap.bak"]))
_folder_edits = st.one_of(
    st.tuples(st.just("file"), st.lists(_names, min_size=1, max_size=3)),
    st.tuples(st.just("folder"), st.lists(_names, min_size=1, max_size=3)),
    st.tuples(st.just("remove"), st.sampled_from(sorted(OWN_NAMES))),
    st.tuples(st.just("flip"), st.sampled_from(sorted(FRAME_FILES.values())), st.floats(0, 1)),
    st.tuples(st.just("truncate"), st.sampled_from(sorted(FRAME_FILES.values()))),
    st.tuples(st.just("link"), _names, st.sampled_from(["user file", "user folder", "copy", "nowhere"])),
    st.tuples(st.just("folder instead"), st.sampled_from(sorted(OWN_NAMES))),
    _beside,
)
# A third each: untouched, edits a load accepts, anything.
_manifest_cases = (
    st.just([]) | st.lists(_benign_manifest_edits, min_size=1, max_size=2) | st.lists(_manifest_edits, max_size=2)
)
_folder_cases = st.just([]) | st.lists(_beside, min_size=1, max_size=2) | st.lists(_folder_edits, max_size=3)


def _deep_value(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _set(data: Any, path: tuple[str | int, ...], value: Any, *, delete: bool) -> None:
    for key in path[:-1]:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return
    try:
        if delete:
            del data[path[-1]]
        else:
            data[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        return


def _edit_manifest(folder: Path, edit: tuple[Any, ...]) -> None:
    kind, path, value, reseal = edit
    target = folder / MANIFEST_NAME
    if kind == "bytes":
        target.write_bytes(value)
        return
    try:
        data = json.loads(target.read_text("utf-8"))
    except (ValueError, RecursionError):
        return  # an earlier edit left no JSON that Python's json can edit
    if kind == "replace":
        data = {"format": "roe-analysis-snapshot", "wrapped": value} if reseal else value
        target.write_text(json.dumps(data))
        return
    if kind == "deep" and value > 500:
        # Too deep for Python's own json to write: spliced in as text, so never sealed.
        _set(data, path, "@@DEEP@@", delete=False)
        text = json.dumps(data).replace('"@@DEEP@@"', "[" * value + "]" * value)
        target.write_text(text)
        return
    _set(data, path, _deep_value(value) if kind == "deep" else value, delete=kind == "delete")
    if reseal and isinstance(data, dict):
        data["checksum"] = _manifest._checksum(data)
    target.write_text(json.dumps(data))


def _edit_folder(root: Path, folder: Path, edit: tuple[Any, ...]) -> None:
    kind = edit[0]
    if kind in {"file", "folder"}:
        path = folder.joinpath(*edit[1])
        if path.exists() or path.is_symlink() or (path.parent.exists() and not path.parent.is_dir()):
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":
                path.write_text(NOTES)
            else:
                path.mkdir()
        except (FileExistsError, NotADirectoryError):
            return
    elif kind == "remove":
        if (folder / edit[1]).is_symlink() or (folder / edit[1]).is_file():
            (folder / edit[1]).unlink()
    elif kind == "flip" and (folder / edit[1]).is_file():
        raw = bytearray((folder / edit[1]).read_bytes())
        raw[min(int(edit[2] * len(raw)), len(raw) - 1)] ^= 0x01
        (folder / edit[1]).write_bytes(bytes(raw))
    elif kind == "truncate" and (folder / edit[1]).is_file():
        (folder / edit[1]).write_bytes((folder / edit[1]).read_bytes()[:-7])
    elif kind == "link":
        name, to = edit[1], edit[2]
        link = folder / name
        if link.is_symlink() or link.is_dir():
            return
        if to == "copy" and link.is_file():
            shutil.copyfile(link, root / "outside" / f"copy-of-{name}")
        link.unlink(missing_ok=True)
        points = {
            "user file": root / "outside" / "user.txt",
            "user folder": root / "outside",
            "copy": root / "outside" / f"copy-of-{name}",
            "nowhere": root / "outside" / "missing",
        }[to]
        link.symlink_to(points)
    elif kind == "beside":
        (root / edit[1]).mkdir(exist_ok=True)
        (root / edit[1] / "notes.txt").write_text(NOTES)
    elif kind == "folder instead":
        path = folder / edit[1]
        if path.is_file() and not path.is_symlink():
            path.unlink()
            path.mkdir()
            (path / "inside.txt").write_text(NOTES)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot(tmp_path_factory.mktemp("template") / "snap")


@settings(max_examples=100, deadline=None)
@given(manifest_edits=_manifest_cases, folder_edits=_folder_cases)
def test_generated_folders_never_lose_a_file_and_fail_only_with_snapshot_errors(
    tmp_path_factory: pytest.TempPathFactory,
    template: Path,
    manifest_edits: list[tuple[Any, ...]],
    folder_edits: list[tuple[Any, ...]],
) -> None:
    root = tmp_path_factory.mktemp("case")
    (root / "outside").mkdir()
    (root / "outside" / "user.txt").write_text(NOTES)
    folder = root / "snap"
    shutil.copytree(template, folder)
    for edit in manifest_edits:
        if (folder / MANIFEST_NAME).is_file() and not (folder / MANIFEST_NAME).is_symlink():
            _edit_manifest(folder, edit)
    for edit in folder_edits:
        _edit_folder(root, folder, edit)

    before = tree(root)
    for read in [*every_reader(folder), lambda: check_writable(folder)]:
        with contextlib.suppress(SnapshotError):
            read()
        assert tree(root) == before, "a read changed the folder"
    try:
        loaded_frames = ra.JobFrames.load(folder)
        loaded = True
    except SnapshotError as exc:
        event(f"load: {type(exc).__name__}")
        loaded = False
    else:
        # What a load gives back, a save (as a refresh does) writes again.
        try:
            loaded_frames.save(root / "copy", extra=loaded_frames.query["snapshot"]["extra"])
        except InvalidArgumentError as exc:
            assert "looks like a credential" in str(exc)
        else:
            assert ra.JobFrames.load(root / "copy").jobs.height == loaded_frames.jobs.height
        shutil.rmtree(root / "copy", ignore_errors=True)

    try:
        save_snapshot(empty_tables(), folder, query=query())
    except SnapshotError as exc:
        event(f"save: {type(exc).__name__}")
        assert tree(root) == before, "a refused save changed something"
        return
    event("save replaced the snapshot")
    after = tree(root)
    # A save that went through replaced a snapshot that loads, held nothing else, and kept every other file.
    assert loaded
    ours = {f"snap/{name}" for name in OWN_NAMES}
    assert {k: v for k, v in before.items() if k.startswith("snap/") and k not in ours} == {}
    assert {k: v for k, v in before.items() if k not in ours and after.get(k) != v} == {}
    assert sorted(p.name for p in folder.iterdir()) == sorted(OWN_NAMES)
    assert {p.name for p in root.iterdir()} == {k for k in before if "/" not in k}  # no temporary left beside
    assert load_snapshot(folder).tables["jobs"].height == 0
