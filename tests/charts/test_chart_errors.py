"""Every chart in `roe_analysis.charts.__all__` fails on bad input with a `RoeError` that says what to do.

Each is called with (a) a frame missing a column it needs, (b) a list instead of a frame and (c) an
unknown option where it takes one; and each old name is the very chart it now names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from roe_analysis import charts
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError, RoeError

T0 = datetime(2026, 5, 1, tzinfo=UTC)

#: A frame each chart draws, as its helper returns it (only the columns the chart reads).
VALID: dict[str, pl.DataFrame] = {
    "job_volume": pl.DataFrame({"period_start": [T0], "agent_version_name": ["v1"], "n": [3]}),
    "score_summary": pl.DataFrame(
        {
            "agent_version_name": ["v1"],
            "n_scored": [3],
            "mean": [0.5],
            "mean_low": [0.4],
            "mean_high": [0.6],
            "median": [0.5],
        }
    ),
    "compare_versions": pl.DataFrame(
        {
            "a": ["v1"],
            "b": ["v2"],
            "metric": ["grader_score"],
            "statistic": ["mean"],
            "difference": [0.1],
            "diff_low": [0.0],
            "diff_high": [0.2],
            "p_value": [0.04],
            "verdict": ["v2 is higher than v1"],
        }
    ),
    "status_time_summary": pl.DataFrame(
        {
            "agent_version_name": ["v1"],
            "status": ["STARTED"],
            "n_jobs": [2],
            "total_ms": [3_600_000.0],
            "mean_ms": [1_800_000.0],
            "median_ms": [1_800_000.0],
            "share": [1.0],
        }
    ),
    "agreement_summary": pl.DataFrame(
        {
            "n_pairs": [10],
            **{
                f"{m}{s}": [0.7]
                for m in ("agreement_rate", "cohen_kappa", "gwet_ac1", "pabak")
                for s in ("", "_low", "_high")
            },
        }
    ),
    "confusion_matrix": pl.DataFrame(
        {"agent_verdict": ["A"], "final_verdict": ["A"], "count": [3], "share_of_agent_verdict": [1.0]}
    ),
    "reviewer_stats": pl.DataFrame(
        {
            "reviewed_by": ["ana"],
            "n_reviews": [4],
            "approval_rate": [0.5],
            "approval_rate_low": [0.2],
            "approval_rate_high": [0.8],
        }
    ),
    "duration_trend": pl.DataFrame(
        {
            "period_start": [T0],
            "agent_version_name": ["v1"],
            "n": [3],
            "p50": [100.0],
            "p50_low": [90.0],
            "p50_high": [110.0],
        }
    ),
    "grader_vs_human": pl.DataFrame({"grader_score": [0.2], "human_score": [0.3]}),
    "job_durations_ecdf": pl.DataFrame({"agent_version_name": ["v1"], "duration_ms": [100], "is_running": [False]}),
    "job_durations_histogram": pl.DataFrame(
        {"agent_version_name": ["v1"], "duration_ms": [100], "is_running": [False]}
    ),
    "failure_rate_chart": pl.DataFrame(
        {
            "agent_version_name": ["v1"],
            "n": [40],
            "failures": [2],
            "failure_rate": [0.05],
            "failure_rate_low": [0.014],
            "failure_rate_high": [0.165],
            "too_few": [False],
        }
    ),
    "failure_trend_chart": pl.DataFrame(
        {
            "period_start": [T0],
            "agent_version_name": ["v1"],
            "n": [40],
            "failures": [2],
            "failure_rate": [0.05],
            "failure_rate_low": [0.014],
            "failure_rate_high": [0.165],
            "too_few": [False],
        }
    ),
    "cost_quality": pl.DataFrame(
        {
            "agent_version_name": ["v1"],
            "mean_cost": [0.01],
            "mean_cost_low": [0.008],
            "mean_cost_high": [0.012],
            "quality": [0.7],
            "quality_low": [0.6],
            "quality_high": [0.8],
            "pareto": [True],
        }
    ),
    "cost_summary": pl.DataFrame(
        {
            "agent_version_name": ["v1"],
            "n_with_cost": [40],
            "mean_cost": [0.01],
            "mean_cost_low": [0.008],
            "mean_cost_high": [0.012],
            "p50_cost": [0.009],
        }
    ),
}

#: The column dropped for (a), and the chart's unknown option for (c) with a fragment of its message.
MISSING: dict[str, str] = {
    "job_volume": "n",
    "score_summary": "median",
    "compare_versions": "verdict",
    "status_time_summary": "share",
    "agreement_summary": "pabak_low",
    "confusion_matrix": "count",
    "reviewer_stats": "n_reviews",
    "duration_trend": "p50_high",
    "grader_vs_human": "human_score",
    "job_durations_ecdf": "is_running",
    "job_durations_histogram": "duration_ms",
    "failure_rate_chart": "failure_rate_high",
    "failure_trend_chart": "period_start",
    "cost_quality": "quality_high",
    "cost_summary": "mean_cost_low",
}
UNKNOWN_OPTION: dict[str, tuple[dict[str, Any], type[RoeError], str]] = {
    "job_volume": ({"color": "nope"}, MissingColumnsError, "missing column ['nope']"),
    "status_time_summary": (
        {"stat": "mode"},
        InvalidArgumentError,
        "stat must be 'share', 'total', 'median' or 'mean'",
    ),
    "agreement_summary": ({"metrics": ["nope"]}, InvalidArgumentError, "metrics must be some of"),
    "reviewer_stats": ({"metric": "nope"}, InvalidArgumentError, "metric must be one of"),
    "duration_trend": ({"quantile": "p99"}, MissingColumnsError, "missing columns ['p99', 'p99_low', 'p99_high']"),
    "grader_vs_human": ({"max_points": 0}, InvalidArgumentError, "max_points must be a whole number >= 1"),
    "job_durations_ecdf": ({"max_points": 1}, InvalidArgumentError, "max_points must be an integer of at least 2"),
    "job_durations_histogram": ({"bins": 0}, InvalidArgumentError, "bins must be an integer of at least 1"),
    "cost_quality": ({"labels": ["v1 · gpt-4.1"]}, ArgumentTypeError, "labels must be the frame ra.version_labels"),
    "cost_summary": ({"stat": "median"}, InvalidArgumentError, "stat must be one of ['mean', 'per_success'"),
}
#: Charts without an option to get wrong (beyond their title).
NO_OPTION = {"score_summary", "compare_versions", "confusion_matrix", "failure_rate_chart", "failure_trend_chart"}

OLD_NAMES = {
    "volume_chart": "job_volume",
    "score_distribution": "score_summary",
    "version_comparison": "compare_versions",
    "status_time_breakdown": "status_time_summary",
    "agreement_intervals": "agreement_summary",
    "confusion_heatmap": "confusion_matrix",
    "reviewer_bars": "reviewer_stats",
    "duration_ecdf": "job_durations_ecdf",
    "duration_distribution": "job_durations_histogram",
}
#: What `charts` exports beside the charts: the shared palettes and their helpers, the SVG fonts.
PALETTE_NAMES = {
    "SVG_FONT_FAMILY",
    "with_chart_fonts",
    "COEFFICIENT_COLOURS",
    "EXTRA_VERSION_COLOUR",
    "PALETTES",
    "STATUS_COLOURS",
    "VERSION_COLOURS",
    "version_colours",
    "version_order",
    "version_scale",
}
NEW_NAMES = sorted(set(charts.__all__) - set(OLD_NAMES) - PALETTE_NAMES)
#: The charts that colour by agent version, and so take ``colours=``.
TAKES_COLOURS = sorted(set(NEW_NAMES) - {"agreement_summary", "confusion_matrix", "reviewer_stats"})


def chart(name: str) -> Callable[..., Any]:
    return getattr(charts, name)


def test_every_chart_is_covered() -> None:
    assert sorted(VALID) == sorted(MISSING) == NEW_NAMES
    assert sorted([*UNKNOWN_OPTION, *NO_OPTION]) == NEW_NAMES


@pytest.mark.parametrize("name", NEW_NAMES)
def test_each_chart_draws_its_valid_frame(name: str) -> None:
    assert chart(name)(VALID[name]).to_dict()


@pytest.mark.parametrize("name", NEW_NAMES)
def test_a_missing_column_is_named_with_the_columns_there_are(name: str) -> None:
    with pytest.raises(MissingColumnsError) as info:
        chart(name)(VALID[name].drop(MISSING[name]))
    assert isinstance(info.value, RoeError)
    assert repr(MISSING[name]) in str(info.value)
    assert "available columns" in str(info.value)


@pytest.mark.parametrize("name", NEW_NAMES)
def test_a_list_instead_of_a_frame_is_an_argument_type_error(name: str) -> None:
    with pytest.raises(ArgumentTypeError, match="draws a polars DataFrame") as info:
        chart(name)(VALID[name].to_dicts())
    assert isinstance(info.value, RoeError)
    assert isinstance(info.value, TypeError)
    assert "got list" in str(info.value)


@pytest.mark.parametrize("name", sorted(UNKNOWN_OPTION))
def test_an_unknown_option_says_what_is_allowed(name: str) -> None:
    options, error, fragment = UNKNOWN_OPTION[name]
    with pytest.raises(error) as info:
        chart(name)(VALID[name], **options)
    assert isinstance(info.value, InvalidArgumentError)
    assert fragment in str(info.value)


@pytest.mark.parametrize(("old", "new"), sorted(OLD_NAMES.items()))
def test_each_old_name_is_the_chart_it_now_names(old: str, new: str) -> None:
    assert getattr(charts, old) is getattr(charts, new)
    assert old in charts.__all__ and new in charts.__all__


def test_a_comparison_of_several_metrics_says_how_to_pick_one() -> None:
    both = pl.concat([VALID["compare_versions"], VALID["compare_versions"].with_columns(metric=pl.lit("duration_ms"))])
    with pytest.raises(InvalidArgumentError, match=r"one metric at a time.*filter it first"):
        charts.compare_versions(both)


@pytest.mark.parametrize("name", TAKES_COLOURS)
def test_colours_must_map_versions_to_colours(name: str) -> None:
    with pytest.raises(ArgumentTypeError, match="colours must be a mapping of version name to colour"):
        chart(name)(VALID[name], colours=["#4477AA"])
    with pytest.raises(ArgumentTypeError, match="colours must be a mapping"):
        chart(name)(VALID[name], colours={"v1": 3})


def test_palette_names_are_exported_and_no_chart_is_left_out() -> None:
    assert set(charts.__all__) >= PALETTE_NAMES
    assert all(callable(chart(name)) for name in NEW_NAMES)
