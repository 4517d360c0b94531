"""The unit of evidence: the input, not the run.

The same input is run many times (reruns, canaries, cache hits that duplicate outputs), and runs of
one input are correlated: treating them as independent makes intervals too narrow and tests too
eager. Everything here treats a *cluster* (by default the input; any column, such as a metadata
customer, with ``cluster=``) as the unit:

- `input_ids`: ``job_id → input_id``, the canonical identity of a job's input set;
- `cluster_column`: the cluster of each row of a jobs-like frame, from ``cluster=``;
- `design_effect`: how much the clustering inflates the variance of a mean (1 = independent runs);
- `cluster_bootstrap_mean`: replicates of a mean when whole clusters are resampled;
- `MIN_N`: below this many clusters a statistic says "too few to tell" and has no interval;
- `unit_count`, `unit_count_expr`: "1 input", "4 inputs", "1 cluster of customer" in notes.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis._text import plural, plural_expr
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: Fewer clusters (inputs) than this and a statistic is "too few to tell": no interval, no test.
MIN_N = 10
#: Upper bound on the elements of one block of resampling counts (keeps memory near 64 MB).
_BLOCK_ELEMENTS = 1 << 22


def _singular(unit: str) -> str:
    """The singular of a plural unit: ``"clusters of x"`` → ``"cluster of x"``, ``"inputs"`` → ``"input"``."""
    if unit.startswith("clusters of "):
        return "cluster of " + unit.removeprefix("clusters of ")
    return unit.removesuffix("s")


def unit_count(n: int, unit: str) -> str:
    """``n`` units, ``unit`` named in the plural (``"inputs"``, ``"clusters of customer"``), singular for 1.

    Examples:
        >>> unit_count(1, "inputs"), unit_count(4, "distinct inputs"), unit_count(1, "clusters of customer")
        ('1 input', '4 distinct inputs', '1 cluster of customer')
        >>> unit_count(1200, "clusters of customer")
        '1,200 clusters of customer'
    """
    return plural(n, _singular(unit), unit)


def unit_count_expr(n: pl.Expr, unit: str) -> pl.Expr:
    """`unit_count` as a Polars expression over the counts ``n``; null stays null.

    Examples:
        >>> import polars as pl
        >>> pl.select(unit_count_expr(pl.Series([1, 3]), "jobs")).to_series().to_list()
        ['1 job', '3 jobs']
    """
    return plural_expr(n, _singular(unit), unit)


def input_ids(inputs: pl.DataFrame) -> pl.DataFrame:
    """``job_id → input_id``: the job's set of (key, value) input pairs, order-independent.

    Each pair is JSON-encoded (so no separator can be forged by a value) and the distinct pairs are
    sorted and joined; jobs without inputs get no identity.

    Examples:
        >>> import polars as pl
        >>> inputs = pl.DataFrame({"job_id": ["a", "a", "b"], "key": ["x", "y", "x"], "value": ["1", "2", "1"]})
        >>> input_ids(inputs).sort("job_id").get_column("input_id").to_list()
        ['{"key":"x","value":"1"}\\n{"key":"y","value":"2"}', '{"key":"x","value":"1"}']
    """
    return (
        inputs.lazy()
        .select("job_id", pl.struct("key", "value").struct.json_encode().alias("pair"))
        .unique()
        .group_by("job_id")
        .agg(pl.col("pair").sort().str.join("\n").alias("input_id"))
        .collect()
    )


def check_cluster(cluster: object, *, helper: str) -> None:
    """Refuse a ``cluster=`` that is neither ``None`` nor a column name, before any work."""
    if cluster is not None and (not isinstance(cluster, str) or not cluster):
        raise ArgumentTypeError(f"{helper}: cluster must be a column name such as 'input_id' or None; got {cluster!r}")


def cluster_column(frame: pl.DataFrame, cluster: str | None, *, helper: str) -> pl.Expr:
    """The cluster of each row as a String expression.

    ``cluster=None`` (or ``"input_id"``) uses the ``input_id`` column; any other name uses that
    column. A row whose cluster is null is its own cluster (its ``job_id``, else its row number), so
    nothing is dropped and a job without inputs counts as one independent unit.
    """
    name = "input_id" if cluster is None else cluster
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"{helper}: cluster must be a column name such as 'input_id'; got {cluster!r}")
    if name not in frame.columns:
        raise InvalidArgumentError(
            f"{helper}: cluster={name!r} is not a column; available columns: {frame.columns}. Pass JobFrames "
            "(the input is then derived), or a column such as a metadata key"
        )
    row = pl.lit("#") + pl.int_range(pl.len()).cast(pl.String)
    fallback = pl.coalesce(pl.col("job_id").cast(pl.String), row) if "job_id" in frame.columns else row
    return pl.coalesce(pl.col(name).cast(pl.String), pl.lit("\x00row:") + fallback)


def cluster_sums(values: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums and sizes of ``values`` (clusters are any hashable labels)."""
    _, inverse = np.unique(clusters, return_inverse=True)
    sizes = np.bincount(inverse).astype(np.float64)
    sums = np.bincount(inverse, weights=np.asarray(values, dtype=np.float64))
    return sums, sizes


def design_effect(values: np.ndarray, clusters: np.ndarray) -> float | None:
    """The variance of the mean under clustering over its variance under independence.

    The cluster-robust (ratio-estimator) variance of the mean, ``G/(G-1) · Σ(S_c - m_c·ȳ)² / N²``,
    divided by ``s²/N``; 1 means the runs are as good as independent, ``m`` (the runs per cluster)
    means reruns add nothing. ``None`` with fewer than two clusters or no variation.

    Examples:
        >>> import numpy as np
        >>> runs = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0])  # two identical runs per input
        >>> round(design_effect(runs, np.array([1, 1, 2, 2, 3, 3, 4, 4])), 4)
        2.3333
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n < 2:
        return None
    sums, sizes = cluster_sums(x, clusters)
    g = sums.size
    iid = float(x.var(ddof=1)) / n
    if g < 2 or iid <= 0:
        return None
    mean = x.mean()
    robust = g / (g - 1) * float(((sums - sizes * mean) ** 2).sum()) / n**2
    return robust / iid


def group_design_effect(values: np.ndarray, clusters: np.ndarray) -> float | None:
    """`design_effect` of one group's values (scores, a 0/1 indicator): 1.0 when every value is its own cluster.

    ``None`` when it cannot be estimated: fewer than two values, or the indicator does not vary.

    Examples:
        >>> import numpy as np
        >>> group_design_effect(np.array([1.0, 0.0, 1.0]), np.array([1, 2, 3]))
        1.0
        >>> print(group_design_effect(np.array([1.0, 1.0]), np.array([1, 1])))
        None
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2 or x.min() == x.max():
        return None
    if np.unique(np.asarray(clusters)).size == x.size:
        return 1.0
    return design_effect(x, clusters)


def cluster_bootstrap_mean(
    values: np.ndarray, clusters: np.ndarray, *, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap replicates of the mean of ``values`` when whole clusters are resampled.

    Each replicate draws ``G`` clusters with replacement (multinomial counts) and takes
    ``Σ count·S_c / Σ count·m_c``, the mean over the runs of the drawn clusters.
    """
    sums, sizes = cluster_sums(values, clusters)
    return cluster_bootstrap_ratio(sums, sizes, n_resamples=n_resamples, rng=rng)


def cluster_bootstrap_ratio(
    sums: np.ndarray, sizes: np.ndarray, *, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicates of ``Σ S / Σ m`` over ``G`` clusters drawn with replacement, block by block."""
    g = sums.size
    if g == 0:
        raise InvalidArgumentError("cannot bootstrap an empty sample")
    rows = max(1, _BLOCK_ELEMENTS // g)
    out = []
    weights = np.full(g, 1.0 / g)
    for start in range(0, n_resamples, rows):
        counts = rng.multinomial(g, weights, size=min(rows, n_resamples - start)).astype(np.float64)
        out.append((counts @ sums) / (counts @ sizes))
    return np.concatenate(out)
