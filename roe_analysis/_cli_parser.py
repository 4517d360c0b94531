"""The `roe-analysis` command line: its parser, its option types and how filters are read.

Every option has a help line; a default worth knowing is shown after it, and the environment
variables the API commands read are listed under each of them (`ENVIRONMENT`). Option types
refuse what can never work (an undocumented status code, a threshold off every score scale, a
date-time without a time zone) as argparse errors: exit 2, one line, before any request.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn

from roe_analysis._schema import STATUS_NAMES
from roe_analysis._version import __version__
from roe_analysis.api import FILTER_NAMES, parse_status_codes
from roe_analysis.errors import InvalidArgumentError

PROG = "roe-analysis"

#: What each environment variable means, shown in the help of every command that calls the API.
ENVIRONMENT = """\
environment variables:
  ROE_API_KEY          the API key (required; create one in the Roe AI dashboard)
  ROE_ORGANIZATION_ID  the organisation's UUID (required)
  ROE_BASE_URL         the API's address (default: https://api.roe-ai.com; --base-url wins)
  ROE_TIMEOUT          seconds to wait for a response (default: 60)
  ROE_MAX_RETRIES      retries of a failed request (default: 5)

no account? `roe-analysis demo` runs everything against the bundled sandbox, and
`roe-analysis sandbox` serves it so ROE_BASE_URL can point at it."""

#: The widest score scale the library recognises (0–1, 1–5, 0–10, 0–100; see `grader_calibration`).
THRESHOLD_RANGE = (0.0, 100.0)


class UsageError(Exception):
    """A command line that can never work; `main` prints it as one line and exits 2."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help with each meaningful default after its option (not ``None``/``False``, not twice)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, argparse.SUPPRESS) and not isinstance(default, list)
        if shown and "%(default)" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with errors raised as `UsageError` (one line, no usage dump, no `SystemExit`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

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


def threshold(text: str) -> float:
    """A pass mark on one of the recognised score scales (0 to 100)."""
    value = _finite(text)
    low, high = THRESHOLD_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"must be between {low:g} and {high:g} (scores are on a 0–1, 1–5, 0–10 or 0–100 scale), got {text!r}"
        )
    return value


def _whole(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {text!r}")
        return value

    return parse


def status_codes(text: str) -> tuple[int, ...]:
    """Codes or names, comma-separated; only the statuses the API documents."""
    try:
        codes = parse_status_codes(text)
    except InvalidArgumentError as exc:
        raise argparse.ArgumentTypeError(str(exc).removesuffix(".")) from None
    assert codes is not None  # a string always gives codes or raises
    unknown = [c for c in codes if c not in STATUS_NAMES]
    if unknown:
        names = ", ".join(f"{c}={n}" for c, n in STATUS_NAMES.items())
        raise argparse.ArgumentTypeError(f"status code {unknown[0]} is not one the API documents ({names})")
    return codes


def when(*, end: bool) -> Any:
    """A date (a whole UTC day: from its start, or to its end) or a date-time with a time zone."""

    def parse(text: str) -> datetime:
        stripped = text.strip()
        try:
            if "T" not in stripped and " " not in stripped:
                day = date.fromisoformat(stripped)
                start = datetime.combine(day, time(), tzinfo=UTC)
                # The API's created_to is inclusive: the day's last microsecond is its end.
                return start + timedelta(days=1, microseconds=-1) if end else start
            value = datetime.fromisoformat(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not a date (2026-05-01) or a date-time with a time zone (2026-05-01T09:00:00Z): {text!r}"
            ) from None
        if value.tzinfo is None or value.utcoffset() is None:
            raise argparse.ArgumentTypeError(
                f"{text!r} has no time zone: add one (2026-05-01T09:00:00Z) or give a date for the whole UTC day"
            )
        return value.astimezone(UTC)

    return parse


#: How each filter of `JobFilters` reads from the command line; one option per filter, named after it.
FILTER_OPTIONS: dict[str, dict[str, Any]] = {
    "created_from": {
        "type": when(end=False),
        "metavar": "WHEN",
        "help": "jobs created at or after: a date (2026-05-01, from the start of that UTC day) or an ISO 8601 "
        "date-time with a time zone (2026-05-01T09:00:00Z)",
    },
    "created_to": {
        "type": when(end=True),
        "metavar": "WHEN",
        "help": "jobs created at or before: a date (2026-05-31, to the end of that UTC day) or a date-time "
        "with a time zone",
    },
    "status_code": {
        "type": status_codes,
        "metavar": "CODES",
        "help": "only these statuses, codes or names, comma-separated: SUCCESS,FAILURE or 3,4 "
        f"({', '.join(f'{c}={n}' for c, n in STATUS_NAMES.items())})",
    },
    "version_name": {
        "action": "append",
        "metavar": "NAME",
        "help": "only this agent version, exactly (e.g. v2.0); repeat for several versions",
    },
    "ordering": {"metavar": "KEYS", "help": "comma-separated sort keys, '-' for descending, e.g. -created_at"},
    "metadata": {
        "action": "append",
        "metavar": "KEY=VALUE",
        "help": "only jobs whose metadata holds KEY=VALUE; repeat for several (all must match)",
    },
    "search": {"metavar": "TEXT", "help": "a substring of the job id, the version name or an input value"},
    "semantic_string": {"metavar": "TEXT", "help": "jobs whose inputs resemble this text, most similar first"},
    "job_id": {"metavar": "UUID", "help": "one job, by its id"},
    "job_inputs": {"metavar": "TEXT", "help": "a substring of any input value"},
    "exclude_metadata": {"action": "store_true", "help": "leave the jobs' metadata out of the responses"},
    "verdict": {"metavar": "VERDICTS", "help": "only jobs with this verdict (the agent's or a reviewer's), comma list"},
    "review_state": {
        "metavar": "STATES",
        "help": "only jobs in these review states, comma list: unreviewed, agreed, disagreed",
    },
    "limit": {
        "type": _whole(0),
        "metavar": "N",
        "help": "consider only the N most recent jobs (0 = no cap; the server's default cap is 100,000)",
    },
    "page_size": {"type": _whole(1), "default": 100, "metavar": "N", "help": "jobs asked for per request"},
}


def _add_filters(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("filters (as in RoeClient.load_jobs)")
    for name in FILTER_NAMES:
        # A filter added to JobFilters without a line above fails here, not silently in a user's shell.
        g.add_argument(f"--{name.replace('_', '-')}", dest=name, **FILTER_OPTIONS[name])


def _add_connection(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("connection")
    g.add_argument(
        "--base-url",
        metavar="URL",
        help="the API's address, e.g. http://127.0.0.1:8765 for a local sandbox (default: ROE_BASE_URL, "
        "else https://api.roe-ai.com)",
    )
    g.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow plain http to a host other than this machine (sends the API key unencrypted)",
    )
    g.add_argument(
        "--max-pages",
        type=_whole(1),
        default=None,
        metavar="N",
        help="refuse a load whose server count implies more than N pages (default 100000: ten million jobs at "
        "100 a page); a sanity limit against a server that lies about its count",
    )
    g.add_argument("--no-progress", action="store_true", help="never draw a progress bar (none is drawn into a pipe)")


def metadata_pairs(pairs: list[str] | None) -> dict[str, str] | None:
    """``--metadata`` options as a dict, refusing one without ``=``."""
    if not pairs:
        return None
    metadata: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{PROG}: --metadata needs KEY=VALUE, got {pair!r}")
        metadata[key] = value
    return metadata


def filters(args: argparse.Namespace) -> dict[str, Any]:
    """The filters given on the command line, as `RoeClient.load_jobs` keywords."""
    out = {name: getattr(args, name) for name in FILTER_NAMES}
    out["metadata"] = metadata_pairs(out["metadata"])
    return out


def filter_default(name: str) -> Any:
    """What the filter option ``name`` holds when it is not given."""
    option = FILTER_OPTIONS[name]
    return option.get("default", False if option.get("action") == "store_true" else None)


def _path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    return Path(text)


def parser() -> argparse.ArgumentParser:
    """The whole command line."""
    top = _Parser(
        prog=PROG,
        description="Load and analyse the jobs of Roe AI agents: snapshots on disk and an HTML report.",
        epilog=ENVIRONMENT,
    )
    top.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="start the bundled sandbox, load the demo agent, write the demo report",
        description="Start the bundled sandbox API, load its demo agent and write the demo report. Needs no "
        "account and reads no ROE_* variable.",
    )
    demo.add_argument("--out", default="reports/demo-report.html", metavar="FILE", help="the HTML file to write")
    demo.add_argument("--seed", type=int, default=0, help="the sandbox's random seed (same seed, same jobs)")

    sandbox = sub.add_parser(
        "sandbox",
        help="run the sandbox Roe API on loopback until Ctrl-C",
        description="Serve the bundled sandbox Roe API until Ctrl-C; it prints the ROE_* variables to use.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    sandbox.add_argument("--port", type=int, default=8765, help="the port to listen on (0 = any free port)")
    sandbox.add_argument("--seed", type=int, default=0, help="the random seed of the generated jobs")
    sandbox.add_argument("--faults", default=None, help="fault spec, e.g. '429:every=3,retry_after=1;latency=200ms'")
    sandbox.add_argument("--legacy-shape", action="store_true", help="omit review_state/creator like the seed page")
    sandbox.add_argument(
        "--error-style", choices=["message", "detail"], default="message", help="the key of error bodies"
    )

    fetch = sub.add_parser(
        "fetch",
        help="load agents' jobs into a snapshot folder",
        description="Load every job of the agents (under the filters) into the snapshot folder --out. Pages are "
        "checkpointed beside it as they arrive, so an interrupted fetch continues with --resume.",
        epilog=ENVIRONMENT,
    )
    fetch.add_argument("agent_ids", nargs="*", metavar="AGENT_ID", help="the agents' UUIDs (from the dashboard URL)")
    fetch.add_argument("--out", required=True, type=_path, metavar="DIR", help="the snapshot folder to write")
    mode = fetch.add_mutually_exclusive_group()
    mode.add_argument("--refresh", action="store_true", help="bring the snapshot in --out up to date")
    mode.add_argument("--resume", action="store_true", help="continue an interrupted fetch from its checkpoint")
    mode.add_argument("--force", action="store_true", help="replace the snapshot already in --out")
    fetch.add_argument("--full", action="store_true", help="with --refresh: reload everything")
    fetch.add_argument(
        "--results",
        action="store_true",
        help="also fetch every job's result: cost, tokens and outputs (a refresh keeps what the snapshot holds)",
    )
    fetch.add_argument(
        "--versions", action="store_true", help="also fetch each agent's versions: model and engine config"
    )
    _add_connection(fetch)
    _add_filters(fetch)

    agents = sub.add_parser(
        "agents",
        help="list the organisation's agents: names, ids, job counts, most recent job",
        description="List every agent the key may see (GET /v1/agents/), one line each.",
        epilog=ENVIRONMENT,
    )
    _add_connection(agents)

    info = sub.add_parser(
        "info", help="print a snapshot's manifest and row counts", description="Describe the snapshot in PATH."
    )
    info.add_argument("path", type=_path, metavar="PATH", help="a snapshot folder")

    report = sub.add_parser(
        "report",
        help="write the evaluation report as one self-contained HTML file",
        description="Load the agents' jobs (or read a snapshot) and write the evaluation report: one HTML "
        "file with every chart inline, readable offline.",
        epilog=ENVIRONMENT,
    )
    report.add_argument("agent_ids", nargs="*", metavar="AGENT_ID", help="optional with --snapshot: keep these agents")
    report.add_argument("--out", required=True, type=_path, metavar="FILE", help="the HTML file to write")
    report.add_argument("--snapshot", type=_path, metavar="DIR", help="read this snapshot instead of the API")
    report.add_argument(
        "--threshold",
        type=threshold,
        metavar="X",
        help="pass mark of the grader score, 0 to 100 on the score's own scale (score >= X passes)",
    )
    report.add_argument("--title", help="page title (default: 'Evaluation report: agent <id>')")
    report.add_argument(
        "--no-results",
        action="store_true",
        help="do not fetch the jobs' results (cost and tokens): the report then has no cost section",
    )
    report.add_argument(
        "--no-versions", action="store_true", help="do not fetch the agents' versions (their models and names)"
    )
    _add_connection(report)
    _add_filters(report)
    return top
