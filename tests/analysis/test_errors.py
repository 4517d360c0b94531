"""Every public analysis helper rejects bad input with a `RoeError` that says what is wrong.

For each helper that takes frames: (a) a frame missing a column it needs, (b) an argument of the
wrong type (a list or a string where frames go), (c) an unknown option value where it has one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import analysis

DAY = datetime(2026, 5, 1, tzinfo=UTC)

#: A jobs frame as a user might pass it: the columns most helpers need, one version.
JOBS = pl.DataFrame(
    {
        "job_id": ["a", "b"],
        "agent_version_name": ["v1", "v1"],
        "created_at": [DAY, DAY],
        "grader_score": [0.1, 0.9],
        "human_score": [0.2, 0.8],
    }
)
#: A `review_outcomes`-like frame.
OUTCOMES = pl.DataFrame(
    {
        "agent_version_name": ["v1", "v1"],
        "review_status": ["approved", "approved"],
        "agent_verdict": ["A", "B"],
        "final_verdict": ["A", "B"],
        "reviewed_by": ["ana", "bo"],
        "reviewed_at": [DAY, DAY],
    }
)
#: A `job_durations`-like frame.
DURATIONS = pl.DataFrame(
    {
        "job_id": ["a", "b"],
        "agent_version_name": ["v1", "v1"],
        "created_at": [DAY, DAY],
        "duration_ms": [100, 200],
        "server_duration_ms": [100, 250],
        "is_running": [False, False],
        "running_for_ms": pl.Series([None, None], dtype=pl.Int64),
        "terminal_status": ["SUCCESS", "SUCCESS"],
    }
)
FRAMES = ra.JobFrames.from_tables(jobs=[{"id": "a", "agent_version_name": "v1", "created_at": DAY}])

Call = Callable[[], object]

#: (a) a frame without a column the helper needs, and a fragment of the message.
MISSING_COLUMN: dict[str, tuple[Call, str]] = {
    "error_messages": (lambda: ra.error_messages(FRAMES, by="customer"), "'customer'"),
    "failure_summary": (lambda: ra.failure_summary(DURATIONS.drop("terminal_status")), "'terminal_status'"),
    "failure_trend": (lambda: ra.failure_trend(DURATIONS.drop("created_at")), "'created_at'"),
    "agreement_summary": (lambda: ra.agreement_summary(OUTCOMES.drop("agent_verdict")), "'agent_verdict'"),
    "calibration_curve": (lambda: ra.calibration_curve(JOBS), "'review_status'"),
    "compare_all_versions": (lambda: ra.compare_all_versions(JOBS.drop("agent_version_name")), "agent_version_name"),
    "compare_rates": (lambda: ra.compare_rates(DURATIONS.drop("terminal_status"), "v1", "v2"), "'terminal_status'"),
    "compare_versions": (lambda: ra.compare_versions(JOBS.drop("grader_score"), "v1", "v2"), "'grader_score'"),
    "confusion_matrix": (lambda: ra.confusion_matrix(OUTCOMES.drop("final_verdict")), "'final_verdict'"),
    "cost_quality": (lambda: analysis.cost_quality(FRAMES, by="team"), "'team'"),
    "cost_summary": (lambda: analysis.cost_summary(FRAMES, by="team"), "'team'"),
    "duration_mismatches": (lambda: ra.duration_mismatches(DURATIONS.drop("server_duration_ms")), "server_duration"),
    "duration_summary": (lambda: ra.duration_summary(DURATIONS.drop("is_running")), "'is_running'"),
    "duration_trend": (lambda: ra.duration_trend(DURATIONS.drop("created_at")), "'created_at'"),
    "grader_calibration": (lambda: ra.grader_calibration(JOBS, by=None), "'review_status'"),
    "inter_reviewer_agreement": (lambda: ra.inter_reviewer_agreement(FRAMES, by="team"), "'team'"),
    "intra_reviewer_agreement": (lambda: ra.intra_reviewer_agreement(FRAMES, by="team"), "'team'"),
    "job_volume": (lambda: ra.job_volume(JOBS.drop("created_at")), "'created_at'"),
    "outcome_rates": (lambda: ra.outcome_rates(DURATIONS.drop("terminal_status")), "'terminal_status'"),
    "per_class_metrics": (lambda: ra.per_class_metrics(OUTCOMES.drop("agent_verdict")), "'agent_verdict'"),
    "reviewer_drift": (lambda: ra.reviewer_drift(OUTCOMES.drop("reviewed_at")), "'reviewed_at'"),
    "score_agreement": (lambda: ra.score_agreement(JOBS.drop("human_score")), "'human_score'"),
    "score_disagreements": (lambda: ra.score_disagreements(JOBS), "'review_comment'"),
    "score_drift": (lambda: ra.score_drift(JOBS.drop("created_at")), "'created_at'"),
    "score_summary": (lambda: ra.score_summary(JOBS, metric="grader"), "did you mean 'grader_score'"),
    "slowest_jobs": (lambda: ra.slowest_jobs(DURATIONS.drop("job_id")), "'job_id'"),
    "run_durations": (lambda: ra.run_durations(DURATIONS.drop("terminal_status")), "'terminal_status'"),
    "status_time_summary": (lambda: ra.status_time_summary(pl.DataFrame({"job_id": ["a"]})), "'time_ms'"),
    # These take JobFrames only, whose schema is fixed: a jobs frame on its own lacks the rest.
    "job_durations": (lambda: ra.job_durations(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
    "rerun_consistency": (lambda: ra.rerun_consistency(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
    "sample_size_for": (
        lambda: ra.sample_size_for(JOBS.drop("grader_score"), "v1", "v2", effect=0.1),
        "'grader_score'",
    ),
    "review_outcomes": (lambda: ra.review_outcomes(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
    "reviewer_stats": (lambda: ra.reviewer_stats(JOBS), "needs the inputs frame"),  # type: ignore[arg-type]
    "score_vs_duration": (lambda: ra.score_vs_duration(JOBS), "status events"),  # type: ignore[arg-type]
    "status_time": (lambda: ra.status_time(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
    "verdict_disagreements": (lambda: ra.verdict_disagreements(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
    "version_labels": (lambda: analysis.version_labels(JOBS), "expects JobFrames"),  # type: ignore[arg-type]
}

#: (c) an unknown or out-of-range option value, and a fragment of the message.
UNKNOWN_OPTION: dict[str, tuple[Call, str]] = {
    "error_messages": (lambda: ra.error_messages(FRAMES, top=0), "top must be a positive integer"),
    "failure_summary": (lambda: ra.failure_summary(FRAMES, confidence=2), "confidence"),
    "failure_trend": (lambda: ra.failure_trend(FRAMES, every="fortnight"), "Polars duration string"),
    "agreement_summary": (lambda: ra.agreement_summary(OUTCOMES, labels="x"), "not one string"),
    "calibration_curve": (lambda: ra.calibration_curve(JOBS, bins=0), "bins"),
    "compare_all_versions": (lambda: ra.compare_all_versions(JOBS, statistic="mode"), "'mean', 'median' or None"),  # type: ignore[arg-type]
    "compare_rates": (lambda: ra.compare_rates(FRAMES, "v1", "v2", rate="speed"), "rate must be one of"),  # type: ignore[arg-type]
    "compare_versions": (lambda: ra.compare_versions(JOBS, "v1", "v2", paired="maybe"), "'auto', True or False"),  # type: ignore[arg-type]
    "confusion_matrix": (lambda: ra.confusion_matrix(OUTCOMES, labels="x"), "not one string"),
    "cost_quality": (lambda: analysis.cost_quality(FRAMES, quality="speed"), "quality must be one of"),  # type: ignore[arg-type]
    "cost_summary": (lambda: analysis.cost_summary(FRAMES, confidence=2), "confidence"),
    "duration_mismatches": (lambda: ra.duration_mismatches(DURATIONS, tolerance_ms=-1), "number >= 0"),
    "duration_summary": (lambda: ra.duration_summary(DURATIONS, quantiles=(2,)), "between 0 and 1"),
    "duration_trend": (lambda: ra.duration_trend(DURATIONS, every="fortnight"), "Polars duration string"),
    "grader_calibration": (lambda: ra.grader_calibration(JOBS, confidence=2), "confidence"),
    "inter_reviewer_agreement": (lambda: ra.inter_reviewer_agreement(FRAMES, n_resamples=0), "n_resamples"),
    "intra_reviewer_agreement": (lambda: ra.intra_reviewer_agreement(FRAMES, confidence=2), "confidence"),
    "job_durations": (lambda: ra.job_durations(FRAMES, now="now"), "timezone-aware datetime"),  # type: ignore[arg-type]
    "job_volume": (lambda: ra.job_volume(JOBS, every="fortnight"), "such as '1h', '1d', '1w'"),
    "outcome_rates": (lambda: ra.outcome_rates(FRAMES, confidence=2), "confidence"),
    "per_class_metrics": (lambda: ra.per_class_metrics(OUTCOMES, labels="x"), "not one string"),
    "rerun_consistency": (lambda: ra.rerun_consistency(FRAMES, confidence=2), "confidence"),
    "review_outcomes": (lambda: ra.review_outcomes(FRAMES, verdict_field=""), "key of ui_fields"),
    "reviewer_drift": (lambda: ra.reviewer_drift(OUTCOMES, every="fortnight"), "not a Polars duration"),
    "reviewer_stats": (lambda: ra.reviewer_stats(FRAMES, grader_threshold="high"), "finite number"),  # type: ignore[arg-type]
    "sample_size_for": (
        lambda: ra.sample_size_for(JOBS, "v1", "v2", effect=0.1, power=2),
        "power must be between 0 and 1",
    ),
    "score_agreement": (lambda: ra.score_agreement(JOBS, threshold=float("nan")), "finite number"),
    "score_disagreements": (lambda: ra.score_disagreements(JOBS, n=-1), "whole number >= 0"),
    "score_drift": (lambda: ra.score_drift(JOBS, every="fortnight"), "Polars duration string"),
    "score_summary": (lambda: ra.score_summary(JOBS, threshold="high"), "threshold must be a number"),  # type: ignore[arg-type]
    "slowest_jobs": (lambda: ra.slowest_jobs(DURATIONS, n=0), "positive integer"),
    "run_durations": (lambda: ra.run_durations(DURATIONS, status="NOPE"), "status must be a terminal status"),
    "status_time_summary": (lambda: ra.status_time_summary(FRAMES, by=[1]), "by must be a column name"),  # type: ignore[list-item]
    "verdict_disagreements": (lambda: ra.verdict_disagreements(FRAMES, verdict_field=3), "verdict_field"),  # type: ignore[arg-type]
}

#: Helpers with no option to get wrong (beyond ``frames``).
NO_OPTION = {"status_time", "score_vs_duration", "version_labels"}


def frame_helpers() -> list[str]:
    """Every function in `roe_analysis.analysis.__all__` whose first argument is ``frames``."""
    names = []
    for name in analysis.__all__:
        helper = getattr(analysis, name)
        if inspect.isfunction(helper) and next(iter(inspect.signature(helper).parameters)) == "frames":
            names.append(name)
    return sorted(names)


def raised(call: Call) -> Exception:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_every_frame_helper_is_covered() -> None:
    helpers = frame_helpers()
    assert len(helpers) == 37
    assert sorted(MISSING_COLUMN) == helpers
    assert sorted(UNKNOWN_OPTION) == sorted(set(helpers) - NO_OPTION)


@pytest.mark.parametrize("name", sorted(MISSING_COLUMN))
def test_a_frame_missing_a_column_raises_a_roe_error(name: str) -> None:
    call, fragment = MISSING_COLUMN[name]
    error = raised(call)
    assert isinstance(error, ra.RoeError)
    assert isinstance(error, ra.MissingColumnsError | ra.ArgumentTypeError)
    assert name in str(error)
    assert fragment in str(error)


@pytest.mark.parametrize("name", frame_helpers())
@pytest.mark.parametrize("wrong", [[1, 2], "jobs"], ids=["list", "string"])
def test_a_wrong_type_raises_an_argument_type_error(name: str, wrong: Any) -> None:
    # The analysis face's function (the same object `roe_analysis` exports once it lists the name).
    helper = getattr(analysis, name)
    args = (wrong, "v1", "v2") if name in ("compare_versions", "compare_rates", "sample_size_for") else (wrong,)
    options = {"effect": 0.1} if name == "sample_size_for" else {}
    error = raised(lambda: helper(*args, **options))
    assert isinstance(error, ra.RoeError)
    assert isinstance(error, ra.ArgumentTypeError)
    assert isinstance(error, TypeError)
    assert f"{name} expects JobFrames" in str(error)
    assert type(wrong).__name__ in str(error)


@pytest.mark.parametrize("name", sorted(UNKNOWN_OPTION))
def test_an_unknown_option_raises_an_invalid_argument_error(name: str) -> None:
    call, fragment = UNKNOWN_OPTION[name]
    error = raised(call)
    assert isinstance(error, ra.RoeError)
    assert isinstance(error, ra.InvalidArgumentError)
    assert isinstance(error, ValueError)
    assert fragment in str(error)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: analysis.cohen_kappa([[1, 2, 3]]), "square"),
        (lambda: analysis.gwet_ac1([[1, -1], [0, 1]]), ">= 0"),
        (lambda: analysis.pabak([[1, 0], [0, 1]], confidence=2), "confidence"),
        (lambda: analysis.krippendorff_alpha_nominal([[0.5, 1.5]]), "whole numbers"),
        (lambda: analysis.fleiss_kappa([[1, 0], [0, 1]]), "at least 2 ratings"),
    ],
    ids=["cohen_kappa", "gwet_ac1", "pabak", "krippendorff_alpha_nominal", "fleiss_kappa"],
)
def test_the_coefficients_reject_bad_tables_with_an_invalid_argument_error(call: Call, fragment: str) -> None:
    error = raised(call)
    assert isinstance(error, ra.InvalidArgumentError)
    assert fragment in str(error)


def test_by_has_one_vocabulary() -> None:
    assert analysis.DEFAULT_BY == "agent_version_name"
    overall = ra.score_summary(JOBS, by=None)
    assert overall.columns[0] == "n"
    assert ra.score_summary(JOBS, by=()).equals(overall)
    assert ra.score_summary(JOBS).columns[0] == "agent_version_name"
    for name in frame_helpers():
        by = inspect.signature(getattr(analysis, name)).parameters.get("by")
        # error_messages ranks messages over all jobs by default, each with the versions it hit
        if by is not None and name != "error_messages":
            assert by.default == "agent_version_name", name
