"""The last section: the helpers' warnings as notes, and how every interval and test was computed."""

from __future__ import annotations

from roe_analysis.report._analyses import Analyses
from roe_analysis.report._markup import _e

_METHOD = (
    "Intervals are 95% confidence intervals: percentile bootstrap (2,000 seeded resamples) for duration "
    "quantiles, mean scores and differences; Wilson for rates; Newcombe for differences of pass rates; "
    "asymptotic standard errors for Cohen's kappa and Gwet's AC1; PABAK from the Wilson interval of the "
    "agreement rate; items resampled for Krippendorff's alpha. Version comparisons use Mann–Whitney U "
    "(or Wilcoxon signed-rank when both versions ran the same inputs), with Holm's adjustment across "
    "the comparisons. Durations are recomputed from status events by the API's rule; running jobs have "
    "no duration yet and are counted, not measured; jobs answered from cache (0 ms by that rule) are left "
    "out of duration statistics. The success rate is the share of finished jobs that "
    "delivered a result: SUCCESS, or CACHED (served from cache); FAILURE, CANCELLED and unknown statuses "
    "count as finished without one."
)


def _notes(a: Analyses) -> str:
    out = ['<section id="notes"><h2>Notes and method</h2>']
    if a.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in a.notes) + "</ul>")
    out.append(f"<p>{_e(_METHOD)}</p>")
    return "".join([*out, "</section>"])
