"""A server that lies about its pages: the work follows what arrived, and no gap is silent.

Each fake server is an httpx transport answering every jobs request with a crafted page
(``{"count": N, "next": ..., "previous": ..., "results": [...]}``) from a function of the page
number and the query; nothing is timed: bounds are asserted by counting requests and tasks.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import roe_analysis as ra
import roe_analysis.client._async_client as async_client_module
from roe_analysis.client import AgentPages
from roe_analysis.errors import LoadLimitError

AGENT = "00000000-0000-4000-8000-0000000000aa"
ORG = "00000000-0000-4000-8000-0000000000bb"
BASE = "http://127.0.0.1:9"
SERVED_AT = "Sat, 02 May 2026 12:00:00 GMT"
#: The watermark a snapshot loaded from these servers records (a second before `SERVED_AT`).
WATERMARK = "2026-05-02T11:59:59.000000Z"

Answer = dict[str, Any] | httpx.Response


def job(i: int, *, updated: str = "2026-05-01T11:00:00Z") -> dict[str, Any]:
    """Job ``i``: newer ``i`` is created later (each a second apart)."""
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "status_code": 3,
        "created_at": f"2026-05-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "last_updated_at": updated,
    }


def page(count: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": count, "next": None, "previous": None, "results": results}


def invalid_page() -> httpx.Response:
    return httpx.Response(404, json={"detail": "Invalid page."})


class Crafted(httpx.AsyncBaseTransport):
    """Answers page ``n`` of any agent's jobs with ``answer(n, params)``; records what was asked.

    ``peak_tasks`` is the most asyncio tasks that existed while a request was being answered.
    """

    def __init__(self, answer: Callable[[int, httpx.QueryParams], Answer]) -> None:
        self.answer = answer
        self.pages: list[int] = []
        self.peak_tasks = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.peak_tasks = max(self.peak_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0)  # let concurrent requests interleave, as over a network
        number = int(request.url.params.get("page", "1"))
        self.pages.append(number)
        got = self.answer(number, request.url.params)
        if isinstance(got, httpx.Response):
            return got
        return httpx.Response(200, json=got, headers={"Date": SERVED_AT})


def serve(jobs: list[dict[str, Any]], per_page: int, *, count: int | None = None) -> Callable[[int, Any], Answer]:
    """``jobs`` ``per_page`` at a time (whatever page size was asked), counted as ``count``."""
    counted = len(jobs) if count is None else count

    def answer(number: int, params: Any) -> Answer:
        chunk = jobs[(number - 1) * per_page : number * per_page]
        return page(counted, chunk) if chunk or number == 1 else invalid_page()

    return answer


@pytest.fixture
def crafted() -> Iterator[Callable[..., tuple[ra.RoeClient, Crafted]]]:
    """``crafted(answer, **options)``: a `RoeClient` of a `Crafted` server, closed after the test."""
    made: list[ra.RoeClient] = []

    def make(answer: Callable[[int, Any], Answer], **options: Any) -> tuple[ra.RoeClient, Crafted]:
        transport = Crafted(answer)
        options = {"max_retries": 0, **options}
        client = ra.RoeClient(
            api_key="test-key", organization_id=ORG, base_url=BASE, environ={}, transport=transport, **options
        )
        made.append(client)
        return client, transport

    yield make
    for client in made:
        client.close()


def ids(frames: ra.JobFrames) -> list[str]:
    return frames.jobs.get_column("id").to_list()


# -- 1. page tasks are created lazily, within the concurrency bound ------------------------------------


def a_billion_one_per_page(fail_from: int) -> Callable[[int, Any], Answer]:
    """A server counting 10**9 jobs, one a page, that refuses (400) every page from ``fail_from`` on."""

    def answer(number: int, params: Any) -> Answer:
        if number >= fail_from:
            return httpx.Response(400, json={"detail": "enough"})
        return page(10**9, [job(number)])

    return answer


def test_a_billion_counted_pages_never_become_a_billion_tasks(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = peak = 0
    keep_page = AgentPages._keep_page

    def counting(self: AgentPages, *args: Any, **kwargs: Any) -> Any:
        # Counts page coroutines as they are created, so the old eager code fails at once here
        # (instead of building 10**9 of them first).
        nonlocal live, peak
        live += 1
        peak = max(peak, live)
        assert live <= 50, f"{live} page coroutines exist at once"

        async def run() -> None:
            nonlocal live
            try:
                await keep_page(self, *args, **kwargs)
            finally:
                live -= 1

        return run()

    monkeypatch.setattr(AgentPages, "_keep_page", counting)
    client, server = crafted(a_billion_one_per_page(fail_from=41), concurrency=3, max_pages=10**9)
    with pytest.raises(ra.BadRequestError) as info:
        client.load_jobs(AGENT, progress=False)

    assert info.value.page in (41, 42, 43)
    assert peak == 3
    # The load's own task and its three workers, never one per page the count implies.
    assert server.peak_tasks <= 4
    asked = sorted(server.pages)
    assert asked == list(range(1, len(asked) + 1)) and 41 <= len(asked) <= 43
    partial = ids(info.value.partial)
    assert set(partial) <= {job(n)["id"] for n in range(1, 41)} and len(partial) >= 38


def test_iter_pages_over_a_billion_counted_pages_fetches_only_a_window_ahead(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    client, server = crafted(a_billion_one_per_page(fail_from=10**9), concurrency=3, max_pages=10**9)
    taken = []
    for fetched in client.iter_pages(AGENT):
        taken.append(fetched.number)
        if len(taken) == 25:
            break
    assert taken == list(range(1, 26))
    # Page 1, then at most twice the concurrency ahead of the consumer.
    assert max(server.pages) <= 25 + 6
    assert server.peak_tasks <= 2 * 3 + 1


# -- 2. max_pages ------------------------------------------------------------------------------------


def test_a_count_past_max_pages_is_refused_before_those_pages_are_requested(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    # Asked for 100 a page, the server sends 50 and counts ten million: 200,000 pages.
    first = [job(i) for i in range(50)]
    client, server = crafted(lambda n, p: page(10_000_000, first))
    with pytest.raises(LoadLimitError) as info:
        client.load_jobs(AGENT, progress=False)

    expected = (
        f"Agent {AGENT}: the server counts 10,000,000 jobs at 50 per page (the page size it used), which is "
        f"200,000 pages, over the sanity limit of max_pages=100000; no page after page 1 was requested. If that "
        f"many jobs are real, pass a larger max_pages= to the client (e.g. max_pages=200000), or narrow the load "
        f"with created_from=/created_to=; err.partial holds the 50 jobs fetched so far."
    )
    assert str(info.value) == expected
    assert server.pages == [1]
    assert sorted(ids(info.value.partial)) == sorted(j["id"] for j in first)
    assert info.value.partial.query["complete"] is False

    # iter_pages refuses the same way, before yielding anything.
    server.pages.clear()
    with pytest.raises(LoadLimitError) as again:
        next(iter(client.iter_pages(AGENT)))
    assert str(again.value) == expected
    assert server.pages == [1]
    assert sorted(ids(again.value.partial)) == sorted(j["id"] for j in first)


def test_max_pages_is_the_number_of_pages_the_count_implies_at_the_page_size_used(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in reversed(range(9))]
    exact, _ = crafted(serve(jobs, 2), max_pages=5)
    assert ids(exact.load_jobs(AGENT, progress=False)) == [j["id"] for j in jobs]

    short, server = crafted(serve(jobs, 2), max_pages=4)
    with pytest.raises(LoadLimitError, match=r"^Agent .*: the server counts 9 jobs at 2 per page .* which is 5 pages"):
        short.load_jobs(AGENT, progress=False)
    assert server.pages == [1]


def test_a_later_page_counting_past_max_pages_stops_the_load_there(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in reversed(range(10))]

    def answer(number: int, params: Any) -> Answer:
        return page(10 if number == 1 else 10**6, jobs[(number - 1) * 2 : number * 2])

    client, server = crafted(answer, max_pages=6)
    with pytest.raises(LoadLimitError) as info:
        client.load_jobs(AGENT, progress=False)
    assert str(info.value) == (
        f"Agent {AGENT}: the server counts 1,000,000 jobs at 2 per page (the page size it used), which is 500,000 "
        f"pages, over the sanity limit of max_pages=6; no page after page 5 was requested. If that many jobs are "
        f"real, pass a larger max_pages= to the client (e.g. max_pages=500000), or narrow the load with "
        f"created_from=/created_to=; err.partial holds the 10 jobs fetched so far."
    )
    assert sorted(server.pages) == [1, 2, 3, 4, 5]
    assert sorted(ids(info.value.partial)) == sorted(j["id"] for j in jobs)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "100"])
def test_max_pages_and_max_body_bytes_must_be_whole_numbers(bad: Any) -> None:
    with pytest.raises(ra.ConfigurationError) as info:
        ra.RoeClient(api_key="k", organization_id=ORG, base_url=BASE, environ={}, max_pages=bad)
    assert str(info.value) == f"max_pages must be a whole number of at least 1 (default 100000); got {bad!r}."
    with pytest.raises(ra.ConfigurationError) as info:
        ra.AsyncRoeClient(api_key="k", organization_id=ORG, base_url=BASE, environ={}, max_body_bytes=bad)
    assert str(info.value) == f"max_body_bytes must be a whole number of at least 1 (default 256 MiB); got {bad!r}."


# -- 3. iter_pages: a counted page that is gone, an empty first page ------------------------------------


def test_a_counted_page_answering_invalid_page_warns_in_iter_pages_and_in_load_jobs(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in reversed(range(4))]
    # Counts 5 jobs (3 pages of 2), but page 3 is gone.
    client, server = crafted(serve(jobs, 2, count=5))
    with pytest.warns(ra.IncompleteLoadWarning) as caught:
        got = [(p.number, len(p.results)) for p in client.iter_pages(AGENT)]
    assert got == [(1, 2), (2, 2)]
    assert [str(w.message) for w in caught] == [
        f"Agent {AGENT}: iter_pages: the server counts 5 jobs (3 pages of 2) but 4 distinct jobs arrived (1 fewer "
        f'than counted); page 3 answered 404 "Invalid page." and ended them. Jobs were deleted or moved while '
        f"paging, or the count is wrong; load_jobs re-fetches to reconcile."
    ]

    server.pages.clear()
    with pytest.warns(ra.IncompleteLoadWarning) as caught:
        frames = client.load_jobs(AGENT, progress=False)
    assert [str(w.message) for w in caught] == [
        f"Agent {AGENT}: the server counts 5 jobs but 4 unique jobs arrived after 2 re-fetch passes (1 fewer than "
        f'counted); page 3 answered 404 "Invalid page." though the count implies 3 pages. Every job fetched is '
        f"returned, including any deleted meanwhile; load again, or pin the window with created_to=... and order "
        f"by a field that does not change (created_at)."
    ]
    assert ids(frames) == [j["id"] for j in jobs]
    (report,) = frames.query["agents"]
    assert (report["server_count"], report["unique_jobs"], report["missing"], report["consistent"]) == (5, 4, 1, False)
    assert sorted(server.pages) == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_no_page_after_one_that_answered_invalid_page_is_requested(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in reversed(range(2))]
    # Counts 10 jobs (5 pages of 2); page 2 on are gone.
    client, server = crafted(serve(jobs, 2, count=10), concurrency=1)
    with pytest.warns(ra.IncompleteLoadWarning, match=r"\(8 fewer than counted\); page 2 answered 404"):
        client.load_jobs(AGENT, progress=False)
    assert server.pages == [1, 2, 1, 2, 1, 2]

    server.pages.clear()
    with pytest.warns(ra.IncompleteLoadWarning, match=r"\(8 fewer than counted\); page 2 answered 404"):
        assert [p.number for p in client.iter_pages(AGENT)] == [1]
    # Page 2 and the window ahead of it (twice the concurrency) at most; nothing after that.
    assert server.pages[:2] == [1, 2] and set(server.pages) <= {1, 2, 3}


def test_a_billion_counted_but_only_two_real_pages_is_a_few_requests_and_a_warning(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(1), job(0)]
    client, server = crafted(serve(jobs, 1, count=10**9), concurrency=2, max_pages=10**9)
    with pytest.warns(ra.IncompleteLoadWarning) as caught:
        frames = client.load_jobs(AGENT, limit=0, progress=False)
    assert "the server counts 1,000,000,000 jobs but 2 unique jobs arrived after 2 re-fetch passes " in str(
        caught[0].message
    )
    assert "(999,999,998 fewer than counted); page 3 answered 404" in str(caught[0].message)
    assert ids(frames) == [j["id"] for j in jobs]
    # Three passes, each up to page 3 and at most the concurrency past it.
    assert len(server.pages) <= 3 * (3 + 2)


def test_an_empty_first_page_with_a_count_raises_the_same_in_iter_pages_and_load_jobs(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    client, server = crafted(lambda n, p: page(7, []))
    with pytest.raises(ra.MalformedResponseError) as iterated:
        list(client.iter_pages(AGENT))
    with pytest.raises(ra.MalformedResponseError) as loaded:
        client.load_jobs(AGENT, progress=False)
    assert str(iterated.value) == str(loaded.value)
    assert str(loaded.value).endswith(": page 1 holds no jobs but count is 7")
    assert iterated.value.page == loaded.value.page == 1
    assert server.pages == [1, 1]


# -- 5. small lies: an under-count, a job on two pages ------------------------------------------------


def test_a_server_that_under_counts_is_named_with_the_numbers(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in reversed(range(7))]
    client, _ = crafted(lambda n, p: page(5, jobs))
    with pytest.warns(ra.IncompleteLoadWarning) as caught:
        frames = client.load_jobs(AGENT, progress=False)
    assert [str(w.message) for w in caught] == [
        f"Agent {AGENT}: the server counts 5 jobs but 7 unique jobs arrived (2 more than counted; no page past the "
        f"count's 1 page was asked for). Every job fetched is returned, including any deleted meanwhile; load "
        f"again, or pin the window with created_to=... and order by a field that does not change (created_at)."
    ]
    assert ids(frames) == [j["id"] for j in jobs]
    (report,) = frames.query["agents"]
    assert (report["server_count"], report["unique_jobs"], report["missing"], report["consistent"]) == (5, 7, 0, False)


def test_duplicates_dropped_counts_duplicate_jobs_not_re_fetch_passes(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    a, b, c, d, e = (job(i) for i in (5, 4, 3, 2, 1))
    # Counts 6; job c is on both pages (and one job is never sent): every pass sees the same.
    pages = {1: [a, b, c], 2: [c, d, e]}
    client, server = crafted(lambda n, p: page(6, pages[n]))
    with pytest.warns(ra.IncompleteLoadWarning) as caught:
        frames = client.load_jobs(AGENT, progress=False)
    assert (
        f"Agent {AGENT}: the server counts 6 jobs but 5 unique jobs arrived after 2 re-fetch passes (1 fewer "
        in str(caught[0].message)
    )
    (report,) = frames.query["agents"]
    assert (report["duplicates_dropped"], report["reconcile_passes"], report["missing"]) == (1, 2, 1)
    assert sorted(server.pages) == [1, 1, 1, 2, 2, 2]
    assert ids(frames) == [j["id"] for j in (a, b, c, d, e)]


# -- 4. refresh against pages that stay "updated" forever -----------------------------------------------


class Changing:
    """Ten jobs two a page (a sane server) until ``forever`` is set: then each page holds two new jobs
    updated after any watermark, and the server counts ``count`` jobs."""

    def __init__(self) -> None:
        self.jobs = [job(i) for i in reversed(range(10))]
        self.forever = False
        self.count = 10**6

    def __call__(self, number: int, params: Any) -> Answer:
        if not self.forever:
            return serve(self.jobs, 2)(number, params)
        fresh = [job(1000 + 2 * number + k, updated="2026-05-03T00:00:00Z") for k in (1, 0)]
        return page(self.count, fresh)


def test_refresh_stops_at_its_budget_and_a_count_past_max_pages_refuses_the_reload(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], tmp_path: Path
) -> None:
    changing = Changing()
    client, server = crafted(changing)
    snap = client.load_jobs(AGENT, progress=False).save(tmp_path / "snap")
    before = (Path(snap) / "manifest.json").read_bytes()
    changing.forever = True
    server.pages.clear()

    with pytest.warns(ra.RefreshWarning) as caught, pytest.raises(LoadLimitError) as info:
        client.refresh(snap, progress=False)

    # The default budget: twice the snapshot's 5 pages, plus one.
    assert [str(w.message) for w in caught] == [
        f"Agent {AGENT}: reloading in full: its incremental read stopped at its budget of max_requests=11 pages, "
        f"every one of their 22 jobs updated after the watermark {WATERMARK}, while the server counts 1,000,000 "
        f"jobs (500,000 pages of 2): more changed than a full reload costs, or the server's pages never reach back."
    ]
    assert "which is 500,000 pages, over the sanity limit of max_pages=100000" in str(info.value)
    assert server.pages == [*range(1, 12), 1]
    assert len(ids(info.value.partial)) == 2
    # Nothing was written.
    assert (Path(snap) / "manifest.json").read_bytes() == before


def test_refresh_budget_is_configurable_and_the_full_reload_it_falls_back_to_completes(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], tmp_path: Path
) -> None:
    changing = Changing()
    client, server = crafted(changing)
    snap = client.load_jobs(AGENT, progress=False).save(tmp_path / "snap")
    changing.forever, changing.count = True, 40
    server.pages.clear()

    with pytest.warns(ra.RefreshWarning, match=r"stopped at its budget of max_requests=3 pages, every one of their 6"):
        refreshed = client.refresh(snap, progress=False, max_requests=3)

    assert server.pages[:3] == [1, 2, 3]
    assert sorted(server.pages[3:]) == list(range(1, 21))
    assert refreshed.jobs.height == 40
    last = ra.JobFrames.load(snap).query["snapshot"]["extra"]["refresh_history"][-1]
    assert last["agents"][0]["mode"] == "full"
    assert "max_requests=3" in last["agents"][0]["reason"]
    with pytest.raises(ra.InvalidArgumentError, match=r"max_requests must be a whole number of at least 1"):
        client.refresh(snap, progress=False, max_requests=0)


def test_refresh_without_changes_still_stops_at_the_watermark(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], tmp_path: Path
) -> None:
    changing = Changing()
    client, server = crafted(changing)
    snap = client.load_jobs(AGENT, progress=False).save(tmp_path / "snap")
    server.pages.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.refresh(snap, progress=False)
    assert server.pages == [1]


# -- 6. err.partial: kept when set, and never masking the error ----------------------------------------


def test_a_partial_already_set_by_another_boundary_is_kept(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = crafted(serve([job(i) for i in reversed(range(4))], 2))
    theirs = ra.JobFrames.empty()
    fetch_page = ra.AsyncRoeClient.fetch_page

    async def failing(self: ra.AsyncRoeClient, agent: str, query: Any, number: int) -> Any:
        if number == 2:
            err = ra.ServerError("boom", status_code=503, page=2)
            err.partial = theirs
            raise err
        return await fetch_page(self, agent, query, number)

    monkeypatch.setattr(ra.AsyncRoeClient, "fetch_page", failing)
    with pytest.raises(ra.ServerError) as info:
        client.load_jobs(AGENT, progress=False)
    assert info.value.partial is theirs


def test_a_partial_that_cannot_be_built_does_not_mask_the_error(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [job(i) for i in reversed(range(4))]

    def answer(number: int, params: Any) -> Answer:
        return httpx.Response(503, json={"detail": "down"}) if number == 2 else serve(jobs, 2)(number, params)

    client, _ = crafted(answer)

    def broken(*args: Any, **kwargs: Any) -> ra.JobFrames:
        raise ValueError("cannot build")

    monkeypatch.setattr(async_client_module, "build_frames", broken)
    with pytest.raises(ra.ServerError) as info:
        client.load_jobs(AGENT, progress=False)
    assert info.value.status_code == 503 and info.value.page == 2
    assert info.value.partial is None
    assert info.value.__notes__ == ["err.partial could not be built (ValueError: cannot build)"]


# -- 7. the transport's limits are passed on ---------------------------------------------------------


@pytest.mark.parametrize("max_body_bytes", [None, 4096])
def test_fetch_page_passes_the_timeout_as_deadline_and_max_body_bytes_to_send(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]], monkeypatch: pytest.MonkeyPatch, max_body_bytes: int | None
) -> None:
    seen: list[dict[str, Any]] = []
    send = async_client_module.send

    async def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append({k: kwargs[k] for k in ("deadline", "max_body_bytes") if k in kwargs})
        return await send(*args, **kwargs)

    monkeypatch.setattr(async_client_module, "send", recording)
    client, _ = crafted(serve([job(1), job(0)], 2), timeout=7.5, max_body_bytes=max_body_bytes)
    client.load_jobs(AGENT, progress=False)
    expected = {"deadline": 7.5} if max_body_bytes is None else {"deadline": 7.5, "max_body_bytes": 4096}
    assert seen == [expected]


# -- a page that decodes but cannot be framed ---------------------------------------------------------


def test_a_page_that_cannot_be_framed_keeps_every_other_page_in_err_partial(
    crafted: Callable[..., tuple[ra.RoeClient, Crafted]],
) -> None:
    jobs = [job(i) for i in range(1, 7)]

    def answer(number: int, params: Any) -> Answer:
        body = page(len(jobs), jobs[(number - 1) * 2 : number * 2])
        if number != 2:
            return body
        # Page 2 is valid JSON whose kept-raw ui_fields is not valid UTF-8: only building sees it.
        raw = httpx.Response(
            200, json={**body, "results": [{**body["results"][0], "ui_fields": "@@"}, *body["results"][1:]]}
        )
        content = raw.content.replace(b'"@@"', b'{"verdict": "\xff\xfe"}')
        return httpx.Response(200, content=content, headers={"Date": SERVED_AT, "Content-Type": "application/json"})

    client, _ = crafted(answer)
    with pytest.raises(ra.MalformedResponseError) as info:
        client.load_jobs(AGENT, progress=False)
    err = info.value
    assert "(page 2)" in str(err) and f"of job {jobs[2]['id']}" in str(err) and "ui_fields" in str(err)
    assert isinstance(err.partial, ra.JobFrames)
    # Pages 1 and 3, in the order they were served; page 2's two jobs are the ones not framed.
    assert ids(err.partial) == [jobs[i]["id"] for i in (0, 1, 4, 5)]
    assert err.partial.query["complete"] is False
