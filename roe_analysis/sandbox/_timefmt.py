"""Instants as integer microseconds since the Unix epoch, and their ISO 8601 spellings.

The generator works on integers because formatting a million timestamps through ``datetime`` objects
is the slowest part of building 200,000 jobs; the date part of a string is cached per day, so a
timestamp costs one ``divmod`` chain and one f-string.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * US_PER_DAY) + (delta.seconds * US_PER_SECOND) + delta.microseconds


def from_us(us: int) -> datetime:
    """The aware UTC datetime of a microsecond count."""
    return _EPOCH + timedelta(microseconds=us)


_DAY_PREFIXES: dict[int, str] = {}
_CLOCK_FACES: list[str] = []


def _day_prefix(day: int) -> str:
    prefix = _DAY_PREFIXES[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
    if not _CLOCK_FACES:
        # All 86,400 "HH:MM:SS" strings, built once: indexing is several times cheaper than formatting.
        _CLOCK_FACES.extend(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
    return prefix


def format_us(us: int, *, suffix: str = "Z") -> str:
    """Spell an instant the way Django REST Framework does.

    DRF writes ``isoformat()`` with ``+00:00`` replaced by ``Z``, so the fraction is present only when
    the microseconds are not zero. ``suffix="+00:00"`` gives the spelling Python code that stores
    timestamps in JSON columns produces.

    Examples:
        >>> format_us(1_780_315_200_000_000)
        '2026-06-01T12:00:00Z'
        >>> format_us(1_780_315_200_250_000, suffix="+00:00")
        '2026-06-01T12:00:00.250000+00:00'
    """
    seconds, micros = divmod(us, US_PER_SECOND)
    day, second_of_day = divmod(seconds, 86_400)
    prefix = _DAY_PREFIXES.get(day) or _day_prefix(day)
    if micros:
        return f"{prefix}{_CLOCK_FACES[second_of_day]}.{micros:06d}{suffix}"
    return f"{prefix}{_CLOCK_FACES[second_of_day]}{suffix}"


def format_us_in_offset(us: int, offset_minutes: int) -> str:
    """Spell an instant in a fixed non-UTC offset, e.g. ``+05:30`` (same instant, other wall time)."""
    zone = timezone(timedelta(minutes=offset_minutes))
    return from_us(us).astimezone(zone).isoformat()


def parse_instant(text: str) -> int:
    """Microseconds since the epoch of an ISO 8601 string; a naive string is taken as UTC.

    Raises:
        ValueError: if ``text`` is not an ISO 8601 date or date-time.
    """
    moment = datetime.fromisoformat(text)
    return to_us(moment)
