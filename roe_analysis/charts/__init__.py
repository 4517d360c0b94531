"""Altair chart builders: each takes a helper's output frame and returns an `alt.Chart`.

Each chart is named after the helper of `roe_analysis.analysis` whose output it draws, so
``ra.charts.score_summary(ra.score_summary(frames))`` reads as what it is. Two draw the output of
`ra.job_durations`: `job_durations_histogram` and `job_durations_ecdf`. `grader_vs_human` draws the
jobs frame itself and keeps its own name.

Versions keep one colour in every chart: build the mapping once with
``colours = ra.charts.version_colours(frames)`` (versions in order of first appearance, the palette
`VERSION_COLOURS`, grey past it) and pass ``colours=colours`` to each chart that colours by
version; without it a chart colours the versions it draws in sorted order. Statuses and agreement
coefficients have palettes of their own that share no colour with it (`PALETTES`). A frame without
rows (a filter matched nothing) draws an empty chart titled "No jobs match: nothing to draw".

The cost charts (`cost_summary`, `cost_quality`) also take ``labels=``: the frame
``ra.version_labels(frames)`` returns (or a mapping of name to label), so legends and axes read
"v2.0 · gpt-4.1" while the data, and the colours, stay keyed by the version's name.

Charts only draw: they never fetch data or compute statistics beyond the aggregation needed to
keep the chart small. Each checks its input first: a frame lacking columns raises
`roe_analysis.errors.MissingColumnsError`, anything but a Polars DataFrame an `ArgumentTypeError`,
an unknown option an `InvalidArgumentError` saying what is allowed (all `RoeError` subclasses).

The names the charts had before they were named after the helpers still work, each the same
function under its old name (``charts.volume_chart is charts.job_volume``):

============================  ==================================================
old name                      chart
============================  ==================================================
``volume_chart``              `job_volume`
``score_distribution``        `score_summary`
``version_comparison``        `compare_versions`
``status_time_breakdown``     `status_time_summary`
``agreement_intervals``       `agreement_summary`
``confusion_heatmap``         `confusion_matrix`
``reviewer_bars``             `reviewer_stats`
``duration_ecdf``             `job_durations_ecdf`
``duration_distribution``     `job_durations_histogram` (it no longer takes ``kind=``:
                              draw the ECDF with `job_durations_ecdf`)
============================  ==================================================
"""

from __future__ import annotations

from roe_analysis.charts._agreement import agreement_summary, confusion_matrix, grader_vs_human, reviewer_stats
from roe_analysis.charts._costs import cost_quality, cost_summary
from roe_analysis.charts._durations import (
    duration_trend,
    job_durations_ecdf,
    job_durations_histogram,
    status_time_summary,
)
from roe_analysis.charts._failures import failure_rate_chart, failure_trend_chart
from roe_analysis.charts._fonts import SVG_FONT_FAMILY, with_chart_fonts
from roe_analysis.charts._palette import (
    COEFFICIENT_COLOURS,
    EXTRA_VERSION_COLOUR,
    PALETTES,
    STATUS_COLOURS,
    VERSION_COLOURS,
    version_colours,
    version_order,
    version_scale,
)
from roe_analysis.charts._scores import compare_versions, score_summary
from roe_analysis.charts._volume import job_volume

# The old names (see the table above): the same functions, for code written before the renaming.
volume_chart = job_volume
score_distribution = score_summary
version_comparison = compare_versions
status_time_breakdown = status_time_summary
agreement_intervals = agreement_summary
confusion_heatmap = confusion_matrix
reviewer_bars = reviewer_stats
duration_ecdf = job_durations_ecdf
duration_distribution = job_durations_histogram

__all__: list[str] = [
    # the palettes
    "COEFFICIENT_COLOURS",
    "EXTRA_VERSION_COLOUR",
    "PALETTES",
    "STATUS_COLOURS",
    "VERSION_COLOURS",
    "version_colours",
    "version_order",
    "version_scale",
    # static SVG text
    "SVG_FONT_FAMILY",
    "with_chart_fonts",
    # the charts
    "agreement_summary",
    "compare_versions",
    "confusion_matrix",
    "cost_quality",
    "cost_summary",
    "duration_trend",
    "failure_rate_chart",
    "failure_trend_chart",
    "grader_vs_human",
    "job_durations_ecdf",
    "job_durations_histogram",
    "job_volume",
    "reviewer_stats",
    "score_summary",
    "status_time_summary",
    # the old names
    "agreement_intervals",
    "confusion_heatmap",
    "duration_distribution",
    "duration_ecdf",
    "reviewer_bars",
    "score_distribution",
    "status_time_breakdown",
    "version_comparison",
    "volume_chart",
]
