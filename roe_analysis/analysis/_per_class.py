"""Precision, recall and F1 of the agent per label, with intervals that count the input as the unit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from roe_analysis.analysis._agreement import (
    CONFUSION_STATS,
    OUTCOME_COLUMNS,
    confusion_counts,
    label_index,
    with_cluster,
)
from roe_analysis.analysis._common import DEFAULT_BY, By, group_aggregate, group_keys, keyed_schema
from roe_analysis.analysis._labels import REJECTED_UNCORRECTED, label_domain, placed_outcomes
from roe_analysis.analysis._labels import check_labels as _check_labels
from roe_analysis.analysis._outcomes import outcomes_from
from roe_analysis.analysis._score_intervals import cluster_wilson_interval
from roe_analysis.analysis._slices import by_names, with_metadata_keys
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence, percentile_interval
from roe_analysis.analysis._units import MIN_N, group_design_effect
from roe_analysis.frames import JobFrames

#: Columns and dtypes of `per_class_metrics` after its ``by`` columns.
PER_CLASS_STATS = pl.Schema(
    {
        "label": pl.String(),
        "support": pl.UInt32(),
        "n_predicted": pl.UInt32(),
        "n_correct": pl.UInt32(),
        "precision": pl.Float64(),
        "recall": pl.Float64(),
        "f1": pl.Float64(),
        "n_rejected_uncorrected": pl.UInt32(),
        "precision_low": pl.Float64(),
        "precision_high": pl.Float64(),
        "recall_low": pl.Float64(),
        "recall_high": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
        "n_inputs": pl.UInt32(),
        "precision_design_effect": pl.Float64(),
        "recall_design_effect": pl.Float64(),
        "f1_low": pl.Float64(),
        "f1_high": pl.Float64(),
    }
)


def per_class_metrics(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    labels: Sequence[str] | None = None,
    verdict_field: str = "verdict",
    cluster: str | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """Precision, recall and F1 of the agent per label, taking the reviewers' final verdict as truth.

    Over the pairs (both verdicts known). For a label: ``support`` = pairs whose final verdict is the
    label, ``n_predicted`` = pairs whose agent verdict is the label, ``n_correct`` = both.
    ``precision = n_correct / n_predicted`` (null when the agent never said the label),
    ``recall = n_correct / support`` (null when reviewers never settled on it), ``f1`` their harmonic
    mean (null when either is null, 0 when both are 0). Null rather than sklearn's default 0 where a
    ratio has no denominator: "never predicted" is not "always wrong".

    Intervals count the input as the unit (reruns of one input reviewed several times are one unit
    of evidence; ``cluster=`` any column, or with `JobFrames` a metadata key): precision and recall
    get Wilson's interval at ``n / deff`` with a ``t_{G-1}`` critical value (exactly Wilson's with
    one review per input; ``precision_design_effect``/``recall_design_effect`` give ``deff``), F1 a
    percentile cluster bootstrap over the inputs (seeded). ``n_inputs`` counts the inputs with a
    pair in which the label is predicted or settled on. Fewer than `MIN_N` (10) predictions or
    settled reviews (or inputs): ``too_few``, a ``note``, and no interval for that ratio or for F1.

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns.
        by: column(s) of `review_outcomes` to group by (with `JobFrames` also metadata keys);
            ``None`` or ``()`` for one overall set of rows.
        labels: the full label set, in display order; default: every verdict in the data, sorted.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).
        cluster: the unit of evidence (``None``: the input), as in `agreement_summary`.
        confidence: level of every interval.
        n_resamples: bootstrap resamples of the F1 interval.
        seed: seed of the F1 bootstrap (the same data and seed give the same interval).

    Returns:
        The ``by`` columns, ``label``, ``support``, ``n_predicted``, ``n_correct``, ``precision``,
        ``recall``, ``f1``, ``n_rejected_uncorrected``, ``precision_low``/``_high``,
        ``recall_low``/``_high``, ``too_few``, ``note``, ``n_inputs``, ``precision_design_effect``,
        ``recall_design_effect`` and ``f1_low``/``f1_high``, one row per label per group.

    Examples:
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {
        ...         "review_status": ["approved", "approved", "rejected", "approved"],
        ...         "agent_verdict": ["A", "B", "A", "A"],
        ...         "final_verdict": ["A", "B", "B", "A"],
        ...     }
        ... )
        >>> per_class_metrics(outcomes, by=None).select(
        ...     "label", "support", "n_predicted", "n_correct", "precision", "recall", "f1"
        ... )
        shape: (2, 7)
        ┌───────┬─────────┬─────────────┬───────────┬───────────┬────────┬──────────┐
        │ label ┆ support ┆ n_predicted ┆ n_correct ┆ precision ┆ recall ┆ f1       │
        │ ---   ┆ ---     ┆ ---         ┆ ---       ┆ ---       ┆ ---    ┆ ---      │
        │ str   ┆ u32     ┆ u32         ┆ u32       ┆ f64       ┆ f64    ┆ f64      │
        ╞═══════╪═════════╪═════════════╪═══════════╪═══════════╪════════╪══════════╡
        │ A     ┆ 2       ┆ 3           ┆ 2         ┆ 0.666667  ┆ 1.0    ┆ 0.8      │
        │ B     ┆ 2       ┆ 1           ┆ 1         ┆ 1.0       ┆ 0.5    ┆ 0.666667 │
        └───────┴─────────┴─────────────┴───────────┴───────────┴────────┴──────────┘
    """
    helper = "per_class_metrics"
    check_confidence(confidence)
    label_list = _check_labels(labels, helper=helper)
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=OUTCOME_COLUMNS)
    outcomes = with_metadata_keys(frames, outcomes, [*by_names(by), cluster], helper=helper)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=[*PER_CLASS_STATS, *CONFUSION_STATS])
    outcomes, _ = with_cluster(outcomes, cluster, helper=helper)
    domain = label_domain(outcomes, label_list, helper=helper)
    confusion = confusion_counts(outcomes, keys, domain)
    if confusion.height == 0:
        return pl.DataFrame(schema=keyed_schema(outcomes, keys, PER_CLASS_STATS))
    count = pl.col("count")
    predicted = (
        confusion.group_by([*keys, "agent_verdict"]).agg(n_predicted=count.sum()).rename({"agent_verdict": "label"})
    )
    support = (
        confusion.filter(pl.col("final_verdict") != REJECTED_UNCORRECTED)
        .group_by([*keys, "final_verdict"])
        .agg(
            support=count.sum(),
            n_correct=count.filter(pl.col("agent_verdict") == pl.col("final_verdict")).sum(),
        )
        .rename({"final_verdict": "label"})
    )
    uncorrected = group_aggregate(
        placed_outcomes(outcomes, domain).filter(pl.col("_uncorrected") & pl.col("agent_verdict").is_not_null()),
        [*keys, "agent_verdict"],
        [pl.len().alias("n_rejected_uncorrected")],
    ).rename({"agent_verdict": "label"})
    precision = pl.when(pl.col("n_predicted") > 0).then(pl.col("n_correct") / pl.col("n_predicted"))
    recall = pl.when(pl.col("support") > 0).then(pl.col("n_correct") / pl.col("support"))
    few_predicted, few_support = pl.col("n_predicted") < MIN_N, pl.col("support") < MIN_N
    counts = (
        support.join(predicted, on=[*keys, "label"], nulls_equal=True)
        .join(uncorrected, on=[*keys, "label"], how="left", nulls_equal=True)
        .with_columns(
            precision=precision, recall=recall, n_rejected_uncorrected=pl.col("n_rejected_uncorrected").fill_null(0)
        )
        .with_columns(
            f1=pl.when(pl.col("precision") + pl.col("recall") > 0)
            .then(2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall")))
            .when(pl.col("precision").is_not_null() & pl.col("recall").is_not_null())
            .then(0.0),
        )
        .sort(*keys, label_index("label", domain), nulls_last=True)
    )
    placed = placed_outcomes(outcomes, domain).filter(pl.col("_pair") | pl.col("_unplaced"))
    intervals = _intervals(counts, placed, keys, confidence=confidence, n_resamples=n_resamples, seed=seed)
    few_predicted = few_predicted | (pl.col("_predicted_inputs") < MIN_N)
    few_support = few_support | (pl.col("_support_inputs") < MIN_N)
    return (
        pl.concat([counts, intervals], how="horizontal")
        .with_columns(
            too_few=few_predicted | few_support,
            note=pl.when(few_predicted & few_support)
            .then(pl.lit("too few to tell"))
            .when(few_predicted)
            .then(pl.lit(f"too few to tell precision (fewer than {MIN_N} predictions or inputs)"))
            .when(few_support)
            .then(pl.lit(f"too few to tell recall (fewer than {MIN_N} reviews or inputs settled on the label)")),
        )
        .with_columns(
            pl.when(few_predicted.not_()).then(pl.col(c)).alias(c) for c in ("precision_low", "precision_high")
        )
        .with_columns(pl.when(few_support.not_()).then(pl.col(c)).alias(c) for c in ("recall_low", "recall_high"))
        .with_columns(
            pl.when((few_predicted | few_support).not_()).then(pl.col(c)).alias(c) for c in ("f1_low", "f1_high")
        )
        .select(*keys, *PER_CLASS_STATS)
        .cast(PER_CLASS_STATS)
    )


def _intervals(
    counts: pl.DataFrame, placed: pl.DataFrame, keys: list[str], *, confidence: float, n_resamples: int, seed: int
) -> pl.DataFrame:
    """Per row of ``counts`` (a group and a label): the clustered intervals and their inputs."""
    groups = placed.partition_by(keys, as_dict=True, include_key=True) if keys else {(): placed}
    rows: list[tuple[object, ...]] = []
    for row in counts.iter_rows(named=True):
        pairs = groups.get(tuple(row[k] for k in keys))
        label = row["label"]
        if pairs is None:
            rows.append((0, None, None, None, None, None, None, None, None, 0, 0))
            continue
        agent = (pairs.get_column("agent_verdict") == label).fill_null(False).to_numpy()
        final = (pairs.get_column("_final") == label).fill_null(False).to_numpy()
        settled = pairs.get_column("_pair").to_numpy() & final
        clusters = pairs.get_column("_cluster").fill_null("\x00").to_numpy()
        hit = agent & settled
        precision = cluster_wilson_interval(hit[agent].astype(float), clusters[agent], confidence=confidence)
        recall = cluster_wilson_interval(hit[settled].astype(float), clusters[settled], confidence=confidence)
        involved = agent | settled
        rows.append(
            (
                np.unique(clusters[involved]).size,
                group_design_effect(hit[agent], clusters[agent]),
                group_design_effect(hit[settled], clusters[settled]),
                *precision,
                *recall,
                *_f1_interval(hit, agent, settled, clusters, confidence=confidence, n_resamples=n_resamples, seed=seed),
                np.unique(clusters[agent]).size,
                np.unique(clusters[settled]).size,
            )
        )
    schema = {
        "n_inputs": pl.UInt32,
        "precision_design_effect": pl.Float64,
        "recall_design_effect": pl.Float64,
        "precision_low": pl.Float64,
        "precision_high": pl.Float64,
        "recall_low": pl.Float64,
        "recall_high": pl.Float64,
        "f1_low": pl.Float64,
        "f1_high": pl.Float64,
        "_predicted_inputs": pl.UInt32,
        "_support_inputs": pl.UInt32,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _f1_interval(
    hit: np.ndarray,
    agent: np.ndarray,
    settled: np.ndarray,
    clusters: np.ndarray,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float | None, float | None]:
    """Percentile interval of F1 = 2·TP / (predicted + settled) when whole inputs are resampled."""
    _, codes = np.unique(clusters, return_inverse=True)
    g = int(codes.max()) + 1 if codes.size else 0
    if g < MIN_N:
        return None, None
    per_cluster = np.stack(
        [np.bincount(codes, weights=w.astype(np.float64), minlength=g) for w in (hit, agent, settled)], axis=1
    )
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(g, np.full(g, 1.0 / g), size=n_resamples).astype(np.float64) @ per_cluster
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * draws[:, 0] / (draws[:, 1] + draws[:, 2])
    return percentile_interval(f1, confidence)
