"""Durations over many jobs: summaries, trends, the slowest jobs, disagreements with the server.

Each helper takes `JobFrames` (and computes `job_durations` itself) or the frame `job_durations`
returns (e.g. filtered): quantiles with distribution-free intervals and a censoring-aware median
(`duration_summary`), the same per period (`duration_trend`), the slowest jobs (`slowest_jobs`),
the jobs whose recomputed duration disagrees with the server's (`duration_mismatches`) and the
population all of them measure (`run_durations`, which charts of durations draw).

One rule everywhere: a cache hit is not a run. It lasts 0 ms by the API's rule and pulls every
quantile down, so every helper here leaves cache hits out unless ``include_cached=True``.

The input is the unit: reruns of one input take alike long, so the quantile intervals are
Woodruff's clustered ones, by input or by any ``cluster=`` column. With `JobFrames`, ``by=`` and
``cluster=`` may name a metadata key (e.g. ``"customer"``), joined per job
(`roe_analysis.analysis._slices.with_metadata_keys`). The per-group intervals live in
``_duration_intervals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from roe_analysis._schema import RUNNING_STATUSES, Status
from roe_analysis.analysis._common import (
    DEFAULT_BY,
    By,
    check_every,
    derived_frame,
    group_keys,
    period_keys,
    require_columns,
    with_period,
)
from roe_analysis.analysis._duration_intervals import CLUSTER, group_columns, unit_name
from roe_analysis.analysis._job_durations import DURATIONS_SCHEMA, job_durations
from roe_analysis.analysis._slices import by_names, with_metadata_keys
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence, quantile_name
from roe_analysis.analysis._units import cluster_column
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

#: Why `duration_mismatches` lists a job.
MismatchReason = pl.Enum(["differs", "recomputed_missing", "server_missing"])

_DURATION_COLUMNS = ("duration_ms", "is_running", "running_for_ms")
_SUMMARY_COUNTS = ("n", "n_finished", "n_running", "n_measured", "n_censored")
#: Statuses a finished job can end in (what ``status=`` accepts).
TERMINAL_STATUSES = tuple(s for s in Status.categories.to_list() if s not in RUNNING_STATUSES)  # type: ignore[attr-defined]


def _durations_input(frames: JobFrames | pl.DataFrame, now: datetime | None, helper: str) -> pl.DataFrame:
    """`job_durations` of `JobFrames`, or the frame `job_durations` returned (``now`` then must be None)."""
    if now is not None and isinstance(frames, pl.DataFrame):
        raise InvalidArgumentError(
            f"{helper}: now only applies to JobFrames; a job_durations frame already has running_for_ms "
            "(call job_durations(frames, now=...) instead)"
        )
    return derived_frame(frames, lambda f: job_durations(f, now=now), helper=helper, derived_by="job_durations")


def _check_flag(value: object, name: str, helper: str) -> None:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{helper}: {name} must be True or False; got {value!r}")


def _check_status(status: object, helper: str) -> None:
    if status is not None and status not in TERMINAL_STATUSES:
        raise InvalidArgumentError(
            f"{helper}: status must be a terminal status, one of {list(TERMINAL_STATUSES)}, or None for any; "
            f"got {status!r}"
        )


def _check_cluster(cluster: object, helper: str) -> None:
    if cluster is not None and (not isinstance(cluster, str) or not cluster):
        raise ArgumentTypeError(
            f"{helper}: cluster must be a column name such as 'input_id' (or a metadata key), or None for the "
            f"input; got {cluster!r}"
        )


def _with_keys(
    frames: JobFrames | pl.DataFrame, frame: pl.DataFrame, by: By, cluster: str | None, helper: str
) -> pl.DataFrame:
    """``frame`` with the metadata keys that ``by`` and ``cluster`` name joined as columns (JobFrames only)."""
    return with_metadata_keys(frames, frame, [*by_names(by), cluster], helper=helper, id_column="job_id")


def _population(
    frame: pl.DataFrame, columns: Sequence[str], *, include_cached: bool, status: str | None, helper: str
) -> pl.DataFrame:
    """``frame`` checked to hold ``columns``, without cache hits (unless ``include_cached``) and,
    with ``status``, without finished jobs of any other terminal status (running jobs are kept).

    Every missing column is reported at once, ``terminal_status`` included when the filters need it.
    """
    _check_flag(include_cached, "include_cached", helper)
    _check_status(status, helper)
    filters = not include_cached or status is not None
    require_columns(frame, [*columns, *(["terminal_status"] if filters else [])], helper=helper)
    terminal = pl.col("terminal_status").cast(pl.String)
    if not include_cached:
        frame = frame.filter(terminal.is_null() | (terminal != "CACHED"))
    if status is not None:
        frame = frame.filter(terminal.is_null() | (terminal == status))
    return frame


def run_durations(
    frames: JobFrames | pl.DataFrame,
    *,
    include_cached: bool = False,
    status: str | None = None,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The `job_durations` rows the duration statistics count: runs, not cache hits.

    Cache hits (``terminal_status`` CACHED) are left out unless ``include_cached=True``; with
    ``status`` (e.g. ``"SUCCESS"``) finished jobs that ended otherwise are left out too, so that a
    version that fails fast does not look fast. Running jobs are kept (they have no terminal status
    yet; `duration_summary` counts them as censored). The ECDF and histogram of durations draw this
    frame, so their counts agree with `duration_summary`'s.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        include_cached: keep cache hits.
        status: keep only finished jobs of this terminal status; ``None`` for any.
        now: passed to `job_durations` (JobFrames input only).

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c"],
        ...         "terminal_status": ["SUCCESS", "CACHED", "FAILURE"],
        ...         "duration_ms": [9, 0, 2],
        ...     }
        ... )
        >>> run_durations(durations).get_column("job_id").to_list()
        ['a', 'c']
        >>> run_durations(durations, status="SUCCESS").get_column("job_id").to_list()
        ['a']
    """
    helper = "run_durations"
    _check_flag(include_cached, "include_cached", helper)
    _check_status(status, helper)
    frame = _durations_input(frames, now, helper)
    return _population(frame, (), include_cached=include_cached, status=status, helper=helper)


def _quantile_columns(quantiles: Sequence[float]) -> list[tuple[float, str]]:
    named = [(float(q), quantile_name(q)) for q in quantiles]
    names = [name for _, name in named]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"quantiles must be distinct; got {list(quantiles)}, which name the columns {names}")
    return named


def duration_summary_schema(
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9, 0.99),
    key_dtypes: pl.Schema | None = None,
) -> pl.Schema:
    """The columns and dtypes `duration_summary` returns for these ``by`` and ``quantiles``.

    Examples:
        >>> list(duration_summary_schema(quantiles=(0.5,)))  # doctest: +NORMALIZE_WHITESPACE
        ['agent_version_name', 'n', 'n_finished', 'n_running', 'n_measured', 'n_censored',
         'share_running', 'mean_ms', 'p50', 'p50_low', 'p50_high', 'km_median_ms', 'n_inputs',
         'too_few', 'note', 'design_effect']
    """
    schema: dict[str, pl.DataType] = {}
    for key in group_keys(by, helper="duration_summary_schema"):
        schema[key] = (
            key_dtypes[key] if key_dtypes is not None and key in key_dtypes else DURATIONS_SCHEMA.get(key, pl.String())
        )
    for name in _SUMMARY_COUNTS:
        schema[name] = pl.UInt32()
    schema["share_running"] = pl.Float64()
    schema["mean_ms"] = pl.Float64()
    for _, name in _quantile_columns(quantiles):
        schema[name] = pl.Float64()
        schema[f"{name}_low"] = pl.Float64()
        schema[f"{name}_high"] = pl.Float64()
    schema["km_median_ms"] = pl.Float64()
    schema["n_inputs"] = pl.UInt32()
    schema["too_few"] = pl.Boolean()
    schema["note"] = pl.String()
    schema["design_effect"] = pl.Float64()
    return pl.Schema(schema)


def duration_summary(
    frames: JobFrames | pl.DataFrame,
    *,
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9, 0.99),
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    include_cached: bool = False,
    cluster: str | None = None,
) -> pl.DataFrame:
    """Duration statistics per group, still-running jobs reported rather than dropped.

    Jobs answered from cache (PENDING → CACHED) last 0 ms by the API's rule and would pull every
    quantile down: they are left out (every count included) unless ``include_cached=True``.

    Columns: the ``by`` columns, then

    - ``n`` jobs, ``n_finished``, ``n_running``, ``share_running`` (``n_running / n``);
    - ``n_measured``: finished jobs with a duration (the sample every statistic below uses; a
      finished job with a missing timestamp has none);
    - ``mean_ms``; for each quantile ``q`` a column ``pXX`` (``p50`` for 0.5, ``p99_9`` for 0.999)
      and its ``pXX_low``/``pXX_high`` interval. Quantiles use linear interpolation, numpy's
      default, so they match ``np.quantile``. The interval is distribution-free, from a pair of
      order statistics (`roe_analysis.analysis._quantiles.order_statistic_ranks`): coverage at
      least ``confidence`` whatever the distribution, conservative (often above it). Where the
      runs are too few for an upper bound (p90 below 36 runs, p99 below 368 at 95%)
      ``pXX_high`` is null and ``pXX_low`` is a one-sided bound: the quantile is at least that.
      A degenerate interval (tied values) is null, never zero-width;
    - ``n_censored`` and ``km_median_ms``: the Kaplan–Meier median with running jobs as censored at
      ``running_for_ms`` — it does not pretend the slowest jobs (the ones still running) are absent,
      which biases ``p50`` low while many jobs run. It follows R's ``survfit`` (see
      `roe_analysis.analysis._quantiles.kaplan_meier_median`): with nothing censored it is the
      sample median. It needs ``running_for_ms``, so it is null for a group with running jobs
      unless ``now`` was given. The KM median has no interval: a clustered interval for it (Brookmeyer–Crowley with a
      cluster-robust variance) is not implemented, so read ``p50``'s interval beside it;
    - ``n_inputs``: distinct inputs (or ``cluster=`` values) among the measured runs (a run without
      inputs counts as one); null for a frame without ``input_id`` and no ``cluster=``;
    - ``too_few``: fewer than ``MIN_N`` (10) measured runs or clusters: no interval at all;
    - ``note``: why an interval is missing or one-sided ("too few to tell", …), else null;
    - ``design_effect`` (last): the design effect of the indicator "run ≤ sample median" by input
      (`roe_analysis.analysis._units.design_effect`: its cluster-robust variance over its variance
      under independence; 1 when every run is its own input; not floored, so it can fall below 1;
      null when it cannot be estimated — fewer than two inputs, a frame without inputs). Reruns of
      one input take alike long, so with several runs per input every quantile interval is
      Woodruff's clustered one (`roe_analysis.analysis._quantiles.clustered_quantile_interval`):
      the order-statistic ranks of ``Binomial(floor(n / deff), q)``, with that quantile's own
      design effect floored at 1, scaled outwards to the ``n`` runs. With one run per input (or a
      design effect at or below 1) the interval is exactly the independent-runs one.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        by: grouping column(s); ``None`` or ``()`` for one overall row. With `JobFrames`, a
            metadata key (e.g. ``"customer"``) too.
        quantiles: the quantiles to report, each in [0, 1].
        confidence: level of the intervals.
        n_resamples: kept for compatibility; unused (the intervals are exact, not resampled).
        seed: kept for compatibility; unused.
        now: passed to `job_durations` (JobFrames input only).
        include_cached: keep cache hits (``terminal_status`` CACHED) as runs.
        cluster: the unit of evidence: ``None`` for the input (the ``input_id`` column, when the
            frame has one), or any column (with `JobFrames`, a metadata key such as a customer)
            whose runs are correlated.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 5,
        ...         "terminal_status": ["SUCCESS"] * 4 + [None],
        ...         "duration_ms": [1000, 2000, 3000, 4000, None],
        ...         "is_running": [False, False, False, False, True],
        ...         "running_for_ms": [None, None, None, None, 9000],
        ...     }
        ... )
        >>> duration_summary(durations, quantiles=(0.5,)).select(
        ...     "n", "n_running", "n_measured", "mean_ms", "p50", "p50_low", "km_median_ms", "too_few"
        ... )
        shape: (1, 8)
        ┌─────┬───────────┬────────────┬─────────┬────────┬─────────┬──────────────┬─────────┐
        │ n   ┆ n_running ┆ n_measured ┆ mean_ms ┆ p50    ┆ p50_low ┆ km_median_ms ┆ too_few │
        │ --- ┆ ---       ┆ ---        ┆ ---     ┆ ---    ┆ ---     ┆ ---          ┆ ---     │
        │ u32 ┆ u32       ┆ u32        ┆ f64     ┆ f64    ┆ f64     ┆ f64          ┆ bool    │
        ╞═════╪═══════════╪════════════╪═════════╪════════╪═════════╪══════════════╪═════════╡
        │ 5   ┆ 1         ┆ 4          ┆ 2500.0  ┆ 2500.0 ┆ null    ┆ 3000.0       ┆ true    │
        └─────┴───────────┴────────────┴─────────┴────────┴─────────┴──────────────┴─────────┘
    """
    helper = "duration_summary"
    check_confidence(confidence)
    keys = group_keys(by, helper=helper)
    named = _quantile_columns(quantiles)
    _check_flag(include_cached, "include_cached", helper)
    _check_cluster(cluster, helper)
    frame = _with_keys(frames, _durations_input(frames, now, helper), by, cluster, helper)
    needed = [*keys, *_DURATION_COLUMNS, *([cluster] if cluster is not None else [])]
    frame = _population(frame, needed, include_cached=include_cached, status=None, helper=helper)
    schema = duration_summary_schema(keys, quantiles, frame.schema)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    clustered = cluster is not None or "input_id" in frame.columns
    unit = [cluster_column(frame, cluster, helper=helper).alias(CLUSTER)] if clustered else []
    data = frame.select(*keys, *_DURATION_COLUMNS, *unit)
    data = data.sort(keys, nulls_last=True, maintain_order=True) if keys else data
    is_measured = pl.col("duration_ms").is_not_null() & ~pl.col("is_running")
    measured = pl.col("duration_ms").filter(is_measured)
    aggs = [
        pl.len().alias("n"),
        (~pl.col("is_running")).sum().alias("n_finished"),
        pl.col("is_running").sum().alias("n_running"),
        measured.count().alias("n_measured"),
        (pl.col("is_running") & pl.col("running_for_ms").is_not_null()).sum().alias("n_censored"),
        pl.col("is_running").mean().alias("share_running"),
        measured.mean().alias("mean_ms"),
        *[measured.quantile(q, interpolation="linear").alias(name) for q, name in named],
        (pl.col(CLUSTER).filter(is_measured).n_unique() if clustered else pl.lit(None, dtype=pl.UInt32)).alias(
            "n_inputs"
        ),
    ]
    if keys:
        stats = data.group_by(keys, maintain_order=True).agg(aggs)
        groups = data.partition_by(keys, maintain_order=True, include_key=False)
    else:
        stats = data.select(aggs)
        groups = [data]
    n_inputs = stats.get_column("n_inputs").to_list()
    out = stats.with_columns(group_columns(groups, n_inputs, named, confidence, unit=unit_name(cluster)))
    return out.select(list(schema)).cast(schema)


def duration_trend(
    frames: JobFrames | pl.DataFrame,
    *,
    every: str = "1d",
    by: By = DEFAULT_BY,
    quantiles: Sequence[float] = (0.5, 0.9),
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    include_cached: bool = False,
    cluster: str | None = None,
) -> pl.DataFrame:
    """`duration_summary` per period of job creation: ``period_start`` then the summary's columns.

    Jobs answered from cache are left out unless ``include_cached=True``, as in `duration_summary`.

    Jobs fall in the period (``every``, a Polars duration string: ``"1h"``, ``"1d"``, ``"1w"``) in
    which they were created (``created_at`` truncated, UTC). Periods without jobs have no row. Each
    row is exactly the `duration_summary` of its period's runs: the same ``n_inputs``,
    ``design_effect``, ``too_few`` and ``note`` (a period with fewer than 10 inputs is "too few to
    tell" and has no interval), the intervals clustered by input or ``cluster=``. ``by`` and
    ``cluster`` may name metadata keys with `JobFrames`, as in `duration_summary`.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, 9, tzinfo=timezone.utc)
        >>> durations = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 3,
        ...         "terminal_status": ["SUCCESS"] * 3,
        ...         "created_at": [day(1), day(1), day(2)],
        ...         "duration_ms": [1000, 3000, 5000],
        ...         "is_running": [False] * 3,
        ...         "running_for_ms": [None, None, None],
        ...     },
        ...     schema_overrides={"running_for_ms": pl.Int64},
        ... )
        >>> duration_trend(durations, quantiles=(0.5,)).select("period_start", "agent_version_name", "n", "p50")
        shape: (2, 4)
        ┌─────────────────────────┬────────────────────┬─────┬────────┐
        │ period_start            ┆ agent_version_name ┆ n   ┆ p50    │
        │ ---                     ┆ ---                ┆ --- ┆ ---    │
        │ datetime[μs, UTC]       ┆ str                ┆ u32 ┆ f64    │
        ╞═════════════════════════╪════════════════════╪═════╪════════╡
        │ 2026-05-01 00:00:00 UTC ┆ v1                 ┆ 2   ┆ 2000.0 │
        │ 2026-05-02 00:00:00 UTC ┆ v1                 ┆ 1   ┆ 5000.0 │
        └─────────────────────────┴────────────────────┴─────┴────────┘
    """
    helper = "duration_trend"
    check_every(every, helper=helper)
    keys = group_keys(by, helper=helper)
    _check_flag(include_cached, "include_cached", helper)
    _check_cluster(cluster, helper)
    frame = _population(
        _with_keys(frames, _durations_input(frames, now, helper), by, cluster, helper),
        [*keys, "created_at", *_DURATION_COLUMNS, *([cluster] if cluster is not None else [])],
        include_cached=include_cached,
        status=None,
        helper=helper,
    )
    groups = period_keys(keys, helper=helper)
    return duration_summary(
        with_period(frame, every),
        by=groups,
        quantiles=quantiles,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        include_cached=True,  # already filtered above
        cluster=cluster,
    )


def slowest_jobs(
    frames: JobFrames | pl.DataFrame,
    *,
    n: int = 10,
    by: By = DEFAULT_BY,
    include_running: bool = False,
    now: datetime | None = None,
    status: str | None = "SUCCESS",
    include_cached: bool = False,
) -> pl.DataFrame:
    """The ``n`` slowest finished runs of each group (``by=None``: of all jobs), slowest first.

    Returns ``rank`` (1 = slowest within its group), ``elapsed_ms`` (what the ranking used) and the
    `job_durations` columns. Finished jobs of terminal status ``status`` (SUCCESS by default, so
    that a list of "slowest jobs" is not a list of cancelled or timed-out ones; ``None`` for any
    terminal status) are ranked by ``duration_ms``; cache hits are left out unless
    ``include_cached=True``. With ``include_running=True`` running jobs are ranked too, by
    ``running_for_ms`` (how long they have run so far, a lower bound on their duration, which
    needs ``now``), so a stuck job shows up. Ties are broken by ``job_id``.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        n: how many jobs per group.
        by: grouping column(s); ``None`` or ``()`` to rank all jobs together. With `JobFrames`, a
            metadata key (e.g. ``"customer"``) too: it is then a column of the result.
        include_running: rank running jobs too, by how long they have run so far.
        now: passed to `job_durations` (JobFrames input only).
        status: the terminal status of the finished jobs ranked; ``None`` for any.
        include_cached: rank cache hits too.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c", "d", "e"],
        ...         "terminal_status": ["SUCCESS", "SUCCESS", "SUCCESS", None, "CANCELLED"],
        ...         "duration_ms": [300, 100, 200, None, 999],
        ...         "is_running": [False, False, False, True, False],
        ...         "running_for_ms": [None, None, None, 900, None],
        ...     }
        ... )
        >>> slowest_jobs(durations, n=2, by=None).select("rank", "elapsed_ms", "job_id", "terminal_status")
        shape: (2, 4)
        ┌──────┬────────────┬────────┬─────────────────┐
        │ rank ┆ elapsed_ms ┆ job_id ┆ terminal_status │
        │ ---  ┆ ---        ┆ ---    ┆ ---             │
        │ u32  ┆ i64        ┆ str    ┆ str             │
        ╞══════╪════════════╪════════╪═════════════════╡
        │ 1    ┆ 300        ┆ a      ┆ SUCCESS         │
        │ 2    ┆ 200        ┆ c      ┆ SUCCESS         │
        └──────┴────────────┴────────┴─────────────────┘
    """
    helper = "slowest_jobs"
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgumentError(f"slowest_jobs: n must be a positive integer (1 or more); got {n!r}")
    _check_flag(include_running, "include_running", helper)
    _check_status(status, helper)
    _check_flag(include_cached, "include_cached", helper)
    keys = group_keys(by, helper=helper)
    frame = _population(
        _with_keys(frames, _durations_input(frames, now, helper), by, None, helper),
        ["job_id", *keys, *_DURATION_COLUMNS],
        include_cached=include_cached,
        status=status,
        helper=helper,
    )
    finished = pl.when(~pl.col("is_running")).then(pl.col("duration_ms"))
    elapsed = (
        pl.coalesce(finished, pl.when(pl.col("is_running")).then(pl.col("running_for_ms")))
        if include_running
        else finished
    )
    ranked = (
        frame.with_columns(elapsed_ms=elapsed.cast(pl.Int64))
        .filter(pl.col("elapsed_ms").is_not_null())
        .sort([*keys, "elapsed_ms", "job_id"], descending=[False] * len(keys) + [True, False], nulls_last=True)
    )
    rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)
    ranked = ranked.with_columns(rank=rank.over(keys) if keys else rank).filter(pl.col("rank") <= n)
    return ranked.select("rank", "elapsed_ms", pl.exclude("rank", "elapsed_ms"))


def duration_mismatches(frames: JobFrames | pl.DataFrame, *, tolerance_ms: int = 0) -> pl.DataFrame:
    """Jobs whose recomputed ``duration_ms`` disagrees with the server's ``server_duration_ms``.

    A job is listed when the two differ by more than ``tolerance_ms`` (``reason`` ``"differs"``) or
    exactly one of them is null (``"recomputed_missing"`` / ``"server_missing"``); both null (a
    running job) agrees. Adds ``difference_ms = duration_ms - server_duration_ms`` and ``reason``
    (an Enum) to the `job_durations` columns, largest absolute difference first.

    Args:
        frames: `JobFrames`, or the frame `job_durations` returns (e.g. filtered).
        tolerance_ms: the largest difference that still counts as agreement.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {
        ...         "job_id": ["a", "b", "c", "d"],
        ...         "duration_ms": [1000, 2000, None, None],
        ...         "server_duration_ms": [1000, 2500, 700, None],
        ...     }
        ... )
        >>> duration_mismatches(durations)
        shape: (2, 5)
        ┌────────┬─────────────┬────────────────────┬───────────────┬────────────────────┐
        │ job_id ┆ duration_ms ┆ server_duration_ms ┆ difference_ms ┆ reason             │
        │ ---    ┆ ---         ┆ ---                ┆ ---           ┆ ---                │
        │ str    ┆ i64         ┆ i64                ┆ i64           ┆ enum               │
        ╞════════╪═════════════╪════════════════════╪═══════════════╪════════════════════╡
        │ b      ┆ 2000        ┆ 2500               ┆ -500          ┆ differs            │
        │ c      ┆ null        ┆ 700                ┆ null          ┆ recomputed_missing │
        └────────┴─────────────┴────────────────────┴───────────────┴────────────────────┘
    """
    if isinstance(tolerance_ms, bool) or not isinstance(tolerance_ms, int | float) or tolerance_ms < 0:
        raise InvalidArgumentError(
            f"duration_mismatches: tolerance_ms must be a number >= 0 (0 lists every difference); got {tolerance_ms!r}"
        )
    frame = _durations_input(frames, None, "duration_mismatches")
    require_columns(frame, ["job_id", "duration_ms", "server_duration_ms"], helper="duration_mismatches")
    ours, theirs = pl.col("duration_ms"), pl.col("server_duration_ms")
    difference = (ours - theirs).cast(pl.Int64)
    reason = (
        pl.when(ours.is_null() & theirs.is_not_null())
        .then(pl.lit("recomputed_missing"))
        .when(ours.is_not_null() & theirs.is_null())
        .then(pl.lit("server_missing"))
        .when(difference.abs() > tolerance_ms)
        .then(pl.lit("differs"))
        .cast(MismatchReason)
    )
    return (
        frame.with_columns(difference_ms=difference, reason=reason)
        .filter(pl.col("reason").is_not_null())
        .sort(pl.col("difference_ms").abs(), "job_id", descending=[True, False], nulls_last=True)
    )
