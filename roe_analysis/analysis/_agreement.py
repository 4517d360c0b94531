"""Do human reviewers agree with the agent? Agreement summary, confusion matrix, per-class metrics.

Each helper takes `JobFrames` or the frame `review_outcomes` returns (e.g. after filtering it), so a
notebook can narrow the data once and reuse it; `review_outcomes` itself is in
`roe_analysis.analysis._outcomes`.

Warnings, all subclasses of `AgreementWarning` (a ``UserWarning``)::

    AgreementWarning
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
from roe_analysis.errors import (
    ArgumentTypeError,
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
    }
)


def _check_labels(labels: object, *, helper: str) -> list[str] | None:
    """``labels`` as a list, checked to be distinct non-empty strings (``None`` stays ``None``)."""
    if labels is None:
        return None
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ArgumentTypeError(
            f"{helper}: labels must be a list of labels such as ['Suspicious', 'Not Suspicious'], not "
            f"{'one string' if isinstance(labels, str) else type(labels).__name__}; got {labels!r}"
        )
    domain = list(labels)
    if not domain or not all(isinstance(x, str) for x in domain) or len(set(domain)) != len(domain):
        raise InvalidArgumentError(f"{helper}: labels must be distinct, non-empty strings; got {labels!r}")
    return domain


def label_domain(outcomes: pl.DataFrame, labels: list[str] | None, *, helper: str) -> list[str]:
    """The label set: ``labels`` when given (checked to cover the data), else every verdict seen, sorted."""
    seen = (
        pl.concat([outcomes.get_column("agent_verdict"), outcomes.get_column("final_verdict")])
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    )
    if labels is None:
        return seen
    unknown = sorted(set(seen) - set(labels))
    if unknown:
        raise InvalidArgumentError(
            f"{helper}: the data holds verdicts that are not in labels: {unknown}; labels: {labels}. "
            "Add them to labels, or leave labels out to use every verdict in the data"
        )
    return labels


def _empty(keys: list[str], frame: pl.DataFrame, stats: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=keyed_schema(frame, keys, stats))


def _pairs(outcomes: pl.DataFrame) -> pl.DataFrame:
    return outcomes.filter(pl.col("agent_verdict").is_not_null() & pl.col("final_verdict").is_not_null())


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
    - **Label agreement** over the *pairs*, the reviews where both the agent's verdict and the final
      verdict are known (``n_pairs``): ``agreement_rate`` (Wilson interval), Cohen's kappa (interval
      from the Fleiss–Cohen–Everitt 1969 asymptotic standard error), Gwet's AC1 (Gwet 2008 standard
      error) and PABAK (Wilson interval of the agreement rate mapped through
      ``(q * p_o - 1) / (q - 1)``); see `roe_analysis.analysis._reliability`. Kappa and AC1 intervals
      are Wald intervals clipped to [-1, 1]; like any large-sample interval they are degenerate (zero
      width) when every pair agrees, where the Wilson-based agreement and PABAK intervals are not.

    Reviewers approve most verdicts, so one label usually dominates and kappa collapses towards 0
    (or is undefined when only one label occurs) even though agreement is high. ``majority_share`` is
    the most common label's share of the ``2 * n_pairs`` labels; above ``skew_threshold`` the group is
    ``prevalence_skewed`` and a `PrevalenceSkewWarning` says to read AC1 and PABAK beside kappa. When
    every label is the same, kappa is left null with an `UndefinedCoefficientWarning`; AC1 and PABAK
    stay defined. Every statistic of a group without data is null, never NaN.

    ``q`` (``n_labels``), the number of labels AC1 and PABAK assume available, is ``len(labels)`` when
    given, else the number of distinct verdicts in the input (agent and final, all groups, so groups are
    comparable), and at least 2: a verdict could always have been otherwise.

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
        ``n_labels``, ``majority_share`` and ``prevalence_skewed``.

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
        ┌────────────────────┬────────────┬───────────────┬─────────┬─────────────┬──────────┬───────┐
        │ agent_version_name ┆ n_reviewed ┆ approval_rate ┆ n_pairs ┆ cohen_kappa ┆ gwet_ac1 ┆ pabak │
        │ ---                ┆ ---        ┆ ---           ┆ ---     ┆ ---         ┆ ---      ┆ ---   │
        │ str                ┆ u32        ┆ f64           ┆ u32     ┆ f64         ┆ f64      ┆ f64   │
        ╞════════════════════╪════════════╪═══════════════╪═════════╪═════════════╪══════════╪═══════╡
        │ v1                 ┆ 6          ┆ 0.666667      ┆ 5       ┆ 0.615385    ┆ 0.6      ┆ 0.6   │
        │ v2                 ┆ 3          ┆ 1.0           ┆ 3       ┆ 1.0         ┆ 1.0      ┆ 1.0   │
        └────────────────────┴────────────┴───────────────┴─────────┴─────────────┴──────────┴───────┘
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

    status = pl.col("review_status")
    is_pair = pl.col("agent_verdict").is_not_null() & pl.col("final_verdict").is_not_null()
    groups = group_aggregate(
        outcomes,
        keys,
        [
            status.is_in(DECIDED).sum().alias("n_reviewed"),
            (status == "approved").sum().alias("n_approved"),
            (status == "pending").sum().alias("n_pending"),
            is_pair.sum().alias("n_pairs"),
            (is_pair & (pl.col("agent_verdict") == pl.col("final_verdict"))).sum().alias("n_agree"),
        ],
    ).with_row_index("_group")

    cells = group_aggregate(_pairs(outcomes), [*keys, "agent_verdict", "final_verdict"], [pl.len().alias("n")])
    if keys:
        cells = cells.join(groups.select("_group", *keys), on=keys, nulls_equal=True)
    else:
        cells = cells.with_columns(_group=pl.lit(0, pl.UInt32))
    cells = cells.select("_group", _label_index("agent_verdict", domain), _label_index("final_verdict", domain), "n")
    tables = contingency_tables(
        *(cells.get_column(c).to_numpy() for c in cells.columns), n_groups=groups.height, n_labels=q
    )

    kappa, kappa_se = kappa_arrays(tables)
    kappa_low, kappa_high = wald_bounds(kappa, kappa_se, confidence=confidence)
    ac1, ac1_se = ac1_arrays(tables)
    ac1_low, ac1_high = wald_bounds(ac1, ac1_se, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        label_totals = tables.sum(axis=-1) + tables.sum(axis=-2)
        majority = label_totals.max(axis=-1) / label_totals.sum(axis=-1)
    coefficients = pl.DataFrame(
        [
            pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)
            for name, values in {
                "cohen_kappa": kappa,
                "cohen_kappa_low": kappa_low,
                "cohen_kappa_high": kappa_high,
                "gwet_ac1": ac1,
                "gwet_ac1_low": ac1_low,
                "gwet_ac1_high": ac1_high,
                "majority_share": majority,
            }.items()
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
    return result


def _warn_summary(result: pl.DataFrame, keys: list[str], skew_threshold: float) -> None:
    undefined = result.filter((pl.col("n_pairs") > 0) & pl.col("cohen_kappa").is_null())
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

    Only pairs count (both verdicts known, see `review_outcomes`). Every group gets every
    ``(agent_verdict, final_verdict)`` combination of the label set, zeros included, in label order
    (``labels`` as given, else sorted). ``share_of_agent_verdict`` is the cell's share of its
    agent-verdict row: "when the agent says X, reviewers settle on Y this often" (null for a row
    without pairs).

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
        │ B             ┆ A             ┆ 0     ┆ 0.0                    │
        │ B             ┆ B             ┆ 1     ┆ 1.0                    │
        └───────────────┴───────────────┴───────┴────────────────────────┘
    """
    helper = "confusion_matrix"
    label_list = _check_labels(labels, helper=helper)
    outcomes = outcomes_from(frames, helper=helper, verdict_field=verdict_field, columns=_OUTCOME_COLUMNS)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=CONFUSION_STATS)
    return _confusion(outcomes, keys, label_domain(outcomes, label_list, helper=helper))


def _confusion(outcomes: pl.DataFrame, keys: list[str], domain: list[str]) -> pl.DataFrame:
    if outcomes.height == 0 or not domain:
        return _empty(keys, outcomes, CONFUSION_STATS)
    grid = pl.DataFrame({"agent_verdict": domain}).join(pl.DataFrame({"final_verdict": domain}), how="cross")
    groups = outcomes.select(keys).unique().join(grid, how="cross") if keys else grid
    counts = group_aggregate(_pairs(outcomes), [*keys, "agent_verdict", "final_verdict"], [pl.len().alias("count")])
    on = [*keys, "agent_verdict", "final_verdict"]
    return (
        groups.join(counts, on=on, how="left", nulls_equal=True)
        .with_columns(pl.col("count").fill_null(0))
        .with_columns(
            share_of_agent_verdict=pl.when(
                pl.col("count")
                .sum()
                .over(
                    [*keys, "agent_verdict"],
                )
                > 0
            ).then(pl.col("count") / pl.col("count").sum().over([*keys, "agent_verdict"]))
        )
        .sort(
            *keys,
            _label_index("agent_verdict", domain),
            _label_index("final_verdict", domain),
            nulls_last=True,
        )
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
        >>> per_class_metrics(outcomes, by=None)
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
        confusion.group_by([*keys, "final_verdict"])
        .agg(
            support=count.sum(),
            n_correct=count.filter(pl.col("agent_verdict") == pl.col("final_verdict")).sum(),
        )
        .rename({"final_verdict": "label"})
    )
    precision = pl.when(pl.col("n_predicted") > 0).then(pl.col("n_correct") / pl.col("n_predicted"))
    recall = pl.when(pl.col("support") > 0).then(pl.col("n_correct") / pl.col("support"))
    return (
        support.join(predicted, on=[*keys, "label"], nulls_equal=True)
        .with_columns(precision=precision, recall=recall)
        .with_columns(
            f1=pl.when(pl.col("precision") + pl.col("recall") > 0)
            .then(2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall")))
            .when(pl.col("precision").is_not_null() & pl.col("recall").is_not_null())
            .then(0.0)
        )
        .sort(*keys, _label_index("label", domain), nulls_last=True)
        .select(*keys, *_PER_CLASS_STATS)
        .cast(_PER_CLASS_STATS)
    )
