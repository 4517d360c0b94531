"""Run every library helper the report needs, once, and keep the frames they return.

No statistics are computed here: each field is the output of one public helper of
`roe_analysis.analysis` called with its defaults (seeded bootstrap, 95% intervals), so the report
and `key_figures` show exactly what a notebook calling the same helper would see. The only choices
made here are which helpers to call and the period of the trends, picked from the span of the data.

Helpers warn when a coefficient is undefined or misleading (`AgreementWarning` and its
subclasses); those warnings are collected as notes for the report rather than printed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeVar

import polars as pl

from roe_analysis.analysis import (
    AgreementWarning,
    agreement_summary,
    check_one_scale,
    compare_all_versions,
    confusion_matrix,
    cost_quality,
    cost_summary,
    duration_summary,
    duration_trend,
    error_messages,
    failure_summary,
    failure_trend,
    inter_reviewer_agreement,
    job_durations,
    job_volume,
    review_outcomes,
    reviewer_stats,
    score_agreement,
    score_disagreements,
    score_drift,
    score_summary,
    slowest_jobs,
    status_time_summary,
    version_labels,
)
from roe_analysis.charts import version_colours
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

T = TypeVar("T")

#: Duration quantiles shown in the key figures and tables.
QUANTILES = (0.5, 0.9)
#: Rows of the slowest-jobs and disagreement tables.
TABLE_ROWS = 10

VERSION = "agent_version_name"


@dataclass(frozen=True)
class Analyses:
    """The helpers' outputs for one set of frames (see the module docstring).

    Attributes:
        frames: the frames analysed.
        threshold: pass mark of the grader score, or ``None``.
        durations: `job_durations` at ``now`` (running jobs measured up to then).
        now: the instant the data was observed (see `observed_at`), or ``None`` when unknown.
        duration_overall: `duration_summary` over all jobs but cache hits (``by=()``), p50 and p90.
        duration_by_version: `duration_summary` per agent version (cache hits left out), p50 and p90.
        trend_every: the period of `duration_trend`.
        duration_trend: `duration_trend` per version.
        status_time: `status_time_summary` per version.
        status_by_version: `job_volume` per version, one column per status (``every=None``).
        failures: `failure_summary` per version.
        failure_overall: `failure_summary` over all jobs (``by=None``, one row).
        failure_trend: `failure_trend` per version, per ``drift_every`` period.
        error_messages: `error_messages`, the 10 most common over all failed jobs.
        slowest: `slowest_jobs` (finished jobs).
        duration_comparisons: `compare_all_versions` on ``duration_ms`` (medians).
        score_by_version: `score_summary` per version.
        score_comparisons: `compare_all_versions` on ``grader_score`` (means).
        pass_comparisons: `compare_all_versions` on ``pass_rate`` (only with a threshold).
        drift_every: the period of `score_drift`.
        score_drift: `score_drift` per version.
        outcomes: `review_outcomes`.
        agreement: `agreement_summary` over all reviews (one row, or none without reviews).
        agreement_by_version: `agreement_summary` per version.
        confusion: `confusion_matrix`.
        reviewers: `reviewer_stats`.
        score_agreement: `score_agreement` (grader against human scores).
        score_disagreements: `score_disagreements`.
        inter_reviewer: `inter_reviewer_agreement`.
        notes: the helpers' warnings, in the order they came, each once.
        colours: version → colour, one mapping for every chart of the report (`version_colours`).
        labels: `version_labels`: each version's model and display label ("v2.0 · o1"); the
            version names stay as the API gives them everywhere else.
        agent_names: agent id → name, from the versions frame (empty when versions were not loaded).
        costs: `cost_summary` per version, or ``None`` when the frames hold no results.
        cost_quality: `cost_quality` per version, by quality measure (``"grader_score"``,
            ``"approval"``); empty without results, and without ``"grader_score"`` when the
            agents' scores are on different scales.
        cost_comparisons: `compare_all_versions` on ``cost`` (means), or ``None`` without results.
    """

    frames: JobFrames
    threshold: float | None
    durations: pl.DataFrame
    now: datetime | None
    duration_overall: pl.DataFrame
    duration_by_version: pl.DataFrame
    trend_every: str
    duration_trend: pl.DataFrame
    status_time: pl.DataFrame
    status_by_version: pl.DataFrame
    failures: pl.DataFrame
    failure_overall: pl.DataFrame
    failure_trend: pl.DataFrame
    error_messages: pl.DataFrame
    slowest: pl.DataFrame
    duration_comparisons: pl.DataFrame
    score_by_version: pl.DataFrame
    score_comparisons: pl.DataFrame
    pass_comparisons: pl.DataFrame | None
    drift_every: str
    score_drift: pl.DataFrame
    outcomes: pl.DataFrame
    agreement: pl.DataFrame
    agreement_by_version: pl.DataFrame
    confusion: pl.DataFrame
    reviewers: pl.DataFrame
    score_agreement: pl.DataFrame
    score_disagreements: pl.DataFrame
    inter_reviewer: pl.DataFrame
    notes: tuple[str, ...]
    colours: dict[str, str]
    labels: pl.DataFrame
    agent_names: dict[str, str]
    costs: pl.DataFrame | None
    cost_quality: dict[str, pl.DataFrame]
    cost_comparisons: pl.DataFrame | None


def _span(jobs: pl.DataFrame) -> timedelta:
    if jobs.height == 0:
        return timedelta(0)
    first, last = jobs.select(pl.col("created_at").min().alias("first"), pl.col("created_at").max().alias("last")).row(
        0
    )
    return last - first if first is not None and last is not None else timedelta(0)


def trend_period(span: timedelta) -> str:
    """The period of the duration trend: hours for two days of data, days up to 90 days, else weeks.

    Examples:
        >>> trend_period(timedelta(hours=30)), trend_period(timedelta(days=60)), trend_period(timedelta(days=400))
        ('1h', '1d', '1w')
    """
    if span <= timedelta(days=2):
        return "1h"
    return "1d" if span <= timedelta(days=90) else "1w"


def drift_period(span: timedelta) -> str:
    """The period of the score drift table, a few to a few dozen rows: hours, days, weeks or months.

    Examples:
        >>> drift_period(timedelta(hours=20)), drift_period(timedelta(days=10)), drift_period(timedelta(days=60))
        ('1h', '1d', '1w')
    """
    if span <= timedelta(days=1):
        return "1h"
    if span <= timedelta(days=14):
        return "1d"
    return "1w" if span <= timedelta(days=180) else "1mo"


class _Notes:
    """Runs helpers, keeping their analysis warnings as notes and passing every other warning on."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def run(self, helper: Callable[[], T]) -> T:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = helper()
        for warning in caught:
            if issubclass(warning.category, AgreementWarning):
                text = str(warning.message)
                if text not in self.messages:
                    self.messages.append(text)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return result


def observed_at(frames: JobFrames) -> datetime | None:
    """The instant the data was observed: the latest server time of the load (its ``Date`` header).

    Falls back to the load's ``fetched_at``; ``None`` when the frames carry neither (built by hand).
    Running jobs had been running up to this instant, which is what the Kaplan–Meier median counts.

    Examples:
        >>> observed_at(JobFrames.empty()) is None
        True
    """
    agents = frames.query.get("agents")
    stamps = [a.get("server_time") for a in agents if isinstance(a, dict)] if isinstance(agents, list) else []
    stamps = [s for s in stamps if isinstance(s, str)] or [frames.query.get("fetched_at")]
    instants = []
    for stamp in stamps:
        if isinstance(stamp, datetime):
            instants.append(stamp)
        elif isinstance(stamp, str):
            try:
                instants.append(datetime.fromisoformat(stamp))
            except ValueError:
                continue
    aware = [i for i in instants if i.tzinfo is not None]
    return max(aware) if aware else None


def _durations_at(frames: JobFrames, now: datetime | None, notes: list[str]) -> tuple[pl.DataFrame, datetime | None]:
    if now is None:
        if frames.jobs.height:
            notes.append(
                "The data does not say when it was fetched, so jobs still running are left out of the "
                "medians that count them (pass now=... to count them)."
            )
        return job_durations(frames), None
    try:
        return job_durations(frames, now=now), now
    except InvalidArgumentError as exc:
        notes.append(f"Jobs still running are left out of the medians that count them: {exc}.")
        return job_durations(frames), None


def agent_names(frames: JobFrames) -> dict[str, str]:
    """Agent id → name, as the versions frame gives it (blank names left out), in id order.

    Examples:
        >>> agent_names(JobFrames.from_tables(versions=[{"agent_id": "a1", "agent_name": "Screening"}]))
        {'a1': 'Screening'}
    """
    name = pl.col("agent_name").str.strip_chars()
    named = (
        frames.versions.filter(pl.col("agent_id").is_not_null() & (name != ""))
        .group_by("agent_id")
        .agg(name.first())
        .sort("agent_id")
    )
    return dict(named.iter_rows())


def _costs(
    frames: JobFrames, scored: JobFrames, notes: _Notes
) -> tuple[pl.DataFrame | None, dict[str, pl.DataFrame], pl.DataFrame | None]:
    """`cost_summary`, `cost_quality` by measure and the cost comparisons; ``None`` and ``{}`` without results."""
    try:
        summary = notes.run(lambda: cost_summary(frames))
    except InvalidArgumentError:
        # The only refusal of cost_summary with its defaults: jobs without results. The cost section says so.
        return None, {}, None
    quality: dict[str, pl.DataFrame] = {}
    # Scores on different scales are not pooled (``scored`` is then empty, and so is its frame).
    measures: tuple[tuple[Literal["grader_score", "approval"], JobFrames], ...] = (
        ("grader_score", scored),
        ("approval", frames),
    )
    for measure, source in measures:
        try:
            quality[measure] = notes.run(lambda: cost_quality(source, quality=measure))  # noqa: B023 (run at once)
        except InvalidArgumentError as exc:  # a refusal the report cannot foresee: said, not raised
            notes.messages.append(f"{exc}. Cost against {measure.replace('_', ' ')} is left out.")
    return summary, quality, notes.run(lambda: compare_all_versions(frames, metric="cost"))


def analyse(frames: JobFrames, *, threshold: float | None = None, now: datetime | None = None) -> Analyses:
    """Call every helper the report uses on ``frames``; see `Analyses` for what each field holds.

    ``now`` is the instant running jobs are measured to (default: `observed_at`, when the data was
    fetched), so the Kaplan–Meier median counts them as still running rather than leaving them out.

    Raises:
        ArgumentTypeError: ``frames`` is not a `JobFrames` (also a ``TypeError``).
        InvalidArgumentError: ``threshold`` is not a number (raised by the helpers; a ``ValueError``).
    """
    if not isinstance(frames, JobFrames):
        raise ArgumentTypeError(
            f"the report needs a JobFrames (from a load or JobFrames.load); got {type(frames).__name__}"
        )
    notes = _Notes()
    jobs = frames.jobs
    span = _span(jobs)
    durations, now = _durations_at(frames, now if now is not None else observed_at(frames), notes.messages)
    trend_every = trend_period(span)
    drift_every = drift_period(span)

    # Scores on different scales across agents cannot be pooled: say so, and leave the score
    # sections empty rather than average a 0-1 grader with a 0-100 one.
    scored = frames
    try:
        check_one_scale(jobs, value="grader_score", helper="the report", metric="grader_score")
    except InvalidArgumentError as exc:
        notes.messages.append(f"{exc}. The score sections are left empty: write one report per agent.")
        scored = JobFrames.empty()

    def comparisons(metric: str) -> pl.DataFrame:
        cut = threshold if metric == "pass_rate" else None
        source = frames if metric == "duration_ms" else scored
        return notes.run(lambda: compare_all_versions(source, metric=metric, threshold=cut))

    # One derivation of the review outcomes: its warnings (labels merged by case, contradictory
    # approvals) become notes once, and every agreement helper reads the same rows.
    outcomes = notes.run(lambda: review_outcomes(frames))
    costs, quality, cost_comparisons = _costs(frames, scored, notes)
    return Analyses(
        frames=frames,
        threshold=threshold,
        durations=durations,
        now=now,
        # Cache hits last 0 ms by the API's rule; the report's durations are of real runs.
        duration_overall=duration_summary(durations, by=(), quantiles=QUANTILES, include_cached=False),
        duration_by_version=duration_summary(durations, by=VERSION, quantiles=QUANTILES, include_cached=False),
        trend_every=trend_every,
        duration_trend=duration_trend(durations, every=trend_every, quantiles=QUANTILES, include_cached=False),
        status_time=status_time_summary(frames, by=VERSION),
        status_by_version=job_volume(frames, every=None, columns="status"),
        failures=failure_summary(durations, by=VERSION),
        failure_overall=failure_summary(durations, by=None),
        failure_trend=failure_trend(durations, every=drift_every, by=VERSION),
        error_messages=error_messages(frames, top=TABLE_ROWS),
        slowest=slowest_jobs(durations, n=TABLE_ROWS, by=None),
        duration_comparisons=comparisons("duration_ms"),
        score_by_version=score_summary(scored, threshold=threshold),
        score_comparisons=comparisons("grader_score"),
        pass_comparisons=comparisons("pass_rate") if threshold is not None else None,
        drift_every=drift_every,
        score_drift=score_drift(scored, every=drift_every, threshold=threshold),
        outcomes=outcomes,
        agreement=notes.run(lambda: agreement_summary(outcomes, by=None)),
        agreement_by_version=notes.run(lambda: agreement_summary(outcomes, by=VERSION)),
        confusion=notes.run(lambda: confusion_matrix(outcomes, by=None)),
        reviewers=notes.run(lambda: reviewer_stats(frames, grader_threshold=threshold)),
        score_agreement=notes.run(lambda: score_agreement(frames, threshold=threshold, by=None)),
        score_disagreements=notes.run(lambda: score_disagreements(frames, n=TABLE_ROWS)),
        inter_reviewer=notes.run(lambda: inter_reviewer_agreement(frames, by=None)),
        notes=tuple(notes.messages),
        colours=version_colours(frames),
        labels=version_labels(frames),
        agent_names=agent_names(frames),
        costs=costs,
        cost_quality=quality,
        cost_comparisons=cost_comparisons,
    )
