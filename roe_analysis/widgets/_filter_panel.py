"""The filter panel: controls that narrow `JobFrames`, and views redrawn in place when they change."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import polars as pl

from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import STATUSES, JobFrames, filter_frames, versions_in_order
from roe_analysis.widgets._static import Render, _render_into, _StaticRepr

#: Most values offered for a metadata key (the most frequent ones); any other can still be typed.
MAX_METADATA_OPTIONS = 200


class FilterPanel(_StaticRepr, widgets.VBox):
    """Controls that narrow `JobFrames`, and views redrawn in place when they change.

    Attributes:
        versions: agent versions to keep (all selected: no filter; none: no job).
        statuses: statuses to keep.
        created_from: first UTC day (empty: no bound).
        created_to: last UTC day, included (empty: no bound).
        metadata_key: a metadata key (None: any job).
        metadata_value: the value that key must have (empty: any value).
        reviewer: keep the jobs this reviewer reviewed (None: every job, reviewed or not).
        summary: how many jobs match.
    """

    children: tuple[Any, ...]

    def __init__(self, frames: JobFrames) -> None:
        if not isinstance(frames, JobFrames):
            raise ArgumentTypeError(f"filter_panel needs JobFrames (from a load); got {type(frames).__name__}")
        self._source = frames
        self._frames = frames
        self._muted = False
        self._views: list[tuple[widgets.Output, Render, str | None]] = []
        self._listeners: list[Callable[[JobFrames], None]] = []
        jobs = frames.jobs
        versions = versions_in_order(frames)
        present = set(jobs.get_column("status").cast(pl.String).drop_nulls().to_list())
        statuses = [s for s in STATUSES if s in present]
        first, last = jobs.select(pl.col("created_at").min().alias("first"), pl.col("created_at").max()).row(0)
        keys = frames.metadata.get_column("key").unique().sort().to_list()
        reviewers = jobs.get_column("reviewed_by").drop_nulls().unique().sort().to_list()

        wide = widgets.Layout(width="auto")
        self.versions = widgets.SelectMultiple(
            options=versions, value=tuple(versions), description="Versions", rows=min(max(len(versions), 2), 6)
        )
        self.statuses = widgets.SelectMultiple(
            options=statuses, value=tuple(statuses), description="Statuses", rows=min(max(len(statuses), 2), 7)
        )
        self.created_from = widgets.DatePicker(description="From (UTC)", value=None)
        self.created_to = widgets.DatePicker(description="To (UTC)", value=None)
        if first is not None:
            for picker in (self.created_from, self.created_to):
                picker.min, picker.max = first.date(), last.date()
        self.metadata_key = widgets.Dropdown(
            options=[("any", None), *((k, k) for k in keys)], value=None, description="Metadata"
        )
        self.metadata_value = widgets.Combobox(
            options=[], value="", placeholder="any value", description="equals", ensure_option=False,
            continuous_update=False, disabled=True,
        )  # fmt: skip
        self.reviewer = widgets.Dropdown(
            options=[("any (reviewed or not)", None), *((r, r) for r in reviewers)], value=None, description="Reviewer"
        )
        self.reset = widgets.Button(description="Reset filters", layout=wide)
        self.summary = widgets.HTML()
        for control in (self.versions, self.statuses, self.created_from, self.created_to, self.reviewer):
            control.observe(self._changed, names="value")
        self.metadata_key.observe(self._key_changed, names="value")
        self.metadata_value.observe(self._changed, names="value")
        self.reset.on_click(lambda _: self.clear())
        controls = widgets.HBox(
            [
                self.versions,
                self.statuses,
                widgets.VBox([self.created_from, self.created_to, self.reviewer]),
                widgets.VBox([self.metadata_key, self.metadata_value, self.reset]),
            ]
        )
        super().__init__(children=[controls, self.summary])
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
            "metadata": {key: value} if key is not None and value else None,
            "reviewers": None if self.reviewer.value is None else [self.reviewer.value],
        }

    def clear(self) -> None:
        """Every control back to "everything"."""
        self._muted = True
        try:
            self.versions.value = tuple(self.versions.options)
            self.statuses.value = tuple(self.statuses.options)
            self.created_from.value = None
            self.created_to.value = None
            self.metadata_key.value = None
            self.metadata_value.value = ""
            self.reviewer.value = None
        finally:
            self._muted = False
        self._apply()

    # -- views ---------------------------------------------------------------------------------------

    def register(self, render: Render, *, title: str | None = None) -> widgets.Output:
        """Add a view: ``render(frames)`` is shown below the controls and redrawn when they change.

        ``render`` takes the filtered `JobFrames` and returns anything Jupyter displays (a chart, a
        frame, a `Table`). An exception it raises is shown in its place.

        Returns:
            The `ipywidgets.Output` holding the view.
        """
        out = widgets.Output()
        self._views.append((out, render, title))
        self.children = (*self.children, out)
        _render_into(out, render, self._frames, title)
        return out

    @property
    def views(self) -> list[widgets.Output]:
        """The registered views' outputs, in order."""
        return [out for out, _, _ in self._views]

    def on_change(self, callback: Callable[[JobFrames], None]) -> None:
        """Call ``callback(frames)`` with the filtered frames after every change."""
        self._listeners.append(callback)

    # -- reacting ------------------------------------------------------------------------------------

    def _key_changed(self, change: dict[str, Any]) -> None:
        key = change["new"]
        self._muted = True
        try:
            self.metadata_value.value = ""
            self.metadata_value.options = self._metadata_values(key) if key is not None else []
            self.metadata_value.disabled = key is None
        finally:
            self._muted = False
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
        if not self._muted:
            self._apply()

    def _apply(self) -> None:
        try:
            frames = filter_frames(self._source, **self.filters)
        except InvalidArgumentError as exc:
            self.summary.value = f'<p style="color:#b00020">{html.escape(str(exc))}</p>'
            return
        self._frames = frames
        self.summary.value = f"<p><b>{frames.jobs.height:,}</b> of {self._source.jobs.height:,} jobs match</p>"
        for out, render, title in self._views:
            _render_into(out, render, frames, title)
        for callback in self._listeners:
            callback(frames)

    def _summary(self) -> str:
        active = {k: v for k, v in self.filters.items() if v is not None}
        described = "; ".join(f"{k}={v}" for k, v in active.items()) or "no filter"
        return (
            f"FilterPanel: {self._frames.jobs.height:,} of {self._source.jobs.height:,} jobs ({described}); "
            f"{len(self._views)} view(s)"
        )


def filter_panel(frames: JobFrames, *, views: Sequence[tuple[str, Render]] = ()) -> FilterPanel:
    """A `FilterPanel` on ``frames`` with the given ``(title, render)`` views registered.

    Examples:
        >>> import roe_analysis as ra
        >>> job = {"id": "00000000-0000-4000-8000-000000000001", "agent_version_name": "v1",
        ...        "status_code": 3, "created_at": "2026-05-01T10:00:00Z"}
        >>> frames = ra.JobFrames.from_records([job], agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> panel = filter_panel(frames, views=[("Jobs", lambda f: f.jobs.height)])
        >>> panel.statuses.value = ()
        >>> panel.frames.jobs.height, panel.views[0].outputs[1]["data"]["text/plain"]
        (0, '0')
    """
    panel = FilterPanel(frames)
    for title, render in views:
        panel.register(render, title=title)
    return panel
