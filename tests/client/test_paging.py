"""`AgentPages` through its one seam (`fetch_page`), with no HTTP: plan, keep, report, partial."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import msgspec
import pytest

import roe_analysis as ra
from roe_analysis.api import JobQuery, decode_page
from roe_analysis.client import AgentPages, PageFetch

AGENT = "00000000-0000-4000-8000-0000000000aa"
SERVED_AT = datetime(2026, 5, 2, 12, 0, 0, tzinfo=UTC)


def job(i: int) -> dict[str, object]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "status_code": 3,
        "created_at": f"2026-05-01T10:{i // 60:02d}:{i % 60:02d}Z",
        "last_updated_at": "2026-05-01T11:00:00Z",
    }


class Fetcher:
    """Serves ``jobs`` newest first, ``per_page`` a page; page ``fail`` raises a 503."""

    def __init__(self, n: int, per_page: int, fail: int | None = None) -> None:
        self.jobs = [job(i) for i in reversed(range(n))]
        self.per_page = per_page
        self.fail = fail
        self.asked: list[tuple[int, str | None]] = []

    async def fetch_page(self, agent: str, query: JobQuery, number: int) -> PageFetch:
        created_to = query.created_to.isoformat() if query.created_to else None
        self.asked.append((number, created_to))
        request = httpx.Request("GET", f"http://127.0.0.1/v1/agents/{agent}/jobs/?page={number}")
        if number == self.fail:
            raise ra.ServerError("boom", status_code=503, request=request, page=number)
        chunk = self.jobs[(number - 1) * self.per_page : number * self.per_page]
        body = msgspec.json.encode({"count": len(self.jobs), "results": chunk})
        return PageFetch(decode_page(body), request, SERVED_AT, body, 0.0)


def pages(fetcher: Fetcher) -> AgentPages:
    return AgentPages(fetcher, AGENT, JobQuery.build(), semaphore=asyncio.Semaphore(2))


def test_every_page_is_kept_once_and_the_rest_is_fetched_with_the_pinned_window() -> None:
    fetcher = Fetcher(250, 100)
    load = asyncio.run(pages(fetcher).load())
    ids = [j.id for chunk in load.chunks for j in chunk.jobs]
    assert ids == [j["id"] for j in fetcher.jobs]
    assert [chunk.page for chunk in load.chunks] == [1, 2, 3]
    assert sorted(fetcher.asked) == [
        (1, None),
        (2, "2026-05-02T11:59:59.999999+00:00"),
        (3, "2026-05-02T11:59:59.999999+00:00"),
    ]
    assert (load.report.server_count, load.report.unique_jobs, load.report.pages, load.report.page_size_used) == (
        250,
        250,
        3,
        100,
    )
    assert load.report.window_end == "2026-05-02T11:59:59.999999Z"
    assert load.report.watermark == "2026-05-02T11:59:59.000000Z"
    assert load.report.consistent


def test_after_a_failure_what_was_kept_is_still_there() -> None:
    fetcher = Fetcher(250, 100, fail=3)
    agent_pages = pages(fetcher)
    with pytest.raises(ra.ServerError, match="503 boom"):
        asyncio.run(agent_pages.load())
    kept = agent_pages.fetched()
    assert [j.id for chunk in kept.chunks for j in chunk.jobs] == [j["id"] for j in fetcher.jobs[:200]]
    assert (kept.report.pages, kept.report.page_size_used) == (2, 100)


def test_pages_in_order_are_the_servers_pages() -> None:
    fetcher = Fetcher(250, 100)

    async def numbers() -> list[tuple[int, int]]:
        return [(n, len(f.page.results)) async for n, f in pages(fetcher).fetches_in_order()]

    assert asyncio.run(numbers()) == [(1, 100), (2, 100), (3, 50)]
