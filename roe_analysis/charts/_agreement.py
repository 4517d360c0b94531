"""Charts of reviewer agreement: confusion heatmap, reviewer bars, grader vs human, coefficient intervals.

Each builder is named after the helper of `roe_analysis.analysis` whose frame it draws
(`confusion_matrix`, `reviewer_stats`, `agreement_summary`) and returns an Altair chart; none
fetches data or displays anything. `grader_vs_human` draws the jobs frame itself, not a helper's
output, so it keeps its own name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from roe_analysis.analysis import CONFUSION_STATS, SCORE_COLUMNS, SUMMARY_STATS, both_scores
from roe_analysis.charts._common import (
    COEFFICIENT_COLOURS,
    NEUTRAL_COLOUR,
    check_colours,
    check_frame,
    human_title,
    titled,
    version_scale,
)
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError

#: Above this many jobs, `grader_vs_human` draws counts in a grid of bins instead of one mark per job.
MAX_POINTS = 5_000
#: Bins per axis of the binned `grader_vs_human`.
_BINS = 40
_SCATTER_DESCRIPTION = (
    "Scatter of grader score (horizontal) against human score (vertical) per job, with a dashed line "
    "where both scores are equal; large inputs are shown as a grid of cells coloured by job count."
)

_METRIC_TITLES = {
    "agreement_rate": "Agreement rate",
    "cohen_kappa": "Cohen's kappa",
    "gwet_ac1": "Gwet's AC1",
    "pabak": "PABAK",
}
_REVIEWER_METRICS = {
    "approval_rate": "Approval rate",
    "correction_rate": "Correction rate",
    "grader_agreement_rate": "Agreement with the grader",
    "peer_agreement_rate": "Agreement with other reviewers",
}


def _group_label(keys: Sequence[str]) -> pl.Expr:
    """One text label per group: the ``by`` values joined with " · " ("all jobs" without groups)."""
    if not keys:
        return pl.lit("all jobs")
    return pl.concat_str([pl.col(k).cast(pl.String).fill_null("(none)") for k in keys], separator=" · ")


def confusion_matrix(confusion: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart | alt.FacetChart:
    """Heatmap of agent verdict (rows) against the reviewers' final verdict (columns).

    Cells are coloured by their share of the agent's verdict row (the row-normalised confusion matrix:
    "when the agent says X, reviewers settle on Y this often") and labelled with the number of jobs
    and that share. Extra columns (the ``by`` columns of `confusion_matrix`) become one panel per group.

    Args:
        confusion: the frame `roe_analysis.analysis.confusion_matrix` returns.
        title: chart title; a descriptive default otherwise.

    Examples:
        >>> import polars as pl
        >>> confusion = pl.DataFrame(
        ...     {
        ...         "agent_verdict": ["A", "A", "B", "B"],
        ...         "final_verdict": ["A", "B", "A", "B"],
        ...         "count": [8, 2, 1, 9],
        ...         "share_of_agent_verdict": [0.8, 0.2, 0.1, 0.9],
        ...     }
        ... )
        >>> spec = confusion_matrix(confusion).to_dict()
        >>> spec["layer"][0]["mark"]["type"], spec["layer"][0]["encoding"]["color"]["title"]
        ('rect', "Share of the agent's verdict")
    """
    check_frame(
        confusion, CONFUSION_STATS, chart="confusion_matrix chart", draws="the frame ra.confusion_matrix returns"
    )
    keys = [c for c in confusion.columns if c not in CONFUSION_STATS]
    labels = list(dict.fromkeys([*confusion.get_column("agent_verdict"), *confusion.get_column("final_verdict")]))
    data = confusion.with_columns(
        group=_group_label(keys),
        # Count over share on two lines, so a cell stays narrow enough for its label.
        label=pl.format(
            "{}\n{}",
            pl.col("count"),
            pl.when(pl.col("share_of_agent_verdict").is_not_null())
            .then((pl.col("share_of_agent_verdict") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
            .otherwise(pl.lit("–")),
        ),
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "final_verdict:N",
            sort=labels,
            title="Reviewers' final verdict",
            axis=alt.Axis(labelAngle=-30, labelLimit=200, labelAlign="right"),
        ),
        y=alt.Y("agent_verdict:N", sort=labels, title="Agent verdict", axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share_of_agent_verdict:Q",
            title="Share of the agent's verdict",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("agent_verdict:N", title="Agent verdict"),
            alt.Tooltip("final_verdict:N", title="Final verdict"),
            alt.Tooltip("count:Q", title="Jobs"),
            alt.Tooltip("share_of_agent_verdict:Q", title="Share of the agent's verdict", format=".1%"),
        ],
    )
    text = base.mark_text(baseline="middle", lineBreak="\n", fontSize=12).encode(
        text="label:N",
        color=alt.condition(alt.datum.share_of_agent_verdict > 0.5, alt.value("white"), alt.value("black")),
    )
    heading = titled(
        title or "Agent verdict against reviewers' final verdict (jobs, share of the agent's verdict)", data
    )
    description = (
        "Heatmap with one cell per pair of agent verdict (rows) and reviewers' final verdict (columns); "
        "cell colour is the share of the agent's verdict, the label the number of jobs and that share."
    )
    # Cells sized for their two-line labels (a step per label, not a fixed width shared by all).
    layered = alt.LayerChart(layer=[cells, text], description=description).properties(
        width=alt.Step(88), height=alt.Step(44)
    )
    if keys:
        return layered.facet(
            facet=alt.Facet("group:N", title=" · ".join(human_title(k) for k in keys)),
            columns=3,
            title=heading,
            description=description,
        )
    return layered.properties(title=heading)


#: The reviewer rates `roe_analysis.analysis.reviewer_stats` gives an interval for (``*_low``/``*_high``).
_REVIEWER_INTERVALS = frozenset({"approval_rate", "grader_agreement_rate", "peer_agreement_rate"})


def reviewer_stats(stats: pl.DataFrame, *, metric: str = "approval_rate", title: str | None = None) -> alt.LayerChart:
    """One rate per reviewer as a dot, with its confidence interval as a bar where it has one.

    Reviewers are sorted by the rate; a review without a reviewer shows as "(no reviewer)". The
    approval rate's interval is Wilson's; the agreement rates' count the input as the unit (none
    below 10 inputs, and the subtitle names who has none). The correction rate has no interval.
    The tooltip gives the number of reviews behind each dot.

    Args:
        stats: the frame `roe_analysis.analysis.reviewer_stats` returns.
        metric: ``"approval_rate"``, ``"correction_rate"``, ``"grader_agreement_rate"`` or
            ``"peer_agreement_rate"``.
        title: chart title; a descriptive default otherwise.

    Examples:
        >>> import polars as pl
        >>> stats = pl.DataFrame(
        ...     {
        ...         "reviewed_by": ["ana", "bo"],
        ...         "n_reviews": [40, 12],
        ...         "approval_rate": [0.9, 0.5],
        ...         "approval_rate_low": [0.77, 0.25],
        ...         "approval_rate_high": [0.96, 0.75],
        ...     }
        ... )
        >>> spec = reviewer_stats(stats).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["layer"][1]["encoding"]["x"]["title"]
        (['rule', 'point'], 'Approval rate (share of reviews)')
    """
    if metric not in _REVIEWER_METRICS:
        raise InvalidArgumentError(
            f"reviewer_stats chart: metric must be one of {sorted(_REVIEWER_METRICS)}; got {metric!r}. "
            "Pass one of those columns of ra.reviewer_stats."
        )
    with_interval = metric in _REVIEWER_INTERVALS
    bounds: tuple[str, ...] = (f"{metric}_low", f"{metric}_high") if with_interval else ()
    needed = ["reviewed_by", "n_reviews", metric, *bounds]
    check_frame(stats, needed, chart="reviewer_stats chart", draws="the frame ra.reviewer_stats returns")
    data = stats.select(needed).with_columns(pl.col("reviewed_by").fill_null("(no reviewer)"))
    label = _REVIEWER_METRICS[metric]
    y = alt.Y("reviewed_by:N", sort=alt.EncodingSortField(metric, order="descending"), title="Reviewer")
    axis_title = f"{label} (share of {'their pairs of verdicts' if metric == 'peer_agreement_rate' else 'reviews'})"
    # Ticks every 20%: at every 10% they run into each other in a narrow chart ("90%100%").
    ticks = alt.Axis(format="%", values=[0, 0.2, 0.4, 0.6, 0.8, 1])
    x = alt.X(f"{metric}:Q", title=axis_title, scale=alt.Scale(domain=[0, 1]), axis=ticks)
    tooltip = [
        alt.Tooltip("reviewed_by:N", title="Reviewer"),
        alt.Tooltip(f"{metric}:Q", title=label, format=".1%"),
        *(alt.Tooltip(f"{b}:Q", title=t, format=".1%") for b, t in zip(bounds, ("Low", "High"), strict=False)),
        alt.Tooltip("n_reviews:Q", title="Reviews"),
    ]
    layers: list[alt.Chart] = []
    if with_interval:
        layers.append(
            alt.Chart(data)
            .mark_rule(color=NEUTRAL_COLOUR, strokeWidth=2)
            .encode(x=alt.X(f"{bounds[0]}:Q", title=axis_title), x2=f"{bounds[1]}:Q", y=y, tooltip=tooltip)
        )
    layers.append(
        alt.Chart(data)
        .mark_point(color=NEUTRAL_COLOUR, filled=True, size=70, opacity=1)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    kind = "Wilson" if metric == "approval_rate" else "inputs as the unit"
    subtitle = [f"Dot: the rate; bar: its confidence interval ({kind})"] if with_interval else []
    if with_interval:
        missing = data.filter(pl.col(metric).is_not_null() & pl.col(bounds[0]).is_null()).get_column("reviewed_by")
        if missing.len():
            subtitle.append(f"Too few inputs for an interval: {', '.join(missing.to_list())}")
    interval = " with its confidence interval" if with_interval else ""
    description = f"Dots: {label.lower()} of each reviewer, on a scale from 0 to 100% of their reviews{interval}."
    text = titled(title or f"{label} by reviewer", data)
    heading = alt.Title(text, subtitle=subtitle) if subtitle and data.height else text
    return alt.LayerChart(layer=layers, title=heading, description=description)


def grader_vs_human(
    jobs: pl.DataFrame,
    *,
    max_points: int = MAX_POINTS,
    title: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Grader score against human score, one point per job, with the identity line ``y = x``.

    It draws the jobs frame itself (not the output of one helper), so it keeps its own name.

    Jobs need both scores. Up to ``max_points`` jobs are drawn as points (coloured by agent version
    when the frame has ``agent_version_name``); above that the plane is cut into a 40 × 40 grid and
    each non-empty cell is drawn with its number of jobs, so the chart stays small and fast on a
    million jobs and is the same on every run. Points on the dashed identity line are jobs both
    scored alike; it only means something when both scores use the same scale.

    Args:
        jobs: a frame with ``grader_score`` and ``human_score``: ``frames.jobs``, or the frame
            `roe_analysis.analysis.review_outcomes` returns.
        max_points: most jobs drawn as individual points.
        title: chart title; a descriptive default otherwise.
        colours: version → colour (`version_colours` of the full frames); by default the versions
            drawn, sorted.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame({"grader_score": [0.2, 0.9, None], "human_score": [0.3, 0.8, 0.5]})
        >>> spec = grader_vs_human(jobs).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]]
        ['line', 'circle']
    """
    check_frame(
        jobs, SCORE_COLUMNS, chart="grader_vs_human", draws="frames.jobs, or the frame ra.review_outcomes returns"
    )
    if isinstance(max_points, bool) or not isinstance(max_points, int):
        raise ArgumentTypeError(f"grader_vs_human: max_points must be a whole number >= 1; got {max_points!r}")
    if max_points < 1:
        raise InvalidArgumentError(
            f"grader_vs_human: max_points must be a whole number >= 1; got {max_points!r}. "
            f"Pass e.g. max_points={MAX_POINTS} (the default)."
        )
    colours = check_colours(colours, chart="grader_vs_human")
    scored = both_scores(jobs)
    low, high = scored.select(
        pl.min_horizontal(pl.col("grader_score").min(), pl.col("human_score").min()).alias("low"),
        pl.max_horizontal(pl.col("grader_score").max(), pl.col("human_score").max()).alias("high"),
    ).row(0)
    ends = [] if low is None else [low, high]
    identity = (
        alt.Chart(
            pl.DataFrame({"grader_score": ends, "human_score": ends}, schema={c: pl.Float64 for c in SCORE_COLUMNS})
        )
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x="grader_score:Q", y="human_score:Q")
    )
    x = alt.X("grader_score:Q", title="Grader score (grader's scale)")
    y = alt.Y("human_score:Q", title="Human score (reviewer's scale)")
    if scored.height <= max_points:
        columns = [c for c in ("id", "job_id", "agent_version_name") if c in scored.columns]
        encoding: dict[str, object] = {
            "x": x,
            "y": y,
            "tooltip": [*columns, "grader_score:Q", "human_score:Q"],
        }
        if "agent_version_name" in scored.columns:
            versions = scored.get_column("agent_version_name").unique().to_list()
            encoding["color"] = alt.Color(
                "agent_version_name:N", title="Agent version", scale=version_scale(versions, colours)
            )
        points = (
            alt.Chart(scored.select(*columns, "grader_score", "human_score"))
            .mark_circle(opacity=0.6)
            .encode(**encoding)
        )
        jobs_text = "1 job" if scored.height == 1 else f"{scored.height:,} jobs"
        heading = titled(title or f"Grader score against human score ({jobs_text}; dashed: equal scores)", scored)
        return alt.LayerChart(layer=[identity, points], title=heading, description=_SCATTER_DESCRIPTION)
    binned = _bin_scores(scored)
    cells = (
        alt.Chart(binned)
        .mark_rect()
        .encode(
            x=alt.X("grader_low:Q", title="Grader score (grader's scale)"),
            x2="grader_high:Q",
            y=alt.Y("human_low:Q", title="Human score (reviewer's scale)"),
            y2="human_high:Q",
            color=alt.Color("jobs:Q", title="Jobs", scale=alt.Scale(scheme="blues", type="log")),
            tooltip=[
                "grader_low:Q",
                "grader_high:Q",
                "human_low:Q",
                "human_high:Q",
                alt.Tooltip("jobs:Q", title="Jobs"),
            ],
        )
    )
    heading = title or (
        f"Grader score against human score ({scored.height} jobs in a {_BINS} × {_BINS} grid; dashed: equal scores)"
    )
    return alt.LayerChart(layer=[cells, identity], title=heading, description=_SCATTER_DESCRIPTION)


def _bin_scores(scored: pl.DataFrame) -> pl.DataFrame:
    """Jobs per cell of a ``_BINS × _BINS`` grid spanning each score's range (empty cells dropped)."""
    g_min, g_max, h_min, h_max = scored.select(
        pl.col("grader_score").min().alias("g_min"),
        pl.col("grader_score").max().alias("g_max"),
        pl.col("human_score").min().alias("h_min"),
        pl.col("human_score").max().alias("h_max"),
    ).row(0)
    # a score that never varies gets unit-wide bins, all its jobs in the first
    g_width = (g_max - g_min) / _BINS or 1.0
    h_width = (h_max - h_min) / _BINS or 1.0

    def bin_of(column: str, low: float, width: float) -> pl.Expr:
        return ((pl.col(column) - low) / width).floor().clip(0, _BINS - 1).cast(pl.Int64)

    return (
        scored.group_by(
            bin_of("grader_score", g_min, g_width).alias("g"), bin_of("human_score", h_min, h_width).alias("h")
        )
        .agg(pl.len().alias("jobs"))
        .sort("g", "h")
        .select(
            grader_low=g_min + pl.col("g") * g_width,
            grader_high=g_min + (pl.col("g") + 1) * g_width,
            human_low=h_min + pl.col("h") * h_width,
            human_high=h_min + (pl.col("h") + 1) * h_width,
            jobs="jobs",
        )
    )


_COEFFICIENT_AXIS = "Coefficient (1 = perfect agreement, 0 = chance)"


def _coefficient_rows(summary: pl.DataFrame, metric: str, group: pl.Expr) -> pl.DataFrame:
    """One coefficient of every group: estimate, interval and (kappa, AC1) exact bounds, as drawn."""
    bound = f"{metric}_min" in summary.columns and f"{metric}_max" in summary.columns
    return summary.select(
        group.alias("group"),
        "n_pairs",
        pl.lit(_METRIC_TITLES[metric]).alias("coefficient"),
        pl.col(metric).cast(pl.Float64).alias("estimate"),
        pl.col(f"{metric}_low").cast(pl.Float64).alias("low"),
        pl.col(f"{metric}_high").cast(pl.Float64).alias("high"),
        (pl.col(f"{metric}_min") if bound else pl.lit(None)).cast(pl.Float64).alias("bound_low"),
        (pl.col(f"{metric}_max") if bound else pl.lit(None)).cast(pl.Float64).alias("bound_high"),
    )


def agreement_summary(
    summary: pl.DataFrame,
    *,
    metrics: Sequence[str] = ("agreement_rate", "cohen_kappa", "gwet_ac1", "pabak"),
    title: str | None = None,
) -> alt.LayerChart:
    """Agreement coefficients with their confidence intervals, one row per group.

    Points are the estimates, horizontal rules their intervals, one colour per coefficient and one
    row per group (the ``by`` columns of the summary). A coefficient that is undefined for a group
    (null, e.g. kappa when only one label occurs) is simply absent there.

    Args:
        summary: the frame `roe_analysis.analysis.agreement_summary` returns.
        metrics: which of ``agreement_rate``, ``cohen_kappa``, ``gwet_ac1``, ``pabak`` to draw.
        title: chart title; a descriptive default otherwise.

    Examples:
        >>> import polars as pl
        >>> summary = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1", "v2"],
        ...         "n_pairs": [50, 40],
        ...         **{f"{m}{s}": [0.7, 0.8] for m in ("agreement_rate", "cohen_kappa", "gwet_ac1", "pabak")
        ...            for s in ("", "_low", "_high")},
        ...     }
        ... )
        >>> spec = agreement_summary(summary).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["layer"][1]["encoding"]["x"]["title"]
        (['rule', 'point'], 'Coefficient (1 = perfect agreement, 0 = chance)')
    """
    if isinstance(metrics, str):
        raise ArgumentTypeError(
            f"agreement_summary chart: metrics must be a sequence of names, e.g. [{metrics!r}]; got {metrics!r}"
        )
    unknown = [m for m in metrics if m not in _METRIC_TITLES]
    if unknown or not metrics:
        raise InvalidArgumentError(
            f"agreement_summary chart: metrics must be some of {list(_METRIC_TITLES)}; got {list(metrics)}. "
            "Pass one or more of those."
        )
    needed = ["n_pairs", *(f"{m}{s}" for m in metrics for s in ("", "_low", "_high"))]
    check_frame(summary, needed, chart="agreement_summary chart", draws="the frame ra.agreement_summary returns")
    keys = [c for c in summary.columns if c not in SUMMARY_STATS]
    group = _group_label(keys)
    # A group with too few inputs has no interval to read: it is not drawn, and the subtitle says so.
    too_few = summary.filter(pl.col("too_few").fill_null(False)) if "too_few" in summary.columns else summary.clear()
    drawn = summary.filter(~pl.col("too_few").fill_null(False)) if "too_few" in summary.columns else summary
    data = pl.concat([_coefficient_rows(drawn, m, group) for m in metrics]).filter(
        pl.col("estimate").is_not_null() | pl.col("bound_low").is_not_null()
    )
    order = [_METRIC_TITLES[m] for m in metrics]
    y = alt.Y("group:N", title=" · ".join(human_title(k) for k in keys) or None)
    offset = alt.YOffset("coefficient:N", sort=order)
    color = alt.Color(
        "coefficient:N",
        title="Coefficient",
        sort=order,
        scale=alt.Scale(domain=order, range=[COEFFICIENT_COLOURS[c] for c in order]),
    )
    x = alt.X(
        "estimate:Q",
        title=_COEFFICIENT_AXIS,
        scale=alt.Scale(domain=[-1, 1]),
        # ticks every 0.5: "−1.0−0.8−0.6" at the default ten ticks run into each other
        axis=alt.Axis(values=[-1, -0.5, 0, 0.5, 1], format=".1f"),
    )
    estimates = data.filter(pl.col("estimate").is_not_null())
    rules = alt.Chart(estimates).mark_rule().encode(x="low:Q", x2="high:Q", y=y, yOffset=offset, color=color)
    points = (
        alt.Chart(estimates)
        .mark_point(filled=True)
        .encode(
            x=x,
            y=y,
            yOffset=offset,
            color=color,
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("coefficient:N", title="Coefficient"),
                alt.Tooltip("estimate:Q", format=".3f", title="Estimate"),
                alt.Tooltip("low:Q", format=".3f", title="Interval low"),
                alt.Tooltip("high:Q", format=".3f", title="Interval high"),
                alt.Tooltip("n_pairs:Q", title="Pairs"),
            ],
        )
    )
    # Kappa and AC1 known only between exact bounds (rejections without a correction, three or more
    # labels): a thick hollow bar from the lowest to the highest value any placement gives.
    bounded = data.filter(pl.col("estimate").is_null())
    bounds = (
        alt.Chart(bounded)
        .mark_bar(filled=False, strokeWidth=1.5, height=6)
        .encode(
            x=alt.X("bound_low:Q", scale=alt.Scale(domain=[-1, 1]), title=_COEFFICIENT_AXIS),
            x2="bound_high:Q",
            y=y,
            yOffset=offset,
            color=color,
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("coefficient:N", title="Coefficient"),
                alt.Tooltip("bound_low:Q", format=".3f", title="Lowest over placements"),
                alt.Tooltip("bound_high:Q", format=".3f", title="Highest over placements"),
                alt.Tooltip("n_pairs:Q", title="Pairs"),
            ],
        )
    )
    subtitle = []
    if bounded.height:
        subtitle.append("Hollow bar: known only between bounds (rejections without a correction)")
    if too_few.height:
        names = ", ".join(too_few.select(group.alias("g")).get_column("g").to_list())
        subtitle.append(f"Too few inputs to tell, not drawn: {names}")
    text = titled(title or "Agreement between the agent and reviewers: estimate and confidence interval", data)
    heading = alt.Title(text, subtitle=subtitle) if subtitle else text
    description = (
        "For each group, one point per agreement coefficient (agreement rate, Cohen's kappa, Gwet's AC1, "
        "PABAK) on a scale from -1 to 1, with a horizontal line spanning its confidence interval; "
        "a coefficient known only between bounds is a hollow bar between them."
    )
    layers = [rules, points, bounds] if bounded.height else [rules, points]
    return alt.LayerChart(layer=layers, title=heading, description=description)
