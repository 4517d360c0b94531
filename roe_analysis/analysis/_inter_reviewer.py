"""Do reviewers agree with each other? `inter_reviewer_agreement`: Krippendorff's alpha, Fleiss' kappa.

Where several reviewers judged the same input (an *item*, see `roe_analysis.analysis._items`), do
they settle on the same label?
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    describe_groups,
    group_aggregate,
    group_keys,
    job_frames,
    keyed_schema,
)
from roe_analysis.analysis._items import NEEDS_INPUTS, item_values
from roe_analysis.analysis._outcomes import review_outcomes
from roe_analysis.analysis._reliability import alpha_bootstrap, fleiss_kappa, krippendorff_alpha_nominal
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence
from roe_analysis.errors import InvalidArgumentError, UndefinedCoefficientWarning
from roe_analysis.frames import JobFrames

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


def inter_reviewer_agreement(
    frames: JobFrames,
    *,
    by: By = DEFAULT_BY,
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
        by: column(s) of `review_outcomes` to compute within (e.g. add ``"agent_id"`` so that the
            same input sent to different agents is not one item); ``None`` or ``()`` for one overall row.
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
    frames = job_frames(frames, helper=helper, needs=NEEDS_INPUTS)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"{helper}: n_resamples must be a whole number >= 1, e.g. 2000; got {n_resamples!r}")
    outcomes = review_outcomes(frames, verdict_field=verdict_field)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=[*_INTER_STATS, "item_id"])
    if outcomes.height == 0:
        return pl.DataFrame(schema=keyed_schema(outcomes, keys, _INTER_STATS))
    groups = group_aggregate(outcomes, keys, [pl.len().alias("_rows")]).drop("_rows")
    values = item_values(outcomes, frames.inputs)
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
