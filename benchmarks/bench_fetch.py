"""Fetch benchmark: every job of one agent from the sandbox API, four ways, at realistic latency.

The sandbox runs in its own process (``python benchmarks/bench_fetch.py --serve SPEC``), like a
remote API would, so the clients measured here do not share a GIL with the server. The parent
talks to it over stdin/stdout: it prints one JSON line (URL, key, agents, the true ids of each
agent, and for `bench_results.py` the true results) and then answers ``faults SPEC`` / ``clear`` /
``count [results]`` / ``log [results]`` commands, one line each.
Its listen backlog is raised from socketserver's 5 to 128 (see BENCHMARKS.md: a burst of 8
connects otherwise loses a handshake, which the client's kernel retries a second later).

Methods (all against the same agent; each timed call builds its own client, so start-up and
connections are included, as a user waits for them):

* ``sdk_loop``: the official SDK, ``client.agents.jobs.list(agent, page=n, page_size=100)``
  until ``next_`` is empty (it parses every page into its attrs models).
* ``httpx_loop``: one ``httpx.Client``, ``GET`` page 1 then follow ``next``, ``response.json()``.
* ``pool_floor``: page 1, then pages 2..N (N from page 1's ``count``) in a ``ThreadPoolExecutor``
  of 8 threads on one ``httpx.Client``, keeping only the raw bytes: nothing is parsed, no frame is
  built. It is the floor for fetching with 8 requests in flight on this machine.
* ``ours``: ``RoeClient.load_jobs(agent, progress=False)`` (default concurrency 8), wall time of
  the whole call: pinned window, concurrent pages, typed decoding, dedup and the four frames.
* ``ours_gc_off`` (what-if, in no goal, run once): ``ours`` with ``gc.disable()`` around the call.

Every run's ids are checked against the server's own list: a benchmark that loads the wrong thing
fails, whatever its time.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PAGE_SIZE = 100
POOL_THREADS = 8

#: What a timed run returns: a callable giving the job ids it got, called after the clock stops
#: (so the floor can keep raw bytes and have them parsed outside the timing).
Fetched = Callable[[], list[str]]

#: The bulk results endpoint (``POST``, ``{"job_ids": [...]}``).
RESULTS_PATH = "/v1/agents/jobs/results/"

#: What `bench_results.py` compares per job: (id, cost, input_tokens, output_tokens, outputs, corrected outputs).
ResultDigest = tuple[str, float | None, int | None, int | None, int, int]


def result_digest(item: dict[str, Any]) -> ResultDigest:
    """The figures of one ``AgentJobResultItem`` (as JSON) that every results method must get right."""
    result, corrected = item.get("result"), item.get("corrected_outputs")
    return (
        item["id"],
        item.get("cost"),
        item.get("input_tokens"),
        item.get("output_tokens"),
        len(result) if isinstance(result, list) else 0,
        len(corrected) if isinstance(corrected, list) else 0,
    )


# ---------------------------------------------------------------------------------------------
# The sandbox in a child process
# ---------------------------------------------------------------------------------------------


def _serve(spec: dict[str, Any]) -> None:
    """Child process: run a sandbox until stdin closes, answering one command per line."""
    from roe_analysis.sandbox import Sandbox
    from roe_analysis.sandbox._server import SandboxHTTPServer

    if spec.get("backlog"):
        # socketserver listens with a backlog of 5: a burst of 8 connects overflows it, and the
        # dropped handshakes are retried by the client's kernel a second later.
        SandboxHTTPServer.request_queue_size = spec["backlog"]
    sandbox = Sandbox(seed=spec["seed"], sizes=spec["sizes"], faults=spec.get("faults"))
    with sandbox:
        hello = {
            "base_url": sandbox.base_url,
            "api_key": sandbox.api_key,
            "organization_id": sandbox.organization_id,
            "agents": sandbox.agents,
            "ids": {name: [job["id"] for job in sandbox.jobs(name)] for name in spec["truth_for"]},
            "results": {name: [result_digest(r) for r in sandbox.job_results(name)] for name in spec["results_for"]},
        }
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "faults":
                sandbox.set_faults(argument or None)
                answer: object = "ok"
            elif command == "clear":
                sandbox.clear_requests()
                answer = "ok"
            elif command == "count" and argument == "results":
                answer = sum(1 for r in sandbox.requests if r.path == RESULTS_PATH)
            elif command == "count":
                answer = sum(1 for r in sandbox.requests if r.path.endswith("/jobs/"))
            elif command == "log" and argument == "results":
                answer = [[r.time.timestamp(), r.job_ids, r.status] for r in sandbox.requests if r.path == RESULTS_PATH]
            elif command == "log":
                answer = [[r.time.timestamp(), r.query.get("page", "1"), r.status] for r in sandbox.requests]
            else:
                answer = f"unknown command {command!r}"
            print(json.dumps(answer), flush=True)


class RemoteSandbox:
    """A sandbox running in a child process, and the handful of controls the benchmark needs."""

    def __init__(
        self,
        *,
        seed: int,
        sizes: dict[str, int],
        truth_for: list[str],
        backlog: int | None = None,
        results_for: list[str] | None = None,
    ) -> None:
        spec = {
            "seed": seed,
            "sizes": sizes,
            "truth_for": truth_for,
            "results_for": results_for or [],
            "backlog": backlog,
        }
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process exited before it started serving")
        hello = json.loads(line)
        self.base_url: str = hello["base_url"]
        self.api_key: str = hello["api_key"]
        self.organization_id: str = hello["organization_id"]
        self.agents: dict[str, str] = hello["agents"]
        self.ids: dict[str, list[str]] = hello["ids"]
        #: Agent name → its jobs' `result_digest`s as the sandbox itself computes them (`Sandbox.job_results`).
        self.results: dict[str, list[ResultDigest]] = {
            name: [tuple(row) for row in rows]  # type: ignore[misc]
            for name, rows in hello["results"].items()
        }

    def _ask(self, command: str) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return json.loads(self._process.stdout.readline())

    def set_faults(self, spec: str | None) -> None:
        """Replace the server's faults (``None`` = none)."""
        self._ask(f"faults {spec or ''}")

    def clear_requests(self) -> None:
        """Forget the request log."""
        self._ask("clear")

    def request_count(self) -> int:
        """Requests to the jobs endpoint since the last `clear_requests`."""
        return int(self._ask("count"))

    def results_request_count(self) -> int:
        """Requests to the bulk results endpoint since the last `clear_requests`."""
        return int(self._ask("count results"))

    def request_log(self) -> list[tuple[float, str, int | None]]:
        """(arrival time as a Unix timestamp, page, status) of each request since `clear_requests`."""
        return [(float(t), str(page), status) for t, page, status in self._ask("log")]

    def results_log(self) -> list[tuple[float, int | None, int | None]]:
        """(arrival time as a Unix timestamp, ids listed, status) of each results request since `clear_requests`."""
        return [(float(t), n, status) for t, n, status in self._ask("log results")]

    def close(self) -> None:
        """Stop the child process."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> RemoteSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# The four methods
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where to fetch from."""

    base_url: str
    api_key: str
    organization_id: str
    agent_id: str
    latency_ms: int = 0

    @property
    def jobs_url(self) -> str:
        return f"{self.base_url}/v1/agents/{self.agent_id}/jobs/"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}


def sdk_loop(target: Target) -> Fetched:
    """The official SDK, page after page until ``next`` is empty."""
    import roe

    ids: list[str] = []
    page = 1
    with roe.RoeClient(
        api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url
    ) as client:
        while True:
            listed = client.agents.jobs.list(target.agent_id, page=page, page_size=PAGE_SIZE)
            ids.extend(str(job.id) for job in listed.results)
            if not isinstance(listed.next_, str) or not listed.next_:
                return lambda: ids
            page += 1


def httpx_loop(target: Target) -> Fetched:
    """A sequential httpx loop following ``next``."""
    ids: list[str] = []
    url: str | None = target.jobs_url
    params: dict[str, str | int] | None = {"organization_id": target.organization_id, "page_size": PAGE_SIZE}
    with httpx.Client(headers=target.headers, timeout=60) as client:
        while url:
            response = client.get(url, params=params)
            response.raise_for_status()
            body = response.json()
            ids.extend(job["id"] for job in body["results"])
            url, params = body["next"], None
    return lambda: ids


def pool_floor(target: Target) -> Fetched:
    """Page 1, then every other page in a pool of 8 threads; raw bytes only (parsed after timing)."""
    limits = httpx.Limits(max_connections=POOL_THREADS, max_keepalive_connections=POOL_THREADS)
    params: dict[str, str | int] = {"organization_id": target.organization_id, "page_size": PAGE_SIZE}
    with httpx.Client(headers=target.headers, timeout=60, limits=limits) as client:

        def get(page: int) -> bytes:
            response = client.get(target.jobs_url, params={**params, "page": page})
            response.raise_for_status()
            return response.content

        first = get(1)
        count = json.loads(first)["count"]
        pages = max(1, -(-count // PAGE_SIZE))
        with ThreadPoolExecutor(POOL_THREADS) as pool:
            bodies = [first, *pool.map(get, range(2, pages + 1))]
    return lambda: [job["id"] for body in bodies for job in json.loads(body)["results"]]


def ours(target: Target) -> Fetched:
    """`RoeClient.load_jobs` (default concurrency 8), frames included."""
    import roe_analysis as ra

    with ra.RoeClient(
        api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url
    ) as client:
        frames = client.load_jobs(target.agent_id, progress=False)
    return lambda: frames.jobs.get_column("id").to_list()


def ours_gc_off(target: Target) -> Fetched:
    """What-if: `ours` with Python's cyclic GC off for the whole call (as a loader could do)."""
    gc.disable()
    try:
        return ours(target)
    finally:
        gc.enable()


METHODS: dict[str, tuple[str, Callable[[Target], Fetched]]] = {
    "sdk_loop": ("official SDK, sequential pages", sdk_loop),
    "httpx_loop": ("httpx, sequential, following next", httpx_loop),
    "pool_floor": (f"httpx + {POOL_THREADS} threads, raw bytes (floor)", pool_floor),
    "ours": ("RoeClient.load_jobs → frames", ours),
    "ours_gc_off": ("what-if: ours with GC off during the load", ours_gc_off),
}
#: Shown for information, never part of a goal; run once per section, not `repeats` times.
WHAT_IF = {"ours_gc_off"}


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    ids_ok: bool
    jobs: int
    requests: int
    problem: str | None = None


def measure(method: str, target: Target, truth: list[str], server: RemoteSandbox) -> Run:
    """One timed run of a method on a fresh client, then its ids checked against the server's."""
    fetch = METHODS[method][1]
    server.clear_requests()
    gc.collect()
    started = time.perf_counter()
    get_ids = fetch(target)
    seconds = time.perf_counter() - started
    ids = get_ids()
    requests = server.request_count()
    problem = None
    if len(ids) != len(truth):
        problem = f"{len(ids)} jobs, expected {len(truth)}"
    elif set(ids) != set(truth):
        problem = f"{len(set(ids) ^ set(truth))} ids differ from the server's"
    return Run(seconds, problem is None, len(ids), requests, problem)


def _summary(runs: list[Run]) -> dict[str, Any]:
    times = [r.seconds for r in runs]
    return {
        "times": [round(t, 4) for t in times],
        "median": statistics.median(times),
        "min": min(times),
        "jobs": runs[0].jobs,
        "requests": runs[0].requests,
        "ids_ok": all(r.ids_ok for r in runs),
        "problems": sorted({r.problem for r in runs if r.problem}),
    }


def _sdk_on_demo(server: RemoteSandbox) -> str:
    """What happens when the SDK reads the `demo` agent (with its deliberate null timestamp)."""
    import roe

    page = 1
    with roe.RoeClient(
        api_key=server.api_key, organization_id=server.organization_id, base_url=server.base_url
    ) as client:
        try:
            while True:
                listed = client.agents.jobs.list(server.agents["demo"], page=page, page_size=PAGE_SIZE)
                if not isinstance(listed.next_, str) or not listed.next_:
                    return f"read all {page} pages without error"
                page += 1
        except Exception as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            return f"crashes on page {page}: {type(exc).__name__}: {first_line[:120]}"


def _measure_all(
    server: RemoteSandbox,
    target: Target,
    truth: list[str],
    *,
    repeats: int,
    warm_up: list[str],
    tag: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Warm-up runs (checked, not counted), then every method `repeats` times, round-robin."""
    runs: dict[str, list[Run]] = {m: [] for m in METHODS}
    wrong: dict[str, list[str]] = {m: [] for m in METHODS}
    for method in warm_up:
        warm = measure(method, target, truth, server)
        if warm.problem:
            wrong[method].append(f"warm-up: {warm.problem}")
    if tag == "@lat":
        server.set_faults(f"latency={target.latency_ms}ms")
    # Round-robin, so a burst of load from other processes hits every method alike; a what-if runs once.
    for repeat in range(repeats):
        for method in METHODS:
            if method in WHAT_IF and repeat != repeats - 1:
                continue
            result = measure(method, target, truth, server)
            runs[method].append(result)
            log(f"fetch {tag}: {method:<11} {repeat + 1}/{repeats}: {result.seconds:7.3f} s  {_verdict(result)}")
    summaries = {}
    for method, method_runs in runs.items():
        summary = _summary(method_runs)
        summary["problems"] = sorted({*summary["problems"], *wrong[method]})
        summary["ids_ok"] = summary["ids_ok"] and not wrong[method]
        summaries[method] = {"label": METHODS[method][0], **summary}
    return summaries


def run(
    *,
    latency_jobs: int,
    throughput_jobs: int,
    repeats: int,
    latency_ms: int = 200,
    backlog: int | None = 128,
    seed: int = 0,
    profile_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole fetch benchmark; returns the figures as plain data (see `run.py`)."""
    out: dict[str, Any] = {
        "sandbox_backlog": backlog or 5,
        "latency": {
            "agent": "large",
            "jobs": latency_jobs,
            "pages": -(-latency_jobs // PAGE_SIZE),
            "faults": f"latency={latency_ms}ms",
            "repeats": repeats,
        },
        "throughput": {
            "agent": "large",
            "jobs": throughput_jobs,
            "pages": -(-throughput_jobs // PAGE_SIZE),
            "faults": None,
            "repeats": repeats,
        },
    }
    # 1. At latency: `large` resized; `demo` (default size) only to show where the SDK stops.
    log(f"fetch: starting the sandbox process (large = {latency_jobs:,} jobs) ...")
    with RemoteSandbox(seed=seed, sizes={"large": latency_jobs}, truth_for=["large"], backlog=backlog) as server:
        target = Target(server.base_url, server.api_key, server.organization_id, server.agents["large"], latency_ms)
        out["sdk_on_demo"] = _sdk_on_demo(server)
        log("fetch: one warm-up run of each method without latency (checked, not counted)")
        out["latency"]["methods"] = _measure_all(
            server, target, server.ids["large"], repeats=repeats, warm_up=list(METHODS), tag="@lat", log=log
        )

    # 2. No latency, a larger agent: raw throughput.
    log(f"fetch: starting the sandbox process (large = {throughput_jobs:,} jobs) ...")
    with RemoteSandbox(
        seed=seed, sizes={"large": throughput_jobs, "demo": 0}, truth_for=["large"], backlog=backlog
    ) as server:
        target = Target(server.base_url, server.api_key, server.organization_id, server.agents["large"], 0)
        out["throughput"]["json_mb"] = _payload_mb(target)  # also fills the server's caches
        out["throughput"]["methods"] = _measure_all(
            server, target, server.ids["large"], repeats=repeats, warm_up=["ours"], tag="no lat", log=log
        )
        if profile_dir is not None:
            out["profile"] = str(_profile_ours(target, profile_dir / "fetch-ours.prof"))
            log(f"fetch: cProfile of ours (no latency) written to {out['profile']}")
    return out


def _profile_ours(target: Target, path: Path) -> Path:
    """cProfile one load without latency. `AsyncRoeClient` runs in this thread (`RoeClient` would run
    it in a background thread, out of the profiler's sight); otherwise it is the same work."""
    import asyncio
    import cProfile

    import roe_analysis as ra

    async def load() -> None:
        async with ra.AsyncRoeClient(
            api_key=target.api_key, organization_id=target.organization_id, base_url=target.base_url
        ) as client:
            await client.load_jobs(target.agent_id, progress=False)

    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, load())
    profiler.dump_stats(path)
    return path


def _payload_mb(target: Target) -> float:
    """Megabytes of JSON the agent's pages of 100 weigh (fetched once, untimed)."""
    total = 0
    with httpx.Client(headers=target.headers, timeout=60) as client:
        url: str | None = target.jobs_url
        params: dict[str, str | int] | None = {"organization_id": target.organization_id, "page_size": PAGE_SIZE}
        while url:
            response = client.get(url, params=params)
            response.raise_for_status()
            total += len(response.content)
            url, params = response.json()["next"], None
    return total / 1e6


def _verdict(result: Run) -> str:
    return f"{result.jobs} jobs, {result.requests} requests, " + (
        "ids ok" if result.ids_ok else f"WRONG: {result.problem}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        _serve(json.loads(sys.argv[2]))
    else:
        sys.exit("usage: run the benchmark with `python benchmarks/run.py --only fetch`")
