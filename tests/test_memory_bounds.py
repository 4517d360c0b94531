"""Memory is bounded by what was received, not by what a server claims (issue 12).

Each case loads from a hostile server in a child process and reports its peak resident memory,
which must stay under `PEAK` (the child's address space is also capped, at `LIMIT`, so a load
that believed the server dies there instead of eating the machine); a bounded load ends with the
library error the case expects.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zlib
from typing import Any

import pytest

from .hostile import Answer, Asked, hostile_server
from .records import job

LIMIT = 4 * 1024**3
#: Most resident memory a bounded child may reach: Python, Polars and one capped body (256 MiB).
PEAK = 700 * 1024**2
AGENT = "7d9028fe-f756-4314-ae72-390e3e363d27"

CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import roe_analysis as ra

    def peak():
        # This process's own high-water mark (ru_maxrss would include the forked parent's, on Linux).
        with open("/proc/self/status") as status:
            line = next(l for l in status if l.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    try:
        with ra.RoeClient(api_key="roe-test-key-0001", organization_id="8658d5ba-a49d-4a7d-b15a-78ce4379db61",
                          base_url=sys.argv[1], max_retries=0, timeout=20, environ={{}}, **{options}) as client:
            client.load_jobs("{agent}", progress=False)
    except MemoryError:
        print("MemoryError |", peak())
        sys.exit(4)
    except ra.RoeError as exc:
        print(type(exc).__name__, "|", peak(), "|", exc)
        sys.exit(3)
    print("loaded |", peak())
    """
)


def run_child(url: str, options: dict[str, Any]) -> tuple[int, str, int, str]:
    """The child's exit code, what it ended with, its peak resident bytes and the rest it said."""
    code = CHILD.format(limit=LIMIT, agent=AGENT, options=repr(options))
    done = subprocess.run([sys.executable, "-c", code, url], check=False, capture_output=True, text=True, timeout=120)
    said = done.stdout.strip()
    parts = said.split(" | ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return done.returncode, said + done.stderr[-2000:], -1, ""
    return done.returncode, parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""


def test_a_count_of_a_billion_does_not_create_a_billion_page_tasks() -> None:
    def respond(asked: Asked) -> Answer:
        if asked.query.get("page") == "1":
            return Answer(
                200, json.dumps({"count": 10**9, "next": None, "previous": None, "results": [job(1)]}).encode()
            )
        return Answer(400, b'{"page": ["stop here"]}')

    with hostile_server(respond) as (url, seen):
        # The sanity limit is lifted, so only lazy task creation keeps the memory bounded.
        code, ended, peak, _ = run_child(url, {"max_pages": 10**10})
    assert (code, ended) == (3, "BadRequestError"), ended
    assert 0 < peak < PEAK, peak
    assert len(seen) <= 1 + 8 * 2  # page 1, then at most a few rounds of the 8 workers


def test_a_gzip_bomb_stops_at_the_body_cap() -> None:
    # One gzip stream (httpx decodes only the first member of several) of 1.25 GiB of spaces, ~6 MB
    # on the wire: more than the child may hold, so only the 256 MiB cap lets it end with an error.
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = b" " * (64 * 1024**2)
    bomb = b"".join([*(packer.compress(block) for _ in range(20)), packer.flush()])
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}

    with hostile_server(lambda _: Answer(200, bomb, headers)) as (url, _):
        code, ended, peak, said = run_child(url, {})
    assert (code, ended) == (3, "ResponseTooLargeError"), ended
    assert "268,435,456 bytes" in said
    assert 0 < peak < PEAK, peak


@pytest.mark.parametrize("pages", [3])
def test_a_bounded_load_still_loads_everything(pages: int) -> None:
    def respond(asked: Asked) -> Answer:
        n = int(asked.query.get("page", "1"))
        results = [job(n)]
        return Answer(200, json.dumps({"count": pages, "next": None, "previous": None, "results": results}).encode())

    with hostile_server(respond) as (url, _):
        code, ended, peak, _ = run_child(url, {})
    assert (code, ended) == (0, "loaded")
    assert 0 < peak < PEAK, peak
