"""`AsyncRoeClient` and `RoeClient`: every job of an agent, fast and complete.

One implementation: `AsyncRoeClient` does the work on httpx's async client; `RoeClient` runs the
same coroutines on a private event loop in a background thread, so it also works inside Jupyter,
whose own loop is already running.

How a load stays complete while the agent changes under it:

1. Page 1 is fetched with the user's filters and a stable ordering (the user's keys plus `id` as a
   final tiebreak). It gives the server's `count` and the page size the server really used (it may
   cap `page_size` silently).
2. Unless the user fixed `created_to`, the window is pinned at the end of the second the server
   stamped on that response (its `Date` header), or at the newest job seen if that is later; every
   other page is fetched with that pin, so jobs created meanwhile cannot shift the pages.
3. Pages 2..N are fetched concurrently, at most `concurrency` at a time, over kept-alive
   connections. If a pinned page reports a larger `count` (jobs created just before the pin), the
   missing pages are fetched too; a page that has gone past the end (deletions) counts as empty.
4. Jobs are deduplicated by id, keeping the most recently updated copy. If fewer unique jobs than
   `count` arrived (jobs deleted or reordered while paging), the pinned pages are fetched again, up
   to `RECONCILE_PASSES` times; if it is still short, `IncompleteLoadWarning` says by how many.
5. If `count` equals the `limit` cap, `LimitReachedWarning` says older jobs were not counted.

Page URLs are always built from `base_url`: the server's `next`/`previous` links are never
followed, so a response cannot redirect the API key to another origin.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import threading
import warnings
import weakref
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import msgspec

from roe_analysis._checkpoint import PageStore
from roe_analysis._config import Settings, resolve_settings
from roe_analysis._errors import (
    IncompleteLoadWarning,
    InvalidArgumentError,
    InvalidPageError,
    LimitReachedWarning,
    MalformedResponseError,
    RoeError,
)
from roe_analysis._frames import JobFrames, PageChunk, build_frames
from roe_analysis._progress import Progress, make_progress
from roe_analysis._query import JobQuery, format_datetime, validate_agent_id
from roe_analysis._records import Job, Page, decode_page
from roe_analysis._transport import BearerAuth, RequestStats, send
from roe_analysis._version import __version__

T = TypeVar("T")

#: Extra full passes over the pinned pages when fewer unique jobs than `count` arrived.
RECONCILE_PASSES = 2


@dataclass(frozen=True)
class FetchedPage:
    """One page as fetched: the decoded page, its number and the request that got it.

    Attributes:
        agent_id: whose jobs these are.
        number: the page number (from 1).
        count: the server's `count` on this response.
        results: the jobs as plain dicts, exactly as the server sent them.
        request: the `httpx.Request` (method and URL; the key is only in its auth header).
        server_date: the response's `Date` header, if any.
    """

    agent_id: str
    number: int
    count: int
    results: list[dict[str, Any]]
    request: httpx.Request
    server_date: datetime | None


@dataclass
class _Fetch:
    page: Page
    request: httpx.Request
    server_date: datetime | None
    body: bytes
    elapsed: float


@dataclass
class LoadReport:
    """What a load did; kept in ``frames.query["load"]``."""

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
    chunks: list[PageChunk] = field(default_factory=list)


class _Pass:
    """The jobs one pass over the pages saw: newest copy per id, and every count reported."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[Job, int]] = {}
        self.counts: set[int] = set()
        self.seen = 0

    def keep(self, number: int, jobs: list[Job], count: int) -> None:
        self.counts.add(count)
        self.seen += len(jobs)
        for job in jobs:
            held = self.best.get(job.id)
            if held is None or _updated_at(job) >= _updated_at(held[0]):
                self.best[job.id] = (job, number)

    def consistent(self) -> bool:
        """Every response counted the same jobs, and exactly that many distinct jobs arrived."""
        return len(self.counts) == 1 and len(self.best) == next(iter(self.counts))

    def chunks(self, agent: str) -> list[PageChunk]:
        by_page: dict[int, list[Job]] = {}
        for job, number in self.best.values():
            by_page.setdefault(number, []).append(job)
        return [PageChunk(agent, number, by_page[number]) for number in sorted(by_page)]


def _server_date(response: httpx.Response) -> datetime | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _created_at(job: Job) -> datetime:
    try:
        created = datetime.fromisoformat(job.created_at)
    except ValueError:
        # Unparseable: keep the job; the frame builder reports it with its page.
        return datetime.min.replace(tzinfo=UTC)
    return created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)


def _newest_created(jobs: Sequence[Job]) -> datetime | None:
    return max((_created_at(job) for job in jobs), default=None)


def _pin_time(first: _Fetch) -> datetime:
    # The window ends just before the second the server stamped on page 1 (HTTP dates have whole
    # seconds), or at the newest job page 1 saw if that is later (with the default newest-first
    # ordering page 1 holds the newest job that existed). A job created after page 1 is therefore
    # outside the window, whichever page it would have landed on.
    date = first.server_date or datetime.now(UTC)
    before_date = date.replace(microsecond=0) - timedelta(microseconds=1)
    newest = _newest_created(first.page.results)
    return before_date if newest is None or newest < before_date else newest


def _updated_at(job: Job) -> datetime:
    # Only called to choose between two copies of one job, so parsing here costs nothing in bulk.
    try:
        when = datetime.fromisoformat(job.last_updated_at or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _watermark(first: _Fetch) -> datetime:
    # Everything updated after this server time will be fetched again by `refresh`. The Date header
    # is stamped after the page was computed, so step back by the request's own duration and a
    # second for the header's rounding: refetching a few jobs is free, missing one is not.
    date = first.server_date or _newest_created(first.page.results) or datetime.now(UTC)
    return date - timedelta(seconds=math.ceil(first.elapsed) + 1)


def _decode_stored(body: bytes, number: int) -> Page:
    try:
        return decode_page(body)
    except msgspec.DecodeError as exc:
        raise MalformedResponseError(
            f"checkpointed page is damaged ({exc}); delete the checkpoint", page=number
        ) from exc


class AsyncRoeClient:
    """Async client for the Roe AI jobs API.

    Settings come from keyword arguments, else the official SDK's environment variables
    (`ROE_API_KEY`, `ROE_ORGANIZATION_ID`, `ROE_BASE_URL`, `ROE_TIMEOUT`, `ROE_MAX_RETRIES`).
    Everything is validated here, before any request.

    Args:
        api_key: the API key (sent only as ``Authorization: Bearer``; never shown).
        organization_id: the organisation's UUID.
        base_url: default ``https://api.roe-ai.com``; single-tenant: ``https://api.<tenant>.roe-ai.com``.
        timeout: seconds per request (default 60).
        max_retries: retries per request after the first attempt (default 5).
        concurrency: pages fetched at once (default 8).
        allow_insecure: allow plain ``http://`` to a non-loopback host.
        transport: an httpx transport to use instead of the network (tests, proxies).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        concurrency: int | None = None,
        allow_insecure: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._settings: Settings = resolve_settings(
            api_key=api_key,
            organization_id=organization_id,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            concurrency=concurrency,
            allow_insecure=allow_insecure,
            environ=environ,
        )
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self.stats = RequestStats()
        #: Seconds of backoff before the first retry; tests lower it.
        self.backoff_base = 0.25
        #: Longest backoff between retries (Retry-After may ask for more, up to 60 s).
        self.backoff_cap = 20.0

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return str(self._settings.base_url)

    @property
    def organization_id(self) -> str:
        """The organisation id sent with every request."""
        return self._settings.organization_id

    @property
    def concurrency(self) -> int:
        """How many pages are fetched at once."""
        return self._settings.concurrency

    def __repr__(self) -> str:
        s = self._settings
        return (
            f"{type(self).__name__}(base_url='{s.base_url}', organization_id='{s.organization_id}', "
            f"concurrency={s.concurrency}, max_retries={s.max_retries}, api_key=**********)"
        )

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            s = self._settings
            limits = httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=s.concurrency)
            self._http = httpx.AsyncClient(
                auth=BearerAuth(s.api_key),
                timeout=httpx.Timeout(s.timeout),
                limits=limits,
                transport=self._transport,
                headers={"Accept": "application/json", "User-Agent": f"roe-analysis/{__version__}"},
                follow_redirects=False,
            )
        return self._http

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> AsyncRoeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _request(self, agent_id: str, query: JobQuery, page: int) -> httpx.Request:
        base = self._settings.base_url
        # httpx spells an empty path "/": strip it, or the request would go to "//v1/...".
        url = base.copy_with(path=f"{base.path.rstrip('/')}/v1/agents/{agent_id}/jobs/")
        params = {**query.params(self._settings.organization_id), "page": str(page)}
        return self._client().build_request("GET", url, params=params)

    async def _fetch(self, agent_id: str, query: JobQuery, page: int) -> _Fetch:
        request = self._request(agent_id, query, page)
        response, decoded = await send(
            self._client(),
            request,
            max_retries=self._settings.max_retries,
            stats=self.stats,
            page=page,
            decode=lambda r: decode_page(r.content),
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
        )
        assert isinstance(decoded, Page)
        try:
            elapsed = response.elapsed.total_seconds()
        except RuntimeError:  # transports that hand over a ready-made response never time it
            elapsed = 0.0
        return _Fetch(decoded, request, _server_date(response), response.content, elapsed)

    # -- public API -------------------------------------------------------------------------------

    def iter_pages(self, agent_id: str, **filters: Any) -> AsyncIterator[FetchedPage]:
        """Every page of an agent's jobs in page order, with the window pinned as in a load.

        Takes the same filters as `load_jobs` (validated now, before any request). Pages are
        fetched concurrently but yielded in order; each carries its request, the server's `count`
        and the jobs as plain dicts exactly as sent.
        """
        agent = validate_agent_id(agent_id)
        filters.pop("progress", None)
        query = JobQuery.build(**filters)
        return self._iter_pages(agent, query)

    async def _iter_pages(self, agent: str, query: JobQuery) -> AsyncIterator[FetchedPage]:
        first = await self._fetch(agent, query, 1)
        yield self._as_fetched(agent, 1, first)
        per_page = len(first.page.results)
        if not per_page or first.page.count <= per_page:
            return
        pinned = query if query.created_to is not None else query.with_window_end(_pin_time(first))
        total = math.ceil(first.page.count / per_page)
        semaphore = asyncio.Semaphore(self._settings.concurrency)

        async def one(number: int) -> _Fetch | None:
            async with semaphore:
                try:
                    return await self._fetch(agent, pinned, number)
                except InvalidPageError:
                    return None

        tasks = [asyncio.ensure_future(one(n)) for n in range(2, total + 1)]
        try:
            for number, task in zip(range(2, total + 1), tasks, strict=True):
                fetched = await task
                if fetched is not None:
                    yield self._as_fetched(agent, number, fetched)
        finally:
            for task in tasks:
                task.cancel()

    @staticmethod
    def _as_fetched(agent: str, number: int, fetched: _Fetch) -> FetchedPage:
        raw = msgspec.json.decode(fetched.body)
        return FetchedPage(agent, number, fetched.page.count, raw["results"], fetched.request, fetched.server_date)

    async def load_jobs(
        self,
        agent_id: str | Iterable[str],
        *,
        created_from: datetime | str | None = None,
        created_to: datetime | str | None = None,
        status_code: int | str | Iterable[int | str] | None = None,
        version_name: str | None = None,
        ordering: str | Iterable[str] | None = None,
        metadata: Mapping[str, str] | None = None,
        search: str | None = None,
        semantic_string: str | None = None,
        job_id: str | None = None,
        job_inputs: str | None = None,
        exclude_metadata: bool = False,
        verdict: str | None = None,
        limit: int | None = None,
        page_size: int = 100,
        progress: bool = True,
        checkpoint: str | os.PathLike[str] | None = None,
    ) -> JobFrames:
        """Every job of one or more agents as typed frames (see `RoeClient.load_jobs`)."""
        agents = _agent_list(agent_id)
        query = JobQuery.build(
            created_from=created_from,
            created_to=created_to,
            status_code=status_code,
            version_name=version_name,
            ordering=ordering,
            metadata=metadata,
            search=search,
            semantic_string=semantic_string,
            job_id=job_id,
            job_inputs=job_inputs,
            exclude_metadata=exclude_metadata,
            verdict=verdict,
            limit=limit,
            page_size=page_size,
        )
        store = None
        if checkpoint is not None:
            from roe_analysis._snapshot import check_writable

            # Refuse a target that could never be written before fetching anything into it.
            check_writable(checkpoint)
            store = PageStore(
                checkpoint,
                {
                    "agent_ids": agents,
                    "base_url": self.base_url,
                    "organization_id": self.organization_id,
                    "filters": query.describe(),
                },
            )
        started = datetime.now(UTC)
        requests_before, retries_before = self.stats.requests, self.stats.retries
        bar = make_progress(progress, "Loading jobs" if len(agents) == 1 else f"Loading {len(agents)} agents")
        semaphore = asyncio.Semaphore(self._settings.concurrency)
        reports: list[LoadReport] = []
        try:
            for agent in agents:
                report = LoadReport(agent_id=agent)
                reports.append(report)
                await self._load_agent(agent, query, semaphore, bar, report, store=store)
        except RoeError as exc:
            exc.partial = self._frames(
                reports,
                query,
                started,
                requests_before,
                retries_before,
                complete=False,
                resumed_pages=store.resumed_pages if store is not None else 0,
            )
            raise
        finally:
            bar.close()
        frames = self._frames(
            reports,
            query,
            started,
            requests_before,
            retries_before,
            complete=True,
            resumed_pages=store.resumed_pages if store is not None else 0,
        )
        if checkpoint is not None and store is not None:
            from roe_analysis._snapshot import save_snapshot

            save_snapshot(frames, checkpoint)
            store.remove()
        return frames

    async def refresh(self, path: str | os.PathLike[str], *, progress: bool = True, full: bool = False) -> JobFrames:
        """Bring a snapshot up to date (see `RoeClient.refresh`)."""
        from roe_analysis._refresh import refresh_snapshot

        return await refresh_snapshot(self, path, progress=progress, full=full)

    def _frames(
        self,
        reports: list[LoadReport],
        query: JobQuery,
        started: datetime,
        requests_before: int,
        retries_before: int,
        *,
        complete: bool,
        resumed_pages: int = 0,
    ) -> JobFrames:
        chunks = [chunk for report in reports for chunk in report.chunks]
        description = {
            "agent_ids": [r.agent_id for r in reports],
            "base_url": self.base_url,
            "organization_id": self.organization_id,
            "filters": query.describe(),
            "ordering_sent": list(query.stable_ordering()),
            "started_at": format_datetime(started),
            "fetched_at": format_datetime(datetime.now(UTC)),
            "complete": complete,
            "requests": self.stats.requests - requests_before,
            "retries": self.stats.retries - retries_before,
            "resumed_pages": resumed_pages,
            "agents": [
                {
                    "agent_id": r.agent_id,
                    "server_count": r.server_count,
                    "unique_jobs": r.unique_jobs,
                    "pages": r.pages,
                    "page_size_used": r.page_size_used,
                    "window_end": r.window_end,
                    "server_time": r.server_time,
                    "watermark": r.watermark,
                    "reconcile_passes": r.reconcile_passes,
                    "duplicates_dropped": r.duplicates_dropped,
                    "missing": r.missing,
                    "consistent": r.consistent,
                }
                for r in reports
            ],
        }
        return build_frames(chunks, query=description)

    async def _load_agent(
        self,
        agent: str,
        query: JobQuery,
        semaphore: asyncio.Semaphore,
        bar: Progress,
        report: LoadReport,
        *,
        store: PageStore | None = None,
    ) -> None:
        union = _Pass()
        try:
            await self._load_agent_pages(agent, query, semaphore, bar, report, union=union, store=store)
        except RoeError:
            # What was fetched before the failure is not lost: it becomes `err.partial`.
            report.chunks = union.chunks(agent)
            raise

    async def _load_agent_pages(
        self,
        agent: str,
        query: JobQuery,
        semaphore: asyncio.Semaphore,
        bar: Progress,
        report: LoadReport,
        *,
        union: _Pass,
        store: PageStore | None,
    ) -> None:
        saved = store.agent_state(agent) if store is not None else None
        first_body = store.get(agent, 1) if store is not None and saved is not None else None
        if saved is not None and first_body is not None:
            # Resuming: reuse the first run's window, page size and count, so stored pages fit.
            first_page = _decode_stored(first_body, 1)
            pinned = query.with_window_end(datetime.fromisoformat(saved["window_end"])) if saved["pinned"] else query
            count, per_page = int(saved["count"]), int(saved["per_page"])
            report.server_time, report.watermark = saved["server_time"], saved["watermark"]
        else:
            async with semaphore:
                first = await self._fetch(agent, query, 1)
            first_page = first.page
            count, per_page = first.page.count, len(first.page.results)
            if count > 0 and per_page == 0:
                raise MalformedResponseError(
                    f"page 1 holds no jobs but count is {count}", page=1, request=first.request
                )
            pinned = query if query.created_to is not None else query.with_window_end(_pin_time(first))
            report.server_time = format_datetime(first.server_date) if first.server_date else None
            report.watermark = format_datetime(_watermark(first))
            if store is not None:
                store.put(agent, 1, first.body)
                store.set_agent_state(
                    agent,
                    {
                        "pinned": query.created_to is None,
                        "window_end": format_datetime(pinned.created_to) if pinned.created_to else None,
                        "count": count,
                        "per_page": per_page,
                        "server_time": report.server_time,
                        "watermark": report.watermark,
                    },
                )
        report.pages = 1
        report.page_size_used = per_page
        if query.created_to is None and pinned.created_to is not None:
            report.window_end = format_datetime(pinned.created_to)
        bar.set_total(1)
        bar.advance(len(first_page.results))
        # Page 1 was fetched before the pin existed, but needs no trimming: the pin is never earlier
        # than the newest job on it (see `_pin_time`).
        passes = [_Pass()]
        passes[0].keep(1, first_page.results, count)
        union.keep(1, first_page.results, count)

        async def fetch(number: int, current: _Pass, *, fresh: bool) -> None:
            body = None if fresh or store is None else store.get(agent, number)
            if body is not None:
                page = _decode_stored(body, number)
            else:
                async with semaphore:
                    try:
                        got = await self._fetch(agent, pinned, number)
                    except InvalidPageError:
                        # Deletions shrank the result set below this page: nothing is on it now.
                        current.counts.add(-1)
                        bar.advance(0)
                        return
                page = got.page
                if store is not None and not fresh:
                    store.put(agent, number, got.body)
            report.pages += 1
            current.keep(number, page.results, page.count)
            union.keep(number, page.results, page.count)
            bar.advance(len(page.results))

        async def run_pass(current: _Pass, first: int, expected: int, *, fresh: bool) -> None:
            # Pages are fetched until the highest count any response reported is covered.
            done = first - 1
            target = math.ceil(max(current.counts | {expected}) / per_page)
            while target > done:
                bar.set_total(report.pages + target - done)
                await _gather(fetch(n, current, fresh=fresh) for n in range(done + 1, target + 1))
                done = target
                target = math.ceil(max(current.counts | {expected}) / per_page)

        result = passes[0]
        if per_page and count > per_page:
            await run_pass(passes[0], 2, count, fresh=False)
            while not result.consistent() and len(passes) <= RECONCILE_PASSES:
                # The agent changed while paging (deletions, or an ordering key that moves): fetch
                # every pinned page again and use a pass that saw one unchanging result set.
                current = _Pass()
                passes.append(current)
                await run_pass(current, 1, max(result.counts), fresh=True)
                result = current
        report.reconcile_passes = len(passes) - 1
        consistent = result.consistent()
        chosen = result if consistent else union
        report.chunks = chosen.chunks(agent)
        report.server_count = max(result.counts) if result.counts else count
        report.unique_jobs = len(chosen.best)
        report.duplicates_dropped = chosen.seen - len(chosen.best)
        report.missing = 0 if consistent else max(0, report.server_count - len(chosen.best))
        report.consistent = consistent

        if not consistent:
            warnings.warn(
                f"Agent {agent}: the jobs kept changing while paging ({report.reconcile_passes} re-fetch passes): "
                f"the server now counts {report.server_count} jobs and {report.unique_jobs} unique jobs arrived "
                f"({report.missing} fewer than counted). Every job fetched is returned, including any deleted "
                f"meanwhile; load again, or pin the window with created_to=... and order by a field that does not "
                f"change (created_at).",
                IncompleteLoadWarning,
                stacklevel=3,
            )
        cap = query.effective_limit
        if cap and report.server_count >= cap:
            warnings.warn(
                f"Agent {agent}: the server counted {report.server_count} jobs, which is its `limit` cap of {cap}: "
                f"older jobs were not considered. Pass limit=0 (no cap) or a narrower created_from/created_to window "
                f"to get them.",
                LimitReachedWarning,
                stacklevel=3,
            )


async def _gather(coros: Iterable[Coroutine[Any, Any, None]]) -> None:
    # Like asyncio.gather, but the first failure cancels the rest instead of leaving them running.
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _agent_list(agent_id: str | Iterable[str]) -> list[str]:
    if isinstance(agent_id, str):
        return [validate_agent_id(agent_id)]
    if not isinstance(agent_id, Iterable):
        raise InvalidArgumentError(f"agent_id must be a UUID string or a list of them; got {agent_id!r}.")
    agents = [validate_agent_id(a) for a in agent_id]
    if not agents:
        raise InvalidArgumentError("agent_id is an empty list: pass at least one agent id.")
    duplicates = sorted({a for a in agents if agents.count(a) > 1})
    if duplicates:
        raise InvalidArgumentError(f"agent_id lists {duplicates} more than once.")
    return agents


class _LoopThread:
    """A private event loop in a daemon thread, so sync calls work even where a loop already runs."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="roe-analysis-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("RoeClient was called from its own loop thread; use AsyncRoeClient there.")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            # Wait in short slices: a signal that lands on another thread only raises
            # KeyboardInterrupt here once this thread runs Python again.
            while True:
                try:
                    return future.result(timeout=0.1)
                except concurrent.futures.TimeoutError:
                    continue
        except BaseException:
            # Ctrl-C (or a kernel interrupt) must stop the load, not leave it fetching in the background.
            future.cancel()
            with contextlib.suppress(BaseException):
                future.exception(timeout=5)
            raise

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


class RoeClient:
    """Client for the Roe AI jobs API (synchronous; runs `AsyncRoeClient` underneath).

    Examples:
        >>> import roe_analysis as ra
        >>> from roe_analysis.sandbox import Sandbox
        >>> with Sandbox() as sb, ra.RoeClient(api_key=sb.api_key, organization_id=sb.organization_id,
        ...                                   base_url=sb.base_url) as client:
        ...     frames = client.load_jobs(sb.agents["small"], progress=False)
        >>> frames.jobs.height == len(sb.jobs(sb.agents["small"]))
        True
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        concurrency: int | None = None,
        allow_insecure: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._async = AsyncRoeClient(
            api_key=api_key,
            organization_id=organization_id,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            concurrency=concurrency,
            allow_insecure=allow_insecure,
            transport=transport,
            environ=environ,
        )
        self._loop: _LoopThread | None = None
        self._finalizer: weakref.finalize[Any, RoeClient] | None = None

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = _LoopThread()
            # A client dropped without close() (common in notebooks) still releases its sockets.
            self._finalizer = weakref.finalize(self, _shutdown, self._loop, self._async)
        return self._loop.run(coro)

    @property
    def async_client(self) -> AsyncRoeClient:
        """The async client doing the work (shares settings and statistics)."""
        return self._async

    @property
    def stats(self) -> RequestStats:
        """Requests and retries sent so far by this client."""
        return self._async.stats

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._async.base_url

    @property
    def organization_id(self) -> str:
        """The organisation id sent with every request."""
        return self._async.organization_id

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncRoeClient(", "RoeClient(", 1)

    def close(self) -> None:
        """Close connections and stop the background loop."""
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._loop = None

    def __enter__(self) -> RoeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load_jobs(self, agent_id: str | Iterable[str], **filters: Any) -> JobFrames:
        """Every job of one or more agents, as typed Polars frames.

        Args:
            agent_id: an agent's UUID, or a list of them (frames are concatenated; `agent_id`
                tells them apart).
            **filters: `created_from`, `created_to` (timezone-aware datetimes or ISO strings),
                `status_code` (code, name or list), `version_name`, `ordering` (list of keys from
                the API's enum), `metadata` (dict str → str), `search`, `semantic_string`, `job_id`,
                `job_inputs`, `exclude_metadata`, `verdict`, `limit` (0 = no cap), `page_size`
                (default 100), `progress` (default True).

        Returns:
            `JobFrames` with `jobs`, `status_events`, `inputs` and `metadata`; ``frames.query``
            records the filters, the pinned window, the server's counts and requests made.

        Raises:
            InvalidArgumentError: a bad argument, before any request is sent.
            APIStatusError: the server refused (401, 403, 404 …) or kept failing; ``err.partial``
                holds the jobs fetched before the failure.
        """
        return self._run(self._async.load_jobs(agent_id, **filters))

    def refresh(self, path: str | os.PathLike[str], *, progress: bool = True, full: bool = False) -> JobFrames:
        """Bring the snapshot at ``path`` up to date, rewrite it atomically and return its frames.

        New jobs, and jobs whose status, evaluation or review changed since the snapshot, are
        fetched by asking for the most recently updated jobs first and stopping at the snapshot's
        watermark, so requests grow with the number of changes, not the size of the agent. The
        API has no record of deletions: when the server's count shows jobs are gone, that agent
        is reloaded in full (a `RefreshWarning` says so). ``full=True`` always reloads.
        """
        return self._run(self._async.refresh(path, progress=progress, full=full))

    def iter_pages(self, agent_id: str, **filters: Any) -> Iterator[FetchedPage]:
        """Each page of an agent's jobs in order (raw dicts; see `AsyncRoeClient.iter_pages`).

        Filters are validated now, before any request is sent.
        """
        agen = self._async.iter_pages(agent_id, **filters)
        return self._drain(agen)

    def _drain(self, agen: AsyncIterator[FetchedPage]) -> Iterator[FetchedPage]:
        try:
            while True:
                try:
                    yield self._run(_anext(agen))
                except StopAsyncIteration:
                    return
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None and self._loop is not None:
                self._run(aclose())


def _shutdown(loop: _LoopThread, client: AsyncRoeClient) -> None:
    try:
        loop.run(client.aclose())
    finally:
        loop.stop()


async def _anext(agen: AsyncIterator[T]) -> T:
    return await agen.__anext__()
