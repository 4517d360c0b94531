"""Mutations for incremental-refresh tests: each one changes what is served and bumps last_updated_at."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from roe_analysis.sandbox import REVIEWERS, Sandbox

Fetch = Callable[..., httpx.Response]
FIXED = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def frozen(roe_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A small sandbox whose clock stands still at 13:00 UTC (readings still increase by 1 µs)."""
    return roe_sandbox_factory(clock=lambda: FIXED, sizes={"demo": 40, "large": 10})


@pytest.fixture
def frozen_client(frozen: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.base_url, headers={"Authorization": f"Bearer {frozen.api_key}"}) as client:
        yield client


def test_the_clock_is_strictly_increasing_at_microsecond_resolution(frozen: Sandbox) -> None:
    readings = [frozen.now() for _ in range(3)]
    assert readings == [FIXED + timedelta(microseconds=n) for n in (0, 1, 2)]
    wall = Sandbox(sizes={"demo": 0, "large": 0, "small": 0})
    first, second = wall.now(), wall.now()
    assert first < second and abs(first - datetime.now(UTC)) < timedelta(seconds=5)


def test_create_job_defaults_to_a_just_submitted_job(frozen: Sandbox, frozen_client: httpx.Client) -> None:
    job = frozen.create_job("small")
    assert job["status_code"] == 0 and job["duration_ms"] is None
    assert [e["status_code"] for e in job["status_events"]] == [0]
    assert at(job["created_at"]) == at(job["last_updated_at"]) == FIXED
    assert (job["ui_fields"], job["evaluation"], job["feedback_review"], job["review_state"]) == (
        {},
        None,
        None,
        "unreviewed",
    )
    body = frozen_client.get(f"/v1/agents/{frozen.agents['small']}/jobs/").json()
    assert body["count"] == 41
    assert body["results"][0] == job
    assert frozen.jobs("small")[0] == job


def test_create_job_overrides(frozen: Sandbox) -> None:
    job = frozen.create_job(
        "demo",
        id="00000000-0000-4000-8000-000000000001",
        status_code=3,
        agent_version_name="v3.0-beta",
        metadata={"customer": "acme"},
        feedback_review={
            "review_status": "rejected",
            "corrected_verdict": "Suspicious",
            "review_comment": "",
            "reviewed_at": "2026-06-01T13:00:00Z",
            "reviewed_by": REVIEWERS[1].email,
        },
    )
    assert job["id"] == "00000000-0000-4000-8000-000000000001"
    assert job["status_code"] == 3 and job["duration_ms"] == 2000
    assert job["agent_version_name"] == "v3.0-beta" and job["metadata"] == {"customer": "acme"}
    assert job["review_state"] == "disagreed"
    assert job["ui_fields"]["verdict"] in ("Suspicious", "Not Suspicious", "Needs Escalation")
    old = frozen.create_job("demo", created_at="2026-04-10T08:00:00Z")
    assert old["created_at"] == "2026-04-10T08:00:00Z"
    assert at(old["last_updated_at"]) > FIXED
    with pytest.raises(ValueError, match="already exists"):
        frozen.create_job("demo", id=job["id"])
    with pytest.raises(TypeError, match="cannot set"):
        frozen.create_job("demo", duration_ms=5)
    with pytest.raises(KeyError, match="no sandbox agent"):
        frozen.create_job("nobody")


def test_update_job_status_appends_an_event(frozen: Sandbox, frozen_client: httpx.Client) -> None:
    job = frozen.create_job("small")
    started = frozen.update_job(job["id"], status_code=1)
    done = frozen.update_job(job["id"], status_code=4, error_message="Boom", error_details={"stage": "tool"})
    assert [e["status_code"] for e in done["status_events"]] == [0, 1, 4]
    assert done["status_events"][-1]["error_message"] == "Boom"
    assert done["duration_ms"] == 0  # 2 µs on the frozen clock, truncated to whole milliseconds
    assert at(job["last_updated_at"]) < at(started["last_updated_at"]) < at(done["last_updated_at"])
    served = frozen_client.get(f"/v1/agents/{frozen.agents['small']}/jobs/", params={"job_id": job["id"]}).json()
    assert served["results"] == [done]
    with pytest.raises(TypeError, match="go with a status_code"):
        frozen.update_job(job["id"], error_message="orphan")
    with pytest.raises(KeyError):
        frozen.update_job("00000000-0000-4000-8000-00000000dead", status_code=3)


def test_trailing_cache_hit_keeps_the_status(frozen: Sandbox) -> None:
    job = frozen.create_job("small", status_code=3)
    hit = frozen.update_job(job["id"], status_code=6, count=2)
    assert hit["status_code"] == 3 and hit["duration_ms"] == job["duration_ms"]
    assert hit["status_events"][-1] == {"timestamp": hit["last_updated_at"], "status_code": 6, "count": 2}


def test_evaluate_review_delete(sb: Sandbox, fetch: Fetch) -> None:
    target = next(job for job in sb.jobs("demo") if job["evaluation"] is None and job["status_code"] == 3)
    evaluated = sb.evaluate(target["id"], grader_score=0.42)
    assert evaluated["evaluation"]["grader_score"] == 0.42 and evaluated["evaluation"]["human_score"] is None
    rescored = sb.evaluate(target["id"], human_score=0.9, feedback="ok")
    assert (rescored["evaluation"]["grader_score"], rescored["evaluation"]["human_score"]) == (0.42, 0.9)
    assert rescored["evaluation"]["created_at"] == evaluated["evaluation"]["created_at"]
    assert at(rescored["evaluation"]["updated_at"]) > at(evaluated["evaluation"]["updated_at"])

    correction = "Needs Escalation" if target["ui_fields"]["verdict"] != "Needs Escalation" else "Suspicious"
    reviewed = sb.review(target["id"], status="rejected", corrected_verdict=correction, reviewed_by="x@y.example")
    assert reviewed["review_state"] == "disagreed"
    assert reviewed["feedback_review"]["reviewed_at"] == reviewed["last_updated_at"]
    assert target["id"] in [
        job["id"] for job in fetch("demo", verdict=correction, page_size=100, job_id=target["id"]).json()["results"]
    ]
    assert fetch("demo", job_id=target["id"], review_state="disagreed").json()["count"] == 1
    pending = sb.review(target["id"], status="pending")
    assert pending["review_state"] == "unreviewed" and pending["feedback_review"]["reviewed_by"] is None
    with pytest.raises(ValueError, match="review status"):
        sb.review(target["id"], status="maybe")

    before = fetch("demo").json()["count"]
    sb.delete_job(target["id"])
    assert fetch("demo").json()["count"] == before - 1
    assert fetch("demo", job_id=target["id"]).json()["count"] == 0
    with pytest.raises(KeyError):
        sb.delete_job(target["id"])


def test_mutations_move_the_job_in_last_updated_order(sb: Sandbox, fetch: Fetch) -> None:
    oldest = fetch("small", ordering="last_updated_at").json()["results"][0]
    sb.update_job(oldest["id"], metadata={"customer": "acme", "note": "touched"})
    newest = fetch("small", ordering="-last_updated_at").json()["results"][0]
    assert newest["id"] == oldest["id"] and newest["metadata"]["note"] == "touched"


def test_reset_restores_the_seeded_data(sb: Sandbox) -> None:
    seeded = sb.jobs("small")
    sb.create_job("small")
    sb.delete_job(seeded[0]["id"])
    sb.set_faults("500")
    sb.reset()
    assert sb.jobs("small") == seeded
    assert not sb.active_faults and sb.requests == []


def test_concurrent_mutations_and_reads(sb: Sandbox) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(25):
                sb.create_job("single")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            with httpx.Client(headers={"Authorization": f"Bearer {sb.api_key}"}) as client:
                for _ in range(25):
                    body = client.get(sb.jobs_url("single"), params={"page_size": 100}).json()
                    assert len(body["results"]) == min(body["count"], 100)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=target) for target in (writer, writer, writer, reader, reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    jobs = sb.jobs("single")
    assert len(jobs) == 76
    stamps = [at(job["last_updated_at"]) for job in jobs[:75]]
    assert len(set(stamps)) == 75
