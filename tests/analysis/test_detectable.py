"""What a comparison that finds nothing could have detected: `compare_versions`' detectable_difference.

References: statsmodels' ``TTestIndPower`` / ``TTestPower`` (exact noncentral t) for the planned
difference, and a seeded simulation of the test the comparison runs (Welch's t on per-input means,
scipy) for its power at that difference.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.power import TTestIndPower, TTestPower

import roe_analysis as ra
from roe_analysis._text import fmt_num

# The unpaired designs run each version on its own inputs, which compare_versions warns about.
pytestmark = pytest.mark.filterwarnings("ignore::roe_analysis.errors.NoSharedInputsWarning")


def frame_of(per_version: dict[str, list[tuple[str, float]]]) -> pl.DataFrame:
    rows = [
        {"job_id": f"{v}-{i}", "agent_version_name": v, "input_id": q, "grader_score": x,
         "created_at": datetime(2026, 5, day, tzinfo=UTC)}
        for day, (v, items) in enumerate(per_version.items(), start=1)
        for i, (q, x) in enumerate(items)
    ]  # fmt: skip
    return pl.DataFrame(rows)


def runs(seed: int, inputs: int, per_input: int, *, shift: float = 0.0, offset: int = 0) -> list[tuple[str, float]]:
    """Inputs with their own level (sd 1) and runs scattered around it (sd 0.5)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, inputs)
    return [
        (f"q{offset + i}", float(centres[i] + shift + rng.normal(0, 0.5)))
        for i in range(inputs)
        for _ in range(per_input)
    ]


def means(items: list[tuple[str, float]]) -> np.ndarray:
    frame = pl.DataFrame(items, schema=["q", "v"], orient="row")
    return frame.group_by("q").agg(pl.col("v").mean()).sort("q").get_column("v").to_numpy()


def test_unpaired_detectable_difference_is_the_t_test_plan_on_per_input_means() -> None:
    a, b = runs(1, 30, 4), runs(2, 24, 4, offset=100)
    row = ra.compare_versions(frame_of({"v1": a, "v2": b}), "v1", "v2").row(0, named=True)

    mean_a, mean_b = means(a), means(b)
    pooled = np.sqrt((29 * mean_a.var(ddof=1) + 23 * mean_b.var(ddof=1)) / 52)
    n = int(2 * 30 * 24 / 54)  # the harmonic mean of the inputs per side: 26
    reference = TTestIndPower().solve_power(nobs1=n, alpha=0.05, power=0.8, ratio=1.0) * pooled
    assert (row["paired"], row["n_inputs_a"], row["n_inputs_b"]) == (False, 30, 24)
    assert row["detectable_difference"] == pytest.approx(reference, rel=0.01)
    planned = ra.detectable_difference(n=26, sd=float(pooled), alpha=0.05, power=0.8)
    assert row["detectable_difference"] == pytest.approx(planned, abs=1e-12)
    assert row["verdict"].startswith("no detectable difference between v1 and v2 (p=")
    assert row["verdict"].endswith(
        f"; it could have detected a difference of ±{fmt_num(row['detectable_difference'])} with 80% power)"
    )


def test_paired_detectable_difference_uses_the_per_input_differences() -> None:
    a = runs(3, 25, 2)
    rng = np.random.default_rng(4)
    b = [(q, x + rng.normal(0, 0.4)) for q, x in a]
    row = ra.compare_versions(frame_of({"v1": a, "v2": b}), "v1", "v2").row(0, named=True)

    diffs = means(b) - means(a)
    reference = TTestPower().solve_power(nobs=25, alpha=0.05, power=0.8) * diffs.std(ddof=1)
    assert (row["paired"], row["n_pairs"]) == (True, 25)
    assert row["detectable_difference"] == pytest.approx(reference, rel=0.01)


def test_holm_rows_plan_at_their_own_level_and_medians_and_too_few_have_none() -> None:
    versions = {"v1": runs(5, 30, 2), "v2": runs(6, 30, 2, offset=100), "v3": runs(7, 30, 2, offset=200)}
    frame = frame_of({**versions, "v4": runs(8, 5, 2, offset=300)})
    rows = ra.compare_all_versions(frame).rows(named=True)
    family = [r for r in rows if not r["too_few"]]
    assert len(family) == 3
    assert sorted(r["interval_confidence"] for r in family) == pytest.approx([0.95, 1 - 0.05 / 2, 1 - 0.05 / 3])
    for r in family:  # each planned at the level its Holm step tests at, like its interval
        alone = ra.compare_versions(frame, r["a"], r["b"], confidence=r["interval_confidence"])
        assert r["detectable_difference"] == pytest.approx(alone.item(0, "detectable_difference"), abs=1e-12)
    assert [r["detectable_difference"] for r in rows if r["too_few"]] == [None, None, None]
    durations = frame.with_columns(duration_ms=pl.col("grader_score").abs() * 1000)
    median = ra.compare_versions(durations, "v1", "v2", metric="duration_ms", status=None)
    assert median.item(0, "statistic") == "median" and median.item(0, "detectable_difference") is None


def test_a_true_difference_of_the_detectable_size_is_detected_with_about_80_percent_power() -> None:
    # One comparison plans a design: 30 inputs a side, per-input means with the pooled sd it saw...
    a, b = runs(8, 30, 3), runs(9, 30, 3, offset=100)
    delta = ra.compare_versions(frame_of({"v1": a, "v2": b}), "v1", "v2").item(0, "detectable_difference")
    sd = np.sqrt((means(a).var(ddof=1) + means(b).var(ddof=1)) / 2)
    # ...and the test the comparison runs, Welch's t on per-input means, applied to 4,000 samples
    # of that design whose true difference is the detectable one, rejects about 80% of the time.
    rng = np.random.default_rng(10)
    side_a = rng.normal(0.0, sd, (4000, 30))
    side_b = rng.normal(delta, sd, (4000, 30))
    power = float((stats.ttest_ind(side_a, side_b, axis=1, equal_var=False).pvalue < 0.05).mean())
    assert 0.76 <= power <= 0.84, power
