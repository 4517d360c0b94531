"""How often jobs fail, are cancelled, retry or come from cache: `outcome_rates`, `compare_rates`.

Every rate is a share of *finished* jobs (``terminal_status`` not null, from `job_durations`):
running jobs (PENDING, STARTED, RETRY) have no outcome yet, so they are left out of every
denominator and counted apart (``n_running``). The four rates:

- ``failure``: terminal status FAILURE;
- ``cancel``: terminal status CANCELLED;
- ``retry``: the job has at least one RETRY status event (whatever it ended as);
- ``cache_hit``: terminal status CACHED (the job was answered from cache).

The input is the unit (`roe_analysis.analysis._units`): runs of one input are clustered, so each
rate's interval is Wilson's with the effective sample size ``n / design_effect`` and a
``t_{G-1}`` critical value over ``G`` inputs (`cluster_wilson_interval`); with one run per input
that is exactly Wilson's interval. The difference of two versions' rates is Newcombe's hybrid
score interval (Newcombe 1998, method 10) built from those two Wilson intervals.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from roe_analysis._text import plural_expr
from roe_analysis.analysis._common import DEFAULT_BY, By, group_keys, job_frames, keyed_schema, require_columns
from roe_analysis.analysis._job_durations import DURATIONS_SCHEMA, job_durations
from roe_analysis.analysis._score_intervals import cluster_wilson_interval, effective_n
from roe_analysis.analysis._stats import check_confidence
from roe_analysis.analysis._units import MIN_N, cluster_column, unit_count_expr
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

#: The rates `outcome_rates` reports, in column order.
RATES: tuple[str, ...] = ("failure", "cancel", "retry", "cache_hit")
Rate = Literal["failure", "cancel", "retry", "cache_hit"]

_NEEDED = ("job_id", "terminal_status", "retry_count")


def _rate_stats() -> pl.Schema:
    columns: list[tuple[str, pl.DataType]] = [
        ("n", pl.UInt32()),
        ("n_running", pl.UInt32()),
        ("n_inputs", pl.UInt32()),
    ]
    for rate in RATES:
        columns += [
            (f"{rate}_count", pl.UInt32()),
            (f"{rate}_rate", pl.Float64()),
            (f"{rate}_low", pl.Float64()),
            (f"{rate}_high", pl.Float64()),
            (f"{rate}_design_effect", pl.Float64()),
        ]
    columns += [("too_few", pl.Boolean()), ("note", pl.String())]
    return pl.Schema(columns)


#: The statistics columns of `outcome_rates` (after the ``by`` columns).
RATES_STATS = _rate_stats()

#: Columns and dtypes of `compare_rates` (one row).
COMPARE_RATES_SCHEMA = pl.Schema(
    {
        "a": pl.String(),
        "b": pl.String(),
        "rate": pl.String(),
        "n_a": pl.UInt32(),
        "n_b": pl.UInt32(),
        "n_inputs_a": pl.UInt32(),
        "n_inputs_b": pl.UInt32(),
        "count_a": pl.UInt32(),
        "count_b": pl.UInt32(),
        "rate_a": pl.Float64(),
        "rate_b": pl.Float64(),
        "difference": pl.Float64(),
        "diff_low": pl.Float64(),
        "diff_high": pl.Float64(),
        "design_effect_a": pl.Float64(),
        "design_effect_b": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
        "verdict": pl.String(),
    }
)


def _indicators() -> list[pl.Expr]:
    status = pl.col("terminal_status").cast(pl.String)
    return [
        (status == "FAILURE").alias("failure"),
        (status == "CANCELLED").alias("cancel"),
        (pl.col("retry_count").fill_null(0) > 0).alias("retry"),
        (status == "CACHED").alias("cache_hit"),
    ]


def _runs(frames: object, keys: list[str], cluster: str | None, *, helper: str) -> tuple[pl.DataFrame, str]:
    """One row per job: the ``by`` keys, ``finished``, the four 0/1 indicators and its ``cluster``."""
    if isinstance(frames, JobFrames):
        extra = [k for k in [*keys, *([cluster] if cluster else [])] if k not in DURATIONS_SCHEMA]
        require_columns(frames.jobs, extra, helper=helper)  # before any work
        table = job_durations(job_frames(frames, helper=helper, needs="retries come from the status events"))
        if extra:
            table = table.join(
                frames.jobs.select(pl.col("id").alias("job_id"), *extra), on="job_id", how="left", maintain_order="left"
            )
    elif isinstance(frames, pl.DataFrame):
        require_columns(frames, [*_NEEDED, *keys], helper=helper)
        table = frames
    else:
        raise ArgumentTypeError(
            f"{helper} expects JobFrames or the frame job_durations(...) returns; got {type(frames).__name__}. "
            "Pass the loaded JobFrames, or job_durations(frames) (e.g. filtered)."
        )
    require_columns(table, keys, helper=helper)
    name = "input_id" if cluster is None else cluster
    if name == "input_id" and "input_id" not in table.columns:
        table = table.with_columns(input_id=pl.lit(None, dtype=pl.String))
    unit = "inputs" if name == "input_id" else f"clusters of {name}"
    out = table.select(
        *keys,
        pl.col("terminal_status").is_not_null().alias("finished"),
        *_indicators(),
        cluster_column(table, name, helper=helper).alias("cluster"),
    )
    return out, unit


def _check_options(confidence: object, cluster: object, *, helper: str) -> None:
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ArgumentTypeError(f"{helper}: confidence must be a number between 0 and 1, e.g. 0.95; got {confidence!r}")
    check_confidence(float(confidence))
    if cluster is not None and (not isinstance(cluster, str) or not cluster):
        raise ArgumentTypeError(f"{helper}: cluster must be a column name such as 'input_id', or None; got {cluster!r}")


def _one_rate(values: np.ndarray, clusters: np.ndarray, confidence: float) -> tuple[float | None, ...]:
    """``low, high, design_effect`` of one 0/1 indicator over clustered runs."""
    if values.size == 0:
        return None, None, None
    _, deff = effective_n(values, clusters)
    low, high = cluster_wilson_interval(values, clusters, confidence=confidence)
    return low, high, deff


def _too_few_note(n_inputs: pl.Expr, n_running: pl.Expr, unit: str) -> pl.Expr:
    few = pl.format(f"too few to tell: {{}} (need {MIN_N})", unit_count_expr(n_inputs, unit))
    running = pl.format("{} not counted", plural_expr(n_running, "running job"))
    too_few = n_inputs < MIN_N
    return (
        pl.when(too_few & (n_running > 0))
        .then(pl.concat_str([few, running], separator="; "))
        .when(too_few)
        .then(few)
        .when(n_running > 0)
        .then(running)
    )


def outcome_rates(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    confidence: float = 0.95,
    cluster: str | None = None,
) -> pl.DataFrame:
    """Failure, cancel, retry and cache-hit rates per group, with intervals that count inputs.

    Columns (the ``by`` columns, then `RATES_STATS`): ``n`` (finished jobs: the denominator of
    every rate), ``n_running`` (running jobs, left out of every rate), ``n_inputs`` (distinct
    inputs among the finished jobs; a job without inputs is its own input), and for each rate
    ``failure``/``cancel``/``retry``/``cache_hit``: ``<rate>_count``, ``<rate>_rate``,
    ``<rate>_low``/``<rate>_high`` (Wilson's interval on ``n / design_effect`` with a ``t_{G-1}``
    critical value; plain Wilson with one run per input) and ``<rate>_design_effect`` (the variance
    of the rate under clustering by input over that of independent jobs; null when the 0/1
    indicator never varies). ``too_few`` (fewer than `MIN_N` inputs: no interval) and ``note``
    ("too few to tell: 4 inputs (need 10)", and how many running jobs were not counted).

    Args:
        frames: the loaded `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        by: the grouping columns (``None`` for one overall row); with `JobFrames` any column of
            the ``jobs`` frame may be named.
        confidence: the level of the intervals.
        cluster: the unit of evidence, ``input_id`` by default; any other column (such as a
            metadata key joined in) to cluster by it.

    Raises:
        ArgumentTypeError: ``frames`` is neither `JobFrames` nor a frame, or an option has the wrong type.
        MissingColumnsError: the frame lacks ``job_id``, ``terminal_status``, ``retry_count`` or a ``by`` column.
        InvalidArgumentError: ``confidence`` is not between 0 and 1, or ``cluster`` is not a column.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(6)],
        ...         "agent_version_name": ["v1", "v1", "v1", "v2", "v2", "v2"],
        ...         "terminal_status": ["SUCCESS", "FAILURE", "CACHED", "SUCCESS", "CANCELLED", None],
        ...         "retry_count": [0, 2, 0, 1, 0, 0],
        ...     }
        ... )
        >>> outcome_rates(durations).select("agent_version_name", "n", "n_running", "failure_rate", "retry_count", "too_few")
        shape: (2, 6)
        ┌────────────────────┬─────┬───────────┬──────────────┬─────────────┬─────────┐
        │ agent_version_name ┆ n   ┆ n_running ┆ failure_rate ┆ retry_count ┆ too_few │
        │ ---                ┆ --- ┆ ---       ┆ ---          ┆ ---         ┆ ---     │
        │ str                ┆ u32 ┆ u32       ┆ f64          ┆ u32         ┆ bool    │
        ╞════════════════════╪═════╪═══════════╪══════════════╪═════════════╪═════════╡
        │ v1                 ┆ 3   ┆ 0         ┆ 0.333333     ┆ 1           ┆ true    │
        │ v2                 ┆ 2   ┆ 1         ┆ 0.0          ┆ 1           ┆ true    │
        └────────────────────┴─────┴───────────┴──────────────┴─────────────┴─────────┘
    """  # noqa: E501
    helper = "outcome_rates"
    keys = group_keys(by, helper=helper, reserved=RATES_STATS.names())
    _check_options(confidence, cluster, helper=helper)
    runs, unit = _runs(frames, keys, cluster, helper=helper)
    schema = keyed_schema(runs, keys, RATES_STATS)
    if runs.height == 0:
        return pl.DataFrame(schema=schema)
    if keys:
        runs = runs.sort(keys, nulls_last=True)
        groups = runs.partition_by(keys, maintain_order=True, include_key=True)
    else:
        groups = [runs]
    rows = []
    for group in groups:
        done = group.filter(pl.col("finished"))
        clusters = done.get_column("cluster").to_numpy()
        row: dict[str, object] = {k: group.item(0, k) for k in keys}
        row |= {
            "n": done.height,
            "n_running": group.height - done.height,
            "n_inputs": int(np.unique(clusters).size),
        }
        for rate in RATES:
            values = done.get_column(rate).cast(pl.Float64).to_numpy()
            low, high, deff = _one_rate(values, clusters, float(confidence))
            count = int(values.sum())
            row |= {
                f"{rate}_count": count,
                f"{rate}_rate": count / values.size if values.size else None,
                f"{rate}_low": low,
                f"{rate}_high": high,
                f"{rate}_design_effect": deff,
            }
        rows.append(row)
    partial = {name: dtype for name, dtype in schema.items() if name not in ("too_few", "note")}
    out = pl.DataFrame(rows, schema=partial)
    out = out.with_columns(
        (pl.col("n_inputs") < MIN_N).alias("too_few"),
        _too_few_note(pl.col("n_inputs"), pl.col("n_running"), unit).alias("note"),
    )
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def _fmt(value: float) -> str:
    return f"{value:+.3f}"


def compare_rates(
    frames: JobFrames | pl.DataFrame,
    a: str,
    b: str,
    *,
    rate: Rate = "failure",
    confidence: float = 0.95,
    cluster: str | None = None,
    version_column: str = "agent_version_name",
) -> pl.DataFrame:
    """Version ``b``'s rate minus version ``a``'s, with Newcombe's interval and a verdict.

    One row (schema `COMPARE_RATES_SCHEMA`): both versions' finished jobs (``n_a``, ``n_b``),
    inputs, counts and rates, ``difference`` (``rate_b - rate_a``) with ``diff_low``/``diff_high``
    (Newcombe's hybrid score interval from each side's Wilson interval, on ``n / design_effect``
    with a ``t_{G-1}`` critical value when inputs repeat; exactly Newcombe's interval with one run
    per input), each side's design effect, ``too_few`` (fewer than `MIN_N` inputs on a side: no
    interval), ``note`` and ``verdict``: "too few to tell", "no detectable difference" when the
    interval includes zero, else "b is higher/lower than a". Running jobs are not counted.

    Args:
        frames: the loaded `JobFrames`, or the frame `job_durations` returns.
        a: the baseline version; b: the version compared with it.
        rate: one of ``failure``, ``cancel``, ``retry``, ``cache_hit``.
        confidence: the level of the interval.
        cluster: the unit of evidence (``input_id`` by default).
        version_column: the column holding ``a`` and ``b``.

    Raises:
        InvalidArgumentError: an unknown rate, ``a == b``, or a version not in the data.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(80)],
        ...         "agent_version_name": ["v1"] * 40 + ["v2"] * 40,
        ...         "terminal_status": ["FAILURE"] * 4 + ["SUCCESS"] * 36 + ["FAILURE"] * 16 + ["SUCCESS"] * 24,
        ...         "retry_count": [0] * 80,
        ...     }
        ... )
        >>> compare_rates(durations, "v1", "v2").get_column("verdict").item()
        'v2 is higher than v1: failure rate difference +0.300 (95% CI +0.111 to +0.465)'
    """
    helper = "compare_rates"
    if rate not in RATES:
        raise InvalidArgumentError(f"{helper}: rate must be one of {list(RATES)}; got {rate!r}")
    for name, value in (("a", a), ("b", b), ("version_column", version_column)):
        if not isinstance(value, str) or not value:
            raise ArgumentTypeError(f"{helper}: {name} must be a non-empty string; got {value!r}")
    if a == b:
        raise InvalidArgumentError(f"{helper}: a and b are the same version ({a!r}); compare two different versions")
    _check_options(confidence, cluster, helper=helper)
    runs, unit = _runs(frames, [version_column], cluster, helper=helper)
    present = set(runs.get_column(version_column).drop_nulls().to_list())
    missing = [v for v in (a, b) if v not in present]
    if missing:
        raise InvalidArgumentError(
            f"{helper}: version(s) {missing} not in {version_column!r}; available: {sorted(present)}"
        )
    sides = []
    for version in (a, b):
        done = runs.filter((pl.col(version_column) == version) & pl.col("finished"))
        values = done.get_column(rate).cast(pl.Float64).to_numpy()
        clusters = done.get_column("cluster").to_numpy()
        low, high, deff = _one_rate(values, clusters, float(confidence))
        count = int(values.sum())
        share = count / values.size if values.size else None
        sides.append((done.height, int(np.unique(clusters).size), count, share, low, high, deff))
    (n_a, g_a, k_a, p_a, lo_a, hi_a, d_a), (n_b, g_b, k_b, p_b, lo_b, hi_b, d_b) = sides
    too_few = min(g_a, g_b) < MIN_N
    diff = p_b - p_a if p_a is not None and p_b is not None else None
    diff_low = diff_high = None
    if not too_few and diff is not None and None not in (lo_a, hi_a, lo_b, hi_b):
        assert p_a is not None and p_b is not None and lo_a is not None and hi_a is not None
        assert lo_b is not None and hi_b is not None
        diff_low = diff - float(np.hypot(p_b - lo_b, hi_a - p_a))
        diff_high = diff + float(np.hypot(hi_b - p_b, p_a - lo_a))
        if not diff_high > diff_low:
            diff_low = diff_high = None
    name = rate.replace("_", "-") + " rate"
    level = f"{confidence * 100:g}%"
    note = None
    if too_few:
        note = f"too few to tell: {a} has {g_a} and {b} has {g_b} {unit} with a finished job (need {MIN_N} each)"
        verdict = note
    elif diff is None or diff_low is None or diff_high is None:
        verdict = f"cannot tell: no interval for the {name} difference"
    else:
        interval = f"{level} CI {_fmt(diff_low)} to {_fmt(diff_high)}"
        if diff_low > 0 or diff_high < 0:
            word = "higher" if diff_low > 0 else "lower"
            verdict = f"{b} is {word} than {a}: {name} difference {_fmt(diff)} ({interval})"
        else:
            verdict = f"no detectable difference between {a} and {b} in {name} ({_fmt(diff)}; {interval})"
    row = {
        "a": a, "b": b, "rate": rate, "n_a": n_a, "n_b": n_b, "n_inputs_a": g_a, "n_inputs_b": g_b,
        "count_a": k_a, "count_b": k_b, "rate_a": p_a, "rate_b": p_b, "difference": diff,
        "diff_low": diff_low, "diff_high": diff_high, "design_effect_a": d_a, "design_effect_b": d_b,
        "too_few": too_few, "note": note, "verdict": verdict,
    }  # fmt: skip
    return pl.DataFrame([row], schema=COMPARE_RATES_SCHEMA)
