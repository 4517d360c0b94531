"""Does the automatic grader score jobs the way humans do? `score_agreement` and `score_disagreements`."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from roe_analysis._schema import ReviewStatus
from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_threshold,
    describe_groups,
    group_aggregate,
    group_keys,
    jobs_frame,
    keyed_schema,
)
from roe_analysis.analysis._reliability import kappa_arrays
from roe_analysis.analysis._stats import z_value
from roe_analysis.errors import InvalidArgumentError, ScaleMismatchWarning
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

#: The two scores compared by `score_agreement`.
SCORE_COLUMNS = ("grader_score", "human_score")


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
    by: By = DEFAULT_BY,
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
        by: column(s) to group by; ``None`` or ``()`` for one overall row.
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
        >>> score_agreement(jobs, by=None, threshold=0.5).select(
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
        raise InvalidArgumentError(
            f"{helper}: thresholding needs a pass mark for both scores; got grader_threshold={grader_cut!r} "
            f"and human_threshold={human_cut!r}. Pass threshold=..., or both grader_threshold and human_threshold."
        )
    check_threshold(grader_cut, helper=helper, name="grader_threshold")
    check_threshold(human_cut, helper=helper, name="human_threshold")
    jobs = jobs_frame(frames, helper=helper, columns=SCORE_COLUMNS)
    keys = group_keys(by, helper=helper, frame=jobs, reserved=_SCORE_STATS)
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
        >>> from roe_analysis.frames import JobFrames
        >>> jobs = JobFrames.from_tables(
        ...     jobs={"id": ["a", "b", "c"], "grader_score": [0.9, 0.2, 0.5], "human_score": [0.8, 0.9, None]}
        ... ).jobs
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
        raise InvalidArgumentError(f"{helper}: n must be a whole number >= 0 (how many jobs to list); got {n!r}")
    columns = [
        "id",
        "agent_id",
        "agent_version_name",
        *SCORE_COLUMNS,
        "review_status",
        "reviewed_by",
        "review_comment",
    ]
    scored = both_scores(jobs_frame(frames, helper=helper, columns=columns))
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
