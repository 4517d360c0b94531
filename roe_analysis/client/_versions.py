"""Loads of several agent versions: the API's ``version_name`` matches one, so each is paged apart.

A query naming several versions (``version_name=["v1.0", "v2.0"]``) is split by
`JobQuery.per_version`; each version is paged by its own `AgentPages`, all of them at once under the
load's one semaphore (so no more than ``concurrency`` requests are in flight in total). The
versions' jobs are then combined per agent: deduplicated by id (the most recently updated copy
wins, as within one version) and put in the order one request stream would have returned them,
by the load's ordering keys with nulls last and the id as the final tiebreak (`server_order`).

A failure on one version does not stop the others: they are loaded in full, and the caller gets
every job fetched (the failed version's pages so far included) to hand over as ``err.partial``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import polars as pl

from roe_analysis.api import JobQuery
from roe_analysis.client._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_WINDOW,
    AgentLoad,
    AgentPages,
    JobSet,
    LoadReport,
    PageFetcher,
)
from roe_analysis.client._progress import Progress
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames
from roe_analysis.storage import PageStore

#: The jobs frame's column for each ordering key of the API (``cost`` has none: it is not kept).
ORDER_COLUMNS: dict[str, str] = {
    "agent_version_name": "agent_version_name",
    "created_at": "created_at",
    "duration": "duration_ms",
    "grader_score": "grader_score",
    "id": "id",
    "last_updated_at": "last_updated_at",
    "status_code": "status_code",
}


def check_combinable(query: JobQuery) -> None:
    """Refuse, before any request, a multi-version query whose ordering cannot be rebuilt locally."""
    if len(query.version_names) < 2:
        return
    unknown = [k for k in query.stable_ordering() if k.removeprefix("-") not in ORDER_COLUMNS]
    if unknown:
        raise InvalidArgumentError(
            f"ordering by {unknown[0]!r} cannot be combined across several versions "
            f"({list(query.version_names)!r}): the frames hold no {unknown[0].removeprefix('-')} to sort the "
            f"versions' jobs together by. Order by another key, or load each version on its own."
        )


class PartProgress:
    """One version's share of a bar shared by versions paged at once: totals add up, pages count once."""

    def __init__(self, parent: Progress, totals: dict[int, int], index: int) -> None:
        self._parent = parent
        self._totals = totals
        self._index = index

    def set_total(self, pages: int) -> None:
        """This version's pages; the bar shows the sum over the versions."""
        self._totals[self._index] = pages
        self._parent.set_total(sum(self._totals.values()))

    def advance(self, jobs: int) -> None:
        """One more page of this version."""
        self._parent.advance(jobs)

    def close(self) -> None:
        """The shared bar is closed by the load."""


def combine(agent: str, loads: list[AgentLoad], names: tuple[str, ...]) -> AgentLoad:
    """One agent's versions as one load: jobs deduplicated by id, reports summed, each kept."""
    union = JobSet()
    for load in loads:
        for chunk in load.chunks:
            union.keep(chunk.page or 0, chunk.jobs, 0)
    reports = tuple(replace(load.report, version_name=name) for load, name in zip(loads, names, strict=True))
    ends = [r.window_end for r in reports]
    times = [r.server_time for r in reports if r.server_time is not None]
    marks = [r.watermark for r in reports if r.watermark is not None]
    total = LoadReport(
        agent_id=agent,
        server_count=sum(r.server_count for r in reports),
        unique_jobs=len(union.best),
        pages=sum(r.pages for r in reports),
        page_size_used=max((r.page_size_used for r in reports), default=0),
        # Each version is pinned on its own; the latest pin bounds them all. None: not pinned.
        window_end=max(e for e in ends if e is not None) if all(e is not None for e in ends) and ends else None,
        server_time=max(times) if times else None,
        # The earliest watermark is safe for every version (refetching a job is free, missing one is not).
        watermark=min(marks) if marks else None,
        reconcile_passes=sum(r.reconcile_passes for r in reports),
        duplicates_dropped=sum(r.duplicates_dropped for r in reports) + union.seen - len(union.best),
        missing=sum(r.missing for r in reports),
        consistent=all(r.consistent for r in reports),
    )
    return AgentLoad(total, union.chunks(agent), reports)


async def load_versions(
    fetcher: PageFetcher,
    agent: str,
    query: JobQuery,
    *,
    semaphore: asyncio.Semaphore,
    progress: Progress,
    store: PageStore | None,
    max_pages: int = DEFAULT_MAX_PAGES,
    concurrency: int = DEFAULT_WINDOW,
) -> tuple[AgentLoad, BaseException | None]:
    """Every version of ``query`` for one agent, paged at once; the combined load and the first failure.

    The other versions go on when one fails, so the returned load holds every job fetched; the
    failure (if any) is returned for the caller to raise, with a note naming the version.
    ``max_pages`` is each version's sanity limit and ``concurrency`` bounds each version's page
    tasks (as for one `AgentPages`; the shared ``semaphore`` bounds the requests of them all).
    """
    names = query.version_names
    totals: dict[int, int] = {}
    pages = [
        AgentPages(
            fetcher,
            agent,
            one,
            semaphore=semaphore,
            progress=PartProgress(progress, totals, i),
            store=store,
            # Each version's pages and state live apart in the checkpoint; the index is stable
            # because a resume must give the same filters (the checkpoint's identity).
            store_key=f"{agent}.version-{i}",
            max_pages=max_pages,
            concurrency=concurrency,
        )
        for i, one in enumerate(query.per_version())
    ]
    results = await asyncio.gather(*(p.load() for p in pages), return_exceptions=True)
    loads = [r if isinstance(r, AgentLoad) else p.fetched() for p, r in zip(pages, results, strict=True)]
    combined = combine(agent, loads, names)
    failed = [(name, r) for name, r in zip(names, results, strict=True) if isinstance(r, BaseException)]
    if not failed:
        return combined, None
    name, error = failed[0]
    if isinstance(error, Exception):
        others = [n for n, _ in failed[1:]]
        also = f"; {others!r} failed too" if others else ""
        error.add_note(
            f"while loading version_name {name!r} of agent {agent}{also}: err.partial holds every job fetched "
            f"({combined.report.unique_jobs} of agent {agent}), the versions that did not fail in full."
        )
    return combined, error


def server_order(frames: JobFrames, query: JobQuery, agents: list[str]) -> JobFrames:
    """Frames in the order one request stream would give: agents as listed, then the query's keys.

    The keys are `JobQuery.stable_ordering` (the id last), each with nulls last in both directions
    as the API sorts them; child rows follow their job.
    """
    keys = query.stable_ordering()
    columns = ["_agent", *(ORDER_COLUMNS[k.removeprefix("-")] for k in keys)]
    descending = [False, *(k.startswith("-") for k in keys)]
    rank = {agent: i for i, agent in enumerate(agents)}
    jobs = (
        frames.jobs.with_columns(pl.col("agent_id").replace_strict(rank, default=len(agents)).alias("_agent"))
        .sort(columns, descending=descending, nulls_last=True, maintain_order=True)
        .drop("_agent")
    )
    position = jobs.select(pl.col("id").alias("job_id")).with_row_index("_pos")

    def follow(child: pl.DataFrame, index: str | None) -> pl.DataFrame:
        ordered = child.join(position, on="job_id", how="left", maintain_order="left")
        return ordered.sort(["_pos", index] if index else ["_pos"], maintain_order=True).drop("_pos")

    return JobFrames(
        jobs,
        follow(frames.status_events, "event_index"),
        follow(frames.inputs, "input_index"),
        follow(frames.metadata, None),
        frames.query,
    )
