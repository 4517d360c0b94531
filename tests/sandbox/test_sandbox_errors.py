"""Authentication, authorization, routing and method errors, their bodies and the response headers."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from roe_analysis.sandbox import Sandbox

Fetch = Callable[..., httpx.Response]


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token abc", "Authentication credentials were not provided."),
        ("Bearer", "Invalid token header. No credentials provided."),
        ("Bearer a b", "Invalid token header. Token string should not contain spaces."),
        ("Bearer sbx_wrong", "Invalid token."),
    ],
)
def test_bad_credentials_are_401(sb: Sandbox, authorization: str | None, message: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(sb.jobs_url("demo"), headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": message}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_bearer_keyword_is_case_insensitive(sb: Sandbox) -> None:
    response = httpx.get(sb.jobs_url("demo"), headers={"Authorization": f"bearer {sb.api_key}"})
    assert response.status_code == 200


def test_forbidden_agent_is_403(sb: Sandbox, fetch: Fetch) -> None:
    response = fetch(sb.forbidden_agent_id)
    assert response.status_code == 403
    assert response.json() == {"message": "You do not have permission to access this agent."}
    # The data exists; only this key may not read it.
    assert len(sb.jobs("forbidden")) == 25


@pytest.mark.parametrize(
    "agent_id",
    [
        "0b0e0c0a-0000-4000-8000-000000000000",  # a UUID no agent has
        "not-a-uuid",
        "12345",
    ],
)
def test_unknown_or_malformed_agent_is_404(sb: Sandbox, fetch: Fetch, agent_id: str) -> None:
    response = fetch(agent_id)
    assert response.status_code == 404
    assert response.json() == {
        "message": "Agent not found." if "-" in agent_id and len(agent_id) == 36 else "Not found."
    }


def test_upper_case_agent_id_does_not_match_the_uuid_route(sb: Sandbox, fetch: Fetch) -> None:
    response = fetch(sb.agents["demo"].upper())
    assert (response.status_code, response.json()) == (404, {"message": "Not found."})


def test_malformed_agent_id_is_404_even_without_credentials(sb: Sandbox) -> None:
    # Django routes before DRF authenticates: no <uuid:agent_id> match, no view, 404.
    response = httpx.get(f"{sb.base_url}/v1/agents/nope/jobs/")
    assert (response.status_code, response.json()) == (404, {"message": "Not found."})


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v1/agents",
        "/v1/agents/{demo}/jobs",
        "/v1/agents/{demo}/",
        "/v1/agents/{demo}/jobs/x/",
        "/v1/agents/{demo}/versions/current/",
        "/v1/agents/jobs/results",
        "/v1/agents/jobs/statuses/",
        "/v2/jobs/",
    ],
)
def test_other_paths_are_404(sb: Sandbox, client: httpx.Client, path: str) -> None:
    response = client.get(path.format(demo=sb.agents["demo"]))
    assert (response.status_code, response.json()) == (404, {"message": "Not found."})


def test_other_methods_are_405_after_authentication(sb: Sandbox, client: httpx.Client) -> None:
    url = f"/v1/agents/{sb.agents['demo']}/jobs/"
    response = client.post(url, json={"inputs": []})
    assert response.status_code == 405
    assert response.json() == {"message": 'Method "POST" not allowed.'}
    assert response.headers["Allow"] == "GET, HEAD"
    assert client.delete(url).status_code == 405
    assert httpx.post(f"{sb.base_url}{url}").status_code == 401


def test_head_sends_headers_only(sb: Sandbox, client: httpx.Client) -> None:
    get = client.get(f"/v1/agents/{sb.agents['small']}/jobs/")
    head = client.head(f"/v1/agents/{sb.agents['small']}/jobs/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))


def test_error_style_detail_answers_like_the_current_api(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = roe_sandbox_factory(error_style="detail", sizes={"demo": 30, "large": 10})
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    assert httpx.get(sandbox.jobs_url("demo")).json() == {"detail": "Authentication credentials were not provided."}
    assert httpx.get(sandbox.jobs_url("forbidden"), headers=headers).json() == {
        "detail": "You do not have permission to access this agent."
    }
    assert httpx.get(sandbox.jobs_url("demo"), params={"page": 9}, headers=headers).json() == {
        "detail": "Invalid page."
    }
    assert httpx.get(sandbox.jobs_url("demo"), params={"limit": "x"}, headers=headers).json() == {
        "limit": ["A valid integer is required."]
    }
    with pytest.raises(ValueError, match="error_style"):
        Sandbox(error_style="html")  # type: ignore[arg-type]


def test_every_response_has_a_date_and_json_content_type(sb: Sandbox, client: httpx.Client, fetch: Fetch) -> None:
    responses = [
        fetch("demo"),
        fetch("empty"),
        fetch("demo", page=99),
        fetch("demo", created_from="x"),
        fetch(sb.forbidden_agent_id),
        client.get("/nowhere"),
        client.post(f"/v1/agents/{sb.agents['demo']}/jobs/"),
        httpx.get(sb.jobs_url("demo")),
    ]
    now = datetime.now(UTC)
    for response in responses:
        assert response.headers["Content-Type"] == "application/json"
        assert int(response.headers["Content-Length"]) == len(response.content)
        sent = parsedate_to_datetime(response.headers["Date"])
        assert abs(sent - now) < timedelta(minutes=1)


def test_keep_alive_serves_several_requests_on_one_connection(sb: Sandbox) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        headers = {"Authorization": f"Bearer {sb.api_key}"}
        for agent in ("single", "empty", "small", "single"):
            connection.request("GET", f"/v1/agents/{sb.agents[agent]}/jobs/", headers=headers)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert response.version == 11
            assert response.getheader("Connection") is None
            assert len(body) == int(response.getheader("Content-Length") or -1)
        # Still the same socket: HTTPConnection would have reconnected silently otherwise.
        assert connection.sock is not None
    finally:
        connection.close()


def test_malformed_request_line_gets_a_json_400(sb: Sandbox) -> None:
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        chunks = []
        while chunk := raw.recv(65536):  # the server closes after an error it cannot recover from
            chunks.append(chunk)
        reply = b"".join(chunks).decode()
    assert reply.startswith("HTTP/1.1 400")
    assert "Content-Type: application/json" in reply
    assert reply.endswith('{"message":"Bad request syntax (\'NONSENSE\')"}')
