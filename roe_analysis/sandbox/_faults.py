"""Deterministic faults: the ways a real API and the network between fail, on a counter.

A `Faults` value is an ordered tuple of rules. Every rule counts its own events: response rules
(`ErrorStatus`, `Latency`, `DropConnection`, `TruncateBody`) count requests to any served route (the
jobs, versions and agents lists and the bulk results; not unknown paths); data rules (`InsertJobs`,
`DeleteJobs`) count jobs pages served with 200. The k-th event fires the
rule when ``k > after``, ``(k - after) % every == 0`` and the rule has fired fewer than ``times``
times, so a test can say "only the 2nd request" (``every=2,times=1``) and assert exact behaviour.
When several response rules fire on one request, every firing latency is slept and the first listed
of the others decides the response; the rest are spent all the same.

Spec syntax (for the CLI and `Faults.parse`), rules separated by ``;``::

    RULE    := HEAD [":" OPTION ("," OPTION)*]
    HEAD    := 429 | 500 | 502 | 503 | 504     answer with this status
             | latency=DURATION               sleep before answering (200ms, 1.5s; bare number = ms)
             | drop                           close the connection without a response
             | truncate                       send only half of the body
             | insert=N                       after the page, add N new jobs created "now"
             | delete=N                       after the page, delete its first N jobs
    OPTION  := every=N | after=N | times=N    the trigger (defaults 1, 0, unlimited)
             | retry_after=SECONDS            429 only: the Retry-After header (default 1)
             | html=1                         502/503/504 only: an HTML body, like a load balancer
             | mode=length|json               truncate only: Content-Length promises more than is
                                              sent, then the connection closes (length, default),
                                              or the cut body is sent whole with a matching
                                              Content-Length, so it is just invalid JSON (json)

Example: ``429:every=3,retry_after=1;500:every=5;latency=200ms;drop:every=7,times=1;insert=5:after=1``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

ERROR_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True, kw_only=True)
class FaultRule:
    """The trigger every rule has.

    Attributes:
        every: fire on every ``every``-th counted event (after ``after``).
        after: never fire on the first ``after`` events.
        times: fire at most this many times (``None`` = no limit).
    """

    every: int = 1
    after: int = 0
    times: int | None = None

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"every must be at least 1, not {self.every}")
        if self.after < 0:
            raise ValueError(f"after must be at least 0, not {self.after}")
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be at least 0, not {self.times}")

    def _head(self) -> str:
        raise NotImplementedError

    def _options(self) -> list[str]:
        return []

    def spec(self) -> str:
        """This rule in `Faults.parse` syntax."""
        options = self._options()
        if self.every != 1:
            options.append(f"every={self.every}")
        if self.after:
            options.append(f"after={self.after}")
        if self.times is not None:
            options.append(f"times={self.times}")
        return self._head() + (":" + ",".join(options) if options else "")


@dataclass(frozen=True)
class ErrorStatus(FaultRule):
    """Answer with an error status instead of the real response.

    Attributes:
        status: 429, 500, 502, 503 or 504.
        retry_after: seconds for the ``Retry-After`` header (429 only; default 1).
        html: send an HTML page like a load balancer does (502/503/504 only).
    """

    status: int = 500
    retry_after: int | None = None
    html: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status not in ERROR_STATUSES:
            raise ValueError(f"error status must be one of {ERROR_STATUSES}, not {self.status}")
        if self.retry_after is not None and self.status != 429:
            raise ValueError("retry_after only goes with 429")
        if self.html and self.status not in (502, 503, 504):
            raise ValueError("html only goes with 502, 503 or 504")

    def _head(self) -> str:
        return str(self.status)

    def _options(self) -> list[str]:
        options = []
        if self.retry_after is not None:
            options.append(f"retry_after={self.retry_after}")
        if self.html:
            options.append("html=1")
        return options


@dataclass(frozen=True)
class Latency(FaultRule):
    """Sleep ``seconds`` before answering."""

    seconds: float = 0.0

    def _head(self) -> str:
        return f"latency={round(self.seconds * 1000, 3):g}ms"


@dataclass(frozen=True)
class DropConnection(FaultRule):
    """Close the connection without sending anything."""

    def _head(self) -> str:
        return "drop"


@dataclass(frozen=True)
class TruncateBody(FaultRule):
    """Send only the first half of the body.

    Attributes:
        mode: ``length``: ``Content-Length`` announces the whole body, half is sent, the connection
            closes (the client sees an incomplete read); ``json``: the half is sent as a complete
            response (the client sees invalid JSON).
    """

    mode: Literal["length", "json"] = "length"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mode not in ("length", "json"):
            raise ValueError(f"truncate mode must be 'length' or 'json', not {self.mode!r}")

    def _head(self) -> str:
        return "truncate"

    def _options(self) -> list[str]:
        return [] if self.mode == "length" else [f"mode={self.mode}"]


@dataclass(frozen=True)
class InsertJobs(FaultRule):
    """After a served page, add ``count`` new PENDING jobs created at the sandbox clock's now."""

    count: int = 1

    def _head(self) -> str:
        return f"insert={self.count}"


@dataclass(frozen=True)
class DeleteJobs(FaultRule):
    """After a served page, delete the first ``count`` jobs of that page."""

    count: int = 1

    def _head(self) -> str:
        return f"delete={self.count}"


RESPONSE_RULES = (ErrorStatus, Latency, DropConnection, TruncateBody)
DATA_RULES = (InsertJobs, DeleteJobs)


@dataclass(frozen=True, init=False)
class Faults:
    """An ordered set of fault rules.

    Examples:
        >>> faults = Faults.parse("429:every=3,retry_after=2; latency=150ms; insert=5:after=1")
        >>> faults.rules[0]
        ErrorStatus(every=3, after=0, times=None, status=429, retry_after=2, html=False)
        >>> str(faults)
        '429:retry_after=2,every=3;latency=150ms;insert=5:after=1'
        >>> Faults.parse(str(faults)) == faults
        True
        >>> bool(Faults())
        False
    """

    rules: tuple[FaultRule, ...] = field(default=())

    def __init__(self, *rules: FaultRule) -> None:
        for rule in rules:
            if not isinstance(rule, FaultRule) or type(rule) is FaultRule:
                raise TypeError(f"not a fault rule: {rule!r}")
        object.__setattr__(self, "rules", tuple(rules))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __str__(self) -> str:
        return ";".join(rule.spec() for rule in self.rules)

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Read the spec syntax described in this module's docstring.

        Raises:
            ValueError: naming the rule and what is wrong with it.
        """
        rules = [_parse_rule(part.strip()) for part in spec.split(";") if part.strip()]
        return cls(*rules)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s)?$")


def _duration(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"bad duration {text!r}: write e.g. 200ms or 1.5s")
    number = float(match.group(1))
    return number if match.group(2) == "s" else number / 1000


def _count(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} needs a whole number, not {text!r}") from None


def _parse_rule(text: str) -> FaultRule:
    head, _, option_text = text.partition(":")
    head = head.strip()
    options: dict[str, str] = {}
    for option in option_text.split(","):
        if not option.strip():
            continue
        name, equals, value = option.partition("=")
        if not equals:
            raise ValueError(f"fault {text!r}: option {option.strip()!r} needs a value (name=value)")
        options[name.strip()] = value.strip()
    name, _, value = head.partition("=")
    rule: FaultRule
    try:
        trigger = {key: _count(key, options.pop(key)) for key in ("every", "after", "times") if key in options}
        if name.isdigit():
            retry_after = options.pop("retry_after", None)
            html = options.pop("html", "0").lower() in ("1", "true", "yes")
            rule = ErrorStatus(
                status=int(name),
                retry_after=None if retry_after is None else _count("retry_after", retry_after),
                html=html,
                **trigger,
            )
        elif name == "latency":
            rule = Latency(seconds=_duration(value), **trigger)
        elif name == "drop":
            rule = DropConnection(**trigger)
        elif name == "truncate":
            mode = options.pop("mode", "length")
            if mode not in ("length", "json"):
                raise ValueError(f"truncate mode must be 'length' or 'json', not {mode!r}")
            rule = TruncateBody(mode="json" if mode == "json" else "length", **trigger)
        elif name == "insert":
            rule = InsertJobs(count=_count("insert", value), **trigger)
        elif name == "delete":
            rule = DeleteJobs(count=_count("delete", value), **trigger)
        else:
            raise ValueError(
                f"unknown fault {head!r}: use 429, 500, 502, 503, 504, latency=, drop, truncate, insert= or delete="
            )
    except ValueError as exc:
        raise ValueError(f"fault {text!r}: {exc}") from None
    if options:
        raise ValueError(f"fault {text!r}: unknown option(s) {sorted(options)}")
    return rule


@dataclass(frozen=True)
class Firing:
    """What the response rules decided for one request."""

    delay: float = 0.0
    action: FaultRule | None = None


class FaultState:
    """The active faults and their counters; thread-safe."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.faults = Faults()
        self._events: list[int] = []
        self._fired: list[int] = []
        self.set(faults)

    def set(self, faults: Faults | None) -> None:
        """Replace the rules and restart every counter."""
        with self._lock:
            self.faults = faults or Faults()
            self._events = [0] * len(self.faults.rules)
            self._fired = [0] * len(self.faults.rules)

    def _tick(self, kinds: tuple[type[FaultRule], ...]) -> list[FaultRule]:
        fired = []
        for index, rule in enumerate(self.faults.rules):
            if not isinstance(rule, kinds):
                continue
            self._events[index] += 1
            k = self._events[index] - rule.after
            if k <= 0 or k % rule.every:
                continue
            if rule.times is not None and self._fired[index] >= rule.times:
                continue
            self._fired[index] += 1
            fired.append(rule)
        return fired

    def on_request(self) -> Firing:
        """Count one request to a served route; the latency to add and the rule that shapes the response."""
        with self._lock:
            fired = self._tick(RESPONSE_RULES)
        delay = sum(rule.seconds for rule in fired if isinstance(rule, Latency))
        action = next((rule for rule in fired if not isinstance(rule, Latency)), None)
        return Firing(delay=delay, action=action)

    def on_page_served(self) -> list[FaultRule]:
        """Count one served page; the data rules that fire."""
        with self._lock:
            return self._tick(DATA_RULES)
