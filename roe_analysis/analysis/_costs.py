"""What a version costs: `cost_summary` (per job, per successful job, per approved verdict) and `version_labels`.

The definitions (issue 13):

- **mean / p50 / p95 cost per job** are over the jobs that have a cost, whatever their status:
  failures cost what they spent before failing, and cache hits count at their cost (0 as a rule);
- **cost per successful job** is the group's total cost (failures and cache hits included) divided
  by its SUCCESS jobs: what one success costs, counting what the failures wasted on the way;
- **cost per approved verdict** is the same total divided by the jobs whose review is
  ``approved``: what a correct answer costs, counting the failures and the rejections it took.

Both ratios are taken over the jobs whose cost is known, numerator and denominator alike: a job
without a result (``n_missing``) is left out of both, so a gap in the results cannot make a
version look cheaper. Its cost is never taken as 0.

**The unit is the input.** Reruns of one input cost alike, so every interval resamples whole
inputs (``cluster=`` another column or metadata key): the mean's is the expanded percentile
cluster bootstrap of `score_summary` (`cluster_mean_interval`); each ratio's the same bootstrap of
the ratio of the drawn inputs' totals (`cluster_ratio_interval`, the "ratio of cluster totals"
survey sampling uses); the quantiles' Woodruff's clustered order-statistic intervals of
`duration_summary` (`clustered_quantile_interval`). Below `MIN_N` (10) inputs with a cost there is
no interval, ``too_few`` is true and the note says "too few to tell"; a zero-width interval is null.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis._text import plural
from roe_analysis.analysis._common import DEFAULT_BY, By, group_keys, job_frames, keyed_schema
from roe_analysis.analysis._cost_data import RUN_COLUMNS, cost_runs
from roe_analysis.analysis._quantiles import clustered_quantile_interval
from roe_analysis.analysis._score_intervals import cluster_mean_interval, cluster_ratio_interval
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence
from roe_analysis.analysis._units import MIN_N, group_design_effect, unit_count
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames


def _stats_schema() -> pl.Schema:
    columns: list[tuple[str, pl.DataType]] = [
        (name, pl.UInt32())
        for name in ("n_jobs", "n_missing", "n_with_cost", "n_inputs", "n_success", "n_cached", "n_approved")
    ]
    columns.append(("total_cost", pl.Float64()))
    for estimate in ("mean_cost", "p50_cost", "p95_cost"):
        columns += [(estimate, pl.Float64()), (f"{estimate}_low", pl.Float64()), (f"{estimate}_high", pl.Float64())]
    columns.append(("design_effect", pl.Float64()))
    for estimate in ("mean_input_tokens", "mean_output_tokens", "cost_per_success", "cost_per_approval"):
        columns += [(estimate, pl.Float64()), (f"{estimate}_low", pl.Float64()), (f"{estimate}_high", pl.Float64())]
    columns += [("too_few", pl.Boolean()), ("note", pl.String())]
    return pl.Schema(columns)


#: The statistics columns of `cost_summary` (after the ``by`` columns).
COST_SUMMARY_STATS = _stats_schema()

#: Columns and dtypes of `version_labels`.
VERSION_LABELS_SCHEMA = pl.Schema(
    {"agent_id": pl.String(), "version_name": pl.String(), "model": pl.String(), "label": pl.String()}
)

#: What joins a version's name and its model in a label.
LABEL_SEPARATOR = " · "


def check_options(confidence: object, n_resamples: object, seed: object, *, helper: str) -> None:
    """Refuse a confidence, resample count or seed that cannot work, before any work."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ArgumentTypeError(f"{helper}: confidence must be a number between 0 and 1, e.g. 0.95; got {confidence!r}")
    check_confidence(float(confidence))
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"{helper}: n_resamples must be a whole number of at least 1; got {n_resamples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ArgumentTypeError(f"{helper}: seed must be an integer; got {seed!r}")


def codes_of(frame: pl.DataFrame) -> np.ndarray:
    """The ``_cluster`` of each row as integer codes (numpy groups long input identities slowly)."""
    if frame.height == 0:
        return np.empty(0, dtype=np.int64)
    return frame.get_column("_cluster").rank("dense").cast(pl.Int64).to_numpy()


def _mean(
    frame: pl.DataFrame, column: str, *, confidence: float, n_resamples: int, seed: int, name: str
) -> dict[str, float | None]:
    """``name``, ``name_low``, ``name_high``: the mean of ``column`` over its non-null rows, clustered."""
    rows = frame.filter(pl.col(column).is_not_null())
    values = rows.get_column(column).to_numpy().astype(np.float64)
    if values.size == 0:
        return {name: None, f"{name}_low": None, f"{name}_high": None}
    low, high = cluster_mean_interval(values, codes_of(rows), confidence=confidence, n_resamples=n_resamples, seed=seed)
    return {name: float(values.mean()), f"{name}_low": low, f"{name}_high": high}


def _quantiles(values: np.ndarray, codes: np.ndarray, *, confidence: float, enough: bool) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for q, name in ((0.5, "p50_cost"), (0.95, "p95_cost")):
        out[name] = float(np.quantile(values, q)) if values.size else None
        low, high = (None, None)
        if enough:
            low, high, _ = clustered_quantile_interval(values, codes, q, confidence=confidence)
        out[f"{name}_low"], out[f"{name}_high"] = low, high
    return out


def _ratio(
    total: float, per: np.ndarray, cost: np.ndarray, codes: np.ndarray, name: str, **options: float | int
) -> dict[str, float | None]:
    """``name`` (``total / Σ per``, null when no job counts) and its clustered interval."""
    count = float(per.sum())
    if count == 0:
        return {name: None, f"{name}_low": None, f"{name}_high": None}
    low, high = cluster_ratio_interval(cost, per, codes, **options)  # type: ignore[arg-type]
    return {name: total / count, f"{name}_low": low, f"{name}_high": high}


def _note(row: dict[str, object], n_no_cost: int, unit: str, *, ratios: bool) -> str | None:
    parts = []
    n_inputs = int(row["n_inputs"])  # type: ignore[call-overload]
    if not row["n_with_cost"]:
        parts.append("too few to tell: no job with a cost")
    elif n_inputs < MIN_N:
        parts.append(f"too few to tell: {unit_count(n_inputs, unit)} with a cost (need {MIN_N}); no interval")
    if row["n_missing"]:
        parts.append(f"{plural(int(row['n_missing']), 'job')} without a result left out")  # type: ignore[call-overload]
    if n_no_cost:
        parts.append(f"{plural(n_no_cost, 'result')} without a cost left out")
    if ratios and row["n_with_cost"] and not row["n_success"]:
        parts.append("no SUCCESS job: no cost per success")
    if ratios and row["n_with_cost"] and not row["n_approved"]:
        parts.append("no approved verdict: no cost per approval")
    return "; ".join(parts) or None


def summarise_group(
    group: pl.DataFrame, unit: str, *, confidence: float, n_resamples: int, seed: int, ratios: bool = True
) -> dict[str, object]:
    """The `COST_SUMMARY_STATS` of one group's runs (the frame `cost_runs` gives).

    ``ratios=False`` leaves the notes on the costs per success and per approval out.
    """
    priced = group.filter(pl.col("_cost").is_not_null())
    cost = priced.get_column("_cost").to_numpy().astype(np.float64)
    codes = codes_of(priced)
    n_inputs = int(np.unique(codes).size)
    enough = n_inputs >= MIN_N
    options = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    total = float(cost.sum())
    n_missing = int((~group.get_column("_has_result")).sum())
    row: dict[str, object] = {
        "n_jobs": group.height,
        "n_missing": n_missing,
        "n_with_cost": priced.height,
        "n_inputs": n_inputs,
        "n_success": int(priced.get_column("_success").sum()),
        "n_cached": int(priced.get_column("_cached").sum()),
        "n_approved": int(priced.get_column("_approved").sum()),
        "total_cost": total if cost.size else None,
    }
    row |= _mean(priced, "_cost", name="mean_cost", **options)  # type: ignore[arg-type]
    row |= _quantiles(cost, codes, confidence=confidence, enough=enough)
    row["design_effect"] = group_design_effect(cost, codes) if cost.size else None
    for column in ("input_tokens", "output_tokens"):
        row |= _mean(priced, f"_{column}", name=f"mean_{column}", **options)  # type: ignore[arg-type]
    for flag, name in (("_success", "cost_per_success"), ("_approved", "cost_per_approval")):
        per = priced.get_column(flag).cast(pl.Float64).to_numpy()
        row |= _ratio(total, per, cost, codes, name, **options)
    row["too_few"] = not enough
    row["note"] = _note(row, group.height - n_missing - priced.height, unit, ratios=ratios)
    return row


def summarise_costs(
    runs: pl.DataFrame, keys: list[str], unit: str, *, confidence: float, n_resamples: int, seed: int
) -> pl.DataFrame:
    """`cost_summary`'s frame from the runs of `cost_runs`: one row per group, sorted by the keys."""
    schema = keyed_schema(runs, keys, COST_SUMMARY_STATS)
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    groups = (
        runs.sort(keys, nulls_last=True, maintain_order=True).partition_by(keys, maintain_order=True)
        if keys
        else [runs]
    )
    rows = []
    for group in groups:
        row: dict[str, object] = {k: group.item(0, k) for k in keys}
        rows.append(row | summarise_group(group, unit, confidence=confidence, n_resamples=n_resamples, seed=seed))
    return pl.DataFrame(rows, schema=schema)


def cost_summary(
    frames: JobFrames,
    *,
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    cluster: str | None = None,
) -> pl.DataFrame:
    """What each version costs: per job, per successful job and per approved verdict, inputs as the unit.

    Columns (the ``by`` columns, then `COST_SUMMARY_STATS`):

    - counts: ``n_jobs``; ``n_missing`` (jobs without a result row: cost unknown, left out of
      every figure, never taken as 0); ``n_with_cost`` (jobs whose result has a cost: every
      figure below is over these); ``n_inputs`` (distinct inputs among them, the unit of the
      intervals); and among them ``n_success``, ``n_cached`` (cache hits) and ``n_approved``
      (review ``approved``);
    - ``total_cost``; ``mean_cost``, ``p50_cost``, ``p95_cost`` (linear interpolation), each with
      ``_low``/``_high``; ``design_effect`` of the mean (1: reruns as informative as new inputs);
    - ``mean_input_tokens``, ``mean_output_tokens`` with ``_low``/``_high``;
    - ``cost_per_success`` (total cost ÷ SUCCESS jobs) and ``cost_per_approval`` (total cost ÷
      approved verdicts), each with ``_low``/``_high``, null when nothing divides (the note says so);
    - ``too_few`` (fewer than `MIN_N` inputs with a cost: no interval) and ``note`` (too few,
      jobs without a result or a cost, no success, no approval; else null).

    Cost is in the API's unit (USD). The intervals: see the module docstring (mean and ratios:
    expanded percentile cluster bootstrap, seeded; quantiles: Woodruff's clustered interval, a
    side the sample is too small for null).

    Args:
        frames: the loaded `JobFrames`, with results (``load_jobs(..., results=True)``).
        by: the grouping columns of ``jobs`` or metadata keys (``None`` for one overall row), e.g.
            ``["agent_id", "agent_version_name"]``.
        confidence: the level of the intervals.
        n_resamples: bootstrap resamples per interval.
        seed: the seed of the bootstrap, so reruns agree exactly.
        cluster: the unit of the intervals: ``None`` for the input, or a jobs column or metadata key.

    Raises:
        InvalidArgumentError: the frames hold jobs but no results (the message says how to load
            them), or an option is out of range.
        MissingColumnsError: ``by`` or ``cluster`` names neither a column nor a metadata key.

    Examples:
        >>> import roe_analysis as ra
        >>> frames = ra.JobFrames.from_tables(
        ...     jobs=[{"id": f"j{i}", "agent_version_name": "v1", "status": s}
        ...           for i, s in enumerate(["SUCCESS", "SUCCESS", "FAILURE", "CACHED", "SUCCESS"])],
        ...     results=[{"job_id": f"j{i}", "cost": c} for i, c in enumerate([0.04, 0.02, 0.03, 0.0])],
        ... )
        >>> cost_summary(frames).select("n_jobs", "n_missing", "mean_cost", "cost_per_success", "too_few")
        shape: (1, 5)
        ┌────────┬───────────┬───────────┬──────────────────┬─────────┐
        │ n_jobs ┆ n_missing ┆ mean_cost ┆ cost_per_success ┆ too_few │
        │ ---    ┆ ---       ┆ ---       ┆ ---              ┆ ---     │
        │ u32    ┆ u32       ┆ f64       ┆ f64              ┆ bool    │
        ╞════════╪═══════════╪═══════════╪══════════════════╪═════════╡
        │ 5      ┆ 1         ┆ 0.0225    ┆ 0.045            ┆ true    │
        └────────┴───────────┴───────────┴──────────────────┴─────────┘
        >>> print(cost_summary(frames).item(0, "note"))
        too few to tell: 4 inputs with a cost (need 10); no interval; 1 job without a result left out; no approved verdict: no cost per approval
    """  # noqa: E501
    helper = "cost_summary"
    check_options(confidence, n_resamples, seed, helper=helper)
    keys = group_keys(by, helper=helper, reserved=[*COST_SUMMARY_STATS.names(), *RUN_COLUMNS])
    runs, unit = cost_runs(frames, keys, cluster, helper=helper)
    return summarise_costs(runs, keys, unit, confidence=float(confidence), n_resamples=n_resamples, seed=seed)


def version_labels(frames: JobFrames) -> pl.DataFrame:
    """A display label per agent version: ``"v2.0 · gpt-4.1"`` where its model is known, else its name.

    One row per version of each agent, those the jobs name and those the ``versions`` frame lists
    (`VERSION_LABELS_SCHEMA`): ``agent_id``, ``version_name`` (exactly as the API gives it, the
    key to join on: it stays the version column everywhere), ``model`` (from the versions frame,
    matched by agent and name; null when unknown or not loaded) and ``label``, for charts and
    tables only. Rows are per agent, versions in order of first job (then of creation).

    Examples:
        >>> import roe_analysis as ra
        >>> frames = ra.JobFrames.from_tables(
        ...     jobs=[{"id": "a", "agent_id": "ag", "agent_version_name": "v1.0"},
        ...           {"id": "b", "agent_id": "ag", "agent_version_name": "v2.0"}],
        ...     versions=[{"agent_id": "ag", "version_name": "v2.0", "model": "gpt-4.1"}],
        ... )
        >>> version_labels(frames)
        shape: (2, 4)
        ┌──────────┬──────────────┬─────────┬────────────────┐
        │ agent_id ┆ version_name ┆ model   ┆ label          │
        │ ---      ┆ ---          ┆ ---     ┆ ---            │
        │ str      ┆ str          ┆ str     ┆ str            │
        ╞══════════╪══════════════╪═════════╪════════════════╡
        │ ag       ┆ v1.0         ┆ null    ┆ v1.0           │
        │ ag       ┆ v2.0         ┆ gpt-4.1 ┆ v2.0 · gpt-4.1 │
        └──────────┴──────────────┴─────────┴────────────────┘
    """
    frames = job_frames(frames, helper="version_labels", needs="models come from its versions frame")
    keys = ["agent_id", "version_name"]
    seen = (
        frames.jobs.filter(pl.col("agent_version_name").is_not_null())
        .group_by("agent_id", pl.col("agent_version_name").alias("version_name"))
        .agg(pl.col("created_at").min().alias("_first"))
    )
    model = pl.col("model").str.strip_chars()
    known = (
        frames.versions.filter(pl.col("version_name").is_not_null())
        .sort("created_at", descending=True, nulls_last=True, maintain_order=True)
        .group_by(keys, maintain_order=True)
        .agg(
            pl.when(model != "").then(model).drop_nulls().first().alias("model"),
            pl.col("created_at").min().alias("_created"),
        )
    )
    both = seen.join(known, on=keys, how="full", coalesce=True, nulls_equal=True)
    labelled = both.sort("agent_id", pl.coalesce("_first", "_created"), "version_name", nulls_last=True).select(
        *keys,
        "model",
        pl.when(pl.col("model").is_not_null())
        .then(pl.concat_str([pl.col("version_name"), pl.lit(LABEL_SEPARATOR), pl.col("model")]))
        .otherwise(pl.col("version_name"))
        .alias("label"),
    )
    return labelled.cast(VERSION_LABELS_SCHEMA)
