"""DRF page-number pagination: page sizes, the cap, links, the end, empty and one-job agents."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from roe_analysis.sandbox import Sandbox

Fetch = Callable[..., httpx.Response]


@pytest.mark.parametrize("page_size", [1, 7, 20, 39, 40, 100])
def test_pages_cover_every_job_once_in_order(
    page_size: int, sb: Sandbox, walk_ids: Callable[..., list[str]], fetch: Fetch
) -> None:
    truth = [job["id"] for job in sb.jobs("small")]
    assert len(truth) == 40
    assert walk_ids("small", page_size=page_size) == truth
    pages = -(-40 // page_size)
    for number in range(1, pages + 1):
        body = fetch("small", page_size=page_size, page=number).json()
        assert body["count"] == 40
        assert [job["id"] for job in body["results"]] == truth[(number - 1) * page_size : number * page_size]


def test_default_page_size_is_20(sb: Sandbox, fetch: Fetch) -> None:
    body = fetch("demo").json()
    assert body["count"] == 1500
    assert [job["id"] for job in body["results"]] == [job["id"] for job in sb.jobs("demo")[:20]]


@pytest.mark.parametrize("page_size", ["101", "1000", "100000"])
def test_page_size_above_the_maximum_is_capped_at_100(
    page_size: str, sb: Sandbox, fetch: Fetch, client: httpx.Client
) -> None:
    truth = [job["id"] for job in sb.jobs("demo")]
    body = fetch("demo", page_size=page_size).json()
    assert [job["id"] for job in body["results"]] == truth[:100]
    # The link keeps the requested size; the server caps it again.
    assert dict(parse_qsl(urlsplit(body["next"]).query)) == {"page": "2", "page_size": page_size}
    second = client.get(body["next"]).json()
    assert [job["id"] for job in second["results"]] == truth[100:200]


@pytest.mark.parametrize("page_size", ["0", "-3", "ten", "2.5", ""])
def test_invalid_page_size_falls_back_to_the_default(page_size: str, fetch: Fetch) -> None:
    assert len(fetch("demo", page_size=page_size).json()["results"]) == 20


def test_next_and_previous_links_follow_drf(sb: Sandbox, fetch: Fetch) -> None:
    base = f"{sb.base_url}/v1/agents/{sb.agents['small']}/jobs/"
    first = fetch("small", page_size=10, status_code="3,4,5,6", ordering="-cost").json()
    # DRF re-encodes the query with the parameters sorted by name.
    assert first["next"] == f"{base}?ordering=-cost&page=2&page_size=10&status_code=3%2C4%2C5%2C6"
    assert first["previous"] is None
    second = fetch("small", page_size=10, page=2, status_code="3,4,5,6", ordering="-cost").json()
    # The link back to page 1 drops the page parameter, as DRF's remove_query_param does.
    assert second["previous"] == f"{base}?ordering=-cost&page_size=10&status_code=3%2C4%2C5%2C6"
    third = fetch("small", page_size=10, page=3, status_code="3,4,5,6", ordering="-cost").json()
    assert third["previous"] == f"{base}?ordering=-cost&page=2&page_size=10&status_code=3%2C4%2C5%2C6"
    last_page = -(-first["count"] // 10)
    last = fetch("small", page_size=10, page=last_page, status_code="3,4,5,6", ordering="-cost").json()
    assert last["next"] is None


def test_links_use_the_host_header(sb: Sandbox, client: httpx.Client) -> None:
    response = client.get(
        f"/v1/agents/{sb.agents['demo']}/jobs/", params={"page": 2}, headers={"Host": "api.example.test:8443"}
    )
    body = response.json()
    assert body["next"] == f"http://api.example.test:8443/v1/agents/{sb.agents['demo']}/jobs/?page=3"
    assert body["previous"] == f"http://api.example.test:8443/v1/agents/{sb.agents['demo']}/jobs/"


@pytest.mark.parametrize("page", ["3", "4", "0", "-1", "two", "2.0", "1e1"])
def test_a_page_that_does_not_exist_is_404_invalid_page(page: str, fetch: Fetch) -> None:
    response = fetch("small", page=page)
    assert response.status_code == 404
    assert response.json() == {"message": "Invalid page."}


def test_page_last_is_the_last_page(sb: Sandbox, fetch: Fetch) -> None:
    body = fetch("small", page="last", page_size=15).json()
    assert [job["id"] for job in body["results"]] == [job["id"] for job in sb.jobs("small")[30:]]
    assert body["next"] is None
    assert body["previous"].endswith("page=2&page_size=15")


def test_empty_agent_has_a_valid_first_page_only(fetch: Fetch) -> None:
    first = fetch("empty")
    assert first.status_code == 200
    assert first.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert fetch("empty", page=2).status_code == 404


def test_single_job_agent(sb: Sandbox, fetch: Fetch) -> None:
    body = fetch("single").json()
    assert body["count"] == 1
    assert body["next"] is None and body["previous"] is None
    assert [job["id"] for job in body["results"]] == [job["id"] for job in sb.jobs("single")]
    assert fetch("single", page=2).status_code == 404


def test_large_agent_walk(sb: Sandbox, walk_ids: Callable[..., list[str]]) -> None:
    served = walk_ids("large")
    assert len(served) == 6000 == len(set(served))
    assert served == [job["id"] for job in sb.jobs("large")]
