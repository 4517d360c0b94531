"""Altair chart builders: each takes a helper's output frame and returns an `alt.Chart`.

Charts only draw: they never fetch data or compute statistics beyond the aggregation needed to
keep the chart small.
"""

from __future__ import annotations

# --- durations and scores charts ---
from roe_analysis.charts._durations import (
    duration_distribution,
    duration_ecdf,
    duration_trend,
    status_time_breakdown,
)
from roe_analysis.charts._scores import score_distribution, version_comparison
from roe_analysis.charts._volume import volume_chart

# --- end durations and scores charts ---

# --- agreement charts ---
# isort: split
from roe_analysis.charts._agreement import (
    agreement_intervals,
    confusion_heatmap,
    grader_vs_human,
    reviewer_bars,
)

# --- end agreement charts ---

__all__: list[str] = [
    "agreement_intervals",
    "confusion_heatmap",
    "duration_distribution",
    "duration_ecdf",
    "duration_trend",
    "grader_vs_human",
    "reviewer_bars",
    "score_distribution",
    "status_time_breakdown",
    "version_comparison",
    "volume_chart",
]
