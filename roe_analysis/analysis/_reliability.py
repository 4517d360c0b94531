"""Agreement coefficients as small pure functions over count tables.

Two raters (the agent and a reviewer), from a ``q × q`` contingency table of counts whose rows are the
first rater's labels and whose columns are the second rater's, in the same label order:

- `cohen_kappa`: Cohen (1960), with the large-sample standard error of Fleiss, Cohen & Everitt (1969)
  (the "ASE" SAS and statsmodels print) and a Wald interval clipped to [-1, 1].
- `gwet_ac1`: Gwet's AC1 (Gwet 2008, *Br. J. Math. Stat. Psychol.* 61:29-48), with Gwet's variance,
  which does not assume independent raters, and a Wald interval clipped to [-1, 1].
- `pabak`: the prevalence- and bias-adjusted kappa (Byrt, Bishop & Carlin 1993) generalised to ``q``
  labels, ``(q * p_o - 1) / (q - 1)`` (the Brennan–Prediger coefficient; ``2 p_o - 1`` for two labels).
  It is a straight line in the observed agreement ``p_o``, so its interval is the Wilson interval of
  ``p_o`` carried through that line: unlike a Wald interval it stays informative when ``p_o`` is 1.

Many raters, from a ``units × labels`` table of how many values each unit received in each label:

- Krippendorff's alpha (nominal, ordinal, interval) lives in `roe_analysis.analysis._alpha`.
- `fleiss_kappa`: Fleiss' kappa (Fleiss 1971), every unit rated the same number of times;
  `fleiss_bootstrap`: its interval, a bootstrap over units.

A coefficient that is mathematically undefined (kappa when both raters used one and the same label,
alpha when every value is the same label, anything of an empty table) is ``None``, never NaN: the
frame-level helpers turn that into a null and a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl

from roe_analysis.analysis._alpha import (  # noqa: F401 (re-exported)
    alpha_bootstrap,
    check_measurement,
    krippendorff_alpha_nominal,
    ordinal_positions,
    value_counts_array,
)
from roe_analysis.analysis._stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    check_confidence,
    percentile_interval,
    wilson_interval,
    z_value,
)
from roe_analysis.analysis._units import MIN_N
from roe_analysis.errors import InvalidArgumentError

#: Resampled cells held in memory at once by the Fleiss bootstrap.
_FLEISS_CHUNK_CELLS = 1_000_000
#: Below this, ``1 - p_e`` is treated as zero: with integer counts it is at least ``1 / n**2`` otherwise.
_EPS = 1e-12

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


class Estimate(NamedTuple):
    """A coefficient with its standard error and confidence interval (``None`` where undefined)."""

    estimate: float | None
    se: float | None
    low: float | None
    high: float | None


def _tables(tables: ArrayLike) -> FloatArray:
    """Check one ``q × q`` table or a stack ``(g, q, q)`` of them, and return it as floats."""
    arr = np.asarray(tables, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise InvalidArgumentError(f"a contingency table must be square (q × q); got shape {arr.shape}")
    if arr.shape[-1] < 2:
        raise InvalidArgumentError(
            f"a contingency table needs at least 2 labels (q >= 2) for chance agreement to mean anything; "
            f"got q = {arr.shape[-1]}. Pass the full label set, e.g. labels=['Suspicious', 'Not Suspicious']."
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InvalidArgumentError("a contingency table holds counts: every cell must be finite and >= 0")
    return arr


def _proportions(t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """``n``, cell proportions, observed agreement, row and column marginals (NaN for empty tables)."""
    n = t.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t / n[..., None, None]
    p_o = np.trace(p, axis1=-2, axis2=-1)
    return n, p, p_o, p.sum(axis=-1), p.sum(axis=-2)


def kappa_weights(q: int, weights: str | None) -> FloatArray:
    """Agreement weights of a ``q``-label ordered table: identity, linear or quadratic (Cohen 1968).

    Linear ``1 - |i - j| / (q - 1)``, quadratic ``1 - (i - j)² / (q - 1)²`` (Fleiss & Cohen 1973);
    ``None`` gives the identity (unweighted kappa).
    """
    if weights is None:
        return np.eye(q)
    gap = np.abs(np.arange(q)[:, None] - np.arange(q)[None, :]) / (q - 1)
    if weights == "linear":
        return 1 - gap
    if weights == "quadratic":
        return 1 - gap**2
    raise InvalidArgumentError(f"weights must be None, 'linear' or 'quadratic'; got {weights!r}")


def kappa_arrays(tables: ArrayLike, weights: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Cohen's kappa (weighted with agreement ``weights``) and its FCE (1969) standard error.

    Vectorised over the leading axes; NaN where kappa is undefined (empty table, or ``p_e = 1``: both
    raters used the same single label). The variance is Fleiss, Cohen & Everitt (1969), eq. 13 (the
    weighted form; the identity weights give the unweighted one), as printed by SAS PROC FREQ and
    statsmodels ``cohens_kappa``.
    """
    t = _tables(tables)
    n, p, _, rows, cols = _proportions(t)
    w = np.eye(t.shape[-1]) if weights is None else weights
    p_o = (p * w).sum(axis=(-2, -1))
    p_e = (rows[..., :, None] * cols[..., None, :] * w).sum(axis=(-2, -1))
    defined = (n > 0) & (1 - p_e > _EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = (p_o - p_e) / (1 - p_e)
        w_row = (cols[..., None, :] * w).sum(axis=-1)  # sum_j p_.j w_ij
        w_col = (rows[..., :, None] * w).sum(axis=-2)  # sum_i p_i. w_ij
        spread = (w_row[..., :, None] + w_col[..., None, :]) * (1 - kappa)[..., None, None]
        first = (p * (w - spread) ** 2).sum(axis=(-2, -1))
        var = (first - (kappa - p_e * (1 - kappa)) ** 2) / ((1 - p_e) ** 2 * n)
    se = np.sqrt(np.clip(var, 0.0, None))
    return np.where(defined, kappa, np.nan), np.where(defined, se, np.nan)


def ac1_arrays(tables: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Gwet's AC1 and its standard error (Gwet 2008, eq. 8 and 10) for a stack of tables.

    ``q`` is the table's size, so labels nobody used still count as available labels. NaN only for
    empty tables: with ``q >= 2``, ``p_e <= 1/q`` and AC1 is always defined.
    """
    t = _tables(tables)
    q = t.shape[-1]
    n, p, p_o, rows, cols = _proportions(t)
    pi = (rows + cols) / 2
    p_e = (pi * (1 - pi)).sum(axis=-1) / (q - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ac1 = (p_o - p_e) / (1 - p_e)
        # Gwet's variance written as sum_kl p_kl (w_kl - 2(1-AC1) c_kl)^2 - (p_o - 2(1-AC1) p_e)^2,
        # with c_kl = (1 - (pi_k + pi_l) / 2) / (q - 1): algebraically his eq. 10 with f = 0.
        c = (1 - (pi[..., :, None] + pi[..., None, :]) / 2) / (q - 1)
        w = np.eye(q)
        one_minus = (1 - ac1)[..., None, None]
        first = (p * (w - 2 * one_minus * c) ** 2).sum(axis=(-2, -1))
        var = (first - (p_o - 2 * (1 - ac1) * p_e) ** 2) / (n * (1 - p_e) ** 2)
    se = np.sqrt(np.clip(var, 0.0, None))
    defined = n > 0
    return np.where(defined, ac1, np.nan), np.where(defined, se, np.nan)


def pabak_from_agreement(p_o: pl.Expr, n_labels: int) -> pl.Expr:
    """PABAK from the observed agreement ``p_o`` among ``n_labels`` labels: ``(q * p_o - 1) / (q - 1)``."""
    return (n_labels * p_o - 1) / (n_labels - 1)


def wald_bounds(
    estimate: FloatArray, se: FloatArray, *, confidence: float, lower: float = -1.0, upper: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """``estimate ± z·se`` clipped to the coefficient's range; NaN propagates."""
    z = z_value(confidence)
    return np.clip(estimate - z * se, lower, upper), np.clip(estimate + z * se, lower, upper)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _single(table: ArrayLike) -> FloatArray:
    t = _tables(table)
    if t.ndim != 2:
        raise InvalidArgumentError(f"expected one q × q table; got shape {t.shape}")
    return t[None]


def _wald_estimate(estimate: FloatArray, se: FloatArray, confidence: float) -> Estimate:
    low, high = wald_bounds(estimate, se, confidence=confidence)
    return Estimate(_none_if_nan(estimate[0]), _none_if_nan(se[0]), _none_if_nan(low[0]), _none_if_nan(high[0]))


def cohen_kappa(
    table: ArrayLike,
    *,
    confidence: float = 0.95,
    weights: Literal["linear", "quadratic"] | None = None,
    labels: Sequence[object] | None = None,
    order: Sequence[object] | None = None,
) -> Estimate:
    """Cohen's kappa of a ``q × q`` table of counts, with its asymptotic standard error and interval.

    The standard error is Fleiss, Cohen & Everitt (1969), the interval ``kappa ± z·se`` clipped to
    [-1, 1]. Kappa is undefined (every field ``None``) when the table is empty or both raters used one
    and the same label; `gwet_ac1` and `pabak` stay defined there.

    With ``weights`` (ordinal labels), the weighted kappa of Cohen (1968): a near miss counts partly
    as agreement, with weight ``1 - |i - j| / (q - 1)`` (``"linear"``) or ``1 - (i - j)² / (q - 1)²``
    (``"quadratic"``) between the ``i``-th and ``j``-th labels of ``order``. The order is never
    guessed from the table: ``order`` must list the labels from lowest to highest, ``labels`` naming
    the table's rows and columns (by default their positions ``0, 1, ..., q - 1``).

    Args:
        table: counts, rows the first rater's labels and columns the second's, in the same order.
        confidence: level of the interval.
        weights: ``None`` (unweighted), ``"linear"`` or ``"quadratic"``.
        labels: the label of each row/column, as listed in ``order``; only used with ``weights``.
        order: the labels from lowest to highest; required with ``weights``, and only used there.

    Examples:
        >>> est = cohen_kappa([[20, 5], [10, 15]])
        >>> round(est.estimate, 4), round(est.se, 4), round(est.low, 4), round(est.high, 4)
        (0.4, 0.127, 0.1511, 0.6489)
        >>> cohen_kappa([[7, 0], [0, 0]])
        Estimate(estimate=None, se=None, low=None, high=None)
        >>> table = [[10, 3, 1], [2, 8, 4], [0, 3, 9]]
        >>> est = cohen_kappa(table, weights="linear", labels=["low", "mid", "high"], order=["low", "mid", "high"])
        >>> round(est.estimate, 4), round(est.se, 4)
        (0.6023, 0.0985)
    """
    check_confidence(confidence)
    t = _single(table)
    if weights is None:
        if order is not None or labels is not None:
            raise InvalidArgumentError(
                "cohen_kappa: labels= and order= are only used with weights='linear' or 'quadratic'"
            )
        kappa, se = kappa_arrays(t)
        return _wald_estimate(kappa, se, confidence)
    w = kappa_weights(t.shape[-1], weights)
    check_measurement("ordinal", order, helper="cohen_kappa")
    assert order is not None
    q = t.shape[-1]
    names: list[object] = list(range(q)) if labels is None else list(labels)
    if len(names) != q:
        raise InvalidArgumentError(f"cohen_kappa: labels has {len(names)} entries for a {q} × {q} table")
    if len(order) != q:
        raise InvalidArgumentError(
            f"cohen_kappa: order lists {len(order)} labels for a {q} × {q} table; list every label of the table"
        )
    ranks = ordinal_positions(names, order, helper="cohen_kappa")
    ranked = np.zeros_like(t)
    ranked[:, np.array(ranks)[:, None], np.array(ranks)[None, :]] = t
    kappa, se = kappa_arrays(ranked, w)
    return _wald_estimate(kappa, se, confidence)


def gwet_ac1(table: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """Gwet's AC1 of a ``q × q`` table of counts, with Gwet's (2008) standard error and a Wald interval.

    AC1 estimates chance agreement from how far the labels are from uniform, so it does not collapse
    when one label dominates the way kappa does. Every label of the table counts as available, used
    or not. ``None`` only for an empty table.

    Args:
        table: counts, rows the first rater's labels and columns the second's, in the same order.
        confidence: level of the interval (``estimate ± z·se``, clipped to [-1, 1]).

    Examples:
        >>> est = gwet_ac1([[20, 5], [10, 15]])
        >>> round(est.estimate, 4), round(est.se, 4)
        (0.4059, 0.1302)
        >>> gwet_ac1([[7, 0], [0, 0]]).estimate
        1.0
    """
    check_confidence(confidence)
    ac1, se = ac1_arrays(_single(table))
    return _wald_estimate(ac1, se, confidence)


def pabak(table: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """PABAK, ``(q * p_o - 1) / (q - 1)``, of a ``q × q`` table of counts, with a Wilson-based interval.

    ``p_o`` is the observed agreement and ``q`` the table's size (``2 p_o - 1`` for two labels, Byrt,
    Bishop & Carlin 1993; the Brennan–Prediger coefficient in general). The interval is the Wilson
    interval of ``p_o`` mapped through the same line; ``se`` is the Wald standard error
    ``q / (q - 1) * sqrt(p_o (1 - p_o) / n)``. ``None`` only for an empty table.

    Args:
        table: counts, rows the first rater's labels and columns the second's, in the same order.
        confidence: level of the interval.

    Examples:
        >>> est = pabak([[20, 5], [10, 15]])
        >>> round(est.estimate, 4), round(est.se, 4), round(est.low, 4), round(est.high, 4)
        (0.4, 0.1296, 0.125, 0.6179)
    """
    check_confidence(confidence)
    t = _single(table)
    q = t.shape[-1]
    n, _, p_o, _, _ = _proportions(t)
    if n[0] == 0:
        return Estimate(None, None, None, None)
    low, high = wilson_interval(pl.lit(float(np.trace(t[0]))), pl.lit(float(n[0])), confidence=confidence)
    estimate, low_bound, high_bound = pl.select(
        pabak_from_agreement(pl.lit(float(p_o[0])), q).alias("estimate"),
        pabak_from_agreement(low, q).alias("low"),
        pabak_from_agreement(high, q).alias("high"),
    ).row(0)
    se = q / (q - 1) * np.sqrt(p_o[0] * (1 - p_o[0]) / n[0])
    return Estimate(estimate, float(se), low_bound, high_bound)


def fleiss_kappa(counts: ArrayLike) -> float | None:
    """Fleiss' kappa from a ``subjects × labels`` table: how many raters put each subject in each label.

    Every subject must have the same number of ratings (at least two); ``None`` when all ratings are
    one label (chance agreement is then 1) or there are no subjects.

    Raises:
        InvalidArgumentError: when subjects have different numbers of ratings (use
            `krippendorff_alpha_nominal`, which allows that) or fewer than two.

    Examples:
        The 10 subjects × 14 raters example of Fleiss' kappa on Wikipedia:

        >>> table = [
        ...     [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        ...     [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ... ]
        >>> round(fleiss_kappa(table), 3)
        0.21
    """
    arr = value_counts_array(counts)
    if arr.shape[0] == 0:
        return None
    per_subject = arr.sum(axis=1)
    raters = per_subject[0]
    if np.any(per_subject != raters):
        raise InvalidArgumentError(
            "Fleiss' kappa needs the same number of ratings on every subject; got between "
            f"{int(per_subject.min())} and {int(per_subject.max())}. Use krippendorff_alpha_nominal instead."
        )
    if raters < 2:
        raise InvalidArgumentError(f"Fleiss' kappa needs at least 2 ratings per subject; got {int(raters)}")
    agreement = ((arr * (arr - 1)).sum(axis=1) / (raters * (raters - 1))).mean()
    shares = arr.sum(axis=0) / arr.sum()
    chance = float((shares**2).sum())
    if 1 - chance <= _EPS:
        return None
    return float((agreement - chance) / (1 - chance))


def fleiss_bootstrap(
    counts: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval for Fleiss' kappa, resampling subjects (items) with replacement.

    Fleiss (1971) gives only a standard error under the null hypothesis of no agreement, which is
    a test, not an interval around the estimate; so the interval here resamples subjects: each
    resample draws the subjects with replacement (seeded with ``seed``) and recomputes kappa, and
    the interval is the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
    resamples where kappa is defined. ``(None, None)`` with fewer than `MIN_N` subjects ("too few to
    tell"), when no resample has a kappa, or when every resample gives the same one.

    Raises:
        InvalidArgumentError: as `fleiss_kappa` (unequal or fewer than two ratings per subject).

    Examples:
        >>> table = [[3, 0], [0, 3], [2, 1], [3, 0], [1, 2], [0, 3], [3, 0], [3, 0], [2, 1], [0, 3]]
        >>> low, high = fleiss_bootstrap(table, n_resamples=500, seed=1)
        >>> round(fleiss_kappa(table), 3), round(low, 3), round(high, 3)
        (0.593, 0.048, 1.0)
    """
    check_confidence(confidence)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"n_resamples must be a whole number >= 1; got {n_resamples!r}")
    arr = value_counts_array(counts)
    if fleiss_kappa(arr) is None or arr.shape[0] < MIN_N:
        return None, None
    subjects = arr.shape[0]
    raters = arr[0].sum()
    agreement = (arr * (arr - 1)).sum(axis=1) / (raters * (raters - 1))
    rng = np.random.default_rng(seed)
    chunk = max(1, _FLEISS_CHUNK_CELLS // max(subjects, arr.shape[1]))
    stats: list[FloatArray] = []
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        draws = rng.integers(0, subjects, size=(size, subjects))
        offsets = (np.arange(size) * subjects)[:, None]
        w = np.bincount((draws + offsets).ravel(), minlength=size * subjects).reshape(size, subjects)
        w = w.astype(np.float64)
        shares = (w @ arr) / (subjects * raters)
        chance = (shares**2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            kappa = ((w @ agreement) / subjects - chance) / (1 - chance)
        stats.append(np.where(1 - chance > _EPS, kappa, np.nan))
    return percentile_interval(np.concatenate(stats), confidence)


def contingency_tables(
    groups: Sequence[int] | npt.NDArray[np.integer],
    rows: Sequence[int] | npt.NDArray[np.integer],
    cols: Sequence[int] | npt.NDArray[np.integer],
    counts: Sequence[int] | npt.NDArray[np.integer],
    *,
    n_groups: int,
    n_labels: int,
) -> FloatArray:
    """A ``(n_groups, n_labels, n_labels)`` stack of tables from long ``(group, row, col, count)`` data.

    Examples:
        >>> contingency_tables([0, 0, 1], [0, 1, 1], [0, 0, 1], [3, 1, 2], n_groups=2, n_labels=2)[0]
        array([[3., 0.],
               [1., 0.]])
    """
    tables = np.zeros((n_groups, n_labels, n_labels), dtype=np.float64)
    np.add.at(
        tables,
        (np.asarray(groups, dtype=np.intp), np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)),
        np.asarray(counts, dtype=np.float64),
    )
    return tables
