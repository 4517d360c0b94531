"""Writing a report file (`roe_analysis.report._files`): atomically, folders created, nothing left behind."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import roe_analysis as ra
from roe_analysis.report import _files, build_report, write_report


def test_write_report_creates_folders_and_replaces_the_file_whole(tmp_path: Path, generated_at: datetime) -> None:
    frames = ra.JobFrames.empty()
    target = tmp_path / "a" / "b" / "report.html"

    written = write_report(frames, target, generated_at=generated_at)
    target.write_text("old", encoding="utf-8")
    again = write_report(frames, target, title="<new>", generated_at=generated_at)

    assert written == again == target
    assert target.read_text(encoding="utf-8") == build_report(frames, title="<new>", generated_at=generated_at)
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def fail(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_files.os, "replace", fail)
    with pytest.raises(PermissionError) as info:
        write_report(ra.JobFrames.empty(), target)

    assert info.value.filename == str(target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
