"""The disagreement table: verdicts reviewers changed, or scores far apart, one page at a time."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import polars as pl

from roe_analysis.analysis import score_disagreements, verdict_disagreements
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames
from roe_analysis.widgets._filter_panel import FilterPanel
from roe_analysis.widgets._static import _StaticRepr
from roe_analysis.widgets._tables import MAX_CHARS, _with_inputs, html_table


def _score_rows(frames: JobFrames) -> pl.DataFrame:
    """Every job with both scores, largest ``|grader - human|`` first: `score_disagreements`, review columns kept."""
    return score_disagreements(frames, n=frames.jobs.height).select(
        "job_id",
        "agent_version_name",
        "grader_score",
        "human_score",
        "difference",
        pl.col("review_status").cast(pl.String),
        "reviewed_by",
        "review_comment",
    )


#: How a rejection without a correction shows in the ``final_verdict`` column: `verdict_disagreements`
#: lists it (the reviewer rejected the agent's verdict) with a null ``final_verdict``, which a blank
#: or "—" cell would make look like missing data.
NO_CORRECTION = "(rejected, no correction)"

#: What each value of the "Show" toggle lists, and the helper that lists it.
#: ``"verdict"``: `verdict_disagreements` (reviews whose final verdict differs from the agent's,
#: rejections without a correction included, the agent's most confident verdicts first);
#: ``"score"``: `score_disagreements` (every job with both a grader and a human score, largest
#: ``|grader - human|`` first).
DISAGREEMENTS: Mapping[str, tuple[str, Callable[[JobFrames], pl.DataFrame]]] = {
    "verdict": ("Verdicts changed by reviewers", verdict_disagreements),
    "score": ("Grader vs human scores", _score_rows),
}


class DisagreementTable(_StaticRepr, widgets.VBox):
    """Disagreements one page at a time: verdicts the reviewers changed, or scores far apart.

    Verdict disagreements include rejections without a correction: their ``final_verdict`` is
    null in `rows` (as `verdict_disagreements` gives it) and shows as `NO_CORRECTION`,
    "(rejected, no correction)", in the table.

    Attributes:
        kind: ``"verdict"`` or ``"score"`` disagreements (see `DISAGREEMENTS`).
        previous: go one page back.
        next: go one page on.
        position: which rows are shown.
        table: the page, as an escaped HTML table.
    """

    def __init__(self, source: JobFrames | FilterPanel, *, page_size: int = 10, max_chars: int = MAX_CHARS) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise ArgumentTypeError(f"page_size must be a whole number >= 1, e.g. page_size=10; got {page_size!r}")
        if page_size < 1:
            raise InvalidArgumentError(f"page_size must be a whole number >= 1, e.g. page_size=10; got {page_size!r}")
        panel = source if isinstance(source, FilterPanel) else None
        frames = panel.frames if panel is not None else source
        if not isinstance(frames, JobFrames):
            raise ArgumentTypeError(
                f"disagreement_table needs JobFrames (from a load) or a FilterPanel; got {type(source).__name__}"
            )
        self._frames = frames
        self._page_size = page_size
        self._max_chars = max_chars
        self._page = 0
        self._rows = pl.DataFrame()
        self.kind = widgets.ToggleButtons(
            options=[(label, kind) for kind, (label, _) in DISAGREEMENTS.items()],
            value="verdict",
            description="Show",
        )
        self.previous = widgets.Button(description="◀ Previous")
        self.next = widgets.Button(description="Next ▶")
        self.position = widgets.HTML()
        self.table = widgets.HTML()
        self.kind.observe(lambda _: self._reload(), names="value")
        self.previous.on_click(lambda _: self.show_page(self._page - 1))
        self.next.on_click(lambda _: self.show_page(self._page + 1))
        super().__init__(children=[self.kind, widgets.HBox([self.previous, self.next, self.position]), self.table])
        if panel is not None:
            panel.on_change(self._follow)
        self._reload()

    @property
    def rows(self) -> pl.DataFrame:
        """Every disagreement of the current kind (all pages), as the helper gives it (nulls kept)."""
        return self._rows

    @property
    def page(self) -> int:
        """The page shown, from 0."""
        return self._page

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self._rows.height // self._page_size))

    def show_page(self, page: int) -> None:
        """Show page ``page`` (from 0), clamped to the pages there are."""
        self._page = min(max(page, 0), self.pages - 1)
        start = self._page * self._page_size
        shown = self._rows.slice(start, self._page_size)
        self.previous.disabled = self._page == 0
        self.next.disabled = self._page >= self.pages - 1
        end = start + shown.height
        self.position.value = (
            f"<p>Rows {start + 1 if shown.height else 0}–{end} of {self._rows.height:,} "
            f"(page {self._page + 1} of {self.pages})</p>"
        )
        if "final_verdict" in shown.columns:
            shown = shown.with_columns(pl.col("final_verdict").fill_null(NO_CORRECTION))
        self.table.value = html_table(shown, max_chars=self._max_chars)

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._reload()

    def _reload(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, helper = DISAGREEMENTS[self.kind.value]
            self._rows = _with_inputs(helper(self._frames), self._frames)
        self.show_page(0)

    def _summary(self) -> str:
        return (
            f"DisagreementTable: {self.kind.value} disagreements, page {self._page + 1} of {self.pages} "
            f"({self._rows.height:,} rows)"
        )


def disagreement_table(
    source: JobFrames | FilterPanel, *, page_size: int = 10, max_chars: int = MAX_CHARS
) -> DisagreementTable:
    """A `DisagreementTable` on ``source``; given a `FilterPanel`, it follows the panel's filters."""
    return DisagreementTable(source, page_size=page_size, max_chars=max_chars)
