"""`AgentPages`: the pages of one agent's jobs, as one object that plans, fetches, keeps and reconciles.

A dlt-style paginator: `load_jobs`, `iter_pages` and `refresh` all page through an agent with it,
calling its methods rather than each other's internals.

How a load stays complete while the agent changes under it:

1. **Plan.** Page 1 is fetched with the user's filters and a stable ordering (the user's keys plus
   `id` as a final tiebreak). It gives the server's `count` and the page size the server really
   used (it may cap `page_size` silently). Unless the user fixed `created_to`, the window is pinned
   at the end of the second the server stamped on that response (its `Date` header), or at the
   newest job seen if that is later; every other page is fetched with that pin, so jobs created
   meanwhile cannot shift the pages.
2. **Fetch.** Pages 2..N are fetched concurrently, at most `concurrency` at a time, over kept-alive
   connections. If a pinned page reports a larger `count` (jobs created just before the pin), the
   missing pages are fetched too; a page that has gone past the end (deletions) counts as empty.
3. **Keep.** Jobs are deduplicated by id, keeping the most recently updated copy (`JobSet`).
4. **Reconcile.** If fewer unique jobs than `count` arrived (jobs deleted or reordered while
   paging), the pinned pages are fetched again, up to `RECONCILE_PASSES` times; if it is still
   short, `IncompleteLoadWarning` says by how many.
5. **Report.** A `LoadReport` says what happened; if `count` equals the `limit` cap,
   `LimitReachedWarning` says older jobs were not counted.

What the server claims never sizes the work alone: page tasks are made as workers free up (at most
``concurrency`` per agent); the pages `count` implies at the page size used are checked against
``max_pages`` before they are asked for (`LoadLimitError`); no page after one that answered 404
"Invalid page." is asked for; and a gap either way between arrived and counted jobs warns.

Page URLs are always built from `base_url` by the fetcher: the server's `next`/`previous` links are
never followed, so a response cannot redirect the API key to another origin.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import warnings
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
import msgspec

from roe_analysis._schema import format_datetime, parse_utc
from roe_analysis._text import plural
from roe_analysis.api import Job, JobQuery, Page, decode_page
from roe_analysis.client._progress import NoProgress, Progress
from roe_analysis.client._tasks import run_bounded
from roe_analysis.errors import (
    IncompleteLoadWarning,
    InvalidPageError,
    LimitReachedWarning,
    LoadLimitError,
    MalformedResponseError,
)
from roe_analysis.frames import PageChunk
from roe_analysis.storage import PageStore

#: Extra full passes over the pinned pages when fewer unique jobs than `count` arrived.
RECONCILE_PASSES = 2

#: The clients' default ``max_pages``: 100,000 pages is 10 million jobs at the default page size,
#: more than fit in memory as frames and hours of requests. A `count` implying more (10**9, or a
#: page size silently cut to 1) is far likelier broken or hostile than real: refuse it at once.
DEFAULT_MAX_PAGES = 100_000
DEFAULT_WINDOW = 8  #: page tasks of one agent at once, unless told the client's concurrency


@dataclass(frozen=True)
class PageFetch:
    """One page as the server sent it: decoded, with its request, `Date`, raw body and duration."""

    page: Page
    request: httpx.Request
    server_date: datetime | None
    body: bytes
    elapsed: float


class PageFetcher(Protocol):
    """What `AgentPages` needs from a client: one page of one agent, fetched with retries."""

    async def fetch_page(self, agent: str, query: JobQuery, number: int) -> PageFetch:
        """Page ``number`` of ``agent``'s jobs under ``query`` (raises the mapped `RoeError`)."""
        ...


class JobSet:
    """The jobs one pass over the pages saw: the newest copy per id, and every count reported."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[Job, int]] = {}
        self.counts: set[int] = set()
        self.seen = 0
        #: The first page of this pass that answered 404 "Invalid page." (later ones are past it too).
        self.end: int | None = None

    def keep(self, number: int, jobs: list[Job], count: int) -> None:
        """Keep the jobs of page ``number`` (and the `count` it reported)."""
        self.counts.add(count)
        self.seen += len(jobs)
        for job in jobs:
            held = self.best.get(job.id)
            if held is None or parse_utc(job.last_updated_at) >= parse_utc(held[0].last_updated_at):
                self.best[job.id] = (job, number)

    def note_past_end(self, number: int) -> None:
        """Pinned page ``number`` had gone past the end: the result set shrank while paging."""
        # -1 is no count a server sends, so this pass can no longer look consistent.
        self.counts.add(-1)
        self.end = number if self.end is None else min(self.end, number)

    def consistent(self) -> bool:
        """Every response counted the same jobs, and exactly that many distinct jobs arrived."""
        return len(self.counts) == 1 and len(self.best) == next(iter(self.counts))

    def chunks(self, agent: str) -> list[PageChunk]:
        """The kept jobs grouped by the page they came from, in page order."""
        by_page: dict[int, list[Job]] = {}
        for job, number in self.best.values():
            by_page.setdefault(number, []).append(job)
        return [PageChunk(agent, number, by_page[number]) for number in sorted(by_page)]


@dataclass(frozen=True)
class LoadReport:
    """What a load of one agent did; kept in ``frames.query["agents"]``."""

    agent_id: str
    server_count: int = 0
    unique_jobs: int = 0
    pages: int = 0
    page_size_used: int = 0
    window_end: str | None = None
    server_time: str | None = None
    watermark: str | None = None
    reconcile_passes: int = 0
    duplicates_dropped: int = 0
    missing: int = 0
    consistent: bool = True
    #: The one version this report covers, when a load asked for several (see `AgentLoad.versions`).
    version_name: str | None = None

    def describe(self) -> dict[str, Any]:
        """The JSON-ready entry of ``frames.query["agents"]`` (``version_name`` only when set)."""
        version = {"version_name": self.version_name} if self.version_name is not None else {}
        return {
            "agent_id": self.agent_id,
            **version,
            "server_count": self.server_count,
            "unique_jobs": self.unique_jobs,
            "pages": self.pages,
            "page_size_used": self.page_size_used,
            "window_end": self.window_end,
            "server_time": self.server_time,
            "watermark": self.watermark,
            "reconcile_passes": self.reconcile_passes,
            "duplicates_dropped": self.duplicates_dropped,
            "missing": self.missing,
            "consistent": self.consistent,
        }


@dataclass(frozen=True)
class AgentLoad:
    """The jobs of one agent (by page) and the report of how they were loaded.

    A load of several versions has one report per version in ``versions`` and their sum in
    ``report``.
    """

    report: LoadReport
    chunks: list[PageChunk] = field(default_factory=list)
    versions: tuple[LoadReport, ...] = ()

    def describe(self) -> dict[str, Any]:
        """The JSON-ready entry of ``frames.query["agents"]``, with ``versions`` when there are several."""
        entry = self.report.describe()
        if self.versions:
            entry["versions"] = [report.describe() for report in self.versions]
        return entry


@dataclass(frozen=True)
class Plan:
    """What page 1 told: how many jobs, how many per page, and the window every other page uses."""

    first: Page
    count: int
    per_page: int
    pinned: JobQuery
    server_time: str | None
    watermark: str | None


def newest_created(jobs: Sequence[Job]) -> datetime | None:
    """The creation time of the newest of ``jobs`` (unparseable times count as the oldest)."""
    return max((parse_utc(job.created_at) for job in jobs), default=None)


def pin_time(first: PageFetch) -> datetime:
    """The end of the window every page after the first is fetched with."""
    # The window ends just before the second the server stamped on page 1 (HTTP dates have whole
    # seconds), or at the newest job page 1 saw if that is later (with the default newest-first
    # ordering page 1 holds the newest job that existed). A job created after page 1 is therefore
    # outside the window, whichever page it would have landed on.
    date = first.server_date or datetime.now(UTC)
    before_date = date.replace(microsecond=0) - timedelta(microseconds=1)
    newest = newest_created(first.page.results)
    return before_date if newest is None or newest < before_date else newest


def watermark(first: PageFetch) -> datetime:
    """A server time safely before page 1 was computed: `refresh` refetches what changed after it."""
    # Everything updated after this server time will be fetched again by `refresh`. The Date header
    # is stamped after the page was computed, so step back by the request's own duration and a
    # second for the header's rounding: refetching a few jobs is free, missing one is not.
    date = first.server_date or newest_created(first.page.results) or datetime.now(UTC)
    step = timedelta(seconds=math.ceil(first.elapsed) + 1)
    # A job time at the edge of what a datetime holds (unreadable ones count as the earliest)
    # cannot be stepped back from: the earliest time there is is as safe a watermark.
    earliest = datetime.min.replace(tzinfo=UTC)
    return date - step if date - earliest > step else earliest


def _decode_stored(body: bytes, number: int) -> Page:
    try:
        return decode_page(body)
    except msgspec.DecodeError as exc:
        raise MalformedResponseError(
            f"checkpointed page is damaged ({exc}); delete the checkpoint", page=number
        ) from exc


def gap_from_count(arrived: int, counted: int) -> str:
    """How many jobs arrived against the count: "3 fewer than counted", "as many as counted"."""
    if arrived == counted:
        return "as many as counted"
    return f"{abs(counted - arrived):,} {'fewer' if arrived < counted else 'more'} than counted"


class AgentPages:
    """The pages of one agent's jobs under one query: plan, fetch, keep, reconcile, report.

    One object per agent and load. `load` pages through everything (resuming from ``store`` when
    it holds pages), `fetches_in_order` yields raw pages for `iter_pages`, and `changed_since`
    reads the most recently updated pages for `refresh`. Whatever was kept before a failure is
    in `fetched`, so the caller can hand it over as ``err.partial``.

    Args:
        fetcher: what sends the requests (the async client).
        agent: the agent's id (validated).
        query: the user's validated filters.
        semaphore: bounds the requests in flight, shared by every agent of a load.
        progress: where pages and jobs are reported.
        store: the checkpoint to resume from and write each page to, if any.
        store_key: the name of these pages in ``store`` (default: the agent id; a multi-version
            load gives each version its own).
        max_pages: the sanity limit on the pages `count` may imply (`LoadLimitError` above it).
        concurrency: page tasks kept at once (the semaphore bounds requests, this the tasks).
    """

    def __init__(
        self,
        fetcher: PageFetcher,
        agent: str,
        query: JobQuery,
        *,
        semaphore: asyncio.Semaphore,
        progress: Progress | None = None,
        store: PageStore | None = None,
        store_key: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        concurrency: int = DEFAULT_WINDOW,
    ) -> None:
        self.agent = agent
        self.max_pages = max_pages
        self._window = max(1, concurrency)
        self._key = store_key if store_key is not None else agent
        self.query = query
        self._fetcher = fetcher
        self._semaphore = semaphore
        self._progress = progress if progress is not None else NoProgress()
        self._store = store
        self._union = JobSet()
        self._report = LoadReport(agent_id=agent)

    # -- plan -------------------------------------------------------------------------------------

    async def plan(self) -> Plan:
        """Page 1 (read back from the checkpoint when resuming) and what it says about the rest."""
        store, agent, query, key = self._store, self.agent, self.query, self._key
        saved = store.agent_state(key) if store is not None else None
        first_body = store.get(key, 1) if store is not None and saved is not None else None
        if saved is not None and first_body is not None:
            # Resuming: reuse the first run's window, page size and count, so stored pages fit.
            end = datetime.fromisoformat(saved["window_end"]) if saved["pinned"] else None
            plan = Plan(
                first=_decode_stored(first_body, 1),
                count=int(saved["count"]),
                per_page=int(saved["per_page"]),
                pinned=query.with_window_end(end) if end is not None else query,
                server_time=saved["server_time"],
                watermark=saved["watermark"],
            )
        else:
            async with self._semaphore:
                first = await self._fetcher.fetch_page(agent, query, 1)
            count, per_page = first.page.count, len(first.page.results)
            if count > 0 and per_page == 0:
                raise MalformedResponseError(
                    f"page 1 holds no jobs but count is {count}", page=1, request=first.request
                )
            plan = Plan(
                first=first.page,
                count=count,
                per_page=per_page,
                pinned=query if query.created_to is not None else query.with_window_end(pin_time(first)),
                server_time=format_datetime(first.server_date) if first.server_date else None,
                watermark=format_datetime(watermark(first)),
            )
            if store is not None:
                store.put(key, 1, first.body)
                store.set_agent_state(
                    key,
                    {
                        "pinned": query.created_to is None,
                        "window_end": format_datetime(plan.pinned.created_to) if plan.pinned.created_to else None,
                        "count": count,
                        "per_page": per_page,
                        "server_time": plan.server_time,
                        "watermark": plan.watermark,
                    },
                )
        window_end = plan.pinned.created_to if query.created_to is None else None
        self._report = replace(
            self._report,
            pages=1,
            page_size_used=plan.per_page,
            server_time=plan.server_time,
            watermark=plan.watermark,
            window_end=format_datetime(window_end) if window_end is not None else None,
        )
        return plan

    # -- fetch and keep ---------------------------------------------------------------------------

    async def fetch(self, plan: Plan, number: int, *, fresh: bool = False) -> Page | None:
        """Pinned page ``number``: from the checkpoint, else the server; None if it is past the end.

        ``fresh`` skips the checkpoint both ways (a reconcile pass must see the server as it is now).
        """
        store = self._store
        body = None if fresh or store is None else store.get(self._key, number)
        if body is not None:
            return _decode_stored(body, number)
        async with self._semaphore:
            try:
                got = await self._fetcher.fetch_page(self.agent, plan.pinned, number)
            except InvalidPageError:
                # Deletions shrank the result set below this page: nothing is on it now.
                return None
        if store is not None and not fresh:
            store.put(self._key, number, got.body)
        return got.page

    async def _keep_page(self, plan: Plan, number: int, current: JobSet, *, fresh: bool) -> None:
        page = await self.fetch(plan, number, fresh=fresh)
        if page is None:
            current.note_past_end(number)
            self._progress.advance(0)
            return
        self._report = replace(self._report, pages=self._report.pages + 1)
        current.keep(number, page.results, page.count)
        self._union.keep(number, page.results, page.count)
        self._progress.advance(len(page.results))

    def pages_for(self, count: int, per_page: int, *, done: int) -> int:
        """The pages ``count`` implies at ``per_page``; `LoadLimitError` if over ``max_pages``."""
        pages = math.ceil(count / per_page) if per_page else 1
        if pages > self.max_pages:
            raise LoadLimitError(
                f"Agent {self.agent}: the server counts {plural(count, 'job')} at {per_page:,} per page (the page "
                f"size it used), which is {plural(pages, 'page')}, over the sanity limit of max_pages="
                f"{self.max_pages}; no page after page {done} was requested. If that many jobs are real, pass a "
                f"larger max_pages= to the client (e.g. max_pages={pages}), or narrow the load with "
                f"created_from=/created_to=; err.partial holds the {plural(len(self._union.best), 'job')} "
                f"fetched so far."
            )
        return pages

    async def _run_pass(self, plan: Plan, current: JobSet, first: int, expected: int, *, fresh: bool) -> None:
        # Pages are fetched until the highest count any response reported is covered, and not past
        # a page that answered "Invalid page." (every later one is past the end too).
        done = first - 1
        target = self.pages_for(max(current.counts | {expected}), plan.per_page, done=max(1, done))
        while target > done and current.end is None:
            self._progress.set_total(self._report.pages + target - done)
            numbers = itertools.takewhile(lambda n: current.end is None or n < current.end, range(done + 1, target + 1))
            await run_bounded(numbers, lambda n: self._keep_page(plan, n, current, fresh=fresh), self._window)
            done = target
            target = self.pages_for(max(current.counts | {expected}), plan.per_page, done=done)

    def fetched(self) -> AgentLoad:
        """Every job kept so far, with the report as it stands (for ``err.partial``)."""
        return AgentLoad(self._report, self._union.chunks(self.agent))

    # -- reconcile and report ---------------------------------------------------------------------

    async def load(self) -> AgentLoad:
        """Every job of the agent, reconciled across passes; warns when it could not be made whole."""
        plan = await self.plan()
        # Page 1 was fetched before the pin existed, but needs no trimming: the pin is never earlier
        # than the newest job on it (see `pin_time`).
        passes = [JobSet()]
        passes[0].keep(1, plan.first.results, plan.count)
        self._union.keep(1, plan.first.results, plan.count)
        # Refused before any other page is asked for (err.partial then holds page 1).
        total = self.pages_for(plan.count, plan.per_page, done=1)
        # The first page's count gives the real total at once (no "1/1 100%" before it).
        self._progress.set_total(max(1, total))
        self._progress.advance(len(plan.first.results))
        result = passes[0]
        if plan.per_page and plan.count > plan.per_page:
            await self._run_pass(plan, passes[0], 2, plan.count, fresh=False)
            while not result.consistent() and len(passes) <= RECONCILE_PASSES:
                # The agent changed while paging (deletions, or an ordering key that moves): fetch
                # every pinned page again and use a pass that saw one unchanging result set.
                current = JobSet()
                passes.append(current)
                await self._run_pass(plan, current, 1, max(result.counts), fresh=True)
                result = current
        consistent = result.consistent()
        chosen = result if consistent else self._union
        server_count = max(result.counts) if result.counts else plan.count
        self._report = replace(
            self._report,
            reconcile_passes=len(passes) - 1,
            server_count=server_count,
            unique_jobs=len(chosen.best),
            # Copies of a job within one pass (it moved across pages); a re-fetch pass is no duplicate.
            duplicates_dropped=max(p.seen - len(p.best) for p in ([result] if consistent else passes)),
            missing=0 if consistent else max(0, server_count - len(chosen.best)),
            consistent=consistent,
        )
        self._warn(self._report, result)
        return AgentLoad(self._report, chosen.chunks(self.agent))

    def _warn(self, report: LoadReport, last: JobSet) -> None:
        if not report.consistent:
            arrived, counted = report.unique_jobs, report.server_count
            pages = plural(math.ceil(counted / max(1, report.page_size_used)), "page")
            gap = gap_from_count(arrived, counted)
            if arrived > counted:
                gap += f"; no page past the count's {pages} was asked for"
            elif arrived == counted:
                gap += f", but the pages counted {sorted(c for c in last.counts if c >= 0)}"
            end = f'; page {last.end} answered 404 "Invalid page." though the count implies {pages}'
            again = f" after {plural(report.reconcile_passes, 're-fetch pass')}" if report.reconcile_passes else ""
            warnings.warn(
                f"Agent {self.agent}: the server counts {plural(counted, 'job')} but {plural(arrived, 'unique job')} "
                f"arrived{again} ({gap}){end * (last.end is not None)}. Every job fetched is returned, "
                f"including any deleted meanwhile; load again, or pin the window with created_to=... and order "
                f"by a field that does not change (created_at).",
                IncompleteLoadWarning,
                stacklevel=3,
            )
        cap = self.query.effective_limit
        if cap and report.server_count >= cap:
            warnings.warn(
                f"Agent {self.agent}: the server counted {report.server_count} jobs, which is its `limit` cap of "
                f"{cap}: older jobs were not considered. Pass limit=0 (no cap) or a narrower created_from/created_to "
                f"window to get them.",
                LimitReachedWarning,
                stacklevel=3,
            )

    # -- raw pages, in order ----------------------------------------------------------------------

    async def fetches_in_order(self) -> AsyncIterator[tuple[int, PageFetch]]:
        """Every page as fetched, in page order, with the window pinned as in `load`.

        Pages are fetched concurrently (at most twice ``concurrency`` ahead of the consumer) but
        yielded in order; no dedup, no reconcile, no checkpoint: the server's pages as they were.
        As in `load`, an empty page 1 with a `count` and pages over ``max_pages`` raise before page 1
        is yielded; a page past the end (which ends the pages) or a gap from `count` warns.
        """
        first = await self._fetcher.fetch_page(self.agent, self.query, 1)
        count, per_page = first.page.count, len(first.page.results)
        if count > 0 and per_page == 0:
            raise MalformedResponseError(f"page 1 holds no jobs but count is {count}", page=1, request=first.request)
        self._union.keep(1, first.page.results, count)
        total = self.pages_for(count, per_page, done=1)
        yield 1, first
        seen = {job.id for job in first.page.results}
        pinned = self.query if self.query.created_to is not None else self.query.with_window_end(pin_time(first))

        async def one(number: int) -> PageFetch | None:
            async with self._semaphore:
                try:
                    return await self._fetcher.fetch_page(self.agent, pinned, number)
                except InvalidPageError:
                    return None

        numbers, number = iter(range(2, total + 1)), 1
        fetched: PageFetch | None = first
        ahead: deque[tuple[int, asyncio.Future[PageFetch | None]]] = deque()
        try:
            while True:
                # Tasks are made as the consumer takes pages, never for every page `count` implies.
                ahead.extend(
                    (n, asyncio.ensure_future(one(n))) for n in itertools.islice(numbers, 2 * self._window - len(ahead))
                )
                if not ahead:
                    break
                number, task = ahead.popleft()
                fetched = await task
                if fetched is None:
                    break
                seen.update(job.id for job in fetched.page.results)
                yield number, fetched
        finally:
            for _, task in ahead:
                task.cancel()
        if len(seen) != count or fetched is None:
            end = f'; page {number} answered 404 "Invalid page." and ended them' * (fetched is None)
            warnings.warn(
                f"Agent {self.agent}: iter_pages: the server counts {plural(count, 'job')} ({plural(total, 'page')} "
                f"of {per_page:,}) but {plural(len(seen), 'distinct job')} arrived "
                f"({gap_from_count(len(seen), count)}){end}. Jobs were "
                f"deleted or moved while paging, or the count is wrong; load_jobs re-fetches to reconcile.",
                IncompleteLoadWarning,
                stacklevel=3,
            )

    # -- what changed since a watermark (refresh) -------------------------------------------------

    async def changed_since(self, since: datetime, *, max_requests: int) -> tuple[AgentLoad, int, bool]:
        """The jobs updated at or after ``since`` (and the server's count of all jobs) for `refresh`.

        Pages ordered by ``-last_updated_at`` are read until one reaches back past ``since``: every
        job created or changed since is on them. Returns the jobs (newest copy per id) with a report
        whose server time and watermark describe this read, the `count` of page 1, and whether the
        read stopped at ``max_requests`` pages before reaching back to ``since``.
        """
        by_update = replace(self.query, ordering=("-last_updated_at",))
        first = await self._fetcher.fetch_page(self.agent, by_update, 1)
        count = first.page.count
        per_page = len(first.page.results)
        # No pinned window here: the merged result is checked against page 1's `count`, which counts
        # every job that existed then. A job created later lands on the front page, already read, and
        # is simply after this refresh; one updated while paging moves forward too, and the next
        # refresh (whose watermark is before page 1) fetches it.
        served_at = format_datetime(first.server_date) if first.server_date else None
        # A job updated while paging can sit on two pages; the set keeps its newest copy.
        seen = JobSet()
        seen.keep(1, first.page.results, count)
        page = first.page
        number = 1
        total = math.ceil(count / per_page) if per_page else 1

        def fresh(page: Page) -> bool:  # only jobs updated since: the next page may hold more
            return bool(page.results) and min(parse_utc(j.last_updated_at) for j in page.results) >= since

        ended = False
        while not ended and fresh(page) and number < min(total, max_requests):
            number += 1
            try:
                page = (await self._fetcher.fetch_page(self.agent, by_update, number)).page
            except InvalidPageError:
                ended = True
            else:
                seen.keep(number, page.results, page.count)
        # Jobs past the watermark on the last page are unchanged; their current copy is just as right.
        # The refreshed snapshot holds the jobs that existed when page 1 was served.
        report = LoadReport(
            agent_id=self.agent,
            server_count=count,
            pages=number - ended,
            page_size_used=per_page,
            server_time=served_at,
            watermark=format_datetime(watermark(first)),
            window_end=served_at,
        )
        return AgentLoad(report, seen.chunks(self.agent)), count, not ended and fresh(page) and number < total
