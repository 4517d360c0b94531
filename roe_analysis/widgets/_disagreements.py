"""The disagreement table: verdicts reviewers changed, or scores far apart, one page at a time."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import polars as pl

from roe_analysis._text import fmt_count, plural
from roe_analysis.analysis import score_disagreements, verdict_disagreements
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames
from roe_analysis.widgets._filter_panel import FilterPanel
from roe_analysis.widgets._static import NO_JOBS, _StaticRepr, notice_html
from roe_analysis.widgets._tables import MAX_CHARS, _with_inputs, html_table

#: Narrowest width of the columns of free text, which wrap (words first; a token without spaces,
#: such as JSON, breaks where it must). Every other column (ids, versions, verdicts, e-mails,
#: numbers) stays on one line, and a page wider than the output scrolls sideways.
MIN_WIDTHS: Mapping[str, str] = {
    "review_comment": "16em",
    "inputs": "32em",
}


def _page_html(page: pl.DataFrame, max_chars: int) -> str:
    """The page as an escaped table (`html_table`), its free-text columns given a minimum width."""
    rules = []
    for i, name in enumerate(page.columns, start=1):
        if name in MIN_WIDTHS:
            cells = f".roe-disagreements .roe-table tr>*:nth-child({i})"
            rules.append(f"{cells}{{min-width:{MIN_WIDTHS[name]};white-space:normal;overflow-wrap:anywhere}}")
    return (
        f'<div class="roe-disagreements"><style>{"".join(rules)}</style>{html_table(page, max_chars=max_chars)}</div>'
    )


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
        self._error: str | None = None
        self.kind = widgets.ToggleButtons(
            options=[(label, kind) for kind, (label, _) in DISAGREEMENTS.items()],
            value="verdict",
            description="Show",
            # Wide enough for "Verdicts changed by reviewers" (ToggleButtons give every button one width).
            style={"button_width": "19em", "description_width": "3em"},
        )
        self.previous = widgets.Button(description="◀ Previous")
        self.next = widgets.Button(description="Next ▶")
        self.position = widgets.HTML()
        self.table = widgets.HTML(layout=widgets.Layout(width="100%", max_width="100%"))
        self.kind.observe(lambda _: self._reload(), names="value")
        self.previous.on_click(lambda _: self.show_page(self._page - 1))
        self.next.on_click(lambda _: self.show_page(self._page + 1))
        super().__init__(
            children=[self.kind, widgets.HBox([self.previous, self.next, self.position]), self.table],
            layout=widgets.Layout(width="100%", max_width="100%"),
        )
        if panel is not None:
            panel.on_change(self._follow, on_error=self._stale)
            self._error = panel.error
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

    @property
    def error(self) -> str | None:
        """The panel's error while its filters are invalid (no row is shown then), else None."""
        return self._error

    def show_page(self, page: int) -> None:
        """Show page ``page`` (from 0), clamped to the pages there are.

        Without jobs (a panel filter that matched nothing) the table is `NO_JOBS`; while the
        panel's filters are invalid it is the panel's error, and `rows` is empty.
        """
        self._page = min(max(page, 0), self.pages - 1)
        start = self._page * self._page_size
        shown = self._rows.slice(start, self._page_size)
        self.previous.disabled = self._page == 0
        self.next.disabled = self._page >= self.pages - 1
        end = start + shown.height
        self.position.value = (
            f"<p>Rows {start + 1 if shown.height else 0}–{end} of {fmt_count(self._rows.height)} "
            f"(page {self._page + 1} of {self.pages})</p>"
        )
        if self._error is not None:  # no row count either: it would be the stale filter's
            self.position.value = ""
            self.table.value = notice_html(self._error, error=True)
            return
        if self._frames.jobs.height == 0:
            self.table.value = notice_html(NO_JOBS)
            return
        if "final_verdict" in shown.columns:
            shown = shown.with_columns(pl.col("final_verdict").fill_null(NO_CORRECTION))
        self.table.value = _page_html(shown, self._max_chars)

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._error = None
        self._reload()

    def _stale(self, message: str) -> None:
        self._error = message
        self._reload()

    def _reload(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, helper = DISAGREEMENTS[self.kind.value]
            rows = _with_inputs(helper(self._frames), self._frames)
        self._rows = rows.clear() if self._error is not None else rows
        self.show_page(0)

    def _summary(self) -> str:
        return (
            f"DisagreementTable: {self.kind.value} disagreements, page {self._page + 1} of {self.pages} "
            f"({plural(self._rows.height, 'row')})"
        )


def disagreement_table(
    source: JobFrames | FilterPanel, *, page_size: int = 10, max_chars: int = MAX_CHARS
) -> DisagreementTable:
    """A `DisagreementTable` on ``source``; given a `FilterPanel`, it follows the panel's filters."""
    return DisagreementTable(source, page_size=page_size, max_chars=max_chars)
