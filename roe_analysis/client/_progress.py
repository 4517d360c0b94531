"""Progress of a load: a widget in Jupyter, a text bar in a terminal (tqdm.auto), or nothing.

A bar is drawn only where a person watches it: a terminal (stderr is a TTY) or a Jupyter front
end (an IPython kernel shell). Into a pipe, a log file or a CI job's output nothing is written,
whatever ``progress=`` says.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol


class Progress(Protocol):
    """What a load reports: pages known, pages done, jobs seen."""

    def set_total(self, pages: int) -> None: ...
    def advance(self, jobs: int) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    """`progress=False`: report nothing."""

    def set_total(self, pages: int) -> None:
        """Ignore."""

    def advance(self, jobs: int) -> None:
        """Ignore."""

    def close(self) -> None:
        """Ignore."""


class BarProgress:
    """A tqdm.auto bar counting pages, with the jobs so far beside it."""

    def __init__(self, description: str) -> None:
        from tqdm.auto import tqdm

        self._jobs = 0
        self._bar: Any = tqdm(total=None, desc=description, unit="page", leave=True)

    def set_total(self, pages: int) -> None:
        """Set how many pages the load expects (it may grow if jobs arrive while paging)."""
        self._bar.total = pages
        self._bar.refresh()

    def advance(self, jobs: int) -> None:
        """One more page, holding ``jobs`` jobs."""
        self._jobs += jobs
        self._bar.set_postfix_str(f"{self._jobs:,} jobs", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        """Finish the bar."""
        self._bar.close()


def in_jupyter_front_end() -> bool:
    """Whether this runs in a Jupyter kernel, whose front end shows a progress widget."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def watched() -> bool:
    """Whether a person can see a progress bar: stderr is a terminal, or a Jupyter front end."""
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        tty = False
    return tty or in_jupyter_front_end()


def make_progress(enabled: bool, description: str) -> Progress:
    """The progress reporter for a load: a bar when ``enabled`` and someone watches, else nothing.

    Examples:
        >>> type(make_progress(True, "Loading jobs")).__name__  # doctest output is not a terminal
        'NoProgress'
    """
    return BarProgress(description) if enabled and watched() else NoProgress()
