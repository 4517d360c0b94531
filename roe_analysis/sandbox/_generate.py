"""The seeded draws: `Generator` builds one agent's jobs, `new_job` one freshly submitted job.

Every draw goes through one ``random.Random`` in a fixed order, so the order of the calls here is
part of the data: moving one draw before another changes every job after it.
"""

from __future__ import annotations

import json
import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from roe_analysis.sandbox._profiles import (
    ACTIONS,
    APPROVE_COMMENTS,
    APPROVED_CORRECTION_RATE,
    CANARY,
    CANARY_SHARE,
    CANARY_START_US,
    CITIES,
    CORRECTION_VARIANT_RATE,
    COUNTERPARTIES,
    COUNTRIES,
    CREATORS,
    CUSTOMERS,
    EVENT_FORMAT_CHANGE_US,
    FAILURE_ERRORS,
    GRADER_FEEDBACK,
    HOUR_WEIGHTS,
    INCIDENT_FAILURE,
    INCIDENT_US,
    ITEM_ACCURACY_SD,
    ITEM_RUN_SIGMA,
    ITEM_SCORE_SD,
    LABEL_VARIANT_RATE,
    PDF_FAILURE,
    PROFILES_BY_NAME,
    RAMP_DAYS,
    REFERENCE_US,
    REGIONS,
    REJECT_COMMENTS,
    REREVIEW_RATE,
    REREVIEWER_EMAIL,
    RERUN_MAX,
    RERUN_SHARE,
    RERUN_WINDOW,
    RETRY_ERRORS,
    REVIEWERS,
    SIGNALS,
    TRUTH_CUM,
    VERDICTS,
    VERSIONS,
    VERSIONS_BY_NAME,
    WEEKDAY_FACTOR,
    WINDOW_DAYS,
    WINDOW_START,
    WINDOW_START_US,
    VersionProfile,
)
from roe_analysis.sandbox._status import (
    CACHED,
    CANCELLED,
    FAILURE,
    PENDING,
    RETRY,
    RUNNING_CODES,
    STARTED,
    SUCCESS,
    append_status,
    review_state_of,
)
from roe_analysis.sandbox._timefmt import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, format_us


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
            ramp_in = 1.0 if index == 0 else min(max((mid - version.first_day) / RAMP_DAYS, 0.0), 1.0)
            ramp_out = 1.0 if index == len(VERSIONS) - 1 else min(max((version.last_day - mid) / RAMP_DAYS, 0.0), 1.0)
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


def _respell(label: str, rng: random.Random) -> str:
    """The label as production sometimes writes it: another case or stray surrounding spaces."""
    kind = int(rng.random() * 4)
    return (label.lower(), f" {label} ", label.upper(), f"{label.lower()} ")[kind]


def _pick(cumulative: tuple[float, ...], draw: float) -> int:
    for index, bound in enumerate(cumulative):
        if draw < bound:
            return index
    return len(cumulative) - 1


@dataclass
class _Item:
    """One input set: its runs share ``inputs`` (one list), effects, and ``reviewers`` (`REVIEWERS` indices)."""

    inputs: list[dict[str, str]]
    truth: int
    has_pdf: bool
    customer: str
    region: str
    last_success: dict[str, tuple[str, float]]
    score_effect: float = 0.0
    accuracy_effect: float = 0.0
    run_factor: float = 1.0
    reviewers: set[int] = field(default_factory=set)


class Generator:
    """Draws one agent's jobs; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, *, seed: int, agent: str, stream: str = "seed") -> None:
        self.rng = random.Random(f"roe-sandbox/{seed}/{agent}/{stream}")
        self.agent = agent
        profile = PROFILES_BY_NAME.get(agent)
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
            weight = WEEKDAY_FACTOR[weekday] * (1.0 + 0.5 * day / WINDOW_DAYS)
            day_weights.append(weight * (0.5 if day == days - 1 else 1.0))
        picked_days = rng.choices(range(days), weights=day_weights, k=n)
        picked_hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
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
            pool = SIGNALS[truth] if rng.random() < 0.75 else SIGNALS[int(rng.random() * 3)]
            signal = pool[int(rng.random() * len(pool))]
            if signal not in signals:
                signals.append(signal)
        amount = round(math.exp(rng.gauss(6.5, 1.4)), 2)
        return (
            f"{ACTIONS[int(rng.random() * len(ACTIONS))]} of ${amount:,.2f} to "
            f"{COUNTERPARTIES[int(rng.random() * len(COUNTERPARTIES))]} in "
            f"{CITIES[int(rng.random() * len(CITIES))]}; {' and '.join(signals)}."
        )

    def _new_item(self, index: int) -> _Item:
        rng = self.rng
        truth = _pick(TRUTH_CUM, rng.random())
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
                "country": COUNTRIES[int(rng.random() * len(COUNTRIES))],
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
        customer = CUSTOMERS[int(rng.random() * len(CUSTOMERS))]
        region = REGIONS[int(rng.random() * len(REGIONS))]
        difficulty = rng.gauss(0.0, 1.0)
        return _Item(
            inputs=inputs,
            truth=truth,
            has_pdf=has_pdf,
            customer=customer,
            region=region,
            last_success={},
            score_effect=ITEM_SCORE_SD * difficulty,
            accuracy_effect=ITEM_ACCURACY_SD * difficulty,
            run_factor=_lognormal(rng, 0.0, ITEM_RUN_SIGMA),
        )

    # -- one job ----------------------------------------------------------------------------------

    def job(
        self,
        created: int,
        item: _Item,
        *,
        running: int | None = None,
        now: int = REFERENCE_US,
        version: VersionProfile | None = None,
    ) -> dict:
        """Build one job created at ``created`` running ``item``.

        Args:
            created: creation instant (µs since the epoch).
            item: the input set.
            running: force a job that is still running with this last status (0, 1 or 2).
            now: the instant the data is observed at; later events have not happened yet.
            version: run this version (a rerun) instead of drawing one from the rollout.
        """
        rng = self.rng
        job_id = _uuid4(rng)
        if version is None:
            day = min(max((created - WINDOW_START_US) // US_PER_DAY, 0), len(_VERSION_TABLE) - 1)
            version = VERSIONS[_pick(_VERSION_TABLE[day], rng.random())]
            if created >= CANARY_START_US and rng.random() < CANARY_SHARE:
                version = CANARY
        in_incident = INCIDENT_US[0] <= created < INCIDENT_US[1]
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
                message, details = RETRY_ERRORS[int(rng.random() * len(RETRY_ERRORS))]
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
            slow = (2.2 if in_incident else 1.0) * (1.5 if item.has_pdf else 1.0) * item.run_factor
            run = int(_lognormal(rng, math.log(version.median_run_ms * 1000 * slow), version.run_sigma))
            while retries < 3 and rng.random() < retry_rate:
                retries += 1
                t += int(run * rng.uniform(0.1, 0.6))
                message, details = RETRY_ERRORS[int(rng.random() * len(RETRY_ERRORS))]
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
                    message, details = INCIDENT_FAILURE
                elif item.has_pdf and rng.random() < 0.4:
                    message, details = PDF_FAILURE
                else:
                    message, details = FAILURE_ERRORS[int(rng.random() * len(FAILURE_ERRORS))]
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
                accuracy = version.accuracy * (0.8 if item.truth == 2 else 1.0) + item.accuracy_effect
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
            label = VERDICTS[verdict]
            if rng.random() < LABEL_VARIANT_RATE:
                label = _respell(label, rng)
            ui_fields = {"verdict": label, "confidence": confidence, "cost": cost}
        elif cost is not None:
            ui_fields = {"cost": cost}

        evaluation, review, updated, updated_text = self._evaluation_and_review(
            status=status, verdict=verdict, correct=correct, item=item, version=version,
            end=end, in_incident=in_incident, updated=events[-1][1], now=now,
        )  # fmt: skip

        # Formatting dominates generation time, so a string is reused wherever the instant repeats.
        created_text = format_us(created)
        suffix = "+00:00" if created < EVENT_FORMAT_CHANGE_US else "Z"
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
                raw = version.score_mean + (0.10 if correct else -0.22) + item.score_effect + rng.gauss(0.0, 0.07)
                raw -= 0.05 if in_incident else 0.0
            grader = None if rng.random() < 0.05 else self._score(raw)
            reference = {"verdict": VERDICTS[item.truth]} if rng.random() < 0.2 else None
            evaluated_text = format_us(evaluated_at)
            evaluation = {
                "reference": reference,
                "human_score": None,
                "grader_score": grader,
                "feedback": GRADER_FEEDBACK[int(rng.random() * len(GRADER_FEEDBACK))],
                "created_at": evaluated_text,
                "updated_at": evaluated_text,
            }
            if evaluated_at > updated:
                updated, updated_text = evaluated_at, evaluated_text

        review: dict[str, Any] | None = None
        if verdict is not None and rng.random() < 0.55:
            if _REREVIEWER in item.reviewers and rng.random() < REREVIEW_RATE:
                index = _REREVIEWER
            else:
                index = _pick(_REVIEWER_CUM, rng.random())
            reviewer = REVIEWERS[index]
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
                if approved:
                    contradictory = rng.random() < APPROVED_CORRECTION_RATE
                    corrected = VERDICTS[(verdict + 1) % 3] if contradictory else None
                else:
                    corrected = None if rng.random() < 0.15 else VERDICTS[belief]
                if corrected is not None and rng.random() < CORRECTION_VARIANT_RATE:
                    corrected = _respell(corrected, rng)
                item.reviewers.add(index)
                comments = APPROVE_COMMENTS if approved else REJECT_COMMENTS
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
        rng = self.rng
        out = []
        # The last RERUN_WINDOW jobs' (input, version): a rerun repeats one of them soon after.
        recent: deque[tuple[int, VersionProfile]] = deque(maxlen=RERUN_WINDOW)
        runs: dict[tuple[int, str], int] = {}
        for index, created in enumerate(times):
            version: VersionProfile | None = None
            if recent and rng.random() < RERUN_SHARE:
                item_index, version = recent[int(rng.random() * len(recent))]
                if runs[item_index, version.name] >= RERUN_MAX:
                    version = None
            if version is None:
                item_index = int(rng.random() * n_items)
            running = (index - (n - n_running)) % 3 if index >= n - n_running else None
            job = self.job(created, self.item(item_index), running=running, version=version)
            out.append((created, job))
            ran = VERSIONS_BY_NAME[job["agent_version_name"]]
            runs[item_index, ran.name] = runs.get((item_index, ran.name), 0) + 1
            recent.append((item_index, ran))
        return out


_REREVIEWER = next(index for index, reviewer in enumerate(REVIEWERS) if reviewer.email == REREVIEWER_EMAIL)
_REVIEWER_CUM = tuple(
    sum(r.weight for r in REVIEWERS[: i + 1]) / sum(r.weight for r in REVIEWERS) for i in range(len(REVIEWERS))
)


def new_job(*, seed: int, agent: str, serial: int, created: int, status_code: int = PENDING) -> dict:
    """A freshly submitted job created at ``created`` (µs), for mutations and insert faults.

    Its input set and id come from a separate random stream keyed by ``serial``, so adding jobs never
    changes the seeded ones. A running ``status_code`` (0–2) gives a job still in flight at
    ``created``; any other code gives a job that finished two seconds later (SUCCESS with a verdict).
    """
    generator = Generator(seed=seed, agent=agent, stream=f"new/{serial}")
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
