"""Shared fixtures for the sandbox tests: an authenticated httpx client and page-walking helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from roe_analysis.sandbox import Sandbox

Fetch = Callable[..., httpx.Response]
WalkIds = Callable[..., list[str]]


@pytest.fixture
def sb(roe_sandbox: Sandbox) -> Sandbox:
    """The session sandbox, reset for this test (seeded data, no faults, empty request log)."""
    return roe_sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client authenticated against the sandbox."""
    with httpx.Client(base_url=sb.base_url, headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10) as http:
        yield http


@pytest.fixture
def fetch(sb: Sandbox, client: httpx.Client) -> Fetch:
    """``fetch("demo", page_size=5)``: GET an agent's jobs list (by name or id) with these params."""

    def get(agent: str, **params: Any) -> httpx.Response:
        agent_id = sb.agents.get(agent, agent)
        return client.get(f"/v1/agents/{agent_id}/jobs/", params=params)

    return get


@pytest.fixture
def walk_ids(client: httpx.Client, fetch: Fetch) -> WalkIds:
    """``walk_ids("demo", status_code=3)``: every job id over all pages, following ``next``."""

    def walk(agent: str, **params: Any) -> list[str]:
        params.setdefault("page_size", 100)
        response = fetch(agent, **params)
        ids: list[str] = []
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            ids += [job["id"] for job in body["results"]]
            if body["next"] is None:
                assert len(ids) == body["count"]
                return ids
            response = client.get(body["next"])

    return walk
