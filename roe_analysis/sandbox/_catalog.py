"""The agents and versions endpoints' objects: ``BaseAgent``, ``AgentVersion`` and ``AgentTag``.

An agent's versions are the version profiles its *seeded* jobs ran (a mutation never creates or
deletes a version), except a deleted one (`DELETED_VERSIONS`), plus the draft every agent has.
Everything here is a function of the seed, the agent and the organization, except an agent's job
statistics, which are read from the store when asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from roe_analysis.sandbox._profiles import (
    AGENT_PROFILES,
    AGENT_TAGS,
    CANARY,
    CREATORS,
    DRAFT_CREATED,
    DRAFT_VERSION,
    PROFILES_BY_NAME,
    VERSION_MODELS,
    VERSIONS,
    WINDOW_START_US,
)
from roe_analysis.sandbox._query import DEFAULT_ORDERING
from roe_analysis.sandbox._records import JobRecord
from roe_analysis.sandbox._results import result_item
from roe_analysis.sandbox._store import Agent, JobStore, derived_uuid
from roe_analysis.sandbox._timefmt import US_PER_DAY, US_PER_HOUR, format_us, to_us

ENGINE_CLASS_ID = "MultimodalExtractionEngine"
ENGINE_NAME = "Multimodal Extraction"
#: Versions deleted after their jobs ran, as (agent name, version name): absent from the versions
#: list, so the results endpoint answers their jobs with ``agent_version_id`` null.
DELETED_VERSIONS: frozenset[tuple[str, str]] = frozenset({("demo", CANARY.name)})

_INSTRUCTION = (
    "Screen the activity for fraud and money-laundering risk. Answer Not Suspicious, Suspicious or "
    "Needs Escalation, with your confidence."
)
_OUTPUT_SCHEMA = json.dumps(
    {
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": ["Not Suspicious", "Suspicious", "Needs Escalation"]},
            "confidence": {"type": "number"},
        },
    },
    separators=(",", ":"),
)
_INPUTS: tuple[dict[str, Any], ...] = (
    {"key": "case_id", "data_type": "text/plain", "description": "Case identifier", "example": "CASE-DEM-000001"},
    {"key": "transaction_description", "data_type": "text/plain",
     "description": "Free-text description of the activity"},
    {"key": "document", "data_type": "application/pdf", "description": "Supporting document",
     "accepts_multiple_files": False},
    {"key": "transaction", "data_type": "application/json", "description": "Structured transaction record"},
    {"key": "receipt", "data_type": "image/png", "description": "Photo of the receipt",
     "accepts_multiple_files": False},
)  # fmt: skip
_DRAFT_INPUTS = (*_INPUTS, {"key": "customer_note", "data_type": "text/html", "description": "Note from the customer"})


@dataclass(frozen=True)
class _VersionSpec:
    description: str
    creator: int | None
    config: dict[str, str]


def _config(version: str, **extra: str) -> dict[str, str]:
    return {"model": VERSION_MODELS[version], "instruction": _INSTRUCTION, **extra, "output_schema": _OUTPUT_SCHEMA}


_VERSION_SPECS: dict[str, _VersionSpec] = {
    # v1.0 was configured by an older engine that called the key "llm_model": its model is not
    # where a reader of engine_config looks for it.
    "v1.0": _VersionSpec(
        "Initial screening prompt",
        0,
        {
            "llm_model": VERSION_MODELS["v1.0"],
            "instruction": _INSTRUCTION,
            "temperature": "0.2",
            "max_tokens": "1024",
            "output_schema": _OUTPUT_SCHEMA,
        },
    ),
    "v1.1": _VersionSpec(
        "Smaller model, tightened instructions", None, _config("v1.1", temperature="0.2", max_tokens="1024")
    ),
    "v2.0": _VersionSpec(
        "Reasoning model with the sanctions lookup tool",
        2,
        _config("v2.0", reasoning_effort="medium", max_tokens="4096"),
    ),
    CANARY.name: _VersionSpec(
        "Smaller reasoning model, tried on a sliver of traffic",
        3,
        _config(CANARY.name, reasoning_effort="high", max_tokens="4096"),
    ),
    DRAFT_VERSION: _VersionSpec(
        "Draft: cite the signal relied on (not run yet)",
        1,
        _config(DRAFT_VERSION, temperature="0.0", max_tokens="2048"),
    ),
}
#: When each agent was created, in hours before its oldest version; who created it; its cache flags.
_AGENT_SPECS: dict[str, tuple[int, int, bool, bool]] = {
    "demo": (2, 0, False, False),
    "small": (5, 1, False, True),
    "single": (3, 3, False, False),
    "empty": (0, 2, True, False),
    "large": (1, 4, False, False),
    "forbidden": (7, 4, False, False),
}
_TAG_CREATED_US = WINDOW_START_US - 30 * US_PER_DAY
_MAIN_LINE = frozenset(v.name for v in VERSIONS)


def version_created_us(name: str) -> int:
    """A version's ``created_at``: its rollout start (the draft: `DRAFT_CREATED`)."""
    if name == DRAFT_VERSION:
        return to_us(DRAFT_CREATED)
    profile = next(v for v in (*VERSIONS, CANARY) if v.name == name)
    return WINDOW_START_US + round(profile.first_day * US_PER_DAY)


class Catalog:
    """Agents and versions as the API serves them, for one store and organization.

    Args:
        store: the jobs (for each agent's seeded version names and job statistics).
        organization_id: the organization every agent belongs to.
    """

    def __init__(self, store: JobStore, *, organization_id: str) -> None:
        self.store = store
        self.organization_id = organization_id
        self._version_ids: dict[tuple[str, frozenset[str]], dict[str, str]] = {}

    def __repr__(self) -> str:
        return f"Catalog(organization_id={self.organization_id!r})"

    # -- versions ---------------------------------------------------------------------------------

    def version_names(self, agent: Agent) -> list[str]:
        """The agent's listed version names, newest first."""
        names = [
            v.name
            for v in (*VERSIONS, CANARY)
            if v.name in agent.version_names and (agent.name, v.name) not in DELETED_VERSIONS
        ]
        names.append(DRAFT_VERSION)
        return sorted(names, key=version_created_us, reverse=True)

    def version_id(self, agent: Agent, name: str) -> str:
        """The id a version of this agent has (listed or not)."""
        return derived_uuid(self.store.seed, f"agent/{agent.name}/version/{name}")

    def version_ids(self, agent: Agent) -> dict[str, str]:
        """Listed version name → id."""
        key = (agent.id, agent.version_names)
        found = self._version_ids.get(key)
        if found is None:
            found = self._version_ids[key] = {name: self.version_id(agent, name) for name in self.version_names(agent)}
        return found

    def job_result(self, agent: Agent, record: JobRecord) -> dict[str, Any]:
        """A job's ``AgentJobResultItem``; ``agent_version_id`` null unless its version is listed."""
        job = record.job
        return result_item(
            job,
            seed=self.store.seed,
            agent_id=agent.id,
            version_id=self.version_ids(agent).get(job["agent_version_name"]),
            case=self.store.result_cases.get(job["id"]),
        )

    def current_version(self, agent: Agent) -> str:
        """The version the agent runs: the newest listed of `VERSIONS`, else of the others but the draft.

        A canary takes a sliver of traffic and a draft none, so neither is current while a main-line
        version is listed; an agent that never ran a job has only its draft.
        """
        names = self.version_names(agent)
        main = [name for name in names if name in _MAIN_LINE]
        ran = [name for name in names if name != DRAFT_VERSION]
        return (main or ran or names)[0]

    def versions(self, agent: Agent) -> list[dict[str, Any]]:
        """Every listed ``AgentVersion``, newest first."""
        base = self.base_agent(agent, stats=False)
        return [self._version(agent, name, base) for name in self.version_names(agent)]

    def _version(self, agent: Agent, name: str, base: dict[str, Any]) -> dict[str, Any]:
        spec = _VERSION_SPECS[name]
        version: dict[str, Any] = {
            "id": self.version_id(agent, name),
            "name": base["name"],
            "version_name": name,
            "creator": None if spec.creator is None else dict(CREATORS[spec.creator]),
            "created_at": format_us(version_created_us(name)),
            "description": spec.description,
            "engine_class_id": ENGINE_CLASS_ID,
            "engine_name": ENGINE_NAME,
            "input_definitions": [dict(item) for item in (_DRAFT_INPUTS if name == DRAFT_VERSION else _INPUTS)],
            "engine_config": dict(spec.config),
            "organization_id": self.organization_id,
            # A version that has run jobs is frozen; the draft can still be edited.
            "readonly": name != DRAFT_VERSION,
            "base_agent": base,
        }
        if not self.store.legacy_shape:
            # Required by the official SDK (roe-ai 1.1.19), absent from the 1.0.93 document.
            version["supports_memory"] = False
            version["post_actions"] = []
        return version

    # -- agents -----------------------------------------------------------------------------------

    def created_us(self, agent: Agent) -> int:
        """The agent's ``created_at`` (µs)."""
        oldest = min(version_created_us(name) for name in self.version_names(agent))
        return oldest - _AGENT_SPECS[agent.name][0] * US_PER_HOUR

    def listing(self) -> list[Agent]:
        """Every agent in the agents list's order: newest created first (ties by id)."""
        agents = sorted(self.store.agents.values(), key=lambda a: a.id)
        return sorted(agents, key=self.created_us, reverse=True)

    def tag(self, name: str) -> dict[str, Any]:
        """One ``AgentTag``."""
        names = list(AGENT_TAGS)
        tag: dict[str, Any] = {
            "id": derived_uuid(self.store.seed, f"tag/{name}"),
            "name": name,
            "color": AGENT_TAGS[name],
            "created_at": format_us(_TAG_CREATED_US + names.index(name) * US_PER_DAY),
            "creator": CREATORS[names.index(name) % 2]["id"],
            "usage_count": sum(name in profile.tags for profile in AGENT_PROFILES),
        }
        if not self.store.legacy_shape:
            tag["private"] = False
        return tag

    def base_agent(self, agent: Agent, *, stats: bool) -> dict[str, Any]:
        """One ``BaseAgent``; ``stats=False`` leaves ``job_count`` and ``most_recent_job`` null.

        The caller holds the store's lock when ``stats`` is true.
        """
        _, creator, disable_cache, cache_failed_jobs = _AGENT_SPECS[agent.name]
        job_count: int | None = None
        most_recent: str | None = None
        if stats:
            job_count = len(agent.records)
            if agent.records:
                most_recent = format_us(self.store.ordered(agent, DEFAULT_ORDERING)[0].created_us)
        profile = PROFILES_BY_NAME[agent.name]
        base: dict[str, Any] = {
            "id": agent.id,
            "creator": dict(CREATORS[creator]),
            "created_at": format_us(self.created_us(agent)),
            "updated_at": format_us(max(version_created_us(name) for name in self.version_names(agent))),
            "name": profile.title,
            "disable_cache": disable_cache,
            "cache_failed_jobs": cache_failed_jobs,
            "organization_id": self.organization_id,
            "engine_class_id": ENGINE_CLASS_ID,
            "current_version_id": self.version_id(agent, self.current_version(agent)),
            "job_count": job_count,
            "most_recent_job": most_recent,
            "engine_name": ENGINE_NAME,
            "tags": [self.tag(name) for name in profile.tags],
        }
        if not self.store.legacy_shape:
            base["skill_generation_state"] = None
        return base
