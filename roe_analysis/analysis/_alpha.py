"""Krippendorff's alpha for nominal, ordinal and interval values, and its bootstrap over units.

Everything is computed from a ``units × values`` table of value counts: cell ``(u, c)`` is how many
ratings unit ``u`` received in value ``c``. Units with fewer than two ratings are not pairable and
drop out. Following Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", alpha is
computed from the coincidence matrix ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)`` with
marginals ``n_c`` and total ``n``:

    alpha = 1 - (n - 1) * sum_ck o_ck δ²_ck / sum_ck n_c n_k δ²_ck

where the squared difference ``δ²`` is the metric of the level of measurement:

- ``"nominal"``: 0 for the same value, 1 otherwise;
- ``"ordinal"``: ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)²`` over the values in rank order, so it
  depends on how often the values between ``c`` and ``k`` occur (the order must be given: ``order=``);
- ``"interval"``: ``(v_c - v_k)²`` of the numeric values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence, percentile_interval
from roe_analysis.errors import InvalidArgumentError

#: The levels of measurement `krippendorff_alpha` knows.
MEASUREMENTS = ("nominal", "ordinal", "interval")
Measurement = Literal["nominal", "ordinal", "interval"]
#: Resampled cells held in memory at once by the alpha bootstrap (resamples × units, or × values²).
_BOOTSTRAP_CHUNK_CELLS = 1_000_000

FloatArray = npt.NDArray[np.float64]


def value_counts_array(value_counts: npt.ArrayLike) -> FloatArray:
    """Check a ``units × values`` table of whole counts and return it as floats."""
    arr = np.asarray(value_counts, dtype=np.float64)
    if arr.ndim != 2:
        raise InvalidArgumentError(f"value counts must be a units × labels table; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise InvalidArgumentError("value counts must be whole numbers >= 0")
    return arr


def check_measurement(measurement: object, order: object, *, helper: str) -> None:
    """``measurement`` is one of `MEASUREMENTS`; ``order`` is a list of labels, given with ordinal only."""
    if measurement not in MEASUREMENTS:
        raise InvalidArgumentError(
            f"{helper}: measurement must be one of {', '.join(map(repr, MEASUREMENTS))}; got {measurement!r}"
        )
    if measurement == "ordinal":
        if order is None or isinstance(order, str) or not isinstance(order, Sequence) or len(order) < 2:
            raise InvalidArgumentError(
                f"{helper}: measurement='ordinal' needs the labels from lowest to highest, e.g. "
                f"order=['Low', 'Medium', 'High']; got order={order!r}"
            )
        if len(set(order)) != len(order):
            raise InvalidArgumentError(f"{helper}: order lists a label more than once: {list(order)!r}")
    elif order is not None:
        raise InvalidArgumentError(
            f"{helper}: order= is only used with measurement='ordinal'; got measurement={measurement!r}"
        )


def ordinal_positions(labels: Sequence[object], order: Sequence[object], *, helper: str) -> list[int]:
    """The rank of each label in ``order``; an error naming the labels ``order`` lacks."""
    rank = {label: i for i, label in enumerate(order)}
    missing = [label for label in labels if label not in rank]
    if missing:
        raise InvalidArgumentError(
            f"{helper}: order={list(order)!r} does not list every label of the data; missing: {missing!r}"
        )
    return [rank[label] for label in labels]


class _Parts(NamedTuple):
    """Per-unit sums of the pairable units, from which alpha of any resample of units follows."""

    counts: FloatArray  # n_uc, units × q
    observed: FloatArray  # nominal/interval: sum_ck o_uck δ²_ck per unit; ordinal: o_u flattened (q²)
    delta2: FloatArray | None  # the fixed metric (nominal, interval); None for ordinal


def _parts(counts: FloatArray, measurement: str, values: FloatArray | None) -> _Parts:
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    q = counts.shape[1]
    if measurement == "ordinal":
        coincidences = (counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(q)) / (m - 1)[
            :, None, None
        ]
        return _Parts(counts, coincidences.reshape(counts.shape[0], q * q), None)
    if measurement == "interval":
        assert values is not None
        delta2 = (values[:, None] - values[None, :]) ** 2
    else:
        delta2 = 1.0 - np.eye(q)
    # sum_ck (n_uc n_uk - [c = k] n_uc) δ²_ck / (m_u - 1); δ²_cc = 0, so the diagonal term vanishes
    observed = ((counts @ delta2) * counts).sum(axis=1) / (m - 1)
    return _Parts(counts, observed, delta2)


def _alpha_of(parts: _Parts, weights: FloatArray) -> FloatArray:
    """Alpha of each resample: ``weights`` (resamples × units) says how often each unit is drawn."""
    n_c = weights @ parts.counts
    n = n_c.sum(axis=1)
    if parts.delta2 is None:  # ordinal: the metric follows the resample's own marginals
        q = n_c.shape[1]
        cum = np.cumsum(n_c, axis=1)
        delta2 = (cum[:, None, :] - cum[:, :, None] + (n_c[:, :, None] - n_c[:, None, :]) / 2) ** 2
        observed = ((weights @ parts.observed).reshape(-1, q, q) * delta2).sum(axis=(1, 2))
        expected = np.einsum("rc,rck,rk->r", n_c, delta2, n_c)
    else:
        observed = weights @ parts.observed
        expected = ((n_c @ parts.delta2) * n_c).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def _prepare(
    value_counts: npt.ArrayLike,
    measurement: object,
    labels: Sequence[object] | None,
    order: Sequence[object] | None,
    *,
    helper: str,
) -> _Parts:
    check_measurement(measurement, order, helper=helper)
    counts = value_counts_array(value_counts)
    q = counts.shape[1]
    names: list[object] = list(range(q)) if labels is None else list(labels)
    if len(names) != q:
        raise InvalidArgumentError(f"{helper}: labels has {len(names)} entries for {q} columns of value counts")
    values = None
    if measurement == "ordinal":
        assert order is not None
        used = counts.sum(axis=0) > 0
        kept = [i for i in range(q) if used[i]]
        ranks = ordinal_positions([names[i] for i in kept], order, helper=helper)
        ranked = np.zeros((counts.shape[0], len(order)), dtype=np.float64)
        ranked[:, ranks] = counts[:, kept]
        counts = ranked
    elif measurement == "interval":
        try:
            values = np.asarray(names, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"{helper}: measurement='interval' needs numeric labels (the value of each column); got {names!r}"
            ) from None
        if not np.all(np.isfinite(values)):
            raise InvalidArgumentError(f"{helper}: interval labels must be finite numbers; got {names!r}")
    return _parts(counts, str(measurement), values)


def krippendorff_alpha(
    value_counts: npt.ArrayLike,
    *,
    measurement: Measurement = "nominal",
    labels: Sequence[object] | None = None,
    order: Sequence[object] | None = None,
) -> float | None:
    """Krippendorff's alpha of a ``units × values`` table of value counts, at a level of measurement.

    Units may hold any number of values (missing ratings are simply not counted); units with fewer
    than two are not pairable and drop out (Krippendorff 2011). ``None`` when there are no pairable
    values or no expected disagreement (every value the same).

    Args:
        value_counts: cell ``(u, c)`` is how many ratings unit ``u`` received in column ``c``.
        measurement: ``"nominal"`` (labels are only same or different), ``"ordinal"`` (labels are
            ranked by ``order``) or ``"interval"`` (the columns are numbers, see ``labels``).
        labels: what each column is: a label (compared with ``order``) or, for interval, its number.
            Defaults to the column positions ``0, 1, ..., q - 1``.
        order: for ordinal only, and required there: the labels from lowest to highest. Every label
            whose column holds a value must be listed.

    Raises:
        InvalidArgumentError: an unknown measurement, a missing or incomplete ``order``, non-numeric
            interval labels, or a table that is not whole counts.

    Examples:
        Krippendorff (2011), section C: 4 coders, 12 units, values 1-5 with missing data; the paper
        prints nominal 0.743, ordinal 0.815 and interval 0.849:

        >>> import numpy as np
        >>> data = [
        ...     [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        ...     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        ...     [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        ...     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
        ... ]
        >>> counts = np.array([[sum(row[u] == c for row in data) for c in range(1, 6)] for u in range(12)])
        >>> round(krippendorff_alpha(counts), 3)
        0.743
        >>> round(krippendorff_alpha(counts, measurement="ordinal", order=[0, 1, 2, 3, 4]), 3)
        0.815
        >>> round(krippendorff_alpha(counts, measurement="interval", labels=[1, 2, 3, 4, 5]), 3)
        0.849
    """
    parts = _prepare(value_counts, measurement, labels, order, helper="krippendorff_alpha")
    if parts.counts.shape[0] == 0:
        return None
    alpha = float(_alpha_of(parts, np.ones((1, parts.counts.shape[0])))[0])
    return None if np.isnan(alpha) else alpha


def krippendorff_alpha_nominal(value_counts: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha for nominal labels: `krippendorff_alpha` with ``measurement="nominal"``.

    Examples:
        >>> krippendorff_alpha_nominal([[2, 0], [0, 2], [1, 1]])
        0.4444444444444444
    """
    return krippendorff_alpha(value_counts, measurement="nominal")


def alpha_bootstrap(
    value_counts: npt.ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    measurement: Measurement = "nominal",
    labels: Sequence[object] | None = None,
    order: Sequence[object] | None = None,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval for alpha, resampling units (items) with replacement.

    Pairable units are drawn with replacement, alpha is recomputed from the per-unit sums (for
    ordinal, with the resample's own marginals in the metric), and the interval is the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the resamples in which alpha
    is defined. Resamples are processed in chunks, so memory stays bounded. ``(None, None)`` when no
    resample has an alpha or every resample gives the same one (a degenerate interval says nothing).
    ``measurement``, ``labels`` and ``order`` are those of `krippendorff_alpha`.

    Examples:
        >>> alpha_bootstrap([[2, 0], [0, 2], [1, 1], [2, 0]], n_resamples=200, seed=1)
        (-0.3999999999999999, 1.0)
    """
    check_confidence(confidence)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise InvalidArgumentError(f"n_resamples must be a whole number >= 1; got {n_resamples!r}")
    parts = _prepare(value_counts, measurement, labels, order, helper="alpha_bootstrap")
    units, q = parts.counts.shape
    if units == 0:
        return None, None
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOTSTRAP_CHUNK_CELLS // max(units, q * q))
    stats: list[FloatArray] = []
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        draws = rng.integers(0, units, size=(size, units))
        offsets = (np.arange(size) * units)[:, None]
        weights = np.bincount((draws + offsets).ravel(), minlength=size * units).reshape(size, units)
        stats.append(_alpha_of(parts, weights.astype(np.float64)))
    return percentile_interval(np.concatenate(stats), confidence)
