"""A server that lies in its results, versions or agents answers gets a library error, nothing lost.

The same promises as for pages (issue 12), on the endpoints of issue 13: a body that is not what the
spec says is a `MalformedResponseError` with its JSON path, a redirect a `RedirectError`, the key is
in no error, and what a load fetched before the lie stays in ``err.partial``.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import roe_analysis as ra

from ..hostile import Answer, Asked, hostile_server
from ..records import job, job_id

KEY = "roe-hostile-results-key-0c4a"
ORG = "00000000-0000-4000-8000-0000000000bb"
AGENT = "00000000-0000-4000-8000-0000000000aa"


def page(asked: Asked) -> Answer:
    jobs = [job(i) for i in range(1, 4)]
    return Answer(200, json.dumps({"count": 3, "next": None, "previous": None, "results": jobs}).encode())


def serve(results: Answer) -> Any:
    def respond(asked: Asked) -> Answer:
        return page(asked) if asked.path.endswith("/jobs/") else results

    return hostile_server(respond)


def client(url: str) -> ra.RoeClient:
    made = ra.RoeClient(api_key=KEY, organization_id=ORG, base_url=url, environ={}, max_retries=0, timeout=5)
    return made


def load_error(results: Answer) -> ra.RoeError:
    with serve(results) as (url, _), client(url) as c, pytest.raises(ra.RoeError) as info:
        c.load_jobs(AGENT, progress=False, results=True)
    err = info.value
    assert KEY not in str(err) and KEY.encode() not in pickle.dumps(err)
    return err


def item(i: int, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": job_id(i),
        "status": 3,
        "result": [],
        "corrected_outputs": None,
        "agent_id": AGENT,
        "agent_version_id": None,
        "inputs": [],
        "cost": 0.01,
        "input_tokens": 10,
        "output_tokens": 5,
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"detail": "not a list"}, "Expected `array`, got `object`"),
        ([item(1, cost="free")], "Expected `float | null`, got `str` - at `$[0].cost`"),
        ([item(1, input_tokens=2**63)], "at `$[0].input_tokens`"),
        ([item(1, result=[{"key": 3}])], "at `$[0].result[0].key`"),
    ],
)
def test_a_results_answer_that_is_not_the_spec_s_is_malformed_and_keeps_the_jobs(body: Any, path: str) -> None:
    err = load_error(Answer(200, json.dumps(body).encode()))
    assert type(err) is ra.MalformedResponseError
    assert path in str(err)
    assert isinstance(err.partial, ra.JobFrames) and err.partial.jobs.height == 3


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_results_nested_too_deep_are_malformed_naming_the_field(depth: int) -> None:
    deep = "[" * depth + "]" * depth
    body = f'[{{"id": "{job_id(1)}", "inputs": {deep}, "cost": 0.5}}]'.encode()
    err = load_error(Answer(200, body))
    assert type(err) is ra.MalformedResponseError
    assert f"JSON nested {depth + 2:,} levels deep, too deep to decode - at `$[0].inputs`" in str(err)
    assert err.partial.jobs.height == 3 and err.partial.results.height == 0


def test_a_redirect_of_the_results_request_is_an_error_not_followed() -> None:
    err = load_error(Answer(307, b"", {"Location": "https://elsewhere.example/results"}))
    assert type(err) is ra.RedirectError
    assert err.partial.jobs.height == 3


def test_an_error_body_that_echoes_the_key_is_masked() -> None:
    def respond(asked: Asked) -> Answer:
        if asked.path.endswith("/jobs/"):
            return page(asked)
        said = json.dumps({"detail": f"bad token {asked.headers.get('Authorization')}"}).encode()
        return Answer(400, said)

    with hostile_server(respond) as (url, _), client(url) as c, pytest.raises(ra.BadRequestError) as info:
        c.load_jobs(AGENT, progress=False, results=True)
    assert "Bearer **********" in str(info.value) and KEY not in str(info.value)


def test_a_versions_answer_with_a_bad_time_is_malformed_naming_the_version() -> None:
    bad = [{"id": "v-1", "version_name": "v1", "created_at": "yesterday", "engine_config": {}}]
    refused = pytest.raises(ra.MalformedResponseError, match=r"`created_at` of version v-1 is 'yesterday'")
    with serve(Answer(200, json.dumps(bad).encode())) as (url, _), client(url) as c, refused:
        c.load_versions(AGENT)


def test_an_agents_list_that_never_ends_stops_at_max_pages() -> None:
    def respond(asked: Asked) -> Answer:
        n = int(asked.query.get("page", "1"))
        agents = [{"id": f"agent-{n}", "name": f"a{n}"}]
        return Answer(200, json.dumps({"count": 10**9, "next": "x", "previous": None, "results": agents}).encode())

    with (
        hostile_server(respond) as (url, seen),
        ra.RoeClient(api_key=KEY, organization_id=ORG, base_url=url, environ={}, max_pages=50) as c,
        pytest.raises(ra.LoadLimitError, match=r"the agents list counts 1,000,000,000 agents") as info,
    ):
        c.list_agents()
    assert len(seen) == 1 and info.value.partial.height == 1
