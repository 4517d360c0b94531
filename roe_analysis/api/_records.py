"""Typed decoding of the jobs endpoint's JSON, done once per page.

msgspec decodes each page straight into these structs: it checks every type as it goes (a wrong
type fails with the JSON path, e.g. ``$.results[3].status_code``), ignores unknown fields, fills
missing optional fields with None, and keeps the free-form fields (`ui_fields`, evaluation
`reference`, event `error_details`) as the exact raw JSON bytes the server sent, so they reach the
frames losslessly. It is also several times faster than `json.loads`. The structs are
declared ``gc=False``: they hold only JSON data, so they can never be part of a reference cycle,
and leaving millions of them out of the cyclic collector's walks is most of a large load's
decoding time.

Hostile data fails here, once, as a `msgspec.ValidationError` with its JSON path (which the
transport turns into a page's `MalformedResponseError`): an integer column's value outside Int64
(the frames' dtype) is refused by the `Int64` constraint, and JSON nested too deeply to decode
(msgspec raises `RecursionError`) is located by a scan of the body and named by the field of the
job that holds it, e.g. ``$.results[3].ui_fields``. `encode` maps what cannot be encoded (given
records nested too deeply, integers too long, unencodable text or keys) to `msgspec.EncodeError`.
"""

from __future__ import annotations

import gc
import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec
from msgspec import Raw, Struct

#: A JSON scalar a metadata value may arrive as; non-strings are kept as their JSON text.
MetaValue = str | int | float | bool | None

#: An integer an Int64 frame column can hold; a larger one fails decoding with its JSON path.
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class Event(Struct, gc=False):
    """One entry of `status_events`."""

    status_code: Int64
    timestamp: str | None = None
    error_message: str | None = None
    error_details: Raw = Raw()
    count: Int64 | None = None


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
    status_code: Int64
    created_at: str
    agent_version_name: str | None = None
    status_events: list[Event] | None = None
    last_updated_at: str | None = None
    duration_ms: Int64 | None = None
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

_T = TypeVar("_T")


def decode_page(body: bytes) -> Page:
    """Decode one page body; raises `msgspec.DecodeError` (with the JSON path) when it is malformed.

    A `msgspec.ValidationError` (a `DecodeError`) when the JSON is valid but not a page: a wrong
    type, an integer outside Int64, or nesting too deep to decode.
    """
    # The lists inside a page are new containers the collector would walk again and again while a
    # large load accumulates; none can form a cycle, so collection waits until the page is built.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return decode_json_as(_page_decoder, Page, body)
    finally:
        if enabled:
            gc.enable()


def decode_jobs(body: bytes) -> list[Job]:
    """Decode a JSON array of jobs (used by `JobFrames.from_records`); raises like `decode_page`."""
    return decode_json_as(_jobs_decoder, list[Job], body)


def encode(value: object) -> bytes:
    """Compact JSON, the same way for every source, so loaded and given records build equal frames.

    Raises `msgspec.EncodeError` for anything that cannot be JSON: nesting too deep to encode (with
    the path, read as a list of jobs, e.g. ``$[0].ui_fields``), an integer too long to write, text
    with lone surrogates, a key that is not text or a number, an object JSON has no form for.
    """
    try:
        return msgspec.json.encode(value)
    except msgspec.EncodeError:
        raise
    except RecursionError:
        depth, parts = _deepest_value(value, _VALUE_DEPTH_LIMIT)
        # At the limit the walk stopped: most likely a list or dict holds itself.
        more = depth >= _VALUE_DEPTH_LIMIT
        raise msgspec.EncodeError(_too_deep(depth, parts, list[Job], "encode", more=more)) from None
    except (TypeError, ValueError) as exc:  # ValueError: an int of more digits than Python writes
        raise msgspec.EncodeError(str(exc)) from exc


def decode_json_as(decoder: msgspec.json.Decoder[_T], root: object, body: bytes) -> _T:
    """``decoder.decode(body)``; JSON nested too deep to decode is a `msgspec.ValidationError` naming
    the field of ``root`` (the decoded type) that holds it."""
    try:
        return decoder.decode(body)
    except RecursionError:
        # msgspec decodes recursively: say where, by the field of the job that holds the nesting.
        depth, parts = _deepest_in_json(body)
        raise msgspec.ValidationError(_too_deep(depth, parts, root, "decode")) from None


#: Path components kept while looking for the deepest point (the schema's own depth is far less).
_KEEP = 16

#: A JSON string (group 1, with group 2 when it is an object's key) or a bracket or comma (group 3).
_TOKEN = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|([\[\]{},])', re.DOTALL)


def _deepest_in_json(body: bytes) -> tuple[int, list[str | int]]:
    """How deep the JSON text nests, and the path (its first components) to the deepest container."""
    opened: list[int] = []  # the bracket of each open container
    at: list[str | int] = []  # where in each open container the scan is: a key, or an index
    deepest: tuple[int, list[str | int]] = (0, [])
    for match in _TOKEN.finditer(body):
        text, colon, punct = match.groups()
        if text is not None:
            if colon is not None and opened and opened[-1] == ord("{"):
                at[-1] = _key(text)
            continue
        char = punct[0]
        if char in b"[{":
            if len(opened) + 1 > deepest[0]:
                deepest = (len(opened) + 1, at[:_KEEP])
            opened.append(char)
            at.append(0 if char == ord("[") else "")
        elif char in b"]}":
            if opened:
                opened.pop()
                at.pop()
        elif opened and opened[-1] == ord("["):
            index = at[-1]
            at[-1] = index + 1 if isinstance(index, int) else 0
    return deepest


def _key(text: bytes) -> str:
    try:
        return str(msgspec.json.decode(text))
    except msgspec.DecodeError:
        return text[1:-1].decode("utf-8", "replace")


#: How deep `_deepest_value` walks before it stops (a list that holds itself is infinitely deep).
_VALUE_DEPTH_LIMIT = 10_000


def _deepest_value(value: object, limit: int) -> tuple[int, list[str | int]]:
    """How deep Python lists and dicts nest (at most ``limit``: a list may hold itself), and where."""
    deepest: tuple[int, list[str | int]] = (0, [])
    path: list[str | int] = []
    stack: list[Iterator[tuple[str | int, Any]]] = [iter([("", value)])]
    while stack:
        for key, child in stack[-1]:
            if isinstance(child, dict):
                items: Iterator[tuple[str | int, Any]] = ((str(k), v) for k, v in child.items())
            elif isinstance(child, list | tuple):
                items = enumerate(child)
            else:
                continue
            if len(stack) > 1:
                path.append(key)
            if len(stack) > deepest[0]:
                deepest = (len(stack), path[:_KEEP])
            if len(stack) >= limit:
                return deepest
            stack.append(items)
            break
        else:
            stack.pop()
            if len(stack) >= 2:  # a container inside another is done: leave its key
                path.pop()
    return deepest


def _too_deep(depth: int, parts: list[str | int], root: object, verb: str, *, more: bool = False) -> str:
    where = f" - at `{_schema_path(root, parts)}`" if depth else ""
    more_text = " or more (a list or dict inside itself?)" if more else ""
    return f"JSON nested {depth:,} levels deep{more_text}, too deep to {verb}{where}"


def _schema_path(root: object, parts: list[str | int]) -> str:
    """The JSON path of ``parts`` down to the first value the schema leaves free (a raw field, a dict,
    a field it does not know): ``$.results[3].ui_fields``, not the nesting inside it."""
    path, kind = "$", root
    for part in parts:
        kind = _unwrap_optional(kind)
        if isinstance(part, int) and get_origin(kind) is list:
            path, kind = f"{path}[{part}]", get_args(kind)[0]
        elif isinstance(part, str) and isinstance(kind, type) and issubclass(kind, Struct):
            fields = {f.encode_name: f.type for f in msgspec.structs.fields(kind)}
            path, kind = f"{path}.{part}", fields.get(part)
        else:
            break
    return path


def _unwrap_optional(kind: object) -> object:
    if get_origin(kind) in (Union, types.UnionType):
        others = [arg for arg in get_args(kind) if arg is not type(None)]
        return others[0] if len(others) == 1 else kind
    return kind
