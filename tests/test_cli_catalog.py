"""The command line's results, versions and agents (issue 13): `fetch --results --versions`, `agents`."""

from __future__ import annotations

from pathlib import Path

import pytest

import roe_analysis as ra
from roe_analysis import cli
from roe_analysis.sandbox import Sandbox


def posts(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests if r.path == "/v1/agents/jobs/results/")


def test_agents_lists_every_agent_in_aligned_lines(api_env: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    sb = api_env
    assert cli.main(["agents"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    with ra.RoeClient(
        api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
    ) as client:
        listed = client.list_agents()
    assert err == ""
    assert lines[0].split() == ["NAME", "AGENT", "ID", "JOBS", "MOST", "RECENT", "JOB", "TAGS"]
    assert len(lines) == 1 + listed.height
    demo = next(line for line in lines if sb.agents["demo"] in line)
    name = listed.filter(listed["agent_id"] == sb.agents["demo"]).get_column("name").item()
    assert demo.startswith(name) and " 1,500  " in demo
    # Every line has its id in the same column.
    column = lines[0].index("AGENT ID")
    assert all(line[column : column + 36] in listed.get_column("agent_id").to_list() for line in lines[1:])


def test_fetch_with_results_and_versions_writes_them_and_says_so(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    snapshot = tmp_path / "snap"
    code = cli.main(["fetch", sb.agents["small"], "--out", str(snapshot), "--no-progress", "--results", "--versions"])
    out = capsys.readouterr().out
    assert code == 0
    frames = ra.JobFrames.load(snapshot)
    assert frames.results.height == 40 and frames.versions.height > 0
    total = frames.results.get_column("cost").sum()
    costed = frames.results.get_column("cost").drop_nulls().len()
    assert f"results:   40 jobs, {costed} with a cost (total ${total:,.2f})" in out.splitlines()
    models = [line for line in out.splitlines() if line.startswith("models:    ")]
    assert len(models) == 1 and f"({frames.versions.height} versions listed)" in models[0]
    # The requests line counts the pages, the versions and the results.
    assert f"requests:  {frames.query['requests']} (0 retries)" in out
    assert frames.query["requests"] == 1 + 1 + 1


def test_fetch_refresh_refuses_results_and_versions_flags(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["fetch", "--refresh", "--out", str(tmp_path / "snap"), "--results"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "roe-analysis: a refresh keeps what the snapshot holds (results and versions included); drop "
        "--results/--versions, or fetch again with --force"
    )


def test_report_from_the_api_fetches_results_unless_told_not_to(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    assert cli.main(["report", sb.agents["small"], "--out", str(tmp_path / "a.html"), "--no-progress"]) == 0
    assert posts(sb) == 1
    sb.clear_requests()
    code = cli.main(["report", sb.agents["small"], "--out", str(tmp_path / "b.html"), "--no-progress", "--no-results"])
    assert code == 0 and posts(sb) == 0
    capsys.readouterr()
