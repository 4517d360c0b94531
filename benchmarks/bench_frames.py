"""Frames benchmark: from page bodies (bytes) to frames, for a large agent, three ways.

The jobs come from ``generate_jobs(n, seed=0, agent="large")``, cut into pages of 100 and
serialised once, outside any timing, exactly as the sandbox server writes a page (compact JSON,
``encode_json``, ``{"count", "next", "previous", "results"}`` with absolute ``next`` links). The
bodies go to a temporary file, one page per line.

Each measurement runs in a fresh process (``python benchmarks/bench_frames.py --worker METHOD
FILE``) so that its peak memory is its own: the worker reads the bodies, warms the method up on a
few pages, notes its resident memory (the baseline: interpreter, libraries and the bodies
themselves) and resets the kernel's high-water mark (``VmHWM``), times one full run, reads the
high-water mark (the peak) and reports both, plus what it built (rows per
frame and a digest of the sorted job ids, so every method is checked to have read the same jobs).

Methods:

* ``json_loads``: ``json.loads`` of every page body. The reference: the least any Python
  loader does.
* ``ours``: ``decode_page`` of every body (msgspec, typed) and ``build_frames`` once over all the
  pages, i.e. what ``load_jobs`` does after the network (it also deduplicates by id; that small
  cost is in the fetch benchmark, not here).
* ``pandas``: ``json.loads`` of every body, then ``pd.json_normalize`` of all results (jobs, with
  ``metadata.*`` flattened into columns) and of ``status_events`` and ``job_inputs`` each with
  ``record_path=..., meta=["id"]``: what a user would write. It does less than ours: no typed
  timestamps, no enums, no metadata long frame.
* ``ours_gc_off`` (what-if, in no goal): ours with Python's cyclic GC switched off while the
  pages are decoded (``build_frames`` already switches it off). It shows what a loader that did the
  same would gain: millions of freshly decoded, GC-tracked objects make every collection longer.

Each method also reports the seconds of its parts (decode vs build; json.loads vs json_normalize).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

PAGE_SIZE = 100
AGENT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "roe-analysis/benchmarks/large"))
WARMUP_PAGES = 5
FRAMES = ("jobs", "status_events", "inputs", "metadata")

METHODS: dict[str, str] = {
    "json_loads": "json.loads of every page (reference)",
    "ours": "decode_page + build_frames",
    "pandas": "json.loads + pd.json_normalize ×3",
    "ours_gc_off": "what-if: ours, GC off while decoding",
}
#: Shown for information, never part of a goal.
WHAT_IF = {"ours_gc_off"}


# ---------------------------------------------------------------------------------------------
# The data, made once
# ---------------------------------------------------------------------------------------------


def write_pages(n_jobs: int, path: Path, *, seed: int = 0) -> dict[str, Any]:
    """Generate ``n_jobs`` jobs and write them as page bodies, one per line; returns their sizes."""
    from roe_analysis.sandbox import generate_jobs
    from roe_analysis.sandbox._records import encode_json

    jobs = generate_jobs(n_jobs, seed=seed, agent="large")
    pages = -(-n_jobs // PAGE_SIZE)
    url = f"http://127.0.0.1:8765/v1/agents/{AGENT_ID}/jobs/?page_size={PAGE_SIZE}&page="
    total = 0
    with path.open("wb") as out:
        for number in range(1, pages + 1):
            body = encode_json(
                {
                    "count": n_jobs,
                    "next": f"{url}{number + 1}" if number < pages else None,
                    "previous": (f"{url}{number - 1}" if number > 2 else url[: -len("&page=")]) if number > 1 else None,
                    "results": jobs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
                }
            )
            assert b"\n" not in body
            out.write(body + b"\n")
            total += len(body)
    return {"jobs": n_jobs, "pages": pages, "json_mb": total / 1e6}


def read_pages(path: Path) -> list[bytes]:
    """The page bodies, line by line (never the whole file in one buffer, which would skew the baseline)."""
    with path.open("rb") as f:
        return [line.rstrip(b"\n") for line in f]


# ---------------------------------------------------------------------------------------------
# The three methods (each returns a check of what it built: rows per frame and an ids digest)
# ---------------------------------------------------------------------------------------------


def _digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


#: What a method returns: the seconds of its parts, and a check of what it built (called after
#: the clock stops): rows per frame and a digest of the sorted job ids.
Outcome = tuple[dict[str, float], Callable[[], dict[str, Any]]]


def json_loads(bodies: list[bytes]) -> Outcome:
    pages = [json.loads(body) for body in bodies]
    return {}, lambda: {
        "jobs": sum(len(p["results"]) for p in pages),
        "ids": _digest([j["id"] for p in pages for j in p["results"]]),
    }


def _ours(bodies: list[bytes], *, gc_off: bool) -> Outcome:
    from roe_analysis.api import decode_page
    from roe_analysis.frames import PageChunk, build_frames

    started = time.perf_counter()
    if gc_off:
        gc.disable()
    try:
        decoded = [decode_page(body) for body in bodies]
    finally:
        gc.enable()
    decoded_at = time.perf_counter()
    frames = build_frames([PageChunk(AGENT_ID, number, page.results) for number, page in enumerate(decoded, 1)])
    parts = {"decode_page": decoded_at - started, "build_frames": time.perf_counter() - decoded_at}
    return parts, lambda: {
        "jobs": frames.jobs.height,
        "status_events": frames.status_events.height,
        "inputs": frames.inputs.height,
        "metadata": frames.metadata.height,
        "frames_mb": round(sum(getattr(frames, f).estimated_size("mb") for f in FRAMES), 1),
        "ids": _digest(frames.jobs.get_column("id").to_list()),
    }


def ours(bodies: list[bytes]) -> Outcome:
    return _ours(bodies, gc_off=False)


def ours_gc_off(bodies: list[bytes]) -> Outcome:
    return _ours(bodies, gc_off=True)


def pandas(bodies: list[bytes]) -> Outcome:
    import pandas as pd

    started = time.perf_counter()
    records = [job for body in bodies for job in json.loads(body)["results"]]
    parsed_at = time.perf_counter()
    jobs = pd.json_normalize(records)
    events = pd.json_normalize(records, record_path="status_events", meta=["id"])
    inputs = pd.json_normalize(records, record_path="job_inputs", meta=["id"])
    parts = {"json.loads": parsed_at - started, "json_normalize": time.perf_counter() - parsed_at}
    return parts, lambda: {
        "jobs": len(jobs),
        "status_events": len(events),
        "inputs": len(inputs),
        "ids": _digest(jobs["id"].tolist()),
    }


RUNNERS: dict[str, Callable[[list[bytes]], Outcome]] = {
    "json_loads": json_loads,
    "ours": ours,
    "pandas": pandas,
    "ours_gc_off": ours_gc_off,
}


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} is not in /proc/self/status")


def _reset_peak() -> bool:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0). Not ru_maxrss: that
    # carries the parent's peak across fork + exec, which would hide the worker's own.
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _worker(method: str, path: Path, profile: Path | None) -> None:
    """Child process: one timed run of ``method`` on the bodies in ``path``; prints a JSON line."""
    runner = RUNNERS[method]
    bodies = read_pages(path)
    runner(bodies[:WARMUP_PAGES])  # imports, decoder and expression set-up, outside the timing
    gc.collect()
    baseline = _status_mb("VmRSS")
    if not _reset_peak():
        baseline = _status_mb("VmHWM")
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        started = time.perf_counter()
        parts, check = profiler.runcall(runner, bodies)
        seconds = time.perf_counter() - started
        profiler.dump_stats(profile)
    else:
        started = time.perf_counter()
        parts, check = runner(bodies)
        seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    result = {"seconds": seconds, "parts": parts, "baseline_mb": baseline, "peak_mb": peak, "check": check()}
    print(json.dumps(result), flush=True)


def measure(method: str, path: Path, *, profile: Path | None = None) -> dict[str, Any]:
    """Run one measurement of ``method`` in a fresh process."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", method, str(path)]
    if profile is not None:
        command.append(str(profile))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{method} worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _summary(runs: list[dict[str, Any]], json_mb: float) -> dict[str, Any]:
    times = [r["seconds"] for r in runs]
    extra = max(r["peak_mb"] - r["baseline_mb"] for r in runs)
    return {
        "times": [round(t, 4) for t in times],
        "median": statistics.median(times),
        "min": min(times),
        "parts_median": {k: round(statistics.median(r["parts"][k] for r in runs), 3) for k in runs[0]["parts"]},
        "baseline_rss_mb": round(min(r["baseline_mb"] for r in runs), 1),
        "peak_rss_mb": round(max(r["peak_mb"] for r in runs), 1),
        "extra_rss_mb": round(extra, 1),
        "extra_per_json_mb": round(extra / json_mb, 2),
        "check": runs[0]["check"],
    }


def _consistent(methods: dict[str, dict[str, Any]], n_jobs: int) -> list[str]:
    """Every method read the same jobs; ours and pandas exploded the same child rows."""
    problems = []
    digests = {m: s["check"]["ids"] for m, s in methods.items()}
    if len(set(digests.values())) != 1:
        problems.append(f"the methods read different job ids: {digests}")
    for method, summary in methods.items():
        if summary["check"]["jobs"] != n_jobs:
            problems.append(f"{method} built {summary['check']['jobs']} jobs, expected {n_jobs}")
    if "ours" in methods and "pandas" in methods:
        for frame in ("status_events", "inputs"):
            a, b = methods["ours"]["check"][frame], methods["pandas"]["check"][frame]
            if a != b:
                problems.append(f"{frame}: ours has {a} rows, pandas {b}")
    return problems


def run(
    *,
    n_jobs: int,
    repeats: int,
    scaling_jobs: int | None = None,
    profile_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole frames benchmark; returns the figures as plain data (see `run.py`)."""
    out: dict[str, Any] = {"repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="roe-bench-") as tmp:
        sizes = [n_jobs] + ([scaling_jobs] if scaling_jobs else [])
        for size in sizes:
            path = Path(tmp) / f"pages-{size}.jsonl"
            started = time.perf_counter()
            data = write_pages(size, path)
            log(
                f"frames: generated {size:,} jobs = {data['pages']:,} pages, {data['json_mb']:.0f} MB of JSON "
                f"({time.perf_counter() - started:.1f} s, not timed)"
            )
            main = size == n_jobs
            reps = repeats if main else 1
            runs: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
            for repeat in range(reps):
                for method in METHODS:  # round-robin, so bursts of load hit every method alike
                    if method in WHAT_IF and repeat != reps - 1:
                        continue  # a what-if runs once
                    result = measure(method, path)
                    runs[method].append(result)
                    log(
                        f"frames {size:,}: {method:<10} run {repeat + 1}/{reps}: {result['seconds']:7.3f} s, "
                        f"peak RSS {result['peak_mb']:7.0f} MB (baseline {result['baseline_mb']:.0f} MB)"
                    )
            methods = {m: {"label": METHODS[m], **_summary(r, data["json_mb"])} for m, r in runs.items()}
            section = {**data, "methods": methods, "problems": _consistent(methods, size)}
            if main:
                out["main"] = section
                if profile_dir is not None:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                    stats = profile_dir / "frames-ours.prof"
                    measure("ours", path, profile=stats)
                    out["profile"] = str(stats)
                    log(f"frames: cProfile of ours written to {stats}")
            else:
                out["scaling"] = section
    return out


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--worker":
        _worker(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) == 5 else None)
    else:
        sys.exit("usage: run the benchmark with `python benchmarks/run.py --only frames`")
