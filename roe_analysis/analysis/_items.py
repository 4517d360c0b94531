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
