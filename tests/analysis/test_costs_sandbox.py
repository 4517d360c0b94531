"""Cost figures on the sandbox's demo agent, against plain Python over the sandbox's own data (issue 13).

The expected values are computed here from what the sandbox serves (`Sandbox.jobs` for statuses and
reviews, `Sandbox.job_results` for billed costs), without the library; and the cost–quality
trade-off the sandbox seeds (v1.1 cheapest, v2.0 best and dearest, v1.0 dominated) is recovered.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

import roe_analysis as ra
from roe_analysis.sandbox import MODELS, VERSION_MODELS, Sandbox


@pytest.fixture(scope="module")
def demo(roe_sandbox_session: Sandbox) -> tuple[ra.JobFrames, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    sb = roe_sandbox_session
    sb.reset()
    client = ra.RoeClient(api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={})
    with client, pytest.warns(ra.UnknownValueWarning):
        frames = client.load_jobs(sb.agents["demo"], progress=False, results=True, versions=True)
    results = {r["id"]: r for r in sb.job_results("demo")}
    return frames, sb.jobs("demo"), results


def plain_costs(jobs: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per version, over the jobs whose result has a cost: total, mean, p50, per success, per approval."""
    priced: dict[str, list[tuple[float, bool, bool]]] = defaultdict(list)
    for job in jobs:
        cost = results[job["id"]]["cost"]
        if cost is None:
            continue
        review = (job.get("feedback_review") or {}).get("review_status")
        priced[job["agent_version_name"]].append((cost, job["status_code"] == 3, review == "approved"))
    out = {}
    for version, rows in priced.items():
        costs = [c for c, _, _ in rows]
        total = sum(costs)
        successes = sum(1 for _, s, _ in rows if s)
        approvals = sum(1 for _, _, a in rows if a)
        out[version] = {
            "n_with_cost": len(rows),
            "total_cost": total,
            "mean_cost": total / len(rows),
            "p50_cost": statistics.median(costs),
            "cost_per_success": total / successes,
            "cost_per_approval": total / approvals,
        }
    return out


def test_cost_summary_equals_plain_python_over_the_sandbox(demo: Any) -> None:
    frames, jobs, results = demo
    expected = plain_costs(jobs, results)
    summary = ra.cost_summary(frames)
    assert summary.get_column("agent_version_name").to_list() == ["v1.0", "v1.1", "v2.0", "v2.1-canary"]
    for row in summary.iter_rows(named=True):
        want = expected[row["agent_version_name"]]
        assert row["n_with_cost"] == want["n_with_cost"]
        for name in ("total_cost", "mean_cost", "p50_cost", "cost_per_success", "cost_per_approval"):
            assert row[name] == pytest.approx(want[name], rel=1e-12), (row["agent_version_name"], name)
    # The nine v2.0 jobs whose result has no cost yet (billing lag): counted, not priced at 0.
    v2 = summary.filter(summary["agent_version_name"] == "v2.0").row(0, named=True)
    assert v2["n_jobs"] - v2["n_with_cost"] == 9 and v2["n_missing"] == 0


def test_a_success_s_cost_is_its_tokens_at_its_model_s_price(demo: Any) -> None:
    frames, jobs, results = demo
    job = next(j for j in jobs if j["agent_version_name"] == "v1.1" and j["status_code"] == 3)
    price = MODELS[VERSION_MODELS["v1.1"]]
    result = results[job["id"]]
    billed = (
        result["input_tokens"] * price.input_per_million / 1e6
        + result["output_tokens"] * price.output_per_million / 1e6
    )
    row = frames.results.filter(frames.results["job_id"] == job["id"]).row(0, named=True)
    assert row["cost"] == pytest.approx(round(billed, 6), abs=1e-12)
    assert (row["input_tokens"], row["output_tokens"]) == (result["input_tokens"], result["output_tokens"])


@pytest.mark.parametrize("quality", ["grader_score", "approval"])
def test_cost_quality_recovers_the_seeded_trade_off(demo: Any, quality: str) -> None:
    frames, _, _ = demo
    table = ra.cost_quality(frames, quality=quality)
    rows = {r["agent_version_name"]: r for r in table.iter_rows(named=True)}
    # v1.1 is the cheapest, v2.0 the best: both on the front; v1.0 costs more than v1.1 and is worse.
    assert rows["v1.1"]["pareto"] is True and rows["v2.0"]["pareto"] is True
    assert rows["v1.0"]["pareto"] is False
    assert rows["v2.1-canary"]["pareto"] is None and rows["v2.1-canary"]["too_few"] is True
    assert rows["v1.1"]["mean_cost"] < rows["v1.0"]["mean_cost"] < rows["v2.0"]["mean_cost"]
    assert rows["v2.0"]["quality"] > rows["v1.1"]["quality"] > rows["v1.0"]["quality"]
    # On grader scores the intervals settle it; on approval (fewer reviewed jobs) v1.0's place is uncertain.
    if quality == "grader_score":
        assert not any(rows[v]["pareto_uncertain"] for v in ("v1.0", "v1.1", "v2.0"))
    else:
        assert rows["v1.0"]["pareto_uncertain"] is True


def test_the_cost_difference_of_two_versions_matches_the_plain_means(demo: Any) -> None:
    frames, jobs, results = demo
    expected = plain_costs(jobs, results)
    row = ra.compare_versions(frames, "v1.1", "v2.0", metric="cost").row(0, named=True)
    assert row["difference"] == pytest.approx(expected["v2.0"]["mean_cost"] - expected["v1.1"]["mean_cost"], rel=1e-12)
    assert row["diff_low"] < row["difference"] < row["diff_high"] and row["p_value"] < 1e-6
    assert row["verdict"].startswith("v2.0 is more expensive than v1.1: mean cost per job +$0.0856")


def test_version_labels_name_each_model_where_the_engine_config_does(demo: Any) -> None:
    frames, _, _ = demo
    labels = dict(ra.version_labels(frames).select("version_name", "label").iter_rows())
    assert labels["v1.1"] == f"v1.1 · {VERSION_MODELS['v1.1']}"
    assert labels["v2.0"] == f"v2.0 · {VERSION_MODELS['v2.0']}"
    # v1.0's engine config names its model under another key, and the canary's version was deleted.
    assert labels["v1.0"] == "v1.0"
    assert labels.get("v2.1-canary", "v2.1-canary") == "v2.1-canary"
    assert np.isfinite(ra.cost_summary(frames, by=None).get_column("mean_cost").item())
