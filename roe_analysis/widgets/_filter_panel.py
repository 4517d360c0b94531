"""The filter panel: controls that narrow `JobFrames`, and views redrawn in place when they change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import polars as pl

from roe_analysis._text import fmt_count, plural, plural_word
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import STATUSES, JobFrames, filter_frames, versions_in_order
from roe_analysis.widgets._static import NO_JOBS, Render, _notice_into, _render_into, _StaticRepr, notice_html

#: Most values offered for a metadata key (the most frequent ones); any other can still be typed.
MAX_METADATA_OPTIONS = 200


class _Any:
    """The "any" choice of a dropdown: no filter.

    Not None: an ipywidgets `Dropdown` whose value is None shows no selection at all (a blank
    box), even when one of its options has the value None.
    """

    def __repr__(self) -> str:
        return "ANY"


#: The value of the Metadata and Reviewer dropdowns when they are on "any" (no filter); setting
#: either to None selects it too.
ANY: Any = _Any()

#: Control widths that fit, side by side or wrapped, in a JupyterLab notebook 1,400 px wide.
_LABEL = {"description_width": "6.5em"}


class FilterPanel(_StaticRepr, widgets.VBox):
    """Controls that narrow `JobFrames`, and views redrawn in place when they change.

    When no job matches, no view is drawn: each shows "No jobs match these filters. …" (`NO_JOBS`).
    When the controls contradict each other (the From date after the To date), nothing is redrawn
    either: `error` holds the message, which starts "Not redrawn:", the summary and every view show
    it, `frames` stays the last valid result, and the followers' ``on_error`` is called with it.

    Attributes:
        versions: agent versions to keep (all selected: no filter; none: no job).
        statuses: statuses to keep.
        created_from: first UTC day (empty: no bound).
        created_to: last UTC day, included (empty: no bound).
        metadata_key: a metadata key (`ANY`, shown as "any": any job).
        metadata_value: the value that key must have (empty: any value).
        reviewer: keep the jobs this reviewer reviewed (`ANY`: every job, reviewed or not).
        reset: the "Clear filters" button (`clear`).
        summary: how many jobs match, or the error.
    """

    children: tuple[Any, ...]

    def __init__(self, frames: JobFrames) -> None:
        if not isinstance(frames, JobFrames):
            raise ArgumentTypeError(f"filter_panel needs JobFrames (from a load); got {type(frames).__name__}")
        self._source = frames
        self._frames = frames
        self._muted = False
        self._error: str | None = None
        self._views: list[tuple[widgets.Output, Render, str | None]] = []
        self._listeners: list[tuple[Callable[[JobFrames], None], Callable[[str], None] | None]] = []
        jobs = frames.jobs
        versions = versions_in_order(frames)
        present = set(jobs.get_column("status").cast(pl.String).drop_nulls().to_list())
        statuses = [s for s in STATUSES if s in present]
        first, last = jobs.select(pl.col("created_at").min().alias("first"), pl.col("created_at").max()).row(0)
        keys = frames.metadata.get_column("key").unique().sort().to_list()
        reviewers = jobs.get_column("reviewed_by").drop_nulls().unique().sort().to_list()

        def sized(width: str) -> widgets.Layout:
            return widgets.Layout(width=width, max_width="100%")

        self.versions = widgets.SelectMultiple(
            options=versions, value=tuple(versions), description="Versions", rows=min(max(len(versions), 2), 6),
            layout=sized("18em"), style=_LABEL,
        )  # fmt: skip
        self.statuses = widgets.SelectMultiple(
            options=statuses, value=tuple(statuses), description="Statuses", rows=min(max(len(statuses), 2), 7),
            layout=sized("18em"), style=_LABEL,
        )  # fmt: skip
        self.created_from = widgets.DatePicker(description="From (UTC)", value=None, layout=sized("18em"), style=_LABEL)
        self.created_to = widgets.DatePicker(description="To (UTC)", value=None, layout=sized("18em"), style=_LABEL)
        if first is not None:
            for picker in (self.created_from, self.created_to):
                picker.min, picker.max = first.date(), last.date()
        self.metadata_key = widgets.Dropdown(
            options=[("any", ANY), *((k, k) for k in keys)], value=ANY, description="Metadata",
            layout=sized("20em"), style=_LABEL,
        )  # fmt: skip
        self.metadata_value = widgets.Combobox(
            options=[], value="", placeholder="any value", description="equals", ensure_option=False,
            continuous_update=False, disabled=True, layout=sized("20em"), style=_LABEL,
        )  # fmt: skip
        self.reviewer = widgets.Dropdown(
            options=[("any (reviewed or not)", ANY), *((r, r) for r in reviewers)], value=ANY, description="Reviewer",
            layout=sized("21em"), style=_LABEL,
        )  # fmt: skip
        self.reset = widgets.Button(
            description="Clear filters", icon="times", tooltip="Every control back to everything",
            layout=widgets.Layout(width="10em", margin="2px 0 0 6.5em"),
        )  # fmt: skip
        self.summary = widgets.HTML()
        for control in (self.versions, self.statuses, self.created_from, self.created_to, self.reviewer):
            control.observe(self._changed, names="value")
        self.metadata_key.observe(self._key_changed, names="value")
        self.metadata_value.observe(self._changed, names="value")
        self.reset.on_click(lambda _: self.clear())
        column = widgets.Layout(margin="0 1.5em 0.5em 0", overflow="visible")
        # Wrapping rows, explicit widths and no fixed total width: the controls fit the notebook's
        # width (1,400 px JupyterLab: one row) or wrap, and never add a horizontal scrollbar.
        controls = widgets.HBox(
            [
                widgets.VBox([self.versions], layout=column),
                widgets.VBox([self.statuses], layout=column),
                widgets.VBox([self.created_from, self.created_to, self.reviewer], layout=column),
                widgets.VBox([self.metadata_key, self.metadata_value, self.reset], layout=column),
            ],
            layout=widgets.Layout(flex_flow="row wrap", width="100%", align_items="flex-start"),
        )
        super().__init__(children=[controls, self.summary], layout=widgets.Layout(width="100%", max_width="100%"))
        self._apply()

    # -- state -------------------------------------------------------------------------------------

    @property
    def source(self) -> JobFrames:
        """The frames the panel was built on, unfiltered."""
        return self._source

    @property
    def frames(self) -> JobFrames:
        """The frames that match the controls now."""
        return self._frames

    @property
    def error(self) -> str | None:
        """Why the views were not redrawn ("Not redrawn: …"), or None when the controls are valid."""
        return self._error

    @property
    def filters(self) -> dict[str, Any]:
        """The controls as `filter_frames` arguments (a control left at "everything" is no filter)."""
        versions = list(self.versions.value)
        statuses = list(self.statuses.value)
        key, value = self.metadata_key.value, self.metadata_value.value
        return {
            "versions": None if len(versions) == len(self.versions.options) else versions,
            "statuses": None if len(statuses) == len(self.statuses.options) else statuses,
            "created_from": self.created_from.value,
            "created_to": self.created_to.value,
            "metadata": {key: value} if key not in (ANY, None) and value else None,
            "reviewers": None if self.reviewer.value in (ANY, None) else [self.reviewer.value],
        }

    def clear(self) -> None:
        """Every control back to "everything"."""
        self._muted = True
        try:
            self.versions.value = tuple(self.versions.options)
            self.statuses.value = tuple(self.statuses.options)
            self.created_from.value = None
            self.created_to.value = None
            self.metadata_key.value = ANY
            self.metadata_value.value = ""
            self.metadata_value.options = []
            self.metadata_value.disabled = True
            self.reviewer.value = ANY
        finally:
            self._muted = False
        self._apply()

    # -- views ---------------------------------------------------------------------------------------

    def register(self, render: Render, *, title: str | None = None) -> widgets.Output:
        """Add a view: ``render(frames)`` is shown below the controls and redrawn when they change.

        ``render`` takes the filtered `JobFrames` and returns anything Jupyter displays (a chart, a
        frame, a `Table`). An exception it raises is shown in its place. It is never called with
        no jobs: the view shows `NO_JOBS` instead; nor while the controls are invalid: the view
        shows the `error`.

        Returns:
            The `ipywidgets.Output` holding the view.
        """
        # A view wider than the notebook scrolls inside itself; the page does not.
        out = widgets.Output(layout=widgets.Layout(width="100%", max_width="100%", overflow="auto"))
        self._views.append((out, render, title))
        self.children = (*self.children, out)
        self._draw(out, render, title)
        return out

    @property
    def views(self) -> list[widgets.Output]:
        """The registered views' outputs, in order."""
        return [out for out, _, _ in self._views]

    def on_change(
        self, callback: Callable[[JobFrames], None], *, on_error: Callable[[str], None] | None = None
    ) -> None:
        """Follow the panel: ``callback(frames)`` after every valid change, ``on_error(message)`` otherwise.

        ``frames`` are the filtered frames, possibly without jobs (a follower shows `NO_JOBS` then).
        When the controls are invalid (reversed dates) ``callback`` is not called: ``on_error`` is,
        with `error` ("Not redrawn: …"), so a follower can replace what it shows instead of
        leaving rows of the previous filter on screen.
        """
        self._listeners.append((callback, on_error))

    # -- reacting ------------------------------------------------------------------------------------

    def _key_changed(self, change: dict[str, Any]) -> None:
        key = change["new"]
        if key is None:  # None means "any" too; shown blank, so select the "any" option
            self.metadata_key.value = ANY
            return
        key = None if key is ANY else key
        muted, self._muted = self._muted, True
        try:
            self.metadata_value.value = ""
            self.metadata_value.options = self._metadata_values(key) if key is not None else []
            self.metadata_value.disabled = key is None
        finally:
            self._muted = muted
        if not muted:  # inside `clear`, which applies once at its end
            self._apply()

    def _metadata_values(self, key: str) -> list[str]:
        counts = (
            self._source.metadata.filter(pl.col("key") == key)
            .group_by("value")
            .len()
            .sort(["len", "value"], descending=[True, False])
            .head(MAX_METADATA_OPTIONS)
        )
        return sorted(counts.get_column("value").drop_nulls().to_list())

    def _changed(self, change: dict[str, Any]) -> None:
        if change["owner"] is self.reviewer and change["new"] is None:
            self.reviewer.value = ANY  # None means "any" too; shown blank, so select the "any" option
            return
        if not self._muted:
            self._apply()

    def _invalid(self) -> str | None:
        start, end = self.created_from.value, self.created_to.value
        if start is not None and end is not None and start > end:
            return (
                f"Not redrawn: the creation dates are reversed (from {start.isoformat()} after to "
                f"{end.isoformat()}). Fix them above."
            )
        return None

    def _draw(self, out: widgets.Output, render: Render, title: str | None) -> None:
        if self._error is not None:
            _notice_into(out, self._error, title, error=True)
        elif self._frames.jobs.height == 0:
            _notice_into(out, NO_JOBS, title)
        else:
            _render_into(out, render, self._frames, title)

    def _apply(self) -> None:
        self._error = self._invalid()
        if self._error is None:
            try:
                frames = filter_frames(self._source, **self.filters)
            except InvalidArgumentError as exc:
                self._error = f"Not redrawn: {exc}. Fix the filters above."
        if self._error is not None:
            self.summary.value = notice_html(self._error, error=True)
            for out, render, title in self._views:
                self._draw(out, render, title)
            for _, on_error in self._listeners:
                if on_error is not None:
                    on_error(self._error)
            return
        self._frames = frames
        matched, total = frames.jobs.height, self._source.jobs.height
        self.summary.value = (
            f"<p><b>{fmt_count(matched)}</b> of {plural(total, 'job')} {plural_word(matched, 'matches', 'match')}</p>"
        )
        for out, render, title in self._views:
            self._draw(out, render, title)
        for callback, _ in self._listeners:
            callback(frames)

    def _summary(self) -> str:
        active = {k: v for k, v in self.filters.items() if v is not None}
        described = "; ".join(f"{k}={v}" for k, v in active.items()) or "no filter"
        state = f"{self._error}; " if self._error else ""
        return (
            f"FilterPanel: {fmt_count(self._frames.jobs.height)} of {plural(self._source.jobs.height, 'job')} "
            f"({described}); {state}{plural(len(self._views), 'view')}"
        )


def filter_panel(frames: JobFrames, *, views: Sequence[tuple[str, Render]] = ()) -> FilterPanel:
    """A `FilterPanel` on ``frames`` with the given ``(title, render)`` views registered.

    A view is not drawn when no job matches, nor while the controls are invalid: it shows why.

    Examples:
        >>> import roe_analysis as ra
        >>> job = {"id": "00000000-0000-4000-8000-000000000001", "agent_version_name": "v1",
        ...        "status_code": 3, "created_at": "2026-05-01T10:00:00Z"}
        >>> frames = ra.JobFrames.from_records([job], agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
        >>> panel.views[0].outputs[1]["data"]["text/plain"]
        '1'
        >>> panel.statuses.value = ()
        >>> panel.frames.jobs.height, panel.views[0].outputs[1]["data"]["text/html"]
        (0, '<p class="roe-message" style="color:#555;font-style:italic;margin:0.5em 0">No jobs match these filters. Widen them, or press Clear filters.</p>')
    """  # noqa: E501
    panel = FilterPanel(frames)
    for title, render in views:
        panel.register(render, title=title)
    return panel
