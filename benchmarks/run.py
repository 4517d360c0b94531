"""Run the roe-analysis benchmarks and check the speed goals (``make bench``).

    .venv/bin/python benchmarks/run.py                 # everything (~4 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick         # smaller sizes, one run each (~1.5 minutes)
    .venv/bin/python benchmarks/run.py --only fetch    # or: --only results, --only frames, --only import
    .venv/bin/python benchmarks/run.py --profile       # also cProfile ours (fetch, results and frames)

Prints the command, the machine, every method's median and min time, and each goal's ratio with
PASS/FAIL; writes the same as JSON (``--out``, default ``benchmarks/results/latest.json``). Exits
1 if a goal fails or a method loaded the wrong jobs, so CI can use it. Not part of ``make test``:
timings belong here, never in unit tests. See BENCHMARKS.md for what is measured and why.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_fetch  # noqa: E402
import bench_frames  # noqa: E402
import bench_import  # noqa: E402
import bench_results  # noqa: E402


@dataclass(frozen=True)
class Sizes:
    latency_jobs: int
    throughput_jobs: int
    results_jobs: int
    frames_jobs: int
    scaling_jobs: int
    repeats: int


# scaling_jobs (an eighth of frames_jobs) is one more frames run, to show memory grows with the data.
FULL = Sizes(
    latency_jobs=3_000, throughput_jobs=30_000, results_jobs=20_000, frames_jobs=200_000, scaling_jobs=25_000, repeats=3
)
QUICK = Sizes(
    latency_jobs=2_500, throughput_jobs=10_000, results_jobs=10_000, frames_jobs=50_000, scaling_jobs=6_250, repeats=1
)


@dataclass(frozen=True)
class Goal:
    name: str
    description: str
    ratio: float
    target: float
    at_least: bool  # ratio must be >= target (a speed-up) or <= target (a slowdown bound)
    strict: bool = False  # a slowdown bound that must be strictly under target ("under 1.5×")

    @property
    def passed(self) -> bool:
        if self.at_least:
            return self.ratio >= self.target
        return self.ratio < self.target if self.strict else self.ratio <= self.target


# ---------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": affinity,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in ("polars", "httpx", "msgspec", "pandas", "roe-ai", "roe-analysis")},
    }


def _command() -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    script = Path(sys.argv[0])
    with contextlib.suppress(ValueError):
        script = script.resolve().relative_to(Path.cwd())
    return shlex.join([str(python), str(script), *sys.argv[1:]])


# ---------------------------------------------------------------------------------------------
# Goals and tables
# ---------------------------------------------------------------------------------------------


def fetch_goals(fetch: dict[str, Any]) -> list[Goal]:
    m = {name: s["median"] for name, s in fetch["latency"]["methods"].items()}
    return [
        Goal("fetch_vs_sdk", "ours vs official SDK loop (speed-up)", m["sdk_loop"] / m["ours"], 5.0, True),
        Goal("fetch_vs_httpx", "ours vs sequential httpx loop (speed-up)", m["httpx_loop"] / m["ours"], 5.0, True),
        Goal("fetch_vs_floor", "ours / 8-thread raw-bytes floor (slowdown)", m["ours"] / m["pool_floor"], 1.25, False),
    ]


def results_goals(res: dict[str, Any]) -> list[Goal]:
    m = {name: s["median"] for name, s in res["methods"].items()}
    return [
        Goal(
            "results_vs_pages",
            f"load_results / load_jobs pages ({res['batches']} batches vs {res['pages']} pages)",
            m["ours_results"] / m["ours_pages"],
            1.5,
            at_least=False,
            strict=True,
        )
    ]


def frames_goals(frames: dict[str, Any]) -> list[Goal]:
    m = {name: s["median"] for name, s in frames["main"]["methods"].items()}
    return [
        Goal("frames_vs_pandas", "ours vs pandas json_normalize (speed-up)", m["pandas"] / m["ours"], 5.0, True),
        Goal("frames_vs_json", "ours / json.loads of every page (slowdown)", m["ours"] / m["json_loads"], 2.0, False),
    ]


def import_goals(imports: dict[str, Any]) -> list[Goal]:
    ratio = imports["ours_seconds"] / imports["core_seconds"]
    return [
        Goal(
            "import",
            f"import roe_analysis {imports['ours_seconds']:.3f} s vs its core {imports['core_seconds']:.3f} s "
            f"(heavy modules loaded: {imports['heavy_loaded']})",
            ratio,
            1.5,
            at_least=False,
        )
    ]


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def fetch_tables(fetch: dict[str, Any]) -> str:
    out = []
    lat = fetch["latency"]
    ours = lat["methods"]["ours"]["median"]
    rows = [
        [
            name,
            s["label"],
            f"{s['median']:.3f}",
            f"{s['min']:.3f}",
            f"{s['median'] / ours:.2f}×",
            str(s["requests"]),
            "ok" if s["ids_ok"] else "WRONG",
        ]
        for name, s in lat["methods"].items()
    ]
    out.append(
        f"Fetch at latency: agent `large` resized to {lat['jobs']:,} jobs = {lat['pages']} pages of 100, "
        f"sandbox fault `{lat['faults']}` on every request, {lat['repeats']} run(s) each"
    )
    out.append(_table(["method", "what", "median s", "min s", "vs ours", "requests", "ids"], rows, {2, 3, 4, 5}))
    out.append(f"Official SDK on the `demo` agent (deliberate null event timestamp): {fetch['sdk_on_demo']}")
    thr = fetch["throughput"]
    mb = thr.get("json_mb")
    rows = []
    for name, s in thr["methods"].items():
        jobs_per_s = s["jobs"] / s["median"]
        rows.append(
            [
                name,
                s["label"],
                f"{s['median']:.3f}",
                f"{s['min']:.3f}",
                f"{jobs_per_s:,.0f}",
                f"{mb / s['median']:.1f}" if mb else "-",
                "ok" if s["ids_ok"] else "WRONG",
            ]
        )
    out.append("")
    out.append(
        f"Fetch without latency (raw throughput): agent `large` resized to {thr['jobs']:,} jobs = {thr['pages']} pages"
        + (f", {mb:.1f} MB of JSON" if mb else "")
        + f", {thr['repeats']} run(s) each"
    )
    out.append(_table(["method", "what", "median s", "min s", "jobs/s", "MB/s", "ids"], rows, {2, 3, 4, 5}))
    return "\n".join(out)


def results_tables(res: dict[str, Any]) -> str:
    methods = res["methods"]
    pages = methods["ours_pages"]["median"]
    rows = [
        [
            name,
            s["label"],
            f"{s['median']:.3f}",
            f"{s['min']:.3f}",
            f"{s['median'] / pages:.2f}×",
            str(s["page_requests"]),
            str(s["batch_requests"]),
            "ok" if s["ok"] else "WRONG",
        ]
        for name, s in methods.items()
    ]
    truth = res["truth"]
    out = [
        f"Results at latency: agent `large` resized to {res['jobs']:,} jobs = {res['pages']} pages of 100 = "
        f"{res['batches']} results batches of ≤ 1,000, sandbox fault `{res['faults']}` on every request, "
        f"{res['repeats']} run(s) each (ours_both once)",
        _table(["method", "what", "median s", "min s", "vs pages", "pages", "batches", "check"], rows, {2, 3, 4, 5, 6}),
        f"  check = job ids, and per job cost, input/output tokens and output counts, against the sandbox's own "
        f"results ({truth['results']:,} jobs, {truth['output_rows']:,} output rows, total cost "
        f"{truth['total_cost']:.2f} USD)",
    ]
    sdk = methods["sdk_loop"]
    if "sdk_sleeps" in sdk:
        sleeps = sdk["sdk_sleeps"]
        out.append(
            f"  sdk_loop: NOT SLEPT: as shipped, retrieve_result_many would also sleep {sleeps['count']} × "
            f"{sleeps['seconds'] / max(1, sleeps['count']):g} s = {sleeps['seconds']:g} s between batches "
            f"(batch_chunk_delay), i.e. ≈ {sdk['median'] + sleeps['seconds']:.1f} s in all, "
            f"{(sdk['median'] + sleeps['seconds']) / methods['ours_results']['median']:.0f}× ours_results"
        )
    for name in ("ours_results", "ours_both"):
        if methods[name].get("batch_waves"):
            waves = ", ".join(f"{n} at +{t:.2f} s" for t, n in methods[name]["batch_waves"])
            out.append(f"  {name}: batches reached the server in waves (last run): {waves}")
    return "\n".join(out)


def frames_tables(frames: dict[str, Any]) -> str:
    out = []
    for key in ("main", "scaling"):
        if key not in frames:
            continue
        sec = frames[key]
        ours = sec["methods"]["ours"]["median"]
        rows = [
            [
                name,
                s["label"],
                f"{s['median']:.3f}",
                f"{s['min']:.3f}",
                f"{s['median'] / ours:.2f}×",
                f"{s['baseline_rss_mb']:.0f}",
                f"{s['peak_rss_mb']:.0f}",
                f"{s['extra_rss_mb']:.0f}",
                f"{s['extra_per_json_mb']:.2f}",
            ]
            for name, s in sec["methods"].items()
        ]
        runs = frames["repeats"] if key == "main" else 1
        title = "Frames" if key == "main" else "Frames, smaller (does memory scale with the data?)"
        out.append(
            f"{title}: {sec['jobs']:,} jobs = {sec['pages']:,} pages, {sec['json_mb']:.0f} MB of JSON, "
            f"{runs} run(s) each, one process per run"
        )
        out.append(
            _table(
                ["method", "what", "median s", "min s", "vs ours", "base MB", "peak MB", "+MB", "+MB/JSON MB"],
                rows,
                {2, 3, 4, 5, 6, 7, 8},
            )
        )
        if "frames_mb" in sec["methods"]["ours"]["check"]:
            out.append(
                f"  ours: the four frames built hold {sec['methods']['ours']['check']['frames_mb']:.0f} MB (Polars)"
            )
        for name, s in sec["methods"].items():
            if s.get("parts_median"):
                parts = " + ".join(f"{part} {secs:.2f} s" for part, secs in s["parts_median"].items())
                out.append(f"  {name}: {parts} (medians)")
        out.append("")
    return "\n".join(out).rstrip()


def goals_table(goals: list[Goal]) -> str:
    rows = [
        [
            g.name,
            g.description,
            f"{g.ratio:.2f}×",
            ("≥ " if g.at_least else "< " if g.strict else "≤ ") + f"{g.target:g}×",
            "PASS" if g.passed else "FAIL",
        ]
        for g in goals
    ]
    return _table(["goal", "measured (medians)", "ratio", "target", "result"], rows, {2, 3})


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes and one run each (indicative only)")
    parser.add_argument("--only", choices=["fetch", "results", "frames", "import"], help="run one benchmark only")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json", help="JSON results file")
    parser.add_argument("--repeats", type=_positive, help="runs per method (default 3; --quick 1)")
    parser.add_argument("--latency-jobs", type=_positive, help="jobs of the agent fetched at latency (default 3000)")
    parser.add_argument("--throughput-jobs", type=_positive, help="jobs of the agent fetched without latency (30000)")
    parser.add_argument("--results-jobs", type=_positive, help="jobs whose results are fetched (default 20000)")
    parser.add_argument("--frames-jobs", type=_positive, help="jobs turned into frames (default 200000)")
    parser.add_argument("--latency-ms", type=_positive, default=200, help="sandbox latency per request (200)")
    parser.add_argument(
        "--sandbox-backlog",
        type=int,
        default=128,
        help="listen backlog of the sandbox server (128, like a production server; 0 = socketserver's 5)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile ours (fetch, results and frames; in --out's dir)"
    )
    return parser


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        latency_jobs=args.latency_jobs or base.latency_jobs,
        throughput_jobs=args.throughput_jobs or base.throughput_jobs,
        results_jobs=args.results_jobs or base.results_jobs,
        frames_jobs=args.frames_jobs or base.frames_jobs,
        scaling_jobs=base.scaling_jobs if args.frames_jobs is None else max(1, args.frames_jobs // 8),
        repeats=args.repeats or base.repeats,
    )
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": _command(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "sizes": asdict(sizes),
        "load_average": {"start": _load()},
    }
    goals: list[Goal] = []
    problems: list[str] = []
    if args.only in (None, "fetch"):
        fetch = bench_fetch.run(
            latency_jobs=sizes.latency_jobs,
            throughput_jobs=sizes.throughput_jobs,
            repeats=sizes.repeats,
            latency_ms=args.latency_ms,
            backlog=args.sandbox_backlog or None,
            profile_dir=args.out.parent if args.profile else None,
            log=_log,
        )
        results["fetch"] = fetch
        results["load_average"]["after_fetch"] = _load()
        goals += fetch_goals(fetch)
        for section in ("latency", "throughput"):
            for name, s in fetch[section]["methods"].items():
                problems += [f"fetch {section} {name}: {p}" for p in s["problems"]]
    if args.only in (None, "results"):
        res = bench_results.run(
            n_jobs=sizes.results_jobs,
            repeats=sizes.repeats,
            latency_ms=args.latency_ms,
            backlog=args.sandbox_backlog or None,
            profile_dir=args.out.parent if args.profile else None,
            log=_log,
        )
        results["results"] = res
        results["load_average"]["after_results"] = _load()
        goals += results_goals(res)
        for name, s in res["methods"].items():
            problems += [f"results {name}: {p}" for p in s["problems"]]
    if args.only in (None, "frames"):
        frames = bench_frames.run(
            n_jobs=sizes.frames_jobs,
            repeats=sizes.repeats,
            scaling_jobs=sizes.scaling_jobs,
            profile_dir=args.out.parent if args.profile else None,
            log=_log,
        )
        results["frames"] = frames
        results["load_average"]["after_frames"] = _load()
        goals += frames_goals(frames)
        for key in ("main", "scaling"):
            problems += [f"frames {key}: {p}" for p in frames.get(key, {}).get("problems", [])]
    if args.only in (None, "import"):
        imports = bench_import.run(repeats=sizes.repeats, log=_log)
        results["import"] = imports
        goals += import_goals(imports)
        if imports["heavy_loaded"] != "[]":
            problems.append(f"import roe_analysis loaded {imports['heavy_loaded']}")
    results["goals"] = [{**asdict(g), "passed": g.passed} for g in goals]
    results["problems"] = problems
    results["seconds"] = round(time.perf_counter() - started, 1)

    m = results["machine"]
    lines = [
        "",
        f"command:  {results['command']}",
        f"date:     {results['date']}  (whole run {results['seconds']:.0f} s)",
        f"machine:  {m['nproc']} cores, {m['cpu']}, Python {m['python']}, {m['platform']}",
        "packages: " + ", ".join(f"{p} {v}" for p, v in m["packages"].items()),
        "load avg: "
        + "; ".join(f"{k} {v[0]:.2f} {v[1]:.2f} {v[2]:.2f}" for k, v in results["load_average"].items())
        + "  (1/5/15 min: other processes share this machine)",
        "",
    ]
    if "fetch" in results:
        lines += [fetch_tables(results["fetch"]), ""]
        if "profile" in results["fetch"]:
            lines += [f"cProfile of ours (fetch, no latency): {results['fetch']['profile']}", ""]
    if "results" in results:
        lines += [results_tables(results["results"]), ""]
        if "profile" in results["results"]:
            lines += [f"cProfile of ours (load_results, no latency): {results['results']['profile']}", ""]
    if "frames" in results:
        lines += [frames_tables(results["frames"]), ""]
        if "profile" in results["frames"]:
            lines += [f"cProfile of ours (frames): {results['frames']['profile']}", ""]
    lines += [goals_table(goals), ""]
    for problem in problems:
        lines.append(f"WRONG RESULT: {problem}")
    failed = [g.name for g in goals if not g.passed]
    verdict = "all goals PASS" if not failed and not problems else f"FAILED: {', '.join(failed + problems[:1])}"
    if args.quick:
        verdict += "  (--quick: smaller sizes and one run each; the full run is the one that counts)"
    lines.append(verdict)
    print("\n".join(lines), flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"results written to {args.out}")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
