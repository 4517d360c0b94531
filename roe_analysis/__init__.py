"""roe-analysis: load every job of a Roe AI agent into typed Polars frames and analyse them.

The public face: every name in ``__all__``. Charts (``ra.charts``), the report (``ra.report``) and
the widgets (``ra.widgets``) are imported on first use, so ``import roe_analysis`` stays as quick
as its runtime core (polars, httpx, msgspec, numpy, tenacity) and never loads altair.
"""

from __future__ import annotations

import typing

from roe_analysis._schema import FRAME_SCHEMAS, SCHEMA_VERSION
from roe_analysis._version import __version__
from roe_analysis.analysis import (
    agreement_summary,
    calibration_curve,
    compare_all_versions,
    compare_rates,
    compare_versions,
    confusion_matrix,
    detectable_difference,
    duration_mismatches,
    duration_summary,
    duration_trend,
    error_messages,
    failure_summary,
    failure_trend,
    grader_calibration,
    inter_reviewer_agreement,
    intra_reviewer_agreement,
    job_durations,
    job_volume,
    outcome_rates,
    per_class_metrics,
    rerun_consistency,
    review_outcomes,
    reviewer_drift,
    reviewer_stats,
    run_durations,
    sample_size,
    sample_size_for,
    score_agreement,
    score_disagreements,
    score_drift,
    score_summary,
    score_vs_duration,
    slowest_jobs,
    status_time,
    status_time_summary,
    verdict_disagreements,
)
from roe_analysis.client import AsyncRoeClient, FetchedPage, RoeClient
from roe_analysis.errors import (
    AgentNotFoundError,
    AgreementWarning,
    APIStatusError,
    ArgumentTypeError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    IncompleteLoadWarning,
    InvalidArgumentError,
    InvalidPageError,
    LimitReachedWarning,
    MalformedResponseError,
    MissingColumnsError,
    NoSharedInputsWarning,
    NotFoundError,
    PermissionDeniedError,
    PrevalenceSkewWarning,
    RateLimitError,
    RefreshWarning,
    RoeConnectionError,
    RoeError,
    RoeTimeoutError,
    RoeWarning,
    ScaleMismatchWarning,
    SchemaMismatchError,
    ServerError,
    SnapshotCorruptedError,
    SnapshotError,
    SnapshotFormatError,
    SnapshotNotFoundError,
    SnapshotOverwriteError,
    SnapshotVersionError,
    TransportError,
    UndefinedCoefficientWarning,
    UnknownValueWarning,
)
from roe_analysis.frames import JobFrames, LazySnapshot, filter_frames, metadata_wide, ui_field

__all__ = [
    "APIStatusError",
    "AgentNotFoundError",
    "AgreementWarning",
    "ArgumentTypeError",
    "AsyncRoeClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "FRAME_SCHEMAS",
    "FetchedPage",
    "IncompleteLoadWarning",
    "InvalidArgumentError",
    "InvalidPageError",
    "JobFrames",
    "LazySnapshot",
    "LimitReachedWarning",
    "MalformedResponseError",
    "MissingColumnsError",
    "NoSharedInputsWarning",
    "NotFoundError",
    "PermissionDeniedError",
    "PrevalenceSkewWarning",
    "RateLimitError",
    "RefreshWarning",
    "RoeClient",
    "RoeConnectionError",
    "RoeError",
    "RoeTimeoutError",
    "RoeWarning",
    "SCHEMA_VERSION",
    "ScaleMismatchWarning",
    "SchemaMismatchError",
    "ServerError",
    "SnapshotCorruptedError",
    "SnapshotError",
    "SnapshotFormatError",
    "SnapshotNotFoundError",
    "SnapshotOverwriteError",
    "SnapshotVersionError",
    "TransportError",
    "UndefinedCoefficientWarning",
    "UnknownValueWarning",
    "__version__",
    "agreement_summary",
    "calibration_curve",
    "charts",
    "compare_all_versions",
    "compare_rates",
    "compare_versions",
    "confusion_matrix",
    "detectable_difference",
    "duration_mismatches",
    "duration_summary",
    "duration_trend",
    "error_messages",
    "failure_summary",
    "failure_trend",
    "filter_frames",
    "grader_calibration",
    "inter_reviewer_agreement",
    "intra_reviewer_agreement",
    "job_durations",
    "job_volume",
    "metadata_wide",
    "outcome_rates",
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
    "ui_field",
    "verdict_disagreements",
]

#: Subpackages imported on first attribute access: they pull in altair, ipywidgets or vl-convert.
_LAZY_MODULES = frozenset({"charts", "report", "widgets", "notebook"})

if typing.TYPE_CHECKING:
    from roe_analysis import charts, notebook, report, widgets  # noqa: F401


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY_MODULES:
        import importlib

        module = importlib.import_module(f"roe_analysis.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'roe_analysis' has no attribute {name!r}")
