"""Charts of job durations: distribution (histogram and ECDF), trend, and where the time goes.

Each builder is named after the helper of `roe_analysis.analysis` whose frame it draws
(`job_durations_histogram` and `job_durations_ecdf` both draw `job_durations`) and returns an
Altair chart; none fetches data or displays anything. Distributions are aggregated with Polars
(bins, ECDF steps) before they reach Altair, so a million jobs become a few hundred rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import altair as alt
import numpy as np
import polars as pl

from roe_analysis.charts._common import (
    STATUS_COLOURS,
    STATUS_ORDER,
    VERSION,
    check_colours,
    check_frame,
    duration_unit,
    titled,
    utc_date_x,
    version_domain,
    version_scale,
)
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: What the charts of `job_durations` output say they draw, in their errors.
_DURATIONS = "the frame ra.job_durations returns"


def _version_colour(versions: pl.Series, colours: Mapping[str, str] | None, *, solid: bool = False) -> alt.Color:
    drawn = versions.to_list()
    return alt.Color(
        f"{VERSION}:N",
        title="Agent version",
        scale=version_scale(drawn, colours),
        sort=version_domain(drawn, colours),
        # solid symbols where a band is drawn: its pale fill in the legend reads as another colour
        legend=alt.Legend(symbolOpacity=1) if solid else alt.Undefined,
    )


def _finished(durations: pl.DataFrame, chart: str) -> tuple[pl.DataFrame, int]:
    """Finished jobs with a duration (``version``, ``duration_ms``), and how many jobs are running."""
    check_frame(durations, [VERSION, "duration_ms", "is_running"], chart=chart, draws=_DURATIONS)
    running = int(durations.get_column("is_running").sum() or 0)
    finished = durations.filter(~pl.col("is_running") & pl.col("duration_ms").is_not_null()).select(
        VERSION, pl.col("duration_ms").cast(pl.Float64)
    )
    return finished, running


def _positive_int(value: object, name: str, chart: str, least: int) -> None:
    """Raise unless ``value`` is an ``int`` (not a bool) of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{chart}: {name} must be an integer of at least {least}; got {value!r}")
    if value < least:
        raise InvalidArgumentError(
            f"{chart}: {name} must be an integer of at least {least}; got {value!r}. Pass e.g. {name}=40."
        )


def _subtitle(finished: pl.DataFrame, running: int) -> str:
    text = f"{finished.height:,} finished jobs"
    return text + (f"; {running:,} still running, not shown" if running else "")


def _edges(array: np.ndarray, bins: int, log_scale: bool) -> np.ndarray:
    """``bins + 1`` bin edges: equal widths from 0 to the longest, or equal ratios from the shortest positive."""
    high = float(array.max()) if array.size else 1.0
    if log_scale:
        positive = array[array > 0]
        low = float(positive.min()) if positive.size else 1.0
        return np.geomspace(low, max(high, low * 2), bins + 1)
    return np.linspace(0.0, high if high > 0 else 1.0, bins + 1)


def duration_histogram_data(durations: pl.DataFrame, *, bins: int = 40, log_scale: bool = False) -> pl.DataFrame:
    """The binned counts `job_durations_histogram` draws: one row per version and non-empty bin.

    Bins are shared by all versions: ``bins`` equal widths from 0 to the longest duration, or equal
    ratios from the shortest positive duration when ``log_scale`` (0 ms jobs, e.g. served from
    cache, then go in the first bin). ``share`` is the bin's count over the version's finished jobs,
    so versions with different volumes compare.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {"agent_version_name": ["v1"] * 4, "duration_ms": [0, 100, 150, 400], "is_running": [False] * 4}
        ... )
        >>> duration_histogram_data(durations, bins=4)
        shape: (3, 5)
        ┌────────────────────┬───────────┬─────────┬───────┬───────┐
        │ agent_version_name ┆ bin_start ┆ bin_end ┆ count ┆ share │
        │ ---                ┆ ---       ┆ ---     ┆ ---   ┆ ---   │
        │ str                ┆ f64       ┆ f64     ┆ u32   ┆ f64   │
        ╞════════════════════╪═══════════╪═════════╪═══════╪═══════╡
        │ v1                 ┆ 0.0       ┆ 100.0   ┆ 1     ┆ 0.25  │
        │ v1                 ┆ 100.0     ┆ 200.0   ┆ 2     ┆ 0.5   │
        │ v1                 ┆ 300.0     ┆ 400.0   ┆ 1     ┆ 0.25  │
        └────────────────────┴───────────┴─────────┴───────┴───────┘
    """
    _positive_int(bins, "bins", "job_durations_histogram chart", 1)
    finished, _ = _finished(durations, "job_durations_histogram chart")
    schema = pl.Schema(
        {
            VERSION: pl.String(),
            "bin_start": pl.Float64(),
            "bin_end": pl.Float64(),
            "count": pl.UInt32(),
            "share": pl.Float64(),
        }
    )
    if finished.height == 0:
        return pl.DataFrame(schema=schema)
    values = finished.get_column("duration_ms")
    # The same edges place every value and label every bin, so no value lands beside its label.
    edge_series = pl.Series("edges", _edges(values.to_numpy(), bins, log_scale), dtype=pl.Float64)
    index = (edge_series.search_sorted(values, side="right").cast(pl.Int64) - 1).clip(0, bins - 1)
    return (
        finished.with_columns(bin=index)
        .group_by(VERSION, "bin")
        .agg(count=pl.len())
        .with_columns(share=pl.col("count") / pl.col("count").sum().over(VERSION))
        .sort(VERSION, "bin", nulls_last=True)
        .select(
            VERSION,
            pl.lit(edge_series).gather(pl.col("bin")).alias("bin_start"),
            pl.lit(edge_series).gather(pl.col("bin") + 1).alias("bin_end"),
            "count",
            "share",
        )
        .cast(schema)
    )


def duration_ecdf_data(durations: pl.DataFrame, *, max_points: int = 200) -> pl.DataFrame:
    """The ECDF steps `job_durations_ecdf` draws: per version, ``share`` of finished jobs at or below ``duration_ms``.

    Exact at every kept point; a version with more distinct durations than ``max_points`` keeps
    evenly spaced ones (always its shortest and longest).

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {"agent_version_name": ["v1"] * 4, "duration_ms": [100, 100, 300, 200], "is_running": [False] * 4}
        ... )
        >>> duration_ecdf_data(durations)
        shape: (3, 3)
        ┌────────────────────┬─────────────┬───────┐
        │ agent_version_name ┆ duration_ms ┆ share │
        │ ---                ┆ ---         ┆ ---   │
        │ str                ┆ f64         ┆ f64   │
        ╞════════════════════╪═════════════╪═══════╡
        │ v1                 ┆ 100.0       ┆ 0.5   │
        │ v1                 ┆ 200.0       ┆ 0.75  │
        │ v1                 ┆ 300.0       ┆ 1.0   │
        └────────────────────┴─────────────┴───────┘
    """
    _positive_int(max_points, "max_points", "job_durations_ecdf chart", 2)
    finished, _ = _finished(durations, "job_durations_ecdf chart")
    steps = (
        finished.group_by(VERSION, "duration_ms")
        .agg(count=pl.len())
        .sort(VERSION, "duration_ms", nulls_last=True)
        .with_columns(
            share=pl.col("count").cum_sum().over(VERSION) / pl.col("count").sum().over(VERSION),
            idx=pl.int_range(pl.len()).over(VERSION),
            m=pl.len().over(VERSION),
        )
    )
    step = (pl.col("m") / max_points).ceil().cast(pl.Int64)
    return steps.filter((pl.col("idx") % step == 0) | (pl.col("idx") == pl.col("m") - 1)).select(
        VERSION, "duration_ms", pl.col("share").cast(pl.Float64)
    )


def _duration_scale(log_scale: bool) -> alt.Scale:
    """A duration x scale: linear from 0, or log spanning the data (a "nice" log domain adds empty decades)."""
    return alt.Scale(type="log", nice=False) if log_scale else alt.Scale(zero=True)


def _zero_note(finished: pl.DataFrame, log_scale: bool, *, counted: bool) -> str:
    """What a log axis does with 0 ms jobs (e.g. served from cache), for the subtitle; "" if none."""
    zeros = finished.filter(pl.col("duration_ms") <= 0).height if log_scale else 0
    if not zeros:
        return ""
    jobs = "job" if zeros == 1 else "jobs"
    if counted:
        return f"; {zeros:,} {jobs} of 0 ms in the first bin (no 0 on a log axis)"
    return f"; {zeros:,} {jobs} of 0 ms off the log axis, still in the shares"


def _dense_steps(data: pl.DataFrame, edges: list[float]) -> pl.DataFrame:
    """Every bin of every version (empty bins at 0) plus a closing point, for a step outline."""
    versions = data.select(VERSION).unique(maintain_order=True)
    n_bins = len(edges) - 1
    grid = pl.DataFrame(
        {"bin_start": edges, "bin_end": [*edges[1:], edges[-1]], "closing": [False] * n_bins + [True]},
        schema={"bin_start": pl.Float64, "bin_end": pl.Float64, "closing": pl.Boolean},
    )
    filled = (
        versions.join(grid, how="cross")
        .join(
            data.select(VERSION, "bin_start", "count", "share"), on=[VERSION, "bin_start"], how="left", nulls_equal=True
        )
        .with_columns(pl.col("count").fill_null(0), pl.col("share").fill_null(0.0))
    )
    # The closing point repeats the last bin's share at the last edge, so the last step has a width.
    return (
        filled.sort(VERSION, "bin_start", "closing")
        .with_columns(
            share=pl.when(pl.col("closing")).then(pl.col("share").shift(1).over(VERSION)).otherwise(pl.col("share")),
            # the closing point is an edge, not a bin: no count of its own
            count=pl.when(pl.col("closing")).then(None).otherwise(pl.col("count")),
        )
        .select(VERSION, "bin_start", "bin_end", "count", "share")
    )


def job_durations_histogram(
    durations: pl.DataFrame,
    *,
    bins: int = 40,
    log_scale: bool = False,
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Histogram of finished jobs' durations by agent version (`job_durations_ecdf` draws the ECDF).

    Each version is one step outline of its share of finished jobs per bin
    (`duration_histogram_data`), so versions of different volume compare and no colours mix where
    they overlap. Durations read in s, min or h (chosen from the longest; the axis title names it).
    Running jobs have no duration yet and are counted in the subtitle instead.

    Args:
        durations: the frame `roe_analysis.analysis.job_durations` returns.
        bins: number of bins.
        log_scale: log-spaced bins and a log x axis, for heavy tails (0 ms jobs, e.g. from cache,
            are counted in the first bin, as the subtitle says).
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {"agent_version_name": ["v1", "v2"], "duration_ms": [100, 300], "is_running": [False, False]}
        ... )
        >>> spec = job_durations_histogram(durations, bins=2).to_dict()
        >>> spec["mark"]["type"], spec["encoding"]["x"]["title"], spec["encoding"]["y"]["title"]
        ('line', 'Duration (ms)', 'Share of finished jobs')
    """
    colours = check_colours(colours, chart="job_durations_histogram chart")
    data = duration_histogram_data(durations, bins=bins, log_scale=log_scale)
    finished, running = _finished(durations, "job_durations_histogram chart")
    unit, size = duration_unit(finished.get_column("duration_ms").max())  # type: ignore[arg-type]
    edges = _edges(finished.get_column("duration_ms").to_numpy(), bins, log_scale).tolist() if finished.height else []
    steps = _dense_steps(data, edges) if edges else data
    drawn = steps.select(
        VERSION, (pl.col("bin_start") / size).alias("start"), (pl.col("bin_end") / size).alias("end"), "count", "share"
    )
    scale = _duration_scale(log_scale)
    text = titled(title or "Job duration by agent version", drawn)
    subtitle = _subtitle(finished, running) + _zero_note(finished, log_scale, counted=True)
    return (
        alt.Chart(drawn, title=alt.Title(text, subtitle=subtitle), description=text)
        .mark_line(interpolate="step-after", strokeWidth=2)
        .encode(
            x=alt.X(
                "start:Q",
                title=f"Duration ({unit})",
                scale=scale,
                axis=alt.Axis(labelOverlap="greedy", labelSeparation=6),
            ),
            y=alt.Y("share:Q", title="Share of finished jobs", axis=alt.Axis(format="%"), stack=None),
            color=_version_colour(drawn.get_column(VERSION), colours),
            tooltip=[
                alt.Tooltip(f"{VERSION}:N", title="Agent version"),
                alt.Tooltip("start:Q", title=f"From ({unit})", format=",.3~f"),
                alt.Tooltip("end:Q", title=f"To ({unit})", format=",.3~f"),
                alt.Tooltip("count:Q", title="Jobs", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )


def job_durations_ecdf(
    durations: pl.DataFrame,
    *,
    max_points: int = 200,
    log_scale: bool = False,
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Share of finished jobs done within each duration (the ECDF), one step line per agent version.

    Reads like "90% of v2's jobs finish within x s"; the steps come from `duration_ecdf_data`.
    Durations read in ms, s, min or h, chosen from the longest (the axis title names the unit). On
    a log axis 0 ms jobs (e.g. served from cache) cannot be drawn: they are left out of the line
    but still counted in the shares, and the subtitle says how many.

    Examples:
        >>> import polars as pl
        >>> durations = pl.DataFrame(
        ...     {"agent_version_name": ["v1", "v1"], "duration_ms": [100, 300], "is_running": [False, False]}
        ... )
        >>> spec = job_durations_ecdf(durations).to_dict()
        >>> spec["mark"], spec["encoding"]["y"]["title"]
        ({'type': 'line', 'interpolate': 'step-after'}, 'Share of finished jobs done within')
    """
    colours = check_colours(colours, chart="job_durations_ecdf chart")
    data = duration_ecdf_data(durations, max_points=max_points)
    finished, running = _finished(durations, "job_durations_ecdf chart")
    unit, size = duration_unit(finished.get_column("duration_ms").max())  # type: ignore[arg-type]
    if log_scale:
        data = data.filter(pl.col("duration_ms") > 0)
    drawn = data.with_columns(duration=pl.col("duration_ms") / size)
    text = titled(title or "Cumulative share of jobs finished within a duration", drawn)
    subtitle = _subtitle(finished, running) + _zero_note(finished, log_scale, counted=False)
    scale = _duration_scale(log_scale)
    return (
        alt.Chart(drawn, title=alt.Title(text, subtitle=subtitle), description=text)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X(
                "duration:Q",
                title=f"Duration ({unit})",
                scale=scale,
                axis=alt.Axis(labelOverlap="greedy", labelSeparation=6),
            ),
            y=alt.Y(
                "share:Q",
                title="Share of finished jobs done within",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_version_colour(drawn.get_column(VERSION), colours),
            tooltip=[
                alt.Tooltip(f"{VERSION}:N", title="Agent version"),
                alt.Tooltip("duration:Q", title=f"Duration ({unit})", format=",.3~f"),
                alt.Tooltip("share:Q", title="Share done within", format=".1%"),
            ],
        )
    )


def duration_trend(
    trend: pl.DataFrame,
    *,
    quantile: str = "p50",
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """A duration quantile per period and version, with its confidence interval as a band.

    The interval is distribution-free; a period with too few runs has none.

    Args:
        trend: the frame `roe_analysis.analysis.duration_trend` returns (by agent version).
        quantile: which quantile column to draw, e.g. ``"p50"`` or ``"p90"``.
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.

    Durations read in ms, s, min or h, chosen from the largest drawn (the axis title names it).

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> trend = pl.DataFrame(
        ...     {
        ...         "period_start": [datetime(2026, 5, d, tzinfo=timezone.utc) for d in (1, 2)],
        ...         "agent_version_name": ["v1", "v1"],
        ...         "n": [10, 12],
        ...         "p50": [1200.0, 1500.0],
        ...         "p50_low": [1000.0, 1300.0],
        ...         "p50_high": [1400.0, 1800.0],
        ...     }
        ... )
        >>> spec = duration_trend(trend).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["title"]["text"]
        (['area', 'line'], 'Median (p50) job duration over time')
    """
    if not isinstance(quantile, str):
        raise ArgumentTypeError(f"duration_trend chart: quantile must be a column name such as 'p50'; got {quantile!r}")
    low, high = f"{quantile}_low", f"{quantile}_high"
    check_frame(
        trend,
        ["period_start", VERSION, "n", quantile, low, high],
        chart="duration_trend chart",
        draws="the frame ra.duration_trend returns",
    )
    colours = check_colours(colours, chart="duration_trend chart")
    label = "Median (p50)" if quantile == "p50" else quantile
    unit, size = duration_unit(trend.select(pl.max_horizontal(pl.col(quantile).max(), pl.col(high).max())).item())
    data = trend.select("period_start", VERSION, "n", *((pl.col(c) / size).alias(c) for c in (quantile, low, high)))
    text = titled(title or f"{label} job duration over time", data)
    # A UTC scale, so the axis says what the title says whatever the viewer's time zone.
    x = utc_date_x("period_start", "Jobs created (UTC period start)")
    base = alt.Chart(data, description=text)
    # Periods too small for an interval have none: no band there rather than an empty shape.
    band = (
        base.transform_filter(f"isValid(datum['{low}']) && isValid(datum['{high}'])")
        .mark_area(opacity=0.2)
        .encode(
            x=x,
            y=alt.Y(f"{low}:Q"),
            y2=alt.Y2(f"{high}:Q"),
            color=_version_colour(data.get_column(VERSION), colours, solid=True),
        )
    )
    line = base.mark_line(point=True).encode(
        x=x,
        y=alt.Y(f"{quantile}:Q", title=f"{label} duration ({unit})"),
        color=_version_colour(data.get_column(VERSION), colours, solid=True),
        tooltip=[
            alt.Tooltip(
                "period_start:T",
                title="Period start (UTC)",
                # formatType="utc" would call Vega's utc(), which builds a date and shows NaN.
                timeUnit="utcyearmonthdatehoursminutes",
                format="%Y-%m-%d %H:%M",
            ),
            alt.Tooltip(f"{VERSION}:N", title="Agent version"),
            alt.Tooltip("n:Q", title="Jobs", format=","),
            alt.Tooltip(f"{quantile}:Q", title=f"{label} ({unit})", format=",.3~f"),
            alt.Tooltip(f"{low}:Q", title=f"CI low ({unit})", format=",.3~f"),
            alt.Tooltip(f"{high}:Q", title=f"CI high ({unit})", format=",.3~f"),
        ],
    )
    return alt.LayerChart(
        layer=[band, line],
        title=alt.Title(
            text,
            subtitle="Line: the quantile; band: its 95% confidence interval (none where a period has too few runs)",
        ),
        description=text,
    )


def status_time_summary(
    status_times: pl.DataFrame,
    *,
    stat: Literal["share", "total", "median", "mean"] = "share",
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Stacked bars of the time spent in each status, per agent version: where the time goes.

    ``stat="share"`` (the default) stacks each status's share of the version's time, so versions
    of different volume compare; ``"total"`` stacks the summed time (in hours) of all jobs, which
    mostly shows volume; ``"median"``/``"mean"`` stack the per-job median/mean time in each status
    among jobs that had that status (in ms, s, min or h, from the data) — these describe a typical
    job per status, and their stack is not the typical job's total.

    Args:
        status_times: the frame of `roe_analysis.analysis.status_time_summary` (by version).
        stat: ``"share"``, ``"total"``, ``"median"`` or ``"mean"``.
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours`); only its order is used, to order the bars.

    Examples:
        >>> import polars as pl
        >>> summary = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v1"],
        ...         "status": ["PENDING", "STARTED"],
        ...         "n_jobs": [2, 2],
        ...         "total_ms": [3_600_000.0, 7_200_000.0],
        ...         "mean_ms": [1_800_000.0, 3_600_000.0],
        ...         "median_ms": [1_800_000.0, 3_600_000.0],
        ...         "share": [1 / 3, 2 / 3],
        ...     }
        ... )
        >>> spec = status_time_summary(summary, stat="total").to_dict()
        >>> spec["encoding"]["y"]["title"], [round(row["value"], 9) for row in next(iter(spec["datasets"].values()))]
        ('Total time (hours)', [1.0, 2.0])
        >>> status_time_summary(summary).to_dict()["encoding"]["y"]["title"]
        "Share of the version's time"
    """
    columns = {
        "share": ("share", 1.0, "Share of the version's time"),
        "total": ("total_ms", 3_600_000.0, "Total time (hours)"),
        "median": ("median_ms", 1.0, "Median time per job"),
        "mean": ("mean_ms", 1.0, "Mean time per job"),
    }
    if stat not in columns:
        raise InvalidArgumentError(
            f"status_time_summary chart: stat must be 'share', 'total', 'median' or 'mean'; got {stat!r}. "
            "Pass one of those (each draws a column of ra.status_time_summary)."
        )
    colours = check_colours(colours, chart="status_time_summary chart")
    draws = "the frame ra.status_time_summary returns"
    columns_given = status_times.columns if isinstance(status_times, pl.DataFrame) else []
    if "total_ms" not in columns_given and "time_ms" in columns_given:
        # Charts only draw; the statistics come from the helper.
        raise InvalidArgumentError(
            "status_time_summary chart draws a summary: pass ra.status_time_summary(...) of these rows, "
            "not ra.status_time(...) itself"
        )
    summary = status_times
    column, divisor, axis_title = columns[stat]
    check_frame(summary, [VERSION, "status", "n_jobs", column, "share"], chart="status_time_summary chart", draws=draws)
    if stat in ("median", "mean"):
        unit, divisor = duration_unit(summary.get_column(column).max())  # type: ignore[arg-type]
        axis_title = f"{axis_title} ({unit})"
    data = summary.select(
        VERSION,
        pl.col("status").cast(pl.String),
        "n_jobs",
        (pl.col(column) / divisor).alias("value"),
        "share",
        pl.col("status")
        .cast(pl.String)
        .replace_strict(STATUS_ORDER, list(range(len(STATUS_ORDER))), default=len(STATUS_ORDER))
        .alias("order"),
    ).sort(VERSION, "order", "status", nulls_last=True)  # one row order, so the stacked sums are the same bytes
    present = [s for s in STATUS_ORDER if s in set(data.get_column("status").to_list())]
    headings = {
        "share": "Where the time goes: share of each version's time in each status",
        "total": "Where the time goes: total time in each status",
    }
    text = titled(title or headings.get(stat, f"{stat.capitalize()} time per job in each status"), data)
    subtitle = {
        "share": "Each bar adds up to 100% of the version's time in statuses",
        "total": "Sum over all finished time in each status; taller bars mostly mean more jobs",
    }.get(stat, "Among jobs that had the status; stacked values are not a typical job's total")
    return (
        alt.Chart(data, title=alt.Title(text, subtitle=subtitle), description=text)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{VERSION}:N",
                title="Agent version",
                sort=version_domain(data.get_column(VERSION).to_list(), colours),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y(
                "value:Q",
                title=axis_title,
                stack="zero",
                axis=alt.Axis(format="%") if stat == "share" else alt.Undefined,
                scale=alt.Scale(domain=[0, 1]) if stat == "share" else alt.Undefined,
            ),
            color=alt.Color(
                "status:N",
                title="Status",
                scale=alt.Scale(domain=present, range=[STATUS_COLOURS[s] for s in present]),
                sort=present,
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{VERSION}:N", title="Agent version"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("value:Q", title=axis_title, format=".1%" if stat == "share" else ",.3~f"),
                alt.Tooltip("n_jobs:Q", title="Jobs with this status", format=","),
                alt.Tooltip("share:Q", title="Share of the version's time", format=".1%"),
            ],
        )
        # A step wide enough for a version name such as "v2.1-canary" written level.
        .properties(width=alt.Step(72))
    )
