"""Typed decoding of the results, versions and agents endpoints, as `_records` does for job pages.

* ``POST /v1/agents/jobs/results/`` answers a JSON array of `ResultItem` (`AgentJobResultItem`).
* ``GET /v1/agents/{agent_id}/versions/`` answers a JSON array of `VersionRecord` (`AgentVersion`).
* ``GET /v1/agents/`` answers pages of `AgentRecord` (`PaginatedBaseAgentList`).

The same rules as for pages: msgspec checks every type as it goes (a wrong type fails with its
JSON path), unknown fields are ignored, missing optional fields are None, integers must fit Int64,
and `engine_config` is kept as the exact raw JSON the server sent.
"""

from __future__ import annotations

import msgspec
from msgspec import Raw, Struct

from roe_analysis.api._records import Creator, Int64, decode_json_as

#: The most job ids the results endpoint takes in one request.
RESULTS_BATCH_SIZE = 1000


class Datum(Struct, gc=False):
    """One output of a result (`AgentDatum`): a key and its value, serialized as a string."""

    key: str | None = None
    value: str | None = None
    data_type: str | None = None
    description: str | None = None
    cost: float | None = None


class ResultItem(Struct, gc=False):
    """One job's result (`AgentJobResultItem`)."""

    id: str
    status: Int64 | None = None
    result: list[Datum] | None = None
    corrected_outputs: list[Datum] | None = None
    agent_id: str | None = None
    agent_version_id: str | None = None
    cost: float | None = None
    input_tokens: Int64 | None = None
    output_tokens: Int64 | None = None


class BaseAgentName(Struct, gc=False):
    """The part of a version's ``base_agent`` kept: the agent's name."""

    name: str | None = None


class VersionRecord(Struct, gc=False):
    """One agent version (`AgentVersion`)."""

    id: str
    version_name: str | None = None
    created_at: str | None = None
    engine_name: str | None = None
    engine_config: Raw = Raw()
    description: str | None = None
    creator: Creator | None = None
    readonly: bool | None = None
    base_agent: BaseAgentName | None = None


class Tag(Struct, gc=False):
    """One tag of an agent (`AgentTag`)."""

    name: str | None = None


class AgentRecord(Struct, gc=False):
    """One agent (`BaseAgent`)."""

    id: str
    name: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    job_count: Int64 | None = None
    most_recent_job: str | None = None
    current_version_id: str | None = None
    engine_name: str | None = None
    tags: list[Tag] | None = None
    disable_cache: bool | None = None
    creator: Creator | None = None


class AgentsPage(Struct, gc=False):
    """One page of `PaginatedBaseAgentList`."""

    count: Int64
    results: list[AgentRecord]
    next: str | None = None
    previous: str | None = None


_results = msgspec.json.Decoder(list[ResultItem])
_versions = msgspec.json.Decoder(list[VersionRecord])
_agents = msgspec.json.Decoder(AgentsPage)


def decode_results(body: bytes) -> list[ResultItem]:
    """Decode the results endpoint's answer; raises `msgspec.DecodeError` with the JSON path."""
    return decode_json_as(_results, list[ResultItem], body)


def decode_versions(body: bytes) -> list[VersionRecord]:
    """Decode the versions endpoint's answer; raises `msgspec.DecodeError` with the JSON path."""
    return decode_json_as(_versions, list[VersionRecord], body)


def decode_agents_page(body: bytes) -> AgentsPage:
    """Decode one page of the agents list; raises `msgspec.DecodeError` with the JSON path."""
    return decode_json_as(_agents, AgentsPage, body)
