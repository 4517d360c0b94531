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
from typing import TYPE_CHECKING

from roe_analysis._cli_errors import (
    OutputError,
    base_url,
    check_credentials,
    explain,
    interrupted,
    one_line_warnings,
    warn_line,
    writing,
)
from roe_analysis._cli_parser import UsageError, filter_default, filters, parser
from roe_analysis._text import plural, plural_word
from roe_analysis.errors import RoeError

if TYPE_CHECKING:
    from roe_analysis.client import RoeClient
    from roe_analysis.frames import JobFrames

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# The parser and filter reading live in `_cli_parser`; these names are the CLI's own seams.
_parser = parser
_filters = filters
_filter_default = filter_default

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "UsageError", "main", "run"]


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
    commands = {
        "sandbox": _sandbox,
        "demo": _demo,
        "fetch": _fetch,
        "info": _info,
        "report": _report,
        "agents": _agents,
    }
    try:
        with one_line_warnings():
            return commands[args.command](args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except RoeError as exc:
        message = explain(exc, url=base_url(getattr(args, "base_url", None)))
        print(f"roe-analysis: {message}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except OutputError as exc:
        print(f"roe-analysis: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"roe-analysis: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        checkpoint = None
        if args.command == "fetch":
            from roe_analysis.storage import checkpoint_dir

            checkpoint = checkpoint_dir(args.out)
        print(f"roe-analysis: {interrupted(args.command, out, checkpoint=checkpoint)}", file=sys.stderr)
        return EXIT_INTERRUPTED


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
            frames = client.load_jobs(sb.agents["demo"], progress=True, results=True, versions=True)
            elapsed = time.perf_counter() - started
    requests = frames.query.get("requests", 0)
    print(f"loaded {frames.jobs.height:,} jobs of the demo agent in {elapsed:.2f} s ({requests:,} requests)")
    html, figures = render(frames, title="Evaluation report: Transaction screening (sandbox demo agent)")
    with writing(Path(args.out)):
        path = write_text_atomically(args.out, html)
    print(key_figures_text(figures))
    print(f"report:      {path}")
    return EXIT_OK


def _client(args: argparse.Namespace) -> RoeClient:
    """A client configured from the shell: ROE_* variables, ``--base-url`` and ``--allow-insecure``."""
    from roe_analysis.client import RoeClient

    check_credentials()
    limits = {"max_pages": args.max_pages} if getattr(args, "max_pages", None) is not None else {}
    return RoeClient(base_url=args.base_url, allow_insecure=args.allow_insecure, **limits)


def _warn_if_empty(frames: JobFrames, args: argparse.Namespace) -> None:
    if frames.jobs.height:
        return
    given = sorted(
        f"--{name.replace('_', '-')}" for name, value in _filters(args).items() if value != _filter_default(name)
    )
    where = f"under {', '.join(given)}" if given else "at all"
    warn_line(
        f"the load returned 0 jobs: no job of {', '.join(args.agent_ids) or 'the agents'} matched {where}. "
        "Check the agent id and the filters."
    )


def _fetch(args: argparse.Namespace) -> int:
    from roe_analysis.frames import summary_text
    from roe_analysis.storage import checkpoint_dir

    if args.full and not args.refresh:
        raise UsageError("roe-analysis: --full only applies with --refresh")
    if args.refresh and (args.results or args.versions):
        raise UsageError(
            "roe-analysis: a refresh keeps what the snapshot holds (results and versions included); drop "
            "--results/--versions, or fetch again with --force"
        )
    if args.refresh and args.agent_ids:
        raise UsageError("roe-analysis: --refresh takes the agents and filters from the snapshot; drop AGENT_ID")
    if not args.refresh and not args.agent_ids:
        raise UsageError("roe-analysis: fetch needs at least one AGENT_ID (or --refresh)")
    if not args.refresh:
        if args.resume and not checkpoint_dir(args.out).exists():
            raise UsageError(f"roe-analysis: nothing to resume: no checkpoint beside {args.out}")
        if not args.resume and checkpoint_dir(args.out).exists():
            # Silently resuming would return the old load's window as if it were fetched now.
            raise UsageError(
                f"roe-analysis: an interrupted fetch left {checkpoint_dir(args.out)}; continue it with "
                "--resume, or delete that folder to start over"
            )
        if not args.resume and not args.force and (args.out / "manifest.json").is_file():
            raise UsageError(
                f"roe-analysis: {args.out} already holds a snapshot: bring it up to date with --refresh, "
                "replace it with --force, or choose another --out"
            )
    started = time.perf_counter()
    with _client(args) as client, writing(args.out):
        if args.refresh:
            frames = client.refresh(args.out, progress=not args.no_progress, full=args.full)
        else:
            frames = client.load_jobs(
                args.agent_ids,
                progress=not args.no_progress,
                checkpoint=args.out,
                results=args.results,
                versions=args.versions,
                **_filters(args),
            )
        elapsed = time.perf_counter() - started
    if not args.refresh:
        _warn_if_empty(frames, args)
    print(summary_text(frames, elapsed_seconds=elapsed))
    if frames.query.get("resumed_pages"):
        print(f"resumed:   {plural(frames.query['resumed_pages'], 'page')} read back from the checkpoint")
    print(f"snapshot:  {args.out}")
    return EXIT_OK


def _agents(args: argparse.Namespace) -> int:
    from roe_analysis.frames import agents_text

    with _client(args) as client:
        agents = client.list_agents()
    print(agents_text(agents))
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from roe_analysis.storage import snapshot_info

    print(snapshot_info(args.path))
    return EXIT_OK


def _only_agents(frames: JobFrames, agent_ids: Sequence[str], source: Path) -> JobFrames:
    """The frames of ``agent_ids`` only, refusing an agent the snapshot does not hold."""
    from dataclasses import replace

    import polars as pl

    held = frames.query.get("agent_ids")
    known = set(held) if isinstance(held, list) else set(frames.jobs.get_column("agent_id").unique().to_list())
    missing = [a for a in agent_ids if a not in known]
    if missing:
        raise UsageError(
            f"roe-analysis report: {', '.join(missing)} not in the snapshot {source} "
            f"(it holds {', '.join(sorted(known)) or 'no agents'})"
        )
    jobs = frames.jobs.filter(pl.col("agent_id").is_in(list(agent_ids)))
    kept = frames.with_jobs(jobs, query={**frames.query, "agent_ids": list(agent_ids)})
    return replace(kept, versions=kept.versions.filter(pl.col("agent_id").is_in(list(agent_ids))))


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
                f"roe-analysis report: {', '.join(given)} {plural_word(len(given), 'filters', 'filter')} the API load; "
                "a snapshot is read as it is "
                "(drop them, or load from the API without --snapshot)"
            )
        frames = JobFrames.load(args.snapshot)
        if args.agent_ids:
            frames = _only_agents(frames, args.agent_ids, args.snapshot)
    else:
        if not args.agent_ids:
            raise UsageError("roe-analysis report: give at least one AGENT_ID, or --snapshot DIR")
        with _client(args) as client:
            frames = client.load_jobs(
                args.agent_ids,
                progress=not args.no_progress,
                results=not args.no_results,
                versions=not args.no_versions,
                **_filters(args),
            )
        _warn_if_empty(frames, args)
    html, figures = render(frames, title=args.title, threshold=args.threshold)
    with writing(args.out):
        path = write_text_atomically(args.out, html)
    print(key_figures_text(figures))
    print(f"report:      {path}")
    return EXIT_OK
