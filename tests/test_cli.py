"""The `roe-analysis` command: exit codes, what it prints, and that it never prints a traceback or the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import roe_analysis as ra
from roe_analysis import cli
from roe_analysis.sandbox import Sandbox


@pytest.fixture
def sb(roe_sandbox: Sandbox) -> Sandbox:
    return roe_sandbox


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The stderr of a failed command, checked to be one line without a traceback."""
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and "usage:" not in err
    return err.strip()


# --- demo ---------------------------------------------------------------------------------------


def test_demo_writes_the_report_and_prints_the_key_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reports" / "demo.html"

    code = cli.main(["demo", "--out", str(target)])

    out, err = capsys.readouterr()
    assert code == 0
    # The sandbox plants one event with an undocumented status code (7): said in one line, nothing else.
    assert err.count("\n") == 1 and err.startswith(
        "roe-analysis: warning: 1 status event of 1 job has a `status_code` this version of roe-analysis does not "
        "know (7; e.g. job "
    ), err
    lines = out.splitlines()
    assert lines[0].startswith("sandbox Roe API at http://127.0.0.1:")
    assert lines[1].startswith("loaded 1,500 jobs of the demo agent in ")
    assert lines[2].startswith("agent:       ") and "(versions v1.0, v1.1, v2.0, v2.1-canary)" in lines[2]
    assert lines[3].startswith("jobs:        1,500 created 2026-04-02")
    assert any(line.startswith("success:     ") for line in lines)
    assert any(line.startswith("reviewers:   Krippendorff's alpha ") for line in lines)
    # The demo loads results: the key figures say what a job of each version costs, cheapest first.
    assert any(
        line.startswith("cost:        v1.1 $") and "per job (v2.0 scores highest of these, " in line for line in lines
    )
    assert lines[-1] == f"report:      {target}"
    page = target.read_text(encoding="utf-8")
    assert "<h1>Evaluation report: Transaction screening (sandbox demo agent)</h1>" in page
    # 13 charts of jobs, scores and reviews, and 4 of cost (per approved verdict, the differences
    # between versions, cost against grader score and against approval): the demo loads results.
    assert page.count("<svg") == 17 and "<script" not in page


# --- fetch, info, report ------------------------------------------------------------------------


def test_fetch_info_and_report_from_a_snapshot(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    snapshot, page = tmp_path / "snap", tmp_path / "out" / "small.html"

    assert cli.main(["fetch", sb.agents["small"], "--out", str(snapshot), "--no-progress"]) == 0
    fetched = capsys.readouterr()
    assert cli.main(["info", str(snapshot)]) == 0
    info = capsys.readouterr()
    assert cli.main(["report", "--snapshot", str(snapshot), "--out", str(page)]) == 0
    reported = capsys.readouterr()

    assert fetched.out.splitlines()[0] == "jobs:      40"
    assert fetched.out.splitlines()[-1] == f"snapshot:  {snapshot}"
    assert sb.agents["small"] in info.out
    assert reported.out.splitlines()[0] == f"agent:       {sb.agents['small']} (versions v1.0, v1.1, v2.0, v2.1-canary)"
    assert "snapshot written" in reported.out
    assert reported.out.splitlines()[-1] == f"report:      {page}"
    assert page.read_text(encoding="utf-8").count("<svg") > 0
    everything = fetched.out + fetched.err + info.out + info.err + reported.out + reported.err
    assert sb.api_key not in everything and sb.api_key not in page.read_text(encoding="utf-8")


def test_report_loads_from_the_api_with_filters_and_a_threshold(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    page = tmp_path / "report.html"

    code = cli.main(["report", sb.agents["small"], "--out", str(page), "--threshold", "0.8", "--version-name", "v2.0"])

    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.splitlines()[0] == f"agent:       {sb.agents['small']} (version v2.0)"
    html = page.read_text(encoding="utf-8")
    assert "a score passes at 0.800 or above" in html
    assert sb.api_key not in out + html
    assert {r.query.get("version_name") for r in sb.requests if r.path.endswith("/jobs/")} == {"v2.0"}


def test_report_keeps_only_the_agents_asked_for_from_a_snapshot(
    sb: Sandbox, load_two: ra.JobFrames, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = load_two.save(tmp_path / "snap")
    page = tmp_path / "single.html"

    assert cli.main(["report", sb.agents["single"], "--snapshot", str(snapshot), "--out", str(page)]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"agent:       {sb.agents['single']} ")
    assert out.splitlines()[1].startswith("jobs:        1 created ")


@pytest.fixture
def load_two(sb: Sandbox) -> ra.JobFrames:
    with ra.RoeClient(
        api_key=sb.api_key, organization_id=sb.organization_id, base_url=sb.base_url, environ={}
    ) as client:
        return client.load_jobs([sb.agents["single"], sb.agents["small"]], progress=False)


# --- errors: one line, the right exit code, never the key ---------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["report", "an-agent"], "report: the following arguments are required: --out"),
        (["report", "--out"], "argument --out: expected one argument"),
        (["report", "a", "--out", "x.html", "--threshold", "nan"], "must be a finite number, got 'nan'"),
        (["report", "a", "--out", "x.html", "--threshold", "high"], "not a number: 'high'"),
        (["report", "--out", "x.html"], "give at least one AGENT_ID, or --snapshot DIR"),
        (["report", "--snapshot", "s", "--out", "x.html", "--search", "q"], "--search filters the API load"),
        (["fetch", "a", "--out", "s", "--metadata", "novalue"], "--metadata needs KEY=VALUE, got 'novalue'"),
        (["fetch", "--out", "s"], "fetch needs at least one AGENT_ID"),
        (["fetch", "a", "--out", "s", "--refresh", "--resume"], "not allowed with argument"),
        (["fetch", "a", "--out", "s", "--full"], "--full only applies with --refresh"),
        (["info"], "the following arguments are required: PATH"),
        (["sandbox", "--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
        (["sandbox", "--error-style", "xml"], "argument --error-style: invalid choice: 'xml'"),
        (["sandbox", "--faults", "bogus"], "unknown fault 'bogus'"),
        (["explode"], "invalid choice: 'explode'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    api_env: Sandbox, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert message in one_line_error(capsys)


def test_a_snapshot_without_the_agent_asked_for_is_a_usage_error(
    sb: Sandbox, load_two: ra.JobFrames, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = load_two.save(tmp_path / "snap")

    assert cli.main(["report", sb.agents["demo"], "--snapshot", str(snapshot), "--out", str(tmp_path / "r")]) == 2

    error = one_line_error(capsys)
    assert f"{sb.agents['demo']} not in the snapshot {snapshot}" in error
    assert not (tmp_path / "r").exists()


def test_a_missing_key_is_a_usage_error(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ROE_API_KEY", "ROE_ORGANIZATION_ID", "ROE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    assert cli.main(["report", sb.agents["small"], "--out", str(tmp_path / "r.html")]) == 2
    assert "No API key" in one_line_error(capsys)


def test_a_wrong_key_fails_with_one_line_that_does_not_show_it(
    api_env: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "roe_live_not-the-right-key-0123456789"
    monkeypatch.setenv("ROE_API_KEY", wrong)

    assert cli.main(["fetch", api_env.agents["small"], "--out", str(tmp_path / "s"), "--no-progress"]) == 1
    error = one_line_error(capsys)
    assert "401" in error or "uthenticat" in error
    assert wrong not in error and api_env.api_key not in error
    assert cli.main(["report", api_env.agents["small"], "--out", str(tmp_path / "r.html")]) == 1
    assert wrong not in one_line_error(capsys)


def test_missing_snapshots_and_unwritable_reports_fail_with_one_line(
    sb: Sandbox, load_two: ra.JobFrames, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["info", str(tmp_path / "nothing")]) == 1
    assert "no snapshot at" in one_line_error(capsys)
    assert cli.main(["report", "--snapshot", str(tmp_path / "nothing"), "--out", str(tmp_path / "r.html")]) == 1
    assert "no snapshot at" in one_line_error(capsys)

    snapshot = load_two.save(tmp_path / "snap")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert cli.main(["report", "--snapshot", str(snapshot), "--out", str(blocked / "r.html")]) == 1
    assert str(blocked) in one_line_error(capsys)


# --- parsing ------------------------------------------------------------------------------------


def test_sandbox_arguments_parse_to_the_serve_options() -> None:
    args = cli._parser().parse_args(
        ["sandbox", "--host", "0.0.0.0", "--port", "0", "--seed", "3", "--faults", "429:every=3", "--legacy-shape"]
    )

    assert (args.host, args.port, args.seed, args.faults) == ("0.0.0.0", 0, 3, "429:every=3")
    assert args.legacy_shape is True and args.error_style == "message"
    defaults = cli._parser().parse_args(["sandbox"])
    assert (defaults.host, defaults.port, defaults.seed, defaults.faults) == ("127.0.0.1", 8765, 0, None)


def test_report_arguments_parse_with_the_filters() -> None:
    args = cli._parser().parse_args(
        ["report", "a1", "a2", "--out", "r.html", "--threshold", "0.75", "--metadata", "k=v", "--limit", "10"]
    )

    assert args.agent_ids == ["a1", "a2"] and args.out == Path("r.html") and args.threshold == 0.75
    assert args.snapshot is None
    filters = cli._filters(args)
    assert filters["metadata"] == {"k": "v"} and filters["limit"] == 10 and filters["page_size"] == 100


def test_version_and_help_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"roe-analysis {ra.__version__}\n"
    assert cli.main(["report", "--help"]) == 0
    assert "--snapshot DIR" in capsys.readouterr().out


def test_fetch_refuses_to_silently_resume_an_old_checkpoint(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    out = tmp_path / "snap"
    sb.set_faults("500:after=3")
    assert cli.main(["fetch", sb.agents["demo"], "--out", str(out), "--no-progress"]) == 1
    capsys.readouterr()
    sb.set_faults(None)
    sb.clear_requests()
    # Without --resume the same command would return the old load's window as if fetched now.
    assert cli.main(["fetch", sb.agents["demo"], "--out", str(out), "--no-progress"]) == 2
    assert "continue it with --resume, or delete that folder" in one_line_error(capsys)
    assert sb.requests == []
    assert cli.main(["fetch", sb.agents["demo"], "--out", str(out), "--no-progress", "--resume"]) == 0
    resumed = re.search(r"resumed:   (\d+) (pages?) read back from the checkpoint", capsys.readouterr().out)
    assert resumed is not None and resumed[2] == ("page" if resumed[1] == "1" else "pages")
    assert ra.JobFrames.load(out).jobs.height == 1500


def test_an_unwritable_out_is_refused_before_any_request(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("not a snapshot")
    assert cli.main(["fetch", sb.agents["small"], "--out", str(tmp_path / "notes"), "--no-progress"]) == 1
    err = one_line_error(capsys)
    assert "refusing to replace" in err and "Save to a new folder" in err
    assert sb.requests == []


def test_version_name_repeats_for_several_versions(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = api_env
    out_dir = tmp_path / "snap"

    code = cli.main(
        ["fetch", sb.agents["small"], "--out", str(out_dir), "--version-name", "v1.0", "--version-name", "v2.0"]
    )

    capsys.readouterr()
    assert code == 0
    frames = ra.JobFrames.load(out_dir)
    assert frames.jobs.height == 15 + 16
    assert set(frames.jobs.get_column("agent_version_name")) == {"v1.0", "v2.0"}
    assert frames.query["filters"]["version_name"] == ["v1.0", "v2.0"]
    assert {r.query.get("version_name") for r in sb.requests if r.path.endswith("/jobs/")} == {"v1.0", "v2.0"}
    args = cli._parser().parse_args(["fetch", "--out", "x", "--version-name", "v1.0", "--version-name", "v2.0"])
    assert args.version_name == ["v1.0", "v2.0"]
    assert cli._parser().parse_args(["fetch", "--out", "x"]).version_name is None


def test_fetch_help_says_version_name_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["fetch", "--help"])
    assert "repeat for several versions" in " ".join(capsys.readouterr().out.split())
