"""The evaluation report: key figures, and one self-contained HTML file with every chart.

- `key_figures` returns the headline numbers (the agent's name, jobs, window, freshness, success
  rate, p50/p90 duration, mean grader score per version, version verdicts, cost per version and
  the cost–quality front when results were loaded, reviewer agreement, inter-reviewer alpha) as a
  JSON-ready dict; `key_figures_text` turns them into the dozen lines the demo prints.
- `build_report` returns the report as an HTML string, titled with the agent's name and each
  version shown with its model when versions were loaded; `write_report` writes it atomically.

Nothing here computes a statistic of its own: the numbers are the outputs of the helpers in
`roe_analysis.analysis` and the charts those of `roe_analysis.charts`, rendered to SVG offline by
vl-convert. The report needs no network and no JavaScript, and escapes every value from the jobs.

Examples:
    >>> import roe_analysis as ra
    >>> from roe_analysis.report import key_figures, key_figures_text
    >>> print(key_figures_text(key_figures(ra.JobFrames.empty())))
    agent:       —
    jobs:        0
    data:        unknown (built from records); roe-analysis 0.1.0
"""

from __future__ import annotations

from roe_analysis.report._figures import key_figures, key_figures_text
from roe_analysis.report._render import build_report, write_report

__all__ = ["build_report", "key_figures", "key_figures_text", "write_report"]
