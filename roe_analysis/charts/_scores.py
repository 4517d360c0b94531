"""Charts of grader scores: per-version means with intervals, and version-to-version differences.

Each builder is named after the helper of `roe_analysis.analysis` whose frame it draws and returns
an Altair chart; none fetches data or displays anything.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from roe_analysis.charts._common import (
    VERSION,
    check_colours,
    check_frame,
    duration_unit,
    human_title,
    titled,
    version_colours,
    version_domain,
    version_scale,
)
from roe_analysis.errors import InvalidArgumentError


def score_summary(
    summary: pl.DataFrame,
    *,
    metric_label: str = "Grader score",
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Mean score per agent version with its cluster-bootstrap interval over inputs (error bar) and median (tick).

    Scores have no fixed scale, so the y axis is the score's own, not 0–1.

    Args:
        summary: the frame `roe_analysis.analysis.score_summary` returns (by agent version).
        metric_label: what the score is, for titles (e.g. ``"Human score"``).
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.

    Examples:
        >>> import polars as pl
        >>> summary = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v2"],
        ...         "n_scored": [40, 38],
        ...         "mean": [0.61, 0.72],
        ...         "mean_low": [0.55, 0.66],
        ...         "mean_high": [0.67, 0.78],
        ...         "median": [0.6, 0.75],
        ...     }
        ... )
        >>> spec = score_summary(summary).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["title"]["text"]
        (['rule', 'point', 'tick'], 'Grader score by agent version')
    """
    check_frame(
        summary,
        [VERSION, "n_scored", "mean", "mean_low", "mean_high", "median"],
        chart="score_summary chart",
        draws="the frame ra.score_summary returns",
    )
    colours = check_colours(colours, chart="score_summary chart")
    few = pl.col("too_few").fill_null(False) if "too_few" in summary.columns else pl.lit(False)
    data = summary.select(VERSION, "n_scored", "mean", "mean_low", "mean_high", "median", few.alias("too_few"))
    versions = data.get_column(VERSION).to_list()
    order = version_domain(versions, colours)
    colour = alt.Color(f"{VERSION}:N", title="Agent version", scale=version_scale(versions, colours), sort=order)
    x = alt.X(f"{VERSION}:N", title="Agent version", sort=order, axis=alt.Axis(labelAngle=0))
    tooltip = [
        alt.Tooltip(f"{VERSION}:N", title="Agent version"),
        alt.Tooltip("n_scored:Q", title="Scored jobs", format=","),
        alt.Tooltip("mean:Q", title="Mean", format=".3g"),
        alt.Tooltip("mean_low:Q", title="CI low", format=".3g"),
        alt.Tooltip("mean_high:Q", title="CI high", format=".3g"),
        alt.Tooltip("median:Q", title="Median", format=".3g"),
    ]
    text = titled(title or f"{metric_label} by agent version", data)
    base = alt.Chart(data, description=text)
    interval = base.mark_rule(strokeWidth=2).encode(
        x=x, y=alt.Y("mean_low:Q", title=f"{metric_label} (mean, 95% CI)"), y2="mean_high:Q", color=colour
    )
    # A version with too few inputs has no interval: its mean is a hollow dot, and the subtitle says why.
    mean = (
        alt.Chart(data.filter(~pl.col("too_few")), description=text)
        .mark_point(filled=True, size=80)
        .encode(x=x, y="mean:Q", color=colour, tooltip=tooltip)
    )
    layers = [interval, mean]
    subtitle = ["Dot: mean, bar: its 95% confidence interval, tick: median"]
    too_few = data.filter(pl.col("too_few"))
    if too_few.height:
        layers.append(
            alt.Chart(too_few, description=text)
            .mark_point(filled=False, size=80, strokeWidth=2)
            .encode(x=x, y="mean:Q", color=colour, tooltip=tooltip)
        )
        names = ", ".join(str(v) for v in too_few.get_column(VERSION).to_list())
        subtitle.append(f"Hollow dot: too few inputs to tell, no interval ({names})")
    median = base.mark_tick(thickness=2, size=18, opacity=0.6).encode(x=x, y="median:Q", color=colour, tooltip=tooltip)
    return alt.LayerChart(
        layer=[*layers, median],
        title=alt.Title(text, subtitle=subtitle),
        description=text,
        # A step wide enough for a version name such as "v2.1-canary" written level.
        width=alt.Step(72),
    )


def compare_versions(
    comparison: pl.DataFrame, *, title: str | None = None, colours: Mapping[str, str] | None = None
) -> alt.LayerChart:
    """Difference ``b - a`` of each comparison with its interval, against a rule at zero.

    A bar that does not cross the zero rule is a difference the interval supports; the verdict
    (with its p-value, Holm-adjusted when the frame has ``p_value_adjusted``) is in the tooltip.
    Points are coloured by version ``b``, in the colour it has in every chart when ``colours``
    (`version_colours` of the full frames) is given; the legend lists only the versions drawn.

    Args:
        comparison: the frame of `roe_analysis.analysis.compare_versions` or `compare_all_versions`
            (one metric).
        title: chart title; a descriptive default otherwise.
        colours: version → colour; by default the versions of ``a`` and ``b``, sorted.

    Examples:
        >>> import polars as pl
        >>> comparison = pl.DataFrame(
        ...     {
        ...         "a": ["v1"], "b": ["v2"], "metric": ["grader_score"], "statistic": ["mean"],
        ...         "difference": [0.11], "diff_low": [0.02], "diff_high": [0.2],
        ...         "p_value": [0.01], "verdict": ["v2 is higher than v1"],
        ...     }
        ... )
        >>> spec = compare_versions(comparison).to_dict()
        >>> spec["layer"][0]["mark"]["type"], spec["layer"][0]["encoding"]["x"]["datum"]
        ('rule', 0)
        >>> spec["layer"][2]["encoding"]["x"]["title"]
        'Difference in mean grader score (b − a)'
    """
    check_frame(
        comparison,
        ["a", "b", "metric", "statistic", "difference", "diff_low", "diff_high", "p_value", "verdict"],
        chart="compare_versions chart",
        draws="the frame ra.compare_versions or ra.compare_all_versions returns",
    )
    colours = check_colours(colours, chart="compare_versions chart")
    metrics = comparison.get_column("metric").unique().to_list()
    if len(metrics) > 1:
        raise InvalidArgumentError(
            f"compare_versions chart draws one metric at a time; the frame has {sorted(metrics)}: "
            f"filter it first, e.g. comparison.filter(pl.col('metric') == {sorted(metrics)[0]!r})"
        )
    metric = metrics[0] if metrics else "metric"
    statistic = str(comparison.get_column("statistic").drop_nulls().first() or "mean")
    size = 1.0
    number_format: str | None = None
    if metric == "pass_rate":
        axis = "Difference in pass rate (b − a)"
    elif metric == "cost":
        axis = f"Difference in {statistic} cost per job, USD (b − a)"
        number_format = "$,f"  # no precision: Vega takes the decimals from the tick step
    elif metric in ("input_tokens", "output_tokens"):
        axis = f"Difference in {statistic} {human_title(metric).lower()} per job (b − a)"
    elif metric == "duration_ms":
        unit, size = duration_unit(
            comparison.select(pl.max_horizontal(pl.col("difference", "diff_low", "diff_high").abs().max())).item()
        )
        axis = f"Difference in {statistic} duration, {unit} (b − a)"
    else:
        axis = f"Difference in {statistic} {human_title(metric).lower()} (b − a)"
    p_column = "p_value_adjusted" if "p_value_adjusted" in comparison.columns else "p_value"
    # A comparison with too few inputs has no interval to support a difference: it is not drawn.
    n_too_few = int(comparison.get_column("too_few").sum()) if "too_few" in comparison.columns else 0
    if n_too_few:
        comparison = comparison.filter(~pl.col("too_few").fill_null(False))
    data = comparison.select(
        pl.format("{} − {}", "b", "a").alias("comparison"),
        "a",
        "b",
        *(pl.col(c) / size for c in ("difference", "diff_low", "diff_high")),
        pl.col(p_column).alias("p"),
        "verdict",
    )
    # The colours are those of all versions compared (a and b), the legend only the b drawn.
    if colours is None:
        colours = version_colours(sorted({str(v) for v in [*comparison["a"], *comparison["b"]] if v is not None}))
    drawn = comparison.get_column("b").to_list()
    b_colour = alt.Color(
        "b:N", title="Version b", scale=version_scale(drawn, colours), sort=version_domain(drawn, colours)
    )
    y = alt.Y("comparison:N", title="Comparison", sort=data.get_column("comparison").to_list())
    text = titled(title or "Difference between agent versions", data)
    base = alt.Chart(data, description=text)
    zero = base.mark_rule(strokeDash=[4, 4], color="#666666").encode(x=alt.datum(0))
    x_axis = (
        alt.Axis(tickCount=6, labelOverlap=True, format=number_format)
        if number_format
        else alt.Axis(tickCount=6, labelOverlap=True)
    )
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("diff_low:Q", title=axis, axis=x_axis),
        x2="diff_high:Q",
        y=y,
        color=b_colour,
    )
    point = base.mark_point(filled=True, size=80).encode(
        x=alt.X("difference:Q", title=axis, axis=x_axis),
        y=y,
        color=b_colour,
        tooltip=[
            alt.Tooltip("comparison:N", title="Comparison"),
            alt.Tooltip("difference:Q", title="Difference", format=".3g"),
            alt.Tooltip("diff_low:Q", title="CI low", format=".3g"),
            alt.Tooltip("diff_high:Q", title="CI high", format=".3g"),
            alt.Tooltip("p:Q", title="Holm-adjusted p" if p_column == "p_value_adjusted" else "p-value", format=".2g"),
            alt.Tooltip("verdict:N", title="Verdict"),
        ],
    )
    return alt.LayerChart(
        layer=[zero, interval, point],
        title=alt.Title(text, subtitle=_comparison_subtitle(n_too_few)),
        description=text,
        width=360,
    )


def _comparison_subtitle(n_too_few: int) -> list[str]:
    """What the marks mean, and how many comparisons were too small to draw (on a line of its own)."""
    lines = ["Dot: difference b − a; bar: its confidence interval; dashed line: no difference"]
    if n_too_few:
        lines.append(f"{n_too_few} comparison{'s' if n_too_few > 1 else ''} with too few inputs to tell: not drawn")
    return lines
