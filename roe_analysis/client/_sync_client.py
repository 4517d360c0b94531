"""`RoeClient`: the synchronous client, running `AsyncRoeClient` on a private event loop thread.

The loop lives in a daemon thread, so sync calls work even where a loop already runs (Jupyter).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import weakref
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator, Mapping
from typing import Any, TypeVar, Unpack

import httpx
import polars as pl

from roe_analysis.api import FILTER_NAMES, JobFilters, RequestStats
from roe_analysis.client._async_client import AsyncRoeClient, FetchedPage
from roe_analysis.client._paging import DEFAULT_MAX_PAGES
from roe_analysis.errors import ArgumentTypeError, RoeError, closest_match
from roe_analysis.frames import JobFrames

T = TypeVar("T")


class _LoopThread:
    """A private event loop in a daemon thread, so sync calls work even where a loop already runs."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="roe-analysis-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            raise RoeError("RoeClient was called from its own loop thread; use AsyncRoeClient there.")
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

    Takes the keywords of `AsyncRoeClient`, among them ``max_pages`` (default 100,000: a sanity
    limit on the pages one agent's load may take, checked against the server's `count` before
    those pages are requested) and ``max_body_bytes`` (default: the transport's 256 MiB).

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
        max_pages: int = DEFAULT_MAX_PAGES,
        max_body_bytes: int | None = None,
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
            max_pages=max_pages,
            max_body_bytes=max_body_bytes,
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

    def load_jobs(
        self,
        agent_id: str | Iterable[str],
        *,
        progress: bool = True,
        checkpoint: str | os.PathLike[str] | None = None,
        results: bool = False,
        versions: bool = False,
        **filters: Unpack[JobFilters],
    ) -> JobFrames:
        """Every job of one or more agents, as typed Polars frames.

        Args:
            agent_id: an agent's UUID, or a list of them (frames are concatenated; `agent_id`
                tells them apart).
            **filters: `created_from`, `created_to` (timezone-aware datetimes or ISO strings),
                `status_code` (code, name or list), `version_name` (one name or a list),
                `ordering` (list of keys from the API's enum), `metadata` (dict str → str),
                `search`, `semantic_string`, `job_id`, `job_inputs`, `exclude_metadata`,
                `verdict`, `limit` (0 = no cap), `page_size` (default 100): every key of
                `roe_analysis.api.JobFilters`. The API matches one `version_name` per request, so
                with several each version is paged apart, all at once within `concurrency`; the
                jobs are combined, deduplicated by id and ordered as one request stream would be
                (``limit`` then caps each version). ``frames.query["filters"]["version_name"]``
                lists them and each agent's entry of ``frames.query["agents"]`` has a
                ``versions`` report per version.
            progress: show a progress bar (a widget in Jupyter, text in a terminal).
            checkpoint: a snapshot folder: every page is written beside it as it arrives, an
                interrupted load resumes from there, and the finished frames are saved to it
                (with several versions too: each version's pages are kept apart). Such a
                snapshot cannot be `refresh`-ed; load it again.
            results: also fetch every job's result (cost, tokens, outputs) into `results` and
                `outputs`, as `load_results` does, after the pages.
            versions: also fetch each agent's versions (model, engine config) into `versions`,
                as `load_versions` does.

        Returns:
            `JobFrames` with `jobs`, `status_events`, `inputs` and `metadata` (and `results`,
            `outputs`, `versions` when asked); ``frames.query`` records the filters, the pinned
            window, the server's counts and requests made.

        Raises:
            InvalidArgumentError: a bad argument, before any request is sent (e.g. an empty
                ``version_name`` list, a blank name, or several versions ordered by ``cost``,
                which the frames cannot sort by).
            ArgumentTypeError: a keyword that is no filter, or a ``version_name`` that is not a
                string or a list of strings.
            APIStatusError: the server refused (401, 403, 404 …) or kept failing; ``err.partial``
                holds the jobs fetched before the failure. With several versions the others are
                loaded in full first, the error's URL and note name the version that failed, and
                ``err.partial`` holds every version's jobs fetched.
            LoadLimitError: the server's count implies more pages than ``max_pages``; raised
                before those pages are requested, with page 1 in ``err.partial``.

        Warns:
            IncompleteLoadWarning: fewer or more unique jobs arrived than the server counted
                (after re-fetching to reconcile), or a page it counted answered "Invalid page.".
        """
        _check_keywords("RoeClient.load_jobs", filters, ("progress", "checkpoint", "results", "versions"))
        return self._run(
            self._async.load_jobs(
                agent_id, progress=progress, checkpoint=checkpoint, results=results, versions=versions, **filters
            )
        )

    def load_results(self, frames: JobFrames | str | os.PathLike[str]) -> JobFrames:
        """``frames`` with the `results` and `outputs` of every one of its jobs (cost, tokens, outputs).

        Asks ``POST /v1/agents/jobs/results/`` for ⌈n / 1,000⌉ batches of job ids at once, within
        ``concurrency`` (no pause between batches; 429s are retried as for pages). Frames that
        already have results get them fetched again (the job list is what is asked).

        Args:
            frames: loaded `JobFrames`, or the path of a snapshot (read with `JobFrames.load`;
                the snapshot itself is not rewritten: save the returned frames).

        Returns:
            The same frames with `results` (one row per job answered: cost, tokens, output
            counts) and `outputs` (one row per output datum and per corrected datum), and
            ``query["results"]`` true, ``query["results_missing"]`` the jobs without one.

        Raises:
            APIStatusError: a batch kept failing (not a 403); every other batch is still fetched
                and ``err.partial`` holds the frames with every result that arrived.

        Warns:
            MissingResultsWarning: jobs the server did not answer for (deleted since they were
                listed) or refused with 403, with the exact numbers; their cost stays null.
        """
        return self._run(self._async.load_results(frames))

    def load_versions(self, agent_id: str | Iterable[str]) -> pl.DataFrame:
        """Every version of one or more agents (``GET /v1/agents/{agent_id}/versions/``) as a frame.

        One row per version: ``agent_id``, ``agent_name``, ``version_id``, ``version_name``
        (as jobs name it in ``agent_version_name``), ``created_at``, ``engine_name``, ``model``
        (the engine config's ``model``, null when it names none), ``engine_config`` (JSON),
        ``description``, ``creator_email``, ``readonly`` (`ra.FRAME_SCHEMAS["versions"]`).
        """
        return self._run(self._async.load_versions(agent_id))

    def list_agents(self, *, include_job_stats: bool = True) -> pl.DataFrame:
        """Every agent of the organisation (``GET /v1/agents/``, all pages) as an `agents` frame.

        One row per agent: ``agent_id``, ``name``, ``created_at``, ``updated_at``, ``job_count``,
        ``most_recent_job``, ``current_version_id``, ``engine_name``, ``tags``, ``disable_cache``,
        ``creator_email`` (`ra.AGENTS_SCHEMA`). ``include_job_stats=False`` asks the server to
        skip the job counts (faster; ``job_count`` and ``most_recent_job`` are then null).

        Warns:
            IncompleteLoadWarning: fewer or more agents arrived than the list counted.
        """
        return self._run(self._async.list_agents(include_job_stats=include_job_stats))

    def refresh(
        self,
        path: str | os.PathLike[str],
        *,
        progress: bool = True,
        full: bool = False,
        max_requests: int | None = None,
    ) -> JobFrames:
        """Bring the snapshot at ``path`` up to date, rewrite it atomically and return its frames.

        New jobs, and jobs whose status, evaluation or review changed since the snapshot, are
        fetched by asking for the most recently updated jobs first and stopping at the snapshot's
        watermark, so requests grow with the number of changes, not the size of the agent. The
        API has no record of deletions: when the server's count shows jobs are gone, that agent
        is reloaded in full (a `RefreshWarning` says so). ``full=True`` always reloads.

        ``max_requests`` is the request budget of an agent's incremental read: by default twice
        the pages its jobs in the snapshot take, plus one (every job changed, and as many new ones
        again). A read that reaches it with every job still updated after the watermark (a server
        whose pages stay "updated" forever, or more changes than a full reload costs) stops there,
        and the agent is reloaded in full, which is pinned, reconciled and bounded by
        ``max_pages``; a `RefreshWarning` says so, with the numbers.

        Raises:
            InvalidArgumentError: the snapshot was not made by a load, comes from another server,
                or was loaded with several ``version_name`` values (refused before any request:
                load it again instead).
        """
        return self._run(self._async.refresh(path, progress=progress, full=full, max_requests=max_requests))

    def iter_pages(
        self, agent_id: str, *, progress: bool = True, **filters: Unpack[JobFilters]
    ) -> Iterator[FetchedPage]:
        """Each page of an agent's jobs in order (raw dicts; see `AsyncRoeClient.iter_pages`).

        Filters are validated now, before any request is sent; ``version_name`` takes one name
        here (`InvalidArgumentError` for a list of several: iterate once per version). As in
        `load_jobs`: an empty page 1 with a `count` raises `MalformedResponseError`, more pages
        than ``max_pages`` raise `LoadLimitError` (page 1 in ``err.partial``) before any page is
        yielded, and a counted page that answers "Invalid page." (the pages stop there) or fewer
        or more distinct jobs than counted warn `IncompleteLoadWarning`.
        """
        agen = self._async.iter_pages(agent_id, progress=progress, **filters)
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


def _check_keywords(method: str, given: Mapping[str, object], own: tuple[str, ...]) -> None:
    """Refuse a keyword that is no filter, naming ``method`` and the closest keyword it takes."""
    unknown = [name for name in given if name not in FILTER_NAMES]
    if unknown:
        close = closest_match(unknown[0], (*own, *FILTER_NAMES))
        hint = f" Did you mean {close!r}?" if close else ""
        raise ArgumentTypeError(
            f"{method}() got an unexpected keyword argument {unknown[0]!r}.{hint} Filters: {', '.join(FILTER_NAMES)}."
        )


def _shutdown(loop: _LoopThread, client: AsyncRoeClient) -> None:
    try:
        loop.run(client.aclose())
    finally:
        loop.stop()


async def _anext(agen: AsyncIterator[T]) -> T:
    return await agen.__anext__()
