"""Every query parameter of the spec (and ``verdict``, ``review_state``, ``limit``), checked against the
ground truth filtered and sorted here in plain Python."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cmp_to_key
from typing import Any

import pytest

from roe_analysis.sandbox import Sandbox

Job = dict[str, Any]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ids(jobs: list[Job]) -> list[str]:
    return [job["id"] for job in jobs]


def sort_value(job: Job, field: str) -> Any:
    evaluation = job["evaluation"] or {}
    return {
        "id": lambda: job["id"],
        "agent_version_name": lambda: job["agent_version_name"],
        "status_code": lambda: job["status_code"],
        "created_at": lambda: at(job["created_at"]),
        "last_updated_at": lambda: at(job["last_updated_at"]),
        "cost": lambda: job["ui_fields"].get("cost"),
        "duration": lambda: job["duration_ms"],
        "grader_score": lambda: evaluation.get("grader_score"),
    }[field]()


def expected_order(jobs: list[Job], *keys: str) -> list[Job]:
    """The documented order: each key asc or desc (``-``), nulls last either way, then ascending id."""
    parsed = [(key.lstrip("-"), key.startswith("-")) for key in keys] + [("id", False)]

    def compare(a: Job, b: Job) -> int:
        for field, descending in parsed:
            va, vb = sort_value(a, field), sort_value(b, field)
            if va is None or vb is None:
                if va is None and vb is None:
                    continue
                return 1 if va is None else -1
            if va != vb:
                result = -1 if va < vb else 1
                return -result if descending else result
        return 0

    return sorted(jobs, key=cmp_to_key(compare))


@pytest.fixture
def demo(sb: Sandbox) -> list[Job]:
    return sb.jobs("demo")


def test_default_order_is_newest_first_with_id_tiebreak(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    assert walk_ids("demo") == ids(expected_order(demo, "-created_at"))
    assert ids(demo) == ids(expected_order(demo, "-created_at"))


@pytest.mark.parametrize(
    "ordering",
    [
        "id", "-id", "agent_version_name", "-agent_version_name", "status_code", "-status_code",
        "created_at", "-created_at", "last_updated_at", "-last_updated_at", "cost", "-cost",
        "duration", "-duration", "grader_score", "-grader_score",
    ],
)  # fmt: skip
def test_each_ordering_key(ordering: str, demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    assert walk_ids("demo", ordering=ordering) == ids(expected_order(demo, ordering))


def test_nulls_sort_last_in_both_directions(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    nulls = {job["id"] for job in demo if job["duration_ms"] is None}
    assert nulls
    for ordering in ("duration", "-duration"):
        served = walk_ids("demo", ordering=ordering)
        assert set(served[-len(nulls) :]) == nulls


def test_several_ordering_keys_and_unknown_keys(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    expected = ids(expected_order(demo, "agent_version_name", "-status_code", "duration"))
    assert walk_ids("demo", ordering="agent_version_name,-status_code,duration") == expected
    # DRF's OrderingFilter drops keys it does not know, and falls back to the default when none is left.
    assert walk_ids("demo", ordering="bogus, agent_version_name ,-status_code,duration,-nope") == expected
    assert walk_ids("demo", ordering="bogus") == ids(expected_order(demo, "-created_at"))


def test_repeated_parameter_uses_the_last_value(sb: Sandbox, client: Any, demo: list[Job]) -> None:
    response = client.get(f"/v1/agents/{sb.agents['demo']}/jobs/?ordering=id&ordering=-cost&page_size=100")
    assert ids(response.json()["results"]) == ids(expected_order(demo, "-cost"))[:100]


@pytest.mark.parametrize(
    ("created_from", "created_to"),
    [
        ("2026-05-01T00:00:00Z", "2026-05-08T00:00:00Z"),
        ("2026-05-01T02:00:00+02:00", None),  # an offset: the same instant as 00:00Z
        (None, "2026-04-20T12:30:00"),  # naive means UTC
        ("2026-05-10", "2026-05-12"),  # dates mean midnight UTC
    ],
)
def test_created_window(
    created_from: str | None, created_to: str | None, demo: list[Job], walk_ids: Callable[..., list[str]]
) -> None:
    params = {k: v for k, v in {"created_from": created_from, "created_to": created_to}.items() if v}
    low = at(created_from).replace(tzinfo=at(created_from).tzinfo or UTC) if created_from else None
    high = at(created_to).replace(tzinfo=at(created_to).tzinfo or UTC) if created_to else None
    expected = [
        job
        for job in demo
        if (low is None or at(job["created_at"]) >= low) and (high is None or at(job["created_at"]) <= high)
    ]
    assert 0 < len(expected) < len(demo)
    assert walk_ids("demo", **params) == ids(expected)


def test_created_window_is_inclusive(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    job = demo[500]
    assert walk_ids("demo", created_from=job["created_at"], created_to=job["created_at"]) == [job["id"]]
    instant = at(job["created_at"]).astimezone(UTC)
    assert job["id"] in walk_ids("demo", created_to=(instant).isoformat())
    assert job["id"] not in walk_ids("demo", created_to=(instant - timedelta(microseconds=1)).isoformat())


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-05-01T25:00"])
def test_invalid_datetime_is_a_400_field_error(field: str, value: str, fetch: Callable[..., Any]) -> None:
    response = fetch("demo", **{field: value})
    assert response.status_code == 400
    assert response.json() == {field: ["Enter a valid date/time."]}


def test_all_invalid_fields_are_reported_together(fetch: Callable[..., Any]) -> None:
    response = fetch("demo", created_from="x", created_to="y", metadata="{", limit="many", status_code="done")
    assert response.status_code == 400
    assert response.json() == {
        "created_from": ["Enter a valid date/time."],
        "created_to": ["Enter a valid date/time."],
        "status_code": ["Enter a whole number."],
        "metadata": ["Value must be valid JSON."],
        "limit": ["A valid integer is required."],
    }


@pytest.mark.parametrize("codes", ["3", "4", "0,1,2", "6, 5", "9"])
def test_status_code(codes: str, demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    wanted = {int(c) for c in codes.split(",")}
    assert walk_ids("demo", status_code=codes) == [job["id"] for job in demo if job["status_code"] in wanted]


def test_version_name_and_job_id(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    for version in ("v1.0", "v1.1", "v2.0"):
        assert walk_ids("demo", version_name=version) == [j["id"] for j in demo if j["agent_version_name"] == version]
    assert walk_ids("demo", version_name="v1") == []
    target = demo[321]["id"]
    assert walk_ids("demo", job_id=target) == [target]
    assert walk_ids("demo", job_id=target.upper()) == [target]
    assert walk_ids("demo", job_id="00000000-0000-4000-8000-000000000000") == []


def test_blank_filters_are_ignored(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    assert walk_ids("demo", status_code="", version_name="", metadata="", search="", created_from="") == ids(demo)


@pytest.mark.parametrize("needle", ["CASE-DEM-000042", "Lagos", "lagos", "merchant_category", "💸"])
def test_job_inputs_is_a_case_sensitive_substring_of_input_values(
    needle: str, demo: list[Job], walk_ids: Callable[..., list[str]]
) -> None:
    expected = [job["id"] for job in demo if any(needle in item["value"] for item in job["job_inputs"])]
    assert walk_ids("demo", job_inputs=needle) == expected
    if needle != "lagos":
        assert expected


def test_metadata_filter_matches_all_pairs(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    wanted = {"customer": "acme", "channel": "batch"}
    expected = [job["id"] for job in demo if all(job["metadata"].get(k) == v for k, v in wanted.items())]
    assert expected
    assert walk_ids("demo", metadata=json.dumps(wanted)) == expected
    unicode = {"客户": "東京"}
    assert walk_ids("demo", metadata=json.dumps(unicode, ensure_ascii=False)) == [
        job["id"] for job in demo if job["metadata"].get("客户") == "東京"
    ]
    assert walk_ids("demo", metadata="{}") == ids(demo)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{customer: acme}", "Value must be valid JSON."),
        ('["acme"]', "Expected a JSON object."),
        ("3", "Expected a JSON object."),
    ],
)
def test_malformed_metadata_is_a_400(value: str, message: str, fetch: Callable[..., Any]) -> None:
    response = fetch("demo", metadata=value)
    assert response.status_code == 400
    assert response.json() == {"metadata": [message]}


@pytest.mark.parametrize(
    ("value", "excluded"), [("true", True), ("1", True), ("TRUE", True), ("false", False), ("0", False), ("yes", False)]
)
def test_exclude_metadata(value: str, excluded: bool, demo: list[Job], fetch: Callable[..., Any]) -> None:
    results = fetch("demo", exclude_metadata=value, page_size=100).json()["results"]
    assert ids(results) == ids(demo[:100])
    if excluded:
        assert all(job["metadata"] == {} for job in results)
    else:
        assert [job["metadata"] for job in results] == [job["metadata"] for job in demo[:100]]


@pytest.mark.parametrize("needle", ["LAGOS", "v2.0", "case-dem-0001", "Watchlist"])
def test_search_is_case_insensitive_over_ids_versions_and_inputs(
    needle: str, demo: list[Job], walk_ids: Callable[..., list[str]]
) -> None:
    def haystack(job: Job) -> list[str]:
        return [job["id"], job["agent_version_name"], *(item["value"] for item in job["job_inputs"])]

    expected = [job["id"] for job in demo if any(needle.lower() in text.lower() for text in haystack(job))]
    assert expected
    assert walk_ids("demo", search=needle) == expected


def test_search_finds_a_job_by_an_id_fragment(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    fragment = demo[77]["id"][9:23].upper()
    assert walk_ids("demo", search=fragment) == [demo[77]["id"]]


def _similarity(query: str, job: Job) -> float:
    words = set(re.findall(r"\w+", query.lower()))
    found = set(re.findall(r"\w+", " ".join(item["value"] for item in job["job_inputs"]).lower()))
    return len(words & found) / len(words)


def test_semantic_string_orders_by_token_overlap(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    query = "sanctions watchlist Lagos"
    scored = [(_similarity(query, job), job) for job in demo]
    expected = [job["id"] for score, job in sorted(scored, key=lambda pair: -pair[0]) if score > 0]
    assert 0 < len(expected) < len(demo)
    assert walk_ids("demo", semantic_string=query) == expected


def test_semantic_string_with_ordering_keeps_that_ordering(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    query = "sanctions watchlist Lagos"
    matching = [job for job in demo if _similarity(query, job) > 0]
    assert walk_ids("demo", semantic_string=query, ordering="-cost") == ids(expected_order(matching, "-cost"))


def test_semantic_string_without_overlap_matches_nothing(walk_ids: Callable[..., list[str]]) -> None:
    assert walk_ids("demo", semantic_string="zzzz qqqq") == []


@pytest.mark.parametrize("verdict", ["Suspicious", "Not Suspicious", "Needs Escalation", "Suspicious,Needs Escalation"])
def test_verdict_matches_agent_or_corrected_verdict(
    verdict: str, demo: list[Job], walk_ids: Callable[..., list[str]]
) -> None:
    wanted = set(verdict.split(","))

    def verdicts(job: Job) -> set[str]:
        found = {job["ui_fields"].get("verdict")}
        found.add((job["feedback_review"] or {}).get("corrected_verdict"))
        return found

    expected = [job["id"] for job in demo if verdicts(job) & wanted]
    assert walk_ids("demo", verdict=verdict) == expected
    # Some match only through the reviewer's correction.
    assert any(job["ui_fields"].get("verdict") not in wanted for job in demo if job["id"] in set(expected))


def test_review_state(demo: list[Job], walk_ids: Callable[..., list[str]], fetch: Callable[..., Any]) -> None:
    for state in ("unreviewed", "agreed", "disagreed"):
        expected = [job["id"] for job in demo if job["review_state"] == state]
        assert expected
        assert walk_ids("demo", review_state=state) == expected
    assert len(walk_ids("demo", review_state="agreed,disagreed")) == sum(
        job["review_state"] != "unreviewed" for job in demo
    )
    response = fetch("demo", review_state="maybe")
    assert response.status_code == 400
    assert response.json() == {"review_state": ["Select a valid choice. maybe is not one of the available choices."]}


def test_limit_caps_the_most_recent_matches(
    demo: list[Job], walk_ids: Callable[..., list[str]], fetch: Callable[..., Any]
) -> None:
    assert walk_ids("demo", limit=10) == ids(demo[:10])
    assert fetch("demo", limit=10).json()["count"] == 10
    # Filters first, then the cap, then the ordering.
    failed = [job for job in demo if job["status_code"] == 4]
    assert walk_ids("demo", limit=5, status_code=4, ordering="cost") == ids(expected_order(failed[:5], "cost"))
    assert walk_ids("demo", limit=0) == ids(demo)
    assert walk_ids("demo", limit=100_000) == ids(demo)


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "Ensure this value is greater than or equal to 0."), ("ten", "A valid integer is required.")],
)
def test_invalid_limit_is_a_400(value: str, message: str, fetch: Callable[..., Any]) -> None:
    response = fetch("demo", limit=value)
    assert response.status_code == 400
    assert response.json() == {"limit": [message]}


def test_organization_id(sb: Sandbox, fetch: Callable[..., Any]) -> None:
    assert fetch("demo", organization_id=sb.organization_id).status_code == 200
    assert fetch("demo").status_code == 200
    wrong = fetch("demo", organization_id="11111111-1111-4111-8111-111111111111")
    assert (wrong.status_code, wrong.json()) == (403, {"message": "You do not have access to this organization."})
    malformed = fetch("demo", organization_id="acme")
    assert (malformed.status_code, malformed.json()) == (400, {"organization_id": ["Must be a valid UUID."]})


def test_filters_combine(demo: list[Job], walk_ids: Callable[..., list[str]]) -> None:
    expected = [
        job
        for job in demo
        if job["status_code"] == 3
        and job["agent_version_name"] == "v2.0"
        and job["metadata"].get("region") == "eu-west"
        and at(job["created_at"]) >= datetime(2026, 5, 20, tzinfo=UTC)
    ]
    assert expected
    served = walk_ids(
        "demo",
        status_code="3",
        version_name="v2.0",
        metadata='{"region": "eu-west"}',
        created_from="2026-05-20T00:00:00Z",
        ordering="-grader_score",
    )
    assert served == ids(expected_order(expected, "-grader_score"))
