"""Cost against quality per version (`cost_quality`) and its Pareto front, against plain Python and statsmodels."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from roe_analysis.analysis import COST_QUALITY_STATS, MIN_N, cost_quality, cost_summary
from roe_analysis.analysis._cost_quality import pareto_flags
from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)
HINT = "load with `client.load_jobs(..., results=True)` or add them with `client.load_results(frames)`"


def versions_frames(
    spec: dict[str, tuple[float, float]],
    *,
    inputs: int = 15,
    runs: int = 2,
    agent: str = "agent-a",
    spread: float = 0.05,
) -> JobFrames:
    """Per version ``(cost, grader score)`` around which its jobs vary, on ``inputs`` inputs run ``runs`` times.

    A job is approved when its score is at least 0.7, else rejected; every job has a result.
    """
    jobs, results, job_inputs = [], [], []
    for day, (version, (cost, score)) in enumerate(spec.items()):
        for i in range(inputs):
            for r in range(runs):
                job_id = f"{agent}-{version}-{i}-{r}"
                wiggle = ((i * 7 + r * 3) % 5 - 2) / 2  # -1 .. 1, alike for reruns of an input
                value = score + spread * wiggle
                jobs.append(
                    {
                        "id": job_id,
                        "agent_id": agent,
                        "agent_version_name": version,
                        "status": "SUCCESS",
                        "grader_score": value,
                        "review_status": "approved" if value >= 0.7 else "rejected",
                        "created_at": T0 + timedelta(days=day),
                    }
                )
                results.append({"job_id": job_id, "cost": cost * (1 + 0.2 * wiggle)})
                job_inputs.append({"job_id": job_id, "key": "question", "value": f"{agent}-{i}"})
    return JobFrames.from_tables(jobs=jobs, results=results, inputs=job_inputs)


def test_cost_and_grader_score_match_plain_python_and_cost_summary() -> None:
    frames = versions_frames({"cheap": (0.01, 0.6), "best": (0.03, 0.85), "worse": (0.04, 0.7)})
    result = cost_quality(frames, n_resamples=1000)
    jobs = frames.jobs.join(frames.results, left_on="id", right_on="job_id")
    for row in result.iter_rows(named=True):
        mine = jobs.filter(pl.col("agent_version_name") == row["agent_version_name"])
        assert row["mean_cost"] == pytest.approx(sum(mine["cost"].to_list()) / mine.height, rel=1e-12)
        assert row["quality"] == pytest.approx(sum(mine["grader_score"].to_list()) / mine.height, rel=1e-12)
        assert (row["n_jobs"], row["n_with_cost"], row["n_inputs"], row["n_quality"]) == (30, 30, 15, 30)
        assert (row["quality_measure"], row["too_few"], row["note"]) == ("grader_score", False, None)
    # The cost axis is exactly cost_summary's.
    summary = cost_summary(frames, n_resamples=1000).select(
        "agent_version_name", "mean_cost", "mean_cost_low", "mean_cost_high"
    )
    assert result.select(summary.columns).sort("agent_version_name").equals(summary.sort("agent_version_name"))
    assert result["pareto"].to_list() == [True, True, False]  # "worse" costs more than "best" and scores less
    assert result["pareto_uncertain"].to_list() == [False, False, False]


def test_the_approval_rate_is_wilson_on_the_inputs_effective_sample_size() -> None:
    # 12 inputs × 3 runs: each input approved on all its runs, or on none (reruns judged alike).
    approved_inputs = {0, 1, 2, 4, 5, 7, 8, 10}
    jobs, results, inputs, flags, groups = [], [], [], [], []
    for i in range(12):
        for r in range(3):
            approved = i in approved_inputs if r < 2 else (i % 2 == 0)
            job_id = f"j{i}-{r}"
            jobs.append({"id": job_id, "agent_version_name": "v1", "status": "SUCCESS",
                         "review_status": "approved" if approved else "rejected"})  # fmt: skip
            results.append({"job_id": job_id, "cost": 0.01})
            inputs.append({"job_id": job_id, "key": "question", "value": f"q{i}"})
            flags.append(float(approved))
            groups.append(i)
    frames = JobFrames.from_tables(jobs=jobs, results=results, inputs=inputs)
    row = cost_quality(frames, quality="approval").row(0, named=True)
    x, g = np.array(flags), np.array(groups)
    fit = lambda: sm.OLS(x, np.ones(x.size))  # noqa: E731  the variance of a mean, naive and clustered
    deff = fit().fit(cov_type="cluster", cov_kwds={"groups": g}).bse[0] ** 2 / fit().fit().bse[0] ** 2
    n_eff = x.size / max(1.0, deff)
    alpha = 2 * stats.norm.sf(stats.t.ppf(0.975, 12 - 1))  # a t_{G-1} critical value, as a Wilson alpha
    low, high = proportion_confint(x.mean() * n_eff, n_eff, alpha=alpha, method="wilson")
    assert (row["n_quality"], row["n_quality_inputs"], row["quality"]) == (36, 12, pytest.approx(x.mean()))
    # The library's t quantile is a four-term Cornish–Fisher expansion (1e-4 of scipy's at 11 df).
    assert (row["quality_low"], row["quality_high"]) == (pytest.approx(low, abs=1e-5), pytest.approx(high, abs=1e-5))
    assert (row["mean_cost_low"], row["mean_cost_high"]) == (None, None)  # every cost the same: no zero-width bar


def test_a_dominated_version_is_off_the_front_and_ties_dominate_nobody() -> None:
    frames = versions_frames(
        {"a": (0.01, 0.60), "b": (0.03, 0.85), "c": (0.04, 0.70), "twin_of_b": (0.03, 0.85), "d": (0.01, 0.55)}
    )
    result = cost_quality(frames, n_resamples=300)
    front = dict(zip(result["agent_version_name"], result["pareto"], strict=True))
    # c: b is cheaper and better; d: a costs the same and scores higher; b and its twin: equal, neither strictly.
    assert front == {"a": True, "b": True, "c": False, "d": False, "twin_of_b": True}
    unsure = dict(zip(result["agent_version_name"], result["pareto_uncertain"], strict=True))
    # b and its twin overlap entirely: each might dominate the other.
    assert unsure["b"] and unsure["twin_of_b"]
    # a dominates d at an equal cost: a is settled (d is clearly worse), d is not (a is not clearly cheaper).
    assert (unsure["a"], unsure["d"]) == (False, True)
    assert unsure["c"] is False  # b is clearly cheaper and clearly better


def brute_force_front(points: list[tuple[float, float] | None]) -> list[bool | None]:
    """The definition, spelled out: no other point with cost <= and quality >=, one of them strictly."""
    out: list[bool | None] = []
    for i, p in enumerate(points):
        if p is None:
            out.append(None)
            continue
        dominated = any(
            q is not None and j != i and q[0] <= p[0] and q[1] >= p[1] and (q[0] < p[0] or q[1] > p[1])
            for j, q in enumerate(points)
        )
        out.append(not dominated)
    return out


def test_pareto_flags_agree_with_the_definition_on_random_points() -> None:
    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(1, 8))
        # Few distinct values, so ties in cost or quality are common.
        points: list[tuple[float, float] | None] = [
            (float(rng.integers(1, 5)), float(rng.integers(1, 5))) if rng.random() > 0.1 else None for _ in range(n)
        ]
        bounds = [(None,) * 4 for _ in points]
        front, unsure = pareto_flags(points, bounds)
        assert front == brute_force_front(points)
        # Without intervals nothing is settled, except a point with no rival at all.
        placed = sum(p is not None for p in points)
        assert unsure == [None if p is None else placed > 1 for p in points]


def test_pareto_uncertainty_reads_the_intervals() -> None:
    points = [(1.0, 0.5), (2.0, 0.9), (3.0, 0.8)]
    apart = [(0.9, 1.1, 0.45, 0.55), (1.9, 2.1, 0.85, 0.95), (2.9, 3.1, 0.75, 0.79)]
    assert pareto_flags(points, apart) == ([True, True, False], [False, False, False])
    # The third's quality interval reaches the second's: it might be as good, so it might be on the front
    # (the second is still settled: the third is clearly costlier).
    close = [*apart[:2], (2.9, 3.1, 0.7, 0.86)]
    assert pareto_flags(points, close) == ([True, True, False], [False, False, True])
    # The first's cost interval reaches the second's: the second might be dominated.
    wide = [(0.9, 2.2, 0.45, 0.95), *apart[1:]]
    assert pareto_flags(points, wide) == ([True, True, False], [True, True, False])


def test_the_front_is_per_agent_when_agents_are_grouped() -> None:
    one = versions_frames({"v1": (0.01, 0.6), "v2": (0.03, 0.8)}, agent="agent-a")
    two = versions_frames({"v1": (0.05, 0.5), "v2": (0.06, 0.55)}, agent="agent-b")
    frames = JobFrames.from_tables(
        jobs=pl.concat([one.jobs, two.jobs]), results=pl.concat([one.results, two.results]),
        inputs=pl.concat([one.inputs, two.inputs]),
    )  # fmt: skip
    per_agent = cost_quality(frames, by=["agent_id", "agent_version_name"], n_resamples=300)
    assert per_agent.select("agent_id", "agent_version_name", "pareto").rows() == [
        ("agent-a", "v1", True), ("agent-a", "v2", True), ("agent-b", "v1", True), ("agent-b", "v2", True),
    ]  # fmt: skip
    # Pooled by version name alone, agent-b's jobs move both versions but the scores share a scale.
    assert cost_quality(frames, n_resamples=300)["pareto"].to_list() == [True, True]


def test_too_few_inputs_are_not_placed_on_the_front() -> None:
    frames = versions_frames({"v1": (0.02, 0.7), "v2": (0.03, 0.8)})
    canary = versions_frames({"canary": (0.01, 0.95)}, inputs=MIN_N - 1, runs=1)
    both = JobFrames.from_tables(
        jobs=pl.concat([frames.jobs, canary.jobs]), results=pl.concat([frames.results, canary.results]),
        inputs=pl.concat([frames.inputs, canary.inputs]),
    )  # fmt: skip
    result = cost_quality(both, n_resamples=300)
    rows = {r["agent_version_name"]: r for r in result.iter_rows(named=True)}
    assert rows["canary"]["too_few"] is True and rows["canary"]["pareto"] is None
    assert (rows["canary"]["quality_low"], rows["canary"]["mean_cost_low"]) == (None, None)
    assert rows["canary"]["note"] == (
        f"too few to tell: {MIN_N - 1} inputs with a cost (need {MIN_N}); no interval; quality too few to tell: "
        f"{MIN_N - 1} inputs with a grader score (need {MIN_N}); no interval; not placed on the Pareto front"
    )
    # The canary is cheaper and better on 9 runs: it would otherwise knock both versions off the front.
    assert (rows["v1"]["pareto"], rows["v2"]["pareto"]) == (True, True)


def test_no_reviews_and_no_scores_say_so() -> None:
    frames = JobFrames.from_tables(
        jobs=[{"id": "a", "agent_version_name": "v1", "status": "SUCCESS"}],
        results=[{"job_id": "a", "cost": 0.01}],
    )
    row = cost_quality(frames, quality="approval").row(0, named=True)
    assert (row["quality"], row["n_quality"], row["pareto"]) == (None, 0, None)
    assert "quality too few to tell: no job with a completed review" in row["note"]


def test_scores_on_different_scales_are_not_pooled_across_agents() -> None:
    one = versions_frames({"v1": (0.01, 0.6)}, agent="agent-a")
    hundred = versions_frames({"v1": (0.01, 60.0)}, agent="agent-b", spread=5)
    frames = JobFrames.from_tables(
        jobs=pl.concat([one.jobs, hundred.jobs]), results=pl.concat([one.results, hundred.results])
    )
    with pytest.raises(InvalidArgumentError, match="different scales across agents"):
        cost_quality(frames)
    assert cost_quality(frames, by=["agent_id", "agent_version_name"], n_resamples=100).height == 2
    assert cost_quality(frames, quality="approval", n_resamples=100).height == 1  # approval is one scale


def test_empty_frames_missing_results_and_bad_options() -> None:
    assert cost_quality(JobFrames.empty()).schema == pl.Schema(
        {"agent_version_name": pl.String(), **COST_QUALITY_STATS}
    )
    assert cost_quality(JobFrames.empty(), by=None).schema == COST_QUALITY_STATS
    no_results = JobFrames.from_tables(jobs=[{"id": "a", "agent_version_name": "v1"}])
    with pytest.raises(InvalidArgumentError) as info:
        cost_quality(no_results)
    assert str(info.value) == (
        f"cost_quality needs each job's cost and tokens (the results frame), and these frames have no results: {HINT}."
    )
    with pytest.raises(InvalidArgumentError, match=r"quality must be one of \['grader_score', 'approval'\]"):
        cost_quality(no_results, quality="human_score")  # type: ignore[arg-type]


def test_every_pair_of_a_small_grid_gives_the_same_front_as_the_definition() -> None:
    # The helper's front on real frames, against the brute force over its own point estimates.
    spec = {f"v{i}": (c, q) for i, (c, q) in enumerate(itertools.product((0.01, 0.02, 0.03), (0.6, 0.8)))}
    result = cost_quality(versions_frames(spec), n_resamples=100)
    points = list(zip(result["mean_cost"], result["quality"], strict=True))
    assert result["pareto"].to_list() == brute_force_front(points)
    assert result.filter(pl.col("pareto"))["agent_version_name"].to_list() == ["v1"]  # cheapest and best
