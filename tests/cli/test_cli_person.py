"""The CLI as a person uses it (issue 11): help, errors in shell words, --force, dates, progress."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest

import roe_analysis as ra
from roe_analysis import _cli_errors, _cli_parser, cli
from roe_analysis._schema import STATUS_NAMES
from roe_analysis.api import _config
from roe_analysis.sandbox import Sandbox


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def test_every_option_of_every_command_has_help() -> None:
    top = cli._parser()
    subs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subs.choices) == {"demo", "sandbox", "fetch", "info", "report", "agents"}
    for name, sub in subs.choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("command", ["fetch", "report"])
def test_api_commands_help_lists_env_vars_defaults_and_connection_flags(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for var in ("ROE_API_KEY", "ROE_ORGANIZATION_ID", "ROE_BASE_URL", "ROE_TIMEOUT", "ROE_MAX_RETRIES"):
        assert var in out
    assert f"(default: {_config.DEFAULT_BASE_URL}; --base-url wins)" in out
    assert f"(default: {_config.DEFAULT_TIMEOUT:g})" in out and f"(default: {_config.DEFAULT_MAX_RETRIES})" in out
    assert "--base-url URL" in out and "--allow-insecure" in out
    assert "jobs asked for per request (default: 100)" in out
    assert "roe-analysis sandbox" in out


def test_cli_default_base_url_is_the_library_one() -> None:
    assert _cli_errors.DEFAULT_BASE_URL == _config.DEFAULT_BASE_URL


def test_a_missing_key_points_to_the_sandbox_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ROE_API_KEY", raising=False)
    assert cli.main(["fetch", "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11", "--out", str(tmp_path / "s")]) == 2
    assert one_line(capsys) == f"roe-analysis: {_cli_errors.NO_KEY}"
    assert "from roe_analysis" not in _cli_errors.NO_KEY and "`roe-analysis sandbox`" in _cli_errors.NO_KEY


def test_plain_http_elsewhere_needs_allow_insecure(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["fetch", api_env.agents["small"], "--out", str(tmp_path / "s"), "--base-url", "http://example.invalid"]
    assert cli.main(argv) == 2
    assert "pass --allow-insecure if you really mean it" in one_line(capsys)
    assert api_env.requests == []


def test_401_403_404_say_what_to_check(api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sb = api_env
    assert cli.main(["fetch", sb.agents["forbidden"], "--out", str(tmp_path / "a"), "--no-progress"]) == 1
    err = one_line(capsys)
    assert err.startswith("roe-analysis: 403 You do not have permission to access this agent. for GET ")
    assert err.endswith(
        "not allowed. Check that ROE_ORGANIZATION_ID is the organisation that owns the agent, "
        "and that the API key may read this agent."
    )
    unknown = "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11"
    assert cli.main(["fetch", unknown, "--out", str(tmp_path / "b"), "--no-progress"]) == 1
    err = one_line(capsys)
    assert err.startswith("roe-analysis: 404 Agent not found. for GET ") and unknown in err
    assert err.endswith(
        f"no such agent here. Check the agent id (copy it from the agent's URL in the Roe AI "
        f"dashboard) and that it belongs to ROE_ORGANIZATION_ID at {sb.base_url}."
    )


def test_connection_failed_names_the_url_and_how_to_change_it(
    api_env: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROE_MAX_RETRIES", "0")
    url = "http://127.0.0.1:9"  # the discard port: nothing listens there
    argv = ["fetch", api_env.agents["small"], "--out", str(tmp_path / "s"), "--no-progress", "--base-url", url]
    assert cli.main(argv) == 1
    err = one_line(capsys)
    assert err.startswith(f"roe-analysis: could not reach the Roe API at {url}: connection failed (")
    assert err.endswith(
        ". Check the address, or change it with --base-url URL or the ROE_BASE_URL environment variable."
    )


def test_an_unwritable_out_names_the_users_path(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")
    out = blocked / "r.html"
    assert cli.main(["report", api_env.agents["small"], "--out", str(out), "--no-progress"]) == 1
    err = one_line(capsys)
    # The reason is the OS's (mkdir of the parent); the path is the user's, not a temporary sibling.
    assert err in {f"roe-analysis: cannot write --out {out}: {why}" for why in ("File exists", "Not a directory")}


def test_ctrl_c_says_how_to_resume_and_exits_130(
    api_env: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snap"

    def interrupted(self: ra.RoeClient, *args: object, **kwargs: object) -> ra.JobFrames:
        ra.storage.checkpoint_dir(out).mkdir(parents=True)  # as a load leaves it after some pages
        raise KeyboardInterrupt

    monkeypatch.setattr(ra.RoeClient, "load_jobs", interrupted)
    assert cli.main(["fetch", api_env.agents["small"], "--out", str(out), "--no-progress"]) == 130
    assert one_line(capsys) == (
        f"roe-analysis: interrupted: the pages fetched so far are kept in {ra.storage.checkpoint_dir(out)}; "
        "run the same command with --resume to continue"
    )


def test_fetch_refuses_to_replace_a_snapshot_without_force_and_warns_on_zero_jobs(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb, out = api_env, tmp_path / "snap"
    assert cli.main(["fetch", sb.agents["small"], "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    sb.clear_requests()
    again = ["fetch", sb.agents["small"], "--out", str(out), "--no-progress", "--version-name", "nope"]
    assert cli.main(again) == 2
    assert one_line(capsys) == (
        f"roe-analysis: {out} already holds a snapshot: bring it up to date with --refresh, replace it with "
        "--force, or choose another --out"
    )
    assert sb.requests == [] and ra.JobFrames.load(out).jobs.height == 40
    assert cli.main([*again, "--force"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"roe-analysis: warning: the load returned 0 jobs: no job of {sb.agents['small']} matched under "
        "--version-name. Check the agent id and the filters.\n"
    )
    assert ra.JobFrames.load(out).jobs.height == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--status-code", "99"], "argument --status-code: status code 99 is not one the API documents ("),
        (["--status-code", "BOGUS"], "argument --status-code: unknown status_code 'BOGUS'"),
        (["--threshold", "101"], "argument --threshold: must be between 0 and 100"),
        (["--threshold", "-0.5"], "argument --threshold: must be between 0 and 100"),
        (["--created-from", "2026-05-01T09:00"], "has no time zone"),
        (["--limit", "-1"], "argument --limit: must be 0 or more, got '-1'"),
    ],
)
def test_bad_values_are_argparse_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "a", "--out", "x.html", *argv]) == 2
    err = one_line(capsys)
    assert message in err and err.endswith("(see roe-analysis report --help)")


def test_documented_codes_are_accepted() -> None:
    assert _cli_parser.status_codes(",".join(STATUS_NAMES.values())) == tuple(STATUS_NAMES)


def test_a_date_means_the_whole_utc_day() -> None:
    args = cli._parser().parse_args(
        ["fetch", "a", "--out", "s", "--created-from", "2026-05-01", "--created-to", "2026-05-31"]
    )
    assert args.created_from == datetime(2026, 5, 1, tzinfo=UTC)
    assert args.created_to == datetime(2026, 5, 31, 23, 59, 59, 999999, tzinfo=UTC)
    timed = cli._parser().parse_args(["fetch", "a", "--out", "s", "--created-to", "2026-05-01T12:00:00+02:00"])
    assert timed.created_to == datetime(2026, 5, 1, 10, tzinfo=UTC)


def test_a_date_loads_that_days_jobs(api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sb = api_env
    everything = ra.JobFrames.from_records(sb.jobs(sb.agents["demo"]), agent_id=sb.agents["demo"])
    first = everything.jobs.get_column("created_at").min()
    assert isinstance(first, datetime)
    day = first.date()
    out = tmp_path / "day"
    argv = ["fetch", sb.agents["demo"], "--out", str(out), "--no-progress"]
    assert cli.main([*argv, "--created-from", day.isoformat(), "--created-to", day.isoformat()]) == 0
    expected = ra.filter_frames(everything, created_from=day, created_to=day)
    assert ra.JobFrames.load(out).jobs.height == expected.jobs.height > 0


def test_no_progress_bar_into_a_pipe(api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", api_env.agents["demo"], "--out", str(tmp_path / "s")]) == 0  # progress not turned off
    # No bar, no carriage return: only the one-line warning about the demo agent's undocumented event code.
    err = capsys.readouterr().err
    assert "\r" not in err and "%" not in err
    assert [line[:70] for line in err.splitlines()] == [
        "roe-analysis: warning: 1 status event of 1 job has a `status_code` thi"
    ]
