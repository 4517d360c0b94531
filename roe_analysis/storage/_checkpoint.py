"""Checkpoints: every fetched page on disk as it arrives, so an interrupted load resumes.

A checkpoint lives beside its snapshot folder, in ``.<name>.checkpoint/``: ``state.json`` holds
what must not change between the first run and a resume (the query, the pinned window, the page
size the server used, its count), and each page is the exact body the server sent, written
atomically. Resuming with a different query is refused, because mixing pages of two queries would
give wrong frames. When the load completes the snapshot is written and the checkpoint removed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from roe_analysis.errors import InvalidArgumentError
from roe_analysis.storage._atomic import write_file_atomically

STATE_FILE = "state.json"


def checkpoint_dir(snapshot: str | os.PathLike[str]) -> Path:
    """Where the checkpoint of a snapshot folder lives."""
    path = Path(snapshot)
    return path.parent / f".{path.name}.checkpoint"


class PageStore:
    """Fetched pages of one load, on disk."""

    def __init__(self, snapshot: str | os.PathLike[str], identity: dict[str, Any]) -> None:
        self.folder = checkpoint_dir(snapshot)
        self.identity = identity
        self._state: dict[str, Any] = {"identity": identity, "agents": {}}
        state_path = self.folder / STATE_FILE
        if state_path.exists():
            try:
                saved = json.loads(state_path.read_text())
            except (OSError, ValueError) as exc:
                raise InvalidArgumentError(
                    f"the checkpoint in {self.folder} is unreadable ({exc}); delete that folder to start over."
                ) from exc
            if saved.get("identity") != identity:
                raise InvalidArgumentError(
                    f"the checkpoint in {self.folder} belongs to a different load (other agents, filters or server); "
                    f"resume with the same arguments, or delete that folder to start over."
                )
            self._state = saved
        self.resumed_pages = 0

    def agent_state(self, agent: str) -> dict[str, Any] | None:
        """What the first run learned about this agent (window, page size, count), if anything."""
        state = self._state["agents"].get(agent)
        return dict(state) if state is not None else None

    def set_agent_state(self, agent: str, state: dict[str, Any]) -> None:
        """Record what a resume must reuse for this agent."""
        self._state["agents"][agent] = state
        self.folder.mkdir(parents=True, exist_ok=True)
        write_file_atomically(self.folder / STATE_FILE, json.dumps(self._state, indent=1, sort_keys=True).encode())

    def _page_path(self, agent: str, number: int) -> Path:
        return self.folder / agent / f"page-{number:07d}.json"

    def get(self, agent: str, number: int) -> bytes | None:
        """The stored body of a page, if it was fetched before."""
        path = self._page_path(agent, number)
        if not path.exists():
            return None
        self.resumed_pages += 1
        return path.read_bytes()

    def put(self, agent: str, number: int, body: bytes) -> None:
        """Store a page body as soon as it arrives."""
        path = self._page_path(agent, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomically(path, body)

    def remove(self) -> None:
        """Delete the checkpoint (after the snapshot is safely written)."""
        shutil.rmtree(self.folder, ignore_errors=True)
