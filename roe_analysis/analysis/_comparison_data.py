"""The compared value of every job, with its input and cluster, for `compare_versions`.

One place decides which runs a comparison sees: scored jobs of the two versions; for durations only
finished runs of one terminal status (``status="SUCCESS"`` by default) and no cache hits
(``include_cached=False``); and one score scale across agents (`check_one_scale`). Each run carries
its ``input_id`` (identical inputs pair) and its ``cluster`` (the unit an unpaired comparison
resamples: the input by default, any jobs column or metadata key with ``cluster=``).

Cost and tokens (``"cost"``, ``"input_tokens"``, ``"output_tokens"``) come from the ``results``
frame: every job with a value counts, whatever its status (failures cost what they spent, cache
hits their cost, as in `cost_summary`); a job without a result row has no value and is counted in
``missing``, never taken as 0. They are in fixed units (USD, tokens), so no scale check applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from roe_analysis._schema import UTC
from roe_analysis.analysis._common import require_columns
from roe_analysis.analysis._cost_data import RESULT_METRICS, require_results, result_values
from roe_analysis.analysis._job_durations import job_durations
from roe_analysis.analysis._scales import check_one_scale
from roe_analysis.analysis._scores import check_metric_column, metric_value
from roe_analysis.analysis._units import check_cluster, cluster_column, input_ids
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError
from roe_analysis.frames import JobFrames

StatName = Literal["mean", "median"]


@dataclass(frozen=True)
class PerJob:
    """Every compared run: ``job_id``, ``version``, ``created_at``, ``value``, ``input_id``, ``cluster``."""

    frame: pl.DataFrame
    metric: str
    statistic: StatName
    can_pair: bool
    #: The runs compared, in words (for ``method``), e.g. "finished SUCCESS runs, cache hits left out".
    population: str
    #: Per version, the jobs without a result row (cost and token metrics only): no value, not 0.
    missing: dict[str, int] = field(default_factory=dict)


def _check_options(
    metric: str,
    threshold: float | None,
    statistic: StatName | None,
    helper: str,
    *,
    status: str | None,
    include_cached: bool,
) -> StatName:
    if metric == "pass_rate":
        if threshold is None:
            raise InvalidArgumentError(
                f"{helper}: metric='pass_rate' needs a threshold (grader_score >= threshold passes); pass threshold=..."
            )
        if statistic not in (None, "mean"):
            raise InvalidArgumentError(
                f"{helper}: a pass rate is a mean of pass/fail; statistic must be 'mean' or None; got {statistic!r}"
            )
    elif threshold is not None:
        raise InvalidArgumentError(
            f"{helper}: threshold only applies to metric='pass_rate'; got metric={metric!r}. "
            "Pass metric='pass_rate', or leave threshold out"
        )
    if statistic not in (None, "mean", "median"):
        raise InvalidArgumentError(f"{helper}: statistic must be 'mean', 'median' or None; got {statistic!r}")
    if status is not None and not isinstance(status, str):
        raise ArgumentTypeError(
            f"{helper}: status must be a terminal status such as 'SUCCESS', or None; got {status!r}"
        )
    if not isinstance(include_cached, bool):
        raise ArgumentTypeError(f"{helper}: include_cached must be True or False; got {include_cached!r}")
    return statistic or ("median" if metric == "duration_ms" else "mean")


def _metadata_value(metadata: pl.DataFrame, key: str) -> pl.DataFrame:
    """``job_id → key``: one metadata key's value per job (the first if a job repeats it)."""
    return (
        metadata.filter(pl.col("key") == key)
        .unique(subset="job_id", keep="first", maintain_order=True)
        .select("job_id", pl.col("value").alias(key))
    )


def _duration_population(jobs: pl.DataFrame, status: str | None, include_cached: bool) -> tuple[pl.DataFrame, str]:
    name = "terminal_status" if "terminal_status" in jobs.columns else "status" if "status" in jobs.columns else None
    cached = "cache hits kept" if include_cached else "cache hits left out"
    if name is None:
        return jobs, "every row with a duration (the frame has no status column)"
    current = pl.col(name).cast(pl.String)
    keep = pl.lit(True) if status is None else current == status
    cache = current == "CACHED"
    keep = (keep | cache) if include_cached else (keep & (current.is_null() | ~cache))
    what = "finished runs of any terminal status" if status is None else f"finished {status} runs"
    return jobs.filter(keep.fill_null(status is None)), f"{what}, {cached}"


def per_job(
    frames: JobFrames | pl.DataFrame,
    metric: str,
    threshold: float | None,
    statistic: StatName | None,
    helper: str,
    *,
    cluster: str | None = None,
    status: str | None = "SUCCESS",
    include_cached: bool = False,
) -> PerJob:
    """The runs a comparison sees (see the module docstring), after checking every option."""
    chosen = _check_options(metric, threshold, statistic, helper, status=status, include_cached=include_cached)
    check_cluster(cluster, helper=helper)
    source = "grader_score" if metric == "pass_rate" else metric
    missing_counts: dict[str, int] = {}
    if isinstance(frames, JobFrames):
        jobs = frames.jobs.rename({"id": "job_id"})
        if metric == "duration_ms":
            # The spec's recomputed duration; running jobs have none and are left out.
            durations = job_durations(frames).select("job_id", "duration_ms", "terminal_status")
            jobs = jobs.drop("duration_ms").join(durations, on="job_id", how="left", maintain_order="left")
        if metric in RESULT_METRICS:
            require_results(frames, helper=helper)
            values = result_values(frames).select("job_id", pl.col("has_result").alias("\x00has_result"), metric)
            jobs = jobs.join(values, on="job_id", how="left", maintain_order="left")
            missing = jobs.filter(pl.col("\x00has_result").is_null()).group_by("agent_version_name").len()
            missing_counts = {str(v): int(n) for v, n in missing.iter_rows() if v is not None}
        jobs = jobs.join(input_ids(frames.inputs), on="job_id", how="left", maintain_order="left")
        if cluster not in (None, "input_id") and cluster not in jobs.columns:
            keys = frames.metadata.get_column("key").unique().sort().to_list()
            if cluster not in keys:
                raise MissingColumnsError(helper, [str(cluster)], [*jobs.columns, *keys])
            jobs = jobs.join(_metadata_value(frames.metadata, str(cluster)), on="job_id", how="left")
        can_pair = True
    elif isinstance(frames, pl.DataFrame):
        jobs = frames.rename({"id": "job_id"}) if "id" in frames.columns and "job_id" not in frames.columns else frames
        can_pair = "input_id" in jobs.columns
        if not can_pair:
            jobs = jobs.with_columns(pl.lit(None, dtype=pl.String).alias("input_id"))
    else:
        raise ArgumentTypeError(
            f"{helper} expects JobFrames or a jobs frame (e.g. frames.jobs, filtered); got {type(frames).__name__}"
        )
    require_columns(jobs, ["job_id", "agent_version_name"], helper=helper)
    check_metric_column(jobs, source, helper)
    population = "every scored run"
    if metric == "duration_ms":
        jobs, population = _duration_population(jobs, status, include_cached)
    elif metric in RESULT_METRICS:
        population = (
            f"every job whose result gives its {metric}, whatever its status (failures and cache hits included)"
        )
    else:
        check_one_scale(jobs, value=source, helper=helper, metric=source)
    value = metric_value(source)
    if metric == "pass_rate":
        assert threshold is not None
        value = (value >= threshold).cast(pl.Float64)
    frame = jobs.select(
        "job_id",
        pl.col("agent_version_name").alias("version"),
        pl.col("created_at") if "created_at" in jobs.columns else pl.lit(None, dtype=UTC).alias("created_at"),
        value.alias("value"),
        pl.col("input_id").cast(pl.String),
        cluster_column(jobs, cluster, helper=helper).alias("cluster"),
    )
    return PerJob(frame, metric, chosen, can_pair, population, missing_counts)
