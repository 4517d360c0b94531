"""Faults: the spec syntax, and each fault doing exactly what it says on exactly the requests it says."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from roe_analysis.sandbox import (
    DeleteJobs,
    DropConnection,
    ErrorStatus,
    Faults,
    InsertJobs,
    Latency,
    Sandbox,
    TruncateBody,
)

Fetch = Callable[..., httpx.Response]


def statuses(fetch: Fetch, n: int, agent: str = "single") -> list[int]:
    return [fetch(agent).status_code for _ in range(n)]


# -- the syntax -----------------------------------------------------------------------------------


def test_parse_every_rule_kind() -> None:
    faults = Faults.parse(
        "429:every=3,retry_after=2; 500:every=5 ;502:html=1,times=2;503;504:after=4;"
        "latency=200ms;latency=1.5s:every=2;latency=30;drop:every=7,times=1;truncate;truncate:mode=json;"
        "insert=5:after=1;delete=2"
    )
    assert faults.rules == (
        ErrorStatus(status=429, every=3, retry_after=2),
        ErrorStatus(status=500, every=5),
        ErrorStatus(status=502, html=True, times=2),
        ErrorStatus(status=503),
        ErrorStatus(status=504, after=4),
        Latency(seconds=0.2),
        Latency(seconds=1.5, every=2),
        Latency(seconds=0.03),
        DropConnection(every=7, times=1),
        TruncateBody(),
        TruncateBody(mode="json"),
        InsertJobs(count=5, after=1),
        DeleteJobs(count=2),
    )
    assert Faults.parse(str(faults)) == faults
    assert Faults.parse("") == Faults() == Faults.parse(" ; ")


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("418", "error status must be one of"),
        ("boom", "unknown fault 'boom'"),
        ("500:retry_after=3", "retry_after only goes with 429"),
        ("500:html=1", "html only goes with 502, 503 or 504"),
        ("429:every=0", "every must be at least 1"),
        ("429:every=two", "every needs a whole number"),
        ("429:sometimes=1", "unknown option"),
        ("429:every", "needs a value"),
        ("latency=fast", "bad duration"),
        ("truncate:mode=half", "truncate mode"),
        ("insert=many", "insert needs a whole number"),
    ],
)
def test_parse_rejects_bad_specs_naming_the_rule(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as caught:
        Faults.parse(spec)
    assert spec.split(":", maxsplit=1)[0] in str(caught.value)


def test_faults_only_take_rules() -> None:
    with pytest.raises(TypeError):
        Faults("500")  # type: ignore[arg-type]


# -- error statuses and triggers ------------------------------------------------------------------


def test_429_every_third_request_with_retry_after(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("429:every=3,retry_after=2")
    responses = [fetch("single") for _ in range(7)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429, 200]
    throttled = responses[2]
    assert throttled.headers["Retry-After"] == "2"
    assert throttled.json() == {"message": "Request was throttled. Expected available in 2 seconds."}
    assert [r.fault for r in sb.requests] == [None, None, "429:retry_after=2,every=3"] * 2 + [None]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "A server error occurred."),
        (502, "Bad gateway."),
        (503, "Service temporarily unavailable."),
        (504, "Gateway timeout."),
    ],
)
def test_server_errors(status: int, message: str, sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults(ErrorStatus(status=status, every=2).spec())
    responses = [fetch("single") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, status, 200, status]
    assert responses[1].json() == {"message": message}


def test_load_balancer_html_error_page(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("502:html=1")
    response = fetch("single")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_after_and_times_fire_only_on_the_chosen_requests(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("500:after=1,times=1")
    assert statuses(fetch, 5) == [200, 500, 200, 200, 200]
    sb.set_faults("503:every=2,times=2")
    assert statuses(fetch, 8) == [200, 503, 200, 503, 200, 200, 200, 200]
    sb.set_faults("504:after=2,every=3")
    assert statuses(fetch, 9) == [200, 200, 200, 200, 504, 200, 200, 504, 200]


def test_first_listed_rule_wins_when_several_fire(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("429:every=2;500:every=2;503:every=3")
    assert statuses(fetch, 6) == [200, 429, 503, 429, 200, 429]


def test_faults_act_before_authentication_and_only_on_served_routes(sb: Sandbox, client: httpx.Client) -> None:
    sb.set_faults("503")
    assert httpx.get(sb.jobs_url("demo")).status_code == 503
    assert client.get("/v1/other/").status_code == 404
    assert client.get(f"/v1/agents/{sb.agents['demo']}/jobs/").status_code == 503
    assert httpx.post(sb.results_url, json={"job_ids": []}).status_code == 503
    assert client.get(sb.versions_url("demo")).status_code == 503
    assert client.get(sb.agents_url).status_code == 503
    assert [r.status for r in sb.requests] == [503, 404, 503, 503, 503, 503]


def test_set_faults_restarts_the_counters_and_none_clears(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("500:every=2")
    assert statuses(fetch, 1) == [200]
    sb.set_faults("500:every=2")
    assert statuses(fetch, 2) == [200, 500]
    sb.set_faults(None)
    assert statuses(fetch, 3) == [200, 200, 200]
    assert not sb.active_faults


def test_faults_context_manager_restores_the_previous_faults(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("503:every=100")
    with sb.faults(Faults(ErrorStatus(status=500))) as active:
        assert active == sb.active_faults
        assert statuses(fetch, 2) == [500, 500]
    assert sb.active_faults == Faults.parse("503:every=100")
    assert statuses(fetch, 2) == [200, 200]


def test_faults_from_the_constructor_come_back_on_reset(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = roe_sandbox_factory(faults="500:times=1", sizes={"demo": 30, "large": 10})
    get = lambda: httpx.get(sandbox.jobs_url("single"), headers={"Authorization": f"Bearer {sandbox.api_key}"})  # noqa: E731
    assert [get().status_code for _ in range(2)] == [500, 200]
    sandbox.reset()
    assert [get().status_code for _ in range(2)] == [500, 200]


# -- transport faults -----------------------------------------------------------------------------


def test_latency(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("latency=250ms:every=2")
    elapsed = []
    for _ in range(2):
        started = time.perf_counter()
        assert fetch("single").status_code == 200
        elapsed.append(time.perf_counter() - started)
    # Only a lower bound is certain on a loaded machine.
    assert elapsed[1] >= 0.25


def test_dropped_connection(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("drop:every=2")
    assert fetch("single").status_code == 200
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        fetch("single")
    assert fetch("single").status_code == 200
    assert [(r.status, r.fault) for r in sb.requests] == [(200, None), (None, "drop:every=2"), (200, None)]


def test_truncated_body_shorter_than_its_content_length(sb: Sandbox, fetch: Fetch) -> None:
    sb.set_faults("truncate:times=1")
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message body"):
        fetch("small")
    assert fetch("small").status_code == 200


def test_truncated_body_that_is_just_invalid_json(sb: Sandbox, fetch: Fetch) -> None:
    whole = fetch("small").content
    sb.set_faults("truncate:mode=json")
    response = fetch("small")
    assert response.status_code == 200
    assert response.content == whole[: len(whole) // 2]
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()


# -- data changing while a client pages -----------------------------------------------------------


def walk_pages(fetch: Fetch, agent: str, pages: int, page_size: int) -> list[dict[str, object]]:
    return [fetch(agent, page=n, page_size=page_size).json() for n in range(1, pages + 1)]


def test_jobs_inserted_while_paging_shift_the_pages(sb: Sandbox, fetch: Fetch) -> None:
    truth = [job["id"] for job in sb.jobs("small")]
    sb.set_faults("insert=3")
    pages = walk_pages(fetch, "small", 4, 10)
    served = [[job["id"] for job in page["results"]] for page in pages]  # type: ignore[attr-defined]
    # After each page 3 newer jobs go on top, so every later page starts 3 jobs earlier than it would.
    assert served == [truth[7 * p : 7 * p + 10] for p in range(4)]
    assert [page["count"] for page in pages] == [40, 43, 46, 49]
    now = sb.jobs("small")
    assert len(now) == 52
    inserted = now[:12]
    assert all(job["status_code"] == 0 and job["duration_ms"] is None for job in inserted)
    assert [job["id"] for job in now[12:]] == truth


def test_insert_after_the_first_page_only(sb: Sandbox, fetch: Fetch) -> None:
    truth = [job["id"] for job in sb.jobs("small")]
    sb.set_faults(Faults(InsertJobs(count=5, times=1)))
    served = [[job["id"] for job in page["results"]] for page in walk_pages(fetch, "small", 3, 10)]  # type: ignore[attr-defined]
    assert served == [truth[0:10], truth[5:15], truth[15:25]]


def test_jobs_deleted_while_paging_are_skipped_over(sb: Sandbox, fetch: Fetch) -> None:
    remaining = [job["id"] for job in sb.jobs("small")]
    truth = list(remaining)
    sb.set_faults("delete=2")
    expected = []
    for number in range(1, 4):
        page = remaining[(number - 1) * 10 : number * 10]
        expected.append(page)
        remaining = [job_id for job_id in remaining if job_id not in page[:2]]
    pages = walk_pages(fetch, "small", 3, 10)
    assert [[job["id"] for job in page["results"]] for page in pages] == expected  # type: ignore[attr-defined]
    assert [page["count"] for page in pages] == [40, 38, 36]
    never_served = set(truth[:30]) - {job_id for page in expected for job_id in page}
    assert never_served == {truth[10], truth[11], truth[22], truth[23]}
    assert [job["id"] for job in sb.jobs("small")] == remaining


def test_a_request_still_in_flight_when_the_log_is_cleared_is_not_logged(sb: Sandbox, fetch: Fetch) -> None:
    # Otherwise a slow request abandoned by one test would be counted in the next.
    import threading

    sb.set_faults("latency=300ms")
    slow = threading.Thread(target=lambda: fetch("single"))
    slow.start()
    time.sleep(0.1)
    sb.clear_requests()
    slow.join()
    assert sb.requests == []
    sb.set_faults(None)
    assert fetch("single").status_code == 200
    assert [r.status for r in sb.requests] == [200]
