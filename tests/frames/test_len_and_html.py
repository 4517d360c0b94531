"""`len(frames)` and `JobFrames._repr_html_` (issue 11): counts, versions, time range, escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import roe_analysis as ra

AGENT = "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11"
HOSTILE = '<script>alert("x")</script>'


def job(n: int, version: str, status: int, created: str) -> dict[str, object]:
    return {
        "id": f"9a1f2c3e-0000-4000-8000-00000000000{n}",
        "agent_version_name": version,
        "status_code": status,
        "created_at": created,
        "last_updated_at": created,
    }


def frames() -> ra.JobFrames:
    return ra.JobFrames.from_records(
        [
            job(1, "v1.0", 3, "2026-05-01T09:00:00Z"),
            job(2, HOSTILE, 4, "2026-05-02T10:30:00Z"),
            job(3, "v1.0", 3, "2026-05-03T11:45:00Z"),
        ],
        agent_id=AGENT,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_len_is_the_number_of_jobs() -> None:
    f = frames()
    assert len(f) == 3 == f.jobs.height
    assert len(ra.JobFrames.empty()) == 0


def test_repr_html_shows_agents_versions_range_and_counts_escaped() -> None:
    page = frames()._repr_html_()
    parsed = _Text()
    parsed.feed(page)
    text = "".join(parsed.text)
    assert "script" not in parsed.tags  # the hostile version name is text, not markup
    assert "JobFrames: 3 jobs of 1 agent" in text
    assert AGENT in text
    assert f"v1.0, {HOSTILE}" in text  # versions in order of first appearance (the id tiebreak keeps load order)
    assert "2026-05-01 09:00 UTC – 2026-05-03 11:45 UTC" in text
    assert "SUCCESS 2, FAILURE 1" in text
    assert "0 status events, 0 inputs, 0 metadata pairs" in text


def test_repr_html_of_empty_frames() -> None:
    assert ra.JobFrames.empty()._repr_html_() == (
        '<div class="roe-jobframes"><strong>JobFrames</strong>: 0 jobs of 0 agents<p>No jobs.</p></div>'
    )
