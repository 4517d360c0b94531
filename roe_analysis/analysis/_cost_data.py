"""What every cost helper reads: one row per job with its result's cost and tokens, and its input.

The cost of a job comes from the ``results`` frame (`POST /v1/agents/jobs/results/`), joined to
``jobs`` by ``job_id``. Three things are kept apart, never merged:

- a job **without a result row** is *missing*: its cost is unknown, not 0 (the results were not
  fetched for it, or the endpoint did not answer for it);
- a job whose result has **no cost** (null or NaN) has a result but no cost either;
- a **cache hit** (status CACHED) has a result and costs what the result says, usually 0: cost is
  money spent, not a duration, so cache hits count at their cost (issue 8's rule that a cache hit
  is not a run applies to durations only).

`require_results` refuses frames that were never given results (a snapshot written before them,
or a load that did not ask), with the one message that says how to add them.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from roe_analysis.analysis._common import job_frames, require_columns
from roe_analysis.analysis._slices import with_metadata_keys
from roe_analysis.analysis._units import check_cluster, cluster_column, input_ids
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

#: The per-job figures of the results frame that compare and summarise like any other metric.
RESULT_METRICS: tuple[str, ...] = ("cost", "input_tokens", "output_tokens")

#: How to get results onto frames that have none (the end of every "no results" message).
LOAD_RESULTS_HINT = "load with `client.load_jobs(..., results=True)` or add them with `client.load_results(frames)`"

#: Why a cost helper needs `JobFrames` rather than a frame.
NEEDS_RESULTS = "cost and tokens come from its results frame"

#: The columns `cost_runs` adds beside the ``by`` keys (underscored: ``by=`` may name any jobs column).
RUN_COLUMNS: tuple[str, ...] = (
    "_job_id",
    "_agent_id",
    "_has_result",
    "_cost",
    "_input_tokens",
    "_output_tokens",
    "_success",
    "_cached",
    "_approved",
    "_reviewed",
    "_grader_score",
    "_cluster",
)


def has_results(frames: JobFrames) -> bool:
    """Whether ``frames`` were given results: loaded (``query["results"]``) or any result row.

    Examples:
        >>> from roe_analysis.frames import JobFrames
        >>> has_results(JobFrames.empty()), has_results(JobFrames.from_tables(query={"results": True}))
        (False, True)
    """
    return bool(frames.query.get("results")) or frames.results.height > 0


def require_results(frames: JobFrames, *, helper: str) -> None:
    """Raise `InvalidArgumentError` when ``frames`` hold jobs but were never given their results.

    Frames without jobs pass (there is nothing to be missing); frames whose results were loaded
    pass even when the endpoint answered for none of the jobs (they are then all *missing*).

    Examples:
        >>> from roe_analysis.frames import JobFrames
        >>> require_results(JobFrames.from_tables(jobs=[{"id": "a"}]), helper="demo")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.InvalidArgumentError: demo needs each job's cost and tokens (the results frame), and these frames have no results: load with `client.load_jobs(..., results=True)` or add them with `client.load_results(frames)`.
    """  # noqa: E501
    if frames.jobs.height and not has_results(frames):
        raise InvalidArgumentError(
            f"{helper} needs each job's cost and tokens (the results frame), and these frames have no results: "
            f"{LOAD_RESULTS_HINT}."
        )


def result_values(frames: JobFrames) -> pl.DataFrame:
    """``job_id`` → ``has_result`` (true), ``cost`` (NaN as null) and the token counts as Float64.

    One row per job: the results frame holds one per job; should it hold two, the first counts.
    """
    return frames.results.unique("job_id", keep="first", maintain_order=True).select(
        "job_id",
        pl.lit(True).alias("has_result"),
        pl.col("cost").cast(pl.Float64).fill_nan(None).alias("cost"),
        pl.col("input_tokens").cast(pl.Float64).alias("input_tokens"),
        pl.col("output_tokens").cast(pl.Float64).alias("output_tokens"),
    )


def cost_runs(frames: object, keys: Sequence[str], cluster: str | None, *, helper: str) -> tuple[pl.DataFrame, str]:
    """One row per job: the ``keys``, then `RUN_COLUMNS`; and the unit's name for notes.

    ``keys`` and ``cluster`` may name jobs columns or (with `JobFrames`) metadata keys. The
    cluster is the job's input (its set of input pairs) by default; a job without one is its own.
    """
    check_cluster(cluster, helper=helper)
    checked = job_frames(frames, helper=helper, needs=NEEDS_RESULTS)
    name = "input_id" if cluster is None else cluster
    jobs = with_metadata_keys(
        checked, checked.jobs, [*keys, *([name] if name != "input_id" else [])], helper=helper, id_column="id"
    )
    require_columns(jobs, keys, helper=helper)
    require_results(checked, helper=helper)
    # The results' columns are renamed on the way in: a metadata key joined for ``by`` may be "cost".
    results = result_values(checked).rename(lambda c: c if c == "job_id" else f"\x00{c}")
    table = jobs.with_columns(pl.col("id").alias("job_id")).join(
        results, on="job_id", how="left", maintain_order="left"
    )
    if name == "input_id" and "input_id" not in table.columns:
        table = table.join(input_ids(checked.inputs), on="job_id", how="left", maintain_order="left")
    unit = "inputs" if name == "input_id" else f"clusters of {name}"
    status = pl.col("status").cast(pl.String)
    review = pl.col("review_status").cast(pl.String)
    out = table.select(
        *keys,
        pl.col("job_id").alias("_job_id"),
        pl.col("agent_id").alias("_agent_id"),
        pl.col("\x00has_result").fill_null(False).alias("_has_result"),
        pl.col("\x00cost").alias("_cost"),
        pl.col("\x00input_tokens").alias("_input_tokens"),
        pl.col("\x00output_tokens").alias("_output_tokens"),
        (status == "SUCCESS").fill_null(False).alias("_success"),
        (status == "CACHED").fill_null(False).alias("_cached"),
        (review == "approved").fill_null(False).alias("_approved"),
        review.is_in(["approved", "rejected"]).fill_null(False).alias("_reviewed"),
        pl.col("grader_score").cast(pl.Float64).fill_nan(None).alias("_grader_score"),
        cluster_column(table, name, helper=helper).alias("_cluster"),
    )
    return out, unit
