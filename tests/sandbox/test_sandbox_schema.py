"""Every response of the sandbox validates against the OpenAPI spec it implements.

The jobs list is checked against ``roe-agent-jobs-openapi.yaml``, the agents and versions lists and
the bulk results against the full public document ``roe-openapi-1-0-93.yaml`` (both shipped next
to the sandbox). The spec's component schemas are translated into a JSON Schema 2020-12 registry. OpenAPI 3.1 schemas
are JSON Schema, with two quirks of the generator (drf-spectacular) that a literal reading gets wrong:

* ``nullable: true`` (on ``next`` and ``previous``) is OpenAPI 3.0; JSON Schema ignores it, so it is
  rewritten as a ``"null"`` type.
* "X or null" is written ``oneOf: [X, {type: 'null'}]``. For ``evaluation.reference`` X is ``{}``
  (anything), which also matches null, so a literal ``oneOf`` rejects the very null it means to allow.
  A ``oneOf`` with a null branch is therefore read as ``anyOf`` (identical wherever X excludes null).

Formats are not enforced except ``date-time``, which must parse as an ISO 8601 instant with an offset,
and ``uuid``, which must be one in canonical form.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from roe_analysis.sandbox import Sandbox

SPEC_URI = "urn:roe-analysis:openapi"
Fetch = Callable[..., httpx.Response]


def _translate(node: Any) -> Any:
    if isinstance(node, dict):
        out = {key: _translate(value) for key, value in node.items() if key != "nullable"}
        if any(branch == {"type": "null"} for branch in out.get("oneOf", [])):
            out["anyOf"] = out.pop("oneOf")
        if node.get("nullable") is True and "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
        return out
    if isinstance(node, list):
        return [_translate(item) for item in node]
    return node


Validators = Callable[[str], jsonschema.protocols.Validator]


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(files("roe_analysis.sandbox").joinpath(name).read_text())
    return loaded


def _validators(spec: dict[str, Any]) -> Validators:
    """``make("AgentVersion")``: a validator for a component schema; ``make("#/paths/...")`` for any node."""
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": _translate(spec["components"]["schemas"])},
        "paths": _translate(spec["paths"]),
    }
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.from_contents(document))
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value: object) -> bool:
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uuid", raises=ValueError)
    def is_uuid(value: object) -> bool:
        return not isinstance(value, str) or str(uuid.UUID(value)) == value

    def make(name: str) -> jsonschema.protocols.Validator:
        pointer = name if name.startswith("#") else f"#/components/schemas/{name}"
        schema = {"$ref": f"{SPEC_URI}{pointer}"}
        return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)

    return make


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load("roe-agent-jobs-openapi.yaml")


@pytest.fixture(scope="module")
def validator_for(spec: dict[str, Any]) -> Validators:
    return _validators(spec)


@pytest.fixture(scope="module")
def full_spec() -> dict[str, Any]:
    return _load("roe-openapi-1-0-93.yaml")


@pytest.fixture(scope="module")
def full_validator_for(full_spec: dict[str, Any]) -> Validators:
    return _validators(full_spec)


def _errors(validator: jsonschema.protocols.Validator, body: Any) -> list[tuple[str, str]]:
    return [("/".join(map(str, e.absolute_path)), e.message) for e in validator.iter_errors(body)]


def test_the_translation_accepts_null_links_and_references(validator_for: Callable[[str], Any]) -> None:
    page = validator_for("PaginatedListAgentJobList")
    assert _errors(page, {"count": 0, "next": None, "previous": None, "results": []}) == []
    evaluation = validator_for("AgentJobEvaluation")
    stamps = {"created_at": "2026-05-01T00:00:00Z", "updated_at": "2026-05-01T00:00:00Z"}
    assert _errors(evaluation, {"reference": None, **stamps}) == []
    assert _errors(evaluation, {"reference": {"verdict": "Suspicious"}, **stamps}) == []
    assert _errors(page, {"count": "0", "results": [{}]}) != []
    assert _errors(page, {"count": 1, "results": [{"created_at": "yesterday"}]}) != []


def test_every_page_of_every_agent_validates(
    sb: Sandbox, client: httpx.Client, fetch: Fetch, validator_for: Callable[[str], Any]
) -> None:
    page_validator = validator_for("PaginatedListAgentJobList")
    error_validator = validator_for("ErrorResponse")
    found: list[tuple[str, int, str, str]] = []
    pages = 0
    for name in sb.agents:
        response = fetch(name, page_size=100)
        number = 1
        while True:
            body = response.json()
            if name == "forbidden":
                assert response.status_code == 403
                assert _errors(error_validator, body) == []
                break
            assert response.status_code == 200
            pages += 1
            found += [(name, number, path, message) for path, message in _errors(page_validator, body)]
            if body["next"] is None:
                break
            response = client.get(body["next"])
            number += 1
    assert pages == 15 + 1 + 1 + 1 + 60

    # The one deliberate violation: real data has an event whose timestamp is null, the spec says
    # the timestamp is a required string.
    null_job = sb.special_job_ids["null_event_timestamp"]
    position = [job["id"] for job in sb.jobs("demo")].index(null_job)
    events = sb.jobs("demo")[position]["status_events"]
    event = next(i for i, e in enumerate(events) if e["timestamp"] is None)
    assert found == [
        (
            "demo",
            position // 100 + 1,
            f"results/{position % 100}/status_events/{event}/timestamp",
            "None is not of type 'string'",
        )
    ]


def test_the_two_job_shapes(
    sb: Sandbox, spec: dict[str, Any], roe_sandbox_factory: Callable[..., Sandbox], validator_for: Callable[[str], Any]
) -> None:
    properties = set(spec["components"]["schemas"]["ListAgentJob"]["properties"])
    assert {key for job in sb.jobs("demo") for key in job} == properties | {"review_state", "creator"}
    legacy = roe_sandbox_factory(legacy_shape=True, sizes={"demo": 60, "large": 5})
    response = httpx.get(
        legacy.jobs_url("small"), params={"page_size": 100}, headers={"Authorization": f"Bearer {legacy.api_key}"}
    )
    body = response.json()
    assert {key for job in body["results"] for key in job} == properties
    assert all(set(job) == properties for job in body["results"])
    assert _errors(validator_for("PaginatedListAgentJobList"), body) == []


def test_creator_and_review_state_have_the_sdk_shape(sb: Sandbox) -> None:
    jobs = sb.jobs("demo")
    creators = [job["creator"] for job in jobs if job["creator"] is not None]
    assert creators and any(job["creator"] is None for job in jobs)
    assert all(
        set(creator) == {"id", "email", "first_name", "last_name", "display_name"} and isinstance(creator["id"], int)
        for creator in creators
    )
    assert {job["review_state"] for job in jobs} == {"unreviewed", "agreed", "disagreed"}


def test_error_bodies_validate_against_error_response(
    sb: Sandbox, client: httpx.Client, fetch: Fetch, validator_for: Callable[[str], Any]
) -> None:
    error = validator_for("ErrorResponse")
    responses = [
        httpx.get(sb.jobs_url("demo")),  # 401
        httpx.get(sb.jobs_url("demo"), headers={"Authorization": "Bearer nope"}),  # 401
        fetch(sb.forbidden_agent_id),  # 403
        fetch("demo", organization_id="11111111-1111-4111-8111-111111111111"),  # 403
        fetch("0b0e0c0a-0000-4000-8000-000000000000"),  # 404 agent
        fetch("demo", page=999),  # 404 page
        client.get("/v1/whatever/"),  # 404 path
        client.post(f"/v1/agents/{sb.agents['demo']}/jobs/"),  # 405
    ]
    for spec in ("429", "500", "502", "503", "504"):
        with sb.faults(spec):
            responses.append(fetch("demo"))
    assert sorted({r.status_code for r in responses}) == [401, 403, 404, 405, 429, 500, 502, 503, 504]
    for response in responses:
        assert _errors(error, response.json()) == [], response.text


def test_400_bodies_are_drf_field_maps(fetch: Fetch) -> None:
    body = fetch("demo", created_to="soon", limit="-4").json()
    assert body == {
        "created_to": ["Enter a valid date/time."],
        "limit": ["Ensure this value is greater than or equal to 0."],
    }
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values())


# -- the agents, versions and results endpoints against the full 1.0.93 document --------------------


def _response_schema(path: str, method: str, status: int) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"


def test_the_packaged_document_is_the_published_one(
    sb: Sandbox, full_spec: dict[str, Any], full_validator_for: Validators
) -> None:
    assert full_spec["openapi"] == "3.1.0"
    for path in ("/v1/agents/", "/v1/agents/{agent_id}/versions/", "/v1/agents/jobs/results/"):
        assert path in full_spec["paths"]
    # The validators do reject what the document forbids.
    item = sb.job_result(sb.special_job_ids["example_failed"])
    validator = full_validator_for("AgentJobResultItem")
    assert _errors(validator, item) == []
    assert _errors(validator, {key: value for key, value in item.items() if key != "cost"}) != []
    assert _errors(validator, {**item, "agent_version_id": "v1.0"}) != []
    assert _errors(validator, {**item, "result": [{"key": "verdict", "value": 3, "data_type": "text/plain"}]}) != []
    version = sb.versions("demo")[0]
    assert _errors(full_validator_for("AgentVersion"), {**version, "created_at": "yesterday"}) != []


def test_every_agents_page_validates(sb: Sandbox, client: httpx.Client, full_validator_for: Validators) -> None:
    page_validator = full_validator_for(_response_schema("/v1/agents/", "get", 200))
    bodies = []
    for stats in ("true", "false"):
        url: str | None = f"{sb.agents_url}?organization_id={sb.organization_id}&page_size=2&include_job_stats={stats}"
        while url:
            body = client.get(url).json()
            bodies.append(body)
            url = body["next"]
    assert len(bodies) == 6
    assert [_errors(page_validator, body) for body in bodies] == [[]] * 6
    assert _errors(full_validator_for("PaginatedBaseAgentList"), bodies[0]) == []


def test_every_version_validates(sb: Sandbox, client: httpx.Client, full_validator_for: Validators) -> None:
    listing = full_validator_for(_response_schema("/v1/agents/{agent_id}/versions/", "get", 200))
    version = full_validator_for("AgentVersion")
    seen = 0
    for name in sb.agents:
        if name == "forbidden":
            continue
        body = client.get(sb.versions_url(name)).json()
        assert _errors(listing, body) == []
        for item in body:
            assert _errors(version, item) == [], item["version_name"]
        seen += len(body)
    assert seen == 4 + 5 + 2 + 1 + 5


def test_every_result_validates(sb: Sandbox, client: httpx.Client, full_validator_for: Validators) -> None:
    listing = full_validator_for(_response_schema("/v1/agents/jobs/results/", "post", 200))
    item_validator = full_validator_for("AgentJobResultItem")
    request_validator = full_validator_for("AgentJobResultManyRequest")
    items = 0
    for name in ("demo", "small", "single", "large"):
        ids = [job["id"] for job in sb.jobs(name)][:1500]
        for start in range(0, len(ids), 1000):
            request = {"job_ids": ids[start : start + 1000]}
            assert _errors(request_validator, request) == []
            body = client.post(sb.results_url, json=request).json()
            assert _errors(listing, body) == []
            assert [e for item in body for e in _errors(item_validator, item)] == []
            items += len(body)
    assert items == 1500 + 40 + 1 + 1500


def test_error_bodies_of_the_new_routes(
    roe_sandbox_factory: Callable[..., Sandbox], full_validator_for: Validators
) -> None:
    detail = roe_sandbox_factory(error_style="detail", sizes={"demo": 60, "large": 5})
    client = httpx.Client(base_url=detail.base_url, headers={"Authorization": f"Bearer {detail.api_key}"})
    org = {"organization_id": detail.organization_id}
    results = "/v1/agents/jobs/results/"
    forbidden = detail.jobs("forbidden")[0]["id"]
    checks = [
        (results, "post", client.post(results, params=org, json={"job_ids": [forbidden]})),
        (results, "post", client.post(results, params=org, json={"job_ids": []})),
        (results, "post", client.post(results, params=org, json={})),
        (results, "post", client.post(results, params=org, json={"job_ids": "x"})),
        (results, "post", client.post(results, params=org, content=b"{", headers={"Content-Type": "application/json"})),
        (results, "post", client.post(results, params={"organization_id": "acme"}, json={"job_ids": [forbidden]})),
        ("/v1/agents/", "get", client.get("/v1/agents/")),
        ("/v1/agents/", "get", client.get("/v1/agents/", params={**org, "page": 9})),
        ("/v1/agents/", "get", client.get("/v1/agents/", params={**org, "organization_id": str(uuid.UUID(int=3))})),
        ("/v1/agents/{agent_id}/versions/", "get", client.get(f"/v1/agents/{detail.forbidden_agent_id}/versions/")),
        ("/v1/agents/{agent_id}/versions/", "get", client.get(f"/v1/agents/{uuid.UUID(int=5)}/versions/")),
    ]
    client.close()
    statuses = [response.status_code for _, _, response in checks]
    assert statuses == [403, 400, 400, 400, 400, 400, 400, 404, 403, 403, 404]
    for path, method, response in checks:
        validator = full_validator_for(_response_schema(path, method, response.status_code))
        assert _errors(validator, response.json()) == [], response.text


def test_an_items_uuid_error_is_outside_the_documented_400(
    sb: Sandbox, client: httpx.Client, full_validator_for: Validators
) -> None:
    # DRF's ListField reports a bad item under its index; the document allows only a list of
    # messages or a message per field. The sandbox answers as DRF does.
    body = client.post(sb.results_url, json={"job_ids": ["nope"]}).json()
    assert body == {"job_ids": {"0": ["Must be a valid UUID."]}}
    validator = full_validator_for(_response_schema("/v1/agents/jobs/results/", "post", 400))
    assert _errors(validator, body) != []
