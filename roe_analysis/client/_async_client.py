"""`AsyncRoeClient`: every job of an agent, fast and complete, on httpx's async client.

It sends the requests (`fetch_page`) and hands the paging to `AgentPages` (see `_paging` for how a
load stays complete while the agent changes under it). `RoeClient` (``_sync_client``) runs the same
coroutines on a private event loop, so it also works inside Jupyter, whose own loop is already
running.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, Unpack

import httpx
import msgspec
import polars as pl

from roe_analysis._schema import format_datetime
from roe_analysis._version import __version__
from roe_analysis.api import (
    BearerAuth,
    JobFilters,
    JobQuery,
    RequestStats,
    Settings,
    decode_page,
    resolve_settings,
    send,
    server_date,
    validate_agent_id,
    validate_agent_ids,
)
from roe_analysis.client._catalog import add_versions, list_agents, load_agent_versions, load_results
from roe_analysis.client._paging import DEFAULT_MAX_PAGES, AgentLoad, AgentPages, PageFetch
from roe_analysis.client._progress import make_progress
from roe_analysis.client._refresh import refresh_snapshot
from roe_analysis.client._tasks import attach_partial
from roe_analysis.client._versions import check_combinable, load_versions, server_order
from roe_analysis.errors import (
    ArgumentTypeError,
    ConfigurationError,
    InvalidArgumentError,
    LoadLimitError,
    MalformedResponseError,
    RoeError,
)
from roe_analysis.frames import JobFrames, build_frames
from roe_analysis.storage import PageStore, check_writable

T = TypeVar("T")


def _frames_of(frames: JobFrames | str | os.PathLike[str]) -> JobFrames:
    if isinstance(frames, JobFrames):
        return frames
    if isinstance(frames, str | os.PathLike):
        return JobFrames.load(frames)
    raise ArgumentTypeError(
        f"load_results takes JobFrames or a snapshot folder; got {type(frames).__name__}. Load jobs with "
        f"client.load_jobs(...) or JobFrames.load(path) first."
    )


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


def describe_load(
    loads: Iterable[AgentLoad],
    query: JobQuery,
    *,
    base_url: str,
    organization_id: str,
    started: datetime,
    requests: int,
    retries: int,
    complete: bool,
    resumed_pages: int = 0,
) -> dict[str, Any]:
    """What ``frames.query`` records about a load (a snapshot's manifest keeps it, allow-listed)."""
    loads = list(loads)
    return {
        "agent_ids": [load.report.agent_id for load in loads],
        "base_url": base_url,
        "organization_id": organization_id,
        "filters": query.describe(),
        "ordering_sent": list(query.stable_ordering()),
        "started_at": format_datetime(started),
        "fetched_at": format_datetime(datetime.now(UTC)),
        "complete": complete,
        "requests": requests,
        "retries": retries,
        "resumed_pages": resumed_pages,
        "agents": [load.describe() for load in loads],
    }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


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
        concurrency: pages fetched at once (default 8); also how many page tasks each agent keeps,
            so memory follows the pages received, not the pages a server's `count` claims.
        max_pages: a sanity limit on the pages one agent's load may take (default 100,000, that
            is 10 million jobs at the default page size): the pages implied by the server's
            `count` at the page size it really used (page 1's length) are checked before they are
            requested, and `LoadLimitError` (``err.partial`` holds page 1) says how to go on. It
            guards against a broken or hostile server claiming, say, 10**9 jobs one per page.
        max_body_bytes: the largest response body accepted, decompressed
            (`ResponseTooLargeError` above it; default: the transport's, 256 MiB).
        allow_insecure: allow plain ``http://`` to a non-loopback host.
        transport: an httpx transport to use instead of the network (tests, proxies).
        environ: where to read the ``ROE_*`` variables (default ``os.environ``; ``{}`` reads none).
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
        max_pages: int = DEFAULT_MAX_PAGES,
        max_body_bytes: int | None = None,
        allow_insecure: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if not _whole(max_pages):
            raise ConfigurationError(
                f"max_pages must be a whole number of at least 1 (default 100000); got {max_pages!r}."
            )
        if max_body_bytes is not None and not _whole(max_body_bytes):
            raise ConfigurationError(
                f"max_body_bytes must be a whole number of at least 1 (default 256 MiB); got {max_body_bytes!r}."
            )
        self._max_pages = max_pages
        self._max_body_bytes = max_body_bytes
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

    @property
    def max_pages(self) -> int:
        """The sanity limit on the pages one agent's load may take (see the class)."""
        return self._max_pages

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

    async def _send(
        self, request: httpx.Request, decode: Callable[[bytes], T], *, page: int | None = None
    ) -> tuple[httpx.Response, T]:
        # Each attempt as a whole must end within the timeout (a body dripped a byte at a time
        # would pass every per-read timeout); the body's size is the transport's to bound.
        limits: dict[str, Any] = {"deadline": self._settings.timeout}
        if self._max_body_bytes is not None:
            limits["max_body_bytes"] = self._max_body_bytes
        return await send(
            self._client(),
            request,
            max_retries=self._settings.max_retries,
            stats=self.stats,
            page=page,
            decode=lambda r: decode(r.content),
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
            **limits,
        )

    async def call(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes], T],
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        page: int | None = None,
    ) -> T:
        """``decode`` of the body of one request to ``path`` (below the base URL), with retries.

        ``organization_id`` is always in the query; the key goes as the Authorization header.
        The seam the results, versions and agents endpoints share (see ``_catalog``).
        """
        base = self._settings.base_url
        url = base.copy_with(path=f"{base.path.rstrip('/')}{path}")
        query = {"organization_id": self._settings.organization_id, **(params or {})}
        request = self._client().build_request(method, url, params=query, json=json)
        return (await self._send(request, decode, page=page))[1]

    async def fetch_page(self, agent: str, query: JobQuery, number: int) -> PageFetch:
        """Page ``number`` of ``agent``'s jobs under ``query``, with retries (the `PageFetcher` seam)."""
        request = self._request(agent, query, number)
        response, decoded = await self._send(request, decode_page, page=number)
        try:
            elapsed = response.elapsed.total_seconds()
        except RuntimeError:  # transports that hand over a ready-made response never time it
            elapsed = 0.0
        return PageFetch(decoded, request, server_date(response), response.content, elapsed)

    # -- public API -------------------------------------------------------------------------------

    def iter_pages(
        self, agent_id: str, *, progress: bool = True, **filters: Unpack[JobFilters]
    ) -> AsyncIterator[FetchedPage]:
        """Every page of an agent's jobs in page order, with the window pinned as in a load.

        Takes the same filters as `load_jobs` (validated now, before any request). Pages are
        fetched concurrently but yielded in order; each carries its request, the server's `count`
        and the jobs as plain dicts exactly as sent. ``progress`` is accepted so a load's
        arguments can be reused; pages arrive as they are fetched, so no bar is drawn.

        Pages are made as the consumer takes them (at most twice ``concurrency`` ahead), so what
        is held follows what was read, not the server's `count`.

        Raises:
            InvalidArgumentError: a bad filter, or ``version_name`` with several versions (their
                pages would be numbered apart): iterate once per version instead.
            MalformedResponseError: page 1 holds no jobs but its `count` is above 0 (as `load_jobs`).
            LoadLimitError: `count` implies more pages than ``max_pages``; raised before any page is
                yielded, with page 1 in ``err.partial`` (as `load_jobs`).

        Warns:
            IncompleteLoadWarning: a page the count implies answered 404 "Invalid page." (the pages
                stop there: every later one is past the end too), or the pages held fewer or more
                distinct jobs than counted; with the numbers, as `load_jobs` warns.
        """
        agent = validate_agent_id(agent_id)
        query = JobQuery.build(**filters)
        if len(query.version_names) > 1:
            raise InvalidArgumentError(
                f"iter_pages takes one version_name, got {list(query.version_names)!r}: each version is paged "
                f"apart by the API, so call iter_pages once per version (or load_jobs, which takes a list)."
            )
        return self._iter_pages(agent, query)

    def _pages(self, agent: str, query: JobQuery, semaphore: asyncio.Semaphore, **options: Any) -> AgentPages:
        concurrency, max_pages = self._settings.concurrency, self._max_pages
        return AgentPages(
            self, agent, query, semaphore=semaphore, max_pages=max_pages, concurrency=concurrency, **options
        )

    def _describe(
        self,
        loads: Iterable[AgentLoad],
        query: JobQuery,
        started: datetime,
        counted: tuple[int, int],
        *,
        complete: bool = False,
        resumed_pages: int = 0,
    ) -> dict[str, Any]:
        """`describe_load` of this client: its server, and the requests and retries since ``counted``."""
        requests_before, retries_before = counted
        return describe_load(
            loads,
            query,
            base_url=self.base_url,
            organization_id=self.organization_id,
            started=started,
            requests=self.stats.requests - requests_before,
            retries=self.stats.retries - retries_before,
            complete=complete,
            resumed_pages=resumed_pages,
        )

    async def _iter_pages(self, agent: str, query: JobQuery) -> AsyncIterator[FetchedPage]:
        pages = self._pages(agent, query, asyncio.Semaphore(self._settings.concurrency))
        started, requests_before, retries_before = datetime.now(UTC), self.stats.requests, self.stats.retries
        try:
            async for number, fetched in pages.fetches_in_order():
                raw = msgspec.json.decode(fetched.body)
                yield FetchedPage(
                    agent, number, fetched.page.count, raw["results"], fetched.request, fetched.server_date
                )
        except LoadLimitError as exc:
            # Refused before page 1 was yielded: page 1 is not lost, it is `err.partial`.
            description = self._describe([pages.fetched()], query, started, (requests_before, retries_before))
            attach_partial(exc, lambda: build_frames(pages.fetched().chunks, query=description))
            raise

    async def load_results(self, frames: JobFrames | str | os.PathLike[str]) -> JobFrames:
        """``frames`` (or the snapshot at a path) with `results` and `outputs` (see `RoeClient.load_results`)."""
        return await load_results(self, _frames_of(frames))

    async def load_versions(self, agent_id: str | Iterable[str]) -> pl.DataFrame:
        """The `versions` frame of one or more agents (see `RoeClient.load_versions`)."""
        return await load_agent_versions(self, validate_agent_ids(agent_id))

    async def list_agents(self, *, include_job_stats: bool = True) -> pl.DataFrame:
        """Every agent of the organisation as an `agents` frame (see `RoeClient.list_agents`)."""
        if not isinstance(include_job_stats, bool):
            raise ArgumentTypeError(f"include_job_stats must be True or False; got {include_job_stats!r}.")
        return await list_agents(self, include_job_stats=include_job_stats)

    async def load_jobs(
        self,
        agent_id: str | Iterable[str],
        *,
        progress: bool = True,
        checkpoint: str | os.PathLike[str] | None = None,
        results: bool = False,
        versions: bool = False,
        **filters: Unpack[JobFilters],
    ) -> JobFrames:
        """Every job of one or more agents as typed frames (see `RoeClient.load_jobs`)."""
        for name, flag in (("results", results), ("versions", versions)):
            if not isinstance(flag, bool):
                raise ArgumentTypeError(f"{name} must be True or False; got {flag!r}.")
        agents = validate_agent_ids(agent_id)
        query = JobQuery.build(**filters)
        check_combinable(query)
        several = len(query.version_names) > 1
        store = None
        if checkpoint is not None:
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
        loads: list[AgentLoad] = []

        def frames(*, complete: bool) -> JobFrames:
            def describe(complete: bool) -> dict[str, Any]:
                resumed = store.resumed_pages if store is not None else 0
                counted = (requests_before, retries_before)
                return self._describe(loads, query, started, counted, complete=complete, resumed_pages=resumed)

            def ordered(built: JobFrames) -> JobFrames:
                # Versions are paged apart: put their jobs in the order one request stream would give.
                return server_order(built, query, agents) if several else built

            try:
                return ordered(
                    build_frames([chunk for load in loads for chunk in load.chunks], query=describe(complete))
                )
            except MalformedResponseError as exc:
                # A page that cannot be framed: the others are what was fetched, and not complete.
                if isinstance(exc.partial, JobFrames):
                    p = exc.partial
                    exc.partial = ordered(JobFrames(p.jobs, p.status_events, p.inputs, p.metadata, describe(False)))
                raise

        try:
            for agent in agents:
                if several:
                    load, error = await load_versions(
                        self,
                        agent,
                        query,
                        semaphore=semaphore,
                        progress=bar,
                        store=store,
                        max_pages=self._max_pages,
                        concurrency=self._settings.concurrency,
                    )
                    loads.append(load)
                    if error is not None:
                        raise error
                    continue
                pages = self._pages(agent, query, semaphore, progress=bar, store=store)
                try:
                    loads.append(await pages.load())
                except RoeError:
                    # What was fetched before the failure is not lost: it becomes `err.partial`.
                    loads.append(pages.fetched())
                    raise
        except RoeError as exc:
            # Another boundary may have set err.partial already; and a partial that cannot be
            # built must not replace the error the user needs to see.
            attach_partial(exc, lambda: frames(complete=False))
            raise
        finally:
            bar.close()
        result = frames(complete=True)
        if versions:
            result = await add_versions(self, result, agents)
        if results:
            result = await load_results(self, result)
        if versions or results:
            # The requests of the load: its pages and the versions and results asked after them.
            spent = {"requests": self.stats.requests - requests_before, "retries": self.stats.retries - retries_before}
            result = replace(result, query={**result.query, **spent})
        if checkpoint is not None and store is not None:
            result.save(checkpoint)
            store.remove()
        return result

    async def refresh(
        self,
        path: str | os.PathLike[str],
        *,
        progress: bool = True,
        full: bool = False,
        max_requests: int | None = None,
    ) -> JobFrames:
        """Bring a snapshot up to date (see `RoeClient.refresh`)."""
        return await refresh_snapshot(self, path, progress=progress, full=full, max_requests=max_requests)
