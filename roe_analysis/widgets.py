"""Notebook widgets: a filter panel, a version A/B picker and a paged table of disagreements.

Widgets only wire controls to the library: `filter_frames` narrows the jobs, the analysis helpers
compute, the chart builders draw. Nothing here computes a statistic.

- `filter_panel` → `FilterPanel`: versions, statuses, a date range, a metadata key/value and a
  reviewer; ``panel.frames`` is the filtered `JobFrames`, and every view added with
  ``panel.register(render)`` is drawn again, in place, whenever a control changes.
- `version_picker` → `VersionPicker`: two versions and a metric, wired to `compare_versions` and
  `roe_analysis.charts.version_comparison`.
- `disagreement_table` → `DisagreementTable`: the reviews whose final verdict differs from the agent's
  (`review_outcomes`), or the jobs whose grader and human scores differ most (`score_disagreements`),
  one page at a time with the job's inputs beside them.

Job data is shown as text, never as markup: every value from a job that reaches HTML goes through
`html.escape` (`html_table` is the one place tables are written), so an input such as
``<script>alert(1)</script>`` reads as those characters.

Each widget also has a static rendering of its current state (`static_html`): its display bundle
carries it as ``text/html`` beside the live widget view, so a notebook read without a kernel (GitHub,
nbviewer) shows it and ``pytest --nbval`` compares it, while the widget view's random model id is
neither stored nor compared.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import ipywidgets as widgets
import polars as pl

from roe_analysis.analysis import compare_versions, score_disagreements, verdict_disagreements
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import STATUSES, JobFrames, filter_frames, ui_field, versions_in_order

#: Longest text shown in a table cell before it is cut with "…" (a job input can be 100 KB).
MAX_CHARS = 240
#: Most values offered for a metadata key (the most frequent ones); any other can still be typed.
MAX_METADATA_OPTIONS = 200

Render = Callable[[JobFrames], object]
Kind = Literal["verdict", "score"]

_NOTE = (
    '<p style="color:#666;font-size:90%"><i>Interactive widget: run the notebook to use its controls. '
    "Shown here: its current state.</i></p>"
)


# --------------------------------------------------------------------------------------------------
# Tables: the one place job data becomes HTML
# --------------------------------------------------------------------------------------------------


def _cell_text(value: object, max_chars: int) -> str:
    """A value as display text: numbers rounded for reading, long text cut."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, list | tuple):
        return ", ".join(_cell_text(v, max_chars) for v in value)
    text = str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def html_table(frame: pl.DataFrame, *, max_chars: int = MAX_CHARS, caption: str | None = None) -> str:
    """``frame`` as an HTML table in which every header and value is escaped text.

    Numbers are rounded for reading (4 significant digits, thousands as whole numbers), nulls show
    as "—" and text longer than ``max_chars`` is cut with "…".

    Examples:
        >>> import polars as pl
        >>> print(html_table(pl.DataFrame({"note": ["<script>alert(1)</script>"], "score": [0.91234]})))
        <table class="roe-table"><thead><tr><th>note</th><th>score</th></tr></thead><tbody><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>0.9123</td></tr></tbody></table>
    """  # noqa: E501
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell_text(v, max_chars))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="roe-table">{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@dataclass(frozen=True)
class Table:
    """An escaped HTML table a notebook displays as such (``text/html``), with a short text form.

    Attributes:
        frame: the rows shown.
        caption: the table's caption.
        max_chars: longest text shown per cell.
    """

    frame: pl.DataFrame
    caption: str | None = None
    max_chars: int = MAX_CHARS

    def _repr_html_(self) -> str:
        return html_table(self.frame, max_chars=self.max_chars, caption=self.caption)

    def __repr__(self) -> str:
        rows, columns = self.frame.shape
        return f"Table({self.caption or 'untitled'!r}: {rows} rows × {columns} columns)"


def _with_inputs(rows: pl.DataFrame, frames: JobFrames) -> pl.DataFrame:
    """``rows`` (with ``job_id``) plus ``inputs``: each input as ``key: value`` (files by file name), in order.

    Only the inputs of these rows are read, so a page of a million jobs costs a page.
    """
    shown = pl.coalesce(pl.col("file_name"), pl.col("value"), pl.lit(""))
    inputs = (
        frames.inputs.filter(pl.col("job_id").is_in(rows.get_column("job_id").implode()))
        .sort("job_id", "input_index")
        .group_by("job_id", maintain_order=True)
        .agg(pl.format("{}: {}", pl.col("key"), shown).str.join(" · ").alias("inputs"))
    )
    return rows.join(inputs, on="job_id", how="left", maintain_order="left")


def job_rows(frames: JobFrames, job_ids: Iterable[str] | None = None) -> pl.DataFrame:
    """One row per job with what a reader needs to judge it: inputs, the agent's verdict and rationale, the review.

    Columns: ``job_id``, ``agent_version_name``, ``status``, ``verdict`` and ``rationale`` (from
    ``ui_fields``), ``grader_score``, ``human_score``, ``review_status``, ``corrected_verdict``,
    ``reviewed_by``, ``review_comment`` and ``inputs`` (every input as ``key: value``). Jobs come in the
    order of ``job_ids`` (ids not in ``frames`` are left out), or in the frame's order.
    """
    jobs = frames.jobs
    if job_ids is not None:
        wanted = pl.DataFrame({"id": list(job_ids)}, schema={"id": pl.String})
        jobs = wanted.join(jobs, on="id", how="inner", maintain_order="left")
    rows = jobs.select(
        pl.col("id").alias("job_id"),
        "agent_version_name",
        pl.col("status").cast(pl.String),
        ui_field("verdict"),
        ui_field("rationale"),
        "grader_score",
        "human_score",
        pl.col("review_status").cast(pl.String),
        "corrected_verdict",
        "reviewed_by",
        "review_comment",
    )
    return _with_inputs(rows, frames)


def jobs_table(frames: JobFrames, job_ids: Iterable[str], *, caption: str | None = None) -> Table:
    """`job_rows` of some jobs as an escaped `Table`, for reading them in a notebook."""
    return Table(job_rows(frames, job_ids), caption=caption)


def disagreement_rows(frames: JobFrames, kind: Kind = "verdict") -> pl.DataFrame:
    """The disagreements a reader should look at, with each job's inputs.

    - ``"verdict"``: `verdict_disagreements` (reviews whose final verdict differs from the agent's,
      the agent's most confident verdicts first).
    - ``"score"``: jobs with both a grader and a human score, largest ``|grader - human|`` first
      (`score_disagreements`).
    """
    if kind == "verdict":
        rows = verdict_disagreements(frames)
    elif kind == "score":
        rows = score_disagreements(frames, n=frames.jobs.height).select(
            "job_id",
            "agent_version_name",
            "grader_score",
            "human_score",
            "difference",
            pl.col("review_status").cast(pl.String),
            "reviewed_by",
            "review_comment",
        )
    else:
        raise ValueError(f"kind must be 'verdict' or 'score'; got {kind!r}")
    return _with_inputs(rows, frames)


# --------------------------------------------------------------------------------------------------
# Rendering into widgets, and the static rendering of a widget
# --------------------------------------------------------------------------------------------------


def _bundle(obj: object) -> dict[str, Any]:
    """A display_data output for ``obj``, as Jupyter would format it (charts by the active renderer)."""
    data: dict[str, Any]
    metadata: dict[str, Any] = {}
    if hasattr(obj, "_repr_mimebundle_"):
        result = obj._repr_mimebundle_()
        data, metadata = result if isinstance(result, tuple) else (result, {})
        data = dict(data or {})
    elif hasattr(obj, "_repr_html_"):
        data = {"text/html": obj._repr_html_(), "text/plain": repr(obj)}
    else:
        data = {"text/plain": str(obj)}
    return {"output_type": "display_data", "data": data, "metadata": dict(metadata or {})}


def _html_output(markup: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"text/html": markup}, "metadata": {}}


def _message(text: str, *, tone: str = "#b00020") -> dict[str, Any]:
    return _html_output(f'<p style="color:{tone}">{html.escape(text)}</p>')


def _render_into(out: widgets.Output, render: Render, frames: JobFrames, title: str | None = None) -> None:
    """Replace ``out``'s content with ``render(frames)``: an error or a warning is shown, not raised."""
    shown: list[dict[str, Any]] = [_html_output(f"<h4>{html.escape(title)}</h4>")] if title else []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            shown.append(_bundle(render(frames)))
        # A view must not take the panel down: whatever went wrong is shown where the view would be.
        except Exception as exc:
            shown.append(_message(f"Cannot draw this view for the current filters: {type(exc).__name__}: {exc}"))
    shown.extend(_message(f"{w.category.__name__}: {w.message}", tone="#8a6d00") for w in caught)
    out.outputs = tuple(shown)


def _output_html(output: dict[str, Any]) -> str:
    data = output.get("data", {})
    if output.get("output_type") == "stream":
        return f"<pre>{html.escape(str(output.get('text', '')))}</pre>"
    if "image/svg+xml" in data:
        return str(data["image/svg+xml"])
    if "text/html" in data:
        return str(data["text/html"])
    if "image/png" in data:
        return f'<img src="data:image/png;base64,{data["image/png"]}">'
    if "text/plain" in data:
        return f"<pre>{html.escape(str(data['text/plain']))}</pre>"
    return ""


def _control_html(widget: Any) -> str:
    label = html.escape(widget.description or type(widget).__name__)
    if isinstance(widget, widgets.SelectMultiple):
        chosen = [str(o[0] if isinstance(o, tuple) else o) for o in widget.label] or ["(none)"]
        return f"<b>{label}</b>: {html.escape(', '.join(chosen))}"
    if isinstance(widget, widgets.DatePicker):
        return f"<b>{label}</b>: {html.escape(widget.value.isoformat() if widget.value else 'any')}"
    if isinstance(widget, widgets.Combobox | widgets.Text):
        return f"<b>{label}</b>: {html.escape(widget.value or widget.placeholder or '')}"
    return f"<b>{label}</b>: {html.escape(str(widget.label))}"


def static_html(widget: Any) -> str:
    """A static HTML rendering of a widget tree's current state: values, tables and charts.

    Boxes become blocks of their children, controls ``description: value``, HTML widgets their
    (already escaped) markup, outputs their content (an SVG chart, an HTML table, escaped text).
    Buttons and layout carry no state and are left out.
    """
    if isinstance(widget, widgets.HBox):
        return (
            '<div style="display:flex;gap:1.5em;flex-wrap:wrap">'
            + "".join(f"<div>{static_html(c)}</div>" for c in widget.children)
            + "</div>"
        )
    if isinstance(widget, widgets.Box):
        return "<div>" + "".join(static_html(c) for c in widget.children) + "</div>"
    if isinstance(widget, widgets.HTML | widgets.HTMLMath):
        return str(widget.value)
    if isinstance(widget, widgets.Label):
        return html.escape(widget.value)
    if isinstance(widget, widgets.Output):
        return "".join(_output_html(o) for o in widget.outputs)
    if isinstance(widget, widgets.Button):
        return ""
    if isinstance(widget, widgets.ValueWidget):
        return f"<div>{_control_html(widget)}</div>"
    return ""


class _StaticRepr:
    """Mixin: the display bundle adds a text summary and the static rendering to the widget view."""

    def _summary(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})  # type: ignore[misc]
        data["text/plain"] = self._summary()
        data["text/html"] = _NOTE + static_html(self)
        return data


# --------------------------------------------------------------------------------------------------
# The filter panel
# --------------------------------------------------------------------------------------------------


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
            raise TypeError(f"filter_panel needs JobFrames; got {type(frames).__name__}")
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


# --------------------------------------------------------------------------------------------------
# Comparing two versions
# --------------------------------------------------------------------------------------------------


class VersionPicker(_StaticRepr, widgets.VBox):
    """Pick versions A and B and a metric; see `compare_versions`' verdict, chart and numbers.

    Attributes:
        a: the baseline version.
        b: the version compared with it (the difference is ``b - a``).
        metric: what is compared.
        verdict: the comparison's verdict in words.
        chart: the `roe_analysis.charts.version_comparison` chart.
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
            raise TypeError(f"version_picker needs JobFrames or a FilterPanel; got {type(source).__name__}")
        self._frames = frames
        self._threshold = threshold
        self._confidence = confidence
        self._result: pl.DataFrame | None = None
        versions = versions_in_order(panel.source if panel is not None else frames)
        metrics = [
            ("grader score (mean)", "grader_score"),
            ("human score (mean)", "human_score"),
            ("duration (median ms)", "duration_ms"),
        ]
        if threshold is not None:
            metrics.append((f"pass rate (grader score ≥ {threshold:g})", "pass_rate"))
        if metric not in [m for _, m in metrics]:
            raise ValueError(f"metric must be one of {[m for _, m in metrics]}; got {metric!r}")
        default_a = a if a is not None else (versions[-2] if len(versions) > 1 else None)
        default_b = b if b is not None else (versions[-1] if versions else None)
        self.a = widgets.Dropdown(options=versions, value=default_a, description="A (baseline)")
        self.b = widgets.Dropdown(options=versions, value=default_b, description="B")
        self.metric = widgets.Dropdown(options=metrics, value=metric, description="Metric")
        self.verdict = widgets.HTML()
        self.chart = widgets.Output()
        self.numbers = widgets.HTML()
        for control in (self.a, self.b, self.metric):
            control.observe(lambda _: self._run_comparison(), names="value")
        super().__init__(children=[widgets.HBox([self.a, self.b, self.metric]), self.verdict, self.chart, self.numbers])
        if panel is not None:
            panel.on_change(self._follow)
        self._run_comparison()

    @property
    def comparison(self) -> pl.DataFrame | None:
        """The last `compare_versions` result, or None when there is nothing to compare."""
        return self._result

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._run_comparison()

    def _run_comparison(self) -> None:
        from roe_analysis.charts import version_comparison

        a, b, metric = self.a.value, self.b.value, self.metric.value
        self._result = None
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
        _render_into(self.chart, lambda _: version_comparison(result), self._frames)
        self.numbers.value = (
            html_table(
                result.select("n_a", "n_b", "paired", "estimate_a", "estimate_b", "difference", "diff_low", "diff_high")
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
        a: baseline version (default: the second newest).
        b: version to compare with it (default: the newest).
        metric: ``"grader_score"``, ``"human_score"``, ``"duration_ms"`` or ``"pass_rate"``.
        threshold: the grader score that passes; offers the ``pass_rate`` metric.
        confidence: level of the interval.
    """
    return VersionPicker(source, a=a, b=b, metric=metric, threshold=threshold, confidence=confidence)


# --------------------------------------------------------------------------------------------------
# Reading the disagreements
# --------------------------------------------------------------------------------------------------


class DisagreementTable(_StaticRepr, widgets.VBox):
    """Disagreements one page at a time: verdicts the reviewers changed, or scores far apart.

    Attributes:
        kind: ``"verdict"`` or ``"score"`` disagreements (see `disagreement_rows`).
        previous: go one page back.
        next: go one page on.
        position: which rows are shown.
        table: the page, as an escaped HTML table.
    """

    def __init__(self, source: JobFrames | FilterPanel, *, page_size: int = 10, max_chars: int = MAX_CHARS) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a whole number >= 1; got {page_size!r}")
        panel = source if isinstance(source, FilterPanel) else None
        frames = panel.frames if panel is not None else source
        if not isinstance(frames, JobFrames):
            raise TypeError(f"disagreement_table needs JobFrames or a FilterPanel; got {type(source).__name__}")
        self._frames = frames
        self._page_size = page_size
        self._max_chars = max_chars
        self._page = 0
        self._rows = pl.DataFrame()
        self.kind = widgets.ToggleButtons(
            options=[("Verdicts changed by reviewers", "verdict"), ("Grader vs human scores", "score")],
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
        """Every disagreement of the current kind (all pages)."""
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
        self.table.value = html_table(shown, max_chars=self._max_chars)

    def _follow(self, frames: JobFrames) -> None:
        self._frames = frames
        self._reload()

    def _reload(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._rows = disagreement_rows(self._frames, self.kind.value)
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


__all__ = [
    "DisagreementTable",
    "FilterPanel",
    "Table",
    "VersionPicker",
    "disagreement_rows",
    "disagreement_table",
    "filter_panel",
    "html_table",
    "job_rows",
    "jobs_table",
    "static_html",
    "version_picker",
]
