"""`JobQuery`: every filter of the jobs endpoint, validated before a request is sent.

The filters are listed once, in `JobFilters`: both clients' ``load_jobs`` and ``iter_pages``
take them as ``**filters: Unpack[JobFilters]``, the CLI makes one option per key, and
`JobQuery.describe` (what a manifest records) walks the fields of the validated `JobQuery`.
Each bad argument raises `InvalidArgumentError` (a `ValueError`) with a hint, so a typo costs no
request and no rate-limit budget.
"""

from __future__ import annotations

import difflib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from roe_analysis._schema import STATUS_NAMES, format_datetime
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, closest_match


class JobFilters(TypedDict, total=False):
    """Every filter of `GET /v1/agents/{agent_id}/jobs/`, in the forms callers may give them.

    Attributes:
        created_from: jobs created at or after (a timezone-aware datetime or ISO 8601 string).
        created_to: jobs created at or before; pins the window when given.
        status_code: a code, a status name (``"SUCCESS"``) or a list of them.
        version_name: one agent version, exactly, or a list of them (one request stream per
            version, since the API matches one name; repeats are dropped, order kept).
        ordering: keys of the API's enum, ``-`` for descending (default ``-created_at``).
        metadata: jobs whose metadata holds every one of these str → str pairs.
        search: a substring of the id, the version name or an input value.
        semantic_string: jobs whose inputs resemble this text, most similar first.
        job_id: one job's UUID.
        job_inputs: a substring of any input value.
        exclude_metadata: leave metadata out of the responses.
        verdict: jobs with this verdict (agent's or reviewer's correction); comma list.
        review_state: jobs in these review states (``unreviewed``, ``agreed``, ``disagreed``): one,
            a comma list or a list.
        limit: the server's cap on the most recent jobs considered (0 = no cap; default 100,000).
        page_size: jobs per page asked for (default 100; the server may send fewer).
    """

    created_from: datetime | str | None
    created_to: datetime | str | None
    status_code: int | str | Iterable[int | str] | None
    version_name: str | Sequence[str] | None
    ordering: str | Iterable[str] | None
    metadata: Mapping[str, str] | None
    search: str | None
    semantic_string: str | None
    job_id: str | None
    job_inputs: str | None
    exclude_metadata: bool
    verdict: str | None
    review_state: str | list[str] | tuple[str, ...] | None
    limit: int | None
    page_size: int


#: The name of every filter, in the order `JobFilters` lists them.
FILTER_NAMES: tuple[str, ...] = tuple(JobFilters.__annotations__)

#: The ordering keys the API accepts (spec enum), without the leading "-".
ORDERING_KEYS: tuple[str, ...] = (
    "agent_version_name",
    "cost",
    "created_at",
    "duration",
    "grader_score",
    "id",
    "last_updated_at",
    "status_code",
)
DEFAULT_ORDERING: tuple[str, ...] = ("-created_at",)
#: The server's default `limit` when none is sent (the current API caps counting at 100,000 jobs).
SERVER_DEFAULT_LIMIT = 100_000
_STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}


def validate_agent_id(agent_id: object) -> str:
    """The canonical form of an agent id, or a helpful error."""
    if not isinstance(agent_id, str):
        raise InvalidArgumentError(f"agent_id must be a UUID string; got {type(agent_id).__name__} {agent_id!r}.")
    try:
        return str(uuid.UUID(agent_id.strip()))
    except ValueError:
        raise InvalidArgumentError(
            f"agent_id must be a UUID such as '8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11' (copy it from the agent's "
            f"URL in the Roe AI dashboard); got {agent_id!r}."
        ) from None


def validate_agent_ids(agent_id: object) -> list[str]:
    """One agent id or a list of them, each in canonical form; refuses an empty list or repeats."""
    if isinstance(agent_id, str):
        return [validate_agent_id(agent_id)]
    if not isinstance(agent_id, Iterable):
        raise InvalidArgumentError(f"agent_id must be a UUID string or a list of them; got {agent_id!r}.")
    agents = [validate_agent_id(a) for a in agent_id]
    if not agents:
        raise InvalidArgumentError("agent_id is an empty list: pass at least one agent id.")
    duplicates = sorted({a for a in agents if agents.count(a) > 1})
    if duplicates:
        raise InvalidArgumentError(f"agent_id lists {duplicates} more than once.")
    return agents


def _parse_when(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidArgumentError(
                f"{name} must be an ISO 8601 date-time with a time zone, e.g. '2026-05-01T00:00:00Z'; got {value!r}."
            ) from None
    if not isinstance(value, datetime):
        raise InvalidArgumentError(
            f"{name} must be a timezone-aware datetime or ISO 8601 string; got {type(value).__name__}."
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgumentError(
            f"{name} is a naive datetime ({value.isoformat()}): say which time zone it is in, e.g. "
            f"{name}=datetime(..., tzinfo=datetime.UTC) or '...Z'. A naive time would silently be read as the "
            f"server's zone."
        )
    return value.astimezone(UTC)


def _optional_str(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a string; got {type(value).__name__} {value!r}.")
    return value


def _version_names(value: object) -> str | tuple[str, ...] | None:
    """One version name as a `str`, several (repeats dropped, order kept) as a tuple; None stays None."""
    if value is None:
        return None
    wrong = "version_name must be a string or a list of strings"
    if isinstance(value, str):
        names: list[str] = [value]
    elif isinstance(value, list | tuple):
        names = list(value)
        if not names:
            raise InvalidArgumentError(
                "version_name is an empty list: pass at least one version name, or leave version_name out "
                "to get every version."
            )
    else:
        raise ArgumentTypeError(f"{wrong}; got {type(value).__name__} {value!r}.")
    for name in names:
        if not isinstance(name, str):
            where = f" in {value!r}" if not isinstance(value, str) else ""
            raise ArgumentTypeError(f"{wrong}; got {type(name).__name__} {name!r}{where}.")
        if not name.strip():
            raise InvalidArgumentError(
                f"version_name {name!r} is blank: no version has that name. Give a version such as 'v2.0', "
                f"or leave version_name out to get every version."
            )
    unique = tuple(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else unique


#: The review states the jobs endpoint filters on (``review_state``).
REVIEW_STATES: tuple[str, ...] = ("unreviewed", "agreed", "disagreed")


def parse_review_states(value: object) -> tuple[str, ...] | None:
    """Review states from one, a comma list or a list of them (any case; repeats dropped); None stays None.

    Examples:
        >>> parse_review_states("Agreed, disagreed"), parse_review_states(["unreviewed"]), parse_review_states(None)
        (('agreed', 'disagreed'), ('unreviewed',), None)
    """
    if value is None:
        return None
    items: list[object]
    if isinstance(value, str):
        items = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InvalidArgumentError(
            f"review_state must be one of {', '.join(REVIEW_STATES)}, a comma list or a list of them; "
            f"got {type(value).__name__} {value!r}."
        )
    states: list[str] = []
    for item in items:
        state = item.strip().lower() if isinstance(item, str) else item
        if state not in REVIEW_STATES:
            close = closest_match(str(state), REVIEW_STATES)
            hint = f" Did you mean {close!r}?" if close else ""
            raise InvalidArgumentError(
                f"review_state {item!r} is not a review state: use {', '.join(REVIEW_STATES)}.{hint}"
            )
        if state not in states:
            states.append(str(state))
    if not states:
        raise InvalidArgumentError(f"review_state is empty: give one of {', '.join(REVIEW_STATES)}, or leave it out.")
    return tuple(states)


def parse_status_codes(value: object) -> tuple[int, ...] | None:
    """Status codes from a code, a name (any case), a comma list or a list of them; None stays None.

    The one reading of "statuses" shared by `load_jobs` and `filter_frames`.

    Examples:
        >>> parse_status_codes("success,FAILURE"), parse_status_codes([3, "cached"]), parse_status_codes(None)
        ((3, 4), (3, 6), None)
    """
    if value is None:
        return None
    items: Iterable[object]
    if isinstance(value, str):
        items = [v for v in value.split(",") if v.strip()]
    elif isinstance(value, int):
        items = [value]
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        raise InvalidArgumentError(f"status_code must be a code, a status name or a list of them; got {value!r}.")
    codes: list[int] = []
    for item in items:
        if isinstance(item, bool):
            raise InvalidArgumentError(f"status_code must not be a bool; got {item!r}.")
        if isinstance(item, int):
            code = item
        elif isinstance(item, str) and item.strip().lstrip("-").isdigit():
            code = int(item.strip())
        elif isinstance(item, str) and item.strip().upper() in _STATUS_CODES:
            code = _STATUS_CODES[item.strip().upper()]
        else:
            names = ", ".join(f"{c}={n}" for c, n in STATUS_NAMES.items())
            raise InvalidArgumentError(f"unknown status_code {item!r}: use a code or name ({names}).")
        codes.append(code)
    if not codes:
        raise InvalidArgumentError("status_code is empty: leave it out to get every status.")
    return tuple(dict.fromkeys(codes))


def _ordering(value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_ORDERING
    raw = value.split(",") if isinstance(value, str) else value
    if not isinstance(raw, Iterable):
        raise InvalidArgumentError(f"ordering must be a list of keys such as ['-created_at']; got {value!r}.")
    keys: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgumentError(f"ordering keys must be non-empty strings; got {item!r}.")
        key = item.strip()
        bare = key.removeprefix("-")
        if bare not in ORDERING_KEYS:
            close = difflib.get_close_matches(bare, ORDERING_KEYS, n=1)
            hint = f" Did you mean {('-' if key.startswith('-') else '') + close[0]!r}?" if close else ""
            raise InvalidArgumentError(
                f"unknown ordering key {key!r}.{hint} Allowed: {', '.join(ORDERING_KEYS)} (prefix '-' for descending)."
            )
        if any(k.removeprefix("-") == bare for k in keys):
            raise InvalidArgumentError(f"ordering names {bare!r} twice: {list(raw)!r}.")
        keys.append(key)
    if not keys:
        raise InvalidArgumentError("ordering is empty: leave it out for the default '-created_at'.")
    return tuple(keys)


def _metadata(value: object) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"metadata must be a dict of str → str such as {{'customer': 'acme'}}; got {type(value).__name__}."
        )
    bad = [(k, v) for k, v in value.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        k, v = bad[0]
        raise InvalidArgumentError(
            f"metadata must map strings to strings; {k!r}: {v!r} is {type(k).__name__} → {type(v).__name__}. "
            f"Convert values with str(...) first."
        )
    return tuple(value.items())


@dataclass(frozen=True)
class JobQuery:
    """A validated set of filters for `GET /v1/agents/{agent_id}/jobs/`.

    ``version_name`` is one name (`str`) or, for several versions, a tuple of two or more distinct
    names. The API matches one version per request, so a multi-version query is sent as its
    `per_version` queries; `params` refuses it.
    """

    created_from: datetime | None = None
    created_to: datetime | None = None
    status_code: tuple[int, ...] | None = None
    version_name: str | tuple[str, ...] | None = None
    ordering: tuple[str, ...] = DEFAULT_ORDERING
    metadata: tuple[tuple[str, str], ...] | None = None
    search: str | None = None
    semantic_string: str | None = None
    job_id: str | None = None
    job_inputs: str | None = None
    exclude_metadata: bool = False
    verdict: str | None = None
    review_state: tuple[str, ...] | None = None
    limit: int | None = None
    page_size: int = 100

    @classmethod
    def build(cls, **filters: Unpack[JobFilters]) -> JobQuery:
        """Validate every filter; raises `InvalidArgumentError` with a hint on the first bad one.

        ``version_name`` may be one name or a list/tuple of names: repeats are dropped silently
        (first spelling kept, order kept) and a one-item list is the same as the name itself.

        Raises:
            ArgumentTypeError: a filter this API does not have (also a `TypeError`, like an
                unexpected keyword argument); the message names the closest filter. Also a
                ``version_name`` that is neither a string nor a list of strings.
            InvalidArgumentError: a filter with a value that can never work (e.g. an empty
                ``version_name`` list, or a blank version name).
        """
        unknown = [name for name in filters if name not in FILTER_NAMES]
        if unknown:
            close = closest_match(unknown[0], FILTER_NAMES)
            hint = f" Did you mean {close!r}?" if close else ""
            raise ArgumentTypeError(
                f"unknown filter {unknown[0]!r}.{hint} The jobs endpoint takes: {', '.join(FILTER_NAMES)}."
            )
        created_from = filters.get("created_from")
        created_to = filters.get("created_to")
        page_size = filters.get("page_size", 100)
        limit = filters.get("limit")
        exclude_metadata = filters.get("exclude_metadata", False)
        job_id = filters.get("job_id")
        start = _parse_when("created_from", created_from)
        end = _parse_when("created_to", created_to)
        if start is not None and end is not None and start > end:
            raise InvalidArgumentError(
                f"created_from ({format_datetime(start)}) is after created_to ({format_datetime(end)}): swap them."
            )
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidArgumentError(
                f"page_size must be a whole number of at least 1 (the server caps it, typically at 100); "
                f"got {page_size!r}."
            )
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise InvalidArgumentError(f"limit must be a whole number >= 0 (0 = no cap); got {limit!r}.")
        if not isinstance(exclude_metadata, bool):
            raise InvalidArgumentError(f"exclude_metadata must be True or False; got {exclude_metadata!r}.")
        jid = _optional_str("job_id", job_id)
        if jid is not None:
            try:
                jid = str(uuid.UUID(jid.strip()))
            except ValueError:
                raise InvalidArgumentError(f"job_id must be a job's UUID; got {job_id!r}.") from None
        return cls(
            created_from=start,
            created_to=end,
            status_code=parse_status_codes(filters.get("status_code")),
            version_name=_version_names(filters.get("version_name")),
            ordering=_ordering(filters.get("ordering")),
            metadata=_metadata(filters.get("metadata")),
            search=_optional_str("search", filters.get("search")),
            semantic_string=_optional_str("semantic_string", filters.get("semantic_string")),
            job_id=jid,
            job_inputs=_optional_str("job_inputs", filters.get("job_inputs")),
            exclude_metadata=exclude_metadata,
            verdict=_optional_str("verdict", filters.get("verdict")),
            review_state=parse_review_states(filters.get("review_state")),
            limit=limit,
            page_size=page_size,
        )

    @property
    def version_names(self) -> tuple[str, ...]:
        """The versions asked for, in order (empty when every version is wanted)."""
        if self.version_name is None:
            return ()
        return (self.version_name,) if isinstance(self.version_name, str) else self.version_name

    def per_version(self) -> tuple[JobQuery, ...]:
        """One single-version query per name of ``version_name``, in order (just this one otherwise).

        The API's ``version_name`` matches one version, so a multi-version load sends each of
        these and combines the results.

        Examples:
            >>> [q.version_name for q in JobQuery.build(version_name=["v1", "v2", "v1"]).per_version()]
            ['v1', 'v2']
            >>> [q.version_name for q in JobQuery.build().per_version()]
            [None]
        """
        if not isinstance(self.version_name, tuple):
            return (self,)
        return tuple(replace(self, version_name=name) for name in self.version_name)

    def with_window_end(self, end: datetime) -> JobQuery:
        """The same query with `created_to` pinned (used to freeze the window while paging)."""
        return replace(self, created_to=end)

    def stable_ordering(self) -> tuple[str, ...]:
        """The ordering with `id` appended as a final tiebreak, so equal keys keep one order across pages."""
        if any(k.removeprefix("-") == "id" for k in self.ordering):
            return self.ordering
        descending = self.ordering[0].startswith("-")
        return (*self.ordering, "-id" if descending else "id")

    @property
    def effective_limit(self) -> int:
        """The cap the server applies: the given `limit`, else its default of 100,000 (0 = none)."""
        return SERVER_DEFAULT_LIMIT if self.limit is None else self.limit

    def params(self, organization_id: str) -> dict[str, str]:
        """Query parameters for the API (without `page`).

        Raises:
            InvalidArgumentError: the query names several versions, which no single request can
                send (the API's ``version_name`` matches one); send each of `per_version` instead.
        """
        if isinstance(self.version_name, tuple):
            raise InvalidArgumentError(
                f"params() needs a single-version query, but this one names {len(self.version_name)} versions "
                f"{list(self.version_name)!r} and the API's version_name matches one: send each query of "
                f"per_version() instead."
            )
        p: dict[str, str] = {"organization_id": organization_id, "page_size": str(self.page_size)}
        if self.created_from is not None:
            p["created_from"] = format_datetime(self.created_from)
        if self.created_to is not None:
            p["created_to"] = format_datetime(self.created_to)
        if self.status_code is not None:
            p["status_code"] = ",".join(str(c) for c in self.status_code)
        p["ordering"] = ",".join(self.stable_ordering())
        if self.metadata is not None:
            p["metadata"] = json.dumps(dict(self.metadata), ensure_ascii=False, separators=(",", ":"))
        if self.exclude_metadata:
            p["exclude_metadata"] = "true"
        if self.limit is not None:
            p["limit"] = str(self.limit)
        for name in ("version_name", "search", "semantic_string", "job_id", "job_inputs", "verdict"):
            value = getattr(self, name)
            if value is not None:
                p[name] = value
        if self.review_state is not None:
            p["review_state"] = ",".join(self.review_state)
        return p

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (for manifests and summaries); never holds a secret."""
        out: dict[str, Any] = {}
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = format_datetime(value)
            elif name == "metadata" and value is not None:
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out
