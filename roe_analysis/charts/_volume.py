"""`job_volume`: stacked bars of jobs per period, drawing `roe_analysis.analysis.job_volume`."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from roe_analysis.charts._common import (
    STATUS_COLOURS,
    VERSION,
    check_colours,
    check_frame,
    human_title,
    titled,
    utc_date_x,
    version_domain,
    version_scale,
)


def job_volume(
    volume: pl.DataFrame,
    *,
    color: str = VERSION,
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Stacked bars of jobs per period, one colour per value of ``color``.

    A frame without rows (a filter that matched nothing) draws an empty chart titled so.

    Args:
        volume: the frame `job_volume` returns (with ``period_start``, not spread into columns).
        color: the ``by`` column to stack and colour by: versions get the colours every other chart
            gives them, statuses their fixed status colours.
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames), so versions keep their
            colours across charts; by default the versions drawn, sorted.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> volume = pl.DataFrame(
        ...     {"period_start": [datetime(2026, 5, 1, tzinfo=timezone.utc)] * 2, "status": ["SUCCESS", "FAILURE"],
        ...      "n": [40, 3]}
        ... )
        >>> spec = job_volume(volume, color="status").to_dict()
        >>> spec["mark"]["type"], spec["encoding"]["color"]["scale"]["domain"]
        ('bar', ['SUCCESS', 'FAILURE'])
    """
    check_frame(volume, ["period_start", color, "n"], chart="job_volume chart", draws="the frame ra.job_volume returns")
    colours = check_colours(colours, chart="job_volume chart")
    data = volume.select("period_start", pl.col(color).cast(pl.String), "n")
    present = data.get_column(color).drop_nulls().unique().to_list()
    legend = human_title(color)
    if color == "status":
        order = [s for s in STATUS_COLOURS if s in present]
        scale = alt.Scale(domain=order, range=[STATUS_COLOURS[s] for s in order])
    elif color == VERSION:
        order = version_domain(present, colours)
        scale = version_scale(present, colours)
    else:
        order = sorted(present)
        scale = alt.Scale(domain=order)
    text = titled(title or f"Jobs created per period, by {legend.lower()}", data)
    # Stacked in the legend's order (not alphabetically), and each bar read aloud in words: the
    # default ARIA label would list the stacking field under its column name.
    rank = {value: i for i, value in enumerate(order)}
    starts = data.get_column("period_start").dt.convert_time_zone("UTC")
    midnight = bool((starts.dt.truncate("1d") == starts).all())
    when = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M UTC"
    data = data.with_columns(
        pl.col(color).replace_strict(rank, default=len(order), return_dtype=pl.Int64).alias("_stack"),
        pl.concat_str(
            pl.lit(f"{legend} "),
            pl.col(color).fill_null("(none)"),
            pl.lit(", created "),
            pl.col("period_start").dt.convert_time_zone("UTC").dt.strftime(when),
            pl.lit(": "),
            pl.col("n").map_elements(lambda n: f"{n:,}", return_dtype=pl.String),
            pl.when(pl.col("n") == 1).then(pl.lit(" job")).otherwise(pl.lit(" jobs")),
        ).alias("_aria"),
    )
    return (
        alt.Chart(data, title=text, description=text)
        .mark_bar()
        .encode(
            # A UTC time scale: the axis reads the same whatever the viewer's time zone.
            x=utc_date_x("period_start", "Created (UTC)"),
            y=alt.Y("n:Q", title="Jobs", stack="zero"),
            color=alt.Color(f"{color}:N", title=legend, scale=scale, sort=order),
            order=alt.Order("_stack:Q", sort="ascending"),
            description=alt.Description("_aria:N"),
            tooltip=[
                alt.Tooltip(
                    "period_start:T",
                    title="Period start (UTC)",
                    # formatType="utc" would call Vega's utc(), which builds a date and shows NaN.
                    timeUnit="utcyearmonthdatehoursminutes",
                    format="%Y-%m-%d %H:%M",
                ),
                alt.Tooltip(f"{color}:N", title=legend),
                alt.Tooltip("n:Q", title="Jobs", format=","),
            ],
        )
        .properties(width=560, height=220)
    )
