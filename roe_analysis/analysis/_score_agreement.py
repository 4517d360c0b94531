"""Does the automatic grader score jobs the way humans do? `score_agreement` and `score_disagreements`.

The unit of evidence is the input, not the job (`roe_analysis.analysis._units`): the intervals use
the effective number of pairs ``n / design_effect``, and below `MIN_N` inputs there is no interval
("too few to tell"). The scales of the two scores are recognised from their observed ranges
(`roe_analysis.analysis._scales.score_scale`: 0–1, 1–5, 0–10, 0–100).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl

from roe_analysis._schema import ReviewStatus
from roe_analysis._text import plural
from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_threshold,
    describe_groups,
    group_aggregate,
    group_keys,
    jobs_frame,
    keyed_schema,
)
from roe_analysis.analysis._reliability import kappa_arrays
from roe_analysis.analysis._scales import SCALES, score_scale
from roe_analysis.analysis._score_intervals import t_quantile
from roe_analysis.analysis._stats import z_value
from roe_analysis.analysis._units import MIN_N, cluster_column, design_effect, input_ids
from roe_analysis.errors import InvalidArgumentError, ScaleMismatchWarning
from roe_analysis.frames import JobFrames

_SCORE_STATS = pl.Schema(
    {
        "n_pairs": pl.UInt32(),
        "n": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "design_effect": pl.Float64(),
        "pearson": pl.Float64(),
        "pearson_low": pl.Float64(),
        "pearson_high": pl.Float64(),
        "spearman": pl.Float64(),
        "spearman_low": pl.Float64(),
        "spearman_high": pl.Float64(),
        "mean_abs_diff": pl.Float64(),
        "bias": pl.Float64(),
        "bias_low": pl.Float64(),
        "bias_high": pl.Float64(),
        "loa_low": pl.Float64(),
        "loa_low_low": pl.Float64(),
        "loa_low_high": pl.Float64(),
        "loa_high": pl.Float64(),
        "loa_high_low": pl.Float64(),
        "loa_high_high": pl.Float64(),
        "grader_scale": pl.String(),
        "human_scale": pl.String(),
        "scales_differ": pl.Boolean(),
        "grader_threshold": pl.Float64(),
        "human_threshold": pl.Float64(),
        "threshold_agreement": pl.Float64(),
        "threshold_kappa": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)

_DISAGREEMENT_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "grader_score": pl.Float64(),
        "human_score": pl.Float64(),
        "difference": pl.Float64(),
        "abs_difference": pl.Float64(),
        "review_status": ReviewStatus,
        "reviewed_by": pl.String(),
        "review_comment": pl.String(),
    }
)

#: The two scores compared by `score_agreement`.
SCORE_COLUMNS = ("grader_score", "human_score")


def both_scores(jobs: pl.DataFrame) -> pl.DataFrame:
    """Jobs with both scores present (null and NaN are missing scores)."""
    return jobs.filter(*(pl.col(c).is_not_null() & pl.col(c).is_not_nan() for c in SCORE_COLUMNS))


def attach_clusters(
    frame: pl.DataFrame, frames: object, cluster: str | None, *, helper: str, id_column: str
) -> tuple[pl.DataFrame, bool]:
    """``frame`` with a String ``_cluster`` column, and whether the clusters are known.

    With `JobFrames` the input of each job is derived from its inputs (``id_column`` names the job
    id in ``frame``); a frame may bring an ``input_id`` column, or ``cluster=`` names any column.
    Otherwise (a plain frame without either) each row is its own unit and the clusters are unknown.
    """
    name = "input_id" if cluster is None else cluster
    if isinstance(frames, JobFrames) and name == "input_id" and "input_id" not in frame.columns:
        ids = input_ids(frames.inputs).rename({"job_id": id_column})
        frame = frame.join(ids, on=id_column, how="left", maintain_order="left")
    if cluster is None and "input_id" not in frame.columns:
        return frame.with_columns(_cluster=pl.lit(None, pl.String)), False
    return frame.with_columns(_cluster=cluster_column(frame, cluster, helper=helper)), True


def units_of(values: np.ndarray, clusters: np.ndarray, known: bool) -> tuple[int | None, float | None, float]:
    """``(n_inputs, design_effect, n_eff)`` of one group: the effective size is ``n / max(deff, 1)``.

    With unknown clusters every row is a unit (``n_inputs`` and ``design_effect`` null, ``n_eff = n``);
    without a design effect (constant values, one input) the inputs themselves are the units.
    """
    n = values.size
    if not known:
        return None, None, float(n)
    n_inputs = int(np.unique(clusters).size)
    deff = design_effect(values, clusters)
    n_eff = n / max(deff, 1.0) if deff is not None else float(n_inputs)
    return n_inputs, deff, n_eff


def fisher_interval(r: float | None, n_eff: float, z: float, *, spearman: bool = False) -> tuple[float | None, ...]:
    """Fisher-z interval ``tanh(atanh r ∓ z·se)`` of a correlation; ``(None, None)`` when degenerate.

    Pearson: ``se = 1/sqrt(n - 3)`` (as ``scipy.stats.pearsonr(...).confidence_interval()``).
    Spearman: ``se = sqrt((1 + r²/2)/(n - 3))`` (Bonett & Wright 2000, Psychometrika 65:23–28).
    Degenerate (no interval): ``r`` undefined or ``|r| = 1`` (to rounding), or ``n <= 3``.
    """
    if r is None or not math.isfinite(r) or abs(r) >= 1 - _TINY or n_eff <= 3:
        return None, None
    variance = (1 + r * r / 2 if spearman else 1.0) / (n_eff - 3)
    centre, half = math.atanh(r), z * math.sqrt(variance)
    return math.tanh(centre - half), math.tanh(centre + half)


#: Below this (relative to the estimate's magnitude, at least 1) an interval is degenerate: rounding
#: noise of a constant difference or a perfect correlation, not a measured spread.
_TINY = 1e-12


def _interval(estimate: float | None, se: float | None, z: float) -> tuple[float | None, float | None]:
    if estimate is None or se is None or not se > _TINY * max(1.0, abs(estimate)):
        return None, None
    return estimate - z * se, estimate + z * se


def _scale_of(values: np.ndarray) -> str | None:
    return score_scale(values) if values.size else None


#: When a side fits no common scale, the scales differ if the largest magnitudes differ this much.
_MAGNITUDE_RATIO = 4.0


def scales_differ(grader: np.ndarray, human: np.ndarray) -> bool:
    """The two samples fit different common scales (`score_scale`); when a side fits none, their
    largest magnitudes differ by a factor of `_MAGNITUDE_RATIO` or more (e.g. -1–1 against 0–100)."""
    g, h = _scale_of(grader), _scale_of(human)
    if g is not None and h is not None:
        return g != h
    if grader.size == 0 or human.size == 0:
        return False
    a, b = float(np.abs(grader).max()), float(np.abs(human).max())
    return max(a, b) >= _MAGNITUDE_RATIO * min(a, b) and max(a, b) > 0


def _to_unit(column: str, label: str | None) -> str | None:
    """How to bring ``column`` on scale ``label`` to 0–1 (``None`` when it already is)."""
    if label is None:
        return f"{column} (to the other's scale)"
    low, high = next((lo, hi) for name, lo, hi in SCALES if name == label)
    if (low, high) == (0.0, 1.0):
        return None
    width = f"{high - low:g}"
    return f"{column} / {width}" if low == 0 else f"({column} - {low:g}) / {width}"


def _describe_scale(column: str, label: str | None, values: np.ndarray) -> str:
    seen = f"observed {values.min():g}–{values.max():g}"
    return f"{column} on {label} ({seen})" if label else f"{column} on no common scale ({seen})"


def warn_scales(grader: np.ndarray, human: np.ndarray, *, groups: str, count: int, stacklevel: int) -> None:
    """The one `ScaleMismatchWarning`, naming both scales (of the first differing group) and a rescaling."""
    g, h = _scale_of(grader), _scale_of(human)
    hints = [hint for hint in (_to_unit("grader_score", g), _to_unit("human_score", h)) if hint]
    warnings.warn(
        f"grader and human scores look like different scales in {plural(count, 'group')} ({groups}): "
        f"{_describe_scale('grader_score', g, grader)} against {_describe_scale('human_score', h, human)}. "
        "Differences, mean_abs_diff and the Bland–Altman bias and limits mean nothing across scales; "
        f"rescale first (e.g. {' and '.join(hints)}, to 0–1). Pearson and Spearman are unaffected.",
        ScaleMismatchWarning,
        stacklevel=stacklevel + 1,
    )


def _note(*, too_few: bool, units: int, known: bool, pearson: float | None, differ: bool, labels: tuple) -> str | None:
    parts = []
    if too_few:
        what = plural(units, "input" if known else "pair")
        parts.append(f"too few to tell: {what}, fewer than {MIN_N}; no intervals")
    if pearson is None:
        parts.append("a score is constant or there are under two pairs: no correlation")
    if differ:
        parts.append(
            f"different scales (grader {labels[0] or 'unrecognised'}, human {labels[1] or 'unrecognised'}): "
            "differences and Bland–Altman limits mean nothing"
        )
    return "; ".join(parts) or None


def _group_intervals(row: dict, *, known: bool, z: float, confidence: float) -> dict[str, object]:
    """The per-input counts, the intervals, the scales, ``too_few`` and ``note`` of one group."""
    grader = np.asarray(row["_g"], dtype=np.float64)
    human = np.asarray(row["_h"], dtype=np.float64)
    clusters = np.asarray(row["_c"], dtype=object)
    diffs = grader - human
    n = diffs.size
    n_inputs, deff, n_eff = units_of(diffs, clusters, known)
    units = n_inputs if n_inputs is not None else n
    too_few = units < MIN_N
    out: dict[str, object] = {"n": n, "n_inputs": n_inputs, "design_effect": deff, "too_few": too_few}
    sd = row["_sd"]
    t = t_quantile(confidence, max(n_eff - 1, 1.0))
    intervals = {
        "pearson": fisher_interval(row["pearson"], n_eff, z),
        "spearman": fisher_interval(row["spearman"], n_eff, z, spearman=True),
        # Bland & Altman (1999), Stat Methods Med Res 8:135–160, §2.3: SE(bias) = s/√n,
        # SE(limit) ≈ √(3s²/n), each interval with t on n - 1 degrees of freedom (n the effective n).
        "bias": _interval(row["bias"], None if sd is None else sd / math.sqrt(n_eff), t),
        "loa_low": _interval(row["loa_low"], None if sd is None else math.sqrt(3 * sd * sd / n_eff), t),
        "loa_high": _interval(row["loa_high"], None if sd is None else math.sqrt(3 * sd * sd / n_eff), t),
    }
    for name, (low, high) in intervals.items():
        out[f"{name}_low"], out[f"{name}_high"] = (None, None) if too_few else (low, high)
    labels = (_scale_of(grader), _scale_of(human))
    differ = scales_differ(grader, human)
    out |= {"grader_scale": labels[0], "human_scale": labels[1], "scales_differ": differ}
    out["note"] = _note(too_few=too_few, units=units, known=known, pearson=row["pearson"], differ=differ, labels=labels)
    return out


def score_agreement(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    threshold: float | None = None,
    grader_threshold: float | None = None,
    human_threshold: float | None = None,
    cluster: str | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """How closely the grader's scores track the human scores, over jobs that have both.

    - ``pearson``: Pearson correlation; ``spearman``: Pearson correlation of the ranks, ties given
      their average rank (as ``scipy.stats.spearmanr``). Null when either score is constant or there
      are fewer than two pairs. Intervals (``*_low``/``*_high``) by Fisher's z: for Pearson with
      ``se = 1/sqrt(n - 3)`` (as ``scipy.stats.pearsonr(...).confidence_interval()``), for Spearman
      with Bonett & Wright's ``sqrt((1 + r²/2)/(n - 3))``; null when ``|r| = 1``.
    - ``mean_abs_diff``: mean of ``|grader - human|``.
    - Bland–Altman: ``bias`` = mean of ``grader - human``; ``loa_low``/``loa_high``, the 95% limits of
      agreement, ``bias ∓ 1.96 × SD`` of the differences (SD with ``n - 1``; null below two pairs).
      Their intervals (t quantile at ``confidence`` on ``n - 1`` degrees of freedom, as Bland &
      Altman 1999, §2, do): ``bias ± t·s/√n`` and, for each limit, ``± t·√(3s²/n)`` (the
      approximate standard error of a limit).
    - The unit is the input: ``n`` (= ``n_pairs``) jobs, ``n_inputs`` distinct inputs (null when they
      cannot be derived: a plain frame without ``input_id`` and no ``cluster=``), ``design_effect``
      of the differences (`roe_analysis.analysis._units.design_effect`); every interval uses
      ``n / max(design_effect, 1)`` in place of ``n``. Below `MIN_N` inputs (pairs, when inputs are
      unknown) ``too_few`` is true, no interval is given and ``note`` says "too few to tell".
    - With thresholds, each score becomes pass (``>=`` its threshold) or fail, and
      ``threshold_agreement`` is the share of jobs where grader and human pass or fail together,
      ``threshold_kappa`` Cohen's kappa of that 2 × 2 table (null where undefined, e.g. everything
      passes). ``threshold`` sets both; ``grader_threshold``/``human_threshold`` override one side,
      for scores on different scales.

    Scores have no fixed scale: ``grader_scale``/``human_scale`` name the common scale each fits by
    its observed range (0–1, 1–5, 0–10, 0–100; null for none). When they differ (or, a side fitting
    none, when their largest magnitudes differ fourfold or more) ``scales_differ`` is true and a
    `ScaleMismatchWarning` names both scales: differences then mean nothing, correlations still do.

    Args:
        frames: `JobFrames`, or its ``jobs`` frame (or any frame with ``grader_score`` and
            ``human_score``), e.g. filtered.
        by: column(s) to group by; ``None`` or ``()`` for one overall row.
        threshold: pass mark for both scores.
        grader_threshold: pass mark for ``grader_score`` (overrides ``threshold``).
        human_threshold: pass mark for ``human_score`` (overrides ``threshold``).
        cluster: the column whose values are the units (default the input: derived from `JobFrames`,
            or an ``input_id`` column of the frame).
        confidence: level of every interval.

    Returns:
        One row per group: the ``by`` columns, then ``n_pairs``, ``n``, ``n_inputs``,
        ``design_effect``, ``pearson`` (and ``_low``/``_high``), ``spearman`` (idem),
        ``mean_abs_diff``, ``bias`` (idem), ``loa_low`` (idem), ``loa_high`` (idem),
        ``grader_scale``, ``human_scale``, ``scales_differ``, the thresholds used
        (``grader_threshold``, ``human_threshold``), ``threshold_agreement``, ``threshold_kappa``,
        ``too_few`` and ``note``. The same columns and dtypes when nothing has both scores.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {"grader_score": [0.9, 0.8, 0.3, 0.6, 0.2], "human_score": [1.0, 0.7, 0.4, 0.4, 0.1]}
        ... )
        >>> score_agreement(jobs, by=None, threshold=0.5).select(
        ...     "n_pairs", "pearson", "spearman", "bias", "threshold_agreement", "threshold_kappa"
        ... )
        shape: (1, 6)
        ┌─────────┬──────────┬──────────┬──────┬─────────────────────┬─────────────────┐
        │ n_pairs ┆ pearson  ┆ spearman ┆ bias ┆ threshold_agreement ┆ threshold_kappa │
        │ ---     ┆ ---      ┆ ---      ┆ ---  ┆ ---                 ┆ ---             │
        │ u32     ┆ f64      ┆ f64      ┆ f64  ┆ f64                 ┆ f64             │
        ╞═════════╪══════════╪══════════╪══════╪═════════════════════╪═════════════════╡
        │ 5       ┆ 0.920316 ┆ 0.974679 ┆ 0.04 ┆ 0.8                 ┆ 0.615385        │
        └─────────┴──────────┴──────────┴──────┴─────────────────────┴─────────────────┘
        >>> score_agreement(jobs, by=None).select("too_few", "pearson_low", "note").row(0)
        (True, None, 'too few to tell: 5 pairs, fewer than 10; no intervals')
    """
    helper = "score_agreement"
    grader_cut = grader_threshold if grader_threshold is not None else threshold
    human_cut = human_threshold if human_threshold is not None else threshold
    if (grader_cut is None) != (human_cut is None):
        raise InvalidArgumentError(
            f"{helper}: thresholding needs a pass mark for both scores; got grader_threshold={grader_cut!r} "
            f"and human_threshold={human_cut!r}. Pass threshold=..., or both grader_threshold and human_threshold."
        )
    check_threshold(grader_cut, helper=helper, name="grader_threshold")
    check_threshold(human_cut, helper=helper, name="human_threshold")
    z = z_value(confidence)
    jobs = jobs_frame(frames, helper=helper, columns=SCORE_COLUMNS)
    keys = group_keys(by, helper=helper, frame=jobs, reserved=_SCORE_STATS)
    jobs, known = attach_clusters(jobs, frames, cluster, helper=helper, id_column="id")
    scored = both_scores(jobs)
    if scored.height == 0:
        return pl.DataFrame(schema=keyed_schema(scored, keys, _SCORE_STATS))

    grader, human = pl.col("grader_score"), pl.col("human_score")
    diff = grader - human
    aggregations = [
        pl.len().alias("n_pairs"),
        pl.corr(grader, human).alias("pearson"),
        pl.corr(grader.rank("average"), human.rank("average")).alias("spearman"),
        diff.abs().mean().alias("mean_abs_diff"),
        diff.mean().alias("bias"),
        diff.std(ddof=1).alias("_sd"),
        grader.implode().alias("_g"),
        human.implode().alias("_h"),
        pl.col("_cluster").implode().alias("_c"),
    ]
    thresholded = grader_cut is not None and human_cut is not None
    if thresholded:
        grader_pass, human_pass = grader >= grader_cut, human >= human_cut
        # the 2 × 2 table, rows grader pass/fail, columns human pass/fail
        cells = [
            grader_pass & human_pass,
            grader_pass & ~human_pass,
            ~grader_pass & human_pass,
            ~grader_pass & ~human_pass,
        ]
        aggregations += [
            (grader_pass == human_pass).mean().alias("threshold_agreement"),
            *(cell.sum().alias(f"_cell{i}") for i, cell in enumerate(cells)),
        ]
    stats = group_aggregate(scored, keys, aggregations).with_columns(
        pl.col("pearson", "spearman").fill_nan(None),
        loa_low=pl.col("bias") - z_value(0.95) * pl.col("_sd"),
        loa_high=pl.col("bias") + z_value(0.95) * pl.col("_sd"),
    )
    kappa = np.full(stats.height, np.nan)
    if thresholded:
        counts = np.stack([stats.get_column(f"_cell{i}").to_numpy() for i in range(4)], axis=-1)
        kappa, _ = kappa_arrays(counts.reshape(-1, 2, 2))
    extra = pl.DataFrame(
        [_group_intervals(row, known=known, z=z, confidence=confidence) for row in stats.iter_rows(named=True)],
        schema={name: _SCORE_STATS[name] for name in _EXTRA},
    )
    result = (
        pl.concat([stats.drop(_EXTRA, strict=False), extra], how="horizontal")
        .with_columns(
            grader_threshold=pl.lit(grader_cut, pl.Float64),
            human_threshold=pl.lit(human_cut, pl.Float64),
            threshold_kappa=pl.Series(kappa, dtype=pl.Float64, nan_to_null=True),
        )
        .with_columns(threshold_agreement=pl.col("threshold_agreement") if thresholded else pl.lit(None, pl.Float64))
        .select(*keys, *_SCORE_STATS)
        .cast(_SCORE_STATS)
    )
    _warn_groups(stats, result, keys)
    return result


#: The columns `_group_intervals` computes.
_EXTRA = (
    "n",
    "n_inputs",
    "design_effect",
    "too_few",
    *(f"{name}_{side}" for name in ("pearson", "spearman", "bias", "loa_low", "loa_high") for side in ("low", "high")),
    "grader_scale",
    "human_scale",
    "scales_differ",
    "note",
)


def _warn_groups(stats: pl.DataFrame, result: pl.DataFrame, keys: list[str]) -> None:
    """One `ScaleMismatchWarning` for the groups whose scales differ, naming the first one's scales."""
    differ = result.get_column("scales_differ").to_numpy()
    if not differ.any():
        return
    first = stats.row(int(np.argmax(differ)), named=True)
    warn_scales(
        np.asarray(first["_g"], dtype=np.float64),
        np.asarray(first["_h"], dtype=np.float64),
        groups=describe_groups(result.filter(pl.col("scales_differ")), keys),
        count=int(differ.sum()),
        stacklevel=3,
    )


def score_disagreements(frames: JobFrames | pl.DataFrame, *, n: int = 10) -> pl.DataFrame:
    """The ``n`` jobs where grader and human scores differ most, largest ``|grader - human|`` first.

    Over jobs with both scores; ties are broken by job id so the list is stable. ``difference`` is
    ``grader_score - human_score`` (positive: the grader is more generous). Emits a
    `ScaleMismatchWarning` when the two scores look like different scales, since the differences then
    rank scale, not disagreement.

    Args:
        frames: `JobFrames`, or its ``jobs`` frame (e.g. filtered).
        n: how many jobs to return.

    Returns:
        ``job_id``, ``agent_id``, ``agent_version_name``, ``grader_score``, ``human_score``,
        ``difference``, ``abs_difference``, ``review_status``, ``reviewed_by``, ``review_comment``.

    Examples:
        >>> from roe_analysis.frames import JobFrames
        >>> jobs = JobFrames.from_tables(
        ...     jobs={"id": ["a", "b", "c"], "grader_score": [0.9, 0.2, 0.5], "human_score": [0.8, 0.9, None]}
        ... ).jobs
        >>> score_disagreements(jobs, n=5).select("job_id", "grader_score", "human_score", "difference")
        shape: (2, 4)
        ┌────────┬──────────────┬─────────────┬────────────┐
        │ job_id ┆ grader_score ┆ human_score ┆ difference │
        │ ---    ┆ ---          ┆ ---         ┆ ---        │
        │ str    ┆ f64          ┆ f64         ┆ f64        │
        ╞════════╪══════════════╪═════════════╪════════════╡
        │ b      ┆ 0.2          ┆ 0.9         ┆ -0.7       │
        │ a      ┆ 0.9          ┆ 0.8         ┆ 0.1        │
        └────────┴──────────────┴─────────────┴────────────┘
    """
    helper = "score_disagreements"
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidArgumentError(f"{helper}: n must be a whole number >= 0 (how many jobs to list); got {n!r}")
    columns = [
        "id",
        "agent_id",
        "agent_version_name",
        *SCORE_COLUMNS,
        "review_status",
        "reviewed_by",
        "review_comment",
    ]
    scored = both_scores(jobs_frame(frames, helper=helper, columns=columns))
    grader = scored.get_column("grader_score").to_numpy()
    human = scored.get_column("human_score").to_numpy()
    if scored.height and scales_differ(grader, human):
        warn_scales(grader, human, groups="overall", count=1, stacklevel=2)
    diff = pl.col("grader_score") - pl.col("human_score")
    return (
        scored.select(
            pl.col("id").alias("job_id"),
            "agent_id",
            "agent_version_name",
            "grader_score",
            "human_score",
            diff.alias("difference"),
            diff.abs().alias("abs_difference"),
            "review_status",
            "reviewed_by",
            "review_comment",
        )
        .sort(["abs_difference", "job_id"], descending=[True, False], nulls_last=True)
        .head(n)
        .cast(_DISAGREEMENT_SCHEMA)
    )
