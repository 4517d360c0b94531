"""Results benchmark: every job's result (cost, tokens, outputs) against the pages themselves.

Issue 13's speed goal: results for 20,000 jobs over the sandbox at 200 ms latency in under 1.5×
the time of the pages (``POST /v1/agents/jobs/results/``, ⌈n / 1,000⌉ = 20 batches, concurrent).
The sandbox runs in its own process, as in the fetch benchmark (`bench_fetch.RemoteSandbox`),
with agent ``large`` resized and the fault ``latency=200ms`` on every request.

Methods (each timed call builds its own client, as in the fetch benchmark):

* ``ours_pages``: ``RoeClient.load_jobs(agent, progress=False)``, pages only (200 pages of 100):
  the reference of the goal.
* ``ours_results``: ``RoeClient.load_results(frames)`` on frames loaded beforehand (untimed):
  20 batches within the client's concurrency (default 8), decoded into `results` and `outputs`.
* ``sdk_loop``: the official SDK's ``client.agents.jobs.retrieve_result_many(job_ids)`` (roe-ai
  1.1.19): sequential batches of 1,000, parsed into its attrs models. It calls
  ``time.sleep(config.batch_chunk_delay)`` (10 s by default) before every batch but the first;
  here that ``time.sleep`` is replaced by one that records the seconds asked and returns at once,
  so the time shown is **without** the sleeps, and the sleeps it would have added are reported
  beside it.
* ``httpx_loop``: one ``httpx.Client``, the batches one after another, ``response.json()`` each.
* ``pool_floor``: the batches in a ``ThreadPoolExecutor`` of 8 threads on one ``httpx.Client``,
  raw bytes only (parsed after the clock stops): the floor for 8 requests in flight here.
* ``ours_both`` (information, in no goal, run once): ``load_jobs(agent, results=True)``, the
  pages then the results in one call, as a user would write it.

Correctness: the pages' job ids are compared with the sandbox's own list; every results method's
(id, cost, input tokens, output tokens, number of outputs and of corrected outputs) per job with
what the sandbox itself computes (`Sandbox.job_results`, in the server process), and ours'
`outputs` frame must have one row per output and per corrected output. A wrong answer fails the
run, whatever its time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench_fetch import PAGE_SIZE, POOL_THREADS, RESULTS_PATH, RemoteSandbox, ResultDigest, Target, result_digest

BATCH_SIZE = 1_000


@dataclass
class Got:
    """What a method got, read after the clock stops: job ids (pages) and/or results digests."""

    ids: list[str] | None = None
    results: list[ResultDigest] | None = None
    output_rows: int | None = None  # rows of ours' `outputs` frame, when it builds one


@dataclass(frozen=True)
class Truth:
    """What the sandbox itself says: the agent's job ids, each job's result digest, output rows."""

    ids: list[str]
    results: dict[str, ResultDigest]

    @property
    def output_rows(self) -> int:
        return sum(r[4] + r[5] for r in self.results.values())


@dataclass(frozen=True)
class Inputs:
    """What the results methods start from: the target, and the frames / job ids loaded beforehand."""

    target: Target
    frames: Any  # roe_analysis.JobFrames
    job_ids: list[str]

    @property
    def results_url(self) -> str:
        return f"{self.target.base_url}{RESULTS_PATH}"


# ---------------------------------------------------------------------------------------------
# The methods
# ---------------------------------------------------------------------------------------------


def _ours_client(target: Target) -> Any:
    import roe_analysis as ra

    return ra.RoeClient(api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url)


def _digests_of(frames: Any) -> tuple[list[ResultDigest], int]:
    columns = ["job_id", "cost", "input_tokens", "output_tokens", "n_outputs", "n_corrected_outputs"]
    return [tuple(row) for row in frames.results.select(columns).rows()], frames.outputs.height  # type: ignore[misc]


def ours_pages(inputs: Inputs) -> Callable[[], Got]:
    """`RoeClient.load_jobs`, pages only (default concurrency 8), frames included."""
    with _ours_client(inputs.target) as client:
        frames = client.load_jobs(inputs.target.agent_id, progress=False)
    return lambda: Got(ids=frames.jobs.get_column("id").to_list())


def ours_results(inputs: Inputs) -> Callable[[], Got]:
    """`RoeClient.load_results(frames)`: ⌈n / 1,000⌉ batches within the client's concurrency."""
    with _ours_client(inputs.target) as client:
        frames = client.load_results(inputs.frames)

    def got() -> Got:
        digests, rows = _digests_of(frames)
        return Got(results=digests, output_rows=rows)

    return got


def ours_both(inputs: Inputs) -> Callable[[], Got]:
    """`RoeClient.load_jobs(..., results=True)`: the pages, then the results, in one call."""
    with _ours_client(inputs.target) as client:
        frames = client.load_jobs(inputs.target.agent_id, progress=False, results=True)

    def got() -> Got:
        digests, rows = _digests_of(frames)
        return Got(ids=frames.jobs.get_column("id").to_list(), results=digests, output_rows=rows)

    return got


#: Seconds the SDK asked `time.sleep` for in the last `sdk_loop` run (recorded, not slept).
SDK_SLEEPS: list[float] = []


@contextlib.contextmanager
def _sdk_sleep_recorded() -> Iterator[None]:
    """Replace the `time` module seen by ``roe.api.agents`` (which uses only ``time.sleep``, for the
    pause between batches) with one whose ``sleep`` records the seconds and returns at once."""
    import roe.api.agents as sdk_agents

    real = sdk_agents.time
    sdk_agents.time = types.SimpleNamespace(sleep=SDK_SLEEPS.append)  # type: ignore[assignment]
    try:
        yield
    finally:
        sdk_agents.time = real


def sdk_loop(inputs: Inputs) -> Callable[[], Got]:
    """The official SDK's ``retrieve_result_many`` (sequential batches; its 10 s sleeps recorded, not slept)."""
    import roe

    target = inputs.target
    SDK_SLEEPS.clear()
    with (
        _sdk_sleep_recorded(),
        roe.RoeClient(api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url) as c,
    ):
        items = c.agents.jobs.retrieve_result_many(inputs.job_ids)

    def got() -> Got:
        return Got(results=[result_digest(item.to_dict()) for item in items])

    return got


def httpx_loop(inputs: Inputs) -> Callable[[], Got]:
    """One httpx client, the batches one after another, ``response.json()`` each."""
    target = inputs.target
    items: list[dict[str, Any]] = []
    with httpx.Client(headers=target.headers, timeout=60) as client:
        for start in range(0, len(inputs.job_ids), BATCH_SIZE):
            response = client.post(
                inputs.results_url,
                params={"organization_id": target.organization_id},
                json={"job_ids": inputs.job_ids[start : start + BATCH_SIZE]},
            )
            response.raise_for_status()
            items.extend(response.json())
    return lambda: Got(results=[result_digest(item) for item in items])


def pool_floor(inputs: Inputs) -> Callable[[], Got]:
    """Every batch at once in a pool of 8 threads; raw bytes only (parsed after the timing)."""
    target = inputs.target
    limits = httpx.Limits(max_connections=POOL_THREADS, max_keepalive_connections=POOL_THREADS)
    batches = [inputs.job_ids[i : i + BATCH_SIZE] for i in range(0, len(inputs.job_ids), BATCH_SIZE)]
    with httpx.Client(headers=target.headers, timeout=60, limits=limits) as client:

        def post(batch: list[str]) -> bytes:
            response = client.post(
                inputs.results_url, params={"organization_id": target.organization_id}, json={"job_ids": batch}
            )
            response.raise_for_status()
            return response.content

        with ThreadPoolExecutor(POOL_THREADS) as pool:
            bodies = list(pool.map(post, batches))
    return lambda: Got(results=[result_digest(item) for body in bodies for item in json.loads(body)])


METHODS: dict[str, tuple[str, Callable[[Inputs], Callable[[], Got]]]] = {
    "ours_pages": ("RoeClient.load_jobs, pages only → frames", ours_pages),
    "ours_results": ("RoeClient.load_results(frames)", ours_results),
    "sdk_loop": ("official SDK retrieve_result_many, sleeps patched out", sdk_loop),
    "httpx_loop": ("httpx, sequential batches", httpx_loop),
    "pool_floor": (f"httpx + {POOL_THREADS} threads, raw bytes (floor)", pool_floor),
    "ours_both": ("info: load_jobs(results=True), pages + results", ours_both),
}
#: Shown for information, never part of a goal; run once, not `repeats` times.
ONCE = {"ours_both"}


# ---------------------------------------------------------------------------------------------
# Measuring and checking
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    ok: bool
    jobs: int
    page_requests: int
    batch_requests: int
    problem: str | None = None
    sdk_sleeps: list[float] = field(default_factory=list)
    batch_arrivals: list[tuple[float, int | None]] = field(default_factory=list)  # (s after start, ids)


def check(got: Got, server_truth: Truth) -> str | None:
    """What is wrong with what a method got, or ``None``."""
    truth_ids, truth = server_truth.ids, server_truth.results
    if got.ids is not None:
        if len(got.ids) != len(truth_ids):
            return f"{len(got.ids)} jobs, expected {len(truth_ids)}"
        if set(got.ids) != set(truth_ids):
            return f"{len(set(got.ids) ^ set(truth_ids))} job ids differ from the server's"
    if got.results is not None:
        ids = [r[0] for r in got.results]
        if len(ids) != len(truth) or len(set(ids)) != len(ids):
            return f"{len(ids)} results ({len(set(ids))} distinct jobs), expected {len(truth)}"
        if set(ids) != set(truth):
            return f"{len(set(ids) ^ set(truth))} result job ids differ from the server's"
        wrong = [r for r in got.results if r != truth[r[0]]]
        if wrong:
            first = wrong[0]
            return (
                f"{len(wrong)} jobs' (cost, input tokens, output tokens, outputs, corrected) differ from the "
                f"server's, e.g. {first[0]}: got {first[1:]}, expected {truth[first[0]][1:]}"
            )
        if got.output_rows is not None and got.output_rows != server_truth.output_rows:
            return f"outputs frame has {got.output_rows} rows, expected {server_truth.output_rows}"
    return None


def measure(method: str, inputs: Inputs, server: RemoteSandbox, truth: Truth) -> Run:
    """One timed run of a method on a fresh client, then its answer checked against the server's."""
    fetch = METHODS[method][1]
    server.clear_requests()
    gc.collect()
    wall_start = time.time()
    started = time.perf_counter()
    get = fetch(inputs)
    seconds = time.perf_counter() - started
    got = get()
    problem = check(got, truth)
    jobs = len(got.results) if got.results is not None else len(got.ids or [])
    arrivals = [(round(t - wall_start, 3), n) for t, n, _status in server.results_log()]
    return Run(
        seconds,
        problem is None,
        jobs,
        server.request_count(),
        server.results_request_count(),
        problem,
        sdk_sleeps=list(SDK_SLEEPS) if method == "sdk_loop" else [],
        batch_arrivals=arrivals,
    )


def waves(arrivals: list[tuple[float, int | None]], gap: float = 0.1) -> list[tuple[float, int]]:
    """Batch arrivals grouped into waves (a new wave after ``gap`` s of quiet): (first arrival, batches).

    Examples:
        >>> waves([(0.03, 1000), (0.031, 1000), (0.29, 1000), (0.55, 345)])
        [(0.03, 2), (0.29, 1), (0.55, 1)]
    """
    out: list[tuple[float, int]] = []
    last = None
    for t, _n in sorted(arrivals):
        if last is None or t - last > gap:
            out.append((t, 0))
        out[-1] = (out[-1][0], out[-1][1] + 1)
        last = t
    return out


def _summary(runs: list[Run]) -> dict[str, Any]:
    times = [r.seconds for r in runs]
    last = runs[-1]
    out: dict[str, Any] = {
        "times": [round(t, 4) for t in times],
        "median": statistics.median(times),
        "min": min(times),
        "jobs": last.jobs,
        "page_requests": last.page_requests,
        "batch_requests": last.batch_requests,
        "ok": all(r.ok for r in runs),
        "problems": sorted({r.problem for r in runs if r.problem}),
    }
    if last.batch_arrivals:
        out["batch_waves"] = waves(last.batch_arrivals)
    if last.sdk_sleeps:
        out["sdk_sleeps"] = {"count": len(last.sdk_sleeps), "seconds": round(sum(last.sdk_sleeps), 3)}
    return out


def _verdict(run: Run) -> str:
    return f"{run.jobs} jobs, {run.page_requests} pages + {run.batch_requests} batches, " + (
        "ok" if run.ok else f"WRONG: {run.problem}"
    )


def run(
    *,
    n_jobs: int,
    repeats: int,
    latency_ms: int = 200,
    backlog: int | None = 128,
    seed: int = 0,
    profile_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole results benchmark; returns the figures as plain data (see `run.py`)."""

    out: dict[str, Any] = {
        "agent": "large",
        "jobs": n_jobs,
        "pages": -(-n_jobs // PAGE_SIZE),
        "batches": -(-n_jobs // BATCH_SIZE),
        "faults": f"latency={latency_ms}ms",
        "repeats": repeats,
    }
    log(f"results: starting the sandbox process (large = {n_jobs:,} jobs, with its results) ...")
    with RemoteSandbox(
        seed=seed,
        sizes={"large": n_jobs, "demo": 0},
        truth_for=["large"],
        results_for=["large"],
        backlog=backlog,
    ) as server:
        target = Target(server.base_url, server.api_key, server.organization_id, server.agents["large"], latency_ms)
        truth = Truth(server.ids["large"], {r[0]: r for r in server.results["large"]})
        # The frames the results methods start from: one untimed load without latency (checked).
        with _ours_client(target) as client:
            frames = client.load_jobs(target.agent_id, progress=False)
        inputs = Inputs(target, frames, frames.jobs.get_column("id").to_list())
        runs: dict[str, list[Run]] = {m: [] for m in METHODS}
        wrong: dict[str, list[str]] = {m: [] for m in METHODS}
        base_problem = check(Got(ids=inputs.job_ids), truth)
        if base_problem:
            wrong["ours_pages"].append(f"untimed load: {base_problem}")
        log("results: one warm-up run of each method without latency (checked, not counted)")
        for method in METHODS:
            warm = measure(method, inputs, server, truth)
            if warm.problem:
                wrong[method].append(f"warm-up: {warm.problem}")
        server.set_faults(f"latency={latency_ms}ms")
        # Round-robin, so a burst of load from other processes hits every method alike.
        for repeat in range(repeats):
            for method in METHODS:
                if method in ONCE and repeat != repeats - 1:
                    continue
                result = measure(method, inputs, server, truth)
                runs[method].append(result)
                log(f"results @lat: {method:<12} {repeat + 1}/{repeats}: {result.seconds:7.3f} s  {_verdict(result)}")
        server.set_faults(None)
        methods = {}
        for method, method_runs in runs.items():
            summary = _summary(method_runs)
            summary["problems"] = sorted({*summary["problems"], *wrong[method]})
            summary["ok"] = summary["ok"] and not wrong[method]
            methods[method] = {"label": METHODS[method][0], **summary}
        out["methods"] = methods
        out["truth"] = {
            "results": len(truth.results),
            "output_rows": truth.output_rows,
            "total_cost": round(sum(r[1] or 0.0 for r in truth.results.values()), 6),
        }
        if profile_dir is not None:
            out["profile"] = str(_profile_ours(inputs, profile_dir / "results-ours.prof"))
            log(f"results: cProfile of load_results (no latency) written to {out['profile']}")
    return out


def _profile_ours(inputs: Inputs, path: Path) -> Path:
    """cProfile one `load_results` without latency, `AsyncRoeClient` in this thread (see bench_fetch)."""
    import cProfile

    import roe_analysis as ra

    target = inputs.target

    async def load() -> None:
        async with ra.AsyncRoeClient(
            api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url
        ) as client:
            await client.load_results(inputs.frames)

    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, load())
    profiler.dump_stats(path)
    return path
