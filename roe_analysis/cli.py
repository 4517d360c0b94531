"""The `roe-analysis` command: a thin shell over the library.

    roe-analysis demo                      sandbox → load → report → summary
    roe-analysis sandbox [--port N] ...    run the sandbox API in the foreground
    roe-analysis fetch AGENT... --out DIR  load jobs into a snapshot (or --refresh / --resume it)
    roe-analysis info DIR                  a snapshot's manifest and row counts
    roe-analysis report AGENT --out FILE   the evaluation report as one self-contained HTML file

Every command is `main(argv) -> int`; errors print one clear line to stderr and exit non-zero,
never a traceback and never the API key.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from roe_analysis._version import __version__
from roe_analysis.api import FILTER_NAMES
from roe_analysis.errors import RoeError

if TYPE_CHECKING:
    from roe_analysis.frames import JobFrames

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A command line that can never work; `main` prints it as one line and exits 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with errors raised as `UsageError` (one line, no usage dump, no `SystemExit`)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


#: How each filter of `JobFilters` reads from the command line; one option per filter, named after it.
_FILTER_OPTIONS: dict[str, dict[str, Any]] = {
    "created_from": {"help": "ISO 8601 with a time zone, e.g. 2026-05-01T00:00:00Z"},
    "created_to": {"help": "ISO 8601 with a time zone"},
    "status_code": {"help": "code(s) or name(s), comma-separated: SUCCESS,FAILURE"},
    "version_name": {},
    "ordering": {"help": "comma-separated keys, e.g. -created_at"},
    "metadata": {"action": "append", "metavar": "KEY=VALUE", "help": "repeatable"},
    "search": {},
    "semantic_string": {},
    "job_id": {},
    "job_inputs": {},
    "exclude_metadata": {"action": "store_true"},
    "verdict": {},
    "limit": {"type": int, "help": "cap on recent jobs considered (0 = no cap)"},
    "page_size": {"type": int, "default": 100},
}


def _add_filters(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("filters (as in RoeClient.load_jobs)")
    for name in FILTER_NAMES:
        # A filter added to JobFilters without a line above fails here, not silently in a user's shell.
        g.add_argument(f"--{name.replace('_', '-')}", dest=name, **_FILTER_OPTIONS[name])


def _metadata_pairs(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    metadata: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"roe-analysis: --metadata needs KEY=VALUE, got {pair!r}")
        metadata[key] = value
    return metadata


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    out = {name: getattr(args, name) for name in FILTER_NAMES}
    out["metadata"] = _metadata_pairs(out["metadata"])
    return out


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="roe-analysis",
        description="Load and analyse the jobs of Roe AI agents. The API key comes from ROE_API_KEY.",
    )
    parser.add_argument("--version", action="version", version=f"roe-analysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="start the bundled sandbox, load the demo agent, write the demo report")
    demo.add_argument("--out", default="reports/demo-report.html", help="report path (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=0)

    sandbox = sub.add_parser("sandbox", help="run the sandbox Roe API on loopback until Ctrl-C")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--seed", type=int, default=0)
    sandbox.add_argument("--faults", default=None, help="fault spec, e.g. '429:every=3,retry_after=1;latency=200ms'")
    sandbox.add_argument("--legacy-shape", action="store_true", help="omit review_state/creator like the seed page")
    sandbox.add_argument("--error-style", choices=["message", "detail"], default="message")

    fetch = sub.add_parser("fetch", help="load agents' jobs into a snapshot folder (key from ROE_API_KEY)")
    fetch.add_argument("agent_ids", nargs="*", metavar="AGENT_ID")
    fetch.add_argument("--out", required=True, type=Path, help="snapshot folder")
    mode = fetch.add_mutually_exclusive_group()
    mode.add_argument("--refresh", action="store_true", help="bring the snapshot in --out up to date")
    mode.add_argument("--resume", action="store_true", help="continue an interrupted load from its checkpoint")
    fetch.add_argument("--full", action="store_true", help="with --refresh: reload everything")
    fetch.add_argument("--no-progress", action="store_true")
    _add_filters(fetch)

    info = sub.add_parser("info", help="print a snapshot's manifest and row counts")
    info.add_argument("path", type=Path)

    report = sub.add_parser(
        "report",
        help="write the evaluation report as one self-contained HTML file (key from ROE_API_KEY)",
        description="Load the agents' jobs (or read a snapshot) and write the evaluation report: one HTML "
        "file with every chart inline, readable offline.",
    )
    report.add_argument("agent_ids", nargs="*", metavar="AGENT_ID", help="optional with --snapshot: keep these agents")
    report.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    report.add_argument("--snapshot", type=Path, metavar="DIR", help="read this snapshot instead of the API")
    report.add_argument("--threshold", type=_finite, help="pass mark of the grader score (score >= X passes)")
    report.add_argument("--title", help="page title (default: 'Evaluation report: agent <id>')")
    report.add_argument("--no-progress", action="store_true")
    _add_filters(report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failed, 2 bad usage, 130 interrupted).

    Examples:
        >>> main(["report", "--out"])
        2
    """
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "fetch":
            return _fetch(args)
        if args.command == "info":
            return _info(args)
        if args.command == "report":
            return _report(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except RoeError as exc:
        print(f"roe-analysis: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except OSError as exc:
        print(f"roe-analysis: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("roe-analysis: interrupted", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown commands


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())


def _sandbox(args: argparse.Namespace) -> int:
    from roe_analysis.sandbox import Faults, serve

    try:
        faults = Faults.parse(args.faults) if args.faults else None
    except ValueError as exc:
        raise UsageError(f"roe-analysis sandbox: --faults: {exc}") from None
    serve(
        host=args.host,
        port=args.port,
        seed=args.seed,
        faults=faults,
        legacy_shape=args.legacy_shape,
        error_style=args.error_style,
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from roe_analysis.client import RoeClient
    from roe_analysis.report._figures import key_figures_text
    from roe_analysis.report._files import write_text_atomically
    from roe_analysis.report._render import render
    from roe_analysis.sandbox import Sandbox

    with Sandbox(seed=args.seed) as sb:
        print(f"sandbox Roe API at {sb.base_url} (seeded, seed={args.seed})")
        # environ={}: the demo talks to its own sandbox whatever ROE_* variables the shell has.
        with RoeClient(
            api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
        ) as client:
            started = time.perf_counter()
            frames = client.load_jobs(sb.agents["demo"], progress=sys.stderr.isatty())
            elapsed = time.perf_counter() - started
    requests = frames.query.get("requests", 0)
    print(f"loaded {frames.jobs.height:,} jobs of the demo agent in {elapsed:.2f} s ({requests:,} requests)")
    html, figures = render(frames, title="Evaluation report: the sandbox demo agent")
    path = write_text_atomically(args.out, html)
    print(key_figures_text(figures))
    print(f"report:      {path}")
    return EXIT_OK


def _fetch(args: argparse.Namespace) -> int:
    from roe_analysis.client import RoeClient
    from roe_analysis.frames import summary_text
    from roe_analysis.storage import checkpoint_dir

    progress = not args.no_progress and sys.stderr.isatty()
    started = time.perf_counter()
    with RoeClient() as client:
        if args.full and not args.refresh:
            print("roe-analysis: --full only applies with --refresh", file=sys.stderr)
            return EXIT_USAGE
        if args.refresh:
            if args.agent_ids:
                print(
                    "roe-analysis: --refresh takes the agents and filters from the snapshot; drop AGENT_ID",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            frames = client.refresh(args.out, progress=progress, full=args.full)
        else:
            if not args.agent_ids:
                print("roe-analysis: fetch needs at least one AGENT_ID (or --refresh)", file=sys.stderr)
                return EXIT_USAGE
            if args.resume and not checkpoint_dir(args.out).exists():
                print(f"roe-analysis: nothing to resume: no checkpoint beside {args.out}", file=sys.stderr)
                return EXIT_USAGE
            if not args.resume and checkpoint_dir(args.out).exists():
                # Silently resuming would return the old load's window as if it were fetched now.
                print(
                    f"roe-analysis: an interrupted fetch left {checkpoint_dir(args.out)}; continue it with "
                    f"--resume, or delete that folder to start over",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            frames = client.load_jobs(args.agent_ids, progress=progress, checkpoint=args.out, **_filters(args))
        elapsed = time.perf_counter() - started
    print(summary_text(frames, elapsed_seconds=elapsed))
    if frames.query.get("resumed_pages"):
        print(f"resumed:   {frames.query['resumed_pages']} page(s) read back from the checkpoint")
    print(f"snapshot:  {args.out}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from roe_analysis.storage import snapshot_info

    print(snapshot_info(args.path))
    return EXIT_OK


def _filter_default(name: str) -> Any:
    """What the filter option ``name`` holds when it is not given."""
    option = _FILTER_OPTIONS[name]
    return option.get("default", False if option.get("action") == "store_true" else None)


def _only_agents(frames: JobFrames, agent_ids: Sequence[str], source: Path) -> JobFrames:
    """The frames of ``agent_ids`` only, refusing an agent the snapshot does not hold."""
    import polars as pl

    from roe_analysis.frames import JobFrames

    held = frames.query.get("agent_ids")
    known = set(held) if isinstance(held, list) else set(frames.jobs.get_column("agent_id").unique().to_list())
    missing = [a for a in agent_ids if a not in known]
    if missing:
        raise UsageError(
            f"roe-analysis report: {', '.join(missing)} not in the snapshot {source} "
            f"(it holds {', '.join(sorted(known)) or 'no agents'})"
        )
    jobs = frames.jobs.filter(pl.col("agent_id").is_in(list(agent_ids)))
    ids = jobs.get_column("id")

    def keep(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("job_id").is_in(ids.implode()))

    query = {**frames.query, "agent_ids": list(agent_ids)}
    return JobFrames(jobs, keep(frames.status_events), keep(frames.inputs), keep(frames.metadata), query)


def _report(args: argparse.Namespace) -> int:
    from roe_analysis.report._figures import key_figures_text
    from roe_analysis.report._files import write_text_atomically
    from roe_analysis.report._render import render

    if args.snapshot is not None:
        from roe_analysis.frames import JobFrames

        given = sorted(
            f"--{name.replace('_', '-')}" for name, value in _filters(args).items() if value != _filter_default(name)
        )
        if given:
            raise UsageError(
                f"roe-analysis report: {', '.join(given)} filter(s) the API load; a snapshot is read as it is "
                "(drop them, or load from the API without --snapshot)"
            )
        frames = JobFrames.load(args.snapshot)
        if args.agent_ids:
            frames = _only_agents(frames, args.agent_ids, args.snapshot)
    else:
        if not args.agent_ids:
            raise UsageError("roe-analysis report: give at least one AGENT_ID, or --snapshot DIR")
        from roe_analysis.client import RoeClient

        progress = not args.no_progress and sys.stderr.isatty()
        with RoeClient() as client:
            frames = client.load_jobs(args.agent_ids, progress=progress, **_filters(args))
    html, figures = render(frames, title=args.title, threshold=args.threshold)
    path = write_text_atomically(args.out, html)
    print(key_figures_text(figures))
    print(f"report:      {path}")
    return EXIT_OK
