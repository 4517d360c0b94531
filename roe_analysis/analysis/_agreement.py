"""Do human reviewers agree with the agent? Agreement summary, confusion matrix, per-class metrics.

Each helper takes `JobFrames` or the frame `review_outcomes` returns (e.g. after filtering it), so a
notebook can narrow the data once and reuse it; `review_outcomes` itself is in
`roe_analysis.analysis._outcomes`.

Warnings, all `AgreementWarning` (a ``UserWarning``) or a subclass::

    AgreementWarning                  rejections without a correction that no cell can hold (their
    │                                 count; kappa/AC1 bounds instead); in `review_outcomes`, labels
    │                                 merged by case/whitespace and contradictory approvals
    ├── UndefinedCoefficientWarning   a coefficient is mathematically undefined and left null
    ├── PrevalenceSkewWarning         one label dominates, so kappa is deflated: read AC1/PABAK
    └── ScaleMismatchWarning          grader and human scores look like different scales
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    describe_groups,
    group_aggregate,
    group_keys,
    keyed_schema,
)
from roe_analysis.analysis._labels import (
    REJECTED_UNCORRECTED,
    ac1_bounds,
    kappa_bounds,
    label_domain,
    placed_outcomes,
    placements,
)
from roe_analysis.analysis._labels import check_labels as _check_labels
from roe_analysis.analysis._outcomes import (
    DECIDED,
    OUTCOMES_SCHEMA,  # noqa: F401 (tests/charts import it from here)
    outcomes_from,
)
from roe_analysis.analysis._reliability import (
    ac1_arrays,
    contingency_tables,
    kappa_arrays,
    pabak_from_agreement,
    wald_bounds,
)
from roe_analysis.analysis._stats import check_confidence, wilson_interval
from roe_analysis.analysis._units import MIN_N
from roe_analysis.errors import (
    AgreementWarning,
    InvalidArgumentError,
    PrevalenceSkewWarning,
    UndefinedCoefficientWarning,
)
from roe_analysis.frames import JobFrames

#: The statistics columns of `agreement_summary`, after its ``by`` columns.
SUMMARY_STATS = pl.Schema(
    {
        "n_reviewed": pl.UInt32(),
        "n_approved": pl.UInt32(),
        "n_pending": pl.UInt32(),
        "approval_rate": pl.Float64(),
        "approval_rate_low": pl.Float64(),
        "approval_rate_high": pl.Float64(),
        "n_pairs": pl.UInt32(),
        "n_agree": pl.UInt32(),
        "agreement_rate": pl.Float64(),
        "agreement_rate_low": pl.Float64(),
        "agreement_rate_high": pl.Float64(),
        "cohen_kappa": pl.Float64(),
        "cohen_kappa_low": pl.Float64(),
        "cohen_kappa_high": pl.Float64(),
        "gwet_ac1": pl.Float64(),
        "gwet_ac1_low": pl.Float64(),
        "gwet_ac1_high": pl.Float64(),
        "pabak": pl.Float64(),
        "pabak_low": pl.Float64(),
        "pabak_high": pl.Float64(),
        "n_labels": pl.UInt32(),
        "majority_share": pl.Float64(),
        "prevalence_skewed": pl.Boolean(),
        "n_rejected_uncorrected": pl.UInt32(),
        "n_contradictory": pl.UInt32(),
        "cohen_kappa_min": pl.Float64(),
        "cohen_kappa_max": pl.Float64(),
        "gwet_ac1_min": pl.Float64(),
        "gwet_ac1_max": pl.Float64(),
    }
)

#: The columns of `confusion_matrix` after its ``by`` columns.
CONFUSION_STATS = pl.Schema(
    {
        "agent_verdict": pl.String(),
        "final_verdict": pl.String(),
        "count": pl.UInt32(),
        "share_of_agent_verdict": pl.Float64(),
    }
)

_PER_CLASS_STATS = pl.Schema(
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
    }
)


def _empty(keys: list[str], frame: pl.DataFrame, stats: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=keyed_schema(frame, keys, stats))


def _label_index(column: str, domain: list[str]) -> pl.Expr:
    return pl.col(column).replace_strict(domain, list(range(len(domain))), return_dtype=pl.Int64)


_OUTCOME_COLUMNS = ("agent_verdict", "final_verdict", "review_status")


def agreement_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
    skew_threshold: float = 0.8,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """How often reviewers approve the agent and how well its labels agree with theirs, per group.

    Two views, because they answer different questions:

    - **Approval** over every completed review (``n_reviewed`` = approved + rejected):
      ``approval_rate`` = approved / reviewed with a Wilson interval. A rejection without a correction
      counts as a disagreement here.
    - **Label agreement** over the *pairs*, the reviews where the agent's verdict is known and the
      review is an agreement or a disagreement (``n_pairs``): ``agreement_rate`` (Wilson interval),
      Cohen's kappa (interval from the Fleiss–Cohen–Everitt 1969 asymptotic standard error), Gwet's
      AC1 (Gwet 2008 standard error) and PABAK (Wilson interval of the agreement rate mapped through
      ``(q * p_o - 1) / (q - 1)``); see `roe_analysis.analysis._reliability`. Kappa and AC1 intervals
      are Wald intervals clipped to [-1, 1]; like any large-sample interval they are degenerate (zero
      width) when every pair agrees, where the Wilson-based agreement and PABAK intervals are not.

    **Rejections without a correction** (``n_rejected_uncorrected``) are disagreements. With two
    labels the reviewer's label is the other one, and every figure is exact. With three or more the
    label is unknown: such a review still counts in ``n_pairs`` (and not in ``n_agree``), so
    ``agreement_rate`` and PABAK stay exact, but kappa and AC1 depend on which label the reviewer
    meant: in such a group ``cohen_kappa``, ``gwet_ac1`` and their intervals are null, and
    ``cohen_kappa_min``/``cohen_kappa_max`` (``gwet_ac1_min``/``gwet_ac1_max``) give the least and
    greatest kappa (AC1) over every placement of those reviews in the other labels of their
    agent-verdict row (exact optima, not estimates: see `roe_analysis.analysis._labels.kappa_bounds`
    and ``ac1_bounds``; they carry no sampling interval), with an `AgreementWarning` giving the
    count. Where the coefficient is exact, both bounds equal it. **Contradictory** approvals (approved with a differing
    correction, ``n_contradictory``) are in no pair.

    Reviewers approve most verdicts, so one label usually dominates and kappa collapses towards 0
    (or is undefined when only one label occurs) even though agreement is high. ``majority_share`` is
    the most common label's share of the known labels (``2 * n_pairs``, less the unknown reviewer
    labels); above ``skew_threshold`` the group is
    ``prevalence_skewed`` and a `PrevalenceSkewWarning` says to read AC1 and PABAK beside kappa. When
    every label is the same, kappa is left null with an `UndefinedCoefficientWarning`; AC1 and PABAK
    stay defined. Every statistic of a group without data is null, never NaN.

    ``q`` (``n_labels``), the number of labels AC1 and PABAK assume available, is ``len(labels)`` when
    given, else the number of distinct verdicts in the input (agent and final, all groups, so groups are
    comparable), and at least 2: a verdict could always have been otherwise. The same label set
    decides whether a rejection without a correction implies the other label (two labels).

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns (e.g. filtered).
        by: column(s) of `review_outcomes` to group by; ``None`` or ``()`` for one overall row.
        confidence: level of every interval.
        labels: the full set of verdict labels; every verdict in the data must be one of them.
        skew_threshold: majority share above which a group counts as prevalence-skewed.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).

    Returns:
        One row per group (sorted by the ``by`` columns): the ``by`` columns, ``n_reviewed``,
        ``n_approved``, ``n_pending``, ``approval_rate`` (``_low``/``_high``), ``n_pairs``, ``n_agree``,
        ``agreement_rate``, ``cohen_kappa``, ``gwet_ac1``, ``pabak`` (each with ``_low``/``_high``),
        ``n_labels``, ``majority_share``, ``prevalence_skewed``, ``n_rejected_uncorrected``,
        ``n_contradictory``, ``cohen_kappa_min``, ``cohen_kappa_max``, ``gwet_ac1_min`` and
        ``gwet_ac1_max``.

    Examples:
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 6 + ["v2"] * 4,
        ...         "review_status": ["approved"] * 4 + ["rejected"] * 2 + ["approved"] * 3 + ["pending"],
        ...         "agent_verdict": ["A", "A", "B", "B", "A", "B", "A", "B", "B", "A"],
        ...         "final_verdict": ["A", "A", "B", "B", "B", None, "A", "B", "B", None],
        ...     }
        ... )
        >>> agreement_summary(outcomes, by="agent_version_name").select(
        ...     "agent_version_name", "n_reviewed", "approval_rate", "n_pairs", "cohen_kappa", "gwet_ac1", "pabak"
        ... )
        shape: (2, 7)
        ┌────────────────────┬────────────┬───────────────┬─────────┬─────────────┬──────────┬──────────┐
        │ agent_version_name ┆ n_reviewed ┆ approval_rate ┆ n_pairs ┆ cohen_kappa ┆ gwet_ac1 ┆ pabak    │
        │ ---                ┆ ---        ┆ ---           ┆ ---     ┆ ---         ┆ ---      ┆ ---      │
        │ str                ┆ u32        ┆ f64           ┆ u32     ┆ f64         ┆ f64      ┆ f64      │
        ╞════════════════════╪════════════╪═══════════════╪═════════╪═════════════╪══════════╪══════════╡
        │ v1                 ┆ 6          ┆ 0.666667      ┆ 6       ┆ 0.333333    ┆ 0.333333 ┆ 0.333333 │
        │ v2                 ┆ 3          ┆ 1.0           ┆ 3       ┆ 1.0         ┆ 1.0      ┆ 1.0      │
        └────────────────────┴────────────┴───────────────┴─────────┴─────────────┴──────────┴──────────┘

        In ``v1`` the rejection of ``B`` without a correction is a pair ``B → A``: two labels, so the
        reviewer's label is implied.
    """
    helper = "agreement_summary"
    check_confidence(confidence)
    if not 0 < skew_threshold < 1:
        raise InvalidArgumentError(
            f"{helper}: skew_threshold must be between 0 and 1, e.g. 0.8; got {skew_threshold!r}"
        )
    label_list = _check_labels(labels, helper=helper)
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=_OUTCOME_COLUMNS)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=SUMMARY_STATS)
    if label_list is not None and len(label_list) < 2:
        raise InvalidArgumentError(f"{helper}: labels must hold at least 2 labels for chance agreement; got {labels!r}")
    if outcomes.height == 0:
        return _empty(keys, outcomes, SUMMARY_STATS)
    domain = label_domain(outcomes, label_list, helper=helper)
    q = max(2, len(domain))

    outcomes = placed_outcomes(outcomes, domain)
    status, pair, unplaced = pl.col("review_status"), pl.col("_pair"), pl.col("_unplaced")
    groups = group_aggregate(
        outcomes,
        keys,
        [
            status.is_in(DECIDED).sum().alias("n_reviewed"),
            (status == "approved").sum().alias("n_approved"),
            (status == "pending").sum().alias("n_pending"),
            (pair | unplaced).sum().alias("n_pairs"),
            (pair & (pl.col("agent_verdict") == pl.col("_final"))).sum().alias("n_agree"),
            pl.col("_uncorrected").sum().alias("n_rejected_uncorrected"),
            pl.col("_contra").sum().alias("n_contradictory"),
        ],
    ).with_row_index("_group")
    tables = _tables(outcomes.filter(pair), groups, keys, cell=("agent_verdict", "_final"), domain=domain, q=q)
    by_row = _tables(
        outcomes.filter(unplaced).with_columns(_row=pl.col("agent_verdict")),
        groups,
        keys,
        cell=("agent_verdict", "_row"),
        domain=domain,
        q=q,
    )
    unplaced_rows = np.diagonal(by_row, axis1=-2, axis2=-1).copy()
    if q == 2:  # one possible cell: the other label (or, with one label seen, "not that label")
        tables, _ = placements(tables, unplaced_rows)
        unplaced_rows = np.zeros_like(unplaced_rows)
    exact = unplaced_rows.sum(axis=-1) == 0
    kappa_min, kappa_max = kappa_bounds(tables, unplaced_rows)
    ac1_min, ac1_max = ac1_bounds(tables, unplaced_rows)

    kappa, kappa_se = kappa_arrays(tables)
    kappa_low, kappa_high = wald_bounds(kappa, kappa_se, confidence=confidence)
    ac1, ac1_se = ac1_arrays(tables)
    ac1_low, ac1_high = wald_bounds(ac1, ac1_se, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        label_totals = tables.sum(axis=-1) + unplaced_rows + tables.sum(axis=-2)
        majority = label_totals.max(axis=-1) / label_totals.sum(axis=-1)
    coefficients = pl.DataFrame(
        [
            pl.Series(name, np.where(exact, values, np.nan) if inexact_is_null else values, dtype=pl.Float64).fill_nan(
                None
            )
            for name, values, inexact_is_null in (
                ("cohen_kappa", kappa, True),
                ("cohen_kappa_low", kappa_low, True),
                ("cohen_kappa_high", kappa_high, True),
                ("gwet_ac1", ac1, True),
                ("gwet_ac1_low", ac1_low, True),
                ("gwet_ac1_high", ac1_high, True),
                ("majority_share", majority, False),
                ("cohen_kappa_min", kappa_min, False),
                ("cohen_kappa_max", kappa_max, False),
                ("gwet_ac1_min", ac1_min, False),
                ("gwet_ac1_max", ac1_max, False),
            )
        ]
    )

    approval_low, approval_high = wilson_interval(pl.col("n_approved"), pl.col("n_reviewed"), confidence=confidence)
    agree_low, agree_high = wilson_interval(pl.col("n_agree"), pl.col("n_pairs"), confidence=confidence)
    result = (
        pl.concat([groups, coefficients], how="horizontal")
        .with_columns(
            approval_rate=pl.when(pl.col("n_reviewed") > 0).then(pl.col("n_approved") / pl.col("n_reviewed")),
            approval_rate_low=approval_low,
            approval_rate_high=approval_high,
            agreement_rate=pl.when(pl.col("n_pairs") > 0).then(pl.col("n_agree") / pl.col("n_pairs")),
            agreement_rate_low=agree_low,
            agreement_rate_high=agree_high,
        )
        .with_columns(
            pabak=pabak_from_agreement(pl.col("agreement_rate"), q),
            pabak_low=pabak_from_agreement(pl.col("agreement_rate_low"), q),
            pabak_high=pabak_from_agreement(pl.col("agreement_rate_high"), q),
            n_labels=pl.lit(q),
            prevalence_skewed=pl.col("majority_share") > skew_threshold,
        )
        .select(*keys, *SUMMARY_STATS)
        .cast(SUMMARY_STATS)
    )
    _warn_summary(result, keys, skew_threshold)
    n_unplaced = int(unplaced_rows.sum())
    if n_unplaced:
        warnings.warn(
            f"{n_unplaced} rejection(s) without a corrected_verdict cannot be placed in a cell ({q} labels, so "
            "the reviewer's label is unknown): agreement_rate and pabak count them as disagreements (exact); "
            "cohen_kappa and gwet_ac1 are left null where they occur, and cohen_kappa_min/_max and "
            "gwet_ac1_min/_max give their range over every label the reviewers could have meant.",
            AgreementWarning,
            stacklevel=2,
        )
    return result


def _tables(
    rows: pl.DataFrame, groups: pl.DataFrame, keys: list[str], *, cell: tuple[str, str], domain: list[str], q: int
) -> np.ndarray:
    """The ``(groups, q, q)`` stack of counts of ``rows`` by the two ``cell`` columns."""
    cells = group_aggregate(rows, [*keys, *cell], [pl.len().alias("n")])
    if keys:
        cells = cells.join(groups.select("_group", *keys), on=keys, nulls_equal=True)
    else:
        cells = cells.with_columns(_group=pl.lit(0, pl.UInt32))
    cells = cells.select("_group", _label_index(cell[0], domain), _label_index(cell[1], domain), "n")
    return contingency_tables(
        *(cells.get_column(c).to_numpy() for c in cells.columns), n_groups=groups.height, n_labels=q
    )


def _warn_summary(result: pl.DataFrame, keys: list[str], skew_threshold: float) -> None:
    undefined = result.filter((pl.col("n_pairs") > 0) & pl.col("cohen_kappa_min").is_null())
    if undefined.height:
        warnings.warn(
            f"Cohen's kappa is undefined in {undefined.height} group(s) ({describe_groups(undefined, keys)}): "
            "the agent and the reviewers used one and the same label, so chance agreement is 1. It is left "
            "null; gwet_ac1 and pabak stay defined there.",
            UndefinedCoefficientWarning,
            stacklevel=3,
        )
    skewed = result.filter(pl.col("prevalence_skewed"))
    if skewed.height:
        warnings.warn(
            f"One label is more than {skew_threshold:.0%} of the labels in {skewed.height} group(s) "
            f"({describe_groups(skewed, keys)}): kappa is deflated by skewed prevalence even when agreement "
            "is high; read gwet_ac1 and pabak beside it.",
            PrevalenceSkewWarning,
            stacklevel=3,
        )


def confusion_matrix(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    labels: Sequence[str] | None = None,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """Agent verdict × final verdict counts as a long frame, every label combination present.

    Every review with an agent verdict that agrees or disagrees counts (see `review_outcomes`;
    contradictory approvals do not). A rejection without a correction is in the other label's cell
    when the label set has two labels; otherwise the right label is unknown, and such reviews are
    counted in an extra column, ``final_verdict = "(rejected, no correction)"``, present in every
    agent-verdict row (zeros included) whenever the label set does not have exactly two labels.
    Every group gets every ``(agent_verdict, final_verdict)`` combination, zeros included, in label
    order (``labels`` as given, else sorted; the extra column last). ``share_of_agent_verdict`` is
    the cell's share of its agent-verdict row, the extra column included: "when the agent says X,
    reviewers settle on Y this often" (null for a row without reviews).

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns.
        by: column(s) of `review_outcomes` to group by; ``None`` or ``()`` for one overall set of rows.
        labels: the full label set, in display order; default: every verdict in the data, sorted.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).

    Returns:
        The ``by`` columns, ``agent_verdict``, ``final_verdict``, ``count`` and ``share_of_agent_verdict``.

    Examples:
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {
        ...         "review_status": ["approved", "approved", "rejected", "rejected"],
        ...         "agent_verdict": ["A", "B", "A", "B"],
        ...         "final_verdict": ["A", "B", "B", None],
        ...     }
        ... )
        >>> confusion_matrix(outcomes, by=None)
        shape: (4, 4)
        ┌───────────────┬───────────────┬───────┬────────────────────────┐
        │ agent_verdict ┆ final_verdict ┆ count ┆ share_of_agent_verdict │
        │ ---           ┆ ---           ┆ ---   ┆ ---                    │
        │ str           ┆ str           ┆ u32   ┆ f64                    │
        ╞═══════════════╪═══════════════╪═══════╪════════════════════════╡
        │ A             ┆ A             ┆ 1     ┆ 0.5                    │
        │ A             ┆ B             ┆ 1     ┆ 0.5                    │
        │ B             ┆ A             ┆ 1     ┆ 0.5                    │
        │ B             ┆ B             ┆ 1     ┆ 0.5                    │
        └───────────────┴───────────────┴───────┴────────────────────────┘

        Two labels, so the rejection of ``B`` without a correction implies ``A``.
    """
    helper = "confusion_matrix"
    label_list = _check_labels(labels, helper=helper)
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=_OUTCOME_COLUMNS)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=CONFUSION_STATS)
    return _confusion(outcomes, keys, label_domain(outcomes, label_list, helper=helper))


def _columns(domain: list[str]) -> list[str]:
    """The ``final_verdict`` values of `confusion_matrix`: the labels, then the extra column unless two labels."""
    return domain if len(domain) == 2 else [*domain, REJECTED_UNCORRECTED]


def _confusion(outcomes: pl.DataFrame, keys: list[str], domain: list[str]) -> pl.DataFrame:
    if outcomes.height == 0 or not domain:
        return _empty(keys, outcomes, CONFUSION_STATS)
    columns = _columns(domain)
    grid = pl.DataFrame({"agent_verdict": domain}).join(pl.DataFrame({"final_verdict": columns}), how="cross")
    groups = outcomes.select(keys).unique().join(grid, how="cross") if keys else grid
    placed = placed_outcomes(outcomes, domain).with_columns(
        final_verdict=pl.when(pl.col("_pair"))
        .then("_final")
        .when(pl.col("_unplaced"))
        .then(pl.lit(REJECTED_UNCORRECTED))
    )
    counts = group_aggregate(
        placed.filter(pl.col("final_verdict").is_not_null()),
        [*keys, "agent_verdict", "final_verdict"],
        [pl.len().alias("count")],
    )
    on = [*keys, "agent_verdict", "final_verdict"]
    row_total = pl.col("count").sum().over([*keys, "agent_verdict"])
    return (
        groups.join(counts, on=on, how="left", nulls_equal=True)
        .with_columns(pl.col("count").fill_null(0))
        .with_columns(share_of_agent_verdict=pl.when(row_total > 0).then(pl.col("count") / row_total))
        .sort(*keys, _label_index("agent_verdict", domain), _label_index("final_verdict", columns), nulls_last=True)
        .select(*keys, *CONFUSION_STATS)
        .cast(CONFUSION_STATS)
    )


def per_class_metrics(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    labels: Sequence[str] | None = None,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """Precision, recall and F1 of the agent per label, taking the reviewers' final verdict as truth.

    Over the pairs (both verdicts known). For a label: ``support`` = pairs whose final verdict is the
    label, ``n_predicted`` = pairs whose agent verdict is the label, ``n_correct`` = both.
    ``precision = n_correct / n_predicted`` (null when the agent never said the label),
    ``recall = n_correct / support`` (null when reviewers never settled on it), ``f1`` their harmonic
    mean (null when either is null, 0 when both are 0). Null rather than sklearn's default 0 where a
    ratio has no denominator: "never predicted" is not "always wrong".

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns.
        by: column(s) of `review_outcomes` to group by; ``None`` or ``()`` for one overall set of rows.
        labels: the full label set, in display order; default: every verdict in the data, sorted.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).

    Returns:
        The ``by`` columns, ``label``, ``support``, ``n_predicted``, ``n_correct``, ``precision``,
        ``recall`` and ``f1``, one row per label per group.

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
    label_list = _check_labels(labels, helper=helper)
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=_OUTCOME_COLUMNS)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=[*_PER_CLASS_STATS, *CONFUSION_STATS])
    domain = label_domain(outcomes, label_list, helper=helper)
    confusion = _confusion(outcomes, keys, domain)
    if confusion.height == 0:
        return _empty(keys, outcomes, _PER_CLASS_STATS)
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
    precision_low, precision_high = wilson_interval(pl.col("n_correct"), pl.col("n_predicted"))
    recall_low, recall_high = wilson_interval(pl.col("n_correct"), pl.col("support"))
    few_predicted, few_support = pl.col("n_predicted") < MIN_N, pl.col("support") < MIN_N
    return (
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
            precision_low=pl.when(few_predicted.not_()).then(precision_low),
            precision_high=pl.when(few_predicted.not_()).then(precision_high),
            recall_low=pl.when(few_support.not_()).then(recall_low),
            recall_high=pl.when(few_support.not_()).then(recall_high),
            too_few=few_predicted | few_support,
            note=pl.when(few_predicted & few_support)
            .then(pl.lit("too few to tell"))
            .when(few_predicted)
            .then(pl.lit(f"too few to tell precision (fewer than {MIN_N} predictions)"))
            .when(few_support)
            .then(pl.lit(f"too few to tell recall (fewer than {MIN_N} reviews settled on the label)")),
        )
        .sort(*keys, _label_index("label", domain), nulls_last=True)
        .select(*keys, *_PER_CLASS_STATS)
        .cast(_PER_CLASS_STATS)
    )
