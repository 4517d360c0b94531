"""The last section: the helpers' warnings as notes, and how every interval and test was computed."""

from __future__ import annotations

from roe_analysis.report._analyses import Analyses
from roe_analysis.report._markup import _e

_METHOD = (
    "The input, not the run, is the unit of evidence: reruns of one input are not independent, so "
    "scores and comparisons are computed on per-input values and resample whole inputs. Intervals are "
    "95% confidence intervals: distribution-free order-statistic intervals for duration quantiles "
    "(\u2265 x where there are too few runs for an upper bound); a cluster bootstrap over inputs for "
    "mean scores and mean differences; Wilson for rates (at the effective number of inputs for pass "
    "rates); Newcombe for differences of pass rates; asymptotic standard errors for Cohen's kappa and "
    "Gwet's AC1, or their exact bounds where rejections without a corrected verdict leave the "
    "reviewer's label unknown; PABAK from the Wilson interval of the agreement rate; items resampled "
    "for Krippendorff's alpha, one value per reviewer and item. Below 10 inputs a figure says \"too few "
    "to tell\" and has no interval. Version comparisons use Welch's t-test on per-input means (scores) "
    "or Mann\u2013Whitney U on per-input medians (durations; exact for small samples), paired tests "
    "when both versions ran the same inputs, with Holm's adjustment of p-values and intervals across "
    "the comparisons that have enough inputs. Durations are recomputed from status events by the API's "
    "rule; running jobs have no duration yet and are counted, not measured; jobs answered from cache "
    "(0 ms by that rule) are not runs and are left out of duration statistics, and duration comparisons "
    "use SUCCESS runs only. The success rate is the share of finished jobs that delivered a result: "
    "SUCCESS, or CACHED (served from cache); FAILURE, CANCELLED and unknown statuses count as finished "
    "without one. Failure and cancellation rates are shares of finished jobs (SUCCESS, FAILURE, "
    "CANCELLED or CACHED) with Wilson intervals at the effective number of inputs; the headline "
    "sets two versions' failure rates side by side without claiming a difference, since none is tested."
)


_COST_METHOD = (
    "Costs are in US dollars as the results endpoint reports them, one result per job; a job without a "
    "result, or a result without a cost, is left out of every cost figure (never counted as free) and "
    "the notes under the cost table say how many. Mean, p50 and p95 cost per job are over the jobs with a cost, "
    "failures and cache hits included; cost per successful job and per approved verdict are the "
    "version's total cost over its SUCCESS jobs and over its approved reviews. Their intervals resample "
    "whole inputs: a cluster bootstrap for means and for those ratios (the ratio of the drawn inputs' "
    "totals), Woodruff's clustered order-statistic interval for p50 and p95. Cost comparisons take the "
    "difference in mean cost per job over every job with a cost, with a cluster bootstrap interval and "
    "Welch's t-test on per-input means (the paired t-test when both versions ran the same inputs), "
    "Holm-adjusted like the others. "
    "The Pareto front is read on the point estimates of mean cost and quality (mean grader score, or "
    "the share of completed reviews that approved, with Wilson's interval at the effective number of "
    "inputs); a membership is settled when the 95% intervals are apart, which is a reading of the "
    "intervals, not a test."
)


def _notes(a: Analyses) -> str:
    out = ['<section id="notes"><h2>Notes and method</h2>']
    if a.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in a.notes) + "</ul>")
    out.append(f"<p>{_e(_METHOD)}</p>")
    if a.costs is not None and a.frames.jobs.height:
        out.append(f"<p>{_e(_COST_METHOD)}</p>")
    return "".join([*out, "</section>"])
