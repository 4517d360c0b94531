"""``GET /v1/agents/`` and ``GET /v1/agents/{agent_id}/versions/``: the agents, their versions, tags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from roe_analysis.sandbox import (
    AGENT_PROFILES,
    AGENT_TAGS,
    CANARY,
    DELETED_VERSIONS,
    DRAFT_CREATED,
    DRAFT_VERSION,
    VERSION_MODELS,
    VERSIONS,
    Sandbox,
)

Get = Callable[..., httpx.Response]
UNKNOWN = "0b0e0c0a-0000-4000-8000-000000000000"
WINDOW_START = datetime.fromisoformat("2026-04-02T00:00:00+00:00")


@pytest.fixture
def get(sb: Sandbox, client: httpx.Client) -> Get:
    """``get(url, **params)`` with the organization id unless ``organization_id`` is given."""

    def send(url: str, **params: Any) -> httpx.Response:
        params.setdefault("organization_id", sb.organization_id)
        return client.get(url, params={k: v for k, v in params.items() if v is not None})

    return send


def rollout_start(name: str) -> str:
    profile = next(v for v in (*VERSIONS, CANARY) if v.name == name)
    return (WINDOW_START + timedelta(days=profile.first_day)).isoformat().replace("+00:00", "Z")


# -- versions ---------------------------------------------------------------------------------------


def test_the_demo_agents_versions(sb: Sandbox, get: Get) -> None:
    response = get(sb.versions_url("demo"))
    assert response.status_code == 200
    versions = response.json()
    assert [(v["version_name"], v["id"], v["created_at"]) for v in versions] == [
        ("v2.2-draft", "b9283ad1-f21e-4c45-b8cc-0a2c6dcedd18", "2026-05-31T16:00:00Z"),
        ("v2.0", "0d3349e8-d176-4d89-afc6-d3d262bb59ad", "2026-05-12T00:00:00Z"),
        ("v1.1", "289cbaf9-9b6f-4364-8474-edc1b340d2b3", "2026-04-22T00:00:00Z"),
        ("v1.0", "e10b5ccf-ac57-43aa-8688-7f07f8d38626", "2026-04-02T00:00:00Z"),
    ]
    assert all(v["created_at"] == rollout_start(v["version_name"]) for v in versions[1:])
    assert versions[0]["created_at"] == DRAFT_CREATED.isoformat().replace("+00:00", "Z")
    assert {v["name"] for v in versions} == {"Transaction screening"}
    assert [v["readonly"] for v in versions] == [False, True, True, True]
    assert [v["creator"] and v["creator"]["display_name"] for v in versions] == [
        "Tomás Lindqvist",
        "Wei Li",
        None,
        "Priya Raman",
    ]
    assert sb.versions("demo") == versions
    assert sb.version_ids("demo") == {v["version_name"]: v["id"] for v in versions}
    # The canary ran (4 jobs) but was deleted since.
    assert ("demo", CANARY.name) in DELETED_VERSIONS
    assert CANARY.name in {job["agent_version_name"] for job in sb.jobs("demo")}


def test_engine_config_names_the_model_except_for_v1_0(sb: Sandbox, get: Get) -> None:
    configs = {v["version_name"]: v["engine_config"] for v in get(sb.versions_url("small")).json()}
    assert list(configs) == ["v2.2-draft", "v2.1-canary", "v2.0", "v1.1", "v1.0"]
    assert {name: config.get("model") for name, config in configs.items()} == {
        "v2.2-draft": "gpt-4.1",
        "v2.1-canary": "o3-mini",
        "v2.0": "o1",
        "v1.1": "gpt-4o-mini",
        "v1.0": None,
    }
    assert configs["v1.0"]["llm_model"] == VERSION_MODELS["v1.0"] == "gpt-4o"
    assert all(isinstance(value, str) for config in configs.values() for value in config.values())
    assert VERSION_MODELS[DRAFT_VERSION] == "gpt-4.1"


@pytest.mark.parametrize(
    ("agent", "names"),
    [
        ("single", ["v2.2-draft", "v1.1"]),
        ("empty", ["v2.2-draft"]),
        ("large", ["v2.2-draft", "v2.1-canary", "v2.0", "v1.1", "v1.0"]),
    ],
)
def test_an_agent_lists_the_versions_its_jobs_ran(sb: Sandbox, get: Get, agent: str, names: list[str]) -> None:
    assert [v["version_name"] for v in get(sb.versions_url(agent)).json()] == names
    assert {job["agent_version_name"] for job in sb.jobs(agent)} == set(names) - {DRAFT_VERSION}


def test_a_version_carries_its_agent(sb: Sandbox, get: Get) -> None:
    listed = {a["id"]: a for a in get(sb.agents_url, page_size=100).json()["results"]}
    for version in get(sb.versions_url("demo")).json():
        assert version["base_agent"] == {**listed[sb.agents["demo"]], "job_count": None, "most_recent_job": None}
        assert version["organization_id"] == sb.organization_id
        assert (version["engine_class_id"], version["engine_name"]) == (
            "MultimodalExtractionEngine",
            "Multimodal Extraction",
        )
        keys = [d["key"] for d in version["input_definitions"]]
        assert keys[:5] == ["case_id", "transaction_description", "document", "transaction", "receipt"]


def test_creating_jobs_adds_no_version(sb: Sandbox, get: Get) -> None:
    before = get(sb.versions_url("single")).json()
    sb.create_job("single", agent_version_name="v2.0")
    assert get(sb.versions_url("single")).json() == before


@pytest.mark.parametrize(
    ("agent", "status", "body"),
    [
        (UNKNOWN, 404, {"message": "Agent not found."}),
        ("nope", 404, {"message": "Not found."}),
        ("forbidden", 403, {"message": "You do not have permission to access this agent."}),
    ],
)
def test_versions_errors(sb: Sandbox, client: httpx.Client, agent: str, status: int, body: dict[str, str]) -> None:
    response = client.get(f"/v1/agents/{sb.agents.get(agent, agent)}/versions/")
    assert (response.status_code, response.json()) == (status, body)


def test_versions_authentication_method_and_organization(sb: Sandbox, client: httpx.Client, get: Get) -> None:
    url = sb.versions_url("demo")
    assert httpx.get(url).status_code == 401
    posted = client.post(url, json={})
    assert (posted.status_code, posted.headers["Allow"]) == (405, "GET, HEAD")
    assert get(url, organization_id="acme").json() == {"organization_id": ["Must be a valid UUID."]}
    assert get(url, organization_id=UNKNOWN).status_code == 403
    assert get(url, organization_id=None).status_code == 200
    head = client.head(url)
    assert (head.status_code, head.content) == (200, b"")


# -- agents -----------------------------------------------------------------------------------------


def jobs_count(fetch: Callable[..., httpx.Response], agent: str) -> int:
    count: int = fetch(agent, page_size=1).json()["count"]
    return count


def test_the_agents_list(sb: Sandbox, get: Get, fetch: Callable[..., httpx.Response]) -> None:
    body = get(sb.agents_url).json()
    assert (body["count"], body["next"], body["previous"]) == (6, None, None)
    agents = body["results"]
    assert [(a["name"], a["id"]) for a in agents] == [
        ("Chargeback triage", sb.agents["empty"]),
        ("Sanctions spot check", sb.agents["single"]),
        ("Card fraud screening (EU)", sb.agents["large"]),
        ("Transaction screening", sb.agents["demo"]),
        ("Merchant onboarding review", sb.agents["small"]),
        ("Internal audit sampling", sb.agents["forbidden"]),
    ]
    assert [a["created_at"] for a in agents] == sorted((a["created_at"] for a in agents), reverse=True)
    titles = {p.name: p.title for p in AGENT_PROFILES}
    by_name = {name: next(a for a in agents if a["id"] == agent_id) for name, agent_id in sb.agents.items()}
    assert {name: a["name"] for name, a in by_name.items()} == titles
    for name, agent in by_name.items():
        assert agent["job_count"] == len(sb.jobs(name))
        if name != "forbidden":
            assert agent["job_count"] == jobs_count(fetch, name)
        newest = sb.jobs(name)[0]["created_at"] if sb.jobs(name) else None
        assert agent["most_recent_job"] == newest
        assert (
            agent["current_version_id"]
            == sb.version_ids(name)[{"single": "v1.1", "empty": DRAFT_VERSION}.get(name, "v2.0")]
        )
        assert agent["organization_id"] == sb.organization_id
        assert agent["updated_at"] == "2026-05-31T16:00:00Z"
    assert [by_name[n]["job_count"] for n in sb.agents] == [1500, 40, 1, 0, 6000, 25]
    assert by_name["empty"]["most_recent_job"] is None
    assert by_name["demo"]["most_recent_job"] == "2026-06-01T11:59:22.990000Z"
    assert by_name["demo"]["created_at"] == "2026-04-01T22:00:00Z"


def test_tags(sb: Sandbox, get: Get) -> None:
    agents = {a["id"]: a for a in get(sb.agents_url).json()["results"]}
    demo = agents[sb.agents["demo"]]["tags"]
    assert [(t["name"], t["color"], t["usage_count"]) for t in demo] == [("fraud", "red", 2), ("payments", "blue", 1)]
    assert agents[sb.agents["single"]]["tags"] == []
    large_fraud = agents[sb.agents["large"]]["tags"][0]
    assert large_fraud == demo[0]
    assert {t["name"] for a in agents.values() for t in a["tags"]} == set(AGENT_TAGS)


def test_job_stats_can_be_left_out(sb: Sandbox, get: Get) -> None:
    for value in ("false", "False", "0"):
        agents = get(sb.agents_url, include_job_stats=value).json()["results"]
        assert {(a["job_count"], a["most_recent_job"]) for a in agents} == {(None, None)}
    assert get(sb.agents_url, include_job_stats="true").json() == get(sb.agents_url).json()


def test_job_stats_follow_mutations(sb: Sandbox, get: Get) -> None:
    created = sb.create_job("empty")
    empty = next(a for a in get(sb.agents_url).json()["results"] if a["id"] == sb.agents["empty"])
    assert (empty["job_count"], empty["most_recent_job"]) == (1, created["created_at"])


def test_agents_pagination(sb: Sandbox, get: Get) -> None:
    order = [a["id"] for a in get(sb.agents_url).json()["results"]]
    first = get(sb.agents_url, page_size=4)
    body = first.json()
    assert [a["id"] for a in body["results"]] == order[:4]
    assert body["next"] == f"{sb.base_url}/v1/agents/?organization_id={sb.organization_id}&page=2&page_size=4"
    second = httpx.get(body["next"], headers={"Authorization": f"Bearer {sb.api_key}"}).json()
    assert [a["id"] for a in second["results"]] == order[4:]
    assert second["previous"] == f"{sb.base_url}/v1/agents/?organization_id={sb.organization_id}&page_size=4"
    assert second["next"] is None
    third = get(sb.agents_url, page_size=2, page=3).json()
    assert [a["id"] for a in third["results"]] == order[4:]
    assert third["previous"].endswith("page=2&page_size=2")
    assert get(sb.agents_url, page="last", page_size=5).json()["results"][0]["id"] == order[5]
    for page in (4, 0, "x"):
        past = get(sb.agents_url, page_size=2, page=page)
        assert (past.status_code, past.json()) == (404, {"message": "Invalid page."})
    assert len(get(sb.agents_url, page_size=1000).json()["results"]) == 6


def test_agents_authentication_method_and_organization(sb: Sandbox, client: httpx.Client, get: Get) -> None:
    assert httpx.get(sb.agents_url).status_code == 401
    assert client.delete(sb.agents_url).status_code == 405
    missing = get(sb.agents_url, organization_id=None)
    assert (missing.status_code, missing.json()) == (400, {"organization_id": ["This field is required."]})
    assert get(sb.agents_url, organization_id=" ").status_code == 400
    assert get(sb.agents_url, organization_id="acme").json() == {"organization_id": ["Must be a valid UUID."]}
    other = get(sb.agents_url, organization_id=UNKNOWN)
    assert (other.status_code, other.json()) == (403, {"message": "You do not have access to this organization."})


def test_faults_fire_on_the_catalog_routes(sb: Sandbox, get: Get) -> None:
    sb.set_faults("429:every=2,times=2")
    statuses = [get(url).status_code for url in (sb.agents_url, sb.agents_url, sb.versions_url("demo"))]
    statuses.append(get(sb.versions_url("demo")).status_code)
    assert statuses == [200, 429, 200, 429]
    sb.set_faults("drop:times=1")
    with pytest.raises(httpx.RemoteProtocolError):
        get(sb.versions_url("demo"))
    assert get(sb.versions_url("demo")).status_code == 200


def test_the_legacy_shape_has_only_the_documents_fields(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    legacy = roe_sandbox_factory(legacy_shape=True, sizes={"demo": 30, "large": 5})
    headers = {"Authorization": f"Bearer {legacy.api_key}"}
    params = {"organization_id": legacy.organization_id}
    agent = httpx.get(legacy.agents_url, params=params, headers=headers).json()["results"][0]
    version = httpx.get(legacy.versions_url("small"), headers=headers).json()[0]
    assert "skill_generation_state" not in agent and all("private" not in tag for tag in agent["tags"])
    assert "supports_memory" not in version and "post_actions" not in version
