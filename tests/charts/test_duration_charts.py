"""Duration charts, checked through their Vega-Lite spec (encodings, data, titles)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import altair as alt
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from roe_analysis import charts as rc
from roe_analysis.analysis import MissingColumnsError, status_time_summary
from roe_analysis.charts import duration_trend, job_durations_ecdf, job_durations_histogram
from roe_analysis.charts._common import PALETTE, STATUS_COLOURS
from roe_analysis.charts._durations import duration_ecdf_data, duration_histogram_data
from roe_analysis.errors import ArgumentTypeError


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the chart's only dataset."""
    (rows,) = spec["datasets"].values()
    return rows


def durations(rows: list[tuple[str, int | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"agent_version_name": pl.String, "duration_ms": pl.Int64, "is_running": pl.Boolean},
        orient="row",
    )


# --- histogram ----------------------------------------------------------------------------------


def test_histogram_bins_with_polars_and_shares_per_version() -> None:
    frame = durations(
        [
            ("v1", 0, False),
            ("v1", 99, False),
            ("v1", 100, False),
            ("v1", 400, False),
            ("v2", 399, False),
            ("v2", None, True),
            ("v2", None, False),
        ]
    )

    result = duration_histogram_data(frame, bins=4)

    expected = pl.DataFrame(
        {
            "agent_version_name": ["v1", "v1", "v1", "v2"],
            "bin_start": [0.0, 100.0, 300.0, 300.0],
            "bin_end": [100.0, 200.0, 400.0, 400.0],
            "count": [2, 1, 1, 1],  # the maximum (400) falls in the last bin
            "share": [0.5, 0.25, 0.25, 1.0],
        },
        schema_overrides={"count": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_histogram_log_bins() -> None:
    frame = durations([("v1", 0, False), ("v1", 10, False), ("v1", 100, False), ("v1", 1000, False)])

    result = duration_histogram_data(frame, bins=2, log_scale=True)

    # Edges 10, 100, 1000; the 0 ms job goes in the first bin, 100 ms starts the second.
    assert result["count"].to_list() == [2, 2]
    np.testing.assert_allclose(result["bin_start"].to_numpy(), [10.0, 100.0])
    np.testing.assert_allclose(result["bin_end"].to_numpy(), [100.0, 1000.0])


def test_histogram_chart_spec() -> None:
    frame = durations([("v2", 100, False), ("v1", 300, False), ("v1", None, True)])

    spec = job_durations_histogram(frame, bins=2).to_dict()

    # Step outlines, not translucent bars: overlapping versions do not mix into a third colour.
    assert spec["mark"] == {"type": "line", "interpolate": "step-after", "strokeWidth": 2}
    assert spec["title"] == {
        "text": "Job duration by agent version",
        "subtitle": "2 finished jobs; 1 still running, not shown",
    }
    encoding = spec["encoding"]
    # The longest job (300 ms) is under 2 s, so the axis reads in ms.
    assert (encoding["x"]["field"], encoding["x"]["title"]) == ("start", "Duration (ms)")
    assert (encoding["y"]["field"], encoding["y"]["title"], encoding["y"]["stack"]) == (
        "share",
        "Share of finished jobs",
        None,
    )
    assert encoding["color"]["scale"] == {"domain": ["v1", "v2"], "range": list(PALETTE[:2])}
    # Every bin of every version (0 where empty) and a closing point at the last edge.
    assert values(spec) == [
        {"agent_version_name": "v1", "start": 0.0, "end": 150.0, "count": 0, "share": 0.0},
        {"agent_version_name": "v1", "start": 150.0, "end": 300.0, "count": 1, "share": 1.0},
        {"agent_version_name": "v1", "start": 300.0, "end": 300.0, "count": None, "share": 1.0},
        {"agent_version_name": "v2", "start": 0.0, "end": 150.0, "count": 1, "share": 1.0},
        {"agent_version_name": "v2", "start": 150.0, "end": 300.0, "count": 0, "share": 0.0},
        {"agent_version_name": "v2", "start": 300.0, "end": 300.0, "count": None, "share": 0.0},
    ]


def test_histogram_reads_in_minutes_and_says_where_zero_ms_jobs_went() -> None:
    # 0 ms (a cache hit) to 800,000 ms: minutes, as the tables; the log axis cannot place 0.
    frame = durations([("v1", 0, False), ("v1", 60_000, False), ("v1", 800_000, False)])

    spec = job_durations_histogram(frame, bins=2, log_scale=True).to_dict()

    assert spec["encoding"]["x"]["title"] == "Duration (min)"
    assert spec["title"]["subtitle"] == ("3 finished jobs; 1 job of 0 ms in the first bin (no 0 on a log axis)")
    rows = values(spec)
    # Edges 60,000 · sqrt(60,000 · 800,000) · 800,000 ms, in minutes (np.geomspace by hand).
    middle = (60_000 * 800_000) ** 0.5 / 60_000
    np.testing.assert_allclose([r["start"] for r in rows], [1.0, middle, 800_000 / 60_000])
    assert [r["count"] for r in rows] == [2, 1, None]


def test_histogram_of_a_million_jobs_stays_small() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    frame = pl.DataFrame(
        {
            "agent_version_name": rng.choice(["v1", "v2", "v3"], size=n),
            "duration_ms": rng.lognormal(8, 1, size=n).astype(np.int64),
            "is_running": np.zeros(n, dtype=bool),
        }
    )

    spec = job_durations_histogram(frame, bins=50, log_scale=True).to_dict()

    rows = values(spec)
    assert len(rows) == 3 * 51  # 50 bins and a closing point per version
    assert sum(row["count"] or 0 for row in rows) == n
    assert spec["encoding"]["x"]["scale"] == {"type": "log", "nice": False}


def test_histogram_of_no_finished_jobs() -> None:
    spec = job_durations_histogram(durations([("v1", None, True)])).to_dict()

    assert values(spec) == []
    assert spec["title"]["subtitle"] == "0 finished jobs; 1 still running, not shown"


def test_histogram_validates() -> None:
    with pytest.raises(MissingColumnsError, match="did you mean 'duration' for 'duration_ms'"):
        job_durations_histogram(pl.DataFrame({"agent_version_name": ["v"], "duration": [1], "is_running": [False]}))
    with pytest.raises(ValueError, match="bins must be"):
        job_durations_histogram(durations([]), bins=0)
    with pytest.raises(ArgumentTypeError, match="bins must be"):
        job_durations_histogram(durations([]), bins="40")  # type: ignore[arg-type]


# --- ECDF ---------------------------------------------------------------------------------------


def test_ecdf_data_is_exact_at_each_kept_point() -> None:
    frame = durations([("v1", 100, False), ("v1", 100, False), ("v1", 300, False), ("v1", 200, False)])

    result = duration_ecdf_data(frame)

    expected = pl.DataFrame(
        {"agent_version_name": ["v1"] * 3, "duration_ms": [100.0, 200.0, 300.0], "share": [0.5, 0.75, 1.0]}
    )
    assert_frame_equal(result, expected)


def test_ecdf_downsamples_but_keeps_the_extremes() -> None:
    frame = durations([("v1", i, False) for i in range(1, 1001)])

    result = duration_ecdf_data(frame, max_points=100)

    assert result.height <= 101
    assert result["duration_ms"].to_list()[:2] == [1.0, 11.0]
    assert result.row(-1) == ("v1", 1000.0, 1.0)
    np.testing.assert_allclose(result["share"].to_numpy(), result["duration_ms"].to_numpy() / 1000, rtol=1e-12)


def test_ecdf_chart_spec() -> None:
    frame = durations([("v1", 100, False), ("v1", 300, False)])

    spec = job_durations_ecdf(frame).to_dict()

    assert spec["mark"] == {"type": "line", "interpolate": "step-after"}
    assert spec["encoding"]["x"]["title"] == "Duration (ms)"
    assert spec["encoding"]["y"]["axis"] == {"format": "%"}
    assert spec["encoding"]["y"]["scale"] == {"domain": [0, 1]}
    assert values(spec) == [
        {"agent_version_name": "v1", "duration_ms": 100.0, "share": 0.5, "duration": 100.0},
        {"agent_version_name": "v1", "duration_ms": 300.0, "share": 1.0, "duration": 300.0},
    ]


def test_ecdf_on_a_log_axis_leaves_out_zero_ms_jobs_but_counts_them() -> None:
    # Two cache hits (0 ms) and two jobs of 30 s and 90 s: the log axis starts at 30 s, where half
    # of all finished jobs (the cache hits and the 30 s one: 3 of 4) are done.
    frame = durations([("v1", 0, False), ("v1", 0, False), ("v1", 30_000, False), ("v1", 90_000, False)])

    spec = job_durations_ecdf(frame, log_scale=True).to_dict()

    assert spec["encoding"]["x"]["scale"] == {"type": "log", "nice": False}
    assert spec["encoding"]["x"]["title"] == "Duration (s)"
    assert spec["title"]["subtitle"] == ("4 finished jobs; 2 jobs of 0 ms off the log axis, still in the shares")
    assert [(r["duration"], r["share"]) for r in values(spec)] == [(30.0, 0.75), (90.0, 1.0)]


# --- trend --------------------------------------------------------------------------------------


def test_trend_chart_spec() -> None:
    trend = pl.DataFrame(
        {
            "period_start": [datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC)],
            "agent_version_name": ["v1", "v2"],
            "n": [10, 12],
            "p90": [1200.0, 1500.0],
            "p90_low": [1000.0, 1300.0],
            "p90_high": [1400.0, 1800.0],
        }
    )

    spec = duration_trend(trend, quantile="p90").to_dict()

    assert spec["title"]["text"] == "p90 job duration over time"
    band, line = spec["layer"]
    assert (band["mark"]["type"], band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == (
        "area",
        "p90_low",
        "p90_high",
    )
    # 1,800 ms at most: under 2 s, so the axis stays in ms.
    assert line["encoding"]["y"] == {"field": "p90", "title": "p90 duration (ms)", "type": "quantitative"}
    assert line["encoding"]["x"]["type"] == "temporal"
    # Dates are drawn in UTC, as the axis title says, whatever the viewer's time zone.
    assert line["encoding"]["x"]["scale"] == {"type": "utc"}
    assert line["encoding"]["color"]["scale"]["domain"] == ["v1", "v2"]
    assert [row["p90"] for row in values(spec)] == [1200.0, 1500.0]


def test_trend_needs_the_quantile_columns() -> None:
    with pytest.raises(MissingColumnsError, match=r"\['p75', 'p75_low', 'p75_high'\]"):
        duration_trend(pl.DataFrame({"period_start": [], "agent_version_name": [], "n": []}), quantile="p75")


# --- where the time goes -----------------------------------------------------------------------


def status_summary() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "agent_version_name": ["v1", "v1", "v2"],
            "status": ["STARTED", "PENDING", "PENDING"],
            "n_jobs": [2, 2, 1],
            "total_ms": [7_200_000.0, 3_600_000.0, 1_800_000.0],
            "mean_ms": [10.0, 20.0, 30.0],
            "median_ms": [11.0, 21.0, 31.0],
            "share": [2 / 3, 1 / 3, 1.0],
        }
    )


def test_status_breakdown_share_by_default() -> None:
    spec = rc.status_time_summary(status_summary()).to_dict()

    assert spec["encoding"]["y"]["title"] == "Share of the version's time"
    assert spec["encoding"]["y"]["axis"] == {"format": "%"}
    assert spec["title"]["text"] == "Where the time goes: share of each version's time in each status"
    # The shares of ra.status_time_summary, each version's adding up to 1, in one row order
    # (version, then status order) so the stacked sums are the same bytes on every run.
    assert [(r["agent_version_name"], r["status"], r["value"]) for r in values(spec)] == [
        ("v1", "PENDING", 1 / 3),
        ("v1", "STARTED", 2 / 3),
        ("v2", "PENDING", 1.0),
    ]


def test_status_breakdown_total_in_hours() -> None:
    spec = rc.status_time_summary(status_summary(), stat="total").to_dict()

    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["title"] == "Total time (hours)"
    assert spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["color"]["scale"] == {
        "domain": ["PENDING", "STARTED"],
        "range": [STATUS_COLOURS["PENDING"], STATUS_COLOURS["STARTED"]],
    }
    rows = [(r["agent_version_name"], r["status"], round(r["value"], 9), r["order"]) for r in values(spec)]
    assert rows == [("v1", "PENDING", 1.0, 0), ("v1", "STARTED", 2.0, 1), ("v2", "PENDING", 0.5, 0)]


def test_status_breakdown_median_and_from_status_time() -> None:
    status_times = pl.DataFrame(
        {
            "job_id": ["a", "a", "b"],
            "agent_version_name": ["v1", "v1", "v1"],
            "status": ["PENDING", "SUCCESS", "PENDING"],
            "time_ms": [100.0, None, 300.0],
        }
    )

    # Charts only draw: per-event rows must be summarised by the helper first.
    with pytest.raises(ValueError, match=r"pass ra\.status_time_summary\(\.\.\.\)"):
        rc.status_time_summary(status_times)
    spec = rc.status_time_summary(status_time_summary(status_times, by="agent_version_name"), stat="median").to_dict()

    assert spec["encoding"]["y"]["title"] == "Median time per job (ms)"  # 200 ms: under 2 s
    assert [(r["status"], r["value"]) for r in values(spec)] == [("PENDING", 200.0)]
    with pytest.raises(ValueError, match="stat must be"):
        rc.status_time_summary(status_summary(), stat="max")  # type: ignore[arg-type]


def test_charts_return_altair_objects() -> None:
    frame = durations([("v1", 1, False)])

    assert isinstance(job_durations_histogram(frame), alt.Chart)
    assert isinstance(rc.status_time_summary(status_summary()), alt.Chart)
