"""Reviewers and scores: grader against human scores, each reviewer's habits, reviewers against each other.

- `score_agreement` / `score_disagreements`: does the automatic grader score jobs the way humans do?
- `reviewer_stats` / `reviewer_drift`: how each reviewer decides, and whether that moves over time.
- `inter_reviewer_agreement`: where several reviewers judged the same input, do they settle on the
  same label (Krippendorff's alpha, Fleiss' kappa)?

An *item* is an input judged more than once: the jobs whose inputs hold the same set of
``(key, value)`` pairs, whatever their order, descriptions, data types or file names. Jobs without
inputs cannot be matched and are never items.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

from roe_analysis._schema import UTC, ReviewStatus
from roe_analysis.analysis._agreement import (
    DECIDED,
    by_columns,
    describe_groups,
    group_aggregate,
    keyed_schema,
    outcomes_from,
    review_outcomes,
)
from roe_analysis.analysis._common import require_columns
from roe_analysis.analysis._reliability import (
    alpha_bootstrap,
    fleiss_kappa,
    kappa_arrays,
    krippendorff_alpha_nominal,
)
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    check_confidence,
    wilson_interval,
    z_value,
)
from roe_analysis.errors import ScaleMismatchWarning, UndefinedCoefficientWarning
from roe_analysis.frames import JobFrames

_SCORE_STATS = pl.Schema(
    {
        "n_pairs": pl.UInt32(),
        "pearson": pl.Float64(),
        "spearman": pl.Float64(),
        "mean_abs_diff": pl.Float64(),
        "bias": pl.Float64(),
        "loa_low": pl.Float64(),
        "loa_high": pl.Float64(),
        "scales_differ": pl.Boolean(),
        "grader_threshold": pl.Float64(),
        "human_threshold": pl.Float64(),
        "threshold_agreement": pl.Float64(),
        "threshold_kappa": pl.Float64(),
    }
)

_DISAGREEMENT_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "grader_score": pl.Float64(),
        "human_score": pl.Float64(),
        "difference": pl.Float64(),
        "abs_difference": pl.Float64(),
        "review_status": ReviewStatus,
        "reviewed_by": pl.String(),
        "review_comment": pl.String(),
    }
)

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
        "n_peer_pairs": pl.UInt32(),
        "peer_agreement_rate": pl.Float64(),
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

_INTER_STATS = pl.Schema(
    {
        "n_items": pl.UInt32(),
        "n_reviewers": pl.UInt32(),
        "n_values": pl.UInt32(),
        "krippendorff_alpha": pl.Float64(),
        "alpha_low": pl.Float64(),
        "alpha_high": pl.Float64(),
        "fleiss_kappa": pl.Float64(),
        "fleiss_note": pl.String(),
    }
)

#: The two scores compared by `score_agreement`.
SCORE_COLUMNS = ("grader_score", "human_score")


def _jobs_frame(source: JobFrames | pl.DataFrame, *, helper: str, columns: Sequence[str]) -> pl.DataFrame:
    """The jobs frame of ``source`` (`JobFrames` or a jobs frame), checked to hold ``columns``."""
    if isinstance(source, JobFrames):
        return source.jobs
    if isinstance(source, pl.DataFrame):
        require_columns(source, columns, helper=helper)
        return source
    raise TypeError(f"{helper} expects JobFrames or its jobs frame; got {type(source).__name__}")


def _check_threshold(value: object, *, name: str, helper: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value)):
        raise ValueError(f"{helper}: {name} must be a finite number; got {value!r}")


def both_scores(jobs: pl.DataFrame) -> pl.DataFrame:
    """Jobs with both scores present (null and NaN are missing scores)."""
    return jobs.filter(*(pl.col(c).is_not_null() & pl.col(c).is_not_nan() for c in SCORE_COLUMNS))


def _scales_differ(grader_max: pl.Expr, human_max: pl.Expr) -> pl.Expr:
    """One score never exceeds 1 in magnitude while the other does: a 0–1 scale against e.g. 0–100."""
    return (grader_max <= 1) != (human_max <= 1)


def _warn_scales(frame: pl.DataFrame, keys: list[str], *, stacklevel: int) -> None:
    differ = frame.filter(pl.col("scales_differ"))
    if differ.height:
        warnings.warn(
            f"grader and human scores look like different scales in {differ.height} group(s) "
            f"({describe_groups(differ, keys)}): one never exceeds 1 in magnitude while the other does. "
            "Differences, mean_abs_diff and the Bland–Altman bias and limits mean nothing across scales; "
            "rescale one of them (e.g. human_score / 100) first. Pearson and Spearman are unaffected.",
            ScaleMismatchWarning,
            stacklevel=stacklevel,
        )


def score_agreement(
    frames: JobFrames | pl.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    threshold: float | None = None,
    grader_threshold: float | None = None,
    human_threshold: float | None = None,
) -> pl.DataFrame:
    """How closely the grader's scores track the human scores, over jobs that have both.

    - ``pearson``: Pearson correlation; ``spearman``: Pearson correlation of the ranks, ties given
      their average rank (as ``scipy.stats.spearmanr``). Null when either score is constant or there
      are fewer than two pairs.
    - ``mean_abs_diff``: mean of ``|grader - human|``.
    - Bland–Altman: ``bias`` = mean of ``grader - human``; ``loa_low``/``loa_high``, the 95% limits of
      agreement, ``bias ∓ 1.96 × SD`` of the differences (SD with ``n - 1``; null below two pairs).
    - With thresholds, each score becomes pass (``>=`` its threshold) or fail, and
      ``threshold_agreement`` is the share of jobs where grader and human pass or fail together,
      ``threshold_kappa`` Cohen's kappa of that 2 × 2 table (null where undefined, e.g. everything
      passes). ``threshold`` sets both; ``grader_threshold``/``human_threshold`` override one side,
      for scores on different scales.

    ``human_score`` has no fixed scale (0–1 and 0–100 both occur). When one score never exceeds 1 in
    magnitude and the other does, ``scales_differ`` is true and a `ScaleMismatchWarning` is emitted:
    differences then mean nothing, though the correlations still do.

    Args:
        frames: `JobFrames`, or its ``jobs`` frame (or any frame with ``grader_score`` and
            ``human_score``), e.g. filtered.
        by: column(s) to group by, e.g. ``"agent_version_name"``.
        threshold: pass mark for both scores.
        grader_threshold: pass mark for ``grader_score`` (overrides ``threshold``).
        human_threshold: pass mark for ``human_score`` (overrides ``threshold``).

    Returns:
        One row per group: the ``by`` columns, ``n_pairs``, ``pearson``, ``spearman``,
        ``mean_abs_diff``, ``bias``, ``loa_low``, ``loa_high``, ``scales_differ``, the thresholds used
        (``grader_threshold``, ``human_threshold``), ``threshold_agreement`` and ``threshold_kappa``.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {"grader_score": [0.9, 0.8, 0.3, 0.6, 0.2], "human_score": [1.0, 0.7, 0.4, 0.4, 0.1]}
        ... )
        >>> score_agreement(jobs, threshold=0.5).select(
        ...     "n_pairs", "pearson", "spearman", "bias", "threshold_agreement", "threshold_kappa"
        ... )
        shape: (1, 6)
        ┌─────────┬──────────┬──────────┬──────┬─────────────────────┬─────────────────┐
        │ n_pairs ┆ pearson  ┆ spearman ┆ bias ┆ threshold_agreement ┆ threshold_kappa │
        │ ---     ┆ ---      ┆ ---      ┆ ---  ┆ ---                 ┆ ---             │
        │ u32     ┆ f64      ┆ f64      ┆ f64  ┆ f64                 ┆ f64             │
        ╞═════════╪══════════╪══════════╪══════╪═════════════════════╪═════════════════╡
        │ 5       ┆ 0.920316 ┆ 0.974679 ┆ 0.04 ┆ 0.8                 ┆ 0.615385        │
        └─────────┴──────────┴──────────┴──────┴─────────────────────┴─────────────────┘
    """
    helper = "score_agreement"
    grader_cut = grader_threshold if grader_threshold is not None else threshold
    human_cut = human_threshold if human_threshold is not None else threshold
    if (grader_cut is None) != (human_cut is None):
        raise ValueError(
            f"{helper}: thresholding needs a pass mark for both scores; got grader_threshold={grader_cut!r} "
            f"and human_threshold={human_cut!r}. Pass threshold=..., or both grader_threshold and human_threshold."
        )
    _check_threshold(grader_cut, name="grader_threshold", helper=helper)
    _check_threshold(human_cut, name="human_threshold", helper=helper)
    jobs = _jobs_frame(frames, helper=helper, columns=SCORE_COLUMNS)
    keys = by_columns(by, jobs, helper=helper, reserved=list(_SCORE_STATS))
    scored = both_scores(jobs)
    if scored.height == 0:
        return pl.DataFrame(schema=keyed_schema(scored, keys, _SCORE_STATS))

    grader, human = pl.col("grader_score"), pl.col("human_score")
    diff = grader - human
    aggregations = [
        pl.len().alias("n_pairs"),
        pl.corr(grader, human).alias("pearson"),
        pl.corr(grader.rank("average"), human.rank("average")).alias("spearman"),
        diff.abs().mean().alias("mean_abs_diff"),
        diff.mean().alias("bias"),
        diff.std(ddof=1).alias("_sd"),
        _scales_differ(grader.abs().max(), human.abs().max()).alias("scales_differ"),
    ]
    thresholded = grader_cut is not None and human_cut is not None
    if thresholded:
        grader_pass, human_pass = grader >= grader_cut, human >= human_cut
        # the 2 × 2 table, rows grader pass/fail, columns human pass/fail
        cells = [
            grader_pass & human_pass,
            grader_pass & ~human_pass,
            ~grader_pass & human_pass,
            ~grader_pass & ~human_pass,
        ]
        aggregations += [
            (grader_pass == human_pass).mean().alias("threshold_agreement"),
            *(cell.sum().alias(f"_cell{i}") for i, cell in enumerate(cells)),
        ]
    stats = group_aggregate(scored, keys, aggregations)
    kappa = np.full(stats.height, np.nan)
    if thresholded:
        counts = np.stack([stats.get_column(f"_cell{i}").to_numpy() for i in range(4)], axis=-1)
        kappa, _ = kappa_arrays(counts.reshape(-1, 2, 2))
    z = z_value(0.95)
    result = (
        stats.with_columns(
            pl.col("pearson", "spearman").fill_nan(None),
            loa_low=pl.col("bias") - z * pl.col("_sd"),
            loa_high=pl.col("bias") + z * pl.col("_sd"),
            grader_threshold=pl.lit(grader_cut, pl.Float64),
            human_threshold=pl.lit(human_cut, pl.Float64),
            threshold_kappa=pl.Series(kappa, dtype=pl.Float64, nan_to_null=True),
        )
        .with_columns(threshold_agreement=pl.col("threshold_agreement") if thresholded else pl.lit(None, pl.Float64))
        .select(*keys, *_SCORE_STATS)
        .cast(_SCORE_STATS)
    )
    _warn_scales(result, keys, stacklevel=3)
    return result


def score_disagreements(frames: JobFrames | pl.DataFrame, *, n: int = 10) -> pl.DataFrame:
    """The ``n`` jobs where grader and human scores differ most, largest ``|grader - human|`` first.

    Over jobs with both scores; ties are broken by job id so the list is stable. ``difference`` is
    ``grader_score - human_score`` (positive: the grader is more generous). Emits a
    `ScaleMismatchWarning` when the two scores look like different scales, since the differences then
    rank scale, not disagreement.

    Args:
        frames: `JobFrames`, or its ``jobs`` frame (e.g. filtered).
        n: how many jobs to return.

    Returns:
        ``job_id``, ``agent_id``, ``agent_version_name``, ``grader_score``, ``human_score``,
        ``difference``, ``abs_difference``, ``review_status``, ``reviewed_by``, ``review_comment``.

    Examples:
        >>> import polars as pl
        >>> from roe_analysis._schema import JOBS_SCHEMA
        >>> jobs = pl.DataFrame(
        ...     {"id": ["a", "b", "c"], "grader_score": [0.9, 0.2, 0.5], "human_score": [0.8, 0.9, None]}
        ... ).with_columns(
        ...     pl.lit(None, JOBS_SCHEMA[c]).alias(c)
        ...     for c in ("agent_id", "agent_version_name", "review_status", "reviewed_by", "review_comment")
        ... )
        >>> score_disagreements(jobs, n=5).select("job_id", "grader_score", "human_score", "difference")
        shape: (2, 4)
        ┌────────┬──────────────┬─────────────┬────────────┐
        │ job_id ┆ grader_score ┆ human_score ┆ difference │
        │ ---    ┆ ---          ┆ ---         ┆ ---        │
        │ str    ┆ f64          ┆ f64         ┆ f64        │
        ╞════════╪══════════════╪═════════════╪════════════╡
        │ b      ┆ 0.2          ┆ 0.9         ┆ -0.7       │
        │ a      ┆ 0.9          ┆ 0.8         ┆ 0.1        │
        └────────┴──────────────┴─────────────┴────────────┘
    """
    helper = "score_disagreements"
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{helper}: n must be a whole number >= 0; got {n!r}")
    columns = [
        "id",
        "agent_id",
        "agent_version_name",
        *SCORE_COLUMNS,
        "review_status",
        "reviewed_by",
        "review_comment",
    ]
    scored = both_scores(_jobs_frame(frames, helper=helper, columns=columns))
    if scored.height:
        check = scored.select(
            _scales_differ(pl.col("grader_score").abs().max(), pl.col("human_score").abs().max()).alias("scales_differ")
        )
        _warn_scales(check, [], stacklevel=3)
    diff = pl.col("grader_score") - pl.col("human_score")
    return (
        scored.select(
            pl.col("id").alias("job_id"),
            "agent_id",
            "agent_version_name",
            "grader_score",
            "human_score",
            diff.alias("difference"),
            diff.abs().alias("abs_difference"),
            "review_status",
            "reviewed_by",
            "review_comment",
        )
        .sort(["abs_difference", "job_id"], descending=[True, False], nulls_last=True)
        .head(n)
        .cast(_DISAGREEMENT_SCHEMA)
    )


def _item_ids(inputs: pl.DataFrame) -> pl.DataFrame:
    """``job_id`` → ``item_id``: jobs with the same set of input ``(key, value)`` pairs share an item.

    Ids are numbered in order of each item's smallest job id, so they do not depend on row order
    (the bootstrap of `inter_reviewer_agreement` resamples items in this order).
    """
    # JSON-encoded pairs cannot contain a raw newline, so joining them with one is unambiguous.
    signatures = (
        inputs.select("job_id", pl.struct("key", "value").struct.json_encode().alias("_pair"))
        .unique()
        .sort("job_id", "_pair")
        .group_by("job_id", maintain_order=True)
        .agg(pl.col("_pair").str.join("\n").alias("_signature"))
    )
    return (
        signatures.group_by("_signature", maintain_order=True)
        .agg("job_id")
        .with_row_index("item_id")
        .explode("job_id")
        .select("job_id", "item_id")
    )


def _values(outcomes: pl.DataFrame, inputs: pl.DataFrame) -> pl.DataFrame:
    """The outcomes with a final verdict whose job belongs to an item, with its ``item_id``."""
    return outcomes.filter(pl.col("final_verdict").is_not_null()).join(_item_ids(inputs), on="job_id")


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
      approved a job the grader passes (``grader_score >= grader_threshold``) or rejected one it fails.
    - Agreement with other reviewers: for every item (same inputs, see the module docstring) this
      reviewer judged, each of their final verdicts is paired with each final verdict another reviewer
      gave on the item; ``n_peer_pairs`` counts the pairs and ``peer_agreement_rate`` the share with
      the same label.
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
    _require_frames(frames, helper)
    _check_threshold(grader_threshold, name="grader_threshold", helper=helper)
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
        (rejected & pl.col("final_verdict").is_not_null()).sum().alias("n_corrected"),
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
    return (
        stats.join(_peer_pairs(_values(outcomes, frames.inputs)), on="reviewed_by", how="left", nulls_equal=True)
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
    """Per reviewer: pairs of (own final verdict, another reviewer's final verdict) on shared items."""
    left = values.filter(pl.col("reviewed_by").is_not_null()).select("item_id", "reviewed_by", "final_verdict")
    right = left.rename({"reviewed_by": "_other", "final_verdict": "_other_verdict"})
    pairs = left.join(right, on="item_id").filter(pl.col("reviewed_by") != pl.col("_other"))
    return pairs.group_by("reviewed_by").agg(
        pl.len().alias("n_peer_pairs"),
        (pl.col("final_verdict") == pl.col("_other_verdict")).mean().alias("peer_agreement_rate"),
    )


def _require_frames(frames: object, helper: str) -> None:
    if not isinstance(frames, JobFrames):
        raise TypeError(
            f"{helper} expects JobFrames (it needs the inputs frame to match items); got {type(frames).__name__}"
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
    if not isinstance(every, str) or not every:
        raise ValueError(f"{helper}: every must be a Polars duration string such as '1w'; got {every!r}")
    outcomes = outcomes_from(
        frames, helper=helper, verdict_field=verdict_field, columns=("reviewed_by", "review_status", "reviewed_at")
    )
    try:
        # Periods are cut in UTC, whatever zone the frame's datetimes are in.
        period = pl.col("reviewed_at").dt.convert_time_zone("UTC").dt.truncate(every)
        pl.select(pl.lit(None, UTC).dt.truncate(every))
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError, ValueError) as exc:
        raise ValueError(f"{helper}: every={every!r} is not a Polars duration string (e.g. '1d', '1w', '1mo')") from exc
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


def inter_reviewer_agreement(
    frames: JobFrames,
    *,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """Do reviewers settle on the same label when they judge the same input? Alpha and Fleiss' kappa.

    An *item* is the set of jobs whose inputs hold the same ``(key, value)`` pairs (order,
    descriptions and data types ignored; jobs without inputs are never items). A *rater* is
    ``reviewed_by``, and a *value* is a final verdict (see `review_outcomes`; pending reviews and
    rejections without a correction give none). Every final verdict on an item is one value, repeated
    reviews of the same input by the same reviewer included, exactly as the coincidence matrix of
    Krippendorff's alpha counts all pairable values; only items with two or more values are pairable.

    - ``krippendorff_alpha``: nominal alpha (Krippendorff 2011); ``alpha_low``/``alpha_high``: a
      percentile bootstrap resampling items with replacement (``n_resamples`` resamples, ``seed``), so
      the interval reflects item-to-item variation. Null, with an `UndefinedCoefficientWarning`, when
      every value is the same label (no disagreement is possible to measure, ``D_e = 0``).
    - ``fleiss_kappa``: Fleiss (1971), computed only where its design holds: every item has the same
      number of values and no reviewer judged an item twice (ratings with an unknown reviewer are taken
      as distinct). Otherwise null, with the reason in ``fleiss_note`` (null when kappa is computed).

    Args:
        frames: the loaded jobs.
        by: column(s) of `review_outcomes` to compute within, e.g. ``"agent_id"`` so that the same
            input sent to different agents is not one item.
        confidence: level of the alpha interval.
        n_resamples: bootstrap resamples.
        seed: bootstrap seed; the same seed gives the same interval.
        verdict_field: key of the agent's verdict in ``ui_fields``.

    Returns:
        One row per group: the ``by`` columns, ``n_items`` (items with two or more values),
        ``n_reviewers`` (distinct reviewers on those items), ``n_values`` (values on those items),
        ``krippendorff_alpha``, ``alpha_low``, ``alpha_high``, ``fleiss_kappa`` and ``fleiss_note``.

    Examples:
        >>> from roe_analysis import JobFrames
        >>> def job(n, text, reviewer, verdict):
        ...     return {
        ...         "id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": "v1", "status_code": 3,
        ...         "created_at": "2026-05-01T10:00:00Z", "last_updated_at": "2026-05-01T10:00:00Z",
        ...         "duration_ms": 900, "status_events": [], "metadata": {}, "evaluation": None,
        ...         "job_inputs": [{"key": "text", "value": text}], "ui_fields": {"verdict": verdict},
        ...         "feedback_review": {"review_status": "approved", "reviewed_by": reviewer},
        ...     }
        >>> records = [
        ...     job(1, "a", "ana", "Suspicious"), job(2, "a", "bo", "Suspicious"),
        ...     job(3, "b", "ana", "Not Suspicious"), job(4, "b", "bo", "Not Suspicious"),
        ...     job(5, "c", "ana", "Suspicious"), job(6, "c", "bo", "Not Suspicious"),
        ... ]
        >>> frames = JobFrames.from_records(records, agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> inter_reviewer_agreement(frames, n_resamples=200).select(
        ...     "n_items", "n_reviewers", "n_values", "krippendorff_alpha", "fleiss_kappa"
        ... )
        shape: (1, 5)
        ┌─────────┬─────────────┬──────────┬────────────────────┬──────────────┐
        │ n_items ┆ n_reviewers ┆ n_values ┆ krippendorff_alpha ┆ fleiss_kappa │
        │ ---     ┆ ---         ┆ ---      ┆ ---                ┆ ---          │
        │ u32     ┆ u32         ┆ u32      ┆ f64                ┆ f64          │
        ╞═════════╪═════════════╪══════════╪════════════════════╪══════════════╡
        │ 3       ┆ 2           ┆ 6        ┆ 0.444444           ┆ 0.333333     │
        └─────────┴─────────────┴──────────┴────────────────────┴──────────────┘
    """
    helper = "inter_reviewer_agreement"
    check_confidence(confidence)
    _require_frames(frames, helper)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValueError(f"{helper}: n_resamples must be a whole number >= 1; got {n_resamples!r}")
    outcomes = review_outcomes(frames, verdict_field=verdict_field)
    keys = by_columns(by, outcomes, helper=helper, reserved=[*_INTER_STATS, "item_id"])
    if outcomes.height == 0:
        return pl.DataFrame(schema=keyed_schema(outcomes, keys, _INTER_STATS))
    groups = group_aggregate(outcomes, keys, [pl.len().alias("_rows")]).drop("_rows")
    values = _values(outcomes, frames.inputs)
    per_item = values.group_by([*keys, "item_id"]).agg(
        pl.len().alias("m"),
        (pl.col("reviewed_by").drop_nulls().n_unique() + pl.col("reviewed_by").null_count()).alias("raters"),
    )
    pairable = per_item.filter(pl.col("m") >= 2)
    values = values.join(pairable.select(*keys, "item_id"), on=[*keys, "item_id"], nulls_equal=True)
    domain = values.get_column("final_verdict").unique().sort().to_list()

    rows = []
    for group in groups.iter_rows(named=True):
        in_group = [pl.col(k).eq_missing(v) for k, v in group.items()]
        group_values = values.filter(*in_group) if keys else values
        group_items = pairable.filter(*in_group) if keys else pairable
        rows.append(
            group
            | _inter_row(
                group_values, group_items, domain=domain, confidence=confidence, n_resamples=n_resamples, seed=seed
            )
        )
    result = pl.DataFrame(rows, schema=keyed_schema(outcomes, keys, _INTER_STATS), orient="row")
    undefined = result.filter((pl.col("n_items") > 0) & pl.col("krippendorff_alpha").is_null())
    if undefined.height:
        warnings.warn(
            f"Krippendorff's alpha is undefined in {undefined.height} group(s) ({describe_groups(undefined, keys)}): "
            "every review gave the same label, so there is no variation to measure agreement against. "
            "It is left null.",
            UndefinedCoefficientWarning,
            stacklevel=2,
        )
    return result


def _inter_row(
    values: pl.DataFrame,
    items: pl.DataFrame,
    *,
    domain: list[str],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> dict[str, object]:
    """The statistics of one group: its pairable values and its pairable items."""
    if items.height == 0:
        return {
            "n_items": 0,
            "n_reviewers": 0,
            "n_values": 0,
            "krippendorff_alpha": None,
            "alpha_low": None,
            "alpha_high": None,
            "fleiss_kappa": None,
            "fleiss_note": "no item was reviewed with a final verdict more than once",
        }
    # units × labels value counts: one row per pairable item, one column per label of the domain
    cells = values.select(
        (pl.col("item_id").rank("dense") - 1).alias("unit"),
        pl.col("final_verdict").replace_strict(domain, list(range(len(domain))), return_dtype=pl.Int64).alias("label"),
    )
    counts = np.zeros((items.height, len(domain)), dtype=np.float64)
    np.add.at(counts, (cells.get_column("unit").to_numpy(), cells.get_column("label").to_numpy()), 1.0)
    alpha = krippendorff_alpha_nominal(counts)
    low, high = (
        alpha_bootstrap(counts, confidence=confidence, n_resamples=n_resamples, seed=seed)
        if alpha is not None
        else (None, None)
    )
    m_min, m_max = int(items.get_column("m").min()), int(items.get_column("m").max())  # type: ignore[arg-type]
    repeated = items.filter(pl.col("raters") < pl.col("m")).height
    kappa: float | None = None
    if repeated:
        note: str | None = (
            f"a reviewer judged the same item more than once on {repeated} item(s); Fleiss' kappa needs "
            "distinct raters on each item: read krippendorff_alpha"
        )
    elif m_min != m_max:
        note = (
            f"items have between {m_min} and {m_max} values; Fleiss' kappa needs the same number on every "
            "item: read krippendorff_alpha"
        )
    else:
        kappa = fleiss_kappa(counts)
        note = None if kappa is not None else "every value is the same label, so Fleiss' kappa is undefined"
    return {
        "n_items": items.height,
        "n_reviewers": values.get_column("reviewed_by").drop_nulls().n_unique(),
        "n_values": values.height,
        "krippendorff_alpha": alpha,
        "alpha_low": low,
        "alpha_high": high,
        "fleiss_kappa": kappa,
        "fleiss_note": note,
    }
