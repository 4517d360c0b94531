"""Score charts, checked through their Vega-Lite spec (encodings, data, titles)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from roe_analysis import charts as rc
from roe_analysis.analysis import MissingColumnsError, compare_all_versions, compare_versions, score_summary
from roe_analysis.charts._common import PALETTE


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return rows


def jobs() -> pl.DataFrame:
    scores = {"v2": [7.0, 8.0, 9.0] * 4, "v1": [4.0, 5.0, 6.0] * 4, "v3": [4.0, 6.0, 8.0] * 4}
    return pl.DataFrame(
        {
            "job_id": [f"{v}-{i}" for v, s in scores.items() for i in range(len(s))],
            "agent_version_name": [v for v, s in scores.items() for _ in s],
            "created_at": [datetime(2026, 5, day, tzinfo=UTC) for day, s in enumerate(scores.values(), 1) for _ in s],
            "grader_score": [x for s in scores.values() for x in s],
        }
    )


def test_score_distribution_from_score_summary() -> None:
    summary = score_summary(jobs())

    spec = rc.score_summary(summary, metric_label="Grader score (1–10)").to_dict()

    assert spec["title"]["text"] == "Grader score (1–10) by agent version"
    interval, mean, median = spec["layer"]
    assert (interval["mark"]["type"], interval["encoding"]["y"]["field"], interval["encoding"]["y2"]["field"]) == (
        "rule",
        "mean_low",
        "mean_high",
    )
    assert interval["encoding"]["y"]["title"] == "Grader score (1–10) (mean, 95% CI)"
    assert (mean["mark"]["type"], mean["encoding"]["y"]["field"]) == ("point", "mean")
    assert (median["mark"]["type"], median["encoding"]["y"]["field"]) == ("tick", "median")
    assert mean["encoding"]["x"]["sort"] == ["v1", "v2", "v3"]
    assert mean["encoding"]["color"]["scale"] == {"domain": ["v1", "v2", "v3"], "range": list(PALETTE[:3])}
    rows = {row["agent_version_name"]: row for row in values(spec)}
    assert (rows["v1"]["mean"], rows["v2"]["median"], rows["v3"]["n_scored"]) == (5.0, 8.0, 12)
    assert rows["v2"]["mean_low"] <= rows["v2"]["mean"] <= rows["v2"]["mean_high"]


def test_score_distribution_draws_a_too_few_version_hollow_and_names_it() -> None:
    # v3 keeps 4 of its 12 jobs (4 inputs): too few to tell, no interval.
    first_four = pl.int_range(pl.len()).over("agent_version_name") < 4
    few = jobs().filter((pl.col("agent_version_name") != "v3") | first_four)
    summary = score_summary(few)
    assert summary.select("agent_version_name", "too_few").rows() == [("v1", False), ("v2", False), ("v3", True)]

    spec = rc.score_summary(summary).to_dict()

    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "point", "point", "tick"]
    _, filled, hollow, _ = spec["layer"]
    assert (filled["mark"]["filled"], hollow["mark"]["filled"]) == (True, False)
    datasets = spec["datasets"]
    assert [r["agent_version_name"] for r in datasets[filled["data"]["name"]]] == ["v1", "v2"]
    assert [(r["agent_version_name"], r["mean"]) for r in datasets[hollow["data"]["name"]]] == [("v3", 5.5)]
    assert spec["title"]["subtitle"] == [
        "Dot: mean, bar: its 95% confidence interval, tick: median",
        "Hollow dot: too few inputs to tell, no interval (v3)",
    ]


def test_score_distribution_validates() -> None:
    with pytest.raises(MissingColumnsError, match="score_summary chart: missing column"):
        rc.score_summary(pl.DataFrame({"agent_version_name": ["v1"], "mean": [1.0]}))


def test_version_comparison_of_one_pair() -> None:
    comparison = compare_versions(jobs(), "v1", "v2")

    spec = rc.compare_versions(comparison).to_dict()

    zero, interval, point = spec["layer"]
    assert zero["mark"]["type"] == "rule" and zero["encoding"]["x"] == {"datum": 0}
    assert (interval["encoding"]["x"]["field"], interval["encoding"]["x2"]["field"]) == ("diff_low", "diff_high")
    assert point["encoding"]["x"] == {
        "axis": {"labelOverlap": True, "tickCount": 6},
        "field": "difference",
        "title": "Difference in mean grader score (b − a)",
        "type": "quantitative",
    }
    assert [t["title"] for t in point["encoding"]["tooltip"]][-2:] == ["p-value", "Verdict"]
    (row,) = values(spec)
    assert (row["comparison"], row["difference"]) == ("v2 − v1", 3.0)
    assert row["verdict"].startswith("v2 is higher than v1")


def test_version_comparison_of_all_pairs_uses_adjusted_p() -> None:
    comparison = compare_all_versions(jobs())

    spec = rc.compare_versions(comparison).to_dict()

    rows = values(spec)
    assert [r["comparison"] for r in rows] == ["v1 − v2", "v3 − v2", "v3 − v1"]
    assert [r["p"] for r in rows] == comparison["p_value_adjusted"].to_list()
    point = spec["layer"][2]
    assert point["encoding"]["y"]["sort"] == ["v1 − v2", "v3 − v2", "v3 − v1"]
    # The legend lists only the versions drawn as b (v2 is only ever a); each keeps its colour
    # among all versions compared (v3 is the third).
    assert point["encoding"]["color"]["scale"] == {"domain": ["v1", "v3"], "range": [PALETTE[0], PALETTE[2]]}
    assert "Holm-adjusted p" in [t["title"] for t in point["encoding"]["tooltip"]]


def test_comparisons_with_too_few_inputs_are_not_drawn_and_the_subtitle_counts_them() -> None:
    frame = jobs()
    few = frame.filter(pl.col("agent_version_name") == "v1").head(3).with_columns(agent_version_name=pl.lit("v9"))
    comparison = compare_all_versions(pl.concat([frame, few]))
    assert comparison.filter(pl.col("too_few")).height == 3

    spec = rc.compare_versions(comparison).to_dict()

    assert all("v9" not in r["comparison"] for r in values(spec))
    assert len(values(spec)) == comparison.height - 3
    assert spec["title"]["subtitle"] == [
        "Dot: difference b − a; bar: its confidence interval; dashed line: no difference",
        "3 comparisons with too few inputs to tell: not drawn",
    ]


def test_version_comparison_axis_for_durations_and_pass_rate() -> None:
    base = {"a": ["v1"], "b": ["v2"], "difference": [1.0], "diff_low": [0.0], "diff_high": [2.0], "p_value": [0.5]}
    durations = pl.DataFrame({**base, "metric": ["duration_ms"], "statistic": ["median"], "verdict": ["x"]})
    pass_rate = pl.DataFrame({**base, "metric": ["pass_rate"], "statistic": ["mean"], "verdict": ["x"]})

    duration_axis = rc.compare_versions(durations).to_dict()["layer"][2]["encoding"]["x"]["title"]
    pass_axis = rc.compare_versions(pass_rate).to_dict()["layer"][2]["encoding"]["x"]["title"]

    assert duration_axis == "Difference in median duration, ms (b − a)"
    assert pass_axis == "Difference in pass rate (b − a)"
    with pytest.raises(ValueError, match="one metric at a time"):
        rc.compare_versions(pl.concat([durations, pass_rate]))


def test_version_comparison_of_durations_reads_in_seconds() -> None:
    # Differences up to 45,000 ms: over 2 s, under 2 min, so seconds (the unit the tables use).
    comparison = pl.DataFrame(
        {
            "a": ["v1"],
            "b": ["v2"],
            "metric": ["duration_ms"],
            "statistic": ["median"],
            "difference": [-30_000.0],
            "diff_low": [-45_000.0],
            "diff_high": [-15_000.0],
            "p_value": [0.01],
            "verdict": ["v2 is lower than v1"],
        }
    )

    spec = rc.compare_versions(comparison).to_dict()

    assert spec["layer"][2]["encoding"]["x"]["title"] == "Difference in median duration, s (b − a)"
    (row,) = values(spec)
    assert (row["difference"], row["diff_low"], row["diff_high"]) == (-30.0, -45.0, -15.0)
