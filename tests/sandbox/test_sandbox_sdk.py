"""The official SDK (``roe-ai`` 1.1.19) pointed at the sandbox.

It lists every page it can parse, and it is pinned where it cannot: it reads every event timestamp
with ``dateutil.parser.isoparse``, which raises ``TypeError`` on the deliberate ``"timestamp": null``;
and it requires ``review_state`` and ``creator``, so the legacy (published-spec) shape breaks it.
It also parses the agents list, the versions list and the bulk results
(``agents.list``, ``agents.versions.list``, ``agents.jobs.retrieve_result_many``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from uuid import UUID

import httpx
import pytest

from roe_analysis.sandbox import Sandbox

with warnings.catch_warnings():
    # roe-ai 1.1.19 still declares a pydantic v1-style class Config; not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    import roe
    from roe.exceptions import AuthenticationError, BadRequestError, ForbiddenError, NotFoundError, translate_response


def sdk_client(sandbox: Sandbox, api_key: str | None = None) -> roe.RoeClient:
    return roe.RoeClient(
        api_key=api_key or sandbox.api_key,
        organization_id=sandbox.organization_id,
        base_url=sandbox.base_url,
        timeout=10,
        max_retries=1,
        batch_chunk_delay=0.5,
    )


@pytest.fixture
def sdk(sb: Sandbox) -> Iterator[roe.RoeClient]:
    with sdk_client(sb) as client:
        yield client


@pytest.mark.parametrize("agent", ["small", "single", "empty", "large"])
def test_the_sdk_parses_every_page(agent: str, sb: Sandbox, sdk: roe.RoeClient) -> None:
    truth = [job["id"] for job in sb.jobs(agent)]
    seen: list[str] = []
    page = 1
    while True:
        listing = sdk.agents.jobs.list(sb.agents[agent], page=page, page_size=100)
        assert listing.count == len(truth)
        seen += [str(job.id) for job in listing.results]
        if not listing.next_:
            break
        page += 1
    assert seen == truth


def test_the_sdk_fails_only_on_the_page_with_the_null_timestamp(sb: Sandbox, sdk: roe.RoeClient) -> None:
    truth = sb.jobs("demo")
    null_job = sb.special_job_ids["null_event_timestamp"]
    bad_page = [job["id"] for job in truth].index(null_job) // 100 + 1
    seen: list[str] = []
    for page in range(1, 16):
        if page == bad_page:
            with pytest.raises(TypeError, match="NoneType"):
                sdk.agents.jobs.list(sb.agents["demo"], page=page, page_size=100)
            seen += [job["id"] for job in truth[(page - 1) * 100 : page * 100]]
            continue
        listing = sdk.agents.jobs.list(sb.agents["demo"], page=page, page_size=100)
        seen += [str(job.id) for job in listing.results]
        # What the SDK parsed is what the sandbox holds.
        first = listing.results[0]
        expected = truth[(page - 1) * 100]
        assert (first.status_code, first.duration_ms, first.review_state.value) == (
            expected["status_code"],
            expected["duration_ms"],
            expected["review_state"],
        )
    assert seen == [job["id"] for job in truth]


def test_the_sdk_sends_filters_the_sandbox_applies(sb: Sandbox, sdk: roe.RoeClient) -> None:
    listing = sdk.agents.jobs.list(
        sb.agents["large"], created_from="2026-05-20T00:00:00+00:00", status_code="4", ordering="-cost", page_size=100
    )
    expected = [
        job for job in sb.jobs("large") if job["status_code"] == 4 and job["created_at"] >= "2026-05-20T00:00:00"
    ]
    expected.sort(key=lambda job: job["id"])
    expected.sort(key=lambda job: job["ui_fields"]["cost"], reverse=True)
    assert [str(job.id) for job in listing.results] == [job["id"] for job in expected][:100]
    request = sb.requests[-1]
    assert request.query["limit"] == "100000"
    assert request.query["organization_id"] == sb.organization_id
    assert "sbx_" not in repr(request)


def test_sdk_error_classes(sb: Sandbox, sdk: roe.RoeClient) -> None:
    with pytest.raises(ForbiddenError) as forbidden:
        sdk.agents.jobs.list(sb.forbidden_agent_id)
    assert forbidden.value.status_code == 403
    assert forbidden.value.message == "You do not have permission to access this agent."
    with pytest.raises(NotFoundError) as missing:
        sdk.agents.jobs.list("0b0e0c0a-0000-4000-8000-000000000000")
    assert missing.value.status_code == 404
    with pytest.raises(NotFoundError, match="Invalid page"):
        sdk.agents.jobs.list(sb.agents["small"], page=3)
    with sdk_client(sb, api_key="sbx_wrong") as stranger, pytest.raises(AuthenticationError) as denied:
        stranger.agents.jobs.list(sb.agents["demo"])
    assert (denied.value.status_code, denied.value.message) == (401, "Invalid token.")


def test_the_legacy_shape_breaks_the_sdk(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    legacy = roe_sandbox_factory(legacy_shape=True, sizes={"demo": 30, "large": 5})
    with sdk_client(legacy) as client:
        with pytest.raises(KeyError, match="review_state"):
            client.agents.jobs.list(legacy.agents["small"])
        with pytest.raises(KeyError, match="private"):  # a tag's, read before the agent's own fields
            client.agents.list()
        with pytest.raises(KeyError, match="supports_memory"):
            client.agents.versions.list(legacy.agents["small"])


def test_the_sdk_lists_the_agents(sb: Sandbox, sdk: roe.RoeClient) -> None:
    first = sdk.agents.list(page_size=4)
    assert first.count == 6 and first.next_ and not first.previous
    second = sdk.agents.list(page=2, page_size=4)
    agents = [*first.results, *second.results]
    assert {str(agent.id) for agent in agents} == set(sb.agent_ids)
    demo = next(agent for agent in agents if str(agent.id) == sb.agents["demo"])
    assert (demo.name, demo.job_count, demo.engine_class_id) == (
        "Transaction screening",
        1500,
        "MultimodalExtractionEngine",
    )
    assert demo.most_recent_job.isoformat() == "2026-06-01T11:59:22.990000+00:00"
    assert str(demo.current_version_id) == sb.version_ids("demo")["v2.0"]
    assert [(tag.name, tag.color.value) for tag in demo.tags] == [("fraud", "red"), ("payments", "blue")]
    with pytest.raises(NotFoundError, match="Invalid page"):
        sdk.agents.list(page=3, page_size=4)


def test_the_sdk_lists_versions(sb: Sandbox, sdk: roe.RoeClient) -> None:
    versions = sdk.agents.versions.list(sb.agents["demo"])
    assert [(v.version_name, str(v.id)) for v in versions] == [(name, i) for name, i in sb.version_ids("demo").items()]
    assert [v.engine_config.get("model") for v in versions] == ["gpt-4.1", "o1", "gpt-4o-mini", None]
    assert str(versions[0].base_agent.id) == sb.agents["demo"]
    with pytest.raises(ForbiddenError):
        sdk.agents.versions.list(sb.forbidden_agent_id)
    with pytest.raises(NotFoundError, match="Agent not found"):
        sdk.agents.versions.list("0b0e0c0a-0000-4000-8000-000000000000")


def test_the_sdk_reads_results_in_batches(sb: Sandbox, sdk: roe.RoeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    ids = [job["id"] for job in sb.jobs("demo")]
    items = sdk.agents.jobs.retrieve_result_many(ids)
    # Two requests of at most 1,000 ids, and one pause between them.
    assert slept == [0.5]
    assert [request.job_ids for request in sb.requests] == [1000, 500]
    assert [str(item.id) for item in items] == ids
    truth = {result["id"]: result for result in sb.job_results("demo")}
    for item in items:
        expected = truth[str(item.id)]
        assert (item.status, item.cost, item.input_tokens, item.output_tokens) == (
            expected["status"],
            expected["cost"],
            expected["input_tokens"],
            expected["output_tokens"],
        )
        version = expected["agent_version_id"]
        assert item.agent_version_id == (UUID(version) if version else None)
        assert item.result is None or [d.value for d in item.result] == [d["value"] for d in expected["result"]]
    with pytest.raises(ForbiddenError, match="one or more of these jobs"):
        sdk.agents.jobs.retrieve_result_many([sb.jobs("forbidden")[0]["id"]])


def test_the_sdk_reports_a_400(sb: Sandbox, sdk: roe.RoeClient) -> None:
    # The SDK refuses a non-UUID itself and cuts long lists into 1,000s, so the sandbox's 400 for
    # 1,001 ids is sent by hand and read with the SDK's own status mapping.
    with pytest.raises(ValueError):
        sdk.agents.jobs.retrieve_result_many(["nope"])
    assert sdk.agents.jobs.retrieve_result_many([]) == []
    response = httpx.post(
        sb.results_url,
        json={"job_ids": ["0b0e0c0a-0000-4000-8000-000000000000"] * 1001},
        headers={"Authorization": f"Bearer {sb.api_key}"},
    )
    with pytest.raises(BadRequestError, match="no more than 1000 elements"):
        translate_response(response)
