"""Generated servers that stall: a load never runs past its deadlines and backoff (issue 12).

Hypothesis draws a client (timeout, retries) and, for each page, how the server stalls: before
its headers, between body chunks of one byte or many, or not at all, with a 200, a 503 or a 429.
Whatever it draws, `load_jobs` returns frames or raises a `RoeError`, and its wall time stays
within what its settings allow: per page, (retries + 1) whole-attempt deadlines plus the waits
between them, plus a fixed margin for building the client and the frames. A server stalling
longer than that bound (every stall here can last minutes) would fail the test if any read,
header or retry escaped the deadline.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import roe_analysis as ra
from roe_analysis.api import _transport as transport

from ..hostile import Answer, Asked, hostile_server
from ..records import job

KEY = "roe-deadline-key-51d0"
ORG = "00000000-0000-4000-8000-0000000000bb"
AGENT = "00000000-0000-4000-8000-0000000000aa"
PAGE_SIZE = 2
#: What a load needs beyond its requests: the client, the event loop, the frames (generous).
MARGIN = 2.0
#: The longest wait between attempts here: the patched Retry-After cap and the backoff cap.
WAIT = 0.05

STALLS = {
    "none": {},
    "headers": {"delay": 120.0},
    "drip_bytes": {"drip": 0.25, "chunk": 1},
    "drip_chunks": {"drip": 0.25, "chunk": 64},
    "slow_start": {"delay": 0.1},
}


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 2 * PAGE_SIZE))
    pages = -(-n // PAGE_SIZE)
    return {
        "jobs": [job(i) for i in range(1, n + 1)],
        "timeout": draw(st.sampled_from([0.2, 0.4])),
        "max_retries": draw(st.integers(0, 1)),
        "answers": draw(
            st.lists(
                st.tuples(st.sampled_from(sorted(STALLS)), st.sampled_from([200, 200, 503, 429])),
                min_size=pages * 2,
                max_size=pages * 2,
            )
        ),
    }


def respond(plan: dict[str, Any], attempts: dict[int, int], asked: Asked) -> Answer:
    number = int(asked.query.get("page", "1"))
    attempt = attempts.get(number, 0)
    attempts[number] = attempt + 1
    stall, status = plan["answers"][min((number - 1) * 2 + attempt, len(plan["answers"]) - 1)]
    start = (number - 1) * PAGE_SIZE
    if status == 200:
        page = {
            "count": len(plan["jobs"]),
            "next": None,
            "previous": None,
            "results": plan["jobs"][start : start + PAGE_SIZE],
        }
        body = json.dumps(page).encode()
    else:
        body = b'{"detail": "busy"}'
    headers = {"Content-Type": "application/json"} | ({"Retry-After": "30"} if status == 429 else {})
    return Answer(status, body, headers, **STALLS[stall])


@pytest.fixture(scope="module", autouse=True)
def short_waits() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "MAX_RETRY_AFTER", WAIT)
        yield


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, Any]]]:
    script: dict[str, Any] = {}
    with hostile_server(lambda asked: respond(script["plan"], script["attempts"], asked)) as (url, _):
        yield url, script


@settings(max_examples=12, deadline=None)
@given(plans())
def test_a_stalling_server_never_keeps_a_load_past_its_deadlines_and_backoff(
    served: tuple[str, dict[str, Any]], plan: dict[str, Any]
) -> None:
    url, script = served
    script["plan"], script["attempts"] = plan, {}
    pages = -(-len(plan["jobs"]) // PAGE_SIZE)
    bound = pages * (plan["max_retries"] + 1) * (plan["timeout"] + WAIT) + MARGIN
    client = ra.RoeClient(
        api_key=KEY,
        organization_id=ORG,
        base_url=url,
        environ={},
        timeout=plan["timeout"],
        max_retries=plan["max_retries"],
    )
    client.async_client.backoff_base = client.async_client.backoff_cap = WAIT
    started = time.monotonic()
    with client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frames = client.load_jobs(AGENT, page_size=PAGE_SIZE, progress=False)
        except ra.RoeError as err:
            assert KEY not in str(err)
            outcome = type(err).__name__
        else:
            assert frames.jobs.height <= len(plan["jobs"])
            outcome = "loaded"
    elapsed = time.monotonic() - started
    assert elapsed < bound, (outcome, round(elapsed, 2), round(bound, 2), plan["answers"])
