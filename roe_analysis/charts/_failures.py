"""Charts of failures: the failure rate per version with its interval, and its trend over time.

Each builder draws the frame of the helper it is named after (`roe_analysis.analysis.failure_summary`,
`failure_trend`) and returns an Altair chart; none computes a statistic.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from roe_analysis.charts._common import (
    VERSION,
    check_colours,
    check_frame,
    human_title,
    titled,
    utc_date_x,
    version_domain,
    version_scale,
)

_RATE_COLUMNS = ["failure_rate", "failure_rate_low", "failure_rate_high", "too_few"]


def _level(frame: pl.DataFrame) -> str:
    """ "95%" from the frame's ``confidence`` column (95% when it has none or no rows)."""
    if "confidence" in frame.columns and frame.height and frame.get_column("confidence").drop_nulls().len():
        return f"{frame.get_column('confidence').drop_nulls().item(0) * 100:g}%"
    return "95%"


def failure_rate_chart(summary: pl.DataFrame, *, colours: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Failure rate per agent version (dot) with its interval over inputs (bar), on a percent axis.

    A version with too few inputs for an interval is a hollow dot labelled "too few to tell".

    Args:
        summary: the frame `roe_analysis.analysis.failure_summary` returns (by agent version).
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.

    Examples:
        >>> import polars as pl
        >>> summary = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v2"], "n": [400, 5], "failures": [20, 1],
        ...         "failure_rate": [0.05, 0.2], "failure_rate_low": [0.033, None],
        ...         "failure_rate_high": [0.076, None], "too_few": [False, True],
        ...     }
        ... )
        >>> spec = failure_rate_chart(summary).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["title"]["text"]
        (['rule', 'point', 'point', 'text'], 'Failure rate by agent version')
        >>> spec["layer"][0]["encoding"]["y"]["axis"]["format"]
        '.0%'
    """
    chart = "failure_rate chart"
    check_frame(
        summary, [VERSION, "n", "failures", *_RATE_COLUMNS], chart=chart, draws="the frame ra.failure_summary returns"
    )
    colours = check_colours(colours, chart=chart)
    level = _level(summary)
    data = summary.select(
        VERSION, "n", "failures", *_RATE_COLUMNS[:3], pl.col("too_few").fill_null(True).alias("too_few")
    ).with_columns(label=pl.lit("too few to tell"))
    versions = data.get_column(VERSION).to_list()
    order = version_domain(versions, colours)
    colour = alt.Color(f"{VERSION}:N", title=human_title(VERSION), scale=version_scale(versions, colours), sort=order)
    x = alt.X(f"{VERSION}:N", title=human_title(VERSION), sort=order, axis=alt.Axis(labelAngle=0))
    y_title = f"Failure rate (share of finished jobs, {level} CI)"
    tooltip = [
        alt.Tooltip(f"{VERSION}:N", title=human_title(VERSION)),
        alt.Tooltip("n:Q", title="Finished jobs", format=","),
        alt.Tooltip("failures:Q", title="Failures", format=","),
        alt.Tooltip("failure_rate:Q", title="Failure rate", format=".1%"),
        alt.Tooltip("failure_rate_low:Q", title="CI low", format=".1%"),
        alt.Tooltip("failure_rate_high:Q", title="CI high", format=".1%"),
    ]
    text = titled("Failure rate by agent version", data)
    y = alt.Y("failure_rate_low:Q", title=y_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(zero=True))
    enough = data.filter(~pl.col("too_few"))
    few = data.filter(pl.col("too_few"))
    interval = (
        alt.Chart(enough, description=text)
        .mark_rule(strokeWidth=2)
        .encode(x=x, y=y, y2="failure_rate_high:Q", color=colour, tooltip=tooltip)
    )
    rate = (
        alt.Chart(enough, description=text)
        .mark_point(filled=True, size=80)
        .encode(x=x, y="failure_rate:Q", color=colour, tooltip=tooltip)
    )
    # A version with too few inputs has no interval: a hollow dot, labelled so it does not read as precise.
    hollow = (
        alt.Chart(few, description=text)
        .mark_point(filled=False, size=80, strokeWidth=2)
        .encode(x=x, y="failure_rate:Q", color=colour, tooltip=tooltip)
    )
    label = (
        alt.Chart(few, description=text)
        .mark_text(dy=-14, fontSize=11, color="#4D4D4D")
        .encode(x=x, y="failure_rate:Q", text="label:N")
    )
    subtitle = [f"Dot: failures / finished jobs; bar: its {level} confidence interval over inputs"]
    if few.height:
        subtitle.append("Hollow dot: too few inputs to tell, no interval")
    return alt.LayerChart(
        layer=[interval, rate, hollow, label],
        title=alt.Title(text, subtitle=subtitle),
        description=text,
        width=alt.Step(90),
    )


def failure_trend_chart(trend: pl.DataFrame, *, colours: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Failure rate per period and agent version: lines through the rates, rules for their intervals.

    Periods with too few inputs for an interval are hollow dots without a rule.

    Args:
        trend: the frame `roe_analysis.analysis.failure_trend` returns (by agent version).
        colours: version → colour (`version_colours` of the full frames).

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> trend = pl.DataFrame(
        ...     {
        ...         "period_start": [datetime(2026, 5, d, tzinfo=timezone.utc) for d in (1, 2)],
        ...         "agent_version_name": ["v1", "v1"], "n": [40, 3], "failures": [2, 1],
        ...         "failure_rate": [0.05, 0.333], "failure_rate_low": [0.014, None],
        ...         "failure_rate_high": [0.165, None], "too_few": [False, True],
        ...     }
        ... )
        >>> spec = failure_trend_chart(trend).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]]
        ['rule', 'line', 'point', 'point']
        >>> spec["layer"][1]["encoding"]["y"]["axis"]["format"]
        '.0%'
    """
    chart = "failure_trend chart"
    check_frame(
        trend,
        ["period_start", VERSION, "n", "failures", *_RATE_COLUMNS],
        chart=chart,
        draws="the frame ra.failure_trend returns",
    )
    colours = check_colours(colours, chart=chart)
    level = _level(trend)
    data = trend.select(
        "period_start",
        VERSION,
        "n",
        "failures",
        *_RATE_COLUMNS[:3],
        pl.col("too_few").fill_null(True).alias("too_few"),
    )
    versions = data.get_column(VERSION).to_list()
    order = version_domain(versions, colours)
    colour = alt.Color(f"{VERSION}:N", title=human_title(VERSION), scale=version_scale(versions, colours), sort=order)
    x = utc_date_x("period_start", "Jobs created (UTC period start)")
    y = alt.Y(
        "failure_rate:Q",
        title=f"Failure rate ({level} CI)",
        axis=alt.Axis(format=".0%"),
        scale=alt.Scale(zero=True),
    )
    tooltip = [
        alt.Tooltip("period_start:T", title="Period start (UTC)", format="%Y-%m-%d %H:%M"),
        alt.Tooltip(f"{VERSION}:N", title=human_title(VERSION)),
        alt.Tooltip("n:Q", title="Finished jobs", format=","),
        alt.Tooltip("failures:Q", title="Failures", format=","),
        alt.Tooltip("failure_rate:Q", title="Failure rate", format=".1%"),
        alt.Tooltip("failure_rate_low:Q", title="CI low", format=".1%"),
        alt.Tooltip("failure_rate_high:Q", title="CI high", format=".1%"),
    ]
    text = titled("Failure rate over time by agent version", data)
    enough = data.filter(~pl.col("too_few"))
    interval = (
        alt.Chart(enough, description=text)
        .mark_rule(strokeWidth=2, strokeOpacity=0.45)
        .encode(x=x, y="failure_rate_low:Q", y2="failure_rate_high:Q", color=colour, tooltip=tooltip)
    )
    # The line joins only periods with an interval: a 3-job period at 33% must not read as a spike.
    line = (
        alt.Chart(enough, description=text)
        .mark_line(strokeWidth=1.5)
        .encode(x=x, y=y, color=colour, detail=f"{VERSION}:N")
    )
    points = (
        alt.Chart(enough, description=text)
        .mark_point(filled=True, size=40)
        .encode(x=x, y="failure_rate:Q", color=colour, tooltip=tooltip)
    )
    hollow = (
        alt.Chart(data.filter(pl.col("too_few")), description=text)
        .mark_point(filled=False, size=40, strokeWidth=1.5)
        .encode(x=x, y="failure_rate:Q", color=colour, tooltip=tooltip)
    )
    subtitle = [
        f"Dot: failures / finished jobs created in the period; bar: its {level} confidence interval",
        "Hollow dot: too few inputs in the period to tell, no interval and not joined by the line",
    ]
    return alt.LayerChart(
        layer=[interval, line, points, hollow],
        title=alt.Title(text, subtitle=subtitle),
        description=text,
        width=560,
        height=260,
    )
