"""Progress of a load: a widget in Jupyter, a text bar in a terminal (tqdm.auto), or nothing."""

from __future__ import annotations

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


def make_progress(enabled: bool, description: str) -> Progress:
    """The progress reporter for a load."""
    return BarProgress(description) if enabled else NoProgress()
