"""The cost–quality picker: a quality measure and the versions to weigh, wired to `cost_quality` and its chart."""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence

import ipywidgets as widgets
import polars as pl

from roe_analysis.analysis import cost_quality, version_labels
from roe_analysis.charts import version_colours
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames, filter_frames, versions_in_order
from roe_analysis.widgets._filter_panel import FilterPanel
from roe_analysis.widgets._static import NO_JOBS, _render_into, _StaticRepr, notice_html
from roe_analysis.widgets._tables import html_table

#: The quality measures offered, as the dropdown reads them (`cost_quality`'s ``quality=``).
QUALITY_OPTIONS: tuple[tuple[str, str], ...] = (
    ("grader score (mean)", "grader_score"),
    ("human approval rate", "approval"),
)

#: What each measure counts (``n_quality`` is shown under this name) and what its quality is.
_MEASURES: dict[str, tuple[str, str]] = {
    "grader_score": ("n_scored", "mean grader score over the scored jobs"),
    "approval": ("n_reviewed", "share of completed reviews that approved"),
}

#: The columns of the numbers table (intervals merge into their estimate; ``n_quality`` renamed).
NUMBER_COLUMNS = [
    "agent_version_name",
    "n_with_cost",
    "mean_cost",
    "mean_cost_low",
    "mean_cost_high",
    "n_quality",
    "quality",
    "quality_low",
    "quality_high",
    "pareto",
    "pareto_uncertain",
]


def _names(result: pl.DataFrame, condition: pl.Expr) -> str:
    return ", ".join(result.filter(condition).get_column("agent_version_name").to_list()) or "none"


class CostQualityPicker(_StaticRepr, widgets.VBox):
    """Pick a quality measure and the versions to weigh; see their cost against that quality.

    The chart is `roe_analysis.charts.cost_quality` of `cost_quality` over the picked versions only,
    so the Pareto front is the front among them; versions keep their colours and model labels
    (`version_labels`) of the whole data.

    Attributes:
        quality: the quality measure (``"grader_score"`` or ``"approval"``).
        versions: the versions drawn (at least one).
        front: which versions are on the Pareto front, in words.
        chart: the `roe_analysis.charts.cost_quality` chart.
        numbers: cost and quality of each version, with intervals, as a table.
    """

    def __init__(
        self,
        source: JobFrames | FilterPanel,
        *,
        quality: str = "grader_score",
        versions: Sequence[str] | None = None,
        confidence: float = 0.95,
    ) -> None:
        panel = source if isinstance(source, FilterPanel) else None
        frames = panel.frames if panel is not None else source
        if not isinstance(frames, JobFrames):
            raise ArgumentTypeError(
                f"cost_quality_picker needs JobFrames (from a load) or a FilterPanel; got {type(source).__name__}"
            )
        measures = [value for _, value in QUALITY_OPTIONS]
        if quality not in measures:
            raise InvalidArgumentError(f"quality must be one of {measures}; got {quality!r}")
        full = panel.source if panel is not None else frames
        options = versions_in_order(full)
        picked = list(options) if versions is None else list(versions)
        unknown = [v for v in picked if v not in options]
        if unknown or not picked:
            raise InvalidArgumentError(f"versions must be some of {options}; got {picked!r}")
        self._frames = frames
        self._confidence = confidence
        self._result: pl.DataFrame | None = None
        self._front_text = ""
        self._error: str | None = panel.error if panel is not None else None
        # Colours and labels of the whole data, so a version looks the same whatever is picked.
        self._colours = version_colours(full)
        self._labels = version_labels(full)
        label = {"description_width": "6em"}
        self.quality = widgets.Dropdown(
            options=list(QUALITY_OPTIONS), value=quality, description="Quality", style=label
        )
        self.versions = widgets.SelectMultiple(
            options=options, value=tuple(picked), description="Versions", rows=min(len(options), 6), style=label
        )
        self.quality.layout = widgets.Layout(width="20em", max_width="100%")
        self.versions.layout = widgets.Layout(width="20em", max_width="100%")
        self.front = widgets.HTML()
        self.chart = widgets.Output(layout=widgets.Layout(max_width="100%", overflow="auto"))
        self.numbers = widgets.HTML()
        for control in (self.quality, self.versions):
            control.observe(lambda _: self._run(), names="value")
        controls = widgets.HBox([self.quality, self.versions], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(
            children=[controls, self.front, self.chart, self.numbers],
            layout=widgets.Layout(width="100%", max_width="100%"),
        )
        if panel is not None:
            panel.on_change(self._follow, on_error=self._stale)
        self._run()

    @property
    def result(self) -> pl.DataFrame | None:
        """The last `cost_quality` frame, or None when nothing is drawn."""
        return self._result

    @property
    def error(self) -> str | None:
        """The panel's error while its filters are invalid (nothing is drawn then), else None."""
        return self._error

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._error = None
        self._run()

    def _stale(self, message: str) -> None:
        self._error = message
        self._run()

    def _clear(self, notice: str) -> None:
        self.front.value = notice
        self.chart.outputs, self.numbers.value = (), ""

    def _run(self) -> None:
        from roe_analysis.charts import cost_quality as cost_quality_chart

        self._result = None
        picked = list(self.versions.value)
        blocked = self._error if self._error is not None else NO_JOBS if self._frames.jobs.height == 0 else None
        if blocked is not None:
            self._clear(notice_html(blocked, error=self._error is not None))
            return
        if not picked:
            self._clear("<p>Pick at least one version.</p>")
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the notes and the hollow dots say when there is too little data
                result = cost_quality(
                    filter_frames(self._frames, versions=picked),
                    quality=self.quality.value,
                    confidence=self._confidence,
                )
        except (ValueError, TypeError) as exc:
            self._clear(f'<p style="color:#b00020">{html.escape(str(exc))}</p>')
            return
        if result.height == 0:
            self._clear(notice_html(NO_JOBS))
            return
        self._result = result
        on = _names(result, pl.col("pareto").fill_null(False))
        unsure = _names(result, pl.col("pareto").is_not_null() & pl.col("pareto_uncertain").fill_null(True))
        self._front_text = f"on the Pareto front: {on}; the intervals do not settle it for: {unsure}"
        self.front.value = (
            f"<p><b>On the Pareto front: {html.escape(on)}</b>; "
            f"the intervals do not settle it for: {html.escape(unsure)}.</p>"
        )
        labels, colours = self._labels, self._colours
        _render_into(self.chart, lambda _: cost_quality_chart(result, colours=colours, labels=labels), self._frames)
        count, words = _MEASURES[self.quality.value]
        self.numbers.value = html_table(
            result.rename({"n_quality": count}),
            columns=[count if c == "n_quality" else c for c in NUMBER_COLUMNS],
            caption=f"Quality: {words}",
            confidence=self._confidence,
        )

    def _summary(self) -> str:
        shown = ", ".join(self.versions.value) or "no version"
        front = self._front_text if self._result is not None else "nothing drawn"
        return f"CostQualityPicker: {self.quality.value} for {shown}: {front}"


def cost_quality_picker(
    source: JobFrames | FilterPanel,
    *,
    quality: str = "grader_score",
    versions: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> CostQualityPicker:
    """A `CostQualityPicker` on ``source``; given a `FilterPanel`, it weighs the filtered jobs and follows the panel.

    Args:
        source: the jobs with their results (``conn.load(costs=True)``), or a panel over them.
        quality: the measure shown first: ``"grader_score"`` or ``"approval"``.
        versions: the versions shown first (default: every version of the jobs).
        confidence: level of the intervals.

    Raises:
        InvalidArgumentError: an unknown ``quality``, or ``versions`` the jobs do not have.
    """
    return CostQualityPicker(source, quality=quality, versions=versions, confidence=confidence)
