"""Duration summaries: order-statistic quantile intervals, the KM median, the population of runs.

References computed in the tests: scipy.stats.binom (the order-statistic ranks, Hahn & Meeker,
*Statistical Intervals* 2nd ed. §5.2), statsmodels' SurvfuncRight and R's ``quantile.survfit``
midpoint rule (survival package, ``R/quantile.survfit.R``: "if the curve is flat exactly at p,
the quantile is the midpoint of the flat"), numpy for the sample quantiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from roe_analysis.analysis import (
    MissingColumnsError,
    duration_summary,
    duration_trend,
    job_durations,
    slowest_jobs,
)
from roe_analysis.analysis._duration_summaries import duration_summary_schema, run_durations
from roe_analysis.analysis._quantiles import (
    kaplan_meier_median,
    min_n_for_bounds,
    order_statistic_ranks,
    quantile_interval,
)
from roe_analysis.analysis._units import MIN_N
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)


def scipy_ranks(n: int, q: float, confidence: float = 0.95) -> tuple[int | None, int | None]:
    """The equal-tailed order-statistic ranks from scipy's binomial CDF (Hahn & Meeker §5.2).

    ``P(x_(l) > ξ) = P(B ≤ l-1)``, ``P(x_(u) < ξ) = P(B ≥ u)`` for ``B ~ Binomial(n, q)``: the largest
    ``l`` and smallest ``u`` whose tails are each ≤ α/2; a side without one is missing and the other
    is then the one-sided bound at the full α.
    """
    alpha = 1 - confidence
    cdf = stats.binom.cdf(np.arange(n), n, q)  # cdf[k] = P(B <= k), k = 0..n-1

    def low(tail: float) -> int | None:
        ranks = [rank for rank in range(1, n + 1) if cdf[rank - 1] <= tail + 1e-12]
        return max(ranks) if ranks else None

    def high(tail: float) -> int | None:
        ranks = [rank for rank in range(1, n + 1) if 1 - cdf[rank - 1] <= tail + 1e-12]
        return min(ranks) if ranks else None

    lo, hi = low(alpha / 2), high(alpha / 2)
    if lo is None and hi is None:
        return None, None
    if hi is None:
        return low(alpha), None
    if lo is None:
        return None, high(alpha)
    return lo, hi


def durations_frame(rows: Sequence[tuple[str | None, int | None, bool, int | None]]) -> pl.DataFrame:
    """``(version, duration_ms, is_running, running_for_ms)`` rows; finished jobs are SUCCESS."""
    return pl.DataFrame(
        [(*row, None if row[2] else "SUCCESS") for row in rows],
        schema={
            "agent_version_name": pl.String,
            "duration_ms": pl.Int64,
            "is_running": pl.Boolean,
            "running_for_ms": pl.Int64,
            "terminal_status": pl.String,
        },
        orient="row",
    )


def finished(values: Sequence[float] | np.ndarray, version: str = "v1") -> pl.DataFrame:
    return durations_frame([(version, int(x), False, None) for x in values])


def make_frames(
    jobs: Sequence[dict[str, Any]],
    events: Sequence[tuple[str, str, float]] = (),
    inputs: Sequence[dict[str, Any]] = (),
) -> JobFrames:
    job_rows = [{"agent_id": "agent", "agent_version_name": "v1", "created_at": T0, **job} for job in jobs]
    index: dict[str, int] = {}
    event_rows = []
    for job_id, status, ms in events:
        event_rows.append(
            {
                "job_id": job_id,
                "status": status,
                "timestamp": T0 + timedelta(milliseconds=ms),
                "event_index": index.get(job_id, 0),
            }
        )
        index[job_id] = index.get(job_id, 0) + 1
    return JobFrames.from_tables(jobs=job_rows, status_events=event_rows, inputs=list(inputs))


# --- the order-statistic interval ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "q"),
    [(10, 0.5), (30, 0.5), (30, 0.9), (35, 0.9), (36, 0.9), (100, 0.5), (100, 0.9), (100, 0.99), (400, 0.99)],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_order_statistic_ranks_match_scipy_binomial(n: int, q: float, confidence: float) -> None:
    expected = scipy_ranks(n, q, confidence)

    assert order_statistic_ranks(n, q, confidence=confidence) == expected
    low, high = expected
    below = 0.0 if low is None else stats.binom.cdf(low - 1, n, q)
    above = 0.0 if high is None else stats.binom.sf(high - 1, n, q)
    assert 1 - below - above >= confidence  # the binomial coverage of [x_(l), x_(u)]


def test_order_statistic_ranks_hand_example() -> None:
    # n = 100, median: P(B <= 39) = 0.0176 <= 0.025 < P(B <= 40) = 0.0284, so l = 40; by symmetry
    # P(B >= 61) = 0.0176, so u = 61. Coverage P(40 <= B <= 60) = 0.9648.
    assert stats.binom.cdf(39, 100, 0.5) == pytest.approx(0.0176, abs=5e-5)
    assert stats.binom.cdf(40, 100, 0.5) == pytest.approx(0.0284, abs=5e-5)
    assert order_statistic_ranks(100, 0.5) == (40, 61)
    values = np.random.default_rng(3).permutation(np.arange(1.0, 101.0)) * 10
    assert quantile_interval(values, 0.5) == (400.0, 610.0)


def test_upper_bound_needs_enough_runs() -> None:
    # An upper bound for p90 at 95% needs 0.9**n <= 0.025: n >= 36 (0.9**35 = 0.0250,  0.9**36 = 0.0225).
    assert 0.9**35 > 0.025 >= 0.9**36
    assert min_n_for_bounds(0.9) == (2, 36)
    assert order_statistic_ranks(35, 0.9)[1] is None
    assert order_statistic_ranks(36, 0.9) == (29, 36)
    assert order_statistic_ranks(0, 0.5) == (None, None)


def test_degenerate_interval_is_null() -> None:
    assert quantile_interval(np.full(40, 30_800.0), 0.5) == (None, None)
    assert quantile_interval(np.r_[np.full(39, 30_800.0), 1.0], 0.5) == (None, None)
    with pytest.raises(ValueError, match="between 0 and 1"):
        order_statistic_ranks(10, 1.5)
    with pytest.raises(ValueError, match="confidence"):
        order_statistic_ranks(10, 0.5, confidence=95)


# --- duration_summary ----------------------------------------------------------------------------


def test_summary_counts_quantiles_and_intervals_match_references() -> None:
    rng = np.random.default_rng(0)
    v1 = rng.integers(100, 10_000, size=57)
    v2 = rng.integers(100, 10_000, size=31)
    rows: list[tuple[str | None, int | None, bool, int | None]] = [("v1", int(x), False, None) for x in v1]
    rows += [("v2", int(x), False, None) for x in v2]
    rows += [("v1", None, True, 20_000), ("v1", None, False, None)]  # running, and finished without duration

    result = duration_summary(durations_frame(rows), quantiles=(0.5, 0.9, 0.999))

    assert result.columns == list(duration_summary_schema(quantiles=(0.5, 0.9, 0.999)))
    v1_row, v2_row = result.rows(named=True)
    assert [v1_row[c] for c in ("n", "n_finished", "n_running", "n_measured", "n_censored")] == [59, 58, 1, 57, 1]
    assert v1_row["share_running"] == pytest.approx(1 / 59)
    assert v1_row["mean_ms"] == pytest.approx(v1.mean())
    for row, sample in ((v1_row, np.sort(v1)), (v2_row, np.sort(v2))):
        for q, name in [(0.5, "p50"), (0.9, "p90"), (0.999, "p99_9")]:
            assert row[name] == pytest.approx(np.quantile(sample, q))
            low, high = scipy_ranks(sample.size, q)
            assert row[f"{name}_low"] == (None if low is None else float(sample[low - 1]))
            assert row[f"{name}_high"] == (None if high is None else float(sample[high - 1]))
    # 57 runs: p90 has an upper bound (n >= 36), p99.9 has none; 31 runs: neither p90 nor p99.9 has.
    assert v1_row["p90_high"] is not None
    assert v1_row["p99_9_high"] is None
    assert v2_row["p90_high"] is None
    assert v2_row["p90_low"] is not None
    assert v1_row["too_few"] is False
    assert "p99_9: too few runs for an upper bound" in v1_row["note"]
    assert "p90" in v2_row["note"]
    assert v1_row["n_inputs"] is None  # the frame has no input_id column


def test_below_min_n_there_is_no_interval() -> None:
    few = duration_summary(finished(range(100, 100 * MIN_N, 100)), quantiles=(0.5, 0.9)).row(0, named=True)
    enough = duration_summary(finished(range(100, 100 * (MIN_N + 1), 100)), quantiles=(0.5,)).row(0, named=True)

    assert few["n_measured"] == MIN_N - 1
    assert [few[c] for c in ("p50_low", "p50_high", "p90_low", "p90_high")] == [None] * 4
    assert few["p50"] == pytest.approx(np.quantile(np.arange(100, 100 * MIN_N, 100), 0.5))
    assert few["too_few"] is True
    assert few["note"].startswith("too few to tell")
    assert enough["too_few"] is False
    assert (enough["p50_low"], enough["p50_high"]) == (200.0, 900.0)  # ranks (2, 9) of 10
    assert scipy_ranks(10, 0.5) == (2, 9)


def test_summary_never_prints_a_zero_width_interval() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        values = rng.choice([30_800, 30_800, 30_800, 31_000, 29_000], size=int(rng.integers(10, 80)))
        row = duration_summary(finished(values), quantiles=(0.5, 0.9, 0.99)).row(0, named=True)
        for name in ("p50", "p90", "p99"):
            low, high = row[f"{name}_low"], row[f"{name}_high"]
            assert low is None or high is None or low < high
    tied = duration_summary(finished([30_800] * 40), quantiles=(0.5,)).row(0, named=True)
    assert (tied["p50"], tied["p50_low"], tied["p50_high"]) == (30_800.0, None, None)
    assert "no interval" in tied["note"]


def test_too_few_distinct_inputs_means_no_interval() -> None:
    # 24 runs of only 3 distinct inputs (8 reruns each): the runs are not 24 independent draws.
    def frames_with(inputs_per_job: list[str]) -> JobFrames:
        ids = [f"j{i}" for i in range(len(inputs_per_job))]
        return make_frames(
            [{"id": job, "status": "SUCCESS"} for job in ids],
            [event for i, job in enumerate(ids) for event in ((job, "PENDING", 0), (job, "SUCCESS", 1000 + 37 * i))],
            [{"job_id": job, "key": "prompt", "value": value} for job, value in zip(ids, inputs_per_job, strict=True)],
        )

    reruns = duration_summary(frames_with([f"p{i % 3}" for i in range(24)]), quantiles=(0.5,)).row(0, named=True)
    distinct = duration_summary(frames_with([f"p{i}" for i in range(24)]), quantiles=(0.5,)).row(0, named=True)

    assert (reruns["n_measured"], reruns["n_inputs"], reruns["too_few"]) == (24, 3, True)
    assert (reruns["p50_low"], reruns["p50_high"]) == (None, None)
    assert "3 distinct input" in reruns["note"]
    assert (distinct["n_inputs"], distinct["too_few"]) == (24, False)
    low, high = scipy_ranks(24, 0.5)
    assert low is not None and high is not None
    assert (distinct["p50_low"], distinct["p50_high"]) == (1000.0 + 37 * (low - 1), 1000.0 + 37 * (high - 1))


def test_summary_does_not_depend_on_seed_or_resamples() -> None:
    frame = finished(range(1, 40))

    assert_frame_equal(duration_summary(frame, seed=1), duration_summary(frame, seed=2, n_resamples=10))


def test_summary_group_with_only_running_jobs() -> None:
    frame = durations_frame([("v1", None, True, 100), ("v1", None, True, 200)])

    result = duration_summary(frame, quantiles=(0.5,)).row(0, named=True)

    assert (result["n"], result["n_measured"], result["share_running"]) == (2, 0, 1.0)
    assert (result["mean_ms"], result["p50"], result["p50_low"], result["km_median_ms"]) == (None, None, None, None)
    assert result["too_few"] is True


def test_summary_overall_and_null_group() -> None:
    frame = durations_frame([("v1", 10, False, None), (None, 30, False, None)])

    overall = duration_summary(frame, by=(), quantiles=(0.5,))
    grouped = duration_summary(frame, quantiles=(0.5,))

    assert overall.select("n", "p50").row(0) == (2, 20.0)
    assert grouped.select("agent_version_name", "p50").rows() == [("v1", 10.0), (None, 30.0)]


def test_summary_empty_input_has_the_same_schema() -> None:
    result = duration_summary(JobFrames.empty(), quantiles=(0.5, 0.9))

    assert result.schema == duration_summary_schema(quantiles=(0.5, 0.9))
    assert result.height == 0


def test_summary_single_job() -> None:
    result = duration_summary(finished([1234]), quantiles=(0.5,)).row(0, named=True)

    assert (result["p50"], result["km_median_ms"]) == (1234.0, 1234.0)
    assert (result["p50_low"], result["p50_high"], result["too_few"]) == (None, None, True)


def test_summary_validates_arguments() -> None:
    frame = finished([1])
    with pytest.raises(MissingColumnsError, match="did you mean 'agent_version_name'"):
        duration_summary(frame, by="agent_version")
    with pytest.raises(ValueError, match="distinct"):
        duration_summary(frame, quantiles=(0.5, 0.5))
    with pytest.raises(ValueError, match="now only applies to JobFrames"):
        duration_summary(frame, now=T0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        duration_summary(frame, quantiles=(50,))
    with pytest.raises(TypeError, match="job_durations"):
        duration_summary({"duration_ms": [1]})  # type: ignore[arg-type]
    with pytest.raises(MissingColumnsError, match="terminal_status"):
        duration_summary(frame.drop("terminal_status"))
    with pytest.raises(ValueError, match="include_cached must be True or False"):
        duration_summary(frame, include_cached="no")  # type: ignore[arg-type]
    assert duration_summary(frame.drop("terminal_status"), include_cached=True).height == 1


# --- the Kaplan–Meier median ---------------------------------------------------------------------


def reference_median(times: Sequence[float] | np.ndarray, observed: Sequence[bool] | np.ndarray) -> float | None:
    """statsmodels' Kaplan–Meier median (``SurvfuncRight.quantile(0.5)``: the first time S < 0.5).

    Where the curve crosses 0.5 without resting on it, this is also lifelines' and R survfit's
    median; lifelines (the reference first chosen) requires pandas < 3, which the project is past.
    """
    fit = SurvfuncRight(np.asarray(times, dtype=float), np.asarray(observed, dtype=float))
    median = float(fit.quantile(0.5))
    return None if np.isnan(median) else median


@pytest.mark.parametrize("seed", range(8))
def test_km_median_matches_statsmodels_where_the_curve_crosses_half(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    times = rng.lognormal(7, 1, size=n).round(3)
    observed = rng.random(n) < 0.7

    ours = kaplan_meier_median(times, observed)
    theirs = reference_median(times, observed)

    # With continuous times the curve essentially never sits exactly at 0.5; there both agree.
    assert ours == theirs


def test_km_median_at_exactly_half_takes_the_survfit_midpoint() -> None:
    # 1, 2, 3, 4 all finished: S = 0.75, 0.5, 0.25, 0, so S is exactly 0.5 on [2, 3).
    # lifelines takes the first time S <= 0.5 (2), statsmodels the first S < 0.5 (3); R's survfit the
    # midpoint of the flat (2.5), which is also the sample median np.median gives.
    assert reference_median([1, 2, 3, 4], [True] * 4) == 3.0
    assert kaplan_meier_median(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, dtype=bool)) == 2.5 == np.median([1, 2, 3, 4])
    # Flat at 0.5 to the end of follow-up (2 is censored): survfit uses the last time, (1 + 2) / 2.
    assert kaplan_meier_median(np.array([1.0, 2.0]), np.array([True, False])) == 1.5
    # Censoring in the flat stretch: S = 0.5 from 2 until the next event at 6 (4 censored) -> 4.0.
    times = np.array([1.0, 2.0, 4.0, 6.0])
    assert kaplan_meier_median(times, np.array([True, True, False, True])) == 4.0


@pytest.mark.parametrize("seed", range(5))
def test_km_median_without_censoring_is_the_sample_median(seed: int) -> None:
    values = np.random.default_rng(seed).integers(1, 30, size=int(np.random.default_rng(seed).integers(1, 40)))

    assert kaplan_meier_median(values.astype(float), np.ones(values.size, dtype=bool)) == np.median(values)


def test_km_median_treats_running_jobs_as_censored() -> None:
    # Finished 1000, 2000, 3000, 4000; running for 2500 and 9000.
    # KM: t=1000 S=5/6; t=2000 S=2/3; t=3000 (at risk 3) S=4/9 < 0.5 -> 3000 (statsmodels agrees).
    frame = durations_frame(
        [("v1", ms, False, None) for ms in (1000, 2000, 3000, 4000)]
        + [("v1", None, True, 2500), ("v1", None, True, 9000)]
    )

    result = duration_summary(frame, quantiles=(0.5,)).row(0, named=True)

    assert (
        result["km_median_ms"]
        == 3000.0
        == reference_median([1000, 2000, 3000, 4000, 2500, 9000], [True] * 4 + [False] * 2)
    )
    assert result["p50"] == 2500.0  # the naive median of finished jobs only
    assert result["n_censored"] == 2


def test_km_median_null_when_running_age_unknown() -> None:
    result = duration_summary(durations_frame([("v1", 1000, False, None), ("v1", None, True, None)])).row(0, named=True)

    assert result["km_median_ms"] is None
    assert (result["n_running"], result["n_censored"]) == (1, 0)


def test_km_median_from_job_frames_with_now() -> None:
    frames = make_frames(
        [{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "SUCCESS"}, {"id": "c", "status": "STARTED"}],
        [("a", "PENDING", 0), ("a", "SUCCESS", 1000), ("b", "PENDING", 0), ("b", "SUCCESS", 3000), ("c", "PENDING", 0)],
    )

    without_now = duration_summary(frames).row(0, named=True)
    with_now = duration_summary(frames, now=T0 + timedelta(seconds=10)).row(0, named=True)

    assert without_now["km_median_ms"] is None
    # 1000 (S=2/3), 3000 (at risk 2: S=1/3) -> 3000; c censored at 10 000.
    assert with_now["km_median_ms"] == 3000.0 == reference_median([1000, 3000, 10_000], [True, True, False])


# --- the population: cache hits and failures are not runs ----------------------------------------


def mixed_durations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "job_id": ["a", "b", "c", "d", "e", "f"],
            "agent_version_name": ["v1"] * 6,
            "created_at": [datetime(2026, 5, 1, tzinfo=UTC)] * 6,
            "terminal_status": ["SUCCESS", "SUCCESS", "CACHED", None, "CANCELLED", "FAILURE"],
            "duration_ms": [1000, 3000, 0, None, 90_000, 50],
            "is_running": [False, False, False, True, False, False],
            "running_for_ms": [None, None, None, 500, None, None],
        },
        schema_overrides={"running_for_ms": pl.Int64},
    )


def test_cache_hits_are_left_out_by_default_everywhere() -> None:
    durations = mixed_durations().filter(pl.col("job_id").is_in(["a", "b", "c", "d"]))

    default = duration_summary(durations, quantiles=(0.5,)).row(0, named=True)
    with_cache = duration_summary(durations, quantiles=(0.5,), include_cached=True).row(0, named=True)
    trend = duration_trend(durations, quantiles=(0.5,))
    trend_with_cache = duration_trend(durations, quantiles=(0.5,), include_cached=True)

    assert (default["n"], default["n_measured"], default["p50"], default["n_running"]) == (3, 2, 2000.0, 1)
    assert (with_cache["n"], with_cache["n_measured"], with_cache["p50"]) == (4, 3, 1000.0)
    assert trend.select("n", "n_measured", "p50").row(0) == (3, 2, 2000.0)
    assert trend_with_cache.select("n", "p50").row(0) == (4, 1000.0)
    assert run_durations(durations).height == default["n"]
    assert run_durations(durations, include_cached=True).height == with_cache["n"]


def test_counts_agree_with_the_population() -> None:
    frames = make_frames(
        [
            {"id": "a", "status": "SUCCESS"},
            {"id": "b", "status": "CACHED"},
            {"id": "c", "status": "FAILURE"},
            {"id": "d", "status": "STARTED"},
        ],
        [
            ("a", "PENDING", 0),
            ("a", "SUCCESS", 4000),
            ("b", "PENDING", 0),
            ("b", "CACHED", 5),
            ("c", "PENDING", 0),
            ("c", "FAILURE", 20),
            ("d", "PENDING", 0),
        ],
    )

    population = run_durations(frames)
    summary = duration_summary(frames, by=None).row(0, named=True)

    assert population.get_column("job_id").to_list() == ["a", "c", "d"]
    assert summary["n"] == population.height
    assert summary["n_measured"] == population.filter(~pl.col("is_running")).height == 2
    assert run_durations(frames, status="SUCCESS").get_column("job_id").to_list() == ["a", "d"]


def test_slowest_jobs_lists_finished_successes_by_default() -> None:
    durations = mixed_durations()

    default = slowest_jobs(durations, by=None)
    any_status = slowest_jobs(durations, by=None, status=None)
    cancelled = slowest_jobs(durations, by=None, status="CANCELLED")
    with_running = slowest_jobs(durations, by=None, include_running=True)
    with_cache = slowest_jobs(durations, by=None, status=None, include_cached=True)

    assert default.select("job_id", "elapsed_ms").rows() == [("b", 3000), ("a", 1000)]
    assert any_status.get_column("job_id").to_list() == ["e", "b", "a", "f"]
    assert cancelled.get_column("job_id").to_list() == ["e"]
    assert with_running.get_column("job_id").to_list() == ["b", "a", "d"]
    assert with_cache.get_column("job_id").to_list() == ["e", "b", "a", "f", "c"]
    with pytest.raises(ValueError, match="terminal status"):
        slowest_jobs(durations, status="STARTED")
    with pytest.raises(ValueError, match="terminal status"):
        slowest_jobs(durations, status="success")


# --- duration_trend, slowest_jobs ----------------------------------------------------------------


def test_duration_trend_by_day_and_version() -> None:
    day = lambda d, h=9: datetime(2026, 5, d, h, tzinfo=UTC)  # noqa: E731
    frame = pl.DataFrame(
        {
            "agent_version_name": ["v1", "v1", "v1", "v2", "v1"],
            "created_at": [day(1), day(1, 23), day(2), day(1), day(3)],
            "terminal_status": ["SUCCESS"] * 4 + [None],
            "duration_ms": [100, 300, 50, 999, None],
            "is_running": [False, False, False, False, True],
            "running_for_ms": [None, None, None, None, None],
        },
        schema_overrides={"running_for_ms": pl.Int64},
    )

    result = duration_trend(frame, quantiles=(0.5,)).select(
        "period_start", "agent_version_name", "n", "n_running", "p50", "too_few"
    )

    expected = pl.DataFrame(
        {
            "period_start": [day(1, 0), day(1, 0), day(2, 0), day(3, 0)],
            "agent_version_name": ["v1", "v2", "v1", "v1"],
            "n": [2, 1, 1, 1],
            "n_running": [0, 0, 0, 1],
            "p50": [200.0, 999.0, 50.0, None],
            "too_few": [True] * 4,
        },
        schema_overrides={"n": pl.UInt32, "n_running": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_duration_trend_empty_and_bad_every() -> None:
    result = duration_trend(JobFrames.empty(), quantiles=(0.5,))

    assert result.height == 0
    assert result.schema["period_start"] == pl.Datetime("us", "UTC")
    with pytest.raises(ValueError, match="Polars duration string"):
        duration_trend(JobFrames.empty(), every="daily")


def slow_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "job_id": ["a", "b", "c", "d", "e", "f"],
            "agent_version_name": ["v1", "v1", "v2", "v2", "v1", "v2"],
            "terminal_status": ["SUCCESS"] * 4 + [None, "SUCCESS"],
            "duration_ms": [300, 500, 200, 200, None, 100],
            "is_running": [False, False, False, False, True, False],
            "running_for_ms": [None, None, None, None, 10_000, None],
        }
    )


def test_slowest_jobs_overall_with_ties_by_job_id() -> None:
    result = slowest_jobs(slow_frame(), by=None, n=4).select("rank", "job_id", "elapsed_ms")

    expected = pl.DataFrame(
        {"rank": [1, 2, 3, 4], "job_id": ["b", "a", "c", "d"], "elapsed_ms": [500, 300, 200, 200]},
        schema_overrides={"rank": pl.UInt32},
    )
    assert_frame_equal(result, expected)


def test_slowest_jobs_per_group_including_running() -> None:
    result = slowest_jobs(slow_frame(), n=1, by="agent_version_name", include_running=True)

    assert result.select("agent_version_name", "rank", "job_id", "is_running").rows() == [
        ("v1", 1, "e", True),
        ("v2", 1, "c", False),
    ]


def test_slowest_jobs_empty_and_bad_n() -> None:
    assert slowest_jobs(JobFrames.empty(), by=None).height == 0
    with pytest.raises(ValueError, match="positive integer"):
        slowest_jobs(slow_frame(), by=None, n=0)


def test_job_durations_frame_carries_n_inputs() -> None:
    frames = make_frames(
        [{"id": f"j{i}", "status": "SUCCESS"} for i in range(12)],
        [event for i in range(12) for event in ((f"j{i}", "PENDING", 0), (f"j{i}", "SUCCESS", 100 * (i + 1)))],
        [{"job_id": f"j{i}", "key": "x", "value": str(i % 11)} for i in range(11)],  # j11 has no inputs
    )

    from_frames = duration_summary(frames, quantiles=(0.5,))
    from_durations = duration_summary(job_durations(frames), quantiles=(0.5,))

    # 11 distinct inputs among j0..j10, plus j11 (no inputs) counted as its own unit.
    assert from_frames.item(0, "n_inputs") == 12
    assert_frame_equal(from_frames, from_durations)


# --- the input as the unit: Woodruff's clustered interval, cluster=, metadata keys ----------------


def hand_design_effect(values: np.ndarray, clusters: np.ndarray, q: float) -> float:
    """Kish's design effect of ``1{x <= q̂}``: the cluster-robust (ratio) variance of its mean,
    ``G/(G-1) · Σ(S_c - m_c·ȳ)² / N²`` (Cochran, *Sampling Techniques*, 3rd ed. §6.11), over ``s²/N``."""
    below = (values <= np.quantile(values, q)).astype(float)
    _, codes = np.unique(clusters, return_inverse=True)
    sums, sizes = np.bincount(codes, weights=below), np.bincount(codes).astype(float)
    g, n = sums.size, below.size
    robust = g / (g - 1) * ((sums - sizes * below.mean()) ** 2).sum() / n**2
    return float(robust / (below.var(ddof=1) / n))


def woodruff_reference(
    values: np.ndarray, clusters: np.ndarray, q: float, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """Woodruff (1952) on the effective sample: scipy's binomial ranks for ``m = floor(n / max(1, deff))``
    draws, the lower rank scaled down and the upper up to the ``n`` sorted runs."""
    n = values.size
    deff = max(1.0, hand_design_effect(values, clusters, q))
    m = int(np.floor(n / deff + 1e-9))
    low, high = scipy_ranks(m, q, confidence)
    ordered = np.sort(values)
    lo = None if low is None else float(ordered[int(np.floor(low * n / m + 1e-9)) - 1])
    hi = None if high is None else float(ordered[int(np.ceil(high * n / m - 1e-9)) - 1])
    return lo, hi


def clustered_durations(inputs: int, runs: int, seed: int) -> pl.DataFrame:
    """Runs with a strong per-input level: ``inputs × runs`` SUCCESS rows with ``input_id`` and ``customer``."""
    rng = np.random.default_rng(seed)
    level = np.repeat(rng.normal(0, 0.8, inputs), runs)
    ms = np.round(np.exp(8 + level + rng.normal(0, 0.4, inputs * runs))).astype(np.int64)
    return pl.DataFrame(
        {
            "job_id": [f"j{i}" for i in range(inputs * runs)],
            "agent_version_name": "v1",
            "terminal_status": "SUCCESS",
            "duration_ms": ms,
            "is_running": False,
            "running_for_ms": None,
            "input_id": np.repeat([f"in{i}" for i in range(inputs)], runs),
            "customer": np.repeat([f"c{i % 12}" for i in range(inputs)], runs),
        },
        schema_overrides={"running_for_ms": pl.Int64},
    )


def test_one_run_per_input_gives_the_independent_intervals_exactly() -> None:
    durations = clustered_durations(100, 1, seed=11)
    values = durations.get_column("duration_ms").to_numpy().astype(float)
    ordered = np.sort(values)

    with_inputs = duration_summary(durations, by=None).row(0, named=True)
    without = duration_summary(durations.drop("input_id", "customer"), by=None).row(0, named=True)

    assert with_inputs["design_effect"] == 1.0
    assert (with_inputs["n_inputs"], without["n_inputs"], without["design_effect"]) == (100, None, None)
    for q, name in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
        low, high = scipy_ranks(100, q)
        expected = (None if low is None else ordered[low - 1], None if high is None else ordered[high - 1])
        assert (with_inputs[f"{name}_low"], with_inputs[f"{name}_high"]) == expected
        assert (without[f"{name}_low"], without[f"{name}_high"]) == expected


def test_reruns_of_one_input_widen_the_interval_to_woodruffs() -> None:
    durations = clustered_durations(30, 5, seed=4)
    values = durations.get_column("duration_ms").to_numpy().astype(float)
    inputs = durations.get_column("input_id").to_numpy()

    row = duration_summary(durations, by=None, quantiles=(0.5, 0.9)).row(0, named=True)

    assert (row["n_measured"], row["n_inputs"], row["too_few"]) == (150, 30, False)
    assert row["design_effect"] == pytest.approx(hand_design_effect(values, inputs, 0.5), rel=1e-12)
    assert row["design_effect"] > 2
    for q, name in ((0.5, "p50"), (0.9, "p90")):
        assert (row[f"{name}_low"], row[f"{name}_high"]) == woodruff_reference(values, inputs, q)
        # Wider than the interval that takes the 150 runs as independent.
        low, high = quantile_interval(values, q)
        assert row[f"{name}_low"] <= low
        assert high is None or row[f"{name}_high"] is None or row[f"{name}_high"] >= high
    assert (row["p50_low"], row["p50_high"]) != quantile_interval(values, 0.5)


def test_cluster_any_column_is_the_unit() -> None:
    durations = clustered_durations(36, 2, seed=8)  # 12 customers, 3 inputs each
    values = durations.get_column("duration_ms").to_numpy().astype(float)
    customers = durations.get_column("customer").to_numpy()

    row = duration_summary(durations, by=None, quantiles=(0.5, 0.9), cluster="customer").row(0, named=True)

    assert row["n_inputs"] == 12
    assert row["design_effect"] == pytest.approx(hand_design_effect(values, customers, 0.5), rel=1e-12)
    assert (row["p50_low"], row["p50_high"]) == woodruff_reference(values, customers, 0.5)
    assert (row["p90_low"], row["p90_high"]) == woodruff_reference(values, customers, 0.9)
    few = duration_summary(durations.filter(pl.col("customer").is_in(["c0", "c1"])), by=None, cluster="customer")
    assert few.row(0, named=True)["too_few"] is True
    assert few.item(0, "note") == "too few to tell: 2 clusters of customer, fewer than 10; no interval"
    assert few.select(pl.col("^p\\d+_(low|high)$").is_null().all()).row(0) == (True,) * 6


def test_bad_cluster_is_refused_before_work() -> None:
    durations = clustered_durations(10, 1, seed=1)
    with pytest.raises(TypeError, match="cluster must be a column name"):
        duration_summary(durations, cluster=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cluster must be a column name"):
        duration_trend(durations, cluster="")
    with pytest.raises(MissingColumnsError, match=r"custmer.*did you mean 'customer'"):
        duration_summary(durations, cluster="custmer")


def metadata_frames() -> JobFrames:
    """24 SUCCESS jobs on two days: 12 inputs run twice, customers acme (inputs 0-5) and globex."""
    jobs, events, inputs, metadata = [], [], [], []
    for i in range(24):
        job, item = f"j{i:02d}", i % 12
        created = T0 + timedelta(days=i // 12)
        jobs.append(
            {"id": job, "status": "SUCCESS", "agent_id": "agent", "agent_version_name": "v1", "created_at": created}
        )
        events += [
            {"job_id": job, "status": "PENDING", "timestamp": created, "event_index": 0},
            {
                "job_id": job,
                "status": "SUCCESS",
                "timestamp": created + timedelta(seconds=10 + item + i),
                "event_index": 1,
            },
        ]
        inputs.append({"job_id": job, "key": "prompt", "value": str(item)})
        metadata.append({"job_id": job, "key": "customer", "value": "acme" if item < 6 else "globex"})
    return JobFrames.from_tables(jobs=jobs, status_events=events, inputs=inputs, metadata=metadata)


def test_by_a_metadata_key_slices_summary_trend_and_slowest_jobs() -> None:
    frames = metadata_frames()
    customers = pl.DataFrame(
        {
            "job_id": [f"j{i:02d}" for i in range(24)],
            "customer": ["acme" if i % 12 < 6 else "globex" for i in range(24)],
        }
    )
    durations = job_durations(frames).join(customers, on="job_id")

    summary = duration_summary(frames, by="customer", quantiles=(0.5,))
    trend = duration_trend(frames, by="customer", quantiles=(0.5,))
    slowest = slowest_jobs(frames, by="customer", n=2)

    assert_frame_equal(summary, duration_summary(durations, by="customer", quantiles=(0.5,)))
    assert summary.select("customer", "n", "n_inputs").rows() == [("acme", 12, 6), ("globex", 12, 6)]
    assert summary.get_column("too_few").to_list() == [True, True]  # 6 inputs each: too few to tell
    assert_frame_equal(trend, duration_trend(durations, by="customer", quantiles=(0.5,)))
    # Two days, each with every input once: 6 inputs per customer per day.
    assert trend.select("customer", "n", "n_inputs").rows() == [("acme", 6, 6), ("globex", 6, 6)] * 2
    expected = (
        durations.sort("duration_ms", descending=True)
        .group_by("customer", maintain_order=True)
        .head(2)
        .sort("customer")
    )
    assert slowest.select("customer", "job_id").rows() == expected.select("customer", "job_id").rows()
    # cluster= a metadata key: two customers, too few to tell.
    by_customer = duration_summary(frames, by=None, cluster="customer").row(0, named=True)
    assert (by_customer["n_inputs"], by_customer["too_few"]) == (2, True)
    with pytest.raises(MissingColumnsError, match=r"\['custmer'\] is neither a column nor a metadata key"):
        slowest_jobs(frames, by="custmer")
    with pytest.raises(MissingColumnsError, match="did you mean 'customer'"):
        duration_trend(frames, cluster="custmer")


def test_trend_rows_are_the_summaries_of_their_periods() -> None:
    frames = metadata_frames()
    durations = job_durations(frames)
    trend = duration_trend(frames, quantiles=(0.5, 0.9), cluster="input_id")

    assert trend.height == 2
    for day, row in enumerate(trend.iter_rows(named=True)):
        period = durations.filter(pl.col("created_at").dt.truncate("1d") == T0.replace(hour=0) + timedelta(days=day))
        alone = duration_summary(period, quantiles=(0.5, 0.9)).row(0, named=True)
        assert {k: v for k, v in row.items() if k != "period_start"} == alone
        assert (row["n_inputs"], row["design_effect"], row["too_few"]) == (12, 1.0, False)


def test_empty_schema_with_cluster_and_metadata_keys() -> None:
    durations = clustered_durations(30, 2, seed=2)
    full = duration_summary(durations, by="customer", cluster="customer", quantiles=(0.5, 0.9))
    empty = duration_summary(durations.clear(), by="customer", cluster="customer", quantiles=(0.5, 0.9))
    trend_empty = duration_trend(
        durations.clear().with_columns(created_at=pl.lit(T0)), by="customer", cluster="customer"
    )

    assert empty.height == 0
    assert empty.schema == full.schema == duration_summary_schema("customer", (0.5, 0.9), durations.schema)
    assert list(empty.columns)[-1] == "design_effect"
    assert trend_empty.columns == ["period_start", *full.columns]
    assert slowest_jobs(durations.clear(), by="customer").height == 0


def test_duration_summary_counts_of_one_read_singular() -> None:
    durations = clustered_durations(36, 4, seed=8)  # 12 customers, 3 inputs each: 12 runs per customer
    one_customer = durations.filter(pl.col("customer") == "c0")
    one_input = durations.filter(pl.col("input_id") == durations.item(0, "input_id"))
    one_run = durations.head(1)

    by_customer = duration_summary(one_customer, by=None, cluster="customer").row(0, named=True)
    assert (by_customer["n"], by_customer["n_inputs"]) == (12, 1)
    assert by_customer["note"] == "too few to tell: 1 cluster of customer, fewer than 10; no interval"
    assert duration_summary(one_input, by=None).item(0, "note") == (
        "too few to tell: 4 measured runs, fewer than 10; no interval"
    )
    assert duration_summary(one_run, by=None).item(0, "note") == (
        "too few to tell: 1 measured run, fewer than 10; no interval"
    )
