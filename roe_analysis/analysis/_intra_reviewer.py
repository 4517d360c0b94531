"""Does a reviewer agree with themselves? `intra_reviewer_agreement`: consistency on repeated items.

Where one reviewer judged the same input (an *item*, see `roe_analysis.analysis._items`) more than
once, did they give the same label each time? This is kept apart from `inter_reviewer_agreement`,
where a reviewer's repeats are one coder, not several.
"""

from __future__ import annotations

import polars as pl

from roe_analysis._text import plural_expr
from roe_analysis.analysis._common import DEFAULT_BY, By, group_keys, job_frames, keyed_schema
from roe_analysis.analysis._items import NEEDS_INPUTS, item_values
from roe_analysis.analysis._outcomes import review_outcomes
from roe_analysis.analysis._stats import check_confidence, wilson_interval
from roe_analysis.analysis._units import MIN_N
from roe_analysis.frames import JobFrames

_INTRA_STATS = pl.Schema(
    {
        "reviewed_by": pl.String(),
        "n_items": pl.UInt32(),
        "n_reviews": pl.UInt32(),
        "n_consistent": pl.UInt32(),
        "consistency_rate": pl.Float64(),
        "consistency_low": pl.Float64(),
        "consistency_high": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)


def intra_reviewer_agreement(
    frames: JobFrames,
    *,
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    verdict_field: str = "verdict",
) -> pl.DataFrame:
    """How often a reviewer gives the same label when they judge the same input again.

    For each reviewer (``reviewed_by``; reviews without one cannot be matched and are left out), the
    items (same inputs) they gave two or more final verdicts on (see `review_outcomes`). An item is
    *consistent* when all of that reviewer's verdicts on it are the same label; the item, not the
    review, is the unit, so ``consistency_rate = n_consistent / n_items`` has a Wilson interval.

    Args:
        frames: the loaded jobs (inputs are needed to match items).
        by: column(s) of `review_outcomes` to compute within; ``None`` or ``()`` for one row per reviewer.
        confidence: level of the Wilson interval.
        verdict_field: key of the agent's verdict in ``ui_fields``.

    Returns:
        One row per group and reviewer with a repeated item: the ``by`` columns, ``reviewed_by``,
        ``n_items`` (items judged more than once), ``n_reviews`` (verdicts on them),
        ``n_consistent``, ``consistency_rate``, ``consistency_low``, ``consistency_high``, and
        ``too_few`` (fewer than ``MIN_N`` (10) items: no interval, ``note`` "too few to tell").

    Examples:
        >>> from roe_analysis import JobFrames
        >>> def job(n, text, verdict):
        ...     return {
        ...         "id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": "v1", "status_code": 3,
        ...         "created_at": "2026-05-01T10:00:00Z", "last_updated_at": "2026-05-01T10:00:00Z",
        ...         "duration_ms": 900, "status_events": [], "metadata": {}, "evaluation": None,
        ...         "job_inputs": [{"key": "text", "value": text}], "ui_fields": {"verdict": verdict},
        ...         "feedback_review": {"review_status": "approved", "reviewed_by": "ana"},
        ...     }
        >>> frames = JobFrames.from_records(
        ...     [job(1, "a", "Yes"), job(2, "a", "Yes"), job(3, "b", "Yes"), job(4, "b", "No"), job(5, "c", "No")],
        ...     agent_id="00000000-0000-4000-8000-0000000000aa",
        ... )
        >>> intra_reviewer_agreement(frames, by=None).select("reviewed_by", "n_items", "n_consistent", "too_few")
        shape: (1, 4)
        ┌─────────────┬─────────┬──────────────┬─────────┐
        │ reviewed_by ┆ n_items ┆ n_consistent ┆ too_few │
        │ ---         ┆ ---     ┆ ---          ┆ ---     │
        │ str         ┆ u32     ┆ u32          ┆ bool    │
        ╞═════════════╪═════════╪══════════════╪═════════╡
        │ ana         ┆ 2       ┆ 1            ┆ true    │
        └─────────────┴─────────┴──────────────┴─────────┘
    """
    helper = "intra_reviewer_agreement"
    check_confidence(confidence)
    frames = job_frames(frames, helper=helper, needs=NEEDS_INPUTS)
    outcomes = review_outcomes(frames, verdict_field=verdict_field)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=[*_INTRA_STATS, "item_id"])
    schema = keyed_schema(outcomes, keys, _INTRA_STATS)
    values = item_values(outcomes, frames.inputs).filter(pl.col("reviewed_by").is_not_null())
    if values.height == 0:
        return pl.DataFrame(schema=schema)
    per_item = (
        values.group_by([*keys, "reviewed_by", "item_id"])
        .agg(pl.len().alias("m"), (pl.col("final_verdict").n_unique() == 1).alias("same"))
        .filter(pl.col("m") >= 2)
    )
    stats = per_item.group_by([*keys, "reviewed_by"]).agg(
        pl.len().alias("n_items"), pl.col("m").sum().alias("n_reviews"), pl.col("same").sum().alias("n_consistent")
    )
    low, high = wilson_interval(pl.col("n_consistent"), pl.col("n_items"), confidence=confidence)
    too_few = pl.col("n_items") < MIN_N
    return (
        stats.with_columns(
            consistency_rate=pl.col("n_consistent") / pl.col("n_items"),
            consistency_low=pl.when(~too_few).then(low),
            consistency_high=pl.when(~too_few).then(high),
            too_few=too_few,
            note=pl.when(too_few).then(
                pl.format("too few to tell: {}, fewer than {}", plural_expr("n_items", "repeated item"), pl.lit(MIN_N))
            ),
        )
        .select(*schema)
        .cast(schema)
        .sort([*keys, "n_items", "reviewed_by"], descending=[*[False] * len(keys), True, False], nulls_last=True)
    )
