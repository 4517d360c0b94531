"""Bad arguments fail with a hint before any request; settings come from arguments or the environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

import roe_analysis as ra
from roe_analysis.api import JobQuery

AGENT = "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11"
ORG = "3f2b7c1d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.authorization: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # What went over the wire; the client strips the header from the request object afterwards.
        self.authorization.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"count": 0, "next": None, "previous": None, "results": []})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> ra.RoeClient:
    c = ra.RoeClient(
        api_key="sk-test-SECRET",
        organization_id=ORG,
        base_url="https://api.example.test",
        transport=recorder,
        environ={},
    )
    yield c
    c.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agent_id": "not-a-uuid"}, "agent_id must be a UUID"),
        ({"agent_id": []}, "agent_id is an empty list"),
        ({"agent_id": [AGENT, AGENT]}, "more than once"),
        ({"ordering": ["-created"]}, "unknown ordering key '-created'. Did you mean '-created_at'?"),
        ({"ordering": ["created_at", "-created_at"]}, "names 'created_at' twice"),
        (
            {"created_from": datetime(2026, 5, 2, tzinfo=UTC), "created_to": datetime(2026, 5, 1, tzinfo=UTC)},
            "is after created_to",
        ),
        ({"created_from": datetime(2026, 5, 1)}, "naive datetime"),
        ({"created_to": "2026-05-01T00:00:00"}, "naive datetime"),
        ({"created_to": "last tuesday"}, "ISO 8601"),
        ({"page_size": 0}, "page_size must be a whole number of at least 1"),
        ({"page_size": True}, "page_size must be"),
        ({"metadata": {"customer": 3}}, "metadata must map strings to strings"),
        ({"metadata": "customer=acme"}, "metadata must be a dict"),
        ({"status_code": "DONE"}, "unknown status_code 'DONE'"),
        ({"limit": -1}, "limit must be a whole number >= 0"),
        ({"job_id": "abc"}, "job_id must be a job's UUID"),
        ({"version_name": 2}, "version_name must be a string"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    client: ra.RoeClient, recorder: Recorder, kwargs: dict, message: str
) -> None:
    args = {"agent_id": AGENT, **kwargs}
    agent = args.pop("agent_id")
    with pytest.raises(ra.InvalidArgumentError, match=_escape(message)) as info:
        client.load_jobs(agent, progress=False, **args)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ra.InvalidArgumentError):
        client.iter_pages(agent, **args) if isinstance(agent, str) else client.load_jobs(agent, **args)
    assert recorder.requests == []


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_query_parameters_are_exactly_what_the_api_expects() -> None:
    q = JobQuery.build(
        created_from="2026-05-01T02:00:00+02:00",
        created_to=datetime(2026, 5, 2, tzinfo=timezone(timedelta(hours=-5))),
        status_code=["SUCCESS", 4],
        version_name="v2.0",
        ordering="-grader_score,created_at",
        metadata={"customer": "acmé"},
        search="invoice",
        exclude_metadata=True,
        verdict="Suspicious",
        limit=0,
        page_size=50,
    )
    assert q.params(ORG) == {
        "organization_id": ORG,
        "page_size": "50",
        "created_from": "2026-05-01T00:00:00.000000Z",
        "created_to": "2026-05-02T05:00:00.000000Z",
        "status_code": "3,4",
        "ordering": "-grader_score,created_at,-id",
        "metadata": '{"customer":"acmé"}',
        "exclude_metadata": "true",
        "limit": "0",
        "version_name": "v2.0",
        "search": "invoice",
        "verdict": "Suspicious",
    }


def test_default_query_orders_newest_first_with_an_id_tiebreak() -> None:
    assert JobQuery.build().params(ORG) == {"organization_id": ORG, "page_size": "100", "ordering": "-created_at,-id"}


def test_settings_come_from_the_sdk_environment_variables() -> None:
    env = {
        "ROE_API_KEY": "sk-env-SECRET",
        "ROE_ORGANIZATION_ID": ORG,
        "ROE_BASE_URL": "https://api.acme.roe-ai.com/",
        "ROE_TIMEOUT": "12.5",
        "ROE_MAX_RETRIES": "2",
    }
    c = ra.RoeClient(environ=env)
    assert c.base_url == "https://api.acme.roe-ai.com"
    assert repr(c) == (
        f"RoeClient(base_url='https://api.acme.roe-ai.com', organization_id='{ORG}', concurrency=8, "
        "max_retries=2, api_key=**********)"
    )
    assert c.async_client._settings.timeout == 12.5
    # keyword arguments win over the environment
    c2 = ra.RoeClient(environ=env, max_retries=7, concurrency=3)
    assert (c2.async_client._settings.max_retries, c2.async_client.concurrency) == (7, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": None}, "No API key: pass api_key=... or set the ROE_API_KEY"),
        ({"organization_id": None}, "No organization id"),
        ({"organization_id": "acme"}, "organization_id must be a UUID"),
        ({"base_url": "http://api.roe-ai.com"}, "Refusing to send the API key over plain http to api.roe-ai.com"),
        ({"base_url": "ftp://x"}, "base_url must look like"),
        ({"base_url": "https://user:pw@api.roe-ai.com"}, "must not contain a user name"),
        ({"timeout": 0}, "timeout must be a positive, finite number"),
        ({"max_retries": -1}, "max_retries must be 0 or more"),
        ({"concurrency": 0}, "concurrency must be a whole number of at least 1"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    args = {"api_key": "sk-SECRET", "organization_id": ORG, **kwargs}
    with pytest.raises(ra.ConfigurationError, match=_escape(message)) as info:
        ra.RoeClient(environ={}, **args)
    assert "sk-SECRET" not in str(info.value)


def test_plain_http_is_allowed_to_loopback_and_with_explicit_consent() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:9"):
        assert ra.RoeClient(api_key="k", organization_id=ORG, base_url=url, environ={}).base_url.startswith("http://")
    c = ra.RoeClient(api_key="k", organization_id=ORG, base_url="http://roe.internal", allow_insecure=True, environ={})
    assert c.base_url == "http://roe.internal"


def test_key_only_travels_in_the_authorization_header(client: ra.RoeClient, recorder: Recorder) -> None:
    client.load_jobs(AGENT, progress=False)
    (request,) = recorder.requests
    assert recorder.authorization == ["Bearer sk-test-SECRET"]
    assert "authorization" not in request.headers
    # One slash: a base URL without a path once produced "//v1/...".
    assert request.url.raw_path.startswith(f"/v1/agents/{AGENT}/jobs/?".encode())
    assert "SECRET" not in str(request.url)
    assert request.url.params["organization_id"] == ORG
    assert "SECRET" not in repr(client) and "SECRET" not in str(client.async_client._settings)
