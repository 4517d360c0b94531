"""Each error class where it belongs, with the server's message, the page and the attempts."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import httpx
import pytest

import roe_analysis as ra
from roe_analysis.api import parse_retry_after
from roe_analysis.sandbox import Sandbox

AGENT = "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11"
ORG = "3f2b7c1d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


class Scripted(httpx.AsyncBaseTransport):
    """Answers each request with the next scripted response."""

    def __init__(self, *responses: Callable[[httpx.Request], httpx.Response]) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)(request)


def client_for(transport: httpx.AsyncBaseTransport, **kwargs: object) -> ra.RoeClient:
    c = ra.RoeClient(
        api_key="sk-SECRET",
        organization_id=ORG,
        base_url="https://api.example.test",
        transport=transport,
        environ={},
        **kwargs,
    )
    c.async_client.backoff_base = 0.001
    return c


def test_400_carries_the_field_messages() -> None:
    transport = Scripted(lambda r: httpx.Response(400, json={"created_from": ["Enter a valid date/time."]}))
    with client_for(transport) as c, pytest.raises(ra.BadRequestError) as info:
        c.load_jobs(AGENT, progress=False)
    assert info.value.field_errors == {"created_from": ["Enter a valid date/time."]}
    assert info.value.message == "created_from: Enter a valid date/time."
    assert len(transport.requests) == 1  # a 400 is never retried


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "Agent not found."}, "Agent not found."),
        ({"detail": "Not found."}, "Not found."),
        ({"error": "agent missing"}, "agent missing"),
    ],
)
def test_the_message_is_read_from_message_detail_or_error(body: dict, message: str) -> None:
    with (
        client_for(Scripted(lambda r: httpx.Response(404, json=body))) as c,
        pytest.raises(ra.AgentNotFoundError) as info,
    ):
        c.load_jobs(AGENT, progress=False)
    assert info.value.message == message
    assert str(info.value) == f"404 {message} for GET {info.value.request.url} (page 1, after 1 attempt)"


def test_invalid_page_is_its_own_404() -> None:
    with (
        client_for(Scripted(lambda r: httpx.Response(404, json={"detail": "Invalid page."}))) as c,
        pytest.raises(ra.InvalidPageError),
    ):
        c.load_jobs(AGENT, progress=False)


def test_an_html_5xx_body_still_gives_a_readable_error_after_the_retries() -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    transport = Scripted(*[lambda r: httpx.Response(502, text=html)] * 3)
    with client_for(transport, max_retries=2) as c, pytest.raises(ra.ServerError) as info:
        c.load_jobs(AGENT, progress=False)
    assert info.value.status_code == 502 and info.value.attempts == 3
    assert "(page 1, after 3 attempts)" in str(info.value)
    assert len(transport.requests) == 3
    assert "SECRET" not in str(info.value)


def test_a_body_of_the_wrong_shape_names_the_page_and_json_path() -> None:
    body = {"count": 1, "results": [{"id": "x", "status_code": "done", "created_at": "2026-05-01T00:00:00Z"}]}
    transport = Scripted(lambda r: httpx.Response(200, json=body))
    with client_for(transport) as c, pytest.raises(ra.MalformedResponseError) as info:
        c.load_jobs(AGENT, progress=False)
    assert "(page 1)" in str(info.value) and "$.results[0].status_code" in str(info.value)
    assert len(transport.requests) == 1  # wrong shapes are not transient


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


def test_connection_refused_is_a_connection_error_naming_page_and_attempts(closed_port: int) -> None:
    c = ra.RoeClient(
        api_key="k", organization_id=ORG, base_url=f"http://127.0.0.1:{closed_port}", max_retries=1, environ={}
    )
    c.async_client.backoff_base = 0.001
    with pytest.raises(ra.RoeConnectionError, match=r"\(page 1, after 2 attempts\)") as info:
        c.load_jobs(AGENT, progress=False)
    assert isinstance(info.value, ra.TransportError)
    c.close()


def test_a_slow_server_times_out_as_a_timeout_error(roe_sandbox: Sandbox) -> None:
    sb = roe_sandbox
    sb.set_faults("latency=400ms")
    c = ra.RoeClient(
        api_key=sb.api_key,
        organization_id=sb.organization_id,
        base_url=sb.base_url,
        timeout=0.1,
        max_retries=1,
        environ={},
    )
    c.async_client.backoff_base = 0.001
    with pytest.raises(ra.RoeTimeoutError, match=r"\(page 1, after 2 attempts\)"):
        c.load_jobs(sb.agents["small"], progress=False)
    c.close()


def test_progress_is_text_in_a_terminal(
    roe_sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under pytest stderr is a pipe, where no bar is drawn: stand in for a person at a terminal.
    monkeypatch.setattr("roe_analysis.client._progress.watched", lambda: True)
    sb = roe_sandbox
    with ra.RoeClient(api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}) as c:
        c.load_jobs(sb.agents["small"], page_size=10, progress=True)
        err = capsys.readouterr().err
        assert "Loading jobs" in err and "4/4" in err and "40 jobs" in err
        c.load_jobs(sb.agents["small"], page_size=10, progress=False)
        assert capsys.readouterr().err == ""


def test_a_404_that_is_not_the_apis_json_is_not_a_missing_agent() -> None:
    # A wrong base-URL path or a proxy page: the agent id is not the problem.
    html = "<html><body>Not Found</body></html>"
    with client_for(Scripted(lambda r: httpx.Response(404, text=html))) as c, pytest.raises(ra.NotFoundError) as info:
        c.load_jobs(AGENT, progress=False)
    assert type(info.value) is ra.NotFoundError


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_timeout_must_be_finite(value: str) -> None:
    with pytest.raises(ra.ConfigurationError, match="positive, finite number of seconds"):
        ra.RoeClient(environ={"ROE_API_KEY": "k", "ROE_ORGANIZATION_ID": ORG, "ROE_TIMEOUT": value})
