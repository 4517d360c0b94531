"""What a version costs (`cost_summary`, `version_labels`, cost in `compare_versions`), against plain Python.

Every figure is checked against an independent computation in the test: plain Python over the rows
the frames were built from, numpy's quantiles, scipy's bootstrap and t tests, and statsmodels' OLS
with cluster-robust standard errors (for the mean) and on the linearised ratio (the delta method,
for the costs per success and per approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from polars.testing import assert_frame_equal
from scipy import stats

from roe_analysis.analysis import (
    COST_SUMMARY_STATS,
    MIN_N,
    compare_all_versions,
    compare_versions,
    cost_summary,
    version_labels,
)
from roe_analysis.analysis._score_intervals import cluster_ratio_interval, expanded_tail
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError, NoSharedInputsWarning
from roe_analysis.frames import JobFrames

T0 = datetime(2026, 5, 1, tzinfo=UTC)
HINT = "load with `client.load_jobs(..., results=True)` or add them with `client.load_results(frames)`"


@dataclass(frozen=True)
class Run:
    """One job as the test writes it down, before any frame exists."""

    job_id: str
    version: str
    input: str
    status: str
    review: str | None
    has_result: bool
    cost: float | None
    input_tokens: int
    output_tokens: int


def make_runs() -> list[Run]:
    """Two versions, 12 inputs each run 1–3 times; failures, cache hits, reviews, one gap each."""
    runs = []
    for v, base in (("v1", 0.010), ("v2", 0.030)):
        for i in range(12):
            for r in range(1 + i % 3):
                status = "CACHED" if (i + r) % 5 == 0 else "FAILURE" if (i + r) % 7 == 3 else "SUCCESS"
                review = None
                if status == "SUCCESS":
                    review = "approved" if (i + r) % 3 else "rejected"
                elif status == "FAILURE":
                    review = "rejected"
                cost = 0.0 if status == "CACHED" else base * (1 + i / 10) * (0.5 if status == "FAILURE" else 1)
                runs.append(Run(f"{v}-{i}-{r}", v, f"q{i}", status, review, True, cost, 900 + 10 * i, 100 + r))
    # v1: one job the results endpoint did not answer for; v2: one result without a cost.
    runs[4] = Run(**{**runs[4].__dict__, "has_result": False, "cost": None})
    runs[-1] = Run(**{**runs[-1].__dict__, "cost": None})
    return runs


def frames_of(runs: list[Run], *, extra_jobs: list[dict[str, object]] | None = None) -> JobFrames:
    jobs = [
        {
            "id": r.job_id,
            "agent_id": "agent-a",
            "agent_version_name": r.version,
            "status": r.status,
            "review_status": r.review,
            "created_at": T0 + timedelta(days=1 if r.version == "v1" else 2),
        }
        for r in runs
    ]
    inputs = [{"job_id": r.job_id, "input_index": 0, "key": "question", "value": r.input} for r in runs]
    results = [
        {"job_id": r.job_id, "cost": r.cost, "input_tokens": r.input_tokens, "output_tokens": r.output_tokens}
        for r in runs
        if r.has_result
    ]
    return JobFrames.from_tables(jobs=jobs + (extra_jobs or []), inputs=inputs, results=results)


# --- cost_summary: the definitions ------------------------------------------------------------


def test_cost_summary_matches_plain_python_on_every_point_estimate() -> None:
    runs = make_runs()
    result = cost_summary(frames_of(runs), n_resamples=500)

    for row in result.iter_rows(named=True):
        mine = [r for r in runs if r.version == row["agent_version_name"]]
        priced = [r for r in mine if r.has_result and r.cost is not None]
        costs = [r.cost for r in priced]
        total = sum(costs)  # type: ignore[arg-type]
        successes = sum(r.status == "SUCCESS" for r in priced)
        approvals = sum(r.review == "approved" for r in priced)
        assert row["n_jobs"] == len(mine)
        assert row["n_missing"] == sum(not r.has_result for r in mine)
        assert row["n_with_cost"] == len(priced)
        assert row["n_inputs"] == len({r.input for r in priced})
        assert (row["n_success"], row["n_approved"]) == (successes, approvals)
        assert row["n_cached"] == sum(r.status == "CACHED" for r in priced)
        assert row["total_cost"] == pytest.approx(total, rel=1e-12)
        assert row["mean_cost"] == pytest.approx(total / len(priced), rel=1e-12)
        assert row["p50_cost"] == pytest.approx(float(np.quantile(costs, 0.5)), rel=1e-12)
        assert row["p95_cost"] == pytest.approx(float(np.quantile(costs, 0.95)), rel=1e-12)
        assert row["mean_input_tokens"] == pytest.approx(np.mean([r.input_tokens for r in priced]), rel=1e-12)
        assert row["mean_output_tokens"] == pytest.approx(np.mean([r.output_tokens for r in priced]), rel=1e-12)
        assert row["cost_per_success"] == pytest.approx(total / successes, rel=1e-12)
        assert row["cost_per_approval"] == pytest.approx(total / approvals, rel=1e-12)
        assert row["too_few"] is False
        for name in ("mean_cost", "cost_per_success", "cost_per_approval", "mean_input_tokens"):
            assert row[f"{name}_low"] < row[name] < row[f"{name}_high"], name
    notes = dict(zip(result["agent_version_name"], result["note"], strict=True))
    assert notes == {"v1": "1 job without a result left out", "v2": "1 result without a cost left out"}


def small(rows: list[tuple[str, str | None, float | None]]) -> JobFrames:
    """One version's jobs as (status, review, cost); a cost of None means no result row."""
    jobs = [
        {"id": f"j{i}", "agent_version_name": "v1", "status": s, "review_status": r} for i, (s, r, _) in enumerate(rows)
    ]
    results = [{"job_id": f"j{i}", "cost": c} for i, (_, _, c) in enumerate(rows) if c is not None]
    return JobFrames.from_tables(jobs=jobs, results=results)


def test_cache_hits_count_at_their_cost_of_zero() -> None:
    row = cost_summary(small([("SUCCESS", None, 0.02), ("CACHED", None, 0.0)])).row(0, named=True)
    assert (row["mean_cost"], row["p50_cost"], row["n_cached"]) == (0.01, 0.01, 1)
    assert row["cost_per_success"] == 0.02  # the cache hit adds nothing and is not a success


def test_failures_count_in_the_total_a_success_costs() -> None:
    row = cost_summary(small([("SUCCESS", None, 0.02), ("FAILURE", None, 0.01)])).row(0, named=True)
    assert row["total_cost"] == pytest.approx(0.03)
    assert row["cost_per_success"] == pytest.approx(0.03)
    assert row["mean_cost"] == pytest.approx(0.015)


def test_cost_per_approved_verdict_counts_the_rejections_and_failures_it_took() -> None:
    rows = [
        ("SUCCESS", "approved", 0.02),
        ("SUCCESS", "rejected", 0.02),
        ("FAILURE", None, 0.01),
        ("SUCCESS", "pending", 0.02),
    ]
    row = cost_summary(small(rows)).row(0, named=True)
    assert (row["n_approved"], row["n_success"]) == (1, 3)
    assert row["cost_per_approval"] == pytest.approx(0.07)
    assert row["cost_per_success"] == pytest.approx(0.07 / 3)


def test_no_approval_and_no_success_are_null_with_their_reason() -> None:
    row = cost_summary(small([("FAILURE", "rejected", 0.01), ("CACHED", None, 0.0)])).row(0, named=True)
    assert (row["cost_per_success"], row["cost_per_success_low"]) == (None, None)
    assert row["cost_per_approval"] is None
    assert row["note"] == (
        "too few to tell: 2 inputs with a cost (need 10); no interval; no SUCCESS job: no cost per success; "
        "no approved verdict: no cost per approval"
    )


def test_a_job_without_a_result_is_missing_not_free() -> None:
    row = cost_summary(small([("SUCCESS", "approved", 0.04), ("SUCCESS", "approved", None)])).row(0, named=True)
    assert (row["n_jobs"], row["n_missing"], row["n_with_cost"]) == (2, 1, 1)
    assert row["mean_cost"] == 0.04  # not 0.02: the missing job is left out, not taken as free
    # ... of both sides of the ratios: a gap in the results cannot make a version look cheaper
    assert (row["n_success"], row["cost_per_success"], row["cost_per_approval"]) == (1, 0.04, 0.04)
    assert "1 job without a result left out" in row["note"]


def test_results_loaded_but_answered_for_none_count_every_job_missing() -> None:
    frames = JobFrames.from_tables(jobs=[{"id": "a", "agent_version_name": "v1"}], query={"results": True})
    row = cost_summary(frames).row(0, named=True)
    assert (row["n_jobs"], row["n_missing"], row["n_with_cost"], row["mean_cost"]) == (1, 1, 0, None)
    assert row["note"] == "too few to tell: no job with a cost; 1 job without a result left out"


# --- cost_summary: intervals, with the input as the unit -------------------------------------------


def clustered_costs(rng: np.random.Generator, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(cost, success, approved, cluster)``: ``g`` inputs run 1–4 times; cost and success follow the input."""
    sizes = rng.integers(1, 5, size=g)
    cluster = np.repeat(np.arange(g), sizes)
    u = rng.normal(0, 1, g)[cluster]
    cached = rng.random(cluster.size) < 0.1
    success = ~cached & (rng.random(cluster.size) < 1 / (1 + np.exp(-(1.5 - u))))
    cost = np.exp(-4 + 0.5 * u + 0.3 * rng.normal(0, 1, cluster.size)) * np.where(success, 1.0, 0.5)
    cost = np.where(cached, 0.0, cost)
    approved = success & (rng.random(cluster.size) < 0.6)
    return cost, success.astype(float), approved.astype(float), cluster


def frames_from_arrays(
    cost: np.ndarray,
    success: np.ndarray,
    approved: np.ndarray,
    cluster: np.ndarray,
    *,
    replicate: np.ndarray | None = None,
) -> JobFrames:
    ids = [f"j{i}" for i in range(cost.size)]
    cached = (cost == 0) & (success == 0)
    status = np.where(success == 1, "SUCCESS", np.where(cached, "CACHED", "FAILURE"))
    reps = np.zeros(cost.size, dtype=int) if replicate is None else replicate
    jobs = pl.DataFrame(
        {
            "id": ids,
            "agent_version_name": "v1",
            "status": status,
            "review_status": [
                "approved" if a else "rejected" if s else None for a, s in zip(approved, success, strict=True)
            ],
        }
    )
    inputs = pl.DataFrame(
        {"job_id": ids, "key": "question", "value": [f"{r}-{c}" for r, c in zip(reps, cluster, strict=True)]}
    )
    metadata = pl.DataFrame({"job_id": ids, "key": "replicate", "value": reps.astype(str)})
    results = pl.DataFrame({"job_id": ids, "cost": cost, "input_tokens": np.round(cost * 1e5).astype(np.int64)})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs, metadata=metadata, results=results)


def test_the_mean_cost_interval_is_the_expanded_cluster_bootstrap_and_near_the_robust_t_interval() -> None:
    g = 40
    cost, success, approved, cluster = clustered_costs(np.random.default_rng(11), g)
    row = cost_summary(frames_from_arrays(cost, success, approved, cluster), by=None, n_resamples=20_000).row(
        0, named=True
    )
    assert (row["n_inputs"], row["n_with_cost"]) == (g, cost.size)
    sums, sizes = np.bincount(cluster, weights=cost), np.bincount(cluster).astype(float)
    alpha = 2 * stats.norm.cdf(-np.sqrt(g / (g - 1)) * stats.t.ppf(0.975, g - 1))
    assert alpha / 2 == pytest.approx(expanded_tail(0.95, g), abs=1e-4)

    def ratio(s: np.ndarray, m: np.ndarray, axis: int = -1) -> np.ndarray:
        return s.sum(axis=axis) / m.sum(axis=axis)

    # The same method by independent code: scipy's bootstrap of whole inputs, at the expanded level.
    reference = stats.bootstrap(
        (sums, sizes), ratio, paired=True, vectorized=True, n_resamples=20_000, method="percentile",
        confidence_level=1 - alpha, rng=np.random.default_rng(5),
    ).confidence_interval  # fmt: skip
    width = reference.high - reference.low
    assert row["mean_cost_low"] == pytest.approx(reference.low, abs=0.03 * width)
    assert row["mean_cost_high"] == pytest.approx(reference.high, abs=0.03 * width)
    # And the textbook: OLS on a constant with cluster-robust (CR1) errors, t with G-1 degrees of freedom.
    fit = sm.OLS(cost, np.ones(cost.size)).fit(cov_type="cluster", cov_kwds={"groups": cluster})
    half = stats.t.ppf(0.975, g - 1) * fit.bse[0]
    assert fit.params[0] == pytest.approx(row["mean_cost"], rel=1e-12)
    assert row["mean_cost_low"] == pytest.approx(fit.params[0] - half, abs=0.1 * 2 * half)
    assert row["mean_cost_high"] == pytest.approx(fit.params[0] + half, abs=0.1 * 2 * half)
    naive = sm.OLS(cost, np.ones(cost.size)).fit().bse[0]
    assert row["design_effect"] == pytest.approx((fit.bse[0] / naive) ** 2, rel=1e-9)


@pytest.mark.parametrize(("flag", "column"), [("success", "cost_per_success"), ("approved", "cost_per_approval")])
def test_the_ratio_intervals_match_scipy_and_the_delta_method(flag: str, column: str) -> None:
    g = 40
    cost, success, approved, cluster = clustered_costs(np.random.default_rng(12), g)
    per = success if flag == "success" else approved
    row = cost_summary(frames_from_arrays(cost, success, approved, cluster), by=None, n_resamples=20_000).row(
        0, named=True
    )
    estimate = cost.sum() / per.sum()
    assert row[column] == pytest.approx(estimate, rel=1e-12)
    alpha = 2 * expanded_tail(0.95, g)
    reference = stats.bootstrap(
        (np.bincount(cluster, weights=cost), np.bincount(cluster, weights=per)),
        lambda s, m, axis=-1: s.sum(axis=axis) / m.sum(axis=axis),
        paired=True, vectorized=True, n_resamples=20_000, method="percentile", confidence_level=1 - alpha,
        rng=np.random.default_rng(6),
    ).confidence_interval  # fmt: skip
    width = reference.high - reference.low
    assert row[f"{column}_low"] == pytest.approx(reference.low, abs=0.03 * width)
    assert row[f"{column}_high"] == pytest.approx(reference.high, abs=0.03 * width)
    # The delta method for a ratio of cluster totals: the linearised values (y - R x) / x̄, whose mean
    # has the ratio's variance; its cluster-robust SE from statsmodels.
    linear = (cost - estimate * per) / per.mean()
    se = sm.OLS(linear, np.ones(cost.size)).fit(cov_type="cluster", cov_kwds={"groups": cluster}).bse[0]
    half = stats.t.ppf(0.975, g - 1) * se
    assert row[f"{column}_low"] == pytest.approx(estimate - half, abs=0.15 * 2 * half)
    assert row[f"{column}_high"] == pytest.approx(estimate + half, abs=0.15 * 2 * half)


def true_costs() -> tuple[float, float, float]:
    """The population's mean cost per job, cost per success and per approval, by Gauss–Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / np.sqrt(2 * np.pi)
    p = 1 / (1 + np.exp(-(1.5 - nodes)))
    lognormal = np.exp(0.3**2 / 2)  # E[exp(0.3 e)]
    mean_cost = 0.9 * float((weights * np.exp(-4 + 0.5 * nodes) * lognormal * (p + 0.5 * (1 - p))).sum())
    p_success = 0.9 * float((weights * p).sum())
    return mean_cost, mean_cost / p_success, mean_cost / (0.6 * p_success)


def test_the_intervals_cover_through_the_public_helper_with_inputs_as_the_unit() -> None:
    """400 seeded datasets of 30 inputs (1–4 runs each): each interval covers the truth 91–98% of the time.

    The costs are right-skewed (log-normal per input, 10% cache hits at 0), as real costs are: over
    2,000 datasets the 95% intervals cover 93–95% at 15, 30 and 60 inputs (the misses on the high
    side), as does the cluster-robust t interval; with 400 datasets the standard error of a
    coverage is 0.011, hence the band. Taking every run as its own unit covers about 80%.
    """
    replicates, g = 400, 30
    rng = np.random.default_rng(2026)
    parts = [clustered_costs(rng, g) for _ in range(replicates)]
    cost, success, approved, cluster = (np.concatenate([p[k] for p in parts]) for k in range(4))
    replicate = np.concatenate([np.full(p[0].size, r) for r, p in enumerate(parts)])
    frames = frames_from_arrays(cost, success, approved, cluster, replicate=replicate)

    result = cost_summary(frames, by="replicate", n_resamples=1000)  # a metadata key as the group

    assert result.height == replicates and result["n_inputs"].unique().to_list() == [g]
    truth = dict(zip(("mean_cost", "cost_per_success", "cost_per_approval"), true_costs(), strict=True))
    coverage = {
        name: float(result.select(((pl.col(f"{name}_low") <= t) & (pl.col(f"{name}_high") >= t)).mean()).item())
        for name, t in truth.items()
    }
    assert all(0.91 <= c <= 0.98 for c in coverage.values()), coverage
    # Every run its own unit instead (the mistake the clustering avoids) covers far less.
    naive = [
        cluster_ratio_interval(p[0], p[1], np.arange(p[0].size), confidence=0.95, n_resamples=1000, seed=i)
        for i, p in enumerate(parts)
    ]
    naive_coverage = np.mean([lo is not None and lo <= truth["cost_per_success"] <= hi for lo, hi in naive])
    assert naive_coverage < 0.9, naive_coverage


def test_too_few_inputs_give_no_interval_and_say_so() -> None:
    cost, success, approved, cluster = clustered_costs(np.random.default_rng(3), MIN_N - 1)
    row = cost_summary(frames_from_arrays(cost, success, approved, cluster), by=None).row(0, named=True)
    assert row["too_few"] is True
    assert all(row[f"{name}_{side}"] is None for name in ("mean_cost", "p50_cost", "p95_cost", "cost_per_success",
               "cost_per_approval", "mean_input_tokens") for side in ("low", "high"))  # fmt: skip
    assert row["mean_cost"] is not None and row["cost_per_success"] is not None
    assert row["note"] == f"too few to tell: {MIN_N - 1} inputs with a cost (need {MIN_N}); no interval"


def test_identical_costs_give_no_interval_rather_than_a_zero_width_one() -> None:
    rows = [("SUCCESS", "approved", 0.02)] * 20  # 20 jobs without inputs: 20 units, no spread at all
    row = cost_summary(small(rows)).row(0, named=True)
    assert row["too_few"] is False and row["mean_cost"] == pytest.approx(0.02)
    assert (row["mean_cost_low"], row["mean_cost_high"]) == (None, None)
    assert (row["cost_per_success_low"], row["cost_per_approval_high"]) == (None, None)


def test_seeded_intervals_repeat_exactly() -> None:
    frames = frames_of(make_runs())
    assert_frame_equal(cost_summary(frames, seed=7), cost_summary(frames, seed=7))


# --- cost_summary: grouping, schema, errors ---------------------------------------------------


def test_by_agent_and_version_by_none_and_a_metadata_cluster() -> None:
    runs = make_runs()
    frames = frames_of(runs)
    by_two = cost_summary(frames, by=["agent_id", "agent_version_name"], n_resamples=200)
    assert by_two.columns[:2] == ["agent_id", "agent_version_name"]
    assert by_two["agent_version_name"].to_list() == ["v1", "v2"]
    overall = cost_summary(frames, by=None, n_resamples=200).row(0, named=True)
    assert overall["n_jobs"] == len(runs) and overall["n_inputs"] == 12  # the same 12 inputs on both versions
    assert cost_summary(frames, by=(), n_resamples=200).equals(cost_summary(frames, by=None, n_resamples=200))
    # One cluster per version (a jobs column as the unit): 1 cluster of agent_version_name each, too few.
    clustered = cost_summary(frames, cluster="agent_version_name")
    assert clustered["n_inputs"].to_list() == [1, 1]
    assert clustered["note"][0].startswith("too few to tell: 1 cluster of agent_version_name with a cost")


def test_empty_frames_have_the_fixed_schema() -> None:
    for frames in (JobFrames.empty(), JobFrames.from_tables(query={"results": True})):
        result = cost_summary(frames)
        assert result.height == 0
        assert result.schema == pl.Schema({"agent_version_name": pl.String(), **COST_SUMMARY_STATS})
        assert cost_summary(frames, by=None).schema == COST_SUMMARY_STATS
    full = cost_summary(frames_of(make_runs()), n_resamples=100)
    assert full.schema == pl.Schema({"agent_version_name": pl.String(), **COST_SUMMARY_STATS})


def test_frames_without_results_say_how_to_load_them() -> None:
    frames = JobFrames.from_tables(jobs=[{"id": "a", "agent_version_name": "v1", "grader_score": 0.5}])
    for call in (
        lambda: cost_summary(frames),
        lambda: compare_versions(frames, "v1", "v2", metric="cost"),
    ):
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert str(info.value).endswith(f"these frames have no results: {HINT}.")


def test_cost_summary_refuses_what_cannot_work() -> None:
    frames = frames_of(make_runs())
    with pytest.raises(ArgumentTypeError, match="cost_summary expects JobFrames"):
        cost_summary(frames.jobs)  # type: ignore[arg-type]
    with pytest.raises(MissingColumnsError, match="'customer'"):
        cost_summary(frames, by="customer")
    with pytest.raises(InvalidArgumentError, match="cannot group by"):
        cost_summary(frames, by="mean_cost")
    with pytest.raises(InvalidArgumentError, match="n_resamples"):
        cost_summary(frames, n_resamples=0)
    with pytest.raises(ArgumentTypeError, match="seed must be an integer"):
        cost_summary(frames, seed="x")  # type: ignore[arg-type]


# --- version_labels ------------------------------------------------------------------------------


def test_version_labels_name_the_model_where_it_is_known() -> None:
    frames = JobFrames.from_tables(
        jobs=[
            {"id": "a", "agent_id": "ag", "agent_version_name": "v2.0", "created_at": T0 + timedelta(days=2)},
            {"id": "b", "agent_id": "ag", "agent_version_name": "v1.0", "created_at": T0},
            {"id": "c", "agent_id": "other", "agent_version_name": "v1.0", "created_at": T0},
        ],
        versions=[
            {"agent_id": "ag", "version_name": "v2.0", "model": "gpt-4.1", "created_at": T0},
            {"agent_id": "ag", "version_name": "v1.0", "model": "  ", "created_at": T0},  # blank: unknown
            {"agent_id": "ag", "version_name": "v3.0-draft", "model": "o3", "created_at": T0 + timedelta(days=5)},
            {"agent_id": "other", "version_name": "v1.0", "model": "claude-x", "created_at": T0},
        ],
    )
    expected = pl.DataFrame(
        {
            "agent_id": ["ag", "ag", "ag", "other"],
            "version_name": ["v1.0", "v2.0", "v3.0-draft", "v1.0"],
            "model": [None, "gpt-4.1", "o3", "claude-x"],
            "label": ["v1.0", "v2.0 · gpt-4.1", "v3.0-draft · o3", "v1.0 · claude-x"],
        }
    )
    assert_frame_equal(version_labels(frames), expected)


def test_version_labels_without_versions_are_the_names_and_the_jobs_keep_theirs() -> None:
    frames = frames_of(make_runs())
    labels = version_labels(frames)
    assert labels["label"].to_list() == labels["version_name"].to_list() == ["v1", "v2"]
    assert labels["model"].null_count() == 2
    assert version_labels(JobFrames.empty()).height == 0
    assert frames.jobs["agent_version_name"].unique().sort().to_list() == ["v1", "v2"]  # untouched


# --- compare_versions on cost and tokens -----------------------------------------------------------


def comparison_frames(*, shared: bool) -> tuple[JobFrames, dict[str, dict[str, list[float]]]]:
    """v1 (cheaper) and v2 over 14 inputs, 2 runs each; the costs per version and input."""
    rng = np.random.default_rng(4)
    jobs, inputs, results = [], [], []
    per_input: dict[str, dict[str, list[float]]] = {"v1": {}, "v2": {}}
    for day, (v, base) in enumerate((("v1", 0.010), ("v2", 0.013)), start=1):
        for i in range(14):
            name = f"q{i}" if shared else f"{v}-q{i}"
            for r in range(2):
                job_id = f"{v}-{i}-{r}"
                cost = float(base * (1 + i / 7) * np.exp(rng.normal(0, 0.1)))
                status = "CACHED" if i == 3 and r == 1 else "SUCCESS"
                cost = 0.0 if status == "CACHED" else cost
                per_input[v].setdefault(name, []).append(cost)
                jobs.append(
                    {"id": job_id, "agent_version_name": v, "status": status, "created_at": T0 + timedelta(days=day)}
                )
                inputs.append({"job_id": job_id, "key": "question", "value": name})
                results.append({"job_id": job_id, "cost": cost, "input_tokens": 1000 + 50 * i + (day - 1) * 400})
    jobs.append({"id": "v2-gap", "agent_version_name": "v2", "status": "SUCCESS", "created_at": T0 + timedelta(days=2)})
    return JobFrames.from_tables(jobs=jobs, inputs=inputs, results=results), per_input


def test_compare_cost_paired_is_the_paired_t_test_on_per_input_means() -> None:
    frames, per_input = comparison_frames(shared=True)
    row = compare_versions(frames, "v1", "v2", metric="cost").row(0, named=True)
    names = sorted(per_input["v1"])
    a = np.array([np.mean(per_input["v1"][n]) for n in names])
    b = np.array([np.mean(per_input["v2"][n]) for n in names])
    assert (row["paired"], row["n_pairs"], row["statistic"]) == (True, 14, "mean")
    assert row["difference"] == pytest.approx(float((b - a).mean()), rel=1e-12)
    assert row["p_value"] == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-9)
    assert row["diff_low"] < row["difference"] < row["diff_high"]
    assert row["note"] == "1 job of v2 without a result left out"
    assert "population: every job whose result gives its cost, whatever its status" in row["method"]
    assert row["verdict"].startswith("v2 is more expensive than v1: mean per-input difference in cost per job +$")


def test_compare_cost_unpaired_is_welch_on_per_input_means_with_run_level_estimates() -> None:
    frames, per_input = comparison_frames(shared=False)
    with pytest.warns(NoSharedInputsWarning, match="ran no input in common"):
        row = compare_versions(frames, "v1", "v2", metric="cost").row(0, named=True)
    runs_a = [c for costs in per_input["v1"].values() for c in costs]
    runs_b = [c for costs in per_input["v2"].values() for c in costs]
    means_a = [np.mean(c) for c in per_input["v1"].values()]
    means_b = [np.mean(c) for c in per_input["v2"].values()]
    assert (row["paired"], row["n_a"], row["n_b"], row["n_inputs_a"]) == (False, 28, 28, 14)
    assert row["estimate_a"] == pytest.approx(np.mean(runs_a), rel=1e-12)  # the cache hit counts, at 0
    assert row["difference"] == pytest.approx(np.mean(runs_b) - np.mean(runs_a), rel=1e-12)
    assert row["p_value"] == pytest.approx(stats.ttest_ind(means_b, means_a, equal_var=False).pvalue, rel=1e-9)
    assert "Welch t-test on per-cluster means" in row["method"]


def test_tokens_compare_like_any_metric_and_cost_needs_no_score_scale() -> None:
    frames, _ = comparison_frames(shared=True)
    rows = compare_all_versions(frames, metric="input_tokens")
    assert rows.item(0, "difference") == pytest.approx(400.0)
    assert rows.item(0, "verdict").startswith("v2 is higher than v1: mean per-input difference in input tokens per job")
    # A jobs-like frame that already has the cost column works too (no results frame needed).
    costs = [0.01 + i / 1000 for i in range(12)] + [0.005 + i / 1000 for i in range(12)]
    jobs = pl.DataFrame(
        {"job_id": [f"j{i}" for i in range(24)], "agent_version_name": ["a"] * 12 + ["b"] * 12, "cost": costs}
    )
    verdict = compare_versions(jobs, "a", "b", metric="cost").item(0, "verdict")
    assert verdict.startswith("b is cheaper than a: mean cost per job −$0.005")
