"""The loader against the sandbox over real HTTP: every job exactly once, under every fault."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import traceback
import warnings
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.sandbox import Sandbox


@pytest.fixture
def sb(roe_sandbox: Sandbox) -> Sandbox:
    return roe_sandbox


def truth_ids(sb: Sandbox, agent: str) -> list[str]:
    return [j["id"] for j in sb.jobs(agent)]


def loaded_ids(frames: ra.JobFrames) -> list[str]:
    return frames.jobs.get_column("id").to_list()


def jobs_requests(sb: Sandbox) -> list[dict[str, str]]:
    return [r.query for r in sb.requests if r.path.endswith("/jobs/")]


@pytest.mark.parametrize("agent", ["demo", "small", "single", "empty", "large"])
def test_every_job_of_every_agent_arrives_exactly_once_in_server_order(
    sb: Sandbox, client: ra.RoeClient, agent: str
) -> None:
    frames = client.load_jobs(sb.agents[agent], progress=False)
    assert loaded_ids(frames) == truth_ids(sb, agent)
    assert frames.jobs.get_column("agent_id").unique().to_list() in ([sb.agents[agent]], [])


def test_pages_after_the_first_are_fetched_with_a_pinned_window_and_stable_ordering(
    sb: Sandbox, client: ra.RoeClient
) -> None:
    frames = client.load_jobs(sb.agents["demo"], progress=False)
    requests = jobs_requests(sb)
    assert sorted(int(q["page"]) for q in requests) == list(range(1, 16))
    first = next(q for q in requests if q["page"] == "1")
    assert "created_to" not in first
    window_end = frames.query["agents"][0]["window_end"]
    assert {q["created_to"] for q in requests if q["page"] != "1"} == {window_end}
    assert {q["ordering"] for q in requests} == {"-created_at,-id"}
    assert {q["organization_id"] for q in requests} == {sb.organization_id}
    assert frames.query["requests"] == 15 and frames.query["retries"] == 0


@pytest.mark.parametrize(("agent", "page_size", "requests"), [("small", 1, 40), ("small", 7, 6), ("demo", 100, 15)])
def test_any_page_size_gives_every_job_once(
    sb: Sandbox, client: ra.RoeClient, agent: str, page_size: int, requests: int
) -> None:
    frames = client.load_jobs(sb.agents[agent], page_size=page_size, progress=False)
    assert loaded_ids(frames) == truth_ids(sb, agent)
    assert len(jobs_requests(sb)) == requests


def test_page_size_above_the_server_cap_uses_what_the_server_returned(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], page_size=500, progress=False)
    assert loaded_ids(frames) == truth_ids(sb, "demo")
    # 1,500 jobs at the server's cap of 100 per page: 15 pages, none past the end.
    assert len(jobs_requests(sb)) == 15
    assert frames.query["agents"][0]["page_size_used"] == 100


@pytest.mark.parametrize(
    "ordering",
    [["created_at"], ["-grader_score"], ["agent_version_name", "-duration"], ["cost"], ["-last_updated_at"], ["id"]],
)
def test_custom_orderings_give_every_job_once_in_the_servers_order(
    sb: Sandbox, client: ra.RoeClient, ordering: list[str]
) -> None:
    frames = client.load_jobs(sb.agents["demo"], ordering=ordering, page_size=64, progress=False)
    ids = loaded_ids(frames)
    assert sorted(ids) == sorted(truth_ids(sb, "demo"))
    raw = [
        j["id"] for page in client.iter_pages(sb.agents["demo"], ordering=ordering, page_size=64) for j in page.results
    ]
    assert ids == raw


def _created(job: dict) -> datetime:
    return datetime.fromisoformat(job["created_at"])


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        ({"status_code": [3, 4]}, lambda j: j["status_code"] in (3, 4)),
        ({"status_code": "CACHED"}, lambda j: j["status_code"] == 6),
        ({"version_name": "v2.0"}, lambda j: j["agent_version_name"] == "v2.0"),
        ({"metadata": {"region": "eu-west"}}, lambda j: j["metadata"].get("region") == "eu-west"),
        (
            {"created_from": "2026-05-01T00:00:00Z", "created_to": datetime(2026, 5, 10, tzinfo=UTC)},
            lambda j: datetime(2026, 5, 1, tzinfo=UTC) <= _created(j) <= datetime(2026, 5, 10, tzinfo=UTC),
        ),
        (
            {"verdict": "Needs Escalation"},
            lambda j: (
                "Needs Escalation"
                in {(j["ui_fields"] or {}).get("verdict"), (j["feedback_review"] or {}).get("corrected_verdict")}
            ),
        ),
        (
            {"search": "V2.0"},
            lambda j: (
                j["agent_version_name"] == "v2.0"
                or any("v2.0" in (i["value"] or "").lower() for i in j["job_inputs"])
                or "v2.0" in j["id"]
            ),
        ),
    ],
)
def test_filters_select_exactly_the_matching_jobs(sb: Sandbox, client: ra.RoeClient, filters: dict, keep) -> None:
    expected = [j["id"] for j in sb.jobs("demo") if keep(j)]
    assert expected, "the filter should match something in the seeded data"
    frames = client.load_jobs(sb.agents["demo"], page_size=50, progress=False, **filters)
    assert loaded_ids(frames) == expected


def test_job_id_job_inputs_and_exclude_metadata(sb: Sandbox, client: ra.RoeClient) -> None:
    target = sb.jobs("demo")[123]
    one = client.load_jobs(sb.agents["demo"], job_id=target["id"], progress=False)
    assert loaded_ids(one) == [target["id"]]
    value = target["job_inputs"][0]["value"][:25]
    by_input = client.load_jobs(sb.agents["demo"], job_inputs=value, progress=False)
    assert target["id"] in loaded_ids(by_input)
    assert loaded_ids(by_input) == [
        j["id"] for j in sb.jobs("demo") if any(value in (i["value"] or "") for i in j["job_inputs"])
    ]
    bare = client.load_jobs(sb.agents["small"], exclude_metadata=True, progress=False)
    assert bare.metadata.height == 0 and bare.jobs.get_column("n_metadata").sum() == 0


def test_semantic_string_returns_the_servers_matches(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], semantic_string="refund invoice", progress=False)
    raw = [j["id"] for p in client.iter_pages(sb.agents["demo"], semantic_string="refund invoice") for j in p.results]
    assert loaded_ids(frames) == raw
    assert 0 < len(raw) < 1500


def test_several_agents_are_concatenated_and_told_apart(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs([sb.agents["small"], sb.agents["single"], sb.agents["empty"]], progress=False)
    assert loaded_ids(frames) == truth_ids(sb, "small") + truth_ids(sb, "single")
    counts = frames.jobs.group_by("agent_id").len().sort("agent_id").rows()
    assert counts == sorted([(sb.agents["small"], 40), (sb.agents["single"], 1)])
    assert [a["server_count"] for a in frames.query["agents"]] == [40, 1, 0]


def test_schema_is_identical_for_empty_single_and_largest(sb: Sandbox, client: ra.RoeClient) -> None:
    for agent in ("empty", "single", "large"):
        frames = client.load_jobs(sb.agents[agent], progress=False)
        for name, schema in FRAME_SCHEMAS.items():
            assert getattr(frames, name).schema == schema, (agent, name)


def test_from_records_gives_the_same_frames_as_load_jobs(sb: Sandbox, client: ra.RoeClient) -> None:
    loaded = client.load_jobs(sb.agents["demo"], progress=False)
    given = ra.JobFrames.from_records(sb.jobs("demo"), agent_id=sb.agents["demo"])
    for name in FRAME_SCHEMAS:
        assert_frame_equal(getattr(loaded, name), getattr(given, name))


def test_special_cases_arrive_intact(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], progress=False)
    special = sb.special_job_ids
    truth = {j["id"]: j for j in sb.jobs("demo")}
    null_ts = frames.status_events.filter(pl.col("job_id") == special["null_event_timestamp"])
    assert null_ts.get_column("timestamp").null_count() == 1
    big = frames.inputs.filter(pl.col("job_id") == special["large_input"]).get_column("value").str.len_bytes().max()
    assert big == max(len(i["value"].encode()) for i in truth[special["large_input"]]["job_inputs"])
    html = frames.jobs.filter(pl.col("id") == special["html_injection"]).get_column("ui_fields").item()
    assert json.loads(html) == truth[special["html_injection"]]["ui_fields"]
    order = frames.status_events.filter(pl.col("job_id") == special["events_out_of_order"])
    served = [e["status_code"] for e in truth[special["events_out_of_order"]]["status_events"]]
    assert order.sort("event_index").get_column("status_code").to_list() == served


# -- faults -------------------------------------------------------------------------------------------


def test_429_waits_exactly_what_retry_after_says(sb: Sandbox, client: ra.RoeClient) -> None:
    sb.set_faults("429:every=8,retry_after=1,times=3")
    frames = client.load_jobs(sb.agents["demo"], progress=False)
    assert loaded_ids(frames) == truth_ids(sb, "demo")
    statuses = [r.status for r in sb.requests]
    assert statuses.count(429) == frames.query["retries"] > 0
    assert client.stats.waited_seconds == pytest.approx(1.0 * statuses.count(429))


# `times=5` keeps each fault from firing more often than one page may retry (max_retries=5): with
# eight pages in flight an unbounded "every=2" can land on the same page six times running.
@pytest.mark.parametrize(
    "fault",
    [
        "500:every=3,times=5",
        "502:every=4,html=1,times=5",
        "503:every=2,times=5",
        "504:every=5,times=5",
        "drop:every=3,times=5",
        "truncate:every=4,times=5",
        "truncate:every=4,mode=json,times=5",
        "latency=30ms:every=2",
    ],
)
def test_transient_faults_are_retried_and_nothing_is_lost(sb: Sandbox, client: ra.RoeClient, fault: str) -> None:
    sb.set_faults(fault)
    frames = client.load_jobs(sb.agents["demo"], progress=False)
    assert loaded_ids(frames) == truth_ids(sb, "demo")
    if not fault.startswith("latency"):
        # Every faulted response was retried once, and nothing else was.
        faulted = sum(1 for r in sb.requests if r.fault is not None)
        assert frames.query["retries"] == faulted > 0


def test_inserts_while_paging_neither_duplicate_nor_leak_into_the_window(sb: Sandbox, client: ra.RoeClient) -> None:
    before = set(truth_ids(sb, "demo"))
    sb.set_faults("insert=7:after=1")
    frames = client.load_jobs(sb.agents["demo"], progress=False)
    ids = loaded_ids(frames)
    assert len(ids) == len(set(ids))
    window_end = datetime.fromisoformat(frames.query["agents"][0]["window_end"])
    in_window = {j["id"] for j in sb.jobs("demo") if _created(j) <= window_end}
    assert set(ids) == in_window
    assert before <= set(ids)
    assert len(sb.jobs("demo")) > len(before)


def test_deletes_while_paging_never_lose_a_surviving_job(sb: Sandbox, client: ra.RoeClient) -> None:
    before = set(truth_ids(sb, "demo"))
    sb.set_faults("delete=3:after=1,times=4")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = client.load_jobs(sb.agents["demo"], progress=False)
    ids = loaded_ids(frames)
    survivors = set(truth_ids(sb, "demo"))
    assert len(survivors) == len(before) - 12
    assert len(ids) == len(set(ids))
    # A re-fetch pass saw one unchanging result set, so the frames are exactly the jobs that survived.
    assert set(ids) == survivors
    assert frames.query["agents"][0]["reconcile_passes"] >= 1
    assert frames.query["agents"][0]["missing"] == 0
    # The chosen pass saw each job once; re-fetched pages are not "duplicates".
    assert frames.query["agents"][0]["duplicates_dropped"] == 0


def test_a_page_that_keeps_failing_raises_naming_it_and_keeps_what_was_fetched(sb: Sandbox, make_client: Any) -> None:
    client = make_client(sb, max_retries=2)
    sb.set_faults("500:after=3")
    with pytest.raises(ra.ServerError) as info:
        client.load_jobs(sb.agents["demo"], progress=False)
    err = info.value
    assert err.status_code == 500 and err.attempts == 3 and err.page is not None
    assert f"(page {err.page}, after 3 attempts)" in str(err)
    assert err.partial is not None and err.partial.query["complete"] is False
    partial_ids = set(loaded_ids(err.partial))
    assert partial_ids and partial_ids <= set(truth_ids(sb, "demo"))
    client.close()


def test_count_at_the_limit_cap_warns_how_to_get_older_jobs(sb: Sandbox, client: ra.RoeClient) -> None:
    with pytest.warns(ra.LimitReachedWarning, match=r"counted 250 jobs, which is its `limit` cap of 250.*limit=0"):
        frames = client.load_jobs(sb.agents["demo"], limit=250, progress=False)
    assert loaded_ids(frames) == truth_ids(sb, "demo")[:250]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.load_jobs(sb.agents["demo"], limit=0, progress=False).jobs.height == 1500


# -- errors -------------------------------------------------------------------------------------------


def test_error_classes_carry_the_servers_message(sb: Sandbox, client: ra.RoeClient) -> None:
    with pytest.raises(ra.AgentNotFoundError) as missing:
        client.load_jobs("00000000-0000-4000-8000-000000000000", progress=False)
    assert (
        missing.value.status_code == 404 and missing.value.message == sb.jobs_error_message(404)
        if hasattr(sb, "jobs_error_message")
        else missing.value.message
    )
    with pytest.raises(ra.PermissionDeniedError) as forbidden:
        client.load_jobs(sb.forbidden_agent_id, progress=False)
    assert forbidden.value.status_code == 403 and forbidden.value.attempts == 1
    bad_key = ra.RoeClient(api_key="wrong", organization_id=sb.organization_id, base_url=sb.base_url, environ={})
    with pytest.raises(ra.AuthenticationError) as unauth:
        bad_key.load_jobs(sb.agents["small"], progress=False)
    assert unauth.value.status_code == 401 and "wrong" not in str(unauth.value)
    bad_key.close()
    other_org = ra.RoeClient(
        api_key=sb.api_key, organization_id="00000000-0000-4000-8000-0000000000ff", base_url=sb.base_url, environ={}
    )
    with pytest.raises(ra.PermissionDeniedError):
        other_org.load_jobs(sb.agents["small"], progress=False)
    other_org.close()


def test_messages_are_read_from_detail_too(roe_sandbox_factory, make_client: Any) -> None:
    sb = roe_sandbox_factory(error_style="detail")
    client = make_client(sb)
    with pytest.raises(ra.AgentNotFoundError) as info:
        client.load_jobs("00000000-0000-4000-8000-000000000000", progress=False)
    assert isinstance(info.value.body, dict) and set(info.value.body) == {"detail"}
    assert info.value.message == info.value.body["detail"]
    client.close()


def test_bad_arguments_send_no_request(sb: Sandbox, client: ra.RoeClient) -> None:
    with pytest.raises(ra.InvalidArgumentError):
        client.load_jobs(sb.agents["demo"], ordering=["-score"], progress=False)
    with pytest.raises(ra.InvalidArgumentError):
        client.iter_pages("demo")
    assert sb.requests == []


def test_legacy_shape_gives_null_review_state_and_creator(roe_sandbox_factory, make_client: Any) -> None:
    sb = roe_sandbox_factory(legacy_shape=True)
    client = make_client(sb)
    frames = client.load_jobs(sb.agents["small"], progress=False)
    assert frames.jobs.get_column("review_state").null_count() == 40
    assert frames.jobs.get_column("creator_email").null_count() == 40
    client.close()


# -- the key never shows ------------------------------------------------------------------------------


def test_the_key_never_appears_in_repr_logs_errors_or_tracebacks(
    sb: Sandbox, caplog: pytest.LogCaptureFixture, make_client: Any
) -> None:
    client = make_client(sb, max_retries=1)
    key = sb.api_key
    caplog.set_level(logging.DEBUG)
    sb.set_faults("503:after=2")
    with pytest.raises(ra.ServerError) as info:
        client.load_jobs(sb.agents["demo"], progress=False)
    text = "".join(traceback.format_exception(info.value))
    assert key not in text
    assert key not in repr(info.value) and key not in str(info.value.request)
    assert key not in repr(client) and key not in str(client)
    assert key not in caplog.text
    assert any("GET" in r.getMessage() for r in caplog.records)
    assert info.value.partial is not None and key not in json.dumps(info.value.partial.query)
    # The request handed to the caller no longer carries the header (pickles, reporters, dict(headers)).
    assert "authorization" not in info.value.request.headers
    assert key.encode() not in pickle.dumps(info.value.request)
    sb.set_faults(None)
    pages = list(make_client(sb).iter_pages(sb.agents["small"], page_size=20))
    assert all("authorization" not in page.request.headers for page in pages)
    client.close()


# -- iter_pages, async twin -----------------------------------------------------------------------------


def test_iter_pages_yields_raw_pages_in_order(sb: Sandbox, client: ra.RoeClient) -> None:
    pages = list(client.iter_pages(sb.agents["small"], page_size=15))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.count for p in pages] == [40, 40, 40]
    assert [j["id"] for p in pages for j in p.results] == truth_ids(sb, "small")
    assert pages[0].results[0] == sb.jobs("small")[0]
    assert pages[1].request.url.params["page"] == "2"


def test_async_client_loads_the_same_frames(sb: Sandbox, client: ra.RoeClient) -> None:
    async def main() -> ra.JobFrames:
        async with ra.AsyncRoeClient(
            api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
        ) as aclient:
            pages = [p.number async for p in aclient.iter_pages(sb.agents["small"], page_size=20)]
            assert pages == [1, 2]
            return await aclient.load_jobs(sb.agents["demo"], progress=False)

    frames = asyncio.run(main())
    sync = client.load_jobs(sb.agents["demo"], progress=False)
    assert_frame_equal(frames.jobs, sync.jobs)


def test_sync_client_works_inside_a_running_event_loop(sb: Sandbox, client: ra.RoeClient) -> None:
    async def inside() -> int:
        return client.load_jobs(sb.agents["small"], progress=False).jobs.height

    assert asyncio.run(inside()) == 40


def test_interrupting_a_sync_load_stops_its_requests(sb: Sandbox, client: ra.RoeClient) -> None:
    import os
    import signal
    import threading
    import time

    # 600 pages at 300 ms each, eight at a time, would take over 20 s: Ctrl-C lands mid-load,
    # as soon as the second wave of pages has been asked for.
    sb.set_faults("latency=300ms")
    started = threading.Event()

    def interrupt() -> None:
        deadline = time.monotonic() + 30
        while len(sb.requests) <= client.async_client.concurrency and time.monotonic() < deadline:
            time.sleep(0.005)
        started.set()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        client.load_jobs(sb.agents["large"], page_size=10, progress=False)
    assert started.is_set()
    settled = len(sb.requests)
    # Nothing announces that requests stopped: wait longer than two more waves would take.
    time.sleep(0.8)
    assert len(sb.requests) <= settled + client.async_client.concurrency
    after = len(sb.requests)
    time.sleep(0.8)
    assert len(sb.requests) == after < 600
