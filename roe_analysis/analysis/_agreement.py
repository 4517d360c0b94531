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

from roe_analysis._text import plural
from roe_analysis.analysis._agreement_units import group_units, too_few_note
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
)
from roe_analysis.analysis._slices import by_names, with_metadata_keys
from roe_analysis.analysis._stats import check_confidence
from roe_analysis.analysis._units import MIN_N, check_cluster, cluster_column
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
        "n_inputs": pl.UInt32(),
        "design_effect": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
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


def _empty(keys: list[str], frame: pl.DataFrame, stats: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=keyed_schema(frame, keys, stats))


def with_cluster(outcomes: pl.DataFrame, cluster: str | None, *, helper: str) -> tuple[pl.DataFrame, str]:
    """``outcomes`` with ``_cluster`` (the unit of evidence) and the unit's name for notes."""
    check_cluster(cluster, helper=helper)
    name = "input_id" if cluster is None else cluster
    unit = "inputs" if name == "input_id" else f"clusters of {name}"
    if name == "input_id" and name not in outcomes.columns:
        outcomes, unit = outcomes.with_columns(pl.lit(None, dtype=pl.String).alias(name)), "jobs"
    return outcomes.with_columns(cluster_column(outcomes, name, helper=helper).alias("_cluster")), unit


def _with_group(outcomes: pl.DataFrame, groups: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    if not keys:
        return outcomes.with_columns(_group=pl.lit(0, dtype=pl.UInt32))
    return outcomes.join(groups.select(*keys, "_group"), on=keys, how="left", nulls_equal=True)


def _clustered_wald(estimate: np.ndarray, se: np.ndarray, critical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``estimate ± critical·se`` clipped to [-1, 1]; NaN propagates."""
    return np.clip(estimate - critical * se, -1.0, 1.0), np.clip(estimate + critical * se, -1.0, 1.0)


def label_index(column: str, domain: list[str]) -> pl.Expr:
    return pl.col(column).replace_strict(domain, list(range(len(domain))), return_dtype=pl.Int64)


OUTCOME_COLUMNS = ("agent_verdict", "final_verdict", "review_status")


def agreement_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
    skew_threshold: float = 0.8,
    verdict_field: str = "verdict",
    cluster: str | None = None,
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

    **The input is the unit.** Reruns of one input reviewed several times are one unit of evidence:
    ``n_inputs`` counts the distinct inputs (``cluster=`` any column, or with `JobFrames` a metadata
    key) among the completed reviews, ``design_effect`` is the agreement indicator's variance under
    clustering over its variance under independence, and every interval is widened accordingly
    (see `roe_analysis.analysis._agreement_units`); with one review per input the intervals are the
    textbook ones above. Below `MIN_N` (10) inputs a row is ``too_few`` with a ``note`` and no
    interval at all.

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
        by: column(s) of `review_outcomes` to group by (with `JobFrames` also metadata keys, such
            as a customer); ``None`` or ``()`` for one overall row.
        confidence: level of every interval.
        labels: the full set of verdict labels; every verdict in the data must be one of them.
        skew_threshold: majority share above which a group counts as prevalence-skewed.
        verdict_field: key of the agent's verdict in ``ui_fields`` (only used with `JobFrames`).
        cluster: the unit of evidence: ``None`` for the input (``input_id``; each job its own
            unit in a frame without that column), or any column (with `JobFrames` a metadata key).

    Returns:
        One row per group (sorted by the ``by`` columns): the ``by`` columns, ``n_reviewed``,
        ``n_approved``, ``n_pending``, ``approval_rate`` (``_low``/``_high``), ``n_pairs``, ``n_agree``,
        ``agreement_rate``, ``cohen_kappa``, ``gwet_ac1``, ``pabak`` (each with ``_low``/``_high``),
        ``n_labels``, ``majority_share``, ``prevalence_skewed``, ``n_rejected_uncorrected``,
        ``n_contradictory``, ``cohen_kappa_min``, ``cohen_kappa_max``, ``gwet_ac1_min``,
        ``gwet_ac1_max``, ``n_inputs``, ``design_effect``, ``too_few`` and ``note``.

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
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=OUTCOME_COLUMNS)
    outcomes = with_metadata_keys(frames, outcomes, [*by_names(by), cluster], helper=helper)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=SUMMARY_STATS)
    outcomes, unit = with_cluster(outcomes, cluster, helper=helper)
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

    units = group_units(
        _with_group(outcomes, groups, keys).filter(pl.col("_group").is_not_null()),
        groups.height,
        confidence=confidence,
    )
    factor, critical = units.get_column("_se_factor").to_numpy(), units.get_column("_critical").to_numpy()
    kappa, kappa_se = kappa_arrays(tables)
    kappa_low, kappa_high = _clustered_wald(kappa, kappa_se * factor, critical)
    ac1, ac1_se = ac1_arrays(tables)
    ac1_low, ac1_high = _clustered_wald(ac1, ac1_se * factor, critical)
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

    too_few = pl.col("n_inputs") < MIN_N
    intervals = [c for c in SUMMARY_STATS if c.endswith(("_low", "_high"))]
    result = (
        pl.concat([groups, coefficients, units.drop("_se_factor", "_critical")], how="horizontal")
        .with_columns(
            approval_rate=pl.when(pl.col("n_reviewed") > 0).then(pl.col("n_approved") / pl.col("n_reviewed")),
            agreement_rate=pl.when(pl.col("n_pairs") > 0).then(pl.col("n_agree") / pl.col("n_pairs")),
        )
        .with_columns(
            pabak=pabak_from_agreement(pl.col("agreement_rate"), q),
            pabak_low=pabak_from_agreement(pl.col("agreement_rate_low"), q),
            pabak_high=pabak_from_agreement(pl.col("agreement_rate_high"), q),
            n_labels=pl.lit(q),
            prevalence_skewed=pl.col("majority_share") > skew_threshold,
            too_few=too_few,
            note=too_few_note(pl.col("n_inputs"), unit),
        )
        .with_columns(pl.when(too_few.not_()).then(pl.col(c)).alias(c) for c in intervals)
        .select(*keys, *SUMMARY_STATS)
        .cast(SUMMARY_STATS)
    )
    _warn_summary(result, keys, skew_threshold)
    n_unplaced = int(unplaced_rows.sum())
    if n_unplaced:
        warnings.warn(
            f"{plural(n_unplaced, 'rejection')} without a corrected_verdict cannot be placed in a cell ({q} labels, so "
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
    cells = cells.select("_group", label_index(cell[0], domain), label_index(cell[1], domain), "n")
    return contingency_tables(
        *(cells.get_column(c).to_numpy() for c in cells.columns), n_groups=groups.height, n_labels=q
    )


def _warn_summary(result: pl.DataFrame, keys: list[str], skew_threshold: float) -> None:
    undefined = result.filter((pl.col("n_pairs") > 0) & pl.col("cohen_kappa_min").is_null())
    if undefined.height:
        warnings.warn(
            f"Cohen's kappa is undefined in {plural(undefined.height, 'group')} ({describe_groups(undefined, keys)}): "
            "the agent and the reviewers used one and the same label, so chance agreement is 1. It is left "
            "null; gwet_ac1 and pabak stay defined there.",
            UndefinedCoefficientWarning,
            stacklevel=3,
        )
    skewed = result.filter(pl.col("prevalence_skewed"))
    if skewed.height:
        warnings.warn(
            f"One label is more than {skew_threshold:.0%} of the labels in {plural(skewed.height, 'group')} "
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
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=OUTCOME_COLUMNS)
    outcomes = with_metadata_keys(frames, outcomes, by_names(by), helper=helper)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=CONFUSION_STATS)
    return confusion_counts(outcomes, keys, label_domain(outcomes, label_list, helper=helper))


def _columns(domain: list[str]) -> list[str]:
    """The ``final_verdict`` values of `confusion_matrix`: the labels, then the extra column unless two labels."""
    return domain if len(domain) == 2 else [*domain, REJECTED_UNCORRECTED]


def confusion_counts(outcomes: pl.DataFrame, keys: list[str], domain: list[str]) -> pl.DataFrame:
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
        .sort(*keys, label_index("agent_verdict", domain), label_index("final_verdict", columns), nulls_last=True)
        .select(*keys, *CONFUSION_STATS)
        .cast(CONFUSION_STATS)
    )
