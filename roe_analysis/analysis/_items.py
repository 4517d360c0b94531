"""Items: the inputs judged more than once, so reviewers can be compared with each other.

An *item* is an input judged more than once: the jobs whose inputs hold the same set of
``(key, value)`` pairs, whatever their order, descriptions, data types or file names. Jobs without
inputs cannot be matched and are never items.
"""

from __future__ import annotations

import polars as pl

#: Why a helper that matches items needs `JobFrames` rather than a frame.
NEEDS_INPUTS = "it needs the inputs frame to match items across reviewers"


def item_ids(inputs: pl.DataFrame) -> pl.DataFrame:
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


def item_values(outcomes: pl.DataFrame, inputs: pl.DataFrame) -> pl.DataFrame:
    """The outcomes with a final verdict whose job belongs to an item, with its ``item_id``."""
    return outcomes.filter(pl.col("final_verdict").is_not_null()).join(item_ids(inputs), on="job_id")


def item_scores(outcomes: pl.DataFrame, inputs: pl.DataFrame) -> pl.DataFrame:
    """The outcomes with a (non-NaN) human score whose job belongs to an item, with its ``item_id``."""
    score = pl.col("human_score")
    return outcomes.filter(score.is_not_null() & score.is_not_nan()).join(item_ids(inputs), on="job_id")


def latest_per_reviewer(values: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One value per (group, reviewer, item): the latest review; and, per group, how many were set aside.

    The latest is the greatest ``reviewed_at`` (a review without one counts as the earliest), ties
    broken by the greatest ``job_id``. Values without a reviewer cannot be told apart and are all kept.
    Returns the kept values and a frame of ``keys`` + ``n_repeats_set_aside`` (groups with repeats only).
    """
    ranked = values.sort("reviewed_at", "job_id", nulls_last=False)
    known = pl.col("reviewed_by").is_not_null()
    latest = (
        pl.int_range(pl.len()).over([*keys, "item_id", "reviewed_by"])
        == pl.len().over([*keys, "item_id", "reviewed_by"]) - 1
    )
    kept = ranked.filter(~known | latest)
    dropped = ranked.filter(known & ~latest)
    counts = (
        dropped.group_by(keys).agg(pl.len().alias("n_repeats_set_aside"))
        if keys
        else pl.DataFrame({"n_repeats_set_aside": [dropped.height]})
    )
    return kept, counts
