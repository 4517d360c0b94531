"""`AsyncRoeClient`: every job of an agent, fast and complete, on httpx's async client.

It sends the requests (`fetch_page`) and hands the paging to `AgentPages` (see `_paging` for how a
load stays complete while the agent changes under it). `RoeClient` (``_sync_client``) runs the same
coroutines on a private event loop, so it also works inside Jupyter, whose own loop is already
running.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Unpack

import httpx
import msgspec

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
from roe_analysis.client._paging import AgentLoad, AgentPages, PageFetch
from roe_analysis.client._progress import make_progress
from roe_analysis.client._refresh import refresh_snapshot
from roe_analysis.client._versions import check_combinable, load_versions, server_order
from roe_analysis.errors import InvalidArgumentError, RoeError
from roe_analysis.frames import JobFrames, build_frames
from roe_analysis.storage import PageStore, check_writable


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

    async def fetch_page(self, agent: str, query: JobQuery, number: int) -> PageFetch:
        """Page ``number`` of ``agent``'s jobs under ``query``, with retries (the `PageFetcher` seam)."""
        request = self._request(agent, query, number)
        response, decoded = await send(
            self._client(),
            request,
            max_retries=self._settings.max_retries,
            stats=self.stats,
            page=number,
            decode=lambda r: decode_page(r.content),
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
        )
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

        Raises:
            InvalidArgumentError: a bad filter, or ``version_name`` with several versions (their
                pages would be numbered apart): iterate once per version instead.
        """
        agent = validate_agent_id(agent_id)
        query = JobQuery.build(**filters)
        if len(query.version_names) > 1:
            raise InvalidArgumentError(
                f"iter_pages takes one version_name, got {list(query.version_names)!r}: each version is paged "
                f"apart by the API, so call iter_pages once per version (or load_jobs, which takes a list)."
            )
        return self._iter_pages(agent, query)

    async def _iter_pages(self, agent: str, query: JobQuery) -> AsyncIterator[FetchedPage]:
        pages = AgentPages(self, agent, query, semaphore=asyncio.Semaphore(self._settings.concurrency))
        async for number, fetched in pages.fetches_in_order():
            raw = msgspec.json.decode(fetched.body)
            yield FetchedPage(agent, number, fetched.page.count, raw["results"], fetched.request, fetched.server_date)

    async def load_jobs(
        self,
        agent_id: str | Iterable[str],
        *,
        progress: bool = True,
        checkpoint: str | os.PathLike[str] | None = None,
        **filters: Unpack[JobFilters],
    ) -> JobFrames:
        """Every job of one or more agents as typed frames (see `RoeClient.load_jobs`)."""
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
            description = describe_load(
                loads,
                query,
                base_url=self.base_url,
                organization_id=self.organization_id,
                started=started,
                requests=self.stats.requests - requests_before,
                retries=self.stats.retries - retries_before,
                complete=complete,
                resumed_pages=store.resumed_pages if store is not None else 0,
            )
            built = build_frames([chunk for load in loads for chunk in load.chunks], query=description)
            # Versions are paged apart: put their jobs in the order one request stream would give.
            return server_order(built, query, agents) if several else built

        try:
            for agent in agents:
                if several:
                    load, error = await load_versions(
                        self, agent, query, semaphore=semaphore, progress=bar, store=store
                    )
                    loads.append(load)
                    if error is not None:
                        raise error
                    continue
                pages = AgentPages(self, agent, query, semaphore=semaphore, progress=bar, store=store)
                try:
                    loads.append(await pages.load())
                except RoeError:
                    # What was fetched before the failure is not lost: it becomes `err.partial`.
                    loads.append(pages.fetched())
                    raise
        except RoeError as exc:
            exc.partial = frames(complete=False)
            raise
        finally:
            bar.close()
        result = frames(complete=True)
        if checkpoint is not None and store is not None:
            result.save(checkpoint)
            store.remove()
        return result

    async def refresh(self, path: str | os.PathLike[str], *, progress: bool = True, full: bool = False) -> JobFrames:
        """Bring a snapshot up to date (see `RoeClient.refresh`)."""
        return await refresh_snapshot(self, path, progress=progress, full=full)
