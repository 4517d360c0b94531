"""Incremental refresh: bring a snapshot up to date with requests proportional to the changes.

For each agent the snapshot recorded a *watermark*: a server time safely before its load began.
Refresh asks for the same filters ordered by ``-last_updated_at`` and reads pages until one holds
a job updated before the watermark; every job created or changed since (status, evaluation,
review) is on those pages, so the number of requests grows with the number of changes, not with
the size of the agent. The changed jobs replace their old rows (whole job: events, inputs and
metadata come with it) and new jobs are added.

What the API cannot tell: it has no record of deleted jobs. Refresh compares the server's `count`
with the number of jobs after merging; if they differ (a job was deleted, or left the filtered
set, e.g. its status changed under a `status_code` filter), that agent is reloaded in full, which
is the only way to learn which ids are gone. The manifest records why. Refresh also relies on the
server bumping ``last_updated_at`` whenever a job's status, evaluation or review changes, as the
current API does; a deployment that does not would need ``refresh(..., full=True)``.

What a server can make it do is bounded: the incremental read of an agent stops at a request
budget (``max_requests``; by default twice the pages the agent's jobs in the snapshot take, plus
one). A read that reaches it while every job is still updated after the watermark (more changes
than a full reload costs, or a server whose pages stay "updated" forever) stops there and the agent
is reloaded in full, with a `RefreshWarning` giving the numbers: a full load is pinned, reconciled
and bounded by the client's ``max_pages`` (`LoadLimitError`, with the jobs it fetched as
``err.partial``, if the server's count is past it). The snapshot on disk is only rewritten when
every agent succeeded.

A snapshot loaded with several versions (``version_name=[...]``) is refused before any request:
its watermarks and counts are per agent while each version is paged and counted apart; load it
again instead.

Rows come back newest first (``created_at`` descending, then ``id`` descending), the order of a
default load, so a refreshed snapshot equals a fresh full load.
"""

from __future__ import annotations

import asyncio
import math
import os
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from roe_analysis._schema import format_datetime
from roe_analysis._text import plural
from roe_analysis.api import JobQuery, RequestStats
from roe_analysis.client._catalog import Caller, add_versions, in_job_order, refresh_results
from roe_analysis.client._paging import AgentPages, LoadReport, PageFetcher
from roe_analysis.client._progress import make_progress
from roe_analysis.client._tasks import attach_partial
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, RefreshWarning, RoeError
from roe_analysis.frames import JobFrames, build_frames
from roe_analysis.storage import api_host, check_writable


class RefreshingClient(PageFetcher, Caller, Protocol):
    """What a refresh needs of a client: pages, where they come from, and its request counters."""

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        ...

    @property
    def concurrency(self) -> int:
        """How many pages are fetched at once."""
        ...

    @property
    def max_pages(self) -> int:
        """The sanity limit on the pages one agent's load may take."""
        ...

    stats: RequestStats


def _canonical_order(frames: JobFrames) -> JobFrames:
    jobs = frames.jobs.sort(["created_at", "id"], descending=[True, True], nulls_last=True, maintain_order=True)
    return JobFrames(
        jobs,
        in_job_order(frames.status_events, jobs, "event_index"),
        in_job_order(frames.inputs, jobs, "input_index"),
        in_job_order(frames.metadata, jobs),
        frames.query,
    )


def merge_changes(old: JobFrames, new: JobFrames) -> JobFrames:
    """Old frames with every job in ``new`` replacing its old rows (or added), in canonical order."""
    replaced = new.jobs.get_column("id")
    keep_old = ~pl.col("id").is_in(replaced.implode())
    keep_old_child = ~pl.col("job_id").is_in(replaced.implode())
    merged = JobFrames(
        pl.concat([old.jobs.filter(keep_old), new.jobs]),
        pl.concat([old.status_events.filter(keep_old_child), new.status_events]),
        pl.concat([old.inputs.filter(keep_old_child), new.inputs]),
        pl.concat([old.metadata.filter(keep_old_child), new.metadata]),
        new.query,
    )
    return _canonical_order(merged)


def _query_from_manifest(query: dict[str, Any]) -> JobQuery:
    filters = dict(query.get("filters") or {})
    try:
        return JobQuery.build(**filters)
    except ArgumentTypeError as exc:
        raise InvalidArgumentError(f"the snapshot's query has filters this version does not know: {exc}") from exc


async def refresh_snapshot(
    client: RefreshingClient,
    path: str | os.PathLike[str],
    *,
    progress: bool = True,
    full: bool = False,
    max_requests: int | None = None,
) -> JobFrames:
    """Bring the snapshot at ``path`` up to date and rewrite it atomically; returns the new frames.

    ``max_requests`` is each agent's budget for the incremental read (default: twice the pages of
    its jobs in the snapshot, plus one); see the module docstring.
    """
    if max_requests is not None and (
        isinstance(max_requests, bool) or not isinstance(max_requests, int) or max_requests < 1
    ):
        raise InvalidArgumentError(
            f"max_requests must be a whole number of at least 1 (or None); got {max_requests!r}."
        )
    old = JobFrames.load(path)
    # The refreshed snapshot replaces this folder: refuse now, before any request, if it holds a
    # file roe-analysis did not write (it would be refused at the save, after the whole fetch).
    check_writable(path)
    recorded: dict[str, Any] = dict(old.query)
    if not recorded.get("agent_ids"):
        raise InvalidArgumentError(
            f"{path} was not made by a load (it has no agent ids or query), so it cannot be refreshed; "
            f"load it again with `roe-analysis fetch ... --out {path}`."
        )
    if recorded.get("host") and recorded["host"] != api_host(client.base_url):
        raise InvalidArgumentError(
            f"{path} was loaded from {recorded['host']} but this client talks to {api_host(client.base_url)}; "
            f"refresh with a client for the same server."
        )
    query = _query_from_manifest(recorded)
    if len(query.version_names) > 1:
        # Watermarks and counts are kept per agent, while each version is paged and counted apart.
        raise InvalidArgumentError(
            f"{path} was loaded with several versions ({list(query.version_names)!r}), which refresh does not "
            f"support: load it again with load_jobs(..., version_name={list(query.version_names)!r}, "
            f"checkpoint=...) (CLI: `roe-analysis fetch ... --force`), or keep one snapshot per version."
        )
    started = datetime.now(UTC)
    requests_before, retries_before = client.stats.requests, client.stats.retries
    agents_before = {a["agent_id"]: a for a in recorded.get("agents", [])}
    bar = make_progress(progress, "Refreshing")
    semaphore = asyncio.Semaphore(client.concurrency)
    reports: list[LoadReport] = []
    previous_extra = dict((recorded.get("snapshot") or {}).get("extra") or {})
    history: list[dict[str, Any]] = list(previous_extra.get("refresh_history", []))
    entry: dict[str, Any] = {"started_at": format_datetime(started), "agents": []}
    merged = old
    try:
        for agent in recorded["agent_ids"]:
            pages = AgentPages(
                client,
                agent,
                query,
                semaphore=semaphore,
                progress=bar,
                max_pages=client.max_pages,
                concurrency=client.concurrency,
            )
            prior = agents_before.get(agent, {})
            budget = max_requests
            if budget is None:
                held = int((merged.jobs.get_column("agent_id") == agent).sum())
                budget = 2 * max(1, math.ceil(held / (prior.get("page_size_used") or query.page_size))) + 1
            merged, report, agent_entry = await _refresh_agent(
                pages, merged, prior.get("watermark"), full=full, max_requests=budget
            )
            reports.append(report)
            entry["agents"].append(agent_entry)
    finally:
        bar.close()
    merged = _canonical_order(merged)

    entry["requests"] = client.stats.requests - requests_before
    entry["retries"] = client.stats.retries - retries_before
    entry["finished_at"] = format_datetime(datetime.now(UTC))
    history.append(entry)
    new_agents = []
    for agent in recorded["agent_ids"]:
        r = next(r for r in reports if r.agent_id == agent)
        prior = agents_before.get(agent, {})
        # Everything recorded about the agent now describes this refresh, not the original load.
        new_agents.append(
            {
                **prior,
                "agent_id": agent,
                "server_count": r.server_count,
                "unique_jobs": int((merged.jobs.get_column("agent_id") == agent).sum()),
                "pages": r.pages,
                "page_size_used": r.page_size_used or prior.get("page_size_used"),
                "window_end": r.window_end or prior.get("window_end"),
                "server_time": r.server_time,
                "watermark": r.watermark,
                "reconcile_passes": r.reconcile_passes,
                "duplicates_dropped": r.duplicates_dropped,
                "missing": r.missing,
                "consistent": r.consistent,
            }
        )
    new_query = {
        **{k: v for k, v in recorded.items() if k != "snapshot"},
        "agents": new_agents,
        "started_at": format_datetime(started),
        "fetched_at": format_datetime(datetime.now(UTC)),
        "requests": entry["requests"],
        "retries": entry["retries"],
        "resumed_pages": 0,
        "complete": True,
    }
    result = JobFrames(merged.jobs, merged.status_events, merged.inputs, merged.metadata, new_query)
    # Results follow the jobs (fetched only for new and changed ones); versions are read again
    # whole (one request per agent). Either failing leaves the snapshot on disk as it was.
    if old.query.get("versions"):
        result = await add_versions(client, result, recorded["agent_ids"])
    if old.query.get("results"):
        result, entry["results_asked"] = await refresh_results(client, old, result)
    result.save(path, extra={**previous_extra, "refresh_history": history})
    return JobFrames.load(path)


async def _refresh_agent(
    pages: AgentPages, merged: JobFrames, since: str | None, *, full: bool, max_requests: int
) -> tuple[JobFrames, LoadReport, dict[str, Any]]:
    """``merged`` with one agent brought up to date; what its load did; its refresh-history entry."""
    agent = pages.agent
    if full or since is None:
        reason = "full refresh requested" if full else "the snapshot has no watermark"
    else:
        changed_load, count, stopped = await pages.changed_since(
            datetime.fromisoformat(since), max_requests=max_requests
        )
        changed = build_frames(changed_load.chunks)
        per_page = changed_load.report.page_size_used
        if stopped:
            reason = (
                f"its incremental read stopped at its budget of max_requests={max_requests} pages, every one of "
                f"their {plural(changed.jobs.height, 'job')} updated after the watermark {since}, while the "
                f"server counts {plural(count, 'job')} ({plural(math.ceil(count / max(1, per_page)), 'page')} of "
                f"{per_page:,}): more changed than a full reload costs, or the server's pages never reach back"
            )
        else:
            candidate = merge_changes(_only(merged, agent), changed)
            if candidate.jobs.height == count:
                changed_since = changed.jobs.filter(pl.col("last_updated_at") >= datetime.fromisoformat(since))
                report = replace(changed_load.report, unique_jobs=candidate.jobs.height)
                entry = {
                    "agent_id": agent,
                    "mode": "incremental",
                    "jobs_fetched": changed.jobs.height,
                    "jobs_changed": changed_since.height,
                    "pages": report.pages,
                }
                return _replace_agent(merged, agent, candidate), report, entry
            reason = (
                f"after merging {plural(changed.jobs.height, 'changed job')} the snapshot holds "
                f"{candidate.jobs.height} jobs but the server counts {count}: jobs were deleted or left "
                f"the filtered set, which only a full reload can tell"
            )
    if not full:
        warnings.warn(f"Agent {agent}: reloading in full: {reason}.", RefreshWarning, stacklevel=4)
    try:
        reloaded = await pages.load()
    except RoeError as exc:
        # The snapshot on disk is left as it was; what the full reload fetched is not lost.
        attach_partial(
            exc, lambda: build_frames(pages.fetched().chunks, query={"agent_ids": [agent], "complete": False})
        )
        raise
    entry = {"agent_id": agent, "mode": "full", "reason": reason, "pages": reloaded.report.pages}
    return _replace_agent(merged, agent, build_frames(reloaded.chunks)), reloaded.report, entry


def _only(frames: JobFrames, agent: str) -> JobFrames:
    return frames.with_jobs(frames.jobs.filter(pl.col("agent_id") == agent))


def _replace_agent(frames: JobFrames, agent: str, fresh: JobFrames) -> JobFrames:
    ids = frames.jobs.filter(pl.col("agent_id") == agent).get_column("id").implode()
    return JobFrames(
        pl.concat([frames.jobs.filter(pl.col("agent_id") != agent), fresh.jobs]),
        pl.concat([frames.status_events.filter(~pl.col("job_id").is_in(ids)), fresh.status_events]),
        pl.concat([frames.inputs.filter(~pl.col("job_id").is_in(ids)), fresh.inputs]),
        pl.concat([frames.metadata.filter(~pl.col("job_id").is_in(ids)), fresh.metadata]),
        frames.query,
    )
