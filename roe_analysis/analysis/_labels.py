"""Verdict labels for the agreement helpers: the label set, and where a rejection without a correction goes.

A ``rejected`` review is a disagreement whether or not the reviewer wrote a corrected verdict.
When the label set has exactly two labels the reviewer's label is implied (the other one) and the
review is *placed* in that cell; with more labels it is *unplaced*: a known disagreement in a known
agent-verdict row whose column is unknown. `placed_outcomes` adds the columns the helpers count with,
and `kappa_bounds` gives the exact range of Cohen's kappa over every placement of the unplaced
reviews into the off-diagonal cells of their row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: The ``final_verdict`` of the `confusion_matrix` rows that count rejections without a correction.
REJECTED_UNCORRECTED = "(rejected, no correction)"

FloatArray = npt.NDArray[np.float64]


def check_labels(labels: object, *, helper: str) -> list[str] | None:
    """``labels`` as a list, checked to be distinct non-empty strings (``None`` stays ``None``)."""
    if labels is None:
        return None
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ArgumentTypeError(
            f"{helper}: labels must be a list of labels such as ['Suspicious', 'Not Suspicious'], not "
            f"{'one string' if isinstance(labels, str) else type(labels).__name__}; got {labels!r}"
        )
    domain = list(labels)
    if not domain or not all(isinstance(x, str) for x in domain) or len(set(domain)) != len(domain):
        raise InvalidArgumentError(f"{helper}: labels must be distinct, non-empty strings; got {labels!r}")
    if REJECTED_UNCORRECTED in domain:
        raise InvalidArgumentError(f"{helper}: {REJECTED_UNCORRECTED!r} is reserved and cannot be a label")
    return domain


def label_domain(outcomes: pl.DataFrame, labels: list[str] | None, *, helper: str) -> list[str]:
    """The label set: ``labels`` when given (checked to cover the data), else every verdict seen, sorted."""
    seen = (
        pl.concat([outcomes.get_column("agent_verdict"), outcomes.get_column("final_verdict")])
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    )
    if labels is None:
        return seen
    unknown = sorted(set(seen) - set(labels))
    if unknown:
        raise InvalidArgumentError(
            f"{helper}: the data holds verdicts that are not in labels: {unknown}; labels: {labels}. "
            "Add them to labels, or leave labels out to use every verdict in the data"
        )
    return labels


def placed_outcomes(outcomes: pl.DataFrame, domain: list[str]) -> pl.DataFrame:
    """``outcomes`` with ``_final`` (the cell's column), ``_pair``, ``_unplaced``, ``_uncorrected``, ``_contra``.

    ``rejected_uncorrected`` is read when present (the frame `review_outcomes` returns), else (absent
    or null) derived: a rejection without a final verdict is uncorrected. ``contradictory`` is read
    when present (absent or null: false); a contradictory review is in no cell.
    An uncorrected rejection is placed in the other label's cell when ``domain`` has two labels,
    else it is ``_unplaced`` (when its agent verdict is known).
    """
    status, agent, final = pl.col("review_status"), pl.col("agent_verdict"), pl.col("final_verdict")
    uncorrected = (status == "rejected") & final.is_null()
    if "rejected_uncorrected" in outcomes.columns:
        uncorrected = pl.coalesce(pl.col("rejected_uncorrected"), uncorrected)
    contradictory = pl.col("contradictory") if "contradictory" in outcomes.columns else pl.lit(None, pl.Boolean)
    contradictory = contradictory.fill_null(False)
    if len(domain) == 2:
        implied: pl.Expr = (
            pl.when(agent == domain[0]).then(pl.lit(domain[1])).when(agent == domain[1]).then(pl.lit(domain[0]))
        )
    else:
        implied = pl.lit(None, pl.String)
    placed = pl.when(pl.col("_contra")).then(None).when(pl.col("_uncorrected")).then(implied).otherwise(final)
    return (
        outcomes.with_columns(_uncorrected=uncorrected, _contra=contradictory)
        .with_columns(_final=placed.cast(pl.String))
        .with_columns(
            _pair=agent.is_not_null() & pl.col("_final").is_not_null(),
            _unplaced=pl.col("_uncorrected") & agent.is_not_null() & pl.col("_final").is_null(),
        )
    )


def _kappa(tables: FloatArray) -> FloatArray:
    n = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = np.diagonal(tables, axis1=-2, axis2=-1).sum(axis=-1) / n
        p_e = (tables.sum(axis=-1) * tables.sum(axis=-2)).sum(axis=-1) / n**2
        kappa = (p_o - p_e) / (1 - p_e)
    return np.where((n > 0) & (1 - p_e > 1e-12), kappa, np.nan)


def kappa_bounds(tables: FloatArray, unplaced: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The least and greatest Cohen's kappa over every placement of the unplaced reviews.

    ``tables`` is a ``(g, q, q)`` stack of placed counts (rows: agent verdict), ``unplaced`` a
    ``(g, q)`` count of unplaced reviews per agent-verdict row, each to go in an off-diagonal cell of
    its row. The row totals and the diagonal are fixed, so ``p_o`` is fixed and kappa,
    ``(p_o - p_e) / (1 - p_e)``, falls as ``p_e`` grows (``p_o < 1`` once a disagreement exists);
    ``p_e = Σ_j r_j c_j / n²`` is linear in the placement, each review put in column ``j`` adding
    ``r_j / n²``. So the least kappa puts every review of row ``i`` in the column ``j ≠ i`` with the
    largest row total ``r_j``, the greatest in the one with the smallest. NaN where undefined.

    Examples:
        >>> import numpy as np
        >>> tables = np.array([[[5.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 2.0]]])
        >>> low, high = kappa_bounds(tables, np.array([[2.0, 0.0, 0.0]]))
        >>> round(float(low[0]), 4), round(float(high[0]), 4)
        (0.5556, 0.5692)
    """
    most, least = placements(tables, unplaced)
    return _kappa(most), _kappa(least)


def placements(tables: FloatArray, unplaced: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The tables with each unplaced review of row ``i`` in the column ``j ≠ i`` of largest / smallest row total.

    With two columns both are the one possible placement.
    """
    t = np.asarray(tables, dtype=np.float64)
    u = np.asarray(unplaced, dtype=np.float64)
    q = t.shape[-1]
    rows = t.sum(axis=-1) + u
    diagonal = np.eye(q, dtype=bool)
    # other[g, i, j]: the row total of column j as a destination for row i (never j == i)
    other = np.broadcast_to(rows[:, None, :], (t.shape[0], q, q))
    largest = np.where(diagonal, -np.inf, other).argmax(axis=-1)
    smallest = np.where(diagonal, np.inf, other).argmin(axis=-1)

    def place(columns: npt.NDArray[np.intp]) -> FloatArray:
        placed = t.copy()
        g_index, i_index = np.indices(columns.shape)
        np.add.at(placed, (g_index, i_index, columns), u)
        return placed

    return place(largest), place(smallest)


def ac1_bounds(tables: FloatArray, unplaced: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The least and greatest Gwet's AC1 over every placement of the unplaced reviews (``q >= 3``).

    As in `kappa_bounds`, ``p_o`` is fixed and AC1 falls as ``p_e = (1 - Σ π_k²) / (q - 1)`` grows,
    with ``π_k`` label ``k``'s share of the ``2n`` labels (Gwet 2008). A placement only matters
    through ``x_j``, the reviews added to column ``j``; with three or more columns every ``x`` with
    ``Σ x = U`` (all unplaced reviews) and ``0 <= x_j <= U - u_j`` (row ``j``'s own reviews cannot go in
    column ``j``) is reachable (Hall's condition holds: two columns together reach every row). So the
    least AC1 minimises ``Σ (a_j + x_j)²`` (``a_j`` the label's known total): water-filling, one review at
    a time into the smallest feasible total, optimal for a separable convex function over this set;
    the greatest maximises it, a convex function, at a vertex of the set (every column but one at 0 or
    its cap), found by enumerating them (``q · 2^q``; NaN above 16 labels). NaN where undefined.

    Examples:
        >>> import numpy as np
        >>> tables = np.array([[[5.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 2.0]]])
        >>> low, high = ac1_bounds(tables, np.array([[2.0, 0.0, 0.0]]))
        >>> round(float(low[0]), 4), round(float(high[0]), 4)
        (0.5797, 0.5844)
    """
    t = np.asarray(tables, dtype=np.float64)
    u = np.asarray(unplaced, dtype=np.float64)
    q = t.shape[-1]
    n = t.sum(axis=(-2, -1)) + u.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = np.diagonal(t, axis1=-2, axis2=-1).sum(axis=-1) / n
    known = t.sum(axis=-1) + u + t.sum(axis=-2)
    low = np.full(t.shape[0], np.nan)
    high = np.full(t.shape[0], np.nan)

    def ac1(totals: FloatArray, g: int) -> float:
        pi = totals / (2 * n[g])
        p_e = float((pi * (1 - pi)).sum()) / (q - 1)
        return float((p_o[g] - p_e) / (1 - p_e))

    for g in range(t.shape[0]):
        if n[g] == 0:
            continue
        a, total = known[g], int(u[g].sum())
        cap = total - u[g]
        x = np.zeros(q)
        for _ in range(total):  # water-filling: least Σ (a + x)², greatest p_e, least AC1
            x[np.where(x < cap, a + x, np.inf).argmin()] += 1
        low[g] = ac1(a + x, g)
        if q > 16:
            continue
        best, best_totals = -np.inf, a
        for mask in range(1 << q):  # the vertices: columns at their cap, one column taking the rest
            at_cap = np.array([(mask >> j) & 1 for j in range(q)], dtype=bool)
            rest = total - cap[at_cap].sum()
            takers: list[int | None] = [j for j in range(q) if not at_cap[j] and rest <= cap[j]]
            if rest < 0 or not (takers or rest == 0):
                continue
            for f in takers or [None]:
                y = np.where(at_cap, cap, 0.0)
                if f is not None:
                    y[f] = rest
                if (square := float(((a + y) ** 2).sum())) > best:
                    best, best_totals = square, a + y
        high[g] = ac1(best_totals, g)
    return low, high
