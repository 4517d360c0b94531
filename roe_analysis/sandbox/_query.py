"""Query parameters of the jobs list: parsing, filtering, ordering and DRF page-number pagination.

Parsing follows Django/DRF semantics closely because clients are written against production:
a repeated parameter means its last value (``QueryDict.get``), a blank filter is no filter,
unknown ordering keys are dropped (``OrderingFilter``), a bad ``page_size`` falls back to the
default and one above the maximum is capped (``_positive_int(strict=True, cutoff=...)``), and
``next``/``previous`` are rebuilt with DRF's ``replace_query_param``/``remove_query_param``, which
sort the parameters. Invalid filter values give DRF's 400 body: a map of field → list of messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from roe_analysis.sandbox._records import JobRecord, tokens
from roe_analysis.sandbox._timefmt import parse_instant

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_LIMIT = 100_000

#: The spec's ordering keys (without the ``-`` for descending).
ORDERING_FIELDS = (
    "id",
    "agent_version_name",
    "status_code",
    "created_at",
    "last_updated_at",
    "cost",
    "duration",
    "grader_score",
)
DEFAULT_ORDERING: tuple[tuple[str, bool], ...] = (("created_at", True),)
REVIEW_STATES = ("unreviewed", "agreed", "disagreed")
_TRUTHY = ("true", "1")
_Row = TypeVar("_Row")


class QueryError(ValueError):
    """Invalid query parameters; ``errors`` is DRF's body: field → list of messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors


@dataclass(frozen=True)
class JobQuery:
    """Everything that selects and orders jobs (pagination and ``exclude_metadata`` excluded).

    Hashable, so the selected list can be cached per query and store version.
    """

    created_from: int | None = None
    created_to: int | None = None
    ordering: tuple[tuple[str, bool], ...] = ()
    status_codes: frozenset[int] | None = None
    version_name: str | None = None
    job_id: str | None = None
    job_inputs: str | None = None
    metadata: tuple[tuple[str, str], ...] | None = None
    search: str | None = None
    semantic: frozenset[str] | None = None
    verdicts: frozenset[str] | None = None
    review_states: frozenset[str] | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class PageRequest:
    """The raw ``page`` value and the effective page size."""

    page: str
    page_size: int
    exclude_metadata: bool


def last_values(query_string: str) -> dict[str, str]:
    """Each parameter's last value, as Django's ``QueryDict.get`` reads it."""
    return {key: values[-1] for key, values in parse_qs(query_string, keep_blank_values=True).items()}


def _positive_int(text: str | None, *, default: int, cutoff: int) -> int:
    # DRF's pagination._positive_int(strict=True): anything invalid or < 1 means "use the default".
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        return default
    if value <= 0:
        return default
    return min(value, cutoff)


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_ordering(text: str | None) -> tuple[tuple[str, bool], ...]:
    """Valid ordering keys of a comma list, in order; unknown keys are dropped like DRF does.

    Examples:
        >>> parse_ordering("-cost, bogus,id")
        (('cost', True), ('id', False))
    """
    if not text:
        return ()
    keys = []
    for part in _comma_list(text):
        descending = part.startswith("-")
        name = part[1:] if descending else part
        if name in ORDERING_FIELDS:
            keys.append((name, descending))
    return tuple(keys)


def parse_query(
    params: Mapping[str, str], *, default_page_size: int = DEFAULT_PAGE_SIZE, max_page_size: int = MAX_PAGE_SIZE
) -> tuple[JobQuery, PageRequest]:
    """Validate the parameters of one request.

    Raises:
        QueryError: with every invalid field at once, as DRF reports them.
    """
    errors: dict[str, list[str]] = {}

    def value(name: str) -> str | None:
        # django-filter treats an empty value as "no filter".
        text = params.get(name)
        return text if text not in (None, "") else None

    bounds: dict[str, int | None] = {}
    for name in ("created_from", "created_to"):
        text = value(name)
        bounds[name] = None
        if text is not None:
            try:
                bounds[name] = parse_instant(text.strip())
            except ValueError:
                errors[name] = ["Enter a valid date/time."]

    status_codes: frozenset[int] | None = None
    if (text := value("status_code")) is not None:
        try:
            status_codes = frozenset(int(part) for part in _comma_list(text))
        except ValueError:
            errors["status_code"] = ["Enter a whole number."]

    metadata: tuple[tuple[str, str], ...] | None = None
    if (text := value("metadata")) is not None:
        try:
            parsed = json.loads(text)
        except ValueError:
            errors["metadata"] = ["Value must be valid JSON."]
        else:
            if isinstance(parsed, dict):
                metadata = tuple(sorted(parsed.items(), key=lambda pair: pair[0]))
            else:
                errors["metadata"] = ["Expected a JSON object."]

    review_states: frozenset[str] | None = None
    if (text := value("review_state")) is not None:
        states = _comma_list(text)
        unknown = [s for s in states if s not in REVIEW_STATES]
        if unknown:
            errors["review_state"] = [f"Select a valid choice. {unknown[0]} is not one of the available choices."]
        review_states = frozenset(states)

    limit = DEFAULT_LIMIT
    if (text := value("limit")) is not None:
        try:
            limit = int(text)
        except ValueError:
            errors["limit"] = ["A valid integer is required."]
        else:
            if limit < 0:
                errors["limit"] = ["Ensure this value is greater than or equal to 0."]

    if errors:
        raise QueryError(errors)

    semantic_text = value("semantic_string")
    verdict_text = value("verdict")
    job_id = value("job_id")
    query = JobQuery(
        created_from=bounds["created_from"],
        created_to=bounds["created_to"],
        ordering=parse_ordering(value("ordering")),
        status_codes=status_codes,
        version_name=value("version_name"),
        job_id=job_id.strip().lower() if job_id else None,
        job_inputs=value("job_inputs"),
        metadata=metadata,
        search=(value("search") or "").lower() or None,
        semantic=tokens(semantic_text) if semantic_text is not None else None,
        verdicts=frozenset(_comma_list(verdict_text)) if verdict_text is not None else None,
        review_states=review_states,
        limit=limit,
    )
    return query, page_request(params, default_page_size=default_page_size, max_page_size=max_page_size)


def page_request(
    params: Mapping[str, str], *, default_page_size: int = DEFAULT_PAGE_SIZE, max_page_size: int = MAX_PAGE_SIZE
) -> PageRequest:
    """``page``, ``page_size`` and ``exclude_metadata`` of a list request (never invalid here)."""
    return PageRequest(
        page=params.get("page") or "1",
        page_size=_positive_int(params.get("page_size"), default=default_page_size, cutoff=max_page_size),
        exclude_metadata=(params.get("exclude_metadata") or "").strip().lower() in _TRUTHY,
    )


def _predicates(query: JobQuery) -> list[Callable[[JobRecord], bool]]:
    checks: list[Callable[[JobRecord], bool]] = []
    if query.created_from is not None:
        low = query.created_from
        checks.append(lambda r: r.created_us >= low)
    if query.created_to is not None:
        high = query.created_to
        checks.append(lambda r: r.created_us <= high)
    if query.status_codes is not None:
        codes = query.status_codes
        checks.append(lambda r: r.job["status_code"] in codes)
    if query.version_name is not None:
        name = query.version_name
        checks.append(lambda r: r.job["agent_version_name"] == name)
    if query.job_id is not None:
        wanted = query.job_id
        checks.append(lambda r: r.job["id"] == wanted)
    if query.job_inputs is not None:
        needle = query.job_inputs
        checks.append(lambda r: any(needle in v for v in r.input_values))
    if query.metadata is not None:
        pairs = query.metadata
        checks.append(lambda r: all(r.job["metadata"].get(k, _MISSING) == v for k, v in pairs))
    if query.search is not None:
        lowered = query.search
        checks.append(lambda r: lowered in r.haystack)
    if query.verdicts is not None:
        verdicts = query.verdicts
        checks.append(lambda r: bool(verdicts & r.verdicts))
    if query.review_states is not None:
        states = query.review_states
        checks.append(lambda r: r.review_state in states)
    return checks


_MISSING = object()


def similarity(query_tokens: frozenset[str], record: JobRecord) -> float:
    """Share of the query's tokens found in the job's input values (0 when the query has none)."""
    if not query_tokens:
        return 0.0
    return len(query_tokens & record.tokens) / len(query_tokens)


def select(
    query: JobQuery,
    *,
    ordered: Callable[[tuple[tuple[str, bool], ...]], Sequence[JobRecord]],
    recency: Callable[[], Mapping[str, int]],
) -> list[JobRecord]:
    """The jobs a query selects, in the order it asks for.

    Filters run first; then ``limit`` keeps the ``limit`` most recently created matches (0 = all);
    then the semantic filter keeps jobs with positive similarity, ordered by similarity (ties in the
    default order) unless an explicit ``ordering`` was given.

    Args:
        query: the parsed query.
        ordered: all jobs of the agent sorted by the given keys (cached by the store).
        recency: each job id's position in the default order (newest first).
    """
    keys = query.ordering or DEFAULT_ORDERING
    checks = _predicates(query)
    rows = list(ordered(keys))
    if checks:
        rows = [r for r in rows if all(check(r) for check in checks)]
    if query.limit and len(rows) > query.limit:
        ranks = recency()
        cutoff = sorted(ranks[r.job["id"]] for r in rows)[query.limit - 1]
        rows = [r for r in rows if ranks[r.job["id"]] <= cutoff]
    if query.semantic is not None:
        scored = [(similarity(query.semantic, r), r) for r in rows]
        scored = [(score, r) for score, r in scored if score > 0]
        if not query.ordering:
            # Stable sort: equal similarity keeps the default order it arrived in.
            scored.sort(key=lambda pair: pair[0], reverse=True)
        rows = [r for _, r in scored]
    return rows


class InvalidPageError(LookupError):
    """DRF's ``NotFound("Invalid page.")``."""


@dataclass(frozen=True)
class Page(Generic[_Row]):
    """One page of a selection (of jobs, or of agents)."""

    number: int
    rows: Sequence[_Row]
    count: int
    has_next: bool


def paginate(rows: Sequence[_Row], request: PageRequest) -> Page[_Row]:
    """Cut one page like Django's ``Paginator`` under DRF's ``PageNumberPagination``.

    Raises:
        InvalidPageError: the page is not an integer, is below 1 or is past the last page
            (page 1 of an empty selection is valid).
    """
    count = len(rows)
    size = request.page_size
    pages = max(1, -(-count // size))
    text = request.page
    if text == "last":
        number = pages
    else:
        try:
            number = int(text)
        except ValueError:
            raise InvalidPageError(text) from None
    if number < 1 or number > pages:
        raise InvalidPageError(text)
    start = (number - 1) * size
    return Page(number=number, rows=rows[start : start + size], count=count, has_next=number < pages)


def replace_query_param(url: str, key: str, value: str | int) -> str:
    """DRF's ``replace_query_param``: set one parameter, re-encode all of them sorted by name.

    Examples:
        >>> replace_query_param("http://h/x/?page_size=5&ordering=id", "page", 2)
        'http://h/x/?ordering=id&page=2&page_size=5'
    """
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def remove_query_param(url: str, key: str) -> str:
    """DRF's ``remove_query_param``: drop one parameter, re-encode the rest sorted by name.

    Examples:
        >>> remove_query_param("http://h/x/?page=2", "page")
        'http://h/x/'
    """
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def page_links(url: str, page: Page[Any]) -> tuple[str | None, str | None]:
    """``next`` and ``previous`` for ``page`` of the request at absolute ``url``."""
    following = replace_query_param(url, "page", page.number + 1) if page.has_next else None
    if page.number <= 1:
        return following, None
    if page.number == 2:
        return following, remove_query_param(url, "page")
    return following, replace_query_param(url, "page", page.number - 1)


_GETTERS: dict[str, Callable[[JobRecord], Any]] = {
    "id": lambda r: r.job["id"],
    "agent_version_name": lambda r: r.job["agent_version_name"],
    "status_code": lambda r: r.job["status_code"],
    "created_at": lambda r: r.created_us,
    "last_updated_at": lambda r: r.updated_us,
    "cost": lambda r: r.cost,
    "duration": lambda r: r.job["duration_ms"],
    "grader_score": lambda r: r.grader,
}


def sort_records(records: Sequence[JobRecord], keys: Sequence[tuple[str, bool]]) -> list[JobRecord]:
    """Sort by several keys, nulls last in either direction, ties broken by ascending id.

    One stable sort per key, least significant first, is how a multi-key ``ORDER BY`` with mixed
    directions is done without building comparable tuples.
    """
    rows = sorted(records, key=_GETTERS["id"])
    for field, descending in reversed(keys):
        getter = _GETTERS[field]
        present = [r for r in rows if getter(r) is not None]
        missing = [r for r in rows if getter(r) is None]
        present.sort(key=getter, reverse=descending)
        rows = present + missing
    return rows
