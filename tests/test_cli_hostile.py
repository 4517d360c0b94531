"""A hostile server, through `roe-analysis fetch`: one error line, a non-zero exit, no key, in time.

Each case is a way a server can lie (issue 12): the command must print its one error line (never
a traceback), exit 1, leave no key in anything it printed, and give up within the timeout.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from roe_analysis import cli
from roe_analysis.sandbox import Sandbox

from .hostile import Answer, Asked, hostile_server

KEY = "roe-test-key-3f9c2a7b1d"
ORG = "8658d5ba-a49d-4a7d-b15a-78ce4379db61"
AGENT = "7d9028fe-f756-4314-ae72-390e3e363d27"


@pytest.fixture(scope="module")
def real_page() -> dict[str, Any]:
    """A true page of three jobs, as the sandbox (like production) sends it."""
    with Sandbox(seed=0) as sb:
        response = httpx.get(
            f"{sb.base_url}/v1/agents/{sb.agents['demo']}/jobs/",
            params={"organization_id": sb.organization_id, "page_size": "3", "page": "1"},
            headers={"Authorization": f"Bearer {sb.api_key}"},
        )
        response.raise_for_status()
        page: dict[str, Any] = response.json()
    page["count"] = len(page["results"])
    page["next"] = None
    return page


def page_with(page: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> bytes:
    """The page as JSON with ``change`` applied to its first job."""
    copy = json.loads(json.dumps(page))
    change(copy["results"][0])
    return json.dumps(copy).encode()


@functools.cache
def gzip_bomb() -> bytes:
    """300 MB of spaces in about 300 KB on the wire: over the default 256 MB cap once decoded."""
    return gzip.compress(b" " * (300 * 1024 * 1024), compresslevel=1)


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def cases(page: dict[str, Any]) -> dict[str, Callable[[Asked], Answer]]:
    def ok(body: bytes, **headers: str) -> Callable[[Asked], Answer]:
        return lambda _: Answer(200, body, {"Content-Type": "application/json", **headers})

    def set_(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda job: job.__setitem__(key, value)

    # The first job's own ui_fields replaced, byte for byte (a second "ui_fields" key would be overridden).
    marked = page_with(page, set_("ui_fields", "__HOSTILE__"))
    raw_deep = marked.replace(b'"__HOSTILE__"', deep(3000).encode(), 1)
    invalid_utf8 = marked.replace(b'"__HOSTILE__"', b'{"verdict": "\xff\xfe"}', 1)
    many = {**page, "count": 10**9, "results": page["results"][:1]}
    return {
        "a body labelled gzip that does not decompress": ok(b"this is not gzip at all", **{"Content-Encoding": "gzip"}),
        "a gzip bomb": lambda _: Answer(200, gzip_bomb(), {"Content-Encoding": "gzip"}),
        "an error body nested 5,000 deep": lambda _: Answer(500, deep(5000).encode()),
        "ui_fields nested 3,000 deep": ok(raw_deep),
        "invalid UTF-8 inside ui_fields": ok(invalid_utf8),
        "a duration of 2**64 ms": ok(page_with(page, set_("duration_ms", 2**64))),
        "a creation time past year 9999": ok(page_with(page, set_("created_at", "9999-12-31T23:59:59-23:59"))),
        "a redirect": lambda _: Answer(302, b"", {"Location": "https://elsewhere.example/v1/"}),
        "an error that echoes the key": lambda a: Answer(401, json.dumps({"detail": f"bad {a.headers['Authorization']}"}).encode()),  # noqa: E501
        "a count of a billion, one job a page": ok(json.dumps(many).encode()),
        "a body dripped a byte every 0.3 s": lambda _: Answer(200, json.dumps(page).encode(), drip=0.3, chunk=1),
    }  # fmt: skip


NAMES = list(cases({"results": [{}]}))


@pytest.mark.parametrize("name", NAMES)
def test_a_hostile_server_gets_one_error_line_without_the_key(
    name: str,
    real_page: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    respond = cases(real_page)[name]
    with hostile_server(respond) as (url, seen):
        monkeypatch.setenv("ROE_API_KEY", KEY)
        monkeypatch.setenv("ROE_ORGANIZATION_ID", ORG)
        monkeypatch.setenv("ROE_BASE_URL", url)
        monkeypatch.setenv("ROE_TIMEOUT", "2")
        monkeypatch.setenv("ROE_MAX_RETRIES", "0")
        started = time.monotonic()
        code = cli.main(["fetch", AGENT, "--out", str(tmp_path / "snap"), "--no-progress"])
        took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("roe-analysis: "), err
    assert KEY not in out + err and re.search(r"Bearer\s+(?!\*{10})\S{6,}", out + err) is None, err
    assert seen and seen[0].headers.get("Authorization") == f"Bearer {KEY}"  # the key was sent, and kept
    # Within the 2 s timeout, plus the time to start and to write what was fetched (generous).
    assert took < 30, took
    if name == "a count of a billion, one job a page":
        # In shell words: the flag to raise the limit, not the Python keyword or err.partial.
        assert "pass --max-pages (e.g. --max-pages 1000000000)" in err and "--created-from/--created-to" in err
        assert "err.partial" not in err and "max_pages=" in err  # the limit is named as the client has it


def test_max_pages_sets_the_sanity_limit(
    real_page: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    many = {**real_page, "count": 12, "results": real_page["results"][:1]}
    with hostile_server(lambda _: Answer(200, json.dumps(many).encode())) as (url, seen):
        monkeypatch.setenv("ROE_API_KEY", KEY)
        monkeypatch.setenv("ROE_ORGANIZATION_ID", ORG)
        code = cli.main(
            ["fetch", AGENT, "--out", str(tmp_path / "s"), "--no-progress", "--base-url", url, "--max-pages", "5"]
        )
    err = capsys.readouterr().err
    assert code == 1 and len(seen) == 1, err
    assert (
        "12 jobs at 1 per page (the page size it used), which is 12 pages, over the sanity limit of max_pages=5" in err
    )
