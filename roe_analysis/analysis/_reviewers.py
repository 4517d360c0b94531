"""How each reviewer decides, and whether that moves over time: `reviewer_stats`, `reviewer_drift`.

Grader against human scores is in `roe_analysis.analysis._score_agreement`; reviewers against
each other in `roe_analysis.analysis._inter_reviewer`.
"""

from __future__ import annotations

import polars as pl

from roe_analysis._schema import UTC
from roe_analysis.analysis._common import check_every, check_threshold, job_frames
from roe_analysis.analysis._items import NEEDS_INPUTS, item_ids, item_values, latest_per_reviewer
from roe_analysis.analysis._outcomes import DECIDED, outcomes_from, review_outcomes
from roe_analysis.analysis._score_agreement import SCORE_COLUMNS, both_scores  # noqa: F401 (charts import them from here)
from roe_analysis.analysis._score_intervals import cluster_wilson_interval
from roe_analysis.analysis._stats import check_confidence, wilson_interval
from roe_analysis.frames import JobFrames

_REVIEWER_SCHEMA = pl.Schema(
    {
        "reviewed_by": pl.String(),
        "n_reviews": pl.UInt32(),
        "n_approved": pl.UInt32(),
        "n_rejected": pl.UInt32(),
        "n_corrected": pl.UInt32(),
        "approval_rate": pl.Float64(),
        "approval_rate_low": pl.Float64(),
        "approval_rate_high": pl.Float64(),
        "correction_rate": pl.Float64(),
        "n_graded": pl.UInt32(),
        "mean_grader_score_approved": pl.Float64(),
        "mean_grader_score_rejected": pl.Float64(),
        "grader_agreement_rate": pl.Float64(),
        "grader_agreement_rate_low": pl.Float64(),
        "grader_agreement_rate_high": pl.Float64(),
        "n_peer_pairs": pl.UInt32(),
        "peer_agreement_rate": pl.Float64(),
        "peer_agreement_rate_low": pl.Float64(),
        "peer_agreement_rate_high": pl.Float64(),
        "median_time_to_review_ms": pl.Float64(),
        "first_reviewed_at": UTC,
        "last_reviewed_at": UTC,
    }
)

_DRIFT_SCHEMA = pl.Schema(
    {
        "reviewed_by": pl.String(),
        "period_start": UTC,
        "n_reviews": pl.UInt32(),
        "n_approved": pl.UInt32(),
        "approval_rate": pl.Float64(),
        "approval_rate_low": pl.Float64(),
        "approval_rate_high": pl.Float64(),
    }
)


def reviewer_stats(
    frames: JobFrames,
    *,
    grader_threshold: float | None = None,
    confidence: float = 0.95,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """How each reviewer decides: volume, approvals, corrections, agreement with the grader and peers.

    Over completed reviews (approved or rejected) per ``reviewed_by`` (reviews without a reviewer
    form a row with a null ``reviewed_by``):

    - ``n_reviews``, ``n_approved``, ``n_rejected``; ``approval_rate`` with a Wilson interval.
    - ``n_corrected``: rejections that carry a corrected verdict; ``correction_rate`` = that / reviews.
    - Agreement with the grader, over reviews whose job has a ``grader_score`` (``n_graded``):
      ``mean_grader_score_approved`` and ``mean_grader_score_rejected`` always; with
      ``grader_threshold``, ``grader_agreement_rate`` too: the share of reviews where the reviewer
      approved a job the grader passes (``grader_score >= grader_threshold``) or rejected one it fails,
      with ``grader_agreement_rate_low``/``_high``.
    - Agreement with other reviewers: for every item (same inputs, see the module docstring) this
      reviewer judged, their latest final verdict on it is paired with the latest final verdict of
      each other reviewer on the item (repeats are set aside, as in `inter_reviewer_agreement`);
      ``n_peer_pairs`` counts the pairs and ``peer_agreement_rate`` the share with
      the same label, with ``peer_agreement_rate_low``/``_high``.
    - The agreement intervals count the item (the job's inputs), not the review or the pair, as the
      unit of evidence: a reviewer's pairs on one item share their verdict, and reruns of one input
      judged alike are not independent. Each is Wilson's interval with the effective n of the
      item clusters (`cluster_wilson_interval`); below 10 items it is null ("too few to tell").
    - ``median_time_to_review_ms`` (see `review_outcomes`), ``first_reviewed_at``, ``last_reviewed_at``.

    Args:
        frames: the loaded jobs (inputs are needed to match items across reviewers).
        grader_threshold: the grader's pass mark; without it ``grader_agreement_rate`` is null.
        confidence: level of the approval-rate interval.
        verdict_field: key of the agent's verdict in ``ui_fields``.

    Returns:
        One row per reviewer, most reviews first.

    Examples:
        >>> from roe_analysis import JobFrames
        >>> def job(n, reviewer, status, corrected=None):
        ...     return {
        ...         "id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": "v1", "status_code": 3,
        ...         "created_at": "2026-05-01T10:00:00Z", "last_updated_at": "2026-05-01T10:00:00Z",
        ...         "duration_ms": 900, "status_events": [], "metadata": {},
        ...         "job_inputs": [{"key": "text", "value": f"case {n % 2}"}],
        ...         "ui_fields": {"verdict": "Suspicious"}, "evaluation": {"grader_score": n / 4},
        ...         "feedback_review": {"review_status": status, "corrected_verdict": corrected,
        ...                             "reviewed_by": reviewer, "reviewed_at": f"2026-05-0{n + 1}T10:00:00Z"},
        ...     }
        >>> frames = JobFrames.from_records(
        ...     [job(1, "ana@x.io", "approved"), job(2, "ana@x.io", "rejected", "Not Suspicious"),
        ...      job(3, "bo@x.io", "approved"), job(4, "bo@x.io", "approved")],
        ...     agent_id="00000000-0000-4000-8000-0000000000aa",
        ... )
        >>> reviewer_stats(frames, grader_threshold=0.5).select(
        ...     "reviewed_by", "n_reviews", "approval_rate", "grader_agreement_rate", "peer_agreement_rate"
        ... )
        shape: (2, 5)
        ┌─────────────┬───────────┬───────────────┬───────────────────────┬─────────────────────┐
        │ reviewed_by ┆ n_reviews ┆ approval_rate ┆ grader_agreement_rate ┆ peer_agreement_rate │
        │ ---         ┆ ---       ┆ ---           ┆ ---                   ┆ ---                 │
        │ str         ┆ u32       ┆ f64           ┆ f64                   ┆ f64                 │
        ╞═════════════╪═══════════╪═══════════════╪═══════════════════════╪═════════════════════╡
        │ ana@x.io    ┆ 2         ┆ 0.5           ┆ 0.0                   ┆ 0.5                 │
        │ bo@x.io     ┆ 2         ┆ 1.0           ┆ 1.0                   ┆ 0.5                 │
        └─────────────┴───────────┴───────────────┴───────────────────────┴─────────────────────┘
    """
    helper = "reviewer_stats"
    check_confidence(confidence)
    frames = job_frames(frames, helper=helper, needs=NEEDS_INPUTS)
    check_threshold(grader_threshold, helper=helper, name="grader_threshold")
    outcomes = review_outcomes(frames, verdict_field=verdict_field).filter(pl.col("review_status").is_in(DECIDED))
    if outcomes.height == 0:
        return pl.DataFrame(schema=_REVIEWER_SCHEMA)

    approved = pl.col("review_status") == "approved"
    rejected = pl.col("review_status") == "rejected"
    grader = pl.col("grader_score")
    graded = grader.is_not_null() & grader.is_not_nan()
    stats = outcomes.group_by("reviewed_by").agg(
        pl.len().alias("n_reviews"),
        approved.sum().alias("n_approved"),
        rejected.sum().alias("n_rejected"),
        (rejected & ~pl.col("rejected_uncorrected")).sum().alias("n_corrected"),
        graded.sum().alias("n_graded"),
        grader.filter(graded & approved).mean().alias("mean_grader_score_approved"),
        grader.filter(graded & rejected).mean().alias("mean_grader_score_rejected"),
        (
            (approved == (grader >= grader_threshold)).filter(graded).mean()
            if grader_threshold is not None
            else pl.lit(None, pl.Float64)
        ).alias("grader_agreement_rate"),
        pl.col("time_to_review_ms").median().alias("median_time_to_review_ms"),
        pl.col("reviewed_at").min().alias("first_reviewed_at"),
        pl.col("reviewed_at").max().alias("last_reviewed_at"),
    )
    low, high = wilson_interval(pl.col("n_approved"), pl.col("n_reviews"), confidence=confidence)
    pairs = _peer_pairs(latest_per_reviewer(item_values(outcomes, frames.inputs), [])[0])
    peers = pairs.group_by("reviewed_by").agg(
        pl.len().alias("n_peer_pairs"), pl.col("agrees").mean().alias("peer_agreement_rate")
    )
    intervals = [_clustered_rate(pairs, "peer_agreement_rate", confidence)]
    if grader_threshold is not None:
        # A job without inputs is an item of its own.
        items = outcomes.join(item_ids(frames.inputs), on="job_id", how="left").filter(graded)
        verdicts = items.select(
            "reviewed_by",
            pl.coalesce(pl.col("item_id").cast(pl.String), pl.lit("job:") + pl.col("job_id")).alias("item_id"),
            (approved == (grader >= grader_threshold)).alias("agrees"),
        )
        intervals.append(_clustered_rate(verdicts, "grader_agreement_rate", confidence))
    for interval in intervals:
        stats = stats.join(interval, on="reviewed_by", how="left", nulls_equal=True)
    if grader_threshold is None:
        stats = stats.with_columns(
            grader_agreement_rate_low=pl.lit(None, pl.Float64), grader_agreement_rate_high=pl.lit(None, pl.Float64)
        )
    return (
        stats.join(peers, on="reviewed_by", how="left", nulls_equal=True)
        .with_columns(
            pl.col("n_peer_pairs").fill_null(0),
            approval_rate=pl.col("n_approved") / pl.col("n_reviews"),
            approval_rate_low=low,
            approval_rate_high=high,
            correction_rate=pl.col("n_corrected") / pl.col("n_reviews"),
        )
        .select(*_REVIEWER_SCHEMA)
        .cast(_REVIEWER_SCHEMA)
        .sort(["n_reviews", "reviewed_by"], descending=[True, False], nulls_last=True)
    )


def _peer_pairs(values: pl.DataFrame) -> pl.DataFrame:
    """Every pair of (a reviewer's final verdict, another reviewer's) on a shared item: whether they agree."""
    left = values.filter(pl.col("reviewed_by").is_not_null()).select("item_id", "reviewed_by", "final_verdict")
    right = left.rename({"reviewed_by": "_other", "final_verdict": "_other_verdict"})
    pairs = left.join(right, on="item_id").filter(pl.col("reviewed_by") != pl.col("_other"))
    return pairs.select(
        "reviewed_by",
        pl.col("item_id").cast(pl.String),
        (pl.col("final_verdict") == pl.col("_other_verdict")).alias("agrees"),
    )


def _clustered_rate(rows: pl.DataFrame, name: str, confidence: float) -> pl.DataFrame:
    """Per reviewer: the item-clustered Wilson interval of the share of ``agrees`` (`cluster_wilson_interval`)."""
    lows: list[float | None] = []
    highs: list[float | None] = []
    reviewers: list[str | None] = []
    for (reviewer,), group in rows.sort("reviewed_by", "item_id").group_by("reviewed_by", maintain_order=True):
        agrees = group.get_column("agrees").cast(pl.Float64).to_numpy()
        low, high = cluster_wilson_interval(agrees, group.get_column("item_id").to_numpy(), confidence=confidence)
        reviewers.append(reviewer)
        lows.append(low)
        highs.append(high)
    return pl.DataFrame(
        {"reviewed_by": reviewers, f"{name}_low": lows, f"{name}_high": highs},
        schema={"reviewed_by": pl.String, f"{name}_low": pl.Float64, f"{name}_high": pl.Float64},
    )


def reviewer_drift(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1w",
    confidence: float = 0.95,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """Approval rate per reviewer per period, to see whether a reviewer's standard moves over time.

    Completed reviews (approved or rejected) with a ``reviewed_at`` are bucketed by
    ``reviewed_at.dt.truncate(every)`` in UTC (``"1w"`` periods start on Mondays, ``"1d"`` at
    midnight, ``"1mo"`` on the first). Only periods with reviews appear.

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns.
        every: period length as a Polars duration string: ``"1d"``, ``"1w"``, ``"1mo"``, ...
        confidence: level of the Wilson interval of each approval rate.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).

    Returns:
        ``reviewed_by``, ``period_start``, ``n_reviews``, ``n_approved``, ``approval_rate``,
        ``approval_rate_low``, ``approval_rate_high``, sorted by reviewer then period.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {
        ...         "reviewed_by": ["ana@x.io"] * 4,
        ...         "review_status": ["approved", "approved", "approved", "rejected"],
        ...         "reviewed_at": [datetime(2026, 5, d, tzinfo=timezone.utc) for d in (4, 5, 11, 12)],
        ...     }
        ... )
        >>> reviewer_drift(outcomes, every="1w").select("reviewed_by", "period_start", "n_reviews", "approval_rate")
        shape: (2, 4)
        ┌─────────────┬─────────────────────────┬───────────┬───────────────┐
        │ reviewed_by ┆ period_start            ┆ n_reviews ┆ approval_rate │
        │ ---         ┆ ---                     ┆ ---       ┆ ---           │
        │ str         ┆ datetime[μs, UTC]       ┆ u32       ┆ f64           │
        ╞═════════════╪═════════════════════════╪═══════════╪═══════════════╡
        │ ana@x.io    ┆ 2026-05-04 00:00:00 UTC ┆ 2         ┆ 1.0           │
        │ ana@x.io    ┆ 2026-05-11 00:00:00 UTC ┆ 2         ┆ 0.5           │
        └─────────────┴─────────────────────────┴───────────┴───────────────┘
    """
    helper = "reviewer_drift"
    check_confidence(confidence)
    check_every(every, helper=helper)
    outcomes = outcomes_from(
        frames, helper=helper, verdict_field=verdict_field, columns=("reviewed_by", "review_status", "reviewed_at")
    )
    # Periods are cut in UTC, whatever zone the frame's datetimes are in.
    period = pl.col("reviewed_at").dt.convert_time_zone("UTC").dt.truncate(every)
    reviews = outcomes.filter(pl.col("review_status").is_in(DECIDED) & pl.col("reviewed_at").is_not_null())
    if reviews.height == 0:
        return pl.DataFrame(schema=_DRIFT_SCHEMA)
    low, high = wilson_interval(pl.col("n_approved"), pl.col("n_reviews"), confidence=confidence)
    return (
        reviews.group_by("reviewed_by", period.alias("period_start"))
        .agg(pl.len().alias("n_reviews"), (pl.col("review_status") == "approved").sum().alias("n_approved"))
        .with_columns(
            approval_rate=pl.col("n_approved") / pl.col("n_reviews"),
            approval_rate_low=low,
            approval_rate_high=high,
        )
        .sort("reviewed_by", "period_start", nulls_last=True)
        .select(*_DRIFT_SCHEMA)
        .cast(_DRIFT_SCHEMA)
    )
