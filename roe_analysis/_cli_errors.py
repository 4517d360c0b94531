"""What the `roe-analysis` command says when something fails, in the words of a shell user.

The library's errors speak Python (``pass api_key=...``, ``allow_insecure=True``); here each one
becomes a line that names the flag or environment variable to change, the address that was tried,
or the path the user typed — never an internal temporary path, never a traceback, never the key.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from roe_analysis.errors import (
    AgentNotFoundError,
    AuthenticationError,
    ConfigurationError,
    InvalidPageError,
    LoadLimitError,
    NotFoundError,
    PermissionDeniedError,
    RoeConnectionError,
    RoeError,
    RoeTimeoutError,
    RoeWarning,
)

PROG = "roe-analysis"
DEFAULT_BASE_URL = "https://api.roe-ai.com"

NO_KEY = (
    "No API key: set the ROE_API_KEY environment variable (create a key in the Roe AI dashboard). "
    "No account? Run `roe-analysis demo`, or serve the bundled sandbox with `roe-analysis sandbox` "
    "and use the ROE_* values it prints."
)
NO_ORGANIZATION = (
    "No organization id: set the ROE_ORGANIZATION_ID environment variable (the UUID in the Roe AI "
    "dashboard's organisation settings)."
)

#: Python wording of configuration errors → the flag or variable a shell user changes.
_CONFIG_WORDS = (
    ("pass allow_insecure=True", "pass --allow-insecure"),
    ("base_url must", "the base URL (--base-url or ROE_BASE_URL) must"),
    ("base_url ", "the base URL (--base-url or ROE_BASE_URL) "),
    ("pass api_key=... instead", "set ROE_API_KEY instead"),
    ("timeout must", "ROE_TIMEOUT must"),
    ("max_retries must", "ROE_MAX_RETRIES must"),
)


class OutputError(Exception):
    """``--out`` could not be written; the message names the path the user gave."""


def base_url(given: str | None, environ: Any = None) -> str:
    """The base URL a command tries: ``--base-url``, else ``ROE_BASE_URL``, else the default."""
    env = os.environ if environ is None else environ
    return given or env.get("ROE_BASE_URL") or DEFAULT_BASE_URL


def check_credentials(environ: Any = None) -> None:
    """Refuse, before a client is made, a shell without the key or the organisation."""
    env = os.environ if environ is None else environ
    if not env.get("ROE_API_KEY"):
        raise ConfigurationError(NO_KEY)
    if not env.get("ROE_ORGANIZATION_ID"):
        raise ConfigurationError(NO_ORGANIZATION)


def explain(exc: RoeError, *, url: str) -> str:
    """One line for a `RoeError`, saying what to check; ``url`` is the base URL that was tried.

    Examples:
        >>> from roe_analysis.errors import RoeConnectionError
        >>> explain(RoeConnectionError("connection failed (ConnectError: refused)"), url="http://127.0.0.1:1")
        'could not reach the Roe API at http://127.0.0.1:1: connection failed (ConnectError: refused). Check the address, or change it with --base-url URL or the ROE_BASE_URL environment variable.'
    """  # noqa: E501
    text = str(exc).rstrip(".")
    if isinstance(exc, ConfigurationError):
        text = str(exc)
        for python, shell in _CONFIG_WORDS:
            text = text.replace(python, shell)
        return text
    if isinstance(exc, AuthenticationError):
        return (
            f"{text}: the API key was refused. Check ROE_API_KEY: a key from the Roe AI dashboard that has "
            "not been revoked."
        )
    if isinstance(exc, PermissionDeniedError):
        return (
            f"{text}: not allowed. Check that ROE_ORGANIZATION_ID is the organisation that owns the agent, "
            "and that the API key may read this agent."
        )
    if isinstance(exc, AgentNotFoundError | NotFoundError) and not isinstance(exc, InvalidPageError):
        return (
            f"{text}: no such agent here. Check the agent id (copy it from the agent's URL in the Roe AI "
            f"dashboard) and that it belongs to ROE_ORGANIZATION_ID at {url}."
        )
    if isinstance(exc, RoeTimeoutError):
        return (
            f"no answer from the Roe API at {url} in time ({text}). Raise ROE_TIMEOUT (seconds), or check "
            "the address (--base-url URL or ROE_BASE_URL)."
        )
    if isinstance(exc, LoadLimitError):
        # In shell words: the flags, not the keywords; err.partial means nothing on a command line.
        shell = text.replace(
            "pass a larger max_pages= to the client (e.g. max_pages=", "pass --max-pages (e.g. --max-pages "
        )
        shell = shell.replace("created_from=/created_to=", "--created-from/--created-to")
        return re.sub(r"; err\.partial holds [^;]*$", "", shell) + "."
    if isinstance(exc, RoeConnectionError):
        return (
            f"could not reach the Roe API at {url}: {text}. Check the address, or change it with "
            "--base-url URL or the ROE_BASE_URL environment variable."
        )
    return str(exc)


@contextlib.contextmanager
def writing(out: Path) -> Iterator[None]:
    """Turn an `OSError` while writing ``out`` into one naming ``out`` (not a temporary sibling)."""
    try:
        yield
    except RoeError:
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write --out {out}: {reason}") from None


def interrupted(command: str, out: Path | None, *, checkpoint: Path | None = None) -> str:
    """What Ctrl-C leaves behind, and how to go on."""
    if command == "fetch" and checkpoint is not None and checkpoint.exists():
        return (
            f"interrupted: the pages fetched so far are kept in {checkpoint}; run the same command "
            "with --resume to continue"
        )
    if command == "fetch" and out is not None:
        return f"interrupted before any page was kept; {out} is unchanged: run the same command again"
    if command == "report":
        return "interrupted: no report was written; run the same command again"
    return "interrupted"


@contextlib.contextmanager
def one_line_warnings(stream: TextIO | None = None) -> Iterator[None]:
    """Show roe-analysis warnings as ``roe-analysis: warning: …`` lines (no source line, no path)."""
    with warnings.catch_warnings():
        default = warnings.showwarning

        def show(  # noqa: PLR0917 (the signature of warnings.showwarning)
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, RoeWarning):
                print(f"{PROG}: warning: {message}", file=stream or sys.stderr)
            else:
                default(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def warn_line(text: str) -> None:
    """A warning of the command itself."""
    print(f"{PROG}: warning: {text}", file=sys.stderr)
