"""Job status codes, and the rules for the fields derived from a job's events and review.

`compute_duration_ms` is the spec's ``duration_ms``; `append_status` is how a status change is
recorded (by a freshly generated job and by the store's mutations); `review_state_of` derives
``review_state`` from ``feedback_review``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from roe_analysis.sandbox._timefmt import format_us, parse_instant

PENDING, STARTED, RETRY, SUCCESS, FAILURE, CANCELLED, CACHED = range(7)
#: A status code outside the documented 0..6 range; appears in one event of the
#: ``unknown_status_event`` special job (never as a job's own ``status_code``).
UNKNOWN_STATUS = 7
RUNNING_CODES = frozenset({PENDING, STARTED, RETRY})


def compute_duration_ms(events: Iterable[Mapping[str, Any]], status_code: int) -> int | None:
    """``duration_ms`` exactly as the spec defines it.

    From the earliest event to the latest non-CACHED event, by timestamp (the array order does not
    matter), in whole milliseconds truncated. ``None`` while the job is running (``status_code`` 0–2),
    when any event has no timestamp, or when there is no non-CACHED event.

    Examples:
        >>> events = [
        ...     {"timestamp": "2026-05-01T10:00:00Z", "status_code": 0},
        ...     {"timestamp": "2026-05-01T10:00:01.999999Z", "status_code": 3},
        ...     {"timestamp": "2026-05-02T10:00:00Z", "status_code": 6, "count": 2},
        ... ]
        >>> compute_duration_ms(events, 3)
        1999
    """
    if status_code in RUNNING_CODES:
        return None
    first: int | None = None
    last: int | None = None
    for event in events:
        stamp = event.get("timestamp")
        if not isinstance(stamp, str):
            return None
        us = parse_instant(stamp)
        if first is None or us < first:
            first = us
        if event.get("status_code") != CACHED and (last is None or us > last):
            last = us
    if first is None or last is None:
        return None
    return (last - first) // 1000


def review_state_of(feedback_review: Mapping[str, Any] | None) -> str:
    """``review_state`` of a job: ``agreed`` if approved, ``disagreed`` if rejected, else ``unreviewed``."""
    if feedback_review is None:
        return "unreviewed"
    return _REVIEW_STATES.get(str(feedback_review.get("review_status")), "unreviewed")


_REVIEW_STATES = {"approved": "agreed", "rejected": "disagreed"}


def append_status(job: dict[str, Any], status_code: int, at: int, **extra: Any) -> None:
    """Append a status event at ``at`` (µs), set the job's status and recompute ``duration_ms``."""
    event: dict[str, Any] = {"timestamp": format_us(at), "status_code": status_code}
    event.update({key: value for key, value in extra.items() if value is not None})
    job["status_events"] = [*job["status_events"], event]
    if status_code != CACHED or job["status_code"] in RUNNING_CODES:
        job["status_code"] = status_code
    job["duration_ms"] = compute_duration_ms(job["status_events"], job["status_code"])
