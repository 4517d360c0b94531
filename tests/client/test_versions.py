"""Loading several versions at once: each paged apart, combined exactly, ordered as one load would be."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis.sandbox import Sandbox
from roe_analysis.storage import checkpoint_dir

#: Jobs per version of the seeded agents.
DEMO = {"v1.0": 524, "v1.1": 488, "v2.0": 484, "v2.1-canary": 4}
SMALL = {"v1.0": 15, "v1.1": 8, "v2.0": 16, "v2.1-canary": 1}


@pytest.fixture
def sb(roe_sandbox: Sandbox) -> Sandbox:
    return roe_sandbox


def ids(frames: ra.JobFrames) -> list[str]:
    return frames.jobs.get_column("id").to_list()


def jobs_queries(sb: Sandbox) -> list[dict[str, str]]:
    return [r.query for r in sb.requests if r.path.endswith("/jobs/")]


def only_versions(frames: ra.JobFrames, versions: list[str]) -> ra.JobFrames:
    """The rows of ``frames`` of these versions, in the order the server sent them."""
    return ra.filter_frames(frames, version_name=versions)


def test_the_seeded_version_counts(sb: Sandbox, client: ra.RoeClient) -> None:
    for agent, counts in (("demo", DEMO), ("small", SMALL)):
        for version, n in counts.items():
            assert client.load_jobs(sb.agents[agent], version_name=version, progress=False).jobs.height == n


def test_two_versions_give_exactly_the_union_of_the_single_loads(sb: Sandbox, client: ra.RoeClient) -> None:
    agent = sb.agents["demo"]
    v1 = client.load_jobs(agent, version_name="v1.0", progress=False)
    v2 = client.load_jobs(agent, version_name="v2.0", progress=False)
    sb.clear_requests()

    both = client.load_jobs(agent, version_name=["v1.0", "v2.0"], progress=False)

    assert both.jobs.height == 1_008 == DEMO["v1.0"] + DEMO["v2.0"]
    assert set(ids(both)) == set(ids(v1)) | set(ids(v2))
    assert both.jobs.get_column("id").is_unique().all()
    assert set(both.jobs.get_column("agent_version_name")) == {"v1.0", "v2.0"}
    # One request stream per version (6 + 5 pages of 100), each naming one version only.
    sent = jobs_queries(sb)
    assert sorted(q["version_name"] for q in sent) == ["v1.0"] * 6 + ["v2.0"] * 5
    assert both.query["filters"]["version_name"] == ["v1.0", "v2.0"]
    (entry,) = both.query["agents"]
    assert entry["server_count"] == entry["unique_jobs"] == 1_008 and entry["pages"] == 11
    assert [(v["version_name"], v["server_count"], v["pages"]) for v in entry["versions"]] == [
        ("v1.0", 524, 6),
        ("v2.0", 484, 5),
    ]


@pytest.mark.parametrize(
    "ordering",
    [None, ["created_at"], ["-grader_score"], ["duration", "-created_at"], ["agent_version_name", "-status_code"]],
)
def test_the_order_is_that_of_one_load_of_the_same_jobs(
    sb: Sandbox, client: ra.RoeClient, assert_same_frames: Any, ordering: list[str] | None
) -> None:
    agent = sb.agents["demo"]
    everything = client.load_jobs(agent, ordering=ordering, progress=False)
    versions = ["v2.0", "v1.0", "v2.1-canary"]

    several = client.load_jobs(agent, version_name=versions, ordering=ordering, progress=False)

    expected = only_versions(everything, versions)
    assert several.jobs.height == DEMO["v2.0"] + DEMO["v1.0"] + DEMO["v2.1-canary"] == 1_012
    assert ids(several) == ids(expected)
    # Events, inputs and metadata follow their jobs, row for row.
    assert_same_frames(several, expected)


def test_several_agents_and_several_versions(sb: Sandbox, client: ra.RoeClient) -> None:
    agents = [sb.agents["small"], sb.agents["demo"]]
    everything = client.load_jobs(agents, progress=False)

    frames = client.load_jobs(agents, version_name=["v1.1", "v2.1-canary"], progress=False)

    assert frames.jobs.height == SMALL["v1.1"] + SMALL["v2.1-canary"] + DEMO["v1.1"] + DEMO["v2.1-canary"] == 501
    assert ids(frames) == ids(only_versions(everything, ["v1.1", "v2.1-canary"]))
    assert [a["agent_id"] for a in frames.query["agents"]] == agents
    assert [a["unique_jobs"] for a in frames.query["agents"]] == [9, 492]


def test_a_single_item_list_loads_exactly_like_the_name(
    sb: Sandbox, client: ra.RoeClient, assert_same_frames: Any
) -> None:
    agent = sb.agents["demo"]
    one = client.load_jobs(agent, version_name="v2.0", progress=False)
    listed = client.load_jobs(agent, version_name=["v2.0", "v2.0"], progress=False)
    assert_same_frames(one, listed)
    assert listed.query["filters"]["version_name"] == "v2.0"
    assert "versions" not in listed.query["agents"][0]


def test_several_versions_are_fetched_at_once_within_the_concurrency(sb: Sandbox, make_client: Any) -> None:
    in_flight = peak = 0
    seen: set[str] = set()

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            seen.add(request.url.params["version_name"])
            try:
                await asyncio.sleep(0.01)
                return await self.inner.handle_async_request(request)
            finally:
                in_flight -= 1

        async def aclose(self) -> None:
            await self.inner.aclose()

    client = make_client(sb, transport=Counting(), concurrency=3)
    frames = client.load_jobs(sb.agents["demo"], version_name=["v1.0", "v1.1", "v2.0"], progress=False)
    assert frames.jobs.height == DEMO["v1.0"] + DEMO["v1.1"] + DEMO["v2.0"] == 1_496
    assert seen == {"v1.0", "v1.1", "v2.0"}
    assert peak == 3


class FailOnePage(httpx.AsyncBaseTransport):
    """The sandbox over HTTP, except a 500 for page 2 of version v2.0."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("version_name") == "v2.0" and params.get("page") == "2":
            return httpx.Response(500, json={"detail": "boom"}, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_failing_version_keeps_every_other_version_in_err_partial(
    sb: Sandbox, client: ra.RoeClient, make_client: Any
) -> None:
    agent = sb.agents["demo"]
    v1 = set(ids(client.load_jobs(agent, version_name="v1.0", progress=False)))
    v2 = ids(client.load_jobs(agent, version_name="v2.0", progress=False))
    failing = make_client(sb, max_retries=1, transport=FailOnePage())
    with pytest.raises(ra.ServerError) as info:
        failing.load_jobs(agent, version_name=["v1.0", "v2.0"], progress=False)

    err = info.value
    assert err.status_code == 500 and err.page == 2 and err.attempts == 2
    assert "version_name=v2.0" in str(err) and "(page 2, after 2 attempts)" in str(err)
    assert err.__notes__ == [
        f"while loading version_name 'v2.0' of agent {agent}: err.partial holds every job fetched "
        f"({len(ids(err.partial))} of agent {agent}), the versions that did not fail in full."
    ]
    got = set(ids(err.partial))
    # All of v1.0, page 1 of v2.0, never page 2 of v2.0 (later pages may or may not have landed).
    assert v1 <= got
    assert set(v2[:100]) <= got and not got & set(v2[100:200])
    assert got <= v1 | set(v2)
    assert err.partial.query["complete"] is False
    assert err.partial.query["filters"]["version_name"] == ["v1.0", "v2.0"]


def test_a_checkpointed_multi_version_load_resumes_and_saves(
    sb: Sandbox, client: ra.RoeClient, make_client: Any, tmp_path: Path, assert_same_frames: Any
) -> None:
    agent = sb.agents["demo"]
    snap = tmp_path / "snap"
    reference = client.load_jobs(agent, version_name=["v1.0", "v2.0"], progress=False)
    failing = make_client(sb, max_retries=0, transport=FailOnePage())
    with pytest.raises(ra.ServerError):
        failing.load_jobs(agent, version_name=["v1.0", "v2.0"], progress=False, checkpoint=snap)
    # Each version's pages are kept apart: all 6 of v1.0, and v2.0's page 1 at least.
    stored = {p.name: len(list(p.glob("page-*.json"))) for p in checkpoint_dir(snap).iterdir() if p.is_dir()}
    assert stored[f"{agent}.version-0"] == 6 and stored[f"{agent}.version-1"] >= 1

    sb.clear_requests()
    resumed = client.load_jobs(agent, version_name=["v1.0", "v2.0"], progress=False, checkpoint=snap)
    assert {q["version_name"] for q in jobs_queries(sb)} == {"v2.0"}
    assert resumed.query["resumed_pages"] == sum(stored.values())
    assert_same_frames(resumed, reference)
    saved = ra.JobFrames.load(snap)
    assert_same_frames(saved, reference)
    assert saved.query["filters"]["version_name"] == ["v1.0", "v2.0"]
    assert [v["version_name"] for v in saved.query["agents"][0]["versions"]] == ["v1.0", "v2.0"]


def test_refresh_refuses_a_multi_version_snapshot_before_any_request(
    sb: Sandbox, client: ra.RoeClient, tmp_path: Path
) -> None:
    snap = client.load_jobs(sb.agents["small"], version_name=["v1.0", "v2.0"], progress=False).save(tmp_path / "s")
    sb.clear_requests()
    with pytest.raises(ra.InvalidArgumentError) as info:
        client.refresh(snap, progress=False)
    assert str(info.value) == (
        f"{snap} was loaded with several versions (['v1.0', 'v2.0']), which refresh does not support: load it "
        f"again with load_jobs(..., version_name=['v1.0', 'v2.0'], checkpoint=...) (CLI: `roe-analysis fetch "
        f"... --force`), or keep one snapshot per version."
    )
    assert jobs_queries(sb) == []


def test_what_a_multi_version_load_cannot_do_is_refused_before_any_request(sb: Sandbox, client: ra.RoeClient) -> None:
    agent = sb.agents["small"]
    with pytest.raises(ra.InvalidArgumentError) as info:
        client.load_jobs(agent, version_name=["v1.0", "v2.0"], ordering=["-cost"], progress=False)
    assert str(info.value) == (
        "ordering by '-cost' cannot be combined across several versions (['v1.0', 'v2.0']): the frames hold no "
        "cost to sort the versions' jobs together by. Order by another key, or load each version on its own."
    )
    with pytest.raises(ra.InvalidArgumentError) as info:
        client.iter_pages(agent, version_name=["v1.0", "v2.0"])
    assert str(info.value) == (
        "iter_pages takes one version_name, got ['v1.0', 'v2.0']: each version is paged apart by the API, so "
        "call iter_pages once per version (or load_jobs, which takes a list)."
    )
    for bad in ([], "", ["v1.0", None]):
        with pytest.raises(ra.InvalidArgumentError):
            client.load_jobs(agent, version_name=bad, progress=False)
    assert jobs_queries(sb) == []
    # One version ordered by cost is still the server's own order.
    assert client.load_jobs(agent, version_name=["v1.0"], ordering=["-cost"], progress=False).jobs.height == 15


def test_the_async_client_loads_several_versions_too(
    sb: Sandbox, client: ra.RoeClient, assert_same_frames: Any
) -> None:
    async def main() -> ra.JobFrames:
        async with ra.AsyncRoeClient(
            api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
        ) as aclient:
            return await aclient.load_jobs(sb.agents["small"], version_name=("v2.0", "v1.0"), progress=False)

    frames = asyncio.run(main())
    assert frames.jobs.height == SMALL["v2.0"] + SMALL["v1.0"] == 31
    assert_same_frames(frames, client.load_jobs(sb.agents["small"], version_name=["v1.0", "v2.0"], progress=False))
    assert frames.jobs.filter(pl.col("agent_version_name").is_in(["v1.0", "v2.0"])).height == 31
