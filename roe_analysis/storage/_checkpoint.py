"""Checkpoints: every fetched page on disk as it arrives, so an interrupted load resumes.

A checkpoint lives beside its snapshot folder, in ``.<name>.checkpoint/``: ``state.json`` holds
what must not change between the first run and a resume (the query, the pinned window, the page
size the server used, its count), and each page is the exact body the server sent, written
atomically. Resuming with a different query is refused, because mixing pages of two queries would
give wrong frames. When the load completes the snapshot is written and the checkpoint removed:
only the files a checkpoint writes (``state.json``, ``<key>/page-NNNNNNN.json`` and their
temporaries) are deleted, so anything else someone put there is kept, and its folder with it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from roe_analysis.errors import InvalidArgumentError
from roe_analysis.storage._atomic import write_file_atomically

STATE_FILE = "state.json"
# What a checkpoint writes: the state, one folder per load key, its pages, and their temporaries.
_OWN_FILE = re.compile(r"state\.json|\.state\.json\.tmp")
_OWN_PAGE = re.compile(r"page-\d{7}\.json|\.page-\d{7}\.json\.tmp")


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
            except (OSError, ValueError, RecursionError) as exc:
                raise InvalidArgumentError(
                    f"the checkpoint in {self.folder} is unreadable ({exc}); delete that folder to start over."
                ) from None
            if not isinstance(saved, dict) or not isinstance(saved.get("agents"), dict):
                raise InvalidArgumentError(
                    f"the checkpoint in {self.folder} is damaged (its {STATE_FILE} is not a checkpoint's); delete that "
                    f"folder to start over."
                )
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
        if not agent or agent in {".", ".."} or "/" in agent or "\\" in agent or "\0" in agent:
            raise InvalidArgumentError(f"a checkpoint key must be a plain name; got {agent!r}.")
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
        """Delete the checkpoint (after the snapshot is safely written): only the files it wrote.

        Anything else in the folder (and so the folder) is left where it is; a link is never followed,
        and only the page folders of the keys the state records are entered.
        """
        folders = [self.folder]
        try:
            with os.scandir(self.folder) as listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False) and entry.name in self._state["agents"]:
                        folders.insert(0, Path(entry.path))
                    elif entry.is_file(follow_symlinks=False) and _OWN_FILE.fullmatch(entry.name):
                        _unlink(Path(entry.path))
        except OSError:
            return
        for folder in folders[:-1]:
            try:
                with os.scandir(folder) as listing:
                    pages = [Path(e.path) for e in listing if e.is_file(follow_symlinks=False)]
            except OSError:
                continue
            for page in pages:
                if _OWN_PAGE.fullmatch(page.name):
                    _unlink(page)
        for folder in folders:
            try:
                os.rmdir(folder)
            except OSError:
                continue


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        return
