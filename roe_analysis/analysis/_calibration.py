"""Does the grader's score predict what the human reviewer decides? `grader_calibration`, `calibration_curve`.

Where a job has both a grader score and a human decision (``review_status`` approved or rejected in
`review_outcomes`; approval is the positive class), the grader is judged as a predictor of approval:

- discrimination: the ROC-AUC (the chance an approved job scores above a rejected one, ties half)
  with DeLong's interval;
- calibration: the score brought to [0, 1] by its recognised scale (0–1, 1–5, 0–10, 0–100, see
  `roe_analysis.analysis._scales.score_scale`) against the approval rate: the Brier score, the
  expected calibration error (ECE) and the reliability curve (`calibration_curve`);
- the pass mark that best matches the humans, with its agreement rate and Wilson interval.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from roe_analysis._text import plural, plural_expr
from roe_analysis.analysis._common import DEFAULT_BY, By, check_threshold, group_keys, keyed_schema
from roe_analysis.analysis._outcomes import DECIDED, outcomes_from
from roe_analysis.analysis._scales import SCALES, score_scale
from roe_analysis.analysis._score_agreement import attach_clusters
from roe_analysis.analysis._stats import check_confidence, wilson_interval, z_value
from roe_analysis.analysis._units import MIN_N
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

_CALIBRATION_STATS = pl.Schema(
    {
        "n": pl.UInt32(),
        "n_inputs": pl.UInt32(),
        "n_approved": pl.UInt32(),
        "n_rejected": pl.UInt32(),
        "grader_scale": pl.String(),
        "auc": pl.Float64(),
        "auc_low": pl.Float64(),
        "auc_high": pl.Float64(),
        "brier": pl.Float64(),
        "ece": pl.Float64(),
        "threshold": pl.Float64(),
        "threshold_agreement": pl.Float64(),
        "threshold_agreement_low": pl.Float64(),
        "threshold_agreement_high": pl.Float64(),
        "best_threshold": pl.Float64(),
        "best_agreement": pl.Float64(),
        "best_agreement_low": pl.Float64(),
        "best_agreement_high": pl.Float64(),
        "best_youden_j": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)

_CURVE_STATS = pl.Schema(
    {
        "bin": pl.UInt32(),
        "bin_low": pl.Float64(),
        "bin_high": pl.Float64(),
        "n": pl.UInt32(),
        "mean_score": pl.Float64(),
        "approval_rate": pl.Float64(),
        "approval_rate_low": pl.Float64(),
        "approval_rate_high": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
    }
)

_COLUMNS = ("job_id", "review_status", "grader_score")


def _check_bins(bins: object, *, helper: str) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int):
        raise ArgumentTypeError(f"{helper}: bins must be a whole number >= 1 (equal-width bins over 0–1); got {bins!r}")
    if bins < 1:
        raise InvalidArgumentError(
            f"{helper}: bins must be a whole number >= 1 (equal-width bins over 0–1); got {bins}"
        )
    return bins


def _decided(
    frames: JobFrames | pl.DataFrame, *, by: By, helper: str, reserved: pl.Schema
) -> tuple[pl.DataFrame, list[str], bool]:
    """The decided reviews with a grader score, ``_y`` (approved), ``_cluster``; the keys; clusters known."""
    outcomes = outcomes_from(frames, helper=helper, verdict_field="verdict", columns=_COLUMNS)
    keys = group_keys(by, helper=helper, frame=outcomes, reserved=reserved)
    outcomes, known = attach_clusters(outcomes, frames, None, helper=helper, id_column="job_id")
    score = pl.col("grader_score").cast(pl.Float64)
    decided = outcomes.filter(
        pl.col("review_status").cast(pl.String).is_in(DECIDED), score.is_not_null(), score.is_not_nan()
    ).with_columns(_x=score, _y=pl.col("review_status").cast(pl.String) == "approved")
    return decided, keys, known


def _groups(decided: pl.DataFrame, keys: list[str]) -> list[tuple[dict[str, object], pl.DataFrame]]:
    if not keys:
        return [({}, decided)]
    parts = decided.sort(keys, nulls_last=True).partition_by(keys, maintain_order=True, as_dict=True)
    return [(dict(zip(keys, key, strict=True)), part) for key, part in parts.items()]


def to_unit(x: np.ndarray, label: str | None) -> np.ndarray | None:
    """``x`` on scale ``label`` mapped linearly onto [0, 1]; ``None`` for an unrecognised scale."""
    if label is None:
        return None
    low, high = next((lo, hi) for name, lo, hi in SCALES if name == label)
    return (x - low) / (high - low)


def _bin_ids(p: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bin of each probability, as ``sklearn.calibration.calibration_curve`` assigns them."""
    return np.searchsorted(np.linspace(0.0, 1.0, bins + 1)[1:-1], p)


def _midranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    _, first, counts = np.unique(sorted_x, return_index=True, return_counts=True)
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def delong_auc(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """ROC-AUC of scores ``pos`` (positives) against ``neg``, and DeLong's variance of it.

    DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44:837–845, via midranks (Sun & Xu 2014):
    the structural components ``V10_i = (R_i - R^pos_i)/n`` and ``V01_j = 1 - (R_j - R^neg_j)/m``,
    ``var = s²(V10)/m + s²(V01)/n``.
    """
    m, n = pos.size, neg.size
    ranks = _midranks(np.concatenate([pos, neg]))
    v10 = (ranks[:m] - _midranks(pos)) / n
    v01 = 1 - (ranks[m:] - _midranks(neg)) / m
    auc = float(v10.mean())
    variance = (v10.var(ddof=1) / m if m > 1 else math.nan) + (v01.var(ddof=1) / n if n > 1 else math.nan)
    return auc, float(variance)


def _best_threshold(x: np.ndarray, y: np.ndarray) -> tuple[float, int, float]:
    """The observed score that, as a pass mark (``>=`` passes), agrees most with the humans.

    Ties on agreement go to the larger Youden J, then to the lower mark. Returns the mark, the
    number of agreeing reviews and Youden's J at it.
    """
    candidates = np.unique(x)
    pos, neg = np.sort(x[y]), np.sort(x[~y])
    pos_pass = pos.size - np.searchsorted(pos, candidates, side="left")
    neg_fail = np.searchsorted(neg, candidates, side="left")
    agree = pos_pass + neg_fail
    tpr = pos_pass / pos.size if pos.size else np.zeros(candidates.size)
    fpr = (neg.size - neg_fail) / neg.size if neg.size else np.zeros(candidates.size)
    youden = tpr - fpr
    best = np.lexsort((candidates, -youden, -agree))[0]
    return float(candidates[best]), int(agree[best]), float(youden[best])


def _group_stats(part: pl.DataFrame, *, known: bool, threshold: float | None, bins: int, z: float) -> dict[str, object]:
    x = part.get_column("_x").to_numpy()
    y = part.get_column("_y").to_numpy().astype(bool)
    n, n_pos = x.size, int(y.sum())
    n_inputs = int(part.get_column("_cluster").n_unique()) if known else None
    units = n_inputs if n_inputs is not None else n
    too_few = units < MIN_N
    notes = []
    if too_few:
        notes.append(
            f"too few to tell: {plural(units, 'input' if known else 'review')}, fewer than {MIN_N}; no intervals"
        )
    out: dict[str, object] = {"n": n, "n_inputs": n_inputs, "n_approved": n_pos, "n_rejected": n - n_pos}
    auc = auc_low = auc_high = None
    if 0 < n_pos < n:
        auc, variance = delong_auc(x[y], x[~y])
        if not too_few and 0 < auc < 1 and variance > 0:
            half = z * math.sqrt(variance)
            auc_low, auc_high = max(0.0, auc - half), min(1.0, auc + half)
    else:
        notes.append("only one decision (all approved or all rejected): no AUC, no best threshold")
    label = score_scale(x)
    p = to_unit(x, label)
    brier = ece = None
    if p is None:
        notes.append(f"grader_score ({x.min():g}–{x.max():g}) fits no common scale: no Brier score or ECE")
    else:
        brier = float(((p - y) ** 2).mean())
        ids = _bin_ids(p, bins)
        gap = np.abs(np.bincount(ids, weights=p, minlength=bins) - np.bincount(ids, weights=y, minlength=bins))
        ece = float(gap.sum() / n)  # Σ_b (n_b/N)·|mean p_b - rate_b| = Σ_b |Σp_b - Σy_b| / N
    best = _best_threshold(x, y) if 0 < n_pos < n else (None, None, None)
    out |= {
        "grader_scale": label,
        "auc": auc,
        "auc_low": auc_low,
        "auc_high": auc_high,
        "brier": brier,
        "ece": ece,
        "threshold": threshold,
        "_thr_k": None if threshold is None else int(((x >= threshold) == y).sum()),
        "best_threshold": best[0],
        "_best_k": best[1],
        "best_youden_j": best[2],
        "too_few": too_few,
        "note": "; ".join(notes) or None,
    }
    return out


def grader_calibration(
    frames: JobFrames | pl.DataFrame,
    *,
    threshold: float | None = None,
    by: By = DEFAULT_BY,
    bins: int = 10,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """How well the grader's score predicts the human decision (approved = positive), per group.

    Over reviews that are decided (``review_status`` approved or rejected) and whose job has a
    grader score:

    - ``auc`` (and ``auc_low``/``auc_high``): the ROC-AUC of the score for approval, as
      ``sklearn.metrics.roc_auc_score``; DeLong's normal interval, clipped to [0, 1] (none at an
      AUC of 0 or 1, where it would have no width). Null when every review has the same decision.
    - ``grader_scale``: the common scale the scores fit (0–1, 1–5, 0–10, 0–100; null for none). The
      score mapped linearly from that scale onto [0, 1] gives ``brier`` (mean squared gap to the
      decision) and ``ece`` (the expected calibration error: over ``bins`` equal-width bins, the
      share of reviews in a bin times ``|mean score - approval rate|``, bins as
      `calibration_curve`). Both null when the scale is not recognised.
    - With ``threshold`` (in the grader's own units, ``>=`` passes): ``threshold_agreement``, the
      share of reviews where pass means approved and fail rejected, with a Wilson interval.
    - ``best_threshold``: the observed score that as a pass mark agrees most with the humans (ties:
      larger Youden J, then the lower mark), ``best_agreement`` with its Wilson interval and
      ``best_youden_j``. The mark is chosen on the same reviews, so its agreement is optimistic.

    ``n`` reviews, ``n_inputs`` distinct inputs (null for a plain frame without ``input_id``); below
    `MIN_N` inputs (reviews) ``too_few`` is true, no interval is given and ``note`` says "too few to
    tell". The intervals treat reviews as independent.

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns (e.g. filtered).
        threshold: a grader pass mark to check against the humans.
        by: column(s) to group by; ``None`` (the default) or ``()`` for one overall row.
        bins: equal-width bins over [0, 1] for the ECE.
        confidence: level of every interval.

    Returns:
        One row per group: the ``by`` columns, then ``n``, ``n_inputs``, ``n_approved``,
        ``n_rejected``, ``grader_scale``, ``auc``, ``auc_low``, ``auc_high``, ``brier``, ``ece``,
        ``threshold``, ``threshold_agreement`` (``_low``/``_high``), ``best_threshold``,
        ``best_agreement`` (``_low``/``_high``), ``best_youden_j``, ``too_few``, ``note``. The same
        columns and dtypes when nothing is decided.

    Examples:
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {
        ...         "job_id": [str(i) for i in range(12)],
        ...         "review_status": ["approved"] * 6 + ["rejected"] * 6,
        ...         "grader_score": [0.9, 0.8, 0.75, 0.7, 0.6, 0.4, 0.65, 0.5, 0.3, 0.2, 0.1, 0.05],
        ...     }
        ... )
        >>> calibration = grader_calibration(outcomes, by=None, threshold=0.5)
        >>> calibration.select("n", "auc", "brier", "best_threshold", "best_agreement")
        shape: (1, 5)
        ┌─────┬──────────┬──────────┬────────────────┬────────────────┐
        │ n   ┆ auc      ┆ brier    ┆ best_threshold ┆ best_agreement │
        │ --- ┆ ---      ┆ ---      ┆ ---            ┆ ---            │
        │ u32 ┆ f64      ┆ f64      ┆ f64            ┆ f64            │
        ╞═════╪══════════╪══════════╪════════════════╪════════════════╡
        │ 12  ┆ 0.916667 ┆ 0.128125 ┆ 0.4            ┆ 0.833333       │
        └─────┴──────────┴──────────┴────────────────┴────────────────┘
    """
    helper = "grader_calibration"
    check_threshold(threshold, helper=helper)
    bins = _check_bins(bins, helper=helper)
    check_confidence(confidence)
    z = z_value(confidence)
    decided, keys, known = _decided(frames, by=by, helper=helper, reserved=_CALIBRATION_STATS)
    schema = keyed_schema(decided, keys, _CALIBRATION_STATS)
    if decided.height == 0:
        return pl.DataFrame(schema=schema)
    rows = [
        key | _group_stats(part, known=known, threshold=threshold, bins=bins, z=z)
        for key, part in _groups(decided, keys)
    ]
    computed = [name for name in schema if not name.startswith(("threshold_agreement", "best_agreement"))]
    work = pl.DataFrame(
        rows, schema={**{name: schema[name] for name in computed}, "_thr_k": pl.Int64, "_best_k": pl.Int64}
    )
    columns: dict[str, pl.Expr] = {}
    for name, k in (("threshold_agreement", "_thr_k"), ("best_agreement", "_best_k")):
        low, high = wilson_interval(pl.col(k), pl.col("n"), confidence=confidence)
        columns[name] = pl.col(k) / pl.col("n")
        columns[f"{name}_low"] = pl.when(~pl.col("too_few")).then(low)
        columns[f"{name}_high"] = pl.when(~pl.col("too_few")).then(high)
    return work.with_columns(**columns).select(*schema).cast(schema)


def calibration_curve(frames: JobFrames | pl.DataFrame, *, bins: int = 10, by: By = DEFAULT_BY) -> pl.DataFrame:
    """The reliability curve: per equal-width bin of the grader score, mean score against approval rate.

    The score is mapped from its recognised scale (0–1, 1–5, 0–10, 0–100) onto [0, 1] and binned as
    ``sklearn.calibration.calibration_curve(strategy="uniform")`` does (only bins holding reviews are
    listed), over decided reviews (approved = 1, rejected = 0). ``approval_rate`` has a 95% Wilson
    interval; a bin with fewer than `MIN_N` reviews has none (``too_few``, ``note``). A perfectly
    calibrated grader has ``approval_rate == mean_score`` in every bin.

    Args:
        frames: `JobFrames`, or the frame `review_outcomes` returns (e.g. filtered).
        bins: the number of equal-width bins over [0, 1].
        by: column(s) to group by; ``None`` (the default) or ``()`` for one curve.

    Raises:
        InvalidArgumentError: a group's grader scores fit no common scale.

    Returns:
        One row per non-empty bin (per group): the ``by`` columns, then ``bin`` (0-based),
        ``bin_low``, ``bin_high``, ``n``, ``mean_score``, ``approval_rate``, ``approval_rate_low``,
        ``approval_rate_high``, ``too_few``, ``note``.

    Examples:
        >>> import polars as pl
        >>> outcomes = pl.DataFrame(
        ...     {"job_id": ["a", "b", "c", "d"], "review_status": ["approved", "rejected", "approved", "approved"],
        ...      "grader_score": [9.0, 2.0, 3.0, 8.0]}
        ... )
        >>> calibration_curve(outcomes, by=None, bins=2).select("bin", "n", "mean_score", "approval_rate")
        shape: (2, 4)
        ┌─────┬─────┬────────────┬───────────────┐
        │ bin ┆ n   ┆ mean_score ┆ approval_rate │
        │ --- ┆ --- ┆ ---        ┆ ---           │
        │ u32 ┆ u32 ┆ f64        ┆ f64           │
        ╞═════╪═════╪════════════╪═══════════════╡
        │ 0   ┆ 2   ┆ 0.25       ┆ 0.5           │
        │ 1   ┆ 2   ┆ 0.85       ┆ 1.0           │
        └─────┴─────┴────────────┴───────────────┘
    """
    helper = "calibration_curve"
    bins = _check_bins(bins, helper=helper)
    decided, keys, _ = _decided(frames, by=by, helper=helper, reserved=_CURVE_STATS)
    schema = keyed_schema(decided, keys, _CURVE_STATS)
    edges = np.linspace(0.0, 1.0, bins + 1)
    parts = []
    for key, part in _groups(decided, keys) if decided.height else []:
        x = part.get_column("_x").to_numpy()
        p = to_unit(x, score_scale(x))
        if p is None:
            where = f" for {key}" if key else ""
            raise InvalidArgumentError(
                f"{helper}: grader_score{where} ranges {x.min():g}–{x.max():g}, which fits no common scale "
                f"({', '.join(name for name, _, _ in SCALES)}); rescale it to 0–1 first"
            )
        curve = (
            pl.DataFrame({"bin": _bin_ids(p, bins), "_p": p, "_y": part.get_column("_y")})
            .group_by("bin")
            .agg(pl.len().alias("n"), pl.col("_p").mean().alias("mean_score"), pl.col("_y").sum().alias("_k"))
            .sort("bin")
        )
        b = curve.get_column("bin").to_numpy()
        parts.append(
            curve.with_columns(
                *(pl.lit(v).alias(k) for k, v in key.items()),
                bin_low=pl.Series(edges[b], dtype=pl.Float64),
                bin_high=pl.Series(edges[b + 1], dtype=pl.Float64),
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    low, high = wilson_interval(pl.col("_k"), pl.col("n"))
    too_few = pl.col("n") < MIN_N
    note = pl.format(
        "too few to tell: {} in the bin, fewer than {}; no interval", plural_expr("n", "review"), pl.lit(MIN_N)
    )
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .with_columns(
            approval_rate=pl.col("_k") / pl.col("n"),
            approval_rate_low=pl.when(~too_few).then(low),
            approval_rate_high=pl.when(~too_few).then(high),
            too_few=too_few,
            note=pl.when(too_few).then(note),
        )
        .select(*schema)
        .cast(schema)
    )
