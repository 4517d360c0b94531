"""Charts of cost: what each version costs (`cost_summary`) and what it costs for its quality (`cost_quality`).

Each builder draws the frame of the helper it is named after and returns an Altair chart; none
computes a statistic. Versions keep their colour of every other chart (``colours=``, from
`version_colours`); ``labels=`` (`roe_analysis.analysis.version_labels`, or a mapping of version
name to label) shows each version with its model ("v2.0 · gpt-4.1") on axes and legends, while
the data stay keyed by the version's name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import altair as alt
import polars as pl

from roe_analysis.analysis import LABEL_SEPARATOR
from roe_analysis.charts._common import (
    NEUTRAL_COLOUR,
    VERSION,
    check_colours,
    check_frame,
    human_title,
    titled,
    version_domain,
    version_scale,
)
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: What `cost_summary` can draw: the column of each estimate and how its axis reads.
COST_STATS: dict[str, tuple[str, str]] = {
    "mean": ("mean_cost", "Mean cost per job"),
    "per_success": ("cost_per_success", "Cost per successful job"),
    "per_approval": ("cost_per_approval", "Cost per approved verdict"),
}
#: How a quality measure of `cost_quality` reads: its axis title, what a dot is, and its number format.
QUALITY_AXES: dict[str, tuple[str, str, str]] = {
    "grader_score": ("Mean grader score", "mean grader score", ".3~g"),
    "approval": ("Human approval rate", "share of completed reviews approved", ".0%"),
}
#: The format of a cost (USD) in a tooltip: three significant digits, no trailing zeros.
COST_FORMAT = "$.3~g"
#: The format of a cost axis: no precision given, so Vega takes the decimals from the tick step
#: and every label has the same number of them ("$0.10", "$0.12", not "$0.1", "$0.12").
COST_AXIS_FORMAT = "$,f"

#: Drawn costs spanning at least this factor (smallest to largest, all above 0) get a log axis:
#: on a linear one a version costing 1/100 of another sits on the zero line, its interval unseen.
LOG_SPAN = 20.0
#: The format of a log cost axis: its ticks are powers of ten ($0.0001 … $0.1).
COST_LOG_AXIS_FORMAT = "$~g"


def cost_axis_is_log(values: pl.Series) -> bool:
    """Whether costs ``values`` (estimates and bounds drawn) need a log axis: all above 0 and
    spanning at least `LOG_SPAN`.

    Examples:
        >>> cost_axis_is_log(pl.Series([0.0005, 0.0095, 0.086])), cost_axis_is_log(pl.Series([0.0, 0.08]))
        (True, False)
    """
    drawn = values.drop_nulls().drop_nans()
    if drawn.len() == 0 or drawn.min() <= 0:  # type: ignore[operator]
        return False
    return float(drawn.max()) / float(drawn.min()) >= LOG_SPAN  # type: ignore[arg-type]


def log_cost_axis(values: pl.Series, *, room: float = 1.0) -> tuple[alt.Scale, alt.Axis]:
    """A log scale over costs ``values`` (a little margin each side, ``room`` more above) and an
    axis ticked and gridded at 1, 2 and 5 times each power of ten inside it, not at every digit.

    Examples:
        >>> scale, axis = log_cost_axis(pl.Series([0.0005, 0.086]))
        >>> axis.values
        [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
    """
    drawn = values.drop_nulls().drop_nans()
    low, high = float(drawn.min()) / 1.3, float(drawn.max()) * 1.3 * room  # type: ignore[arg-type]
    ticks = [
        round(m * 10.0**e, 12)
        for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        for m in (1, 2, 5)
        if low <= m * 10.0**e <= high
    ]
    scale = alt.Scale(type="log", domain=[low, high], nice=False)
    return scale, alt.Axis(format=COST_LOG_AXIS_FORMAT, values=ticks, labelOverlap=True)


_QUALITY_COLUMNS = ["quality", "quality_low", "quality_high"]
_COST_COLUMNS = ["mean_cost", "mean_cost_low", "mean_cost_high"]


def _level(frame: pl.DataFrame) -> str:
    """ "95%" from the frame's ``confidence`` column (95% when it has none or no rows)."""
    if "confidence" in frame.columns and frame.get_column("confidence").drop_nulls().len():
        return f"{frame.get_column('confidence').drop_nulls().item(0) * 100:g}%"
    return "95%"


def label_mapping(labels: object, *, chart: str) -> dict[str, str]:
    """``labels`` as ``{version name: label}``: from a mapping, or a `version_labels` frame."""
    if labels is None:
        return {}
    if isinstance(labels, pl.DataFrame):
        check_frame(labels, ["version_name", "label"], chart=chart, draws="labels: the frame ra.version_labels returns")
        pairs = (
            labels.select("version_name", "label")
            .drop_nulls()
            .unique("version_name", keep="first", maintain_order=True)
        )
        return {str(v): str(text) for v, text in pairs.iter_rows()}
    if isinstance(labels, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        return dict(labels)
    raise ArgumentTypeError(
        f"{chart}: labels must be the frame ra.version_labels(frames) returns or a mapping of version name to "
        f"label; got {type(labels).__name__}"
    )


def _label_expr(mapping: Mapping[str, str], drawn: list[str]) -> str | None:
    """A Vega expression writing each drawn version's label in place of its name (None: names as they are)."""
    shown = {v: mapping[v] for v in drawn if v in mapping and mapping[v] != v}
    if not shown:
        return None
    # JSON strings are Vega string literals: a quote or a backslash in a version name stays text.
    return f"{json.dumps(shown, ensure_ascii=True)}[datum.label] || datum.label"


def _axis_label_expr(mapping: Mapping[str, str], drawn: list[str]) -> str | None:
    """`_label_expr` for an axis: each label on lines of its own at `LABEL_SEPARATOR` ("v2.0", "gpt-4.1").

    Side by side under a step of 90 px, "v1.0 · gpt-4o-mini" and its neighbours run into each other.
    """
    shown = {v: mapping[v].split(LABEL_SEPARATOR) for v in drawn if v in mapping and mapping[v] != v}
    if not shown:
        return None
    return f"{json.dumps(shown, ensure_ascii=True)}[datum.label] || datum.label"


def _with_labels(data: pl.DataFrame, mapping: Mapping[str, str]) -> pl.DataFrame:
    return data.with_columns(
        pl.col(VERSION).replace_strict(mapping, default=pl.col(VERSION), return_dtype=pl.String).alias("label")
    )


def cost_quality(
    frame: pl.DataFrame,
    *,
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
    labels: pl.DataFrame | Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Mean cost per job (x) against quality (y), one point per version, error bars on both axes.

    The versions on the Pareto front (no other version is as cheap and as good) are ringed and
    joined by a dashed line, cheapest first; a dashed ring is a member the intervals do not
    settle (``pareto_uncertain``). The front is read on point estimates, as the subtitle says. A
    version with too few inputs on an axis has no bar there, and is a hollow dot the helper did
    not place on the front (``pareto`` null).

    Args:
        frame: the frame `roe_analysis.analysis.cost_quality` returns (by agent version).
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.
        labels: `version_labels(frames)` or ``{name: label}``: the legend and tooltip show labels.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v2", "v3"], "quality_measure": ["grader_score"] * 3,
        ...         "mean_cost": [0.01, 0.03, 0.04], "mean_cost_low": [0.008, 0.026, 0.035],
        ...         "mean_cost_high": [0.012, 0.034, 0.045], "quality": [0.6, 0.8, 0.7],
        ...         "quality_low": [0.55, 0.76, 0.65], "quality_high": [0.65, 0.84, 0.75],
        ...         "pareto": [True, True, False], "pareto_uncertain": [False, False, False],
        ...         "too_few": [False] * 3,
        ...     }
        ... )
        >>> spec = cost_quality(frame).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]]
        ['line', 'rule', 'rule', 'point', 'point', 'point']
        >>> spec["layer"][3]["encoding"]["x"]["title"]
        'Mean cost per job (USD, 95% CI)'
    """
    chart = "cost_quality chart"
    check_frame(
        frame,
        [VERSION, *_COST_COLUMNS, *_QUALITY_COLUMNS, "pareto"],
        chart=chart,
        draws="the frame ra.cost_quality returns",
    )
    colours = check_colours(colours, chart=chart)
    mapping = label_mapping(labels, chart=chart)
    measures = (
        frame.get_column("quality_measure").drop_nulls().unique().to_list()
        if "quality_measure" in frame.columns
        else []
    )
    if len(measures) > 1:
        raise InvalidArgumentError(f"{chart} draws one quality measure at a time; the frame has {sorted(measures)}")
    quality_title, quality_words, quality_format = QUALITY_AXES.get(
        measures[0] if measures else "grader_score", QUALITY_AXES["grader_score"]
    )
    level = _level(frame)
    optional = {
        "pareto_uncertain": pl.lit(None, dtype=pl.Boolean),
        "too_few": pl.lit(False),
        "n_with_cost": pl.lit(None, dtype=pl.UInt32),
        "n_quality": pl.lit(None, dtype=pl.UInt32),
        "agent_id": pl.lit(None, dtype=pl.String),
    }
    data = _with_labels(
        frame.select(
            VERSION,
            *_COST_COLUMNS,
            *_QUALITY_COLUMNS,
            "pareto",
            *(pl.col(c) if c in frame.columns else default.alias(c) for c, default in optional.items()),
        )
        .filter(pl.col("mean_cost").is_not_null() & pl.col("quality").is_not_null())
        .with_columns(
            pl.col("too_few").fill_null(True),
            pl.col("pareto_uncertain").fill_null(True),
        ),
        mapping,
    )
    versions = data.get_column(VERSION).to_list()
    order = version_domain(versions, colours)
    expr = _label_expr(mapping, order)
    colour = alt.Color(
        f"{VERSION}:N",
        title=human_title(VERSION),
        scale=version_scale(versions, colours),
        sort=order,
        legend=alt.Legend(labelExpr=expr) if expr else alt.Legend(),
    )

    drawn = pl.concat([data.get_column(c) for c in _COST_COLUMNS])
    log = cost_axis_is_log(drawn)

    def x(field: str = "mean_cost") -> alt.X:
        if log:
            scale, axis = log_cost_axis(drawn)
            return alt.X(f"{field}:Q", title=f"Mean cost per job (USD, {level} CI; log scale)", scale=scale, axis=axis)
        return alt.X(
            f"{field}:Q",
            title=f"Mean cost per job (USD, {level} CI)",
            scale=alt.Scale(zero=False, nice=True),
            axis=alt.Axis(format=COST_AXIS_FORMAT, tickCount=6, labelOverlap=True),
        )

    def y(field: str = "quality") -> alt.Y:
        return alt.Y(
            f"{field}:Q",
            title=f"{quality_title} ({level} CI)",
            scale=alt.Scale(zero=False, nice=True),
            axis=alt.Axis(format=quality_format, tickCount=6),
        )

    tooltip = [
        alt.Tooltip("label:N", title="Version"),
        alt.Tooltip("mean_cost:Q", title="Mean cost per job (USD)", format=COST_FORMAT),
        alt.Tooltip("mean_cost_low:Q", title="Cost CI low", format=COST_FORMAT),
        alt.Tooltip("mean_cost_high:Q", title="Cost CI high", format=COST_FORMAT),
        alt.Tooltip("quality:Q", title=quality_title, format=quality_format),
        alt.Tooltip("quality_low:Q", title="Quality CI low", format=quality_format),
        alt.Tooltip("quality_high:Q", title="Quality CI high", format=quality_format),
        alt.Tooltip("n_with_cost:Q", title="Jobs with a cost", format=","),
        alt.Tooltip("n_quality:Q", title="Jobs with a quality", format=","),
        alt.Tooltip("pareto:N", title="On the Pareto front"),
        alt.Tooltip("pareto_uncertain:N", title="Membership uncertain"),
    ]
    text = titled(title or f"Cost against {quality_title.lower()} by agent version", data)
    front = data.filter(pl.col("pareto").fill_null(False)).sort("mean_cost", "quality")
    line = (
        alt.Chart(front, description=text)
        .mark_line(color=NEUTRAL_COLOUR, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(x=x(), y=y(), order=alt.Order("mean_cost:Q"), detail="agent_id:N")
    )
    cost_bars = (
        alt.Chart(data.drop_nulls(["mean_cost_low", "mean_cost_high"]), description=text)
        .mark_rule(strokeWidth=2)
        .encode(x=x("mean_cost_low"), x2="mean_cost_high:Q", y=y(), color=colour)
    )
    quality_bars = (
        alt.Chart(data.drop_nulls(["quality_low", "quality_high"]), description=text)
        .mark_rule(strokeWidth=2)
        .encode(x=x(), y=y("quality_low"), y2="quality_high:Q", color=colour)
    )
    # The front's ring: solid where the intervals settle membership, dashed where they do not.
    ring = (
        alt.Chart(front, description=text)
        .mark_point(shape="circle", size=360, filled=False, color=NEUTRAL_COLOUR, strokeWidth=1.5)
        .encode(
            x=x(),
            y=y(),
            strokeDash=alt.StrokeDash(
                "pareto_uncertain:N", scale=alt.Scale(domain=[False, True], range=[[1, 0], [3, 2]]), legend=None
            ),
            tooltip=tooltip,
        )
    )
    dots = (
        alt.Chart(data.filter(~pl.col("too_few")), description=text)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(x=x(), y=y(), color=colour, tooltip=tooltip)
    )
    hollow = (
        alt.Chart(data.filter(pl.col("too_few")), description=text)
        .mark_point(filled=False, size=90, strokeWidth=2, opacity=1)
        .encode(x=x(), y=y(), color=colour, tooltip=tooltip)
    )
    subtitle = [
        f"Dot: mean cost per job and {quality_words}; bars: {level} intervals over inputs",
        "Ringed and joined: the Pareto front (no other version as cheap and as good), on point estimates",
    ]
    unsure = front.filter(pl.col("pareto_uncertain")).get_column("label").to_list()
    if unsure:
        subtitle.append(f"Dashed ring: on the front, but the intervals do not settle it ({', '.join(unsure)})")
    off = data.filter((pl.col("pareto") == False) & pl.col("pareto_uncertain")).get_column("label").to_list()  # noqa: E712
    if off:
        subtitle.append(f"Off the front, but the intervals do not settle it: {', '.join(off)}")
    few = data.filter(pl.col("too_few")).get_column("label").to_list()
    if few:
        subtitle.append(f"Hollow dot: too few inputs to tell, not placed on the front ({', '.join(few)})")
    return alt.LayerChart(
        layer=[line, cost_bars, quality_bars, ring, dots, hollow],
        title=alt.Title(text, subtitle=subtitle if data.height else []),
        description=text,
        width=420,
        height=300,
    )


def cost_summary(
    summary: pl.DataFrame,
    *,
    stat: str = "mean",
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
    labels: pl.DataFrame | Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """A cost per version (dot) with its interval over inputs (bar), in USD.

    ``stat`` picks the cost: ``"mean"`` (per job, with the median as a tick), ``"per_success"``
    (total cost ÷ SUCCESS jobs) or ``"per_approval"`` (total cost ÷ approved verdicts). A version
    with too few inputs is a hollow dot without a bar, labelled "too few to tell"; one without the
    estimate (no success, no approval) is not drawn, and the subtitle says so.

    Args:
        summary: the frame `roe_analysis.analysis.cost_summary` returns (by agent version).
        stat: ``"mean"``, ``"per_success"`` or ``"per_approval"``.
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.
        labels: `version_labels(frames)` or ``{name: label}``: the x axis shows labels.

    Examples:
        >>> import polars as pl
        >>> summary = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v2"], "n_with_cost": [40, 6],
        ...         "mean_cost": [0.012, 0.031], "mean_cost_low": [0.010, None], "mean_cost_high": [0.014, None],
        ...         "p50_cost": [0.011, 0.03], "too_few": [False, True],
        ...     }
        ... )
        >>> spec = cost_summary(summary).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["title"]["text"]
        (['rule', 'point', 'point', 'text', 'tick'], 'Mean cost per job by agent version')
    """
    chart = "cost_summary chart"
    if stat not in COST_STATS:
        raise InvalidArgumentError(f"{chart}: stat must be one of {list(COST_STATS)}; got {stat!r}")
    column, name = COST_STATS[stat]
    median = ["p50_cost"] if stat == "mean" else []
    check_frame(
        summary,
        [VERSION, "n_with_cost", column, f"{column}_low", f"{column}_high", *median],
        chart=chart,
        draws="the frame ra.cost_summary returns",
    )
    colours = check_colours(colours, chart=chart)
    mapping = label_mapping(labels, chart=chart)
    level = _level(summary)
    few = pl.col("too_few").fill_null(True) if "too_few" in summary.columns else pl.lit(False)
    everything = summary.select(
        VERSION,
        "n_with_cost",
        pl.col(column).alias("estimate"),
        pl.col(f"{column}_low").alias("low"),
        pl.col(f"{column}_high").alias("high"),
        *(pl.col("p50_cost").alias("median") for _ in median),
        (few | pl.col(f"{column}_low").is_null()).alias("too_few"),
        pl.lit("too few to tell").alias("tag"),
    )
    data = _with_labels(everything.filter(pl.col("estimate").is_not_null()), mapping)
    absent = everything.filter(pl.col("estimate").is_null()).get_column(VERSION).to_list()
    versions = data.get_column(VERSION).to_list()
    order = version_domain(versions, colours)
    expr, lines = _label_expr(mapping, order), _axis_label_expr(mapping, order)
    colour = alt.Color(
        f"{VERSION}:N",
        title=human_title(VERSION),
        scale=version_scale(versions, colours),
        sort=order,
        legend=alt.Legend(labelExpr=expr) if expr else alt.Legend(),
    )
    x = alt.X(
        f"{VERSION}:N",
        title=human_title(VERSION),
        sort=order,
        axis=alt.Axis(labelAngle=0, labelExpr=lines) if lines else alt.Axis(labelAngle=0),
    )
    drawn = pl.concat([data.get_column(c) for c in ("estimate", "low", "high")])
    log = cost_axis_is_log(drawn)
    # Room above the highest dot for a "too few to tell" label, so it stays inside the plot.
    top = data.select(pl.max_horizontal(pl.col("estimate").max(), pl.col("high").max())).item()
    few_shown = bool(top) and bool(data.get_column("too_few").any())
    headroom = {"domainMax": top * 1.12} if few_shown else {}
    if log:
        scale, axis = log_cost_axis(drawn, room=1.5 if few_shown else 1.0)
        y = alt.Y("low:Q", title=f"{name} (USD, {level} CI; log scale)", scale=scale, axis=axis)
    else:
        y = alt.Y(
            "low:Q",
            title=f"{name} (USD, {level} CI)",
            scale=alt.Scale(zero=True, nice=True, **headroom),
            axis=alt.Axis(format=COST_AXIS_FORMAT),
        )
    tooltip = [
        alt.Tooltip("label:N", title="Version"),
        alt.Tooltip("n_with_cost:Q", title="Jobs with a cost", format=","),
        alt.Tooltip("estimate:Q", title=f"{name} (USD)", format=COST_FORMAT),
        alt.Tooltip("low:Q", title="CI low", format=COST_FORMAT),
        alt.Tooltip("high:Q", title="CI high", format=COST_FORMAT),
        *([alt.Tooltip("median:Q", title="Median cost per job", format=COST_FORMAT)] if median else []),
    ]
    text = titled(title or f"{name} by agent version", data)
    enough, thin = data.filter(~pl.col("too_few")), data.filter(pl.col("too_few"))
    layers: list[alt.Chart] = [
        alt.Chart(enough, description=text).mark_rule(strokeWidth=2).encode(x=x, y=y, y2="high:Q", color=colour),
        alt.Chart(enough, description=text)
        .mark_point(filled=True, size=80, opacity=1)
        .encode(x=x, y="estimate:Q", color=colour, tooltip=tooltip),
        # Too few inputs for an interval: a hollow dot, labelled so it does not read as precise.
        alt.Chart(thin, description=text)
        .mark_point(filled=False, size=80, strokeWidth=2, opacity=1)
        .encode(x=x, y="estimate:Q", color=colour, tooltip=tooltip),
        alt.Chart(thin, description=text)
        .mark_text(dy=-14, fontSize=11, color=NEUTRAL_COLOUR)
        .encode(x=x, y="estimate:Q", text="tag:N"),
    ]
    subtitle = [f"Dot: {name.lower()}; bar: its {level} confidence interval over inputs"]
    if median:
        layers.append(
            alt.Chart(data, description=text)
            .mark_tick(thickness=2, size=18, opacity=0.6)
            .encode(x=x, y="median:Q", color=colour, tooltip=tooltip)
        )
        subtitle[0] += "; tick: median"
    if thin.height:
        subtitle.append(f"Hollow dot: too few inputs to tell, no interval ({', '.join(thin.get_column('label'))})")
    if absent:
        reason = {"mean": "no job with a cost", "per_success": "no SUCCESS job", "per_approval": "no approved verdict"}
        subtitle.append(f"Not drawn, {reason[stat]}: {', '.join(str(v) for v in absent)}")
    return alt.LayerChart(
        layer=layers,
        title=alt.Title(text, subtitle=subtitle if data.height else []),
        description=text,
        width=alt.Step(90),
    )
