"""Altair chart builders: each takes a helper's output frame and returns an `alt.Chart`.

Charts only draw: they never fetch data or compute statistics beyond the aggregation needed to
keep the chart small.
"""

from __future__ import annotations

# --- durations and scores charts ---
# --- end durations and scores charts ---

# --- agreement charts ---
# --- end agreement charts ---

__all__: list[str] = []
