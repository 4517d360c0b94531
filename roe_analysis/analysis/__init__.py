"""Analysis helpers: pure functions from `JobFrames` (or a frame) to new Polars frames.

Three questions: how long jobs take and where the time goes (durations), how grader scores move
between agent versions (scores), and whether human reviewers agree with the agent and the grader
(agreement).
"""

from __future__ import annotations

# --- durations and scores (block owned by the durations/scores engineer) ---
from roe_analysis.analysis._durations import (
    duration_mismatches,
    duration_summary,
    duration_trend,
    job_durations,
    slowest_jobs,
    status_time,
    status_time_summary,
)
from roe_analysis.analysis._scores import (
    compare_all_versions,
    compare_versions,
    score_drift,
    score_summary,
    score_vs_duration,
)
from roe_analysis.analysis._volume import job_volume

# --- end durations and scores ---

# --- agreement (block owned by the agreement engineer) ---
# isort: split
from roe_analysis.analysis._agreement import (
    agreement_summary,
    confusion_matrix,
    per_class_metrics,
    review_outcomes,
    verdict_disagreements,
)
from roe_analysis.analysis._reliability import (
    Estimate,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_nominal,
    pabak,
)
from roe_analysis.analysis._reviewers import (
    inter_reviewer_agreement,
    reviewer_drift,
    reviewer_stats,
    score_agreement,
    score_disagreements,
)

# --- end agreement ---
from roe_analysis.errors import (
    AgreementWarning,
    MissingColumnsError,
    PrevalenceSkewWarning,
    ScaleMismatchWarning,
    UndefinedCoefficientWarning,
)

__all__: list[str] = [
    "AgreementWarning",
    "Estimate",
    "MissingColumnsError",
    "PrevalenceSkewWarning",
    "ScaleMismatchWarning",
    "UndefinedCoefficientWarning",
    "agreement_summary",
    "cohen_kappa",
    "compare_all_versions",
    "compare_versions",
    "confusion_matrix",
    "duration_mismatches",
    "duration_summary",
    "duration_trend",
    "fleiss_kappa",
    "gwet_ac1",
    "inter_reviewer_agreement",
    "job_durations",
    "job_volume",
    "krippendorff_alpha_nominal",
    "pabak",
    "per_class_metrics",
    "review_outcomes",
    "reviewer_drift",
    "reviewer_stats",
    "score_agreement",
    "score_disagreements",
    "score_drift",
    "score_summary",
    "score_vs_duration",
    "slowest_jobs",
    "status_time",
    "status_time_summary",
    "verdict_disagreements",
]
