"""The server as a whole: lifecycle, concurrency, determinism, the request log, secrets, serve()."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import roe_analysis.sandbox as sandbox_module
from roe_analysis.sandbox import Sandbox, serve

SMALL = {"demo": 120, "large": 250}


def bodies(sandbox: Sandbox) -> list[bytes]:
    """Every page body of every readable agent, with this sandbox's address blanked out."""
    out = []
    with httpx.Client(headers={"Authorization": f"Bearer {sandbox.api_key}"}) as client:
        for name in ("demo", "small", "single", "empty", "large"):
            url: str | None = sandbox.jobs_url(name) + "?page_size=50"
            while url:
                response = client.get(url)
                out.append(response.content.replace(sandbox.base_url.encode(), b"http://HOST"))
                url = response.json()["next"]
    return out


def test_same_seed_serves_byte_identical_bodies(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    first = roe_sandbox_factory(seed=7, sizes=SMALL)
    second = roe_sandbox_factory(seed=7, sizes=SMALL)
    assert first.port != second.port
    assert first.agents == second.agents and first.api_key == second.api_key
    assert bodies(first) == bodies(second)
    other = roe_sandbox_factory(seed=8, sizes=SMALL)
    assert other.agents != first.agents
    assert bodies(other) != bodies(first)


def test_sixteen_parallel_requests(sb: Sandbox) -> None:
    truth = [job["id"] for job in sb.jobs("demo")]

    def page(number: int) -> tuple[int, list[str]]:
        with httpx.Client(headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10) as client:
            response = client.get(sb.jobs_url("demo"), params={"page": number, "page_size": 100})
            return response.status_code, [job["id"] for job in response.json()["results"]]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(page, [n % 15 + 1 for n in range(16)]))
    for index, (status, ids) in enumerate(results):
        number = index % 15 + 1
        assert status == 200
        assert ids == truth[(number - 1) * 100 : number * 100]
    assert len(sb.requests) == 16


def test_request_log(sb: Sandbox, fetch: Callable[..., httpx.Response]) -> None:
    assert sb.requests == []
    fetch("small", page=2, page_size=10, ordering="-cost")
    httpx.get(sb.jobs_url("small"))
    (first, second) = sb.requests
    assert (first.method, first.path, first.status, first.fault) == (
        "GET",
        f"/v1/agents/{sb.agents['small']}/jobs/",
        200,
        None,
    )
    assert first.query == {"page": "2", "page_size": "10", "ordering": "-cost"}
    assert first.query_string == "page=2&page_size=10&ordering=-cost"
    assert second.status == 401
    assert first.time <= second.time
    sb.clear_requests()
    assert sb.requests == []


def test_the_api_key_never_leaks(sb: Sandbox, fetch: Callable[..., httpx.Response]) -> None:
    fetch("demo")
    assert sb.api_key not in repr(sb)
    assert sb.api_key not in repr(sb.api)
    assert sb.api_key not in repr(sb.requests) and "Bearer" not in repr(sb.requests)
    assert all(sb.api_key not in str(vars_of(record)) for record in sb.requests)


def vars_of(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}  # type: ignore[attr-defined]


def test_lifecycle() -> None:
    sandbox = Sandbox(sizes={"demo": 20, "large": 5})
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.base_url
    assert "stopped" in repr(sandbox)
    sandbox.start()
    assert sandbox.start() is sandbox
    url = sandbox.jobs_url("single")
    with httpx.Client(headers={"Authorization": f"Bearer {sandbox.api_key}"}) as client:
        assert client.get(url).status_code == 200
        # Stopping closes the kept-alive connection too, so stop() does not wait for the client.
        sandbox.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url)
    sandbox.stop()
    with pytest.raises(ValueError, match="unknown agent"):
        Sandbox(sizes={"huge": 3})


def test_agent_properties(sb: Sandbox) -> None:
    assert list(sb.agents) == ["demo", "small", "single", "empty", "large", "forbidden"]
    assert sb.agent_ids == tuple(sb.agents.values())
    assert sb.forbidden_agent_id == sb.agents["forbidden"]
    assert [len(sb.jobs(name)) for name in sb.agents] == [1500, 40, 1, 0, 6000, 25]
    assert sb.base_url == f"http://127.0.0.1:{sb.port}"
    assert sb.jobs(sb.agents["single"]) == sb.jobs("single")


def test_serve_prints_how_to_connect_and_stops_on_request() -> None:
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        kwargs={"port": 0, "seed": 5, "faults": "429:every=9", "stream": out, "stop": stop, "sizes": {"large": 10}},
    )
    thread.start()
    try:
        for _ in range(100):
            if "Ctrl-C" in out.getvalue():
                break
            threading.Event().wait(0.05)
        text = out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=10)
    reference = Sandbox(seed=5, sizes={"large": 10})
    assert reference.api_key in text and reference.organization_id in text
    assert all(agent_id in text for agent_id in reference.agent_ids)
    assert "http://127.0.0.1:" in text and "429:every=9" in text
    assert not thread.is_alive()


def test_public_api() -> None:
    assert sandbox_module.__all__ == sorted(sandbox_module.__all__, key=lambda n: (not n.isupper(), n))
    # pytest rewrites asserts in plugin distributions and leaves "@py_*" names behind.
    public = {name for name in dir(sandbox_module) if not name.startswith(("_", "@"))}
    assert set(sandbox_module.__all__) == public - {"annotations", "pytest_plugin"}
