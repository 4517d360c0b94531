"""Generated servers that lie in their protocol: a load gives frames, a RoeError or a warning, never worse.

Hypothesis draws a server (how many jobs it really has, what `count` it claims, whether it sends
a Date header, and what each page answers: the page, a short or empty one, duplicates, 404
"Invalid page.", 5xx, 429 with any Retry-After, a redirect, a body that does not decompress, a
body cut short) and serves it on loopback. Whatever it draws, `load_jobs` and `iter_pages` either
return frames with the fixed schema and every job at most once (a warning says when jobs are
missing), or raise a `RoeError` whose `partial` keeps the same promises, and the key is in none
of it. `refresh` keeps its snapshot whole, and `roe-analysis fetch` prints one error line.
"""

from __future__ import annotations

import gzip
import json
import pickle
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import roe_analysis as ra
from roe_analysis import cli
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.api import _transport as transport

from ..hostile import Answer, Asked, hostile_server

KEY = "roe-generated-key-7c1e"
ORG = "00000000-0000-4000-8000-0000000000bb"
AGENT = "00000000-0000-4000-8000-0000000000aa"
PAGE_SIZE = 4

BEHAVIOURS = ("ok", "ok", "ok", "short", "empty", "duplicate", "404", "500", "429", "302", "bad_gzip", "truncated")


def job(i: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "status_code": 3,
        "created_at": f"2026-05-01T10:00:{59 - i % 60:02d}Z",
        "last_updated_at": "2026-05-01T11:00:00Z",
        "duration_ms": 1000 + i,
        "status_events": [],
        "job_inputs": [],
        "metadata": {},
        "ui_fields": {"verdict": "ok"},
    }


@st.composite
def servers(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 13))
    claimed = draw(st.sampled_from(["true", "fewer", "more", "ten_times", "billion"]))
    count = {"true": n, "fewer": max(0, n - 2), "more": n + 3, "ten_times": n * 10, "billion": 10**9}[claimed]
    pages = max(1, -(-max(n, count if count < 10**6 else n) // PAGE_SIZE)) + 2
    return {
        "jobs": [job(i) for i in range(1, n + 1)],
        "count": count,
        "dated": draw(st.booleans()),
        "pages": draw(st.lists(st.sampled_from(BEHAVIOURS), min_size=pages, max_size=pages)),
        "retry_after": draw(st.sampled_from(["0", "-1", "nan", "1e308", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"])),
    }


def answer(server: dict[str, Any], asked: Asked) -> Answer:
    number = int(asked.query.get("page", "1"))
    kinds = server["pages"]
    kind = kinds[number - 1] if number <= len(kinds) else "404"
    start = (number - 1) * PAGE_SIZE
    results = server["jobs"][start : start + PAGE_SIZE]
    if kind == "short":
        results = results[:-1]
    elif kind == "empty":
        results = []
    elif kind == "duplicate" and server["jobs"]:
        results = [*results[:-1], server["jobs"][0]]
    headers = {"Content-Type": "application/json"}
    if server["dated"]:
        headers["Date"] = "Sat, 02 May 2026 12:00:00 GMT"
    if kind == "404" or (not results and number > 1 and kind == "ok"):
        return Answer(404, b'{"detail": "Invalid page."}', headers)
    if kind == "500":
        return Answer(500, json.dumps({"detail": f"broken; you sent {asked.headers.get('Authorization')}"}).encode())
    if kind == "429":
        return Answer(429, b'{"detail": "slow down"}', {**headers, "Retry-After": server["retry_after"]})
    if kind == "302":
        return Answer(302, b"", {"Location": f"http://elsewhere.example/?key={KEY}"})
    body = json.dumps({"count": server["count"], "next": None, "previous": None, "results": results}).encode()
    if kind == "bad_gzip":
        return Answer(200, body[:20], {**headers, "Content-Encoding": "gzip"})
    if kind == "truncated":
        return Answer(200, body[: len(body) // 2], headers)
    if number == 1 and server["dated"]:
        return Answer(200, gzip.compress(body), {**headers, "Content-Encoding": "gzip"})
    return Answer(200, body, headers)


@pytest.fixture(scope="module", autouse=True)
def short_retry_after() -> Iterator[None]:
    """A Retry-After of 1e308 is honoured up to the 60 s cap; here the cap is 50 ms, so the suite stays fast."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "MAX_RETRY_AFTER", 0.05)
        yield


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, Any]]]:
    """One loopback server for the module; each example sets the server it plays in ``script``."""
    script: dict[str, Any] = {}
    with hostile_server(lambda asked: answer(script["server"], asked)) as (url, _):
        yield url, script


def client(url: str) -> ra.RoeClient:
    made = ra.RoeClient(api_key=KEY, organization_id=ORG, base_url=url, environ={}, max_retries=1, timeout=5)
    made.async_client.backoff_base = made.async_client.backoff_cap = 0.001
    return made


def check_frames(frames: ra.JobFrames, served_ids: set[str]) -> None:
    for name in ("jobs", "status_events", "inputs", "metadata"):
        assert getattr(frames, name).schema == FRAME_SCHEMAS[name], name
    ids = frames.jobs.get_column("id").to_list()
    assert len(ids) == len(set(ids)), "a job twice"
    assert set(ids) <= served_ids


def check_error(err: ra.RoeError, served_ids: set[str]) -> None:
    for text in (str(err), repr(err), "\n".join(getattr(err, "__notes__", []))):
        assert KEY not in text
    assert KEY.encode() not in pickle.dumps(err)
    request = getattr(err, "request", None)
    if request is not None:
        assert "authorization" not in {k.lower() for k in request.headers}
    if err.partial is not None:
        check_frames(err.partial, served_ids)


@settings(max_examples=60)
@given(servers())
def test_a_generated_server_gives_frames_a_roe_error_or_a_warning(
    served: tuple[str, dict[str, Any]], server: dict[str, Any]
) -> None:
    url, script = served
    script["server"] = server
    served_ids = {j["id"] for j in server["jobs"]}
    with client(url) as c, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frames = c.load_jobs(AGENT, page_size=PAGE_SIZE, progress=False)
        except ra.RoeError as err:
            check_error(err, served_ids)
        else:
            check_frames(frames, served_ids)
            if frames.jobs.height < min(len(served_ids), server["count"]):
                # Fewer jobs than both the server has and claims: never silently.
                assert any(issubclass(w.category, ra.IncompleteLoadWarning) for w in caught), server
        # Work is bounded by the pages that exist, whatever `count` claims: one pass and at most
        # two re-fetch passes over them (the two past the last real page included, none beyond),
        # each page at most twice (max_retries=1).
        assert c.stats.requests <= 3 * 2 * len(server["pages"]), (c.stats.requests, server)
    for w in caught:
        assert KEY not in str(w.message)


@settings(max_examples=40)
@given(servers())
def test_iter_pages_gives_pages_a_roe_error_or_a_warning(
    served: tuple[str, dict[str, Any]], server: dict[str, Any]
) -> None:
    url, script = served
    script["server"] = server
    with client(url) as c, warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            pages = list(c.iter_pages(AGENT, page_size=PAGE_SIZE))
        except ra.RoeError as err:
            check_error(err, {j["id"] for j in server["jobs"]})
        else:
            # In order, from page 1, none skipped; and the key is on none of their requests.
            assert [p.number for p in pages] == list(range(1, len(pages) + 1))
            assert all("authorization" not in {k.lower() for k in p.request.headers} for p in pages)


def tree_bytes(folder: Any) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def snapshot(served: tuple[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A snapshot of 9 jobs loaded from the server telling the truth (a Date header, every page)."""
    url, script = served
    honest = {"jobs": [job(i) for i in range(1, 10)], "count": 9, "dated": True, "pages": ["ok"] * 5}
    script["server"] = {**honest, "retry_after": "0"}
    folder = tmp_path_factory.mktemp("refresh") / "snap"
    with client(url) as c:
        c.load_jobs(AGENT, page_size=PAGE_SIZE, progress=False).save(folder)
    return folder


@settings(max_examples=40)
@given(servers())
def test_refresh_against_a_generated_server_keeps_the_snapshot_whole(
    served: tuple[str, dict[str, Any]], snapshot: Any, tmp_path_factory: pytest.TempPathFactory, server: dict[str, Any]
) -> None:
    url, script = served
    folder = tmp_path_factory.mktemp("copy") / "snap"
    folder.mkdir()
    for name, data in tree_bytes(snapshot).items():
        (folder / name).write_bytes(data)
    before = tree_bytes(folder)
    script["server"] = server
    served_ids = {j["id"] for j in server["jobs"]} | {j["id"] for j in (job(i) for i in range(1, 10))}
    with client(url) as c, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frames = c.refresh(folder, progress=False)
        except ra.RoeError as err:
            check_error(err, served_ids)
            # A failed refresh leaves the snapshot exactly as it was.
            assert tree_bytes(folder) == before
        else:
            check_frames(frames, served_ids)
            reloaded = ra.JobFrames.load(folder)
            assert reloaded.jobs.get_column("id").to_list() == frames.jobs.get_column("id").to_list()
        # However the pages lie, the requests stay within the budget and a full reload.
        assert c.stats.requests <= 2 * (2 * 3 + 1) + len(server["pages"]) * 2 + 4
    for w in caught:
        assert KEY not in str(w.message)


@settings(max_examples=30)
@given(servers())
def test_the_command_line_against_a_generated_server_says_one_line_and_never_the_key(
    served: tuple[str, dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    server: dict[str, Any],
) -> None:
    url, script = served
    script["server"] = server
    for name, value in {
        "ROE_API_KEY": KEY,
        "ROE_ORGANIZATION_ID": ORG,
        "ROE_BASE_URL": url,
        "ROE_MAX_RETRIES": "1",
    }.items():
        monkeypatch.setenv(name, value)
    out_dir = tmp_path_factory.mktemp("cli") / "snap"
    capsys.readouterr()
    code = cli.main(["fetch", AGENT, "--out", str(out_dir), "--no-progress", "--page-size", str(PAGE_SIZE)])
    out, err = capsys.readouterr()
    assert KEY not in out + err and "Traceback" not in out + err
    if code == 0:
        # Loaded: every line it printed on stderr is a one-line warning, and the snapshot is there.
        assert all(line.startswith("roe-analysis: warning:") for line in err.splitlines()), err
        check_frames(ra.JobFrames.load(out_dir), {j["id"] for j in server["jobs"]})
    else:
        assert code == 1, (code, err)
        errors = [line for line in err.splitlines() if not line.startswith("roe-analysis: warning:")]
        assert len(errors) == 1 and errors[0].startswith("roe-analysis: "), err
