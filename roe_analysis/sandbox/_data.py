"""Seeded synthetic jobs that look like a real Roe AI agent's history.

Everything is a pure function of ``(seed, agent name, size)``: a ``random.Random`` seeded with a
string (stable across Python versions and processes) drives every draw, and all times are measured
back from the fixed `REFERENCE_TIME`, never from the wall clock, so the same seed gives byte-identical
JSON.

What is true in the data (so analyses have something real to find):

* Three agent versions roll out over the 60 days before `REFERENCE_TIME` with 8-day canary overlaps:
  ``v1.0`` (days 0–28), ``v1.1`` (days 20–48), ``v2.0`` (days 40–60). See `VERSIONS` for each one's
  run-time median, retry/failure rates, verdict accuracy, grader-score mean and cost; ``v2.0`` is about
  twice as fast as ``v1.1`` and scores higher.
* Volume grows ~50% over the window, dips at weekends (Sat 45%, Sun 35%) and follows a UTC diurnal
  curve peaking 14:00–17:00.
* An upstream outage on 2026-05-05 14:00–16:30 UTC: 45% failures, frequent retries, 2.2x run times.
* Each job runs one *item* (an identical input set with a hidden true label); items are re-run ~2.5
  times on average, across versions, and reviewed by different reviewers, so reviewer agreement can be
  measured on items. True labels are skewed: 70% "Not Suspicious", 22% "Suspicious", 8% "Needs
  Escalation". Reviewers see the truth except for a personal error rate (`REVIEWERS`), so they approve
  most verdicts.
* Event timestamps of jobs created before `EVENT_FORMAT_CHANGE` are spelled ``+00:00`` (they came from
  an older worker); later ones, and every job-level datetime, use DRF's ``Z``.

Sub-objects (input lists, creators) are shared between jobs to keep 200,000 jobs affordable: treat
the records as read-only, or copy before changing them.
"""

from __future__ import annotations

import gc
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roe_analysis.sandbox._timefmt import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    format_us,
    format_us_in_offset,
    parse_instant,
    to_us,
)

PENDING, STARTED, RETRY, SUCCESS, FAILURE, CANCELLED, CACHED = range(7)
#: A status code outside the documented 0..6 range; appears in one event of the
#: ``unknown_status_event`` special job (never as a job's own ``status_code``).
UNKNOWN_STATUS = 7
RUNNING_CODES = frozenset({PENDING, STARTED, RETRY})

#: All seeded data is generated relative to this instant.
REFERENCE_TIME = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REFERENCE_US = to_us(REFERENCE_TIME)
WINDOW_DAYS = 60
#: Midnight UTC of the first day of the window: jobs are created from here to `REFERENCE_TIME`.
WINDOW_START = datetime(2026, 4, 2, tzinfo=UTC)
WINDOW_START_US = to_us(WINDOW_START)
#: Jobs created before this instant spell their event timestamps with ``+00:00``.
EVENT_FORMAT_CHANGE = datetime(2026, 4, 17, tzinfo=UTC)
_EVENT_FORMAT_CHANGE_US = to_us(EVENT_FORMAT_CHANGE)
#: The outage window: [start, end) in UTC.
INCIDENT = (datetime(2026, 5, 5, 14, 0, tzinfo=UTC), datetime(2026, 5, 5, 16, 30, tzinfo=UTC))
_INCIDENT_US = (to_us(INCIDENT[0]), to_us(INCIDENT[1]))

VERDICTS = ("Not Suspicious", "Suspicious", "Needs Escalation")
_TRUTH_CUM = (0.70, 0.92, 1.0)


@dataclass(frozen=True)
class VersionProfile:
    """The true behaviour of one agent version (the generator's parameters, not estimates).

    Attributes:
        name: ``agent_version_name``.
        first_day: day of the window (0..60) the rollout starts; the first version has no ramp-in.
        last_day: day the version is fully replaced; the last version has no ramp-out.
        median_run_ms: median run time STARTED → end of a clean run (log-normal).
        run_sigma: log-normal sigma of the run time.
        retry_rate: chance of each (up to three) RETRY.
        failure_rate: chance a started run ends in FAILURE.
        cancel_rate: chance a started run is CANCELLED.
        accuracy: chance the agent's verdict equals the item's true label.
        score_mean: mean grader score on a 0–1 scale before the correct/incorrect shift.
        base_cost: median cost in USD of a clean text-only run.
    """

    name: str
    first_day: float
    last_day: float
    median_run_ms: float
    run_sigma: float
    retry_rate: float
    failure_rate: float
    cancel_rate: float
    accuracy: float
    score_mean: float
    base_cost: float


VERSIONS: tuple[VersionProfile, ...] = (
    VersionProfile("v1.0", 0, 28, 42_000, 0.45, 0.12, 0.07, 0.02, 0.80, 0.66, 0.031),
    VersionProfile("v1.1", 20, 48, 35_000, 0.45, 0.08, 0.05, 0.02, 0.86, 0.73, 0.027),
    VersionProfile("v2.0", 40, 61, 17_000, 0.40, 0.04, 0.03, 0.015, 0.93, 0.85, 0.019),
)
_RAMP_DAYS = 8.0


@dataclass(frozen=True)
class Reviewer:
    """A human reviewer: how often they are picked and how often they misjudge an item."""

    email: str
    weight: float
    error_rate: float


REVIEWERS: tuple[Reviewer, ...] = (
    Reviewer("alice.nguyen@northwind-risk.example", 0.30, 0.03),
    Reviewer("bruno.costa@northwind-risk.example", 0.25, 0.05),
    Reviewer("chioma.eze@northwind-risk.example", 0.20, 0.08),
    Reviewer("dmitri.volkov@northwind-risk.example", 0.15, 0.15),
    Reviewer("emma.schulz@northwind-risk.example", 0.10, 0.04),
)

#: Users who submit jobs from the web UI; jobs submitted with an API key have ``creator: null``.
CREATORS: tuple[dict[str, Any], ...] = (
    {
        "id": 101,
        "email": "priya.raman@northwind-risk.example",
        "first_name": "Priya",
        "last_name": "Raman",
        "display_name": "Priya Raman",
    },
    {
        "id": 102,
        "email": "tomas.lindqvist@northwind-risk.example",
        "first_name": "Tomás",
        "last_name": "Lindqvist",
        "display_name": "Tomás Lindqvist",
    },
    {
        "id": 117,
        "email": "wei.li@northwind-risk.example",
        "first_name": "Wei",
        "last_name": "Li",
        "display_name": "Wei Li",
    },
    {
        "id": 123,
        "email": "sam.okafor@northwind-risk.example",
        "first_name": "Sam",
        "last_name": "Okafor",
        "display_name": "Sam Okafor",
    },
    {
        "id": 150,
        "email": "svc-ingest@northwind-risk.example",
        "first_name": "",
        "last_name": "",
        "display_name": "svc-ingest",
    },
)


@dataclass(frozen=True)
class AgentProfile:
    """A seeded agent: its name, default number of jobs and grader-score scale."""

    name: str
    default_size: int
    score_scale: float


#: The seeded agents in the order `Sandbox.agent_ids` lists them.
AGENT_PROFILES: tuple[AgentProfile, ...] = (
    AgentProfile("demo", 1500, 1.0),
    AgentProfile("small", 40, 100.0),
    AgentProfile("single", 1, 1.0),
    AgentProfile("empty", 0, 1.0),
    AgentProfile("large", 6000, 100.0),
    AgentProfile("forbidden", 25, 1.0),
)
_PROFILES_BY_NAME = {p.name: p for p in AGENT_PROFILES}

_WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.35)
_HOUR_WEIGHTS = (
    0.25, 0.20, 0.18, 0.18, 0.20, 0.25, 0.35, 0.50, 0.70, 0.85, 0.95, 1.00,
    1.05, 1.15, 1.30, 1.35, 1.30, 1.25, 1.20, 1.10, 0.95, 0.75, 0.50, 0.35,
)  # fmt: skip

_ACTIONS = (
    "Wire transfer",
    "Card payment",
    "ACH deposit",
    "Crypto withdrawal",
    "Refund request",
    "Gift card purchase",
    "Cash deposit",
    "Chargeback",
)
_COUNTERPARTIES = (
    "a new beneficiary",
    "a long-standing supplier",
    "an online marketplace",
    "a recently registered company",
    "a payroll provider",
    "a family member",
    "an electronics retailer",
    "a travel agency",
)
_CITIES = ("Lagos", "Toronto", "Berlin", "São Paulo", "Singapore", "Austin", "Dubai", "Manila", "Kraków")
_SIGNALS: tuple[tuple[str, ...], ...] = (
    (
        "matches the customer's usual pattern",
        "recurring monthly payment",
        "known device and location",
        "long-standing counterparty",
        "salary deposit from a registered employer",
        "small amount within the daily limit",
    ),
    (
        "IP address geolocated to a different country",
        "account opened three days ago",
        "several failed card attempts beforehand",
        "beneficiary added minutes before the transfer",
        "amount just under the reporting threshold",
        "funds moved on immediately after arrival",
    ),
    (
        "counterparty appears on a sanctions watchlist",
        "customer disputes having made the transaction",
        "possible account takeover reported by the customer",
        "large cash deposit with no stated source",
    ),
)
_CUSTOMERS = ("acme", "globex", "initech", "umbrella", "hooli", "soylent", "stark")
_REGIONS = ("us-east", "us-west", "eu-west", "ap-south")
_COUNTRIES = ("US", "CA", "DE", "BR", "SG", "NG", "AE", "PH", "PL")
_RETRY_ERRORS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Upstream model provider rate limited the request", {"provider": "openai", "http_status": 429}),
    ("Model request timed out after 30s", {"timeout_s": 30}),
    ("Connection reset by peer", {"errno": 104}),
)
_FAILURE_ERRORS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Output failed schema validation", {"stage": "output", "missing_fields": ["verdict"]}),
    ("Exceeded maximum retries", {"stage": "model", "retries": 3}),
    ("Tool call returned an error", {"stage": "tool", "tool": "sanctions_lookup", "http_status": 500}),
)
_PDF_FAILURE = ("Document could not be parsed", {"stage": "extract", "exception": "PDFSyntaxError"})
_INCIDENT_FAILURE = ("Upstream model provider unavailable", {"provider": "openai", "http_status": 503})
_APPROVE_COMMENTS = ("", "", "Looks right.", "Agree with the verdict.", "Confirmed against the statement.")
_REJECT_COMMENTS = (
    "Verdict does not match the transaction pattern.",
    "Missed the watchlist hit.",
    "Customer history explains this; not suspicious.",
    "",
)
_GRADER_FEEDBACK = ("", "", "Verdict consistent with the evidence.", "Rationale cites the wrong signal.")


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


def _lognormal(rng: random.Random, mu: float, sigma: float) -> float:
    # ``Random.gauss`` is several times faster than ``lognormvariate``'s ``normalvariate``.
    return math.exp(rng.gauss(mu, sigma))


def _uuid4(rng: random.Random) -> str:
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _version_table() -> list[tuple[float, ...]]:
    """Cumulative version shares for each day of the window (linear canary ramps)."""
    table = []
    for day in range(WINDOW_DAYS + 2):
        mid = day + 0.5
        weights = []
        for index, version in enumerate(VERSIONS):
            ramp_in = 1.0 if index == 0 else min(max((mid - version.first_day) / _RAMP_DAYS, 0.0), 1.0)
            ramp_out = 1.0 if index == len(VERSIONS) - 1 else min(max((version.last_day - mid) / _RAMP_DAYS, 0.0), 1.0)
            weights.append(ramp_in * ramp_out)
        total = sum(weights)
        running = 0.0
        cumulative = []
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        table.append(tuple(cumulative))
    return table


_VERSION_TABLE = _version_table()


def _pick(cumulative: tuple[float, ...], draw: float) -> int:
    for index, bound in enumerate(cumulative):
        if draw < bound:
            return index
    return len(cumulative) - 1


@dataclass
class _Item:
    """One input set; every job that runs it shares ``inputs`` (the same list object)."""

    inputs: list[dict[str, str]]
    truth: int
    has_pdf: bool
    customer: str
    region: str
    last_success: dict[str, tuple[str, float]]


class _Generator:
    """Draws one agent's jobs; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, *, seed: int, agent: str, stream: str = "seed") -> None:
        self.rng = random.Random(f"roe-sandbox/{seed}/{agent}/{stream}")
        self.agent = agent
        profile = _PROFILES_BY_NAME.get(agent)
        self.scale = profile.score_scale if profile else 1.0
        self.items: list[_Item | None] = []
        self.case_prefix = "".join(ch for ch in agent.upper() if ch.isalnum())[:3] or "AGT"

    # -- creation times ---------------------------------------------------------------------------

    def created_times(self, n: int) -> list[int]:
        """``n`` sorted creation instants following the weekly, diurnal and growth pattern."""
        rng = self.rng
        days = WINDOW_DAYS + 1
        day_weights = []
        for day in range(days):
            weekday = (WINDOW_START.weekday() + day) % 7
            weight = _WEEKDAY_FACTOR[weekday] * (1.0 + 0.5 * day / WINDOW_DAYS)
            day_weights.append(weight * (0.5 if day == days - 1 else 1.0))
        picked_days = rng.choices(range(days), weights=day_weights, k=n)
        picked_hours = rng.choices(range(24), weights=_HOUR_WEIGHTS, k=n)
        latest = REFERENCE_US - 15 * US_PER_MINUTE
        times = []
        for day, hour in zip(picked_days, picked_hours, strict=True):
            moment = WINDOW_START_US + day * US_PER_DAY + hour * US_PER_HOUR + int(rng.random() * US_PER_HOUR)
            while moment > latest:
                # Only the last day's afternoon can overshoot; fold it back into that morning.
                moment -= 12 * US_PER_HOUR
            times.append(moment)
        times.sort()
        return times

    # -- items ------------------------------------------------------------------------------------

    def item(self, index: int) -> _Item:
        while len(self.items) <= index:
            self.items.append(None)
        found = self.items[index]
        if found is None:
            found = self._new_item(index)
            self.items[index] = found
        return found

    def _sentence(self, truth: int) -> str:
        rng = self.rng
        signals = []
        for _ in range(1 + (rng.random() < 0.5)):
            pool = _SIGNALS[truth] if rng.random() < 0.75 else _SIGNALS[int(rng.random() * 3)]
            signal = pool[int(rng.random() * len(pool))]
            if signal not in signals:
                signals.append(signal)
        amount = round(math.exp(rng.gauss(6.5, 1.4)), 2)
        return (
            f"{_ACTIONS[int(rng.random() * len(_ACTIONS))]} of ${amount:,.2f} to "
            f"{_COUNTERPARTIES[int(rng.random() * len(_COUNTERPARTIES))]} in "
            f"{_CITIES[int(rng.random() * len(_CITIES))]}; {' and '.join(signals)}."
        )

    def _new_item(self, index: int) -> _Item:
        rng = self.rng
        truth = _pick(_TRUTH_CUM, rng.random())
        case = f"CASE-{self.case_prefix}-{index + 1:06d}"
        inputs: list[dict[str, str]] = [
            {"key": "case_id", "description": "Case identifier", "data_type": "text/plain", "value": case}
        ]
        kind = rng.random()
        has_pdf = False
        if kind < 0.45 or kind >= 0.85:
            inputs.append(
                {
                    "key": "transaction_description",
                    "description": "Free-text description of the activity",
                    "data_type": "text/plain",
                    "value": self._sentence(truth),
                }
            )
        if 0.45 <= kind < 0.65 or kind >= 0.85:
            has_pdf = True
            stem = ("bank_statement", "invoice", "id_document")[int(rng.random() * 3)]
            inputs.append(
                {
                    "key": "document",
                    "description": "Supporting document",
                    "data_type": "application/pdf",
                    "value": f"https://files.roe-sandbox.example/uploads/{rng.getrandbits(64):016x}.pdf",
                    "file_name": f"{stem}_{index + 1:05d}.pdf",
                }
            )
        if 0.65 <= kind < 0.85:
            record = {
                "amount": round(math.exp(rng.gauss(6.5, 1.4)), 2),
                "currency": "USD",
                "country": _COUNTRIES[int(rng.random() * len(_COUNTRIES))],
                "account_age_days": int(math.exp(rng.gauss(5.5 - 2.0 * (truth > 0), 1.2))),
                "merchant_category": ("6051", "5732", "4829", "5411", "7995")[int(rng.random() * 5)],
                "prior_alerts": int(rng.random() * 4) if truth else 0,
            }
            inputs.append(
                {
                    "key": "transaction",
                    "description": "Structured transaction record",
                    "data_type": "application/json",
                    "value": json.dumps(record),
                }
            )
        if kind >= 0.93:
            inputs.append(
                {
                    "key": "receipt",
                    "description": "Photo of the receipt",
                    "data_type": "image/png",
                    "value": f"https://files.roe-sandbox.example/uploads/{rng.getrandbits(64):016x}.png",
                    "file_name": f"receipt_{index + 1:05d}.png",
                }
            )
        return _Item(
            inputs=inputs,
            truth=truth,
            has_pdf=has_pdf,
            customer=_CUSTOMERS[int(rng.random() * len(_CUSTOMERS))],
            region=_REGIONS[int(rng.random() * len(_REGIONS))],
            last_success={},
        )

    # -- one job ----------------------------------------------------------------------------------

    def job(self, created: int, item: _Item, *, running: int | None = None, now: int = REFERENCE_US) -> dict:
        """Build one job created at ``created`` running ``item``.

        Args:
            created: creation instant (µs since the epoch).
            item: the input set.
            running: force a job that is still running with this last status (0, 1 or 2).
            now: the instant the data is observed at; later events have not happened yet.
        """
        rng = self.rng
        job_id = _uuid4(rng)
        day = min(max((created - WINDOW_START_US) // US_PER_DAY, 0), len(_VERSION_TABLE) - 1)
        version = VERSIONS[_pick(_VERSION_TABLE[day], rng.random())]
        in_incident = _INCIDENT_US[0] <= created < _INCIDENT_US[1]
        channel_draw = rng.random()
        channel = "api" if channel_draw < 0.5 else "web" if channel_draw < 0.8 else "batch"
        creator = CREATORS[int(rng.random() * len(CREATORS))] if channel == "web" else None
        metadata: dict[str, str]
        if rng.random() < 0.08:
            metadata = {}
        else:
            metadata = {"customer": item.customer, "region": item.region, "channel": channel}
            if channel == "batch":
                metadata["batch_id"] = f"b-{format_us(created)[:10]}-{1 + int(rng.random() * 4)}"

        # Events as (status, instant, extra) so the spelling is decided once, at the end.
        events: list[tuple[int, int, dict[str, Any] | None]] = [(PENDING, created, None)]
        t = created + int(_lognormal(rng, math.log(800_000), 0.6))
        retries = 0
        cached_from = item.last_success.get(version.name)
        verdict: int | None = None
        confidence = 0.0
        cost: float | None = None
        correct = False
        if running is not None:
            # Spread the few events between creation and `now` so none lies in the future.
            span = max(now - created, 3)
            if running >= STARTED:
                events.append((STARTED, created + span // 3, None))
            if running == RETRY:
                message, details = _RETRY_ERRORS[int(rng.random() * len(_RETRY_ERRORS))]
                extra: dict[str, Any] = {"error_message": message, "error_details": {**details, "attempt": 1}}
                events.append((RETRY, created + 2 * span // 3, extra))
            status = running
        elif cached_from is not None and rng.random() < 0.3:
            events.append((CACHED, created + 40_000 + int(rng.random() * 360_000), None))
            status = CACHED
            verdict = VERDICTS.index(cached_from[0])
            confidence = cached_from[1]
            correct = verdict == item.truth
            cost = 0.0
        else:
            events.append((STARTED, t, None))
            retry_rate = 0.55 if in_incident else version.retry_rate
            slow = (2.2 if in_incident else 1.0) * (1.5 if item.has_pdf else 1.0)
            run = int(_lognormal(rng, math.log(version.median_run_ms * 1000 * slow), version.run_sigma))
            while retries < 3 and rng.random() < retry_rate:
                retries += 1
                t += int(run * rng.uniform(0.1, 0.6))
                message, details = _RETRY_ERRORS[int(rng.random() * len(_RETRY_ERRORS))]
                extra = {"error_message": message, "error_details": {**details, "attempt": retries}}
                events.append((RETRY, t, extra))
                t += int(min(2**retries, 10) * US_PER_SECOND * rng.uniform(1.0, 1.5))
                events.append((STARTED, t, None))
            outcome = rng.random()
            failure_rate = 0.45 if in_incident else version.failure_rate
            base_cost = version.base_cost * _lognormal(rng, 0.0, 0.3) * (1.8 if item.has_pdf else 1.0)
            base_cost *= 1.0 + 0.5 * retries
            if outcome < failure_rate:
                t += int(run * rng.uniform(0.2, 0.9))
                if in_incident:
                    message, details = _INCIDENT_FAILURE
                elif item.has_pdf and rng.random() < 0.4:
                    message, details = _PDF_FAILURE
                else:
                    message, details = _FAILURE_ERRORS[int(rng.random() * len(_FAILURE_ERRORS))]
                events.append((FAILURE, t, {"error_message": message, "error_details": dict(details)}))
                status = FAILURE
                cost = round(base_cost * 0.5, 5)
            elif outcome < failure_rate + version.cancel_rate:
                t += int(run * rng.uniform(0.05, 0.5))
                events.append((CANCELLED, t, None))
                status = CANCELLED
                cost = round(base_cost * 0.2, 5)
            else:
                t += run
                events.append((SUCCESS, t, None))
                status = SUCCESS
                cost = round(base_cost, 5)
                accuracy = version.accuracy * (0.8 if item.truth == 2 else 1.0)
                correct = rng.random() < accuracy
                if correct:
                    verdict = item.truth
                    confidence = round(0.72 + 0.27 * rng.random() ** 0.7, 3)
                else:
                    verdict = (item.truth + 1 + (rng.random() < 0.35)) % 3
                    confidence = round(0.5 + 0.4 * rng.random(), 3)
                if rng.random() < 0.08:
                    hit = t
                    for _ in range(1 + (rng.random() < 0.4)):
                        hit += int(_lognormal(rng, math.log(6 * US_PER_HOUR), 1.0))
                        events.append((CACHED, hit, {"count": 1 + int(rng.random() * 12)}))

        # Events after `now` have not happened: the job is still running at `now`.
        if events[-1][1] > now and running is None:
            kept = [event for event in events if event[1] <= now]
            trailing_only = all(code == CACHED for code, _, _ in events[len(kept) :]) and status == SUCCESS
            events = kept
            if not trailing_only:
                status = events[-1][0] if events[-1][0] in RUNNING_CODES else STARTED
                verdict, cost = None, None
        # A cache hit's only non-CACHED event is PENDING, so its duration is 0 by the spec's rule.
        end = next(at for code, at, _ in reversed(events) if code != CACHED)
        finished = status not in RUNNING_CODES
        duration = (end - events[0][1]) // 1000 if finished else None
        if verdict is not None and status == SUCCESS:
            item.last_success[version.name] = (VERDICTS[verdict], confidence)

        ui_fields: dict[str, Any] = {}
        if verdict is not None:
            ui_fields = {"verdict": VERDICTS[verdict], "confidence": confidence, "cost": cost}
        elif cost is not None:
            ui_fields = {"cost": cost}

        evaluation, review, updated, updated_text = self._evaluation_and_review(
            status=status, verdict=verdict, correct=correct, item=item, version=version,
            end=end, in_incident=in_incident, updated=events[-1][1], now=now,
        )  # fmt: skip

        # Formatting dominates generation time, so a string is reused wherever the instant repeats.
        created_text = format_us(created)
        suffix = "+00:00" if created < _EVENT_FORMAT_CHANGE_US else "Z"
        status_events = []
        text = created_text
        for code, at, more in events:
            text = created_text if at == created and suffix == "Z" else format_us(at, suffix=suffix)
            event: dict[str, Any] = {"timestamp": text, "status_code": code}
            if more:
                event.update(more)
            status_events.append(event)
        if updated_text is None:
            updated_text = text if suffix == "Z" else format_us(updated)
        return {
            "id": job_id,
            "agent_version_name": version.name,
            "status_events": status_events,
            "status_code": status,
            "created_at": created_text,
            "last_updated_at": updated_text,
            "duration_ms": duration,
            "job_inputs": item.inputs,
            "metadata": metadata,
            "ui_fields": ui_fields,
            "evaluation": evaluation,
            "feedback_review": review,
            "review_state": review_state_of(review),
            "creator": creator,
        }

    def _score(self, value: float) -> float:
        value = min(max(value, 0.0), 1.0)
        return round(value, 3) if self.scale == 1.0 else round(value * self.scale, 1)

    def _evaluation_and_review(
        self,
        *,
        status: int,
        verdict: int | None,
        correct: bool,
        item: _Item,
        version: VersionProfile,
        end: int,
        in_incident: bool,
        updated: int,
        now: int,
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int, str | None]:
        """The evaluation, the review, and the job's new last update (µs, and its text if it moved)."""
        rng = self.rng
        updated_text: str | None = None
        evaluation: dict[str, Any] | None = None
        eval_chance = {SUCCESS: 0.9, FAILURE: 0.3, CACHED: 0.2}.get(status, 0.0)
        evaluated_at = end + int(rng.uniform(2.0, 90.0) * US_PER_SECOND)
        if rng.random() < eval_chance and evaluated_at <= now:
            if status == FAILURE:
                raw = rng.uniform(0.0, 0.2)
            else:
                raw = version.score_mean + (0.10 if correct else -0.22) + rng.gauss(0.0, 0.07)
                raw -= 0.05 if in_incident else 0.0
            grader = None if rng.random() < 0.05 else self._score(raw)
            reference = {"verdict": VERDICTS[item.truth]} if rng.random() < 0.2 else None
            evaluated_text = format_us(evaluated_at)
            evaluation = {
                "reference": reference,
                "human_score": None,
                "grader_score": grader,
                "feedback": _GRADER_FEEDBACK[int(rng.random() * len(_GRADER_FEEDBACK))],
                "created_at": evaluated_text,
                "updated_at": evaluated_text,
            }
            if evaluated_at > updated:
                updated, updated_text = evaluated_at, evaluated_text

        review: dict[str, Any] | None = None
        if verdict is not None and rng.random() < 0.55:
            reviewer = REVIEWERS[_pick(_REVIEWER_CUM, rng.random())]
            reviewed_at = end + int(_lognormal(rng, math.log(5 * US_PER_HOUR), 1.2))
            if reviewed_at > now or rng.random() < 0.08:
                review = {
                    "review_status": "pending",
                    "corrected_verdict": None,
                    "review_comment": "",
                    "reviewed_at": None,
                    "reviewed_by": None,
                }
            else:
                belief = item.truth
                if rng.random() < reviewer.error_rate:
                    belief = (belief + 1 + (rng.random() < 0.5)) % 3
                approved = belief == verdict
                corrected = None if approved or rng.random() < 0.15 else VERDICTS[belief]
                comments = _APPROVE_COMMENTS if approved else _REJECT_COMMENTS
                reviewed_text = format_us(reviewed_at)
                review = {
                    "review_status": "approved" if approved else "rejected",
                    "corrected_verdict": corrected,
                    "review_comment": comments[int(rng.random() * len(comments))],
                    "reviewed_at": reviewed_text,
                    "reviewed_by": reviewer.email,
                }
                if reviewed_at > updated:
                    updated, updated_text = reviewed_at, reviewed_text
                if evaluation is not None and rng.random() < 0.7:
                    human = rng.uniform(0.75, 1.0) if approved else rng.uniform(0.0, 0.45)
                    evaluation["human_score"] = self._score(human)
                    if reviewed_at > evaluated_at:
                        evaluation["updated_at"] = reviewed_text
        return evaluation, review, updated, updated_text

    # -- a whole agent ----------------------------------------------------------------------------

    def jobs(self, n: int) -> list[tuple[int, dict]]:
        """``n`` jobs with their creation instants, oldest first."""
        if n <= 0:
            return []
        times = self.created_times(n)
        n_running = 0 if n < 30 else min(max(1, round(n * 0.006)), 12)
        for k in range(n_running):
            # Just-submitted jobs: the newest few are still queued, running or retrying.
            times[n - n_running + k] = REFERENCE_US - (n_running - k) * 37 * US_PER_SECOND - k * 1_250
        n_items = max(1, int(n * 0.4))
        out = []
        for index, created in enumerate(times):
            item = self.item(int(self.rng.random() * n_items))
            running = (index - (n - n_running)) % 3 if index >= n - n_running else None
            out.append((created, self.job(created, item, running=running)))
        return out


_REVIEWER_CUM = tuple(
    sum(r.weight for r in REVIEWERS[: i + 1]) / sum(r.weight for r in REVIEWERS) for i in range(len(REVIEWERS))
)


def _newest_first(timed: list[tuple[int, dict]]) -> list[dict]:
    # The API's default ordering is -created_at with the id (ascending) breaking ties: two stable sorts.
    timed = sorted(timed, key=lambda pair: pair[1]["id"])
    timed.sort(key=lambda pair: pair[0], reverse=True)
    return [job for _, job in timed]


def generate_jobs(
    n: int,
    *,
    seed: int = 0,
    agent: str = "demo",
    special_cases: bool = False,
    legacy_shape: bool = False,
) -> list[dict[str, Any]]:
    """Generate ``n`` realistic jobs of one agent, newest first (the API's default order).

    The same arguments always give equal records. ``agent`` seeds the draws and, for the seeded agent
    names (``demo``, ``small``, ``large``, ...), picks the grader-score scale (0–1 or 0–100). Nested
    objects may be shared between records: copy before mutating.

    Args:
        n: number of jobs.
        seed: the random seed.
        agent: the agent's name.
        special_cases: also apply the deliberate oddities of `SPECIAL_CASES` (needs ~20 jobs).
        legacy_shape: leave out ``review_state`` and ``creator`` (the published spec's exact shape).

    Returns:
        Job records shaped like the API's ``results`` items.

    Examples:
        >>> jobs = generate_jobs(3, seed=1)
        >>> [job["agent_version_name"] for job in jobs] == [
        ...     job["agent_version_name"] for job in generate_jobs(3, seed=1)
        ... ]
        True
        >>> sorted(jobs[0])[:4]
        ['agent_version_name', 'created_at', 'creator', 'duration_ms']
    """
    jobs, _ = generate_agent(n, seed=seed, agent=agent, special_cases=special_cases)
    if legacy_shape:
        return [without_sdk_fields(job) for job in jobs]
    return jobs


def without_sdk_fields(job: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``job`` without ``review_state`` and ``creator`` (the spec's exact shape)."""
    return {key: value for key, value in job.items() if key not in ("review_state", "creator")}


def generate_agent(
    n: int, *, seed: int, agent: str, special_cases: bool
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Jobs newest first, and the ids of the special and example jobs by name."""
    generator = _Generator(seed=seed, agent=agent)
    # Millions of small acyclic containers: without this the cyclic collector rescans the growing
    # heap over and over and generation takes twice as long.
    collecting = gc.isenabled()
    gc.disable()
    try:
        timed = generator.jobs(n)
    finally:
        if collecting:
            gc.enable()
    specials: dict[str, str] = {}
    if special_cases:
        jobs = [job for _, job in timed]
        specials = _apply_special_cases(jobs)
        specials.update(_pick_examples(jobs, exclude=set(specials.values())))
    return _newest_first(timed), specials


def new_job(*, seed: int, agent: str, serial: int, created: int, status_code: int = PENDING) -> dict:
    """A freshly submitted job created at ``created`` (µs), for mutations and insert faults.

    Its input set and id come from a separate random stream keyed by ``serial``, so adding jobs never
    changes the seeded ones. A running ``status_code`` (0–2) gives a job still in flight at
    ``created``; any other code gives a job that finished two seconds later (SUCCESS with a verdict).
    """
    generator = _Generator(seed=seed, agent=agent, stream=f"new/{serial}")
    item = generator._new_item(1_000_000 + serial)
    if status_code in RUNNING_CODES:
        return generator.job(created, item, running=status_code, now=created)
    job = generator.job(created, item, running=STARTED, now=created + US_PER_SECOND)
    extra = {"error_message": "Cancelled by user"} if status_code == CANCELLED else {}
    append_status(job, status_code, created + 2 * US_PER_SECOND, **extra)
    if status_code in (SUCCESS, CACHED):
        job["ui_fields"] = {"verdict": VERDICTS[item.truth], "confidence": 0.9, "cost": 0.02}
    job["last_updated_at"] = format_us(created + 2 * US_PER_SECOND)
    return job


def append_status(job: dict[str, Any], status_code: int, at: int, **extra: Any) -> None:
    """Append a status event at ``at`` (µs), set the job's status and recompute ``duration_ms``."""
    event: dict[str, Any] = {"timestamp": format_us(at), "status_code": status_code}
    event.update({key: value for key, value in extra.items() if value is not None})
    job["status_events"] = [*job["status_events"], event]
    if status_code != CACHED or job["status_code"] in RUNNING_CODES:
        job["status_code"] = status_code
    job["duration_ms"] = compute_duration_ms(job["status_events"], job["status_code"])


# -- special cases ------------------------------------------------------------------------------------

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


def _apply_special_cases(jobs: list[dict[str, Any]]) -> dict[str, str]:
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


def _pick_examples(jobs: list[dict[str, Any]], *, exclude: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, predicate in EXAMPLES.items():
        for job in jobs:
            if job["id"] not in exclude and predicate(job):
                found[name] = job["id"]
                break
    return found
