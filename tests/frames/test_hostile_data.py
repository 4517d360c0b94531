"""Hostile data in an otherwise valid page: always a `MalformedResponseError` that says where, never a crash.

Two boundaries map it: decoding (`decode_page`, `decode_jobs`, `encode`: a `msgspec` error with the
JSON path, which the transport and `JobFrames.from_records` turn into a `MalformedResponseError`)
and building (`build_tables`: a `MalformedResponseError` naming page, job and field, with
``partial`` holding every page that builds). The named tests pin each case's message; the
generated suite at the end throws wrong types, nulls, huge and deep values, Int64 and datetime
edges, invalid UTF-8 inside raw JSON and unknown codes at every field of a job.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import msgspec
import polars as pl
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS, JOB_FRAME_NAMES
from roe_analysis.api import Job, decode_page, encode
from roe_analysis.frames import PageChunk, build_frames, build_tables

from ..records import job, job_id

AGENT = "2c1d6a4e-0000-4000-8000-00000000a9e7"
ORG = "3f2b7c1d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def page_body(records: list[dict[str, object]], count: int | None = None) -> bytes:
    return encode({"count": len(records) if count is None else count, "results": records})


def chunk(page: int, records: list[dict[str, object]]) -> PageChunk:
    return PageChunk(AGENT, page, decode_page(page_body(records)).results)


def nested(depth: int) -> list[Any]:
    """A list ``depth`` levels deep, built without recursion."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def assert_fixed_schema(tables: dict[str, pl.DataFrame]) -> None:
    # The pages build the job frames; JobFrames adds the (empty) results and versions frames.
    assert set(JOB_FRAME_NAMES) <= set(tables) <= set(FRAME_SCHEMAS)
    assert {name: frame.schema for name, frame in tables.items()} == {n: FRAME_SCHEMAS[n] for n in tables}
    for frame in tables.values():
        frame.rows()  # every value reads back into Python (datetimes within years 1 to 9999)


def tables_of(frames: ra.JobFrames) -> dict[str, pl.DataFrame]:
    return {name: getattr(frames, name) for name in FRAME_SCHEMAS}


# -- the decode boundary: deep JSON --------------------------------------------------------------------------


def deep_page(where: str, depth: int) -> bytes:
    """A page of two jobs whose second holds JSON ``depth`` arrays deep at ``where``."""
    deep = b"[" * depth + b"]" * depth
    bare = {"id": job_id(2), "status_code": 3, "created_at": "2026-05-01T10:00:00Z"}
    second = page_body([job(1), bare])[: -len(b"}]}")]  # open: the second job's fields follow
    tail = {
        "ui_fields": b',"ui_fields":' + deep,
        "error_details": b',"status_events":[{"status_code":0},{"status_code":4,"error_details":' + deep + b"}]",
        "reference": b',"evaluation":{"reference":' + deep + b"}",
        "unknown field": b',"debug":{"trace":' + deep + b"}",
    }[where]
    return second + tail + b"}]}"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("ui_fields", "JSON nested 2,003 levels deep, too deep to decode - at `$.results[1].ui_fields`"),
        (
            "error_details",
            "JSON nested 2,005 levels deep, too deep to decode - at `$.results[1].status_events[1].error_details`",
        ),
        ("reference", "JSON nested 2,004 levels deep, too deep to decode - at `$.results[1].evaluation.reference`"),
        ("unknown field", "JSON nested 2,004 levels deep, too deep to decode - at `$.results[1].debug`"),
    ],
)
def test_json_nested_too_deep_for_msgspec_fails_decoding_with_the_field_that_holds_it(where: str, message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as info:
        decode_page(deep_page(where, 2_000))  # msgspec gives up near 1,000, minus the stack in use
    assert str(info.value) == message


def test_json_nested_far_deeper_fails_the_same_way() -> None:
    with pytest.raises(
        msgspec.ValidationError, match=r"^JSON nested 100,003 levels deep, .* `\$\.results\[1\]\.ui_fields`$"
    ):
        decode_page(deep_page("ui_fields", 100_000))


def test_brackets_and_quotes_inside_strings_do_not_count_as_nesting() -> None:
    body = deep_page("ui_fields", 2_000).replace(b'"customer":"acme"', b'"customer":"\\"[{' + b"[" * 5_000 + b'"')
    assert b"[" * 5_000 in body
    with pytest.raises(msgspec.ValidationError) as info:
        decode_page(body)
    assert str(info.value) == "JSON nested 2,003 levels deep, too deep to decode - at `$.results[1].ui_fields`"


class Pages(httpx.AsyncBaseTransport):
    """Serves page ``n`` of an agent's jobs as ``bodies[n - 1]`` (with a `Date` header if ``dated``)."""

    def __init__(self, *bodies: bytes, dated: bool = True) -> None:
        self.bodies = bodies
        self.dated = dated

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        headers = {"content-type": "application/json"}
        if self.dated:
            headers["date"] = "Sat, 02 May 2026 12:00:00 GMT"
        return httpx.Response(200, content=self.bodies[number - 1], headers=headers)


def load(*bodies: bytes, dated: bool = True) -> ra.JobFrames:
    async def run() -> ra.JobFrames:
        async with ra.AsyncRoeClient(
            api_key="sk-test",
            organization_id=ORG,
            base_url="https://api.example.test",
            transport=Pages(*bodies, dated=dated),
            max_retries=0,
            environ={},
        ) as client:
            return await client.load_jobs(AGENT, progress=False)

    return asyncio.run(run())


def test_a_page_too_deep_to_decode_is_that_page_s_error_and_the_others_are_kept() -> None:
    first = page_body([job(1), job(2)], count=4)
    second = deep_page("ui_fields", 2_000).replace(b'"count":2', b'"count":4')
    with pytest.raises(ra.MalformedResponseError) as info:
        load(first, second)
    assert re.fullmatch(
        r"malformed response \(page 2\) from GET https://api\.example\.test/v1/agents/.*: "
        r"JSON nested 2,003 levels deep, too deep to decode - at `\$\.results\[1\]\.ui_fields`",
        str(info.value),
    )
    assert info.value.page == 2
    assert info.value.partial.jobs.get_column("id").to_list() == [job_id(1), job_id(2)]


def test_records_nested_too_deep_name_the_field_that_holds_them() -> None:
    with pytest.raises(ra.MalformedResponseError) as info:
        ra.JobFrames.from_records([job(1), job(2, ui_fields={"a": nested(3_000)})], agent_id=AGENT)
    assert str(info.value) == (
        "malformed response: records are not jobs of the API: "
        "JSON nested 3,003 levels deep, too deep to encode - at `$[1].ui_fields`"
    )


def test_a_record_that_holds_itself_is_malformed_not_a_crash() -> None:
    loop: dict[str, object] = {}
    loop["again"] = loop
    with pytest.raises(ra.MalformedResponseError) as info:
        ra.JobFrames.from_records([job(1, ui_fields=loop)], agent_id=AGENT)
    assert str(info.value) == (
        "malformed response: records are not jobs of the API: JSON nested 10,000 levels deep or more "
        "(a list or dict inside itself?), too deep to encode - at `$[0].ui_fields`"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**5000, "Exceeds the limit (4300 digits) for integer string conversion"),
        ("\ud800", "'utf-8' codec can't encode character '\\ud800' in position 0: surrogates not allowed"),
        ({(1, 2): "tuple key"}, "Only dicts with str-like or number-like keys are supported"),
        (object(), "Encoding objects of type object is unsupported"),
    ],
    ids=["int of 5,000 digits", "lone surrogate", "tuple key", "object"],
)
def test_records_json_cannot_hold_are_malformed(value: object, message: str) -> None:
    with pytest.raises(
        ra.MalformedResponseError, match=rf"^malformed response: records are not jobs of the API: {re.escape(message)}"
    ):
        ra.JobFrames.from_records([job(1, ui_fields={"x": value})], agent_id=AGENT)


# -- the decode boundary: integers outside Int64 ---------------------------------------------------------------


OUTSIDE_INT64 = [
    ("duration_ms", {"duration_ms": 2**63}, "$.results[1].duration_ms", "<= 9223372036854775807"),
    ("duration_ms", {"duration_ms": -(2**63) - 1}, "$.results[1].duration_ms", ">= -9223372036854775808"),
    ("status_code", {"status_code": 2**64}, "$.results[1].status_code", "<= 9223372036854775807"),
    (
        "count",
        {"status_events": [{"status_code": 0}, {"status_code": 6, "count": 10**30}]},
        "$.results[1].status_events[1].count",
        "<= 9223372036854775807",
    ),
    (
        "event status_code",
        {"status_events": [{"status_code": -(2**70)}]},
        "$.results[1].status_events[0].status_code",
        ">= -9223372036854775808",
    ),
]


@pytest.mark.parametrize(("case", "override", "path", "bound"), OUTSIDE_INT64, ids=[c[0] for c in OUTSIDE_INT64])
def test_an_integer_outside_int64_fails_decoding_with_its_path(
    case: str, override: dict[str, object], path: str, bound: str
) -> None:
    with pytest.raises(msgspec.ValidationError) as info:
        decode_page(page_body([job(1), job(2, **override)]))
    assert str(info.value) == f"Expected `int` {bound} - at `{path}`"


@pytest.mark.parametrize(("case", "override", "path", "bound"), OUTSIDE_INT64, ids=[c[0] for c in OUTSIDE_INT64])
def test_an_integer_outside_int64_in_records_is_malformed_with_its_path(
    case: str, override: dict[str, object], path: str, bound: str
) -> None:
    with pytest.raises(ra.MalformedResponseError) as info:
        ra.JobFrames.from_records([job(1), job(2, **override)], agent_id=AGENT)
    record_path = path.replace("$.results", "$")
    assert (
        str(info.value)
        == f"malformed response: records are not jobs of the API: Expected `int` {bound} - at `{record_path}`"
    )


def test_an_integer_outside_int64_is_a_page_error_through_the_client() -> None:
    first = page_body([job(1), job(2)], count=4)
    second = page_body([job(3), job(4, duration_ms=2**63)], count=4)
    with pytest.raises(ra.MalformedResponseError) as info:
        load(first, second)
    assert str(info.value).endswith(": Expected `int` <= 9223372036854775807 - at `$.results[1].duration_ms`")
    assert info.value.page == 2
    assert info.value.partial.jobs.get_column("id").to_list() == [job_id(1), job_id(2)]


def test_integers_at_the_int64_edges_are_kept_exactly() -> None:
    records = [
        job(1, duration_ms=INT64_MIN, status_events=[{"status_code": 6, "count": INT64_MAX}]),
        job(2, duration_ms=INT64_MAX, status_events=[{"status_code": 6, "count": INT64_MIN}]),
    ]
    frames = ra.JobFrames.from_records(records, agent_id=AGENT)
    assert frames.jobs.get_column("duration_ms").to_list() == [INT64_MIN, INT64_MAX]
    assert frames.status_events.get_column("count").to_list() == [INT64_MAX, INT64_MIN]
    assert_fixed_schema(tables_of(frames))


def test_a_status_code_within_int64_but_beyond_int8_names_the_job() -> None:
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([chunk(4, [job(1), job(2, status_code=INT64_MAX)])])
    assert str(info.value) == (
        f"malformed response (page 4): status code 9223372036854775807 of job {job_id(2)} is not a status code"
    )


# -- the build boundary: datetimes, raw JSON, values Polars refuses --------------------------------------------


BEYOND_THE_RANGE = [
    ({"created_at": "9999-12-31T23:59:59-23:59"}, "field `created_at`"),
    ({"last_updated_at": "0001-01-01T00:00:00+23:59"}, "field `last_updated_at`"),
    ({"last_updated_at": "0000-01-01T00:00:00Z"}, "field `last_updated_at`"),
    ({"created_at": "0000-06-01 12:00:00"}, "field `created_at`"),  # no zone (read as UTC), year 0
    ({"evaluation": {"created_at": "9999-12-31T23:59:59.999999-00:01"}}, "field `evaluation_created_at`"),
    ({"feedback_review": {"reviewed_at": "0001-01-01T00:00:00.5+01:00"}}, "field `reviewed_at`"),
    ({"status_events": [{"timestamp": "9999-12-31T23:59:59-23:59", "status_code": 3}]}, "status event `timestamp`"),
]


@pytest.mark.parametrize(("override", "what"), BEYOND_THE_RANGE, ids=[what for _, what in BEYOND_THE_RANGE])
def test_a_datetime_beyond_years_1_to_9999_in_utc_names_field_job_and_page(override: dict[str, Any], what: str) -> None:
    text = re.search(r"'(\d{4}-[^']*)'", repr(override)).group(1)  # type: ignore[union-attr]
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([chunk(4, [job(1), job(2, **override)])])
    assert str(info.value) == (
        f"malformed response (page 4): {what} of job {job_id(2)} is {text!r}, outside the years 1 to 9999 (in UTC) "
        f"a date-time can hold (1 value like it)"
    )
    assert info.value.page == 4


def test_datetimes_beyond_the_range_are_counted() -> None:
    records = [job(n, created_at="9999-12-31T23:59:59-23:59") for n in (1, 2)] + [job(3)]
    with pytest.raises(ra.MalformedResponseError, match=r"a date-time can hold \(2 values like it\)$"):
        ra.JobFrames.from_records(records, agent_id=AGENT)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
        ("0001-01-01T00:00:00-23:59", "0001-01-01T23:59:00+00:00"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00"),
        ("9999-12-31T23:59:59+23:59", "9999-12-31T00:00:59+00:00"),
        ("0001-01-01 00:00:00", "0001-01-01T00:00:00+00:00"),
    ],
)
def test_datetimes_at_the_edges_of_the_range_build_and_read_back(text: str, utc: str) -> None:
    frames = ra.JobFrames.from_records(
        [job(1, created_at=text, status_events=[{"timestamp": text, "status_code": 3}])], agent_id=AGENT
    )
    assert frames.jobs.get_column("created_at")[0].isoformat() == utc
    assert frames.status_events.get_column("timestamp")[0].isoformat() == utc
    assert_fixed_schema(tables_of(frames))


INVALID_UTF8 = [
    (b'"ui_fields":{"verdict":"\xff\xfe"}', "ui_fields"),
    (
        b'"status_events":[{"status_code":0},{"status_code":4,"error_details":["\xc3("]}]',
        "status_events[1].error_details",
    ),
    (b'"evaluation":{"grader_score":1.0,"reference":"\xed\xa0\x80"}', "evaluation.reference"),
]


@pytest.mark.parametrize(("fields", "path"), INVALID_UTF8, ids=[p for _, p in INVALID_UTF8])
def test_invalid_utf8_inside_raw_json_names_field_job_and_page(fields: bytes, path: str) -> None:
    body = b'{"count":1,"results":[{"id":"j-7","status_code":3,"created_at":"2026-05-01T10:00:00Z",' + fields + b"}]}"
    page = decode_page(body)  # raw fields are kept as bytes: nothing is read inside them yet
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([PageChunk(AGENT, 6, page.results)])
    assert str(info.value) == (
        f"malformed response (page 6): `{path}` of job j-7 cannot be put in a frame: "
        f"its JSON cannot be read (Invalid UTF-8 encoded string)"
    )
    assert isinstance(info.value.__cause__, msgspec.DecodeError)


def test_a_number_raw_json_cannot_hold_names_field_job_and_page() -> None:
    body = (
        b'{"count":1,"results":[{"id":"j-8","status_code":3,"created_at":"2026-05-01T10:00:00Z","ui_fields":[1e400]}]}'
    )
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([PageChunk(AGENT, 2, decode_page(body).results)])
    assert str(info.value) == (
        "malformed response (page 2): `ui_fields[0]` of job j-8 cannot be put in a frame: "
        "its JSON cannot be read (Number out of range)"
    )


def test_raw_json_too_deep_to_read_at_build_time_names_field_job_and_page() -> None:
    # Whether msgspec can read a depth depends on the stack it runs on: a page decoded shallow may
    # hold raw JSON that is too deep where the frames are built.
    deep = Job(
        id="j-9", status_code=3, created_at="2026-05-01T10:00:00Z", ui_fields=msgspec.Raw(b"[" * 5_000 + b"]" * 5_000)
    )
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([chunk(1, [job(1)]), PageChunk(AGENT, 2, [deep])])
    assert str(info.value) == (
        "malformed response (page 2): `ui_fields` of job j-9 cannot be put in a frame: "
        "its JSON is nested too deeply to read"
    )
    assert isinstance(info.value.__cause__, RecursionError)


def test_a_value_polars_refuses_names_field_job_and_page() -> None:
    # Structs made in Python skip msgspec's checks; the builder still names what it could not hold.
    huge = Job(id="j-10", status_code=3, created_at="2026-05-01T10:00:00Z", duration_ms=2**70)
    with pytest.raises(ra.MalformedResponseError) as info:
        build_frames([PageChunk(AGENT, 3, [*chunk(3, [job(1)]).jobs, huge])])
    assert str(info.value).startswith(
        "malformed response (page 3): `duration_ms` of job j-10 cannot be put in a frame: "
        "TypeError: unexpected value while building Series of type Int64"
    )


# -- the build boundary: what was fetched is not lost ------------------------------------------------------------


def bad_utf8_chunk(page: int, i: int) -> PageChunk:
    body = page_body([job(i, ui_fields="BAD")]).replace(b'"BAD"', b'"\xff"')
    return PageChunk(AGENT, page, decode_page(body).results)


def test_partial_holds_every_page_that_builds() -> None:
    chunks = [chunk(1, [job(1), job(2)]), bad_utf8_chunk(2, 3), chunk(3, [job(4)]), bad_utf8_chunk(4, 5)]
    with pytest.raises(ra.MalformedResponseError) as info:
        build_tables(chunks)
    assert str(info.value) == (
        f"malformed response (page 2): `ui_fields` of job {job_id(3)} cannot be put in a frame: its JSON cannot be "
        f"read (Invalid UTF-8 encoded string); 1 other page cannot be built either: page 4"
    )
    partial = info.value.partial
    assert_fixed_schema(partial)
    assert partial["jobs"].get_column("id").to_list() == [job_id(1), job_id(2), job_id(4)]
    assert partial["status_events"].get_column("job_id").to_list() == [job_id(n) for n in (1, 1, 2, 2, 4, 4)]
    assert partial["inputs"].height == partial["metadata"].height == 3
    together = build_tables([chunks[0], chunks[2]])
    for name, frame in together.items():
        assert partial[name].equals(frame)


def test_a_page_with_a_bad_datetime_still_keeps_the_other_pages() -> None:
    chunks = [chunk(1, [job(1)]), chunk(2, [job(2, created_at="yesterday")]), chunk(3, [job(3)])]
    with pytest.raises(
        ra.MalformedResponseError, match=r"^malformed response \(page 2\): field `created_at` .* 'yesterday'"
    ) as info:
        build_tables(chunks)
    assert info.value.partial["jobs"].get_column("id").to_list() == [job_id(1), job_id(3)]


def test_partial_is_empty_with_the_fixed_schema_when_no_page_builds() -> None:
    with pytest.raises(ra.MalformedResponseError) as info:
        build_tables([bad_utf8_chunk(1, 1)])
    assert_fixed_schema(info.value.partial)
    assert info.value.partial["jobs"].height == 0


def test_a_good_build_never_takes_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object) -> None:
        raise AssertionError("the slow path ran for a good build")

    monkeypatch.setattr("roe_analysis.frames._build._build_page_by_page", slow)
    with pytest.warns(ra.UnknownValueWarning):
        frames = build_frames([chunk(1, [job(1), job(2)]), chunk(2, [job(3, status_code=9)])])
    assert frames.jobs.height == 3


def test_a_raw_field_that_cannot_be_read_fails_the_client_s_load_naming_the_page() -> None:
    first = page_body([job(1), job(2)], count=4)
    second = page_body([job(3), job(4, ui_fields="BAD")], count=4).replace(b'"BAD"', b'"\xff"')
    with pytest.raises(ra.MalformedResponseError) as info:
        load(first, second)
    assert str(info.value) == (
        f"malformed response (page 2): `ui_fields` of job {job_id(4)} cannot be put in a frame: "
        f"its JSON cannot be read (Invalid UTF-8 encoded string)"
    )


# -- unknown status codes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "words", "seen", "its"),
    [
        ([9], "1 job has", "9", "its"),
        ([9, 12, 9], "3 jobs have", "9, 12", "their"),
        ([-1, 7], "2 jobs have", "-1, 7", "their"),
    ],
)
def test_unknown_status_codes_warn_with_exact_numbers(codes: list[int], words: str, seen: str, its: str) -> None:
    records = [job(1)] + [job(n, status_code=code) for n, code in enumerate(codes, start=2)]
    with pytest.warns(ra.UnknownValueWarning) as caught:
        frames = ra.JobFrames.from_records(records, agent_id=AGENT)
    assert [str(w.message) for w in caught] == [
        f"{words} a `status_code` this version of roe-analysis does not know ({seen}; e.g. job {job_id(2)}); "
        f"{its} `status` is UNKNOWN in the frame, `status_code` keeps the number. "
        f"Upgrade roe-analysis, or read the raw value with `client.iter_pages`."
    ]
    assert frames.jobs.get_column("status").to_list() == ["SUCCESS"] + ["UNKNOWN"] * len(codes)
    assert frames.jobs.get_column("status_code").to_list() == [3, *codes]


def test_known_status_codes_and_unknown_event_codes_do_not_warn() -> None:
    # An event's unknown code is documented production data (the sandbox's demo agent has one).
    records = [job(n, status_code=n) for n in range(7)]
    records.append(job(7, status_events=[{"timestamp": None, "status_code": 7}]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = ra.JobFrames.from_records(records, agent_id=AGENT)
    assert frames.status_events.filter(pl.col("status") == "UNKNOWN").height == 1


# -- generated: every field of a job given hostile values ------------------------------------------------------------


@dataclass(frozen=True)
class Deep:
    """JSON nested ``depth`` arrays deep (a list in records, brackets spliced into a page body)."""

    depth: int


@dataclass(frozen=True)
class InvalidUtf8:
    """Text JSON cannot carry: invalid UTF-8 bytes in a page body, a lone surrogate in records."""


@dataclass(frozen=True)
class HugeNumber:
    """A number nothing can hold: ``1e400`` in a page body, an int of 5,000 digits in records."""


#: Integers an Int64 column holds, at and near its edges and Int8's (status codes).
INT64_EDGES = [INT64_MIN, INT64_MIN + 1, -129, -128, -1, 0, 1, 6, 7, 127, 128, INT64_MAX - 1, INT64_MAX]
#: Integers it cannot (refused when decoding).
BEYOND_INT64 = [INT64_MIN - 1, INT64_MAX + 1, 2**64, 10**30, 10**400]
DATETIME_EDGES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+00:01",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00-23:59",
    "0000-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59+23:59",
    "10000-01-01T00:00:00Z",
    "2026-05-01T10:00:00+24:00",
    "2026-02-30T10:00:00Z",
    "2026-05-01 10:00:00",
    "2026-05-01T10:00:00.1234567890Z",
    "yesterday",
    "",
]
DEEP = [Deep(d) for d in (2, 100, 900, 1_000, 3_000)]


def rarely(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int = 6) -> st.SearchStrategy[Any]:
    """``rare`` once in ``one_in`` draws, else ``common``: so most pages get as far as building."""
    return st.integers(0, one_in - 1).flatmap(lambda k: rare if k == 0 else common)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(INT64_EDGES + BEYOND_INT64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
#: What a corrupted field holds: wrong types, nulls, huge and deep values, text JSON cannot carry.
hostile = st.one_of(
    json_values,
    st.sampled_from([*BEYOND_INT64, *DEEP, InvalidUtf8(), HugeNumber()]),
    st.lists(st.sampled_from([*DEEP, InvalidUtf8(), HugeNumber(), None]), min_size=1, max_size=2),
)


def datetimes_with_offsets(years: tuple[int, int]) -> st.SearchStrategy[str]:
    offset = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
        lambda m: "Z" if m == 0 else f"{'+' if m > 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
    )
    low, high = datetime(years[0], 1, 1), datetime(years[1], 12, 31, 23, 59, 59, 999_999)
    moment = st.datetimes(low, high).map(lambda d: f"{d.year:04d}-{d:%m-%dT%H:%M:%S}.{d.microsecond:06d}")
    return st.builds(lambda m, z: m + z, moment, offset)


timestamps = rarely(
    st.none() | datetimes_with_offsets((2020, 2030)),
    st.sampled_from(DATETIME_EDGES) | datetimes_with_offsets((1, 9999)),
    one_in=12,
)
ints = rarely(st.none() | st.integers(0, 100_000), st.sampled_from(INT64_EDGES))
status_codes = rarely(st.integers(0, 6), st.sampled_from([-1, 7, 9, -128, 127, 128, INT64_MIN, INT64_MAX]), one_in=10)
texts = st.none() | st.text(max_size=12)
raw_json = rarely(
    st.none() | json_values, st.sampled_from([*DEEP, {"x": InvalidUtf8()}, [HugeNumber()], {"n": HugeNumber()}])
)


def struct(required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]) -> Any:
    return st.fixed_dictionaries(required, optional=optional)


status_event = struct(
    {"status_code": status_codes},
    {"timestamp": timestamps, "error_message": texts, "error_details": raw_json, "count": ints},
)
JOB_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "agent_version_name": texts,
    "last_updated_at": timestamps,
    "duration_ms": ints,
    "status_events": st.none() | st.lists(status_event, max_size=3),
    "job_inputs": st.none()
    | st.lists(
        struct({}, {"key": texts, "description": texts, "data_type": texts, "value": texts, "file_name": texts}),
        max_size=2,
    ),
    "metadata": st.none() | st.dictionaries(st.text(max_size=6), scalars, max_size=3),
    "ui_fields": raw_json,
    "evaluation": st.none()
    | struct(
        {},
        {
            "reference": raw_json,
            "human_score": st.none() | st.floats(allow_nan=False),
            "grader_score": st.none() | st.floats(allow_nan=False, allow_infinity=False),
            "feedback": texts,
            "created_at": timestamps,
            "updated_at": timestamps,
        },
    ),
    "feedback_review": st.none()
    | struct(
        {},
        {
            "review_status": st.sampled_from(["pending", "approved", "rejected", "escalated", "", None]),
            "corrected_verdict": texts,
            "review_comment": texts,
            "reviewed_at": timestamps,
            "reviewed_by": texts,
        },
    ),
    "review_state": st.sampled_from(["unreviewed", "agreed", "disagreed", "maybe", None]),
    "creator": st.none() | struct({}, {"id": st.integers() | st.text(max_size=6), "email": texts}),
}


def places(record: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every field of a job record, its children's included, as (the dict holding it, its key)."""
    found = []
    for key, value in record.items():
        found.append((record, key))
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, dict) and key != "ui_fields":
                found.extend((child, k) for k in child)
    return found


@st.composite
def records(draw: st.DrawFn, first: int = 1) -> list[dict[str, Any]]:
    """1 to 3 jobs with unique ids and any of the fields (edge values now and then); in half of
    them one or two fields, at any depth, hold a hostile value or are missing."""
    out = []
    for i in range(first, first + draw(st.integers(1, 3))):
        record: dict[str, Any] = {
            "id": job_id(i),
            "status_code": draw(status_codes),
            "created_at": draw(rarely(st.just("2026-05-01T10:00:00Z"), timestamps)),
        }
        record.update(draw(st.fixed_dictionaries({}, optional=JOB_FIELDS)))
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
            holder, key = draw(st.sampled_from(places(record)))
            if draw(st.integers(0, 7)) == 0:
                del holder[key]
            else:
                holder[key] = draw(hostile)
        out.append(record)
    return out


def as_python(value: Any) -> Any:
    """``value`` for `JobFrames.from_records`: the placeholders as the Python values closest to them."""
    if isinstance(value, Deep):
        return nested(value.depth)
    if isinstance(value, InvalidUtf8):
        return "\ud800"
    if isinstance(value, HugeNumber):
        return 10**5000
    if isinstance(value, dict):
        return {k: as_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_python(v) for v in value]
    return value


_PLACEHOLDER = re.compile(rb'"\\u0000(deep(\d+)|utf8|huge)\\u0000"')


def as_body(records: list[dict[str, Any]], count: int) -> bytes:
    """A page body of ``records``, the placeholders spliced in as the bytes they stand for."""

    def mark(value: Any) -> Any:
        if isinstance(value, Deep):
            return f"\x00deep{value.depth}\x00"
        if isinstance(value, InvalidUtf8):
            return "\x00utf8\x00"
        if isinstance(value, HugeNumber):
            return "\x00huge\x00"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    def splice(match: re.Match[bytes]) -> bytes:
        kind, depth = match.group(1), match.group(2)
        if depth is not None:
            return b"[" * int(depth) + b"]" * int(depth)
        return b'"\xff\xfe"' if kind == b"utf8" else b"1e400"

    body = msgspec.json.encode({"count": count, "results": mark(records)})
    return _PLACEHOLDER.sub(splice, body)


def ids_of(jobs: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in jobs if isinstance(record.get("id"), str)]


def assert_frames_or_malformed(run: Callable[[], ra.JobFrames], ids: list[str], *, deduplicated: bool) -> None:
    """The invariant: frames with the fixed schema and every job exactly once, or a `MalformedResponseError`.

    ``deduplicated``: a load keeps one copy of each id (a corrupted id may repeat another).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ra.UnknownValueWarning)
        try:
            frames = run()
        except ra.MalformedResponseError as exc:
            decoding = "records are not jobs" in str(exc) or " from GET " in str(exc)
            event(f"malformed while {'decoding' if decoding else 'building'}")
            partial = exc.partial
            if isinstance(partial, ra.JobFrames):
                assert_fixed_schema(tables_of(partial))
                assert set(partial.jobs.get_column("id")) <= set(ids)
            return
    event("frames")
    assert_fixed_schema(tables_of(frames))
    expected = Counter(dict.fromkeys(ids, 1)) if deduplicated else Counter(ids)
    assert Counter(frames.jobs.get_column("id").to_list()) == expected


@settings(max_examples=200, deadline=None)
@given(records())
def test_generated_records_give_frames_or_a_malformed_response(jobs: list[dict[str, Any]]) -> None:
    given_records = as_python(jobs)
    assert_frames_or_malformed(
        lambda: ra.JobFrames.from_records(given_records, agent_id=AGENT), ids_of(jobs), deduplicated=False
    )


@pytest.mark.parametrize(
    ("created_at", "in_range"),
    [("0001-01-01T00:00:00Z", True), ("0001-01-01T00:00:00+00:01", False), ("9999-12-31T23:59:59-00:01", False)],
)
def test_the_client_s_paging_survives_a_time_past_the_datetime_range(created_at: str, in_range: bool) -> None:
    # Without a Date header, the pin and the watermark come from page 1's job times themselves.
    body = page_body([job(1, created_at=created_at)])
    if in_range:
        assert load(body, dated=False).jobs.height == 1
    else:
        with pytest.raises(ra.MalformedResponseError, match=r"outside the years 1 to 9999"):
            load(body, dated=False)


@settings(max_examples=200, deadline=None)
@given(records(first=1), records(first=10))
def test_generated_pages_give_frames_or_a_malformed_response_through_the_client(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    # Page 1 holds as many jobs as page 2 or more, so the page size is page 1's and both are fetched.
    size = max(len(first), len(second))
    first = [{**r, "id": job_id(i)} if "id" in r else r for i, r in enumerate((first * 3)[:size], start=1)]
    count = len(first) + len(second)
    bodies = (as_body(first, count), as_body(second, count))
    assert_frames_or_malformed(lambda: load(*bodies), ids_of([*first, *second]), deduplicated=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(records(), min_size=1, max_size=3))
def test_generated_pages_built_together_keep_every_page_that_builds(pages: list[list[dict[str, Any]]]) -> None:
    chunks = []
    for number, jobs in enumerate(pages, start=1):
        try:
            decoded = decode_page(as_body(jobs, len(jobs)))
        except msgspec.DecodeError:
            continue  # the transport's page error (tested above); this test is about building
        chunks.append(PageChunk(AGENT, number, decoded.results))
    given_ids = [j.id for c in chunks for j in c.jobs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ra.UnknownValueWarning)
        try:
            tables = build_tables(chunks)
        except ra.MalformedResponseError as exc:
            event("malformed while building")
            assert exc.page in {c.page for c in chunks}
            assert_fixed_schema(exc.partial)
            assert exc.partial["jobs"].get_column("id").to_list() == [
                j.id for c in chunks if builds_alone(c) for j in c.jobs
            ]
            return
    event("frames" if chunks else "no page decoded")
    assert_fixed_schema(tables)
    assert tables["jobs"].get_column("id").to_list() == given_ids


def builds_alone(page: PageChunk) -> bool:
    try:
        build_tables([page])
    except ra.MalformedResponseError:
        return False
    return True
