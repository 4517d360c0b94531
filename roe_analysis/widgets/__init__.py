"""Notebook widgets: a filter panel, a version picker, a cost–quality picker, a paged table of disagreements.

Widgets only wire controls to the library: `filter_frames` narrows the jobs, the analysis helpers
compute, the chart builders draw. Nothing here computes a statistic.

- `filter_panel` → `FilterPanel`: versions, statuses, a date range, a metadata key/value and a
  reviewer; ``panel.frames`` is the filtered `JobFrames`, and every view added with
  ``panel.register(render)`` is drawn again, in place, whenever a control changes.
- `version_picker` → `VersionPicker`: two versions and a metric, wired to `compare_versions` and
  `roe_analysis.charts.compare_versions`.
- `cost_quality_picker` → `CostQualityPicker`: a quality measure (grader score or human approval)
  and the versions to weigh, wired to `cost_quality` and `roe_analysis.charts.cost_quality`.
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

Modules: ``_tables`` (`html_table`, `Table`, the job rows), ``_static`` (rendering into widgets and
`static_html`), ``_filter_panel``, ``_version_picker``, ``_cost_quality`` and ``_disagreements``.
"""

from __future__ import annotations

from roe_analysis.widgets._cost_quality import CostQualityPicker, cost_quality_picker
from roe_analysis.widgets._disagreements import DisagreementTable, disagreement_table
from roe_analysis.widgets._filter_panel import FilterPanel, filter_panel
from roe_analysis.widgets._format import format_table
from roe_analysis.widgets._static import static_html
from roe_analysis.widgets._tables import Table, html_table, job_rows, jobs_table, table
from roe_analysis.widgets._version_picker import VersionPicker, version_picker

__all__ = [
    "CostQualityPicker",
    "DisagreementTable",
    "FilterPanel",
    "Table",
    "VersionPicker",
    "cost_quality_picker",
    "disagreement_table",
    "filter_panel",
    "format_table",
    "html_table",
    "job_rows",
    "jobs_table",
    "static_html",
    "table",
    "version_picker",
]
