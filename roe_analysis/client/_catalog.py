"""Results, versions and agents: the endpoints beside the jobs list, fetched concurrently.

`fetch_results` asks ``POST /v1/agents/jobs/results/`` for ⌈n / 1,000⌉ batches of job ids, all at
once within the client's concurrency (the official SDK sleeps 10 s between batches; nothing here
waits but the transport's 429 backoff). A batch the server refuses with 403 (jobs of an agent the
key may not read) and ids it leaves out (jobs deleted since they were listed) are counted and
warned about with exact numbers; any other failure is raised after every other batch has ended,
with what was fetched in ``err.partial``.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

import polars as pl

from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis._text import plural
from roe_analysis.api import (
    RESULTS_BATCH_SIZE,
    AgentRecord,
    ResultItem,
    decode_agents_page,
    decode_results,
    decode_versions,
)
from roe_analysis.errors import (
    IncompleteLoadWarning,
    InvalidArgumentError,
    InvalidPageError,
    LoadLimitError,
    MissingResultsWarning,
    PermissionDeniedError,
    RoeError,
)
from roe_analysis.frames import JobFrames, agents_frame, outputs_frame, results_frame, versions_frame

T = TypeVar("T")

#: Sends one batch of job ids and gives the decoded answer (the `AsyncRoeClient` seam).
PostBatch = Callable[[list[str]], Awaitable[list[ResultItem]]]


@dataclass
class ResultsFetch:
    """What a results fetch got: the items in the order asked, and what it did not get."""

    asked: list[str]
    items: list[ResultItem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    batches: int = 0
    error: RoeError | None = None

    def warn(self) -> None:
        """`MissingResultsWarning` with the exact numbers, when any job has no result."""
        if not self.refused and not self.missing:
            return
        parts = []
        if self.missing:
            parts.append(
                f"{plural(len(self.missing), 'job')} the server did not answer for (deleted since they were "
                f"listed, or unknown to it; e.g. {self.missing[0]})"
            )
        if self.refused:
            parts.append(
                f"{plural(len(self.refused), 'job')} in batches the server refused with 403 (jobs of an agent this "
                f"key may not read; e.g. {self.refused[0]})"
            )
        warnings.warn(
            f"Results: {len(self.items):,} of {plural(len(self.asked), 'job')} have one; no result for "
            f"{' and '.join(parts)}. Their cost and tokens are missing (null), never counted as 0.",
            MissingResultsWarning,
            stacklevel=4,
        )


def batches_of(job_ids: Sequence[str], size: int = RESULTS_BATCH_SIZE) -> list[list[str]]:
    """The ids in order, each once, cut into batches of at most ``size``.

    Examples:
        >>> [len(b) for b in batches_of([str(i) for i in range(2_345)] + ["0"])]
        [1000, 1000, 345]
    """
    unique = list(dict.fromkeys(job_ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


async def fetch_results(job_ids: Sequence[str], post: PostBatch, *, concurrency: int) -> ResultsFetch:
    """Every job's result, batch by batch, at most ``concurrency`` batches at once (see the module)."""
    batches = batches_of(job_ids)
    fetch = ResultsFetch(asked=[i for batch in batches for i in batch], batches=len(batches))
    answers: list[list[ResultItem] | None] = [None] * len(batches)
    semaphore = asyncio.Semaphore(max(1, concurrency))
    errors: list[tuple[int, RoeError]] = []

    async def one(index: int) -> None:
        async with semaphore:
            try:
                answers[index] = await post(batches[index])
            except PermissionDeniedError:
                fetch.refused += batches[index]
            except RoeError as exc:
                exc.add_note(
                    f"results batch {index + 1} of {len(batches)} ({plural(len(batches[index]), 'job id')}); "
                    f"every other batch was still fetched: see err.partial"
                )
                errors.append((index, exc))

    # Every batch runs to its end (a failure does not cancel the others: what they fetch is kept).
    await asyncio.gather(*(one(i) for i in range(len(batches))))
    for index, batch in enumerate(batches):
        answer = answers[index]
        if answer is None:
            continue
        by_id: dict[str, ResultItem] = {}
        for item in answer:
            by_id.setdefault(item.id, item)
        fetch.items += [by_id[i] for i in batch if i in by_id]
        fetch.missing += [i for i in batch if i not in by_id]
    if errors:
        fetch.error = min(errors, key=lambda e: e[0])[1]
    return fetch


# -- what the clients call ------------------------------------------------------------------------


class Caller(Protocol):
    """The part of `AsyncRoeClient` these loads use (its `call` seam and settings)."""

    @property
    def concurrency(self) -> int: ...

    @property
    def max_pages(self) -> int: ...

    async def call(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes], T],
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        page: int | None = None,
    ) -> T: ...


def checked_job_ids(frames: JobFrames) -> list[str]:
    """The job ids of ``frames``, refused before any request unless every one is a UUID."""
    ids = frames.jobs.get_column("id")
    bad = frames.jobs.filter(ids.is_null() | ~ids.str.contains(_UUID, literal=False).fill_null(False))
    if bad.height:
        first = bad.get_column("id").item(0)
        raise InvalidArgumentError(
            f"results can only be asked for jobs with a UUID id; {plural(bad.height, 'job')} of {ids.len():,} "
            f"{'has' if bad.height == 1 else 'have'} none (e.g. {first!r}). Load the jobs from the API "
            f"(client.load_jobs) or drop those rows first."
        )
    return ids.to_list()


#: A UUID in any case, as the API's ids are written.
_UUID = r"^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _poster(client: Caller) -> PostBatch:
    """One batch of ids sent to the results endpoint through ``client``'s transport."""

    async def post(batch: list[str]) -> list[ResultItem]:
        return await client.call("POST", "/v1/agents/jobs/results/", decode_results, json={"job_ids": batch})

    return post


async def load_results(client: Caller, frames: JobFrames) -> JobFrames:
    """``frames`` with `results` and `outputs` for every job of its `jobs` (see `RoeClient.load_results`)."""
    job_ids = checked_job_ids(frames)

    fetch = await fetch_results(job_ids, _poster(client), concurrency=client.concurrency)
    missing = len(fetch.missing) + len(fetch.refused)
    done = fetch.error is None
    query = {**frames.query, "results": done, "results_missing": missing if done else None}
    with_results = replace(frames, results=results_frame(fetch.items), outputs=outputs_frame(fetch.items), query=query)
    if fetch.error is not None:
        # What the other batches fetched is kept: the jobs, and every result that arrived.
        fetch.error.partial = with_results
        raise fetch.error
    fetch.warn()
    return with_results


async def load_agent_versions(client: Caller, agent_ids: Sequence[str]) -> pl.DataFrame:
    """The `versions` frame of each agent in ``agent_ids`` (in that order), fetched at once."""
    semaphore = asyncio.Semaphore(max(1, client.concurrency))

    async def one(agent_id: str) -> pl.DataFrame:
        async with semaphore:
            records = await client.call("GET", f"/v1/agents/{agent_id}/versions/", decode_versions)
        return versions_frame(agent_id, records)

    frames = await asyncio.gather(*(one(a) for a in agent_ids))
    return pl.concat([pl.DataFrame(schema=FRAME_SCHEMAS["versions"]), *frames], how="vertical")


async def add_versions(client: Caller, frames: JobFrames, agent_ids: Sequence[str]) -> JobFrames:
    """``frames`` with the `versions` of ``agent_ids``; on failure ``err.partial`` is ``frames``."""
    try:
        versions = await load_agent_versions(client, agent_ids)
    except RoeError as exc:
        if exc.partial is None:
            exc.partial = frames
        raise
    return replace(frames, versions=versions, query={**frames.query, "versions": True})


#: Agents asked for per page of `list_agents`.
AGENTS_PAGE_SIZE = 100


async def list_agents(client: Caller, *, include_job_stats: bool = True) -> pl.DataFrame:
    """Every agent of the organisation, page by page (see `RoeClient.list_agents`)."""
    params = {"page_size": str(AGENTS_PAGE_SIZE), "include_job_stats": "true" if include_job_stats else "false"}
    records: dict[str, AgentRecord] = {}
    number, count = 1, 0
    while True:
        try:
            page = await client.call(
                "GET", "/v1/agents/", decode_agents_page, params={**params, "page": str(number)}, page=number
            )
        except InvalidPageError:
            if number == 1:
                raise
            break  # counted but past the end (agents deleted meanwhile): the warning below says so
        count = page.count
        for record in page.results:
            records.setdefault(record.id, record)
        pages = -(-count // max(1, len(page.results))) if page.results else number
        if pages > client.max_pages:
            limit = LoadLimitError(
                f"the agents list counts {count:,} agents, {pages:,} pages of {len(page.results)}: more than "
                f"max_pages={client.max_pages:,}. Raise max_pages if that is right."
            )
            limit.partial = agents_frame(records.values())
            raise limit
        if not page.results or len(records) >= count or page.next is None:
            break
        number += 1
    if len(records) != count:
        warnings.warn(
            f"The agents list counts {count:,} agents but {len(records):,} arrived (agents were added or "
            f"deleted while it was read); every agent that arrived is returned. List them again.",
            IncompleteLoadWarning,
            stacklevel=4,
        )
    return agents_frame(records.values())


def in_job_order(frame: pl.DataFrame, jobs: pl.DataFrame, *then: str) -> pl.DataFrame:
    """``frame``'s rows (keyed by ``job_id``) in the order of ``jobs``, then by ``then`` within a job."""
    position = jobs.select(pl.col("id").alias("job_id")).with_row_index("_pos")
    joined = frame.join(position, on="job_id", how="left", maintain_order="left")
    return joined.sort(["_pos", *then], maintain_order=True).drop("_pos")


async def refresh_results(client: Caller, old: JobFrames, merged: JobFrames) -> tuple[JobFrames, int]:
    """``merged`` (a refresh of ``old``) with results: kept for jobs unchanged since ``old``, fetched
    for new and changed jobs and for jobs that had none; jobs gone take theirs with them. Also
    gives how many jobs' results were asked for."""
    keys = ["id", "last_updated_at", "status_code"]
    had = old.results.get_column("job_id").implode()
    unchanged = (
        merged.jobs.select(keys)
        .join(old.jobs.select(keys), on=keys, how="semi", nulls_equal=True)
        .filter(pl.col("id").is_in(had))
        .get_column("id")
    )
    stale = merged.jobs.filter(~pl.col("id").is_in(unchanged.implode())).get_column("id").to_list()

    fetch = await fetch_results(stale, _poster(client), concurrency=client.concurrency)
    keep = pl.col("job_id").is_in(unchanged.implode())
    results = pl.concat([old.results.filter(keep), results_frame(fetch.items)])
    outputs = pl.concat([old.outputs.filter(keep), outputs_frame(fetch.items)])
    missing = merged.jobs.height - results.height
    with_results = replace(
        merged,
        results=in_job_order(results, merged.jobs),
        outputs=in_job_order(outputs, merged.jobs, "corrected", "output_index"),
        query={**merged.query, "results": fetch.error is None, "results_missing": missing},
    )
    if fetch.error is not None:
        fetch.error.partial = with_results
        raise fetch.error
    fetch.warn()
    return with_results, len(stale)
