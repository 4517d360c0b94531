"""Agreement charts, checked through their Vega-Lite specification (``chart.to_dict()``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from roe_analysis import JobFrames
from roe_analysis import charts as rc
from roe_analysis.analysis import (
    OUTCOMES_SCHEMA,
    MissingColumnsError,
    agreement_summary,
    confusion_matrix,
    reviewer_stats,
)
from roe_analysis.charts._common import COEFFICIENT_COLOURS, PALETTE


def rows(spec: dict[str, Any], name: str | None = None) -> list[dict[str, Any]]:
    """The inline data rows of a spec (of the named dataset, or the only one)."""
    datasets = spec["datasets"]
    if name is None:
        (values,) = datasets.values()
        return list(values)
    return list(datasets[name])


def layer_rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    return rows(spec, (layer.get("data") or spec["data"])["name"])


def outcomes(**columns: list[Any]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame({c: columns.get(c, [None] * height) for c in OUTCOMES_SCHEMA}, schema=OUTCOMES_SCHEMA)


SAMPLE = outcomes(
    agent_version_name=["v1", "v1", "v1", "v2", "v2"],
    agent_verdict=["Suspicious", "Suspicious", "Not Suspicious", "Suspicious", "Not Suspicious"],
    review_status=["approved", "rejected", "approved", "approved", "approved"],
    final_verdict=["Suspicious", "Not Suspicious", "Not Suspicious", "Suspicious", "Not Suspicious"],
)


# --- confusion_heatmap -----------------------------------------------------------------------------


def test_confusion_heatmap_draws_every_cell_with_count_and_share() -> None:
    confusion = confusion_matrix(
        SAMPLE.filter(pl.col("agent_version_name") == "v1"), labels=["Suspicious", "Not Suspicious"], by=None
    )

    spec = rc.confusion_matrix(confusion).to_dict()

    cells, text = spec["layer"]
    assert cells["mark"]["type"] == "rect"
    assert text["mark"]["type"] == "text"
    assert cells["encoding"]["x"] | {"sort": None} == {
        "field": "final_verdict",
        "type": "nominal",
        "title": "Reviewers' final verdict",
        "sort": None,
        # long verdicts such as "(rejected, no correction)" slant instead of running into each other
        "axis": {"labelAlign": "right", "labelAngle": -30, "labelLimit": 200},
    }
    # Each cell is sized for its label (a step per verdict), not squeezed into a shared width.
    assert (spec["width"], spec["height"]) == ({"step": 88}, {"step": 44})
    assert text["mark"]["lineBreak"] == "\n"
    assert cells["encoding"]["x"]["sort"] == ["Suspicious", "Not Suspicious"]
    assert cells["encoding"]["y"]["title"] == "Agent verdict"
    assert cells["encoding"]["color"]["field"] == "share_of_agent_verdict"
    assert spec["title"].startswith("Agent verdict against reviewers' final verdict")
    assert [(r["agent_verdict"], r["final_verdict"], r["count"], r["label"]) for r in rows(spec)] == [
        ("Suspicious", "Suspicious", 1, "1\n50%"),
        ("Suspicious", "Not Suspicious", 1, "1\n50%"),
        ("Not Suspicious", "Suspicious", 0, "0\n0%"),
        ("Not Suspicious", "Not Suspicious", 1, "1\n100%"),
    ]


def test_confusion_heatmap_facets_by_group_columns() -> None:
    spec = rc.confusion_matrix(confusion_matrix(SAMPLE, by="agent_version_name"), title="By version").to_dict()

    assert spec["facet"] == {"field": "group", "type": "nominal", "title": "Agent version"}
    assert spec["title"] == "By version"
    assert spec["description"].startswith("Heatmap with one cell per pair")
    assert {r["group"] for r in rows(spec)} == {"v1", "v2"}
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["rect", "text"]


def test_confusion_heatmap_marks_rows_without_pairs() -> None:
    confusion = confusion_matrix(SAMPLE, labels=["Suspicious", "Not Suspicious", "Needs Escalation"], by=None)

    data = rows(rc.confusion_matrix(confusion).to_dict())

    # Three labels: the rejection without a correction gets its own column, so each row has four cells.
    assert [r["label"] for r in data if r["agent_verdict"] == "Needs Escalation"] == ["0\n–"] * 4


def test_confusion_heatmap_needs_the_confusion_columns() -> None:
    with pytest.raises(MissingColumnsError, match="share_of_agent_verdict"):
        rc.confusion_matrix(pl.DataFrame({"agent_verdict": ["A"], "final_verdict": ["A"], "count": [1]}))


# --- reviewer_bars ---------------------------------------------------------------------------------


STATS = pl.DataFrame(
    {
        "reviewed_by": ["ana", None, "bo"],
        "n_reviews": [40, 3, 12],
        "approval_rate": [0.9, 1.0, 0.5],
        "approval_rate_low": [0.77, 0.44, 0.25],
        "approval_rate_high": [0.96, 1.0, 0.75],
        "peer_agreement_rate": [0.8, None, 0.6],
        "peer_agreement_rate_low": [0.7, None, None],
        "peer_agreement_rate_high": [0.88, None, None],
    }
)


def test_reviewer_dots_draw_rates_with_intervals_sorted_by_rate() -> None:
    spec = rc.reviewer_stats(STATS).to_dict()

    rules, dots = spec["layer"]
    assert (rules["mark"]["type"], dots["mark"]["type"], dots["mark"]["filled"]) == ("rule", "point", True)
    assert dots["encoding"]["x"]["title"] == rules["encoding"]["x"]["title"] == "Approval rate (share of reviews)"
    assert dots["encoding"]["x"]["scale"] == {"domain": [0, 1]}
    assert dots["encoding"]["x"]["axis"] == {"format": "%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]}
    assert dots["encoding"]["y"]["sort"] == {"field": "approval_rate", "order": "descending"}
    assert rules["encoding"]["y"]["sort"] == dots["encoding"]["y"]["sort"]
    assert (rules["encoding"]["x"]["field"], rules["encoding"]["x2"]["field"]) == (
        "approval_rate_low",
        "approval_rate_high",
    )
    assert spec["title"] == {
        "text": "Approval rate by reviewer",
        "subtitle": ["Dot: the rate; bar: its confidence interval (Wilson)"],
    }
    assert [r["reviewed_by"] for r in layer_rows(spec, dots)] == ["ana", "(no reviewer)", "bo"]


def test_reviewer_agreement_dots_say_who_has_too_few_inputs_for_an_interval() -> None:
    spec = rc.reviewer_stats(STATS, metric="peer_agreement_rate").to_dict()

    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point"]
    assert spec["layer"][1]["encoding"]["x"]["field"] == "peer_agreement_rate"
    assert (
        spec["layer"][1]["encoding"]["x"]["title"]
        == "Agreement with other reviewers (share of their pairs of verdicts)"
    )
    assert spec["title"] == {
        "text": "Agreement with other reviewers by reviewer",
        "subtitle": [
            "Dot: the rate; bar: its confidence interval (inputs as the unit)",
            "Too few inputs for an interval: bo",
        ],
    }


def test_the_correction_rate_has_no_interval() -> None:
    stats = STATS.with_columns(correction_rate=pl.Series([0.1, 0.0, 0.3]))
    spec = rc.reviewer_stats(stats, metric="correction_rate").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["point"]
    assert spec["title"] == "Correction rate by reviewer"


def test_reviewer_bars_reject_unknown_metrics_and_missing_columns() -> None:
    with pytest.raises(ValueError, match="metric must be one of"):
        rc.reviewer_stats(STATS, metric="n_reviews")
    with pytest.raises(MissingColumnsError, match="correction_rate"):
        rc.reviewer_stats(STATS, metric="correction_rate")


# --- grader_vs_human -------------------------------------------------------------------------------


def test_grader_vs_human_draws_points_and_the_identity_line() -> None:
    jobs = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "agent_version_name": ["v2", "v1", "v1", "v1"],
            "grader_score": [0.2, 0.9, None, float("nan")],
            "human_score": [0.3, 0.7, 0.5, 0.1],
        }
    )

    spec = rc.grader_vs_human(jobs).to_dict()

    identity, points = spec["layer"]
    assert identity["mark"] == {"type": "line", "strokeDash": [4, 4], "color": "gray"}
    assert layer_rows(spec, identity) == [
        {"grader_score": 0.2, "human_score": 0.2},
        {"grader_score": 0.9, "human_score": 0.9},
    ]
    assert points["mark"]["type"] == "circle"
    assert points["encoding"]["x"]["title"] == "Grader score (grader's scale)"
    assert points["encoding"]["y"]["title"] == "Human score (reviewer's scale)"
    assert points["encoding"]["color"]["scale"] == {"domain": ["v1", "v2"], "range": list(PALETTE[:2])}
    assert [r["id"] for r in layer_rows(spec, points)] == ["a", "b"]
    assert spec["title"] == "Grader score against human score (2 jobs; dashed: equal scores)"


def test_grader_vs_human_bins_large_inputs_deterministically() -> None:
    rng = np.random.default_rng(1)
    grader = rng.uniform(0, 1, 20_000)
    jobs = pl.DataFrame({"grader_score": grader, "human_score": np.clip(grader + rng.normal(0, 0.1, 20_000), 0, 1)})

    spec = rc.grader_vs_human(jobs).to_dict()

    cells, identity = spec["layer"]
    data = layer_rows(spec, cells)
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["color"]["title"] == "Jobs"
    assert sum(r["jobs"] for r in data) == 20_000
    assert len(data) <= 40 * 40
    assert min(r["grader_low"] for r in data) == pytest.approx(grader.min())
    assert max(r["grader_high"] for r in data) == pytest.approx(grader.max())
    assert identity["mark"]["type"] == "line"
    assert "20000 jobs in a 40 × 40 grid" in spec["title"]
    assert rc.grader_vs_human(jobs.reverse()).to_dict() == spec


def test_grader_vs_human_respects_max_points_and_validates() -> None:
    jobs = pl.DataFrame({"grader_score": [0.1, 0.2, 0.3], "human_score": [0.1, 0.3, 0.2]})

    assert rc.grader_vs_human(jobs, max_points=2).to_dict()["layer"][0]["mark"]["type"] == "rect"
    assert rc.grader_vs_human(jobs, max_points=3).to_dict()["layer"][1]["mark"]["type"] == "circle"
    with pytest.raises(ValueError, match="max_points"):
        rc.grader_vs_human(jobs, max_points=0)
    with pytest.raises(MissingColumnsError, match="human_score"):
        rc.grader_vs_human(jobs.drop("human_score"))


# --- agreement_intervals ---------------------------------------------------------------------------


#: SAMPLE five times over, each row its own input: 15 pairs for v1, 10 for v2 (MIN_N), so both are drawn.
REPEATED = pl.concat([SAMPLE] * 5).with_columns(job_id=pl.format("j{}", pl.int_range(pl.len())))


def test_agreement_intervals_draws_each_defined_coefficient_per_group() -> None:
    summary = agreement_summary(REPEATED, by="agent_version_name")

    spec = rc.agreement_summary(summary).to_dict()

    rules, points = spec["layer"]
    assert rules["mark"]["type"] == "rule"
    assert points["mark"] == {"type": "point", "filled": True}
    assert points["encoding"]["x"]["scale"] == {"domain": [-1, 1]}
    assert points["encoding"]["y"]["title"] == "Agent version"  # a human title, not the column name
    assert points["encoding"]["color"]["scale"] == {
        "domain": ["Agreement rate", "Cohen's kappa", "Gwet's AC1", "PABAK"],
        "range": list(COEFFICIENT_COLOURS.values()),
    }
    assert points["encoding"]["yOffset"]["field"] == "coefficient"
    data = layer_rows(spec, points)
    expected = summary.row(0, named=True)
    v1 = {r["coefficient"]: (r["estimate"], r["low"], r["high"]) for r in data if r["group"] == "v1"}
    assert v1["Cohen's kappa"] == (expected["cohen_kappa"], expected["cohen_kappa_low"], expected["cohen_kappa_high"])
    assert v1["Gwet's AC1"] == (expected["gwet_ac1"], expected["gwet_ac1_low"], expected["gwet_ac1_high"])
    assert set(v1) == {"Agreement rate", "Cohen's kappa", "Gwet's AC1", "PABAK"}


def test_agreement_intervals_leave_out_undefined_coefficients_and_label_overall() -> None:
    single = REPEATED.filter(pl.col("agent_verdict") == "Suspicious", pl.col("review_status") == "approved")
    with pytest.warns(UserWarning):
        summary = agreement_summary(single, by=None)

    spec = rc.agreement_summary(summary, metrics=["cohen_kappa", "pabak"]).to_dict()

    data = layer_rows(spec, spec["layer"][1])
    assert [(r["group"], r["coefficient"]) for r in data] == [("all jobs", "PABAK")]
    assert "title" not in spec["layer"][1]["encoding"]["y"] or spec["layer"][1]["encoding"]["y"]["title"] is None


def test_agreement_intervals_leave_out_too_few_groups_and_say_so() -> None:
    # v2 keeps 4 of its 10 pairs: too few inputs to tell, so it is not drawn, and the subtitle names it.
    fewer = REPEATED.filter((pl.col("agent_version_name") == "v1") | (pl.int_range(pl.len()) < 11))
    summary = agreement_summary(fewer, by="agent_version_name")
    assert summary.get_column("too_few").to_list() == [False, True]

    spec = rc.agreement_summary(summary).to_dict()

    assert {r["group"] for layer in spec["layer"] for r in layer_rows(spec, layer)} == {"v1"}
    assert spec["title"]["subtitle"] == ["Too few inputs to tell, not drawn: v2"]


def test_agreement_intervals_draw_exact_bounds_as_hollow_bars() -> None:
    # Kappa known only between bounds (rejections without a correction, three or more labels).
    summary = agreement_summary(REPEATED, by="agent_version_name").with_columns(
        cohen_kappa=pl.lit(None, pl.Float64), cohen_kappa_min=pl.lit(0.31), cohen_kappa_max=pl.lit(0.47)
    )

    spec = rc.agreement_summary(summary).to_dict()

    _rules, points, bounds = spec["layer"]
    assert bounds["mark"] == {"type": "bar", "filled": False, "strokeWidth": 1.5, "height": 6}
    assert [(r["group"], r["coefficient"], r["bound_low"], r["bound_high"]) for r in layer_rows(spec, bounds)] == [
        ("v1", "Cohen's kappa", 0.31, 0.47),
        ("v2", "Cohen's kappa", 0.31, 0.47),
    ]
    assert "Cohen's kappa" not in {r["coefficient"] for r in layer_rows(spec, points)}
    assert spec["title"]["subtitle"] == ["Hollow bar: known only between bounds (rejections without a correction)"]


def test_agreement_intervals_validate_metrics() -> None:
    summary = agreement_summary(SAMPLE, by=None)

    with pytest.raises(ValueError, match="metrics must be some of"):
        rc.agreement_summary(summary, metrics=["fleiss_kappa"])
    with pytest.raises(MissingColumnsError, match="gwet_ac1_low"):
        rc.agreement_summary(summary.drop("gwet_ac1_low"))


# --- every chart ----------------------------------------------------------------------------------


def test_every_chart_describes_itself_and_draws_empty_inputs() -> None:
    frames = JobFrames.empty()

    charts = [
        rc.confusion_matrix(confusion_matrix(frames, by=None)),
        rc.reviewer_stats(reviewer_stats(frames)),
        rc.grader_vs_human(frames.jobs),
        rc.agreement_summary(agreement_summary(frames, by=None)),
    ]

    for chart in charts:
        spec = chart.to_dict()
        assert spec["description"].endswith(".")
        assert spec["title"]
        assert all(values == [] for values in spec["datasets"].values())
