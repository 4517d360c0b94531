"""`filter_frames`: narrow `JobFrames` to some versions, statuses, dates, metadata or reviewers.

A pure function, so the notebook widgets, the notebooks and user code all filter the same way: the
``jobs`` frame is filtered and the three child frames keep the rows of the jobs that remain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from roe_analysis._schema import STATUS_NAMES
from roe_analysis.api import parse_status_codes
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, closest_match
from roe_analysis.frames._job_frames import JobFrames

#: Every status name a job can have (``UNKNOWN`` is a code outside the API's 0..6).
STATUSES: tuple[str, ...] = (*STATUS_NAMES.values(), "UNKNOWN")

DateBound = datetime | date | str


def versions_in_order(frames: JobFrames) -> list[str]:
    """The agent versions of ``frames`` by their first job's creation time (then name), oldest first.

    The order in which versions were rolled out, which names alone do not give (``v10`` sorts before
    ``v9``).

    Examples:
        >>> import roe_analysis as ra
        >>> jobs = [{"id": f"00000000-0000-4000-8000-00000000000{n}", "agent_version_name": v, "status_code": 3,
        ...          "created_at": f"2026-05-0{n}T10:00:00Z"} for n, v in ((1, "v9"), (2, "v10"), (3, "v9"))]
        >>> versions_in_order(ra.JobFrames.from_records(jobs, agent_id="00000000-0000-4000-8000-0000000000aa"))
        ['v9', 'v10']
    """
    first = (
        frames.jobs.filter(pl.col("agent_version_name").is_not_null())
        .group_by("agent_version_name")
        .agg(pl.col("created_at").min())
        .sort("created_at", "agent_version_name", nulls_last=True)
    )
    return first.get_column("agent_version_name").to_list()


def _names(name: str, values: Iterable[str] | None) -> list[str] | None:
    """``values`` as a list of strings; a bare string is refused (it would filter by its characters)."""
    if values is None:
        return None
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidArgumentError(
            f"{name} must be a list of strings such as [{values!r}], or None for no filter; got {values!r}."
        )
    out = list(values)
    bad = [v for v in out if not isinstance(v, str)]
    if bad:
        raise InvalidArgumentError(f"{name} must hold strings only; got {bad!r}.")
    return out


def _statuses(values: Iterable[str] | None) -> list[str] | None:
    names = _names("statuses", values)
    if names is None:
        return None
    out = []
    for value in names:
        upper = value.strip().upper()
        if upper not in STATUSES:
            close = closest_match(value, STATUSES)
            hint = f" Did you mean {close!r}?" if close else ""
            raise InvalidArgumentError(f"unknown status {value!r}; statuses are {list(STATUSES)}.{hint}")
        out.append(upper)
    return out


def _bound(name: str, value: DateBound | None) -> tuple[datetime | None, bool]:
    """``(instant in UTC, is a whole day)``: a `date`, or a string without a time, is a whole UTC day."""
    if value is None:
        return None, False
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        except ValueError:
            raise InvalidArgumentError(
                f"{name} must be a date ('2026-05-01') or an ISO 8601 date-time with a time zone "
                f"('2026-05-01T00:00:00Z'); got {value!r}."
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(
                f"{name} is a naive datetime ({value.isoformat()}): give it a time zone, e.g. "
                f"datetime(..., tzinfo=datetime.UTC), or pass a date for a whole UTC day."
            )
        return value.astimezone(UTC), False
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC), True
    raise InvalidArgumentError(f"{name} must be a datetime, a date or an ISO 8601 string; got {type(value).__name__}.")


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise InvalidArgumentError(f"metadata must be a mapping such as {{'customer': 'acme'}}; got {metadata!r}.")
    bad = {k: v for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)}
    if bad:
        raise InvalidArgumentError(f"metadata keys and values must be strings; got {bad!r}.")
    return dict(metadata)


def filter_frames(
    frames: JobFrames,
    *,
    version_name: str | Iterable[str] | None = None,
    status_code: int | str | Iterable[int | str] | None = None,
    created_from: DateBound | None = None,
    created_to: DateBound | None = None,
    metadata: Mapping[str, str] | None = None,
    reviewers: Iterable[str] | None = None,
    versions: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> JobFrames:
    """The jobs that match every given filter, with their status events, inputs and metadata.

    ``None`` means "no filter" for each argument; an empty list matches no job (a multi-select with
    nothing selected). Rows keep their order; the frames keep their schema.

    Args:
        frames: the loaded jobs.
        version_name: the version(s) to keep: one name or a list, spelled as in `load_jobs`.
        status_code: the status(es) to keep, read as `load_jobs` reads them: a code, a name
            (``"SUCCESS"``, ``"failure"``…; case-insensitive), a comma list or a list of them.
        versions: the same as ``version_name`` with a list (kept for code written before).
        statuses: status names to keep, ``"UNKNOWN"`` included (kept for code written before).
        created_from: keep jobs created at or after this instant. A `date` (or ``"2026-05-01"``)
            means the start of that UTC day.
        created_to: keep jobs created at or before this instant, like the API's ``created_to``. A
            `date` means the whole UTC day is included.
        metadata: keep jobs whose metadata holds every one of these key/value pairs exactly.
        reviewers: keep jobs reviewed by one of these (``reviewed_by``); unreviewed jobs drop out.

    Returns:
        New `JobFrames`; ``query`` is the original one with the filters recorded under
        ``"local_filters"``.

    Raises:
        InvalidArgumentError: an unknown status, a naive datetime, ``created_from`` after
            ``created_to``, or a bare string where a list is expected.

    Examples:
        >>> import roe_analysis as ra
        >>> def job(n, version, status, created, customer):
        ...     return {"id": f"00000000-0000-4000-8000-00000000000{n}", "agent_version_name": version,
        ...             "status_code": status, "created_at": created, "metadata": {"customer": customer},
        ...             "job_inputs": [{"key": "text", "value": f"case {n}"}]}
        >>> frames = ra.JobFrames.from_records(
        ...     [job(1, "v1", 3, "2026-05-01T10:00:00Z", "acme"), job(2, "v2", 4, "2026-05-02T10:00:00Z", "acme"),
        ...      job(3, "v2", 3, "2026-05-03T10:00:00Z", "globex")],
        ...     agent_id="00000000-0000-4000-8000-0000000000aa",
        ... )
        >>> kept = filter_frames(frames, version_name="v2", metadata={"customer": "acme"})
        >>> kept.jobs.get_column("id").to_list(), kept.inputs.get_column("value").to_list()
        (['00000000-0000-4000-8000-000000000002'], ['case 2'])
        >>> filter_frames(frames, created_to="2026-05-02").jobs.height
        2
        >>> filter_frames(frames, status_code="SUCCESS").jobs.get_column("id").to_list()
        ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000003']
    """
    if not isinstance(frames, JobFrames):
        raise ArgumentTypeError(
            f"filter_frames needs JobFrames (from a load, JobFrames.load or JobFrames.from_records); "
            f"got {type(frames).__name__}."
        )
    if version_name is not None and versions is not None:
        raise InvalidArgumentError("pass version_name=... or its older spelling versions=..., not both.")
    if status_code is not None and statuses is not None:
        raise InvalidArgumentError("pass status_code=... or its older spelling statuses=..., not both.")
    version_list = [version_name] if isinstance(version_name, str) else _names("version_name", version_name)
    if versions is not None:
        version_list = _names("versions", versions)
    status_list = _statuses(statuses)
    codes = parse_status_codes(status_code)
    if codes is not None:
        status_list = [STATUS_NAMES.get(code, "UNKNOWN") for code in codes]
    start, _ = _bound("created_from", created_from)
    stop, whole_day = _bound("created_to", created_to)
    if whole_day and stop is not None:
        stop += timedelta(days=1)  # the whole day: up to, not including, the next midnight
    if start is not None and stop is not None and start > stop:
        raise InvalidArgumentError(f"created_from ({start.isoformat()}) is after created_to ({stop.isoformat()}).")
    pairs = _metadata(metadata)
    reviewer_list = _names("reviewers", reviewers)

    created = pl.col("created_at")
    conditions: list[pl.Expr] = []
    if version_list is not None:
        conditions.append(pl.col("agent_version_name").is_in(version_list))
    if status_list is not None:
        conditions.append(
            pl.col("status_code").is_in(list(codes))
            if codes is not None
            else pl.col("status").cast(pl.String).is_in(status_list)
        )
    if start is not None:
        conditions.append(created >= start)
    if stop is not None:
        conditions.append(created < stop if whole_day else created <= stop)
    if reviewer_list is not None:
        conditions.append(pl.col("reviewed_by").is_in(reviewer_list))
    for key, value in (pairs or {}).items():
        matching = frames.metadata.filter((pl.col("key") == key) & (pl.col("value") == value))
        conditions.append(pl.col("id").is_in(matching.get_column("job_id").implode()))
    if not conditions:
        return frames

    jobs = frames.jobs.filter(pl.all_horizontal(conditions).fill_null(False))
    recorded = {
        "versions": version_list,
        "statuses": status_list,
        "created_from": None if created_from is None else str(created_from),
        "created_to": None if created_to is None else str(created_to),
        "metadata": pairs,
        "reviewers": reviewer_list,
    }
    return frames.with_jobs(jobs, query={**frames.query, "local_filters": recorded})
