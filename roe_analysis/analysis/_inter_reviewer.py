"""Do reviewers agree with each other? `inter_reviewer_agreement`: Krippendorff's alpha, Fleiss' kappa.

Where several reviewers judged the same input (an *item*, see `roe_analysis.analysis._items`), do
they settle on the same label? Alpha counts coders, not repeats: a reviewer who judged an item
several times contributes one value, their latest; their self-consistency is `intra_reviewer_agreement`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

from roe_analysis._text import plural
from roe_analysis.analysis._alpha import (
    Measurement,
    alpha_bootstrap,
    check_measurement,
    krippendorff_alpha,
    ordinal_positions,
)
from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    describe_groups,
    group_aggregate,
    group_keys,
    job_frames,
    keyed_schema,
)
from roe_analysis.analysis._items import NEEDS_INPUTS, item_scores, item_values, latest_per_reviewer
from roe_analysis.analysis._outcomes import review_outcomes
from roe_analysis.analysis._reliability import fleiss_bootstrap, fleiss_kappa
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence
from roe_analysis.analysis._units import MIN_N
from roe_analysis.errors import InvalidArgumentError, UndefinedCoefficientWarning
from roe_analysis.frames import JobFrames

_INTER_STATS = pl.Schema(
    {
        "n_items": pl.UInt32(),
        "n_reviewers": pl.UInt32(),
        "n_values": pl.UInt32(),
        "n_repeats_set_aside": pl.UInt32(),
        "krippendorff_alpha": pl.Float64(),
        "alpha_low": pl.Float64(),
        "alpha_high": pl.Float64(),
        "fleiss_kappa": pl.Float64(),
        "fleiss_low": pl.Float64(),
        "fleiss_high": pl.Float64(),
        "fleiss_note": pl.String(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)


def inter_reviewer_agreement(
    frames: JobFrames,
    *,
    by: By = DEFAULT_BY,
    measurement: Measurement = "nominal",
    order: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """Do reviewers settle on the same label when they judge the same input? Alpha and Fleiss' kappa.

    An *item* is the set of jobs whose inputs hold the same ``(key, value)`` pairs (order,
    descriptions and data types ignored; jobs without inputs are never items). A *rater* is
    ``reviewed_by``, and a *value* is a final verdict (see `review_outcomes`; pending reviews and
    rejections without a known label give none) or, with ``measurement="interval"``, a human score.
    Alpha counts coders, not repeats: when a reviewer judged an item more than once, only their
    latest value is kept (greatest ``reviewed_at``, ties to the greatest ``job_id``; values without a
    reviewer are all kept) and the rest are counted in ``n_repeats_set_aside``; how consistent a
    reviewer is with themselves is `intra_reviewer_agreement`. Only items with two or more values
    are pairable.

    - ``krippendorff_alpha``: Krippendorff's alpha (Krippendorff 2011, coincidence matrix) at the
      level of ``measurement``: ``"nominal"`` labels, ``"ordinal"`` labels ranked by ``order`` (the
      labels from lowest to highest, required, covering every label of the data), or ``"interval"``
      on the human scores. ``alpha_low``/``alpha_high``: a percentile bootstrap resampling items with
      replacement (``n_resamples`` resamples, ``seed``). Null, with an `UndefinedCoefficientWarning`,
      when every value is the same (``D_e = 0``).
    - ``fleiss_kappa``: Fleiss (1971), computed on labels only where its design holds (every item has
      the same number of values); otherwise null, with the reason in ``fleiss_note``.
      ``fleiss_low``/``fleiss_high``: a seeded percentile bootstrap over items (Fleiss' 1971 standard
      error holds only under the null of no agreement, so it gives no interval).
    - ``too_few``: fewer than ``MIN_N`` (10) pairable items; then there is no interval and ``note``
      says "too few to tell".

    Args:
        frames: the loaded jobs.
        by: column(s) of `review_outcomes` to compute within (e.g. add ``"agent_id"`` so that the
            same input sent to different agents is not one item); ``None`` or ``()`` for one overall row.
        measurement: ``"nominal"``, ``"ordinal"`` (with ``order``) or ``"interval"`` (human scores).
        order: for ordinal only: the verdict labels from lowest to highest.
        confidence: level of the alpha and Fleiss intervals.
        n_resamples: bootstrap resamples.
        seed: bootstrap seed; the same seed gives the same interval.
        verdict_field: key of the agent's verdict in ``ui_fields``.

    Returns:
        One row per group: the ``by`` columns, ``n_items`` (items with two or more values),
        ``n_reviewers`` (distinct reviewers on those items), ``n_values`` (values on those items, one
        per reviewer), ``n_repeats_set_aside``, ``krippendorff_alpha``, ``alpha_low``,
        ``alpha_high``, ``fleiss_kappa``, ``fleiss_low``, ``fleiss_high``, ``fleiss_note``,
        ``too_few`` and ``note``.

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
        >>> inter_reviewer_agreement(frames, by=None, n_resamples=200).select(
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
    check_measurement(measurement, order, helper=helper)
    frames = job_frames(frames, helper=helper, needs=NEEDS_INPUTS)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"{helper}: n_resamples must be a whole number >= 1, e.g. 2000; got {n_resamples!r}")
    outcomes = review_outcomes(frames, verdict_field=verdict_field)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=[*_INTER_STATS, "item_id"])
    if outcomes.height == 0:
        return pl.DataFrame(schema=keyed_schema(outcomes, keys, _INTER_STATS))
    groups = group_aggregate(outcomes, keys, [pl.len().alias("_rows")]).drop("_rows")
    value = "human_score" if measurement == "interval" else "final_verdict"
    found = (item_scores if measurement == "interval" else item_values)(outcomes, frames.inputs)
    values, set_aside = latest_per_reviewer(found, keys)
    per_item = values.group_by([*keys, "item_id"]).agg(pl.len().alias("m"))
    pairable = per_item.filter(pl.col("m") >= 2)
    values = values.join(pairable.select(*keys, "item_id"), on=[*keys, "item_id"], nulls_equal=True)
    domain = values.get_column(value).unique().sort().to_list()
    if measurement == "ordinal":
        assert order is not None
        ordinal_positions(domain, order, helper=helper)

    rows = []
    for group in groups.iter_rows(named=True):
        in_group = [pl.col(k).eq_missing(v) for k, v in group.items()]
        group_values = values.filter(*in_group) if keys else values
        group_items = pairable.filter(*in_group) if keys else pairable
        group_set_aside = set_aside.filter(*in_group) if keys else set_aside
        row = _inter_row(
            group_values.get_column(value),
            group_values,
            group_items,
            domain=domain,
            measurement=measurement,
            order=order,
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
        )
        row["n_repeats_set_aside"] = int(group_set_aside.get_column("n_repeats_set_aside").sum())
        rows.append(group | row)
    schema = keyed_schema(outcomes, keys, _INTER_STATS)
    result = pl.DataFrame([{k: row[k] for k in schema} for row in rows], schema=schema, orient="row")
    undefined = result.filter((pl.col("n_items") > 0) & pl.col("krippendorff_alpha").is_null())
    if undefined.height:
        warnings.warn(
            f"Krippendorff's alpha is undefined in {plural(undefined.height, 'group')} "
            f"({describe_groups(undefined, keys)}): "
            "every review gave the same label, so there is no variation to measure agreement against. "
            "It is left null.",
            UndefinedCoefficientWarning,
            stacklevel=2,
        )
    return result


def _inter_row(
    column: pl.Series,
    values: pl.DataFrame,
    items: pl.DataFrame,
    *,
    domain: list[object],
    measurement: Measurement,
    order: Sequence[str] | None,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> dict[str, object]:
    """The statistics of one group: its pairable values (``column``) and its pairable items."""
    too_few = items.height < MIN_N
    note = f"too few to tell: {plural(items.height, 'item')}, fewer than {MIN_N}" if too_few else None
    if items.height == 0:
        return {
            "n_items": 0,
            "n_reviewers": 0,
            "n_values": 0,
            "krippendorff_alpha": None,
            "alpha_low": None,
            "alpha_high": None,
            "fleiss_kappa": None,
            "fleiss_low": None,
            "fleiss_high": None,
            "fleiss_note": "no item was reviewed with a final verdict more than once",
            "too_few": True,
            "note": note,
        }
    # units × values counts: one row per pairable item, one column per value of the domain
    units = (values.get_column("item_id").rank("dense") - 1).cast(pl.Int64).to_numpy()
    labels = column.replace_strict(domain, list(range(len(domain))), return_dtype=pl.Int64).to_numpy()
    counts = np.zeros((items.height, len(domain)), dtype=np.float64)
    np.add.at(counts, (units, labels), 1.0)
    options = {"measurement": measurement, "labels": domain, "order": order}
    alpha = krippendorff_alpha(counts, **options)  # type: ignore[arg-type]
    low, high = (
        alpha_bootstrap(counts, confidence=confidence, n_resamples=n_resamples, seed=seed, **options)  # type: ignore[arg-type]
        if alpha is not None and not too_few
        else (None, None)
    )
    m_min, m_max = int(items.get_column("m").min()), int(items.get_column("m").max())  # type: ignore[arg-type]
    kappa: float | None = None
    fleiss_low: float | None = None
    fleiss_high: float | None = None
    if measurement == "interval":
        fleiss_note: str | None = "Fleiss' kappa is for labels, not scores: read krippendorff_alpha"
    elif m_min != m_max:
        fleiss_note = (
            f"items have between {m_min} and {m_max} values; Fleiss' kappa needs the same number on every "
            "item: read krippendorff_alpha"
        )
    else:
        kappa = fleiss_kappa(counts)
        fleiss_note = None if kappa is not None else "every value is the same label, so Fleiss' kappa is undefined"
        if kappa is not None:
            fleiss_low, fleiss_high = fleiss_bootstrap(
                counts, confidence=confidence, n_resamples=n_resamples, seed=seed
            )
    return {
        "n_items": items.height,
        "n_reviewers": values.get_column("reviewed_by").drop_nulls().n_unique(),
        "n_values": values.height,
        "krippendorff_alpha": alpha,
        "alpha_low": low,
        "alpha_high": high,
        "fleiss_kappa": kappa,
        "fleiss_low": fleiss_low,
        "fleiss_high": fleiss_high,
        "fleiss_note": fleiss_note,
        "too_few": too_few,
        "note": note,
    }
