"""The sandbox's state: every agent's jobs, their cached serialisations, and the mutations.

One re-entrant lock guards everything; the HTTP handler holds it only while it selects a page and
joins the cached bytes, which takes a few milliseconds. Each job is wrapped in a `JobRecord` that
precomputes its sort keys and caches its JSON bytes; a mutation never edits a record in place, it
builds a new job dict (sub-objects are shared between seeded jobs, so they are replaced, not changed)
and a new record, and bumps the agent's version, which invalidates the agent's cached orderings and
query results.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import EllipsisType
from typing import Any

from roe_analysis.sandbox._data import generate_agent
from roe_analysis.sandbox._generate import new_job
from roe_analysis.sandbox._profiles import AGENT_PROFILES
from roe_analysis.sandbox._query import DEFAULT_ORDERING, JobQuery, select, sort_records
from roe_analysis.sandbox._records import JobRecord
from roe_analysis.sandbox._results import pick_result_cases
from roe_analysis.sandbox._status import RUNNING_CODES, append_status, compute_duration_ms, review_state_of
from roe_analysis.sandbox._timefmt import US_PER_SECOND, format_us, parse_instant, to_us

REVIEW_STATUSES = ("pending", "approved", "rejected")
_CREATE_KEYS = frozenset(
    {
        "id",
        "agent_version_name",
        "created_at",
        "status_code",
        "job_inputs",
        "metadata",
        "ui_fields",
        "evaluation",
        "feedback_review",
        "creator",
    }
)
_UPDATE_KEYS = frozenset(
    {
        "agent_version_name",
        "status_code",
        "error_message",
        "error_details",
        "count",
        "job_inputs",
        "metadata",
        "ui_fields",
        "evaluation",
        "feedback_review",
        "creator",
    }
)


def derived_uuid(seed: int, label: str) -> str:
    """A UUID (version 4 layout) that depends only on ``seed`` and ``label``."""
    digest = hashlib.sha256(f"roe-sandbox/{seed}/{label}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def derived_api_key(seed: int) -> str:
    """The sandbox's fake API key for ``seed``."""
    return "sbx_" + hashlib.sha256(f"roe-sandbox/{seed}/api-key".encode()).hexdigest()[:40]


class Clock:
    """The sandbox's notion of now: strictly increasing microseconds.

    Two mutations in the same microsecond would give two jobs the same ``last_updated_at`` and make
    an incremental refresh by ``last_updated_at`` ambiguous, so each reading is at least 1 µs after
    the previous one even when the underlying source stands still (a fixed test clock).
    """

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))
        self._last = 0
        self._lock = threading.Lock()

    def now_us(self) -> int:
        """Microseconds since the epoch, strictly greater than the previous reading."""
        with self._lock:
            self._last = max(to_us(self._source()), self._last + 1)
            return self._last


@dataclass
class Agent:
    """One agent's jobs and its caches, and the version names its seeded jobs ran."""

    name: str
    id: str
    records: dict[str, JobRecord]
    version_names: frozenset[str] = frozenset()
    version: int = 0
    dirty: bool = False
    orderings: dict[tuple[tuple[str, bool], ...], list[JobRecord]] = field(default_factory=dict)
    ranks: dict[str, int] | None = None

    def touch(self) -> None:
        """Note a change: cached orderings and query results are stale."""
        self.version += 1
        self.dirty = True
        self.orderings.clear()
        self.ranks = None


class JobStore:
    """Every seeded agent's jobs, thread-safe.

    Args:
        seed: the random seed.
        sizes: number of jobs per agent name (defaults in ``AGENT_PROFILES``).
        legacy_shape: serve jobs without ``review_state`` and ``creator``.
        clock: the sandbox clock used by mutations.
    """

    def __init__(self, *, seed: int, sizes: Mapping[str, int], legacy_shape: bool, clock: Clock) -> None:
        self.seed = seed
        self.sizes = dict(sizes)
        self.legacy_shape = legacy_shape
        self.clock = clock
        self.lock = threading.RLock()
        self.agents: dict[str, Agent] = {}
        self.special_job_ids: dict[str, str] = {}
        #: job id → its `RESULT_CASES` name (the demo agent's odd results).
        self.result_cases: dict[str, str] = {}
        self._owner: dict[str, Agent] = {}
        self._serial = 0
        self._results: OrderedDict[tuple[str, int, JobQuery], list[JobRecord]] = OrderedDict()
        for profile in AGENT_PROFILES:
            agent = Agent(name=profile.name, id=derived_uuid(seed, f"agent/{profile.name}"), records={})
            self.agents[agent.id] = agent
            self._load(agent)

    def _load(self, agent: Agent) -> None:
        for job_id in agent.records:
            self._owner.pop(job_id, None)
        jobs, specials = generate_agent(
            self.sizes[agent.name], seed=self.seed, agent=agent.name, special_cases=agent.name == "demo"
        )
        agent.records = {job["id"]: JobRecord(job) for job in jobs}
        agent.version_names = frozenset(job["agent_version_name"] for job in jobs)
        for job_id in agent.records:
            self._owner[job_id] = agent
        if agent.name == "demo":
            cases = pick_result_cases(jobs, seed=self.seed, exclude=set(specials.values()))
            self.special_job_ids = {**specials, **cases}
            self.result_cases = {job_id: name for name, job_id in cases.items()}
        agent.touch()
        agent.dirty = False

    def reset(self) -> None:
        """Restore every agent a mutation touched to its seeded state."""
        with self.lock:
            for agent in self.agents.values():
                if agent.dirty:
                    self._load(agent)
            self._serial = 0
            self._results.clear()

    # -- lookups ----------------------------------------------------------------------------------

    def agent(self, ref: str) -> Agent:
        """The agent with this id or name.

        Raises:
            KeyError: no such agent.
        """
        found = self.agents.get(ref)
        if found is not None:
            return found
        for agent in self.agents.values():
            if agent.name == ref:
                return agent
        names = ", ".join(a.name for a in self.agents.values())
        raise KeyError(f"no sandbox agent {ref!r}; agents are {names} (or their ids)")

    def find(self, job_id: str) -> tuple[Agent, JobRecord] | None:
        """The agent and record of a job id (lower-case, hyphenated), or ``None``."""
        agent = self._owner.get(job_id)
        if agent is None or job_id not in agent.records:
            return None
        return agent, agent.records[job_id]

    def _record(self, job_id: str) -> tuple[Agent, JobRecord]:
        agent = self._owner.get(job_id)
        if agent is None or job_id not in agent.records:
            raise KeyError(f"no sandbox job {job_id!r}")
        return agent, agent.records[job_id]

    def ordered(self, agent: Agent, keys: tuple[tuple[str, bool], ...]) -> list[JobRecord]:
        """All of an agent's jobs sorted by ``keys`` (cached until the agent changes)."""
        found = agent.orderings.get(keys)
        if found is None:
            found = agent.orderings[keys] = sort_records(list(agent.records.values()), keys)
        return found

    def ranks(self, agent: Agent) -> dict[str, int]:
        """Each job id's position in the default order (0 = most recently created)."""
        if agent.ranks is None:
            agent.ranks = {r.job["id"]: i for i, r in enumerate(self.ordered(agent, DEFAULT_ORDERING))}
        return agent.ranks

    def select(self, agent: Agent, query: JobQuery) -> list[JobRecord]:
        """The jobs ``query`` selects, in order; cached so paging through a result is cheap."""
        key = (agent.id, agent.version, query)
        found = self._results.get(key)
        if found is not None:
            self._results.move_to_end(key)
            return found
        found = select(query, ordered=lambda keys: self.ordered(agent, keys), recency=lambda: self.ranks(agent))
        self._results[key] = found
        # Paging through a few selections at once is the pattern; a 200,000-job selection is 1.6 MB.
        if len(self._results) > 32:
            self._results.popitem(last=False)
        return found

    def serialized(self, record: JobRecord, *, exclude_metadata: bool = False) -> bytes:
        """A job's JSON bytes as the server sends them."""
        return record.blob(legacy=self.legacy_shape, exclude_metadata=exclude_metadata)

    def as_served(self, record: JobRecord) -> dict[str, Any]:
        """A fresh copy of a job exactly as the API serialises it."""
        loaded: dict[str, Any] = json.loads(self.serialized(record))
        return loaded

    def jobs(self, ref: str) -> list[dict[str, Any]]:
        """An agent's jobs as served, in the default order (newest first, ties by id)."""
        with self.lock:
            agent = self.agent(ref)
            return [self.as_served(r) for r in self.ordered(agent, DEFAULT_ORDERING)]

    # -- mutations --------------------------------------------------------------------------------

    def _store(self, agent: Agent, job: dict[str, Any]) -> JobRecord:
        job["review_state"] = review_state_of(job.get("feedback_review"))
        record = JobRecord(job)
        agent.records[job["id"]] = record
        self._owner[job["id"]] = agent
        agent.touch()
        return record

    def create_job(self, ref: str, **overrides: Any) -> dict[str, Any]:
        """Add a job created now (or at ``created_at``); see `Sandbox.create_job`."""
        unknown = set(overrides) - _CREATE_KEYS
        if unknown:
            raise TypeError(f"create_job() cannot set {sorted(unknown)}; it can set {sorted(_CREATE_KEYS)}")
        with self.lock:
            agent = self.agent(ref)
            now = self.clock.now_us()
            status = int(overrides.pop("status_code", 0))
            finished = status not in RUNNING_CODES
            created_at = overrides.pop("created_at", None)
            if created_at is None:
                # A finished job submitted two seconds ago, so its events end exactly now.
                created = now - 2 * US_PER_SECOND if finished else now
            elif isinstance(created_at, datetime):
                created = to_us(created_at)
            else:
                created = parse_instant(str(created_at))
            self._serial += 1
            job = new_job(seed=self.seed, agent=agent.name, serial=self._serial, created=created, status_code=status)
            job_id = overrides.get("id", job["id"])
            if job_id in self._owner and job_id in self._owner[job_id].records:
                raise ValueError(f"a job with id {job_id!r} already exists")
            job.update(overrides)
            job["last_updated_at"] = format_us(max(now, created + (2 * US_PER_SECOND if finished else 0)))
            return self.as_served(self._store(agent, job))

    def insert_jobs(self, agent: Agent, count: int) -> list[str]:
        """Add ``count`` just-submitted (PENDING) jobs created now; their ids."""
        return [self.create_job(agent.id)["id"] for _ in range(count)]

    def update_job(self, job_id: str, **changes: Any) -> dict[str, Any]:
        """Change a job; see `Sandbox.update_job`."""
        unknown = set(changes) - _UPDATE_KEYS
        if unknown:
            raise TypeError(f"update_job() cannot set {sorted(unknown)}; it can set {sorted(_UPDATE_KEYS)}")
        with self.lock:
            agent, record = self._record(job_id)
            job = dict(record.job)
            now = self.clock.now_us()
            status = changes.pop("status_code", None)
            extra = {key: changes.pop(key) for key in ("error_message", "error_details", "count") if key in changes}
            if status is not None:
                append_status(job, int(status), now, **extra)
            elif extra:
                raise TypeError("error_message, error_details and count go with a status_code change")
            job.update(changes)
            job["duration_ms"] = compute_duration_ms(job["status_events"], job["status_code"])
            job["last_updated_at"] = format_us(now)
            return self.as_served(self._store(agent, job))

    def evaluate(
        self,
        job_id: str,
        *,
        grader_score: float | EllipsisType | None = ...,
        human_score: float | EllipsisType | None = ...,
        feedback: str | EllipsisType = ...,
        reference: Any = ...,
    ) -> dict[str, Any]:
        """Create or change a job's evaluation; ``...`` keeps a field as it is."""
        with self.lock:
            agent, record = self._record(job_id)
            job = dict(record.job)
            now = format_us(self.clock.now_us())
            evaluation = dict(job["evaluation"] or {})
            evaluation.setdefault("reference", None)
            evaluation.setdefault("human_score", None)
            evaluation.setdefault("grader_score", None)
            evaluation.setdefault("feedback", "")
            evaluation.setdefault("created_at", now)
            for name, value in (
                ("reference", reference),
                ("human_score", human_score),
                ("grader_score", grader_score),
                ("feedback", feedback),
            ):
                if value is not ...:
                    evaluation[name] = value
            evaluation["updated_at"] = now
            job["evaluation"] = evaluation
            job["last_updated_at"] = now
            return self.as_served(self._store(agent, job))

    def review(
        self,
        job_id: str,
        *,
        status: str,
        corrected_verdict: str | None,
        reviewed_by: str | None,
        review_comment: str,
    ) -> dict[str, Any]:
        """Set a job's review; see `Sandbox.review`."""
        if status not in REVIEW_STATUSES:
            raise ValueError(f"review status must be one of {REVIEW_STATUSES}, not {status!r}")
        with self.lock:
            agent, record = self._record(job_id)
            job = dict(record.job)
            now = format_us(self.clock.now_us())
            pending = status == "pending"
            job["feedback_review"] = {
                "review_status": status,
                "corrected_verdict": corrected_verdict,
                "review_comment": review_comment,
                "reviewed_at": None if pending else now,
                "reviewed_by": None if pending else reviewed_by,
            }
            job["last_updated_at"] = now
            return self.as_served(self._store(agent, job))

    def delete_jobs(self, job_ids: Sequence[str]) -> None:
        """Remove jobs.

        Raises:
            KeyError: one of them does not exist (nothing is removed then).
        """
        with self.lock:
            found = [self._record(job_id) for job_id in job_ids]
            for agent, record in found:
                del agent.records[record.job["id"]]
                self._owner.pop(record.job["id"], None)
                agent.touch()
