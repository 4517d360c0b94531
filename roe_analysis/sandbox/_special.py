"""The deliberate oddities of the ``demo`` agent (`SPECIAL_CASES`) and its example jobs (`EXAMPLES`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roe_analysis.sandbox._status import (
    CACHED,
    CANCELLED,
    FAILURE,
    PENDING,
    RETRY,
    STARTED,
    SUCCESS,
    UNKNOWN_STATUS,
    compute_duration_ms,
)
from roe_analysis.sandbox._timefmt import US_PER_SECOND, format_us, format_us_in_offset, parse_instant

_LARGE_INPUT_BYTES = 100 * 1024
_SCRIPT = "<script>alert(1)</script>"


def _respell(job: dict[str, Any], spell: Callable[[int], str]) -> None:
    """Re-spell every timestamp of a job (same instants unless ``spell`` truncates)."""

    def again(text: str | None) -> str | None:
        return None if text is None else spell(parse_instant(text))

    job["created_at"] = again(job["created_at"])
    job["last_updated_at"] = again(job["last_updated_at"])
    job["status_events"] = [{**e, "timestamp": again(e["timestamp"])} for e in job["status_events"]]
    if job["evaluation"] is not None:
        job["evaluation"] = {
            **job["evaluation"],
            "created_at": again(job["evaluation"]["created_at"]),
            "updated_at": again(job["evaluation"]["updated_at"]),
        }
    if job["feedback_review"] is not None:
        job["feedback_review"] = {
            **job["feedback_review"],
            "reviewed_at": again(job["feedback_review"]["reviewed_at"]),
        }


def _out_of_order(job: dict[str, Any]) -> None:
    events = job["status_events"]
    # The terminal event first, then the rest reversed: nothing is where a naive reader expects it.
    job["status_events"] = [events[-1], *reversed(events[:-1])]


def _null_timestamp(job: dict[str, Any]) -> None:
    job["status_events"] = [
        {**event, "timestamp": None} if event["status_code"] == STARTED else event for event in job["status_events"]
    ]
    job["duration_ms"] = None


def _no_fraction(job: dict[str, Any]) -> None:
    _respell(job, lambda us: format_us(us - us % US_PER_SECOND))
    job["duration_ms"] = compute_duration_ms(job["status_events"], job["status_code"])


def _offset_suffix(job: dict[str, Any]) -> None:
    _respell(job, lambda us: format_us(us, suffix="+00:00"))


def _non_utc_offset(job: dict[str, Any]) -> None:
    _respell(job, lambda us: format_us_in_offset(us, 5 * 60 + 30))


def _unicode(job: dict[str, Any]) -> None:
    job["job_inputs"] = [
        {**job["job_inputs"][0]},
        {
            "key": "transaction_description",
            "description": "Beschreibung der Aktivität — descripción",
            "data_type": "text/plain",
            "value": "Überweisung an José Ñúñez für Café Crème 💸🚩; عاجل: تحويل مشبوه; שלום עולם; 東京の口座",
        },
        {
            "key": "document",
            "description": "Relevé bancaire",
            "data_type": "application/pdf",
            "value": "https://files.roe-sandbox.example/uploads/relev%C3%A9.pdf",
            "file_name": "relevé_été_📄.pdf",
        },
    ]
    job["metadata"] = {
        "customer": "Société Générale Café ☕",
        "region": "eu-west",
        "channel": "web",
        "note": "مرحبا بالعالم 👋",
        "客户": "東京",
    }


def _large_input(job: dict[str, Any]) -> None:
    line = "2026-05-01T10:00:00Z INFO ledger sync ok account=000123 balance=1024.00\n"
    value = (line * (_LARGE_INPUT_BYTES // len(line) + 1))[:_LARGE_INPUT_BYTES]
    job["job_inputs"] = [
        *job["job_inputs"],
        {"key": "raw_log", "description": "Raw ledger log", "data_type": "text/plain", "value": value},
    ]


def _html(job: dict[str, Any]) -> None:
    job["job_inputs"] = [
        *job["job_inputs"],
        {"key": "customer_note", "description": "Note from the customer", "data_type": "text/html",
         "value": f"Please review {_SCRIPT} <b>urgent</b>"},
    ]  # fmt: skip
    job["ui_fields"] = {**job["ui_fields"], "rationale": f"Input contained {_SCRIPT}"}


def _unknown_status(job: dict[str, Any]) -> None:
    events = job["status_events"]
    first, last = parse_instant(events[0]["timestamp"]), parse_instant(events[-1]["timestamp"])
    mid = {"timestamp": format_us((first + last) // 2), "status_code": UNKNOWN_STATUS}
    job["status_events"] = [*events[:-1], mid, events[-1]]


#: The deliberate oddities applied to the ``demo`` agent: name → (what it does, transformation).
SPECIAL_CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "events_out_of_order": ("the status_events array is not in chronological order", _out_of_order),
    "null_event_timestamp": ('the STARTED event has "timestamp": null; duration_ms is null', _null_timestamp),
    "no_fractional_seconds": ("every timestamp of the job is whole seconds", _no_fraction),
    "utc_offset_suffix": ("every timestamp of the job ends in +00:00 instead of Z", _offset_suffix),
    "non_utc_offset": ("every timestamp of the job is written in +05:30 (same instants)", _non_utc_offset),
    "unicode": ("emoji, accents, Arabic/Hebrew (RTL) and CJK in inputs, file name and metadata", _unicode),
    "large_input": ("a text/plain input value of exactly 102,400 bytes", _large_input),
    "html_injection": ("<script>alert(1)</script> in an input value and in ui_fields.rationale", _html),
    "unknown_status_event": ("an event with status_code 7 between STARTED and SUCCESS", _unknown_status),
}


def apply_special_cases(jobs: list[dict[str, Any]]) -> dict[str, str]:
    # Plain finished jobs whose last event is the SUCCESS (no trailing cache hits, no retries).
    candidates = [
        job
        for job in jobs
        if job["status_code"] == SUCCESS
        and [e["status_code"] for e in job["status_events"]] == [PENDING, STARTED, SUCCESS]
    ]
    chosen: dict[str, str] = {}
    if len(candidates) < len(SPECIAL_CASES):
        return chosen
    step = len(candidates) // len(SPECIAL_CASES)
    for position, (name, (_, transform)) in enumerate(SPECIAL_CASES.items()):
        job = candidates[position * step + step // 2]
        transform(job)
        chosen[name] = job["id"]
    return chosen


#: Ordinary jobs worth pointing at: name → predicate. The first (oldest) match is exposed.
EXAMPLES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "example_cached": lambda job: job["status_code"] == CACHED,
    "example_trailing_cached": lambda job: (
        job["status_code"] == SUCCESS and job["status_events"][-1]["status_code"] == CACHED
    ),
    "example_retried": lambda job: (
        any(e["status_code"] == RETRY for e in job["status_events"]) and job["status_code"] == SUCCESS
    ),
    "example_failed": lambda job: job["status_code"] == FAILURE,
    "example_cancelled": lambda job: job["status_code"] == CANCELLED,
    "example_pending": lambda job: job["status_code"] == PENDING,
    "example_started": lambda job: job["status_code"] == STARTED,
    "example_retrying": lambda job: job["status_code"] == RETRY,
    "example_review_pending": lambda job: (job["feedback_review"] or {}).get("review_status") == "pending",
    "example_rejected_with_correction": lambda job: (
        (job["feedback_review"] or {}).get("review_status") == "rejected"
        and job["feedback_review"]["corrected_verdict"] is not None
    ),
    "example_rejected_without_correction": lambda job: (
        (job["feedback_review"] or {}).get("review_status") == "rejected"
        and job["feedback_review"]["corrected_verdict"] is None
    ),
    "example_evaluation_null": lambda job: job["status_code"] == SUCCESS and job["evaluation"] is None,
    "example_grader_score_null": lambda job: (
        job["evaluation"] is not None and job["evaluation"]["grader_score"] is None
    ),
    "example_creator_null": lambda job: job["creator"] is None,
    "example_empty_metadata": lambda job: job["metadata"] == {},
}


def pick_examples(jobs: list[dict[str, Any]], *, exclude: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, predicate in EXAMPLES.items():
        for job in jobs:
            if job["id"] not in exclude and predicate(job):
                found[name] = job["id"]
                break
    return found
