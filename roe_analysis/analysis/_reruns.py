"""Whether reruns of one input agree: `rerun_consistency`.

The same input is often run several times within a version (reruns, canaries). How much those runs
agree says how much one run can be trusted, and how much reruns add to an evaluation (the design
effect of `score_summary` grows with the intra-class correlation measured here):

- **verdicts**: over the inputs with at least two runs that gave an agent verdict, the share of
  pairs of runs of one input that gave the same verdict (``Σ agreeing pairs / Σ pairs``; an input
  run ``k`` times has ``k(k−1)/2`` pairs). 1 means reruns always agree.
- **scores**: over the inputs with at least two scored runs, the pooled within-input standard
  deviation ``√MSW`` and the intra-class correlation ICC(1) of the one-way random-effects ANOVA
  (Shrout & Fleiss 1979, ICC(1,1)): ``(MSB − MSW) / (MSB + (k₀ − 1)·MSW)``, where ``k₀ = (N −
  Σnᵢ²/N)/(G − 1)`` is the usual average group size for unequal runs per input (``k`` when every
  input has ``k`` runs). 1 means a run's score is fixed by its input; 0 means reruns vary as much
  as different inputs.

Intervals are seeded percentile bootstraps over inputs (whole inputs resampled), null below
`MIN_N` inputs or when they would have zero width.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis._schema import RUNNING_STATUSES
from roe_analysis._text import plural_expr
from roe_analysis.analysis._common import DEFAULT_BY, By, group_keys, job_frames, keyed_schema
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence
from roe_analysis.analysis._units import MIN_N, cluster_bootstrap_ratio, input_ids
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames, ui_field

#: The statistics columns of `rerun_consistency` (after the ``by`` columns).
RERUNS_STATS = pl.Schema(
    {
        "n_inputs": pl.UInt32(),
        "n_runs": pl.UInt32(),
        "n_pairs": pl.Int64(),
        "verdict_agreement": pl.Float64(),
        "verdict_low": pl.Float64(),
        "verdict_high": pl.Float64(),
        "score_n_inputs": pl.UInt32(),
        "score_n_runs": pl.UInt32(),
        "within_sd": pl.Float64(),
        "within_sd_low": pl.Float64(),
        "within_sd_high": pl.Float64(),
        "icc": pl.Float64(),
        "icc_low": pl.Float64(),
        "icc_high": pl.Float64(),
        "too_few": pl.Boolean(),
        "score_too_few": pl.Boolean(),
        "note": pl.String(),
    }
)

#: Upper bound on the elements of one block of resampling counts.
_BLOCK_ELEMENTS = 1 << 22

Interval = tuple[float | None, float | None]


def _interval(replicates: np.ndarray, confidence: float) -> Interval:
    finite = replicates[np.isfinite(replicates)]
    if finite.size < 0.9 * replicates.size or finite.size == 0:
        return None, None
    tail = (1 - confidence) / 2
    low, high = (float(v) for v in np.quantile(finite, [tail, 1 - tail]))
    return (low, high) if high > low else (None, None)


def anova_icc(
    sizes: np.ndarray, means: np.ndarray, within_ss: np.ndarray, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(within_sd, icc)`` of the one-way ANOVA over inputs, for each row of resampling ``counts``.

    ``sizes``, ``means``, ``within_ss``: per input its runs ``nᵢ``, mean and ``Σ(x − meanᵢ)²``.
    ``counts`` (``R × G``) says how often each input is drawn; ``None`` is the data itself. NaN
    where a statistic is undefined.

    Examples:
        >>> import numpy as np
        >>> sd, icc = anova_icc(np.array([2, 2, 2]), np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5, 0.5]))
        >>> round(float(sd[0]), 4), round(float(icc[0]), 4)
        (0.7071, 0.6)
    """
    c = np.ones((1, sizes.size)) if counts is None else counts
    n = sizes.astype(np.float64)
    g = c.sum(axis=1)
    total = c @ n
    s1 = c @ (n * means)
    ssb = c @ (n * means**2) - s1**2 / total
    ssw = c @ within_ss
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = ssb / (g - 1)
        msw = ssw / (total - g)
        k0 = (total - (c @ n**2) / total) / (g - 1)
        denom = msb + (k0 - 1) * msw
        icc = np.where(denom > 0, (msb - msw) / denom, np.nan)
    return np.sqrt(np.maximum(msw, 0.0)), icc


def _score_stats(scores: pl.DataFrame, confidence: float, n_resamples: int, seed: int) -> dict[str, object]:
    # Per-input sums in a fixed order (sorted rows, numpy's reduceat): a parallel group_by may add
    # floats in a different order from run to run, and seeded intervals must be the same bytes.
    ordered = scores.select("input_id", "score").sort("input_id", "score")
    ids = ordered.get_column("input_id").to_numpy()
    x = ordered.get_column("score").to_numpy().astype(np.float64)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if x.size else np.array([], dtype=np.int64)
    counts = np.diff(np.r_[starts, x.size])
    means_all = np.add.reduceat(x, starts) / counts if x.size else np.array([])
    ss_all = np.add.reduceat((x - np.repeat(means_all, counts)) ** 2, starts) if x.size else np.array([])
    keep = counts >= 2
    sizes, means, ss = counts[keep], means_all[keep], ss_all[keep]
    g = sizes.size
    out: dict[str, object] = {"score_n_inputs": g, "score_n_runs": int(sizes.sum())}
    if g < 2:
        return out | {"within_sd": None, "icc": None}
    sd, icc = anova_icc(sizes, means, ss)
    out |= {"within_sd": float(sd[0]), "icc": float(icc[0]) if np.isfinite(icc[0]) else None}
    if g < MIN_N:
        return out
    rng = np.random.default_rng(seed)
    rows = max(1, _BLOCK_ELEMENTS // g)
    sds, iccs = [], []
    for start in range(0, n_resamples, rows):
        counts = rng.multinomial(g, np.full(g, 1.0 / g), size=min(rows, n_resamples - start)).astype(np.float64)
        block_sd, block_icc = anova_icc(sizes, means, ss, counts)
        sds.append(block_sd)
        iccs.append(block_icc)
    out["within_sd_low"], out["within_sd_high"] = _interval(np.concatenate(sds), confidence)
    out["icc_low"], out["icc_high"] = _interval(np.concatenate(iccs), confidence)
    return out


def _verdict_stats(verdicts: pl.DataFrame, confidence: float, n_resamples: int, seed: int) -> dict[str, object]:
    per_input = (
        verdicts.group_by("input_id", "verdict")
        .agg(c=pl.len())
        .group_by("input_id")
        .agg(k=pl.col("c").sum(), agree=(pl.col("c") * (pl.col("c") - 1) // 2).sum())
        .filter(pl.col("k") >= 2)
        .sort("input_id")
    )
    k = per_input.get_column("k").to_numpy().astype(np.int64)
    agree = per_input.get_column("agree").to_numpy().astype(np.float64)
    pairs = (k * (k - 1) // 2).astype(np.float64)
    g = k.size
    out: dict[str, object] = {"n_inputs": g, "n_runs": int(k.sum()), "n_pairs": int(pairs.sum())}
    out["verdict_agreement"] = float(agree.sum() / pairs.sum()) if g else None
    if g >= MIN_N:
        replicates = cluster_bootstrap_ratio(agree, pairs, n_resamples=n_resamples, rng=np.random.default_rng(seed))
        out["verdict_low"], out["verdict_high"] = _interval(replicates, confidence)
    return out


def _check(confidence: object, n_resamples: object, seed: object, include_cached: object, *, helper: str) -> None:
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ArgumentTypeError(f"{helper}: confidence must be a number between 0 and 1, e.g. 0.95; got {confidence!r}")
    check_confidence(float(confidence))
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"{helper}: n_resamples must be a whole number of at least 1; got {n_resamples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ArgumentTypeError(f"{helper}: seed must be an integer; got {seed!r}")
    if not isinstance(include_cached, bool):
        raise ArgumentTypeError(f"{helper}: include_cached must be True or False; got {include_cached!r}")


def rerun_consistency(
    frames: JobFrames,
    *,
    by: By = DEFAULT_BY,
    verdict_field: str = "verdict",
    score: str = "grader_score",
    include_cached: bool = False,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pl.DataFrame:
    """How often reruns of one input agree, per group: verdict agreement, within-input SD and ICC(1).

    Runs are the finished jobs of each group (running jobs have no outcome; cache hits repeat an
    earlier output, so they are left out unless ``include_cached=True``) that have an input; an
    input counts when it has at least two runs within the group. Verdicts are the agent's, read
    from ``ui_fields`` at ``verdict_field``, stripped of surrounding whitespace and compared
    without regard to case (as `review_outcomes` merges spellings). Runs are grouped by ``by``
    first, so with ``by=None`` the runs of one input on different versions count as its reruns.

    Columns (the ``by`` columns, then `RERUNS_STATS`): ``n_inputs``, ``n_runs``, ``n_pairs``
    (inputs with two or more verdicts, their runs and pairs of runs), ``verdict_agreement`` (the
    share of those pairs with the same verdict) with ``verdict_low``/``verdict_high``;
    ``score_n_inputs``, ``score_n_runs`` (the same for ``score``), ``within_sd`` (pooled SD of runs
    around their input's mean) and ``icc`` (ICC(1)), each with ``_low``/``_high``; ``too_few``
    (fewer than `MIN_N` inputs with rerun verdicts: no interval), ``score_too_few`` (the same for
    scores) and ``note``. Intervals: percentile bootstrap over inputs, seeded.

    Args:
        frames: the loaded `JobFrames` (the input of each job comes from its ``inputs``).
        by: the grouping columns of ``jobs`` (``None`` for one overall row).
        verdict_field: key of the agent's verdict inside ``ui_fields``.
        score: a numeric column of ``jobs``.
        include_cached: count cache hits (terminal status CACHED) as runs.
        confidence, n_resamples, seed: the bootstrap's level, size and seed.

    Examples:
        >>> import json
        >>> from roe_analysis import JobFrames
        >>> verdicts = ["yes", "yes", "yes", "no", "no", "no "]  # inputs x, y, z; two runs each
        >>> frames = JobFrames.from_tables(
        ...     jobs=[
        ...         {"id": f"j{i}", "agent_version_name": "v1", "status": "SUCCESS",
        ...          "ui_fields": json.dumps({"verdict": v}), "grader_score": [0.9, 0.7, 0.5, 0.1, 0.2, 0.2][i]}
        ...         for i, v in enumerate(verdicts)
        ...     ],
        ...     inputs={"job_id": [f"j{i}" for i in range(6)], "key": ["q"] * 6, "value": list("xxyyzz")},
        ... )
        >>> result = rerun_consistency(frames)
        >>> result.select("n_inputs", "n_pairs", "verdict_agreement", pl.col("icc").round(4), "too_few")
        shape: (1, 5)
        ┌──────────┬─────────┬───────────────────┬────────┬─────────┐
        │ n_inputs ┆ n_pairs ┆ verdict_agreement ┆ icc    ┆ too_few │
        │ ---      ┆ ---     ┆ ---               ┆ ---    ┆ ---     │
        │ u32      ┆ i64     ┆ f64               ┆ f64    ┆ bool    │
        ╞══════════╪═════════╪═══════════════════╪════════╪═════════╡
        │ 3        ┆ 3       ┆ 0.666667          ┆ 0.7222 ┆ true    │
        └──────────┴─────────┴───────────────────┴────────┴─────────┘
    """
    helper = "rerun_consistency"
    frames = job_frames(frames, helper=helper, needs="the input of each job comes from its inputs frame")
    keys = group_keys(by, helper=helper, frame=frames.jobs, reserved=RERUNS_STATS.names())
    if not isinstance(verdict_field, str) or not verdict_field:
        error = InvalidArgumentError if isinstance(verdict_field, str) else ArgumentTypeError
        raise error(
            f"{helper}: verdict_field must be a non-empty string naming a key of ui_fields; got {verdict_field!r}"
        )
    if not isinstance(score, str) or not score:
        raise ArgumentTypeError(f"{helper}: score must be a column name such as 'grader_score'; got {score!r}")
    group_keys([score], helper=helper, frame=frames.jobs)
    if not frames.jobs.schema[score].is_numeric():
        raise InvalidArgumentError(
            f"{helper}: score={score!r} must be a numeric column; it is {frames.jobs.schema[score]}"
        )
    _check(confidence, n_resamples, seed, include_cached, helper=helper)
    schema = keyed_schema(frames.jobs, keys, RERUNS_STATS)
    status = pl.col("status").cast(pl.String)
    finished = status.is_not_null() & ~status.is_in(list(RUNNING_STATUSES))
    if not include_cached:
        finished = finished & (status != "CACHED")
    verdict = ui_field(verdict_field).str.strip_chars().str.to_lowercase()
    runs = (
        frames.jobs.filter(finished)
        .select(
            *keys,
            pl.col("id").alias("job_id"),
            pl.when(verdict != "").then(verdict).alias("verdict"),
            pl.col(score).cast(pl.Float64).alias("score"),
        )
        .join(input_ids(frames.inputs), on="job_id", how="inner")
    )
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    groups = runs.sort(keys, nulls_last=True).partition_by(keys, maintain_order=True) if keys else [runs]
    rows = []
    for group in groups:
        row: dict[str, object] = {k: group.item(0, k) for k in keys}
        row |= _verdict_stats(group.drop_nulls("verdict"), float(confidence), n_resamples, seed)
        row |= _score_stats(group.filter(pl.col("score").is_finite()), float(confidence), n_resamples, seed)
        rows.append(row)
    partial = {name: dtype for name, dtype in schema.items() if name not in ("too_few", "score_too_few", "note")}
    out = pl.DataFrame(rows, schema=partial)
    few = pl.col("n_inputs") < MIN_N
    score_few = pl.col("score_n_inputs") < MIN_N
    verdict_note = pl.format(
        f"too few to tell: {{}} with rerun verdicts (need {MIN_N})", plural_expr("n_inputs", "input")
    )
    score_note = pl.format(
        f"scores too few to tell: {{}} with rerun scores (need {MIN_N})", plural_expr("score_n_inputs", "input")
    )
    out = out.with_columns(
        few.alias("too_few"),
        score_few.alias("score_too_few"),
        pl.concat_str(
            [pl.when(few).then(verdict_note), pl.when(score_few).then(score_note)], separator="; ", ignore_nulls=True
        ).alias("note"),
    ).with_columns(pl.when(pl.col("note") != "").then(pl.col("note")).alias("note"))
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
