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
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from roe_analysis._errors import RoeError
from roe_analysis._version import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _add_filters(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("filters (as in RoeClient.load_jobs)")
    g.add_argument("--created-from", help="ISO 8601 with a time zone, e.g. 2026-05-01T00:00:00Z")
    g.add_argument("--created-to", help="ISO 8601 with a time zone")
    g.add_argument("--status-code", help="code(s) or name(s), comma-separated: SUCCESS,FAILURE")
    g.add_argument("--version-name")
    g.add_argument("--ordering", help="comma-separated keys, e.g. -created_at")
    g.add_argument("--metadata", action="append", metavar="KEY=VALUE", help="repeatable")
    g.add_argument("--search")
    g.add_argument("--semantic-string")
    g.add_argument("--job-id")
    g.add_argument("--job-inputs")
    g.add_argument("--exclude-metadata", action="store_true")
    g.add_argument("--verdict")
    g.add_argument("--limit", type=int, help="cap on recent jobs considered (0 = no cap)")
    g.add_argument("--page-size", type=int, default=100)


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    metadata: dict[str, str] | None = None
    if args.metadata:
        metadata = {}
        for pair in args.metadata:
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise SystemExit(f"roe-analysis: --metadata needs KEY=VALUE, got {pair!r}")
            metadata[key] = value
    out: dict[str, Any] = {
        "created_from": args.created_from,
        "created_to": args.created_to,
        "status_code": args.status_code,
        "version_name": args.version_name,
        "ordering": args.ordering,
        "metadata": metadata,
        "search": args.search,
        "semantic_string": args.semantic_string,
        "job_id": args.job_id,
        "job_inputs": args.job_inputs,
        "exclude_metadata": args.exclude_metadata,
        "verdict": args.verdict,
        "limit": args.limit,
        "page_size": args.page_size,
    }
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "fetch":
            return _fetch(args)
        if args.command == "info":
            return _info(args)
    except RoeError as exc:
        print(f"roe-analysis: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except KeyboardInterrupt:
        print("roe-analysis: interrupted", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown commands


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())


def _sandbox(args: argparse.Namespace) -> int:
    from roe_analysis.sandbox import Faults, serve

    faults = Faults.parse(args.faults) if args.faults else None
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
    from roe_analysis._client import RoeClient
    from roe_analysis._summary import summary_text
    from roe_analysis.sandbox import Sandbox

    with Sandbox(seed=args.seed) as sb:
        print(f"sandbox Roe API at {sb.base_url} (seeded, seed={args.seed})")
        with RoeClient(api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url) as client:
            started = time.perf_counter()
            frames = client.load_jobs(sb.agents["demo"], progress=sys.stderr.isatty())
            elapsed = time.perf_counter() - started
    print(f"demo agent {sb.agents['demo']}")
    print(summary_text(frames, elapsed_seconds=elapsed))
    return EXIT_OK


def _fetch(args: argparse.Namespace) -> int:
    from roe_analysis._checkpoint import checkpoint_dir
    from roe_analysis._client import RoeClient
    from roe_analysis._summary import summary_text

    progress = not args.no_progress and sys.stderr.isatty()
    started = time.perf_counter()
    with RoeClient() as client:
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
            frames = client.load_jobs(args.agent_ids, progress=progress, checkpoint=args.out, **_filters(args))
        elapsed = time.perf_counter() - started
    print(summary_text(frames, elapsed_seconds=elapsed))
    if frames.query.get("resumed_pages"):
        print(f"resumed:   {frames.query['resumed_pages']} page(s) read back from the checkpoint")
    print(f"snapshot:  {args.out}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from roe_analysis._snapshot import snapshot_info

    print(snapshot_info(args.path))
    return EXIT_OK
