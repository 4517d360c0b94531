"""Typed decoding of the jobs endpoint's JSON, done once per page.

msgspec decodes each page straight into these structs: it checks every type as it goes (a wrong
type fails with the JSON path, e.g. ``$.results[3].status_code``), ignores unknown fields, fills
missing optional fields with None, and keeps the free-form fields (`ui_fields`, evaluation
`reference`, event `error_details`) as the exact raw JSON bytes the server sent, so they reach the
frames losslessly. It is also several times faster than `json.loads`. The structs are
declared ``gc=False``: they hold only JSON data, so they can never be part of a reference cycle,
and leaving millions of them out of the cyclic collector's walks is most of a large load's
decoding time.
"""

from __future__ import annotations

import gc

import msgspec
from msgspec import Raw, Struct

#: A JSON scalar a metadata value may arrive as; non-strings are kept as their JSON text.
MetaValue = str | int | float | bool | None


class Event(Struct, gc=False):
    """One entry of `status_events`."""

    status_code: int
    timestamp: str | None = None
    error_message: str | None = None
    error_details: Raw = Raw()
    count: int | None = None


class JobInput(Struct, gc=False):
    """One entry of `job_inputs`."""

    key: str | None = None
    description: str | None = None
    data_type: str | None = None
    value: str | None = None
    file_name: str | None = None


class Evaluation(Struct, gc=False):
    """A job's `evaluation` (the LLM grader's and a human's scores)."""

    reference: Raw = Raw()
    human_score: float | None = None
    grader_score: float | None = None
    feedback: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Review(Struct, gc=False):
    """A job's `feedback_review` (the human reviewer's verdict)."""

    review_status: str | None = None
    corrected_verdict: str | None = None
    review_comment: str | None = None
    reviewed_at: str | None = None
    reviewed_by: str | None = None


class Creator(Struct, gc=False):
    """A job's `creator` (current API only)."""

    id: int | str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None


class Job(Struct, gc=False):
    """One job as the list endpoint returns it."""

    id: str
    status_code: int
    created_at: str
    agent_version_name: str | None = None
    status_events: list[Event] | None = None
    last_updated_at: str | None = None
    duration_ms: int | None = None
    job_inputs: list[JobInput] | None = None
    metadata: dict[str, MetaValue] | None = None
    ui_fields: Raw = Raw()
    evaluation: Evaluation | None = None
    feedback_review: Review | None = None
    review_state: str | None = None
    creator: Creator | None = None


class Page(Struct, gc=False):
    """One page of `PaginatedListAgentJobList`."""

    count: int
    results: list[Job]
    next: str | None = None
    previous: str | None = None


_page_decoder = msgspec.json.Decoder(Page)
_jobs_decoder = msgspec.json.Decoder(list[Job])


def decode_page(body: bytes) -> Page:
    """Decode one page body; raises `msgspec.DecodeError` (with the JSON path) when it is malformed."""
    # The lists inside a page are new containers the collector would walk again and again while a
    # large load accumulates; none can form a cycle, so collection waits until the page is built.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _page_decoder.decode(body)
    finally:
        if enabled:
            gc.enable()


def decode_jobs(body: bytes) -> list[Job]:
    """Decode a JSON array of jobs (used by `JobFrames.from_records`)."""
    return _jobs_decoder.decode(body)


def encode(value: object) -> bytes:
    """Compact JSON, the same way for every source, so loaded and given records build equal frames."""
    return msgspec.json.encode(value)
