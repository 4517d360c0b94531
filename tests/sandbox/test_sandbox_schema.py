"""Every response of the sandbox validates against the OpenAPI spec it implements.

The spec's component schemas are translated into a JSON Schema 2020-12 registry. OpenAPI 3.1 schemas
are JSON Schema, with two quirks of the generator (drf-spectacular) that a literal reading gets wrong:

* ``nullable: true`` (on ``next`` and ``previous``) is OpenAPI 3.0; JSON Schema ignores it, so it is
  rewritten as a ``"null"`` type.
* "X or null" is written ``oneOf: [X, {type: 'null'}]``. For ``evaluation.reference`` X is ``{}``
  (anything), which also matches null, so a literal ``oneOf`` rejects the very null it means to allow.
  A ``oneOf`` with a null branch is therefore read as ``anyOf`` (identical wherever X excludes null).

Formats are not enforced except ``date-time``, which must parse as an ISO 8601 instant with an offset.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    text = files("roe_analysis.sandbox").joinpath("roe-agent-jobs-openapi.yaml").read_text()
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@pytest.fixture(scope="module")
def validator_for(spec: dict[str, Any]) -> Callable[[str], jsonschema.protocols.Validator]:
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": _translate(spec["components"]["schemas"])},
    }
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.from_contents(document))
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value: object) -> bool:
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    def make(name: str) -> jsonschema.protocols.Validator:
        schema = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
        return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)

    return make


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
