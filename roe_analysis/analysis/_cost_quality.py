"""What each version costs against how good it is: `cost_quality` and its Pareto front.

Per version (per ``by`` group): the mean cost per job with its interval (as `cost_summary`), and
one measure of quality with its interval:

- ``quality="grader_score"``: the mean grader score over scored jobs, with the expanded percentile
  cluster bootstrap of `score_summary`. Scores have no fixed scale: agents whose scores are on
  different scales are refused unless ``by`` separates them (`check_one_scale`), as in
  `score_summary`; nothing normalises them;
- ``quality="approval"``: the share of completed human reviews (approved or rejected) that
  approved, with Wilson's interval on the effective sample size of the inputs
  (`cluster_wilson_interval`, as `outcome_rates` and `reviewer_stats` use).

**The Pareto front** is read on the point estimates: a version is on it when no other version
costs less or the same *and* is as good or better, one of the two strictly. Lower cost and higher
quality are better. With ``agent_id`` among ``by`` the front is drawn within each agent (versions
of different agents do different work). A version without a cost or a quality, or with too few
inputs on either axis (``too_few``), is not placed (``pareto`` null): a canary of four jobs would
otherwise knock a version measured on hundreds of inputs off the front.

Point estimates move with every sample, so ``pareto_uncertain`` says whether the intervals alone
settle the membership: a version on the front is *certain* when every other version is clearly
worse on at least one axis (its interval lies entirely on the worse side of this version's); a
version off the front is *certain* when some version that dominates it is clearly better on both
axes. Anything else is uncertain, and so is a version without intervals (too few inputs). It is a
reading of the intervals, not a test: two 95% intervals apart is stricter than a 5% test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from roe_analysis.analysis._common import DEFAULT_BY, By, group_keys, keyed_schema
from roe_analysis.analysis._cost_data import RUN_COLUMNS, cost_runs
from roe_analysis.analysis._costs import check_options, codes_of, summarise_group
from roe_analysis.analysis._scales import check_one_scale
from roe_analysis.analysis._score_intervals import cluster_mean_interval, cluster_wilson_interval
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED
from roe_analysis.analysis._units import MIN_N, unit_count
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

Quality = Literal["grader_score", "approval"]
#: The quality measures `cost_quality` knows.
QUALITIES: tuple[str, ...] = ("grader_score", "approval")

#: The statistics columns of `cost_quality` (after the ``by`` columns).
COST_QUALITY_STATS = pl.Schema(
    {
        "n_jobs": pl.UInt32(),
        "n_with_cost": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "mean_cost": pl.Float64(),
        "mean_cost_low": pl.Float64(),
        "mean_cost_high": pl.Float64(),
        "quality_measure": pl.String(),
        "n_quality": pl.UInt32(),
        "n_quality_inputs": pl.UInt32(),
        "quality": pl.Float64(),
        "quality_low": pl.Float64(),
        "quality_high": pl.Float64(),
        "pareto": pl.Boolean(),
        "pareto_uncertain": pl.Boolean(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)

#: How each measure's evidence is named in notes.
_EVIDENCE = {"grader_score": "with a grader score", "approval": "with a completed review"}


def _quality(group: pl.DataFrame, quality: str, *, confidence: float, n_resamples: int, seed: int) -> dict[str, object]:
    if quality == "grader_score":
        rows = group.filter(pl.col("_grader_score").is_not_null())
        values = rows.get_column("_grader_score").to_numpy().astype(np.float64)
        codes = codes_of(rows)
        low, high = (
            cluster_mean_interval(values, codes, confidence=confidence, n_resamples=n_resamples, seed=seed)
            if values.size
            else (None, None)
        )
    else:
        rows = group.filter(pl.col("_reviewed"))
        values = rows.get_column("_approved").cast(pl.Float64).to_numpy()
        codes = codes_of(rows)
        low, high = cluster_wilson_interval(values, codes, confidence=confidence) if values.size else (None, None)
    return {
        "quality_measure": quality,
        "n_quality": int(values.size),
        "n_quality_inputs": int(np.unique(codes).size),
        "quality": float(values.mean()) if values.size else None,
        "quality_low": low,
        "quality_high": high,
    }


def _notes(row: dict[str, object], cost_note: object, unit: str) -> str | None:
    parts = [str(cost_note)] if cost_note else []
    n = int(row["n_quality_inputs"])  # type: ignore[call-overload]
    evidence = _EVIDENCE[str(row["quality_measure"])]
    if n == 0:
        parts.append(f"quality too few to tell: no job {evidence}")
    elif n < MIN_N:
        parts.append(f"quality too few to tell: {unit_count(n, unit)} {evidence} (need {MIN_N}); no interval")
    if row["too_few"]:
        parts.append("not placed on the Pareto front")
    return "; ".join(parts) or None


def _dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether ``a = (cost, quality)`` dominates ``b``: no costlier, no worse, and one strictly."""
    return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])


def _apart(better: tuple[float | None, ...], worse: tuple[float | None, ...], *, on_cost: bool) -> bool:
    """Whether ``better``'s interval lies entirely on the better side of ``worse``'s on one axis.

    Each is ``(cost_low, cost_high, quality_low, quality_high)``; a missing bound is never apart.
    """
    if on_cost:
        high, low = better[1], worse[0]
    else:
        high, low = worse[3], better[2]
    return high is not None and low is not None and high < low


def pareto_flags(
    points: Sequence[tuple[float, float] | None], bounds: Sequence[tuple[float | None, ...]]
) -> tuple[list[bool | None], list[bool | None]]:
    """``(pareto, pareto_uncertain)`` of each point (``(cost, quality)``, or None when unplaced).

    ``bounds`` holds each point's ``(cost_low, cost_high, quality_low, quality_high)``.

    Examples:
        >>> points = [(1.0, 0.5), (2.0, 0.9), (2.0, 0.4), None]  # the third is dominated by both others
        >>> bounds = [(0.9, 1.1, 0.45, 0.55), (1.9, 2.1, 0.85, 0.95), (1.95, 2.05, 0.36, 0.44), (None,) * 4]
        >>> pareto_flags(points, bounds)
        ([True, True, False, None], [False, False, False, None])
    """
    placed = [i for i, p in enumerate(points) if p is not None]
    front: list[bool | None] = [None] * len(points)
    uncertain: list[bool | None] = [None] * len(points)
    for i in placed:
        p = points[i]
        assert p is not None
        others = [j for j in placed if j != i]
        dominators = [j for j in others if _dominates(points[j], p)]  # type: ignore[arg-type]
        front[i] = not dominators
        if dominators:
            # Certainly off the front: some dominator is clearly cheaper and clearly better.
            settled = any(
                _apart(bounds[j], bounds[i], on_cost=True) and _apart(bounds[j], bounds[i], on_cost=False)
                for j in dominators
            )
        else:
            # Certainly on it: every other version is clearly costlier or clearly worse.
            settled = all(
                _apart(bounds[i], bounds[j], on_cost=True) or _apart(bounds[i], bounds[j], on_cost=False)
                for j in others
            )
        uncertain[i] = not settled
    return front, uncertain


def _with_front(out: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``out`` with ``pareto`` and ``pareto_uncertain``, per agent when ``agent_id`` is a key."""
    out = out.with_row_index("\x00row")
    parts = out.partition_by("agent_id", maintain_order=True) if "agent_id" in keys and out.height else [out]
    rows, fronts, uncertain = [], [], []
    for part in parts:
        records = part.to_dicts()
        points = [
            (r["mean_cost"], r["quality"])
            if r["mean_cost"] is not None and r["quality"] is not None and not r["too_few"]
            else None
            for r in records
        ]
        bounds = [(r["mean_cost_low"], r["mean_cost_high"], r["quality_low"], r["quality_high"]) for r in records]
        front, unsure = pareto_flags(points, bounds)
        rows += part.get_column("\x00row").to_list()
        fronts += front
        uncertain += unsure
    flags = pl.DataFrame(
        {"\x00row": rows, "pareto": fronts, "pareto_uncertain": uncertain},
        schema={"\x00row": pl.UInt32, "pareto": pl.Boolean, "pareto_uncertain": pl.Boolean},
    )
    return (
        out.drop("pareto", "pareto_uncertain")
        .join(flags, on="\x00row", how="left", maintain_order="left")
        .drop("\x00row")
    )


def cost_quality(
    frames: JobFrames,
    *,
    quality: Quality = "grader_score",
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    cluster: str | None = None,
) -> pl.DataFrame:
    """Per version: mean cost per job against quality, both with intervals, and the Pareto front.

    Columns (the ``by`` columns, then `COST_QUALITY_STATS`): ``n_jobs``, ``n_with_cost``,
    ``n_inputs`` (inputs among the jobs with a cost), ``mean_cost`` with ``mean_cost_low``/
    ``mean_cost_high`` (exactly `cost_summary`'s); ``quality_measure`` (``quality``), ``n_quality``
    (scored jobs, or completed reviews), ``n_quality_inputs``, ``quality`` (mean grader score, or
    approval rate) with ``quality_low``/``quality_high``; ``pareto`` (on the front, on point
    estimates), ``pareto_uncertain`` (the intervals do not settle it); ``too_few`` (fewer than
    `MIN_N` inputs on either axis: that axis has no interval) and ``note``. See the module
    docstring for the front and its uncertainty.

    Args:
        frames: the loaded `JobFrames`, with results (``load_jobs(..., results=True)``).
        quality: ``"grader_score"`` (mean grader score) or ``"approval"`` (human approval rate).
        by: the grouping columns of ``jobs`` or metadata keys; ``None`` for one overall row.
        confidence, n_resamples, seed: the intervals' level, bootstrap size and seed.
        cluster: the unit of the intervals: ``None`` for the input, or a jobs column or metadata key.

    Raises:
        InvalidArgumentError: an unknown ``quality``, frames without results (the message says how
            to load them), or grader scores on different scales across agents.

    Examples:
        >>> import roe_analysis as ra
        >>> jobs, results = [], []
        >>> for v, cost, score in [("v1", 0.01, 0.6), ("v2", 0.03, 0.8), ("v3", 0.04, 0.7)]:
        ...     for i in range(12):
        ...         jobs.append({"id": f"{v}-{i}", "agent_version_name": v, "status": "SUCCESS",
        ...                      "grader_score": score + (i % 3 - 1) / 20})
        ...         results.append({"job_id": f"{v}-{i}", "cost": cost * (1 + (i % 4) / 10)})
        >>> frames = ra.JobFrames.from_tables(jobs=jobs, results=results)
        >>> cost_quality(frames, n_resamples=500).select(
        ...     "agent_version_name", pl.col("mean_cost").round(4), pl.col("quality").round(2), "pareto",
        ...     "pareto_uncertain",
        ... )
        shape: (3, 5)
        ┌────────────────────┬───────────┬─────────┬────────┬──────────────────┐
        │ agent_version_name ┆ mean_cost ┆ quality ┆ pareto ┆ pareto_uncertain │
        │ ---                ┆ ---       ┆ ---     ┆ ---    ┆ ---              │
        │ str                ┆ f64       ┆ f64     ┆ bool   ┆ bool             │
        ╞════════════════════╪═══════════╪═════════╪════════╪══════════════════╡
        │ v1                 ┆ 0.0115    ┆ 0.6     ┆ true   ┆ false            │
        │ v2                 ┆ 0.0345    ┆ 0.8     ┆ true   ┆ false            │
        │ v3                 ┆ 0.046     ┆ 0.7     ┆ false  ┆ false            │
        └────────────────────┴───────────┴─────────┴────────┴──────────────────┘
    """
    helper = "cost_quality"
    if not isinstance(quality, str) or quality not in QUALITIES:
        raise InvalidArgumentError(f"{helper}: quality must be one of {list(QUALITIES)}; got {quality!r}")
    check_options(confidence, n_resamples, seed, helper=helper)
    keys = group_keys(by, helper=helper, reserved=[*COST_QUALITY_STATS.names(), *RUN_COLUMNS])
    runs, unit = cost_runs(frames, keys, cluster, helper=helper)
    if quality == "grader_score" and "agent_id" not in keys:
        check_one_scale(runs, value="_grader_score", agent="_agent_id", helper=helper, metric="grader_score")
    schema = keyed_schema(runs, keys, COST_QUALITY_STATS)
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    ordered = runs.sort(keys, nulls_last=True, maintain_order=True)
    groups = ordered.partition_by(keys, maintain_order=True) if keys else [runs]
    options = {"confidence": float(confidence), "n_resamples": n_resamples, "seed": seed}
    rows = []
    for group in groups:
        costs = summarise_group(group, unit, ratios=False, **options)  # type: ignore[arg-type]
        row: dict[str, object] = {k: group.item(0, k) for k in keys}
        row |= {name: costs[name] for name in ("n_jobs", "n_with_cost", "n_inputs")}
        row |= {name: costs[name] for name in ("mean_cost", "mean_cost_low", "mean_cost_high")}
        row |= _quality(group, quality, **options)  # type: ignore[arg-type]
        row |= {"pareto": None, "pareto_uncertain": None}
        row["too_few"] = bool(costs["too_few"]) or int(row["n_quality_inputs"]) < MIN_N  # type: ignore[call-overload]
        row["note"] = _notes(row, costs["note"], unit)
        rows.append(row)
    return _with_front(pl.DataFrame(rows, schema=schema), keys).select(list(schema))
