"""Rendering into widgets, and the static rendering of a widget's current state (`static_html`).

Each widget's display bundle carries `static_html` as ``text/html`` beside the live widget view,
so a notebook read without a kernel (GitHub, nbviewer) shows it and ``pytest --nbval`` compares it.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from roe_analysis.frames import JobFrames

Render = Callable[[JobFrames], object]

_NOTE = (
    '<p style="color:#666;font-size:90%"><i>Interactive widget: run the notebook to use its controls. '
    "Shown here: its current state.</i></p>"
)


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


#: Classes that make MathJax (JupyterLab's, nbconvert's) leave an output's text alone. Jupyter
#: typesets ``$…$`` in HTML outputs as math, so "$0.0005 ($0.0004–$0.0006)" would lose its dollars
#: and a job input holding two dollar signs would turn into a formula: amounts and job text are text.
NO_MATH = "tex2jax_ignore mathjax_ignore"

#: What a view shows, instead of being drawn, when the filters match no job.
NO_JOBS = "No jobs match these filters. Widen them, or press Clear filters."


def notice_html(text: str, *, error: bool = False) -> str:
    """``text`` as the one element a view shows instead of its content (class ``roe-message``).

    A browser test reads the text of ``.roe-message`` elements, so the text starts with a fixed
    opening ("No jobs match these filters", "Not redrawn:").

    Examples:
        >>> print(notice_html("No jobs match <these> filters."))
        <p class="roe-message" style="color:#555;font-style:italic;margin:0.5em 0">No jobs match &lt;these&gt; filters.</p>
    """  # noqa: E501
    style = "color:#b00020;font-weight:bold" if error else "color:#555;font-style:italic"
    return f'<p class="roe-message" style="{style};margin:0.5em 0">{html.escape(text)}</p>'


def _notice_into(out: widgets.Output, text: str, title: str | None = None, *, error: bool = False) -> None:
    """Replace ``out``'s content with ``text`` (under its title), drawing nothing."""
    shown = [_html_output(f"<h4>{html.escape(title)}</h4>")] if title else []
    out.outputs = (*shown, _html_output(notice_html(text, error=error)))


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
        data["text/html"] = f'<div class="{NO_MATH}">{_NOTE}{static_html(self)}</div>'
        return data
