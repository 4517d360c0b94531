"""The version picker: two versions and a metric, wired to `compare_versions` and its chart."""

from __future__ import annotations

import html
import warnings

import ipywidgets as widgets
import polars as pl

from roe_analysis.analysis import compare_versions, default_version_pair
from roe_analysis.charts import version_colours
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames, versions_in_order
from roe_analysis.widgets._filter_panel import FilterPanel
from roe_analysis.widgets._static import NO_JOBS, _render_into, _StaticRepr, notice_html
from roe_analysis.widgets._tables import html_table

#: The comparison's columns the numbers table shows.
_NUMBERS = ["n_a", "n_b", "paired", "estimate_a", "estimate_b", "difference", "diff_low", "diff_high"]


class VersionPicker(_StaticRepr, widgets.VBox):
    """Pick versions A and B and a metric; see `compare_versions`' verdict, chart and numbers.

    The metrics are the grader and human scores, the duration, the pass rate (with a
    ``threshold``) and, when the jobs were loaded with their results, the cost and tokens per job.

    By default A and B are the two newest versions with at least `MIN_N` (10) jobs
    (`default_version_pair`): a canary of a few jobs is too small to tell, so it is not compared by default
    (it can still be picked); when fewer than two versions have 10 jobs, the two newest are compared.

    Attributes:
        a: the baseline version.
        b: the version compared with it (the difference is ``b - a``).
        metric: what is compared.
        verdict: the comparison's verdict in words.
        chart: the `roe_analysis.charts.compare_versions` chart.
        numbers: the comparison's numbers as a table.
    """

    def __init__(
        self,
        source: JobFrames | FilterPanel,
        *,
        a: str | None = None,
        b: str | None = None,
        metric: str = "grader_score",
        threshold: float | None = None,
        confidence: float = 0.95,
    ) -> None:
        panel = source if isinstance(source, FilterPanel) else None
        frames = panel.frames if panel is not None else source
        if not isinstance(frames, JobFrames):
            raise ArgumentTypeError(
                f"version_picker needs JobFrames (from a load) or a FilterPanel; got {type(source).__name__}"
            )
        self._frames = frames
        self._threshold = threshold
        self._confidence = confidence
        self._result: pl.DataFrame | None = None
        self._error: str | None = panel.error if panel is not None else None
        versions = versions_in_order(panel.source if panel is not None else frames)
        metrics = [
            ("grader score (mean)", "grader_score"),
            ("human score (mean)", "human_score"),
            ("duration (median ms)", "duration_ms"),
        ]
        if threshold is not None:
            metrics.append((f"pass rate (grader score ≥ {threshold:g})", "pass_rate"))
        full = panel.source if panel is not None else frames
        if full.results.height:  # loaded with their results: cost and tokens compare too
            metrics += [
                ("cost (mean USD per job)", "cost"),
                ("input tokens (mean per job)", "input_tokens"),
                ("output tokens (mean per job)", "output_tokens"),
            ]
        if metric not in [m for _, m in metrics]:
            hint = " (pass threshold= to offer pass_rate)" if metric == "pass_rate" else ""
            if metric in ("cost", "input_tokens", "output_tokens"):
                hint = " (load the jobs with their results, conn.load(costs=True), to offer it)"
            raise InvalidArgumentError(f"metric must be one of {[m for _, m in metrics]}; got {metric!r}{hint}")
        pair = default_version_pair(full, versions)
        # Colours of the whole data, so a version keeps its colour whatever the filter shows.
        self._colours = version_colours(full)
        default_a = a if a is not None else pair[0]
        default_b = b if b is not None else pair[1]
        label = {"description_width": "6em"}
        self.a = widgets.Dropdown(options=versions, value=default_a, description="A (baseline)", style=label)
        self.b = widgets.Dropdown(options=versions, value=default_b, description="B", style=label)
        self.metric = widgets.Dropdown(options=metrics, value=metric, description="Metric", style=label)
        for control, width in ((self.a, "16em"), (self.b, "16em"), (self.metric, "24em")):
            control.layout = widgets.Layout(width=width, max_width="100%")
        self.verdict = widgets.HTML()
        self.chart = widgets.Output(layout=widgets.Layout(max_width="100%", overflow="auto"))
        self.numbers = widgets.HTML()
        for control in (self.a, self.b, self.metric):
            control.observe(lambda _: self._run_comparison(), names="value")
        controls = widgets.HBox([self.a, self.b, self.metric], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(
            children=[controls, self.verdict, self.chart, self.numbers],
            layout=widgets.Layout(width="100%", max_width="100%"),
        )
        if panel is not None:
            panel.on_change(self._follow, on_error=self._stale)
        self._run_comparison()

    @property
    def comparison(self) -> pl.DataFrame | None:
        """The last `compare_versions` result, or None when there is nothing to compare."""
        return self._result

    @property
    def error(self) -> str | None:
        """The panel's error while its filters are invalid (nothing is compared then), else None."""
        return self._error

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._error = None
        self._run_comparison()

    def _stale(self, message: str) -> None:
        self._error = message
        self._run_comparison()

    def _run_comparison(self) -> None:
        from roe_analysis.charts import compare_versions as comparison_chart

        a, b, metric = self.a.value, self.b.value, self.metric.value
        self._result = None
        blocked = self._error if self._error is not None else NO_JOBS if self._frames.jobs.height == 0 else None
        if blocked is not None:
            self.verdict.value = notice_html(blocked, error=self._error is not None)
            self.chart.outputs, self.numbers.value = (), ""
            return
        if a is None or b is None or a == b:
            self.verdict.value = "<p>Pick two different versions.</p>"
            self.chart.outputs, self.numbers.value = (), ""
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the verdict already says when there is too little data
                threshold = self._threshold if metric == "pass_rate" else None
                result = compare_versions(
                    self._frames, a, b, metric=metric, threshold=threshold, confidence=self._confidence
                )
        except (ValueError, TypeError) as exc:
            self.verdict.value = f'<p style="color:#b00020">{html.escape(str(exc))}</p>'
            self.chart.outputs, self.numbers.value = (), ""
            return
        self._result = result
        self.verdict.value = f"<p><b>{html.escape(str(result.item(0, 'verdict')))}</b></p>"
        _render_into(self.chart, lambda _: comparison_chart(result, colours=self._colours), self._frames)
        self.numbers.value = (
            # The metric column, selected but not shown, sets the unit of the estimates (a cost in $).
            html_table(
                result.select("metric", *_NUMBERS),
                columns=_NUMBERS,
            )
            + f"<p><small>{html.escape(str(result.item(0, 'method')))}</small></p>"
        )

    def _summary(self) -> str:
        verdict = self._result.item(0, "verdict") if self._result is not None else "nothing compared"
        return f"VersionPicker: {self.a.value} → {self.b.value}, {self.metric.value}: {verdict}"


def version_picker(
    source: JobFrames | FilterPanel,
    *,
    a: str | None = None,
    b: str | None = None,
    metric: str = "grader_score",
    threshold: float | None = None,
    confidence: float = 0.95,
) -> VersionPicker:
    """A `VersionPicker` on ``source``; given a `FilterPanel`, it compares the filtered jobs and follows the panel.

    Args:
        source: the jobs, or a panel whose filtered jobs to compare.
        a: baseline version (default: the second newest with at least 10 jobs, see `default_version_pair`).
        b: version to compare with it (default: the newest with at least 10 jobs; when fewer than
            two versions have 10 jobs, the two newest versions are the defaults).
        metric: ``"grader_score"``, ``"human_score"``, ``"duration_ms"`` or ``"pass_rate"``; with
            results loaded (``conn.load(costs=True)``) also ``"cost"``, ``"input_tokens"`` and
            ``"output_tokens"``.
        threshold: the grader score that passes; offers the ``pass_rate`` metric.
        confidence: level of the interval.
    """
    return VersionPicker(source, a=a, b=b, metric=metric, threshold=threshold, confidence=confidence)
