"""Analysis helpers: pure functions from `JobFrames` (or a frame) to new Polars frames.

Four questions: how long jobs take and where the time goes (durations), how grader scores move
between agent versions (scores), whether human reviewers agree with the agent and the grader
(agreement), and what each version costs for the quality it gives (costs).

The rules every helper follows:

- **First argument.** ``frames``: the loaded `JobFrames`, or (where a helper says so) a frame
  instead, e.g. the ``jobs`` frame or the output of `job_durations` / `status_time` /
  `review_outcomes`, filtered as you like. A helper that reads one kind of table only names its
  argument for it (``table``, ``counts``, ``value_counts`` for the coefficients).
- **Grouping.** Every grouping helper takes ``by: By = "agent_version_name"``: one column, a
  sequence of columns, or ``None`` (or ``()``) for one overall row. So by default every result is
  per agent version; pass ``by=None`` for the overall figure.
- **Errors.** Bad input raises before any work, always a `roe_analysis.RoeError`: a frame lacking
  columns a `MissingColumnsError` (with the columns it has and the closest match), an argument of
  the wrong type an `ArgumentTypeError`, an unknown or out-of-range option an `InvalidArgumentError`
  saying what is allowed. They subclass ``ValueError`` (and ``TypeError`` for wrong types).

- **The unit.** The input is the unit of evidence, not the run: every interval and test clusters
  reruns of one input (``cluster=`` another column or metadata key), and each statistic's rows
  carry ``n``, ``n_inputs``, ``design_effect``, ``too_few`` and a ``note``; below `MIN_N` (10)
  inputs there is no interval, and a degenerate interval is null.

Modules, by layer of use:

- shared: ``_common`` (validation, grouping), ``_units`` (input ids, design effect, cluster
  bootstrap, ``MIN_N``), ``_slices`` (metadata keys as columns), ``_versions`` (the default pair
  of versions), ``_scales`` (score scales);
- statistics: ``_stats`` (Wilson, Newcombe, Holm, rank tests, bootstrap replicates),
  ``_score_intervals`` (clustered mean and pass-rate intervals), ``_quantiles`` (order-statistic
  and Woodruff quantile intervals, Kaplan–Meier median), ``_rank_tests``, ``_reliability``
  (kappa, AC1, PABAK, Fleiss), ``_alpha`` (Krippendorff's alpha), ``_labels`` (label domains,
  kappa/AC1 bounds for uncorrected rejections), ``_power`` (planning);
- durations: ``_job_durations``, ``_duration_summaries`` and ``_duration_intervals``, ``_volume``;
- scores and versions: ``_scores``, ``_comparison_data``, ``_comparison_stats``,
  ``_comparison_words`` (verdicts in words), ``_comparisons``, ``_rates``, ``_reruns``;
- agreement: ``_outcomes``, ``_agreement`` and ``_agreement_units``, ``_per_class``,
  ``_score_agreement``, ``_calibration``, ``_reviewers``, ``_items``, ``_inter_reviewer``,
  ``_intra_reviewer``;
- costs: ``_cost_data`` (each job's result: cost, tokens, missing), ``_costs`` (`cost_summary`,
  `version_labels`), ``_cost_quality`` (`cost_quality` and the Pareto front); the ratio interval
  is `_score_intervals.cluster_ratio_interval`.
"""

from __future__ import annotations

from roe_analysis.analysis._agreement import CONFUSION_STATS as CONFUSION_STATS
from roe_analysis.analysis._agreement import SUMMARY_STATS as SUMMARY_STATS
from roe_analysis.analysis._agreement import agreement_summary, confusion_matrix
from roe_analysis.analysis._alpha import krippendorff_alpha
from roe_analysis.analysis._calibration import calibration_curve, grader_calibration
from roe_analysis.analysis._common import DEFAULT_BY as DEFAULT_BY
from roe_analysis.analysis._common import By as By
from roe_analysis.analysis._common import require_columns as require_columns
from roe_analysis.analysis._comparisons import compare_all_versions, compare_versions
from roe_analysis.analysis._cost_data import RESULT_METRICS as RESULT_METRICS
from roe_analysis.analysis._cost_quality import COST_QUALITY_STATS as COST_QUALITY_STATS
from roe_analysis.analysis._cost_quality import cost_quality
from roe_analysis.analysis._costs import COST_SUMMARY_STATS as COST_SUMMARY_STATS
from roe_analysis.analysis._costs import LABEL_SEPARATOR as LABEL_SEPARATOR
from roe_analysis.analysis._costs import cost_summary, version_labels
from roe_analysis.analysis._duration_summaries import (
    duration_mismatches,
    duration_summary,
    duration_trend,
    run_durations,
    slowest_jobs,
)
from roe_analysis.analysis._failures import error_messages, failure_summary, failure_trend
from roe_analysis.analysis._inter_reviewer import inter_reviewer_agreement
from roe_analysis.analysis._intra_reviewer import intra_reviewer_agreement
from roe_analysis.analysis._job_durations import job_durations, status_time, status_time_summary
from roe_analysis.analysis._outcomes import OUTCOMES_SCHEMA as OUTCOMES_SCHEMA
from roe_analysis.analysis._outcomes import review_outcomes, verdict_disagreements
from roe_analysis.analysis._per_class import per_class_metrics
from roe_analysis.analysis._power import detectable_difference, sample_size, sample_size_for
from roe_analysis.analysis._rates import compare_rates, outcome_rates
from roe_analysis.analysis._reliability import (
    Estimate,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_nominal,
    pabak,
)
from roe_analysis.analysis._reruns import rerun_consistency
from roe_analysis.analysis._reviewers import reviewer_drift, reviewer_stats
from roe_analysis.analysis._scales import check_one_scale as check_one_scale
from roe_analysis.analysis._score_agreement import SCORE_COLUMNS as SCORE_COLUMNS
from roe_analysis.analysis._score_agreement import both_scores as both_scores
from roe_analysis.analysis._score_agreement import score_agreement, score_disagreements
from roe_analysis.analysis._scores import score_drift, score_summary, score_vs_duration
from roe_analysis.analysis._stats import wilson_interval as wilson_interval
from roe_analysis.analysis._units import MIN_N as MIN_N
from roe_analysis.analysis._versions import default_version_pair as default_version_pair
from roe_analysis.analysis._volume import job_volume
from roe_analysis.errors import (
    AgreementWarning,
    MissingColumnsError,
    PrevalenceSkewWarning,
    ScaleMismatchWarning,
    UndefinedCoefficientWarning,
)

#: What other layers (charts, report, widgets) use from here beyond `__all__`: import them from
#: ``roe_analysis.analysis``, not from its private modules.
FOR_OTHER_LAYERS = (
    "By",
    "CONFUSION_STATS",
    "COST_QUALITY_STATS",
    "COST_SUMMARY_STATS",
    "DEFAULT_BY",
    "LABEL_SEPARATOR",
    "MIN_N",
    "OUTCOMES_SCHEMA",
    "RESULT_METRICS",
    "SCORE_COLUMNS",
    "SUMMARY_STATS",
    "both_scores",
    "check_one_scale",
    "default_version_pair",
    "require_columns",
    "wilson_interval",
)

__all__: list[str] = [
    "AgreementWarning",
    "Estimate",
    "MissingColumnsError",
    "PrevalenceSkewWarning",
    "ScaleMismatchWarning",
    "UndefinedCoefficientWarning",
    "agreement_summary",
    "calibration_curve",
    "cohen_kappa",
    "compare_all_versions",
    "compare_rates",
    "compare_versions",
    "confusion_matrix",
    "cost_quality",
    "cost_summary",
    "detectable_difference",
    "duration_mismatches",
    "duration_summary",
    "duration_trend",
    "error_messages",
    "failure_summary",
    "failure_trend",
    "fleiss_kappa",
    "grader_calibration",
    "gwet_ac1",
    "inter_reviewer_agreement",
    "intra_reviewer_agreement",
    "job_durations",
    "job_volume",
    "krippendorff_alpha",
    "krippendorff_alpha_nominal",
    "outcome_rates",
    "pabak",
    "per_class_metrics",
    "rerun_consistency",
    "review_outcomes",
    "reviewer_drift",
    "reviewer_stats",
    "run_durations",
    "sample_size",
    "sample_size_for",
    "score_agreement",
    "score_disagreements",
    "score_drift",
    "score_summary",
    "score_vs_duration",
    "slowest_jobs",
    "status_time",
    "status_time_summary",
    "verdict_disagreements",
    "version_labels",
]
