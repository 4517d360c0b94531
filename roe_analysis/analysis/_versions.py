"""Which two versions a comparison shows by default: the rule the notebooks and the A/B picker share."""

from __future__ import annotations

from collections.abc import Sequence

from roe_analysis.analysis._units import MIN_N
from roe_analysis.frames import JobFrames, versions_in_order


def default_version_pair(
    frames: JobFrames,
    versions: Sequence[str] | None = None,
    *,
    a: str | None = None,
    b: str | None = None,
) -> tuple[str | None, str | None]:
    """The versions compared by default: the two newest with at least `MIN_N` (10) jobs each.

    A small rollout (a canary of a few jobs) is too small to tell anything, so it is skipped; when
    fewer than two versions have that many jobs, the newest versions are used whatever their size.
    ``versions`` is the order (default: `versions_in_order`, by first job). A side given as ``a`` or
    ``b`` is kept and the other side is the newest remaining version. ``None`` for a side there is
    no version for.

    Examples:
        >>> import roe_analysis as ra
        >>> jobs = [{"id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": v, "status_code": 3,
        ...          "created_at": f"2026-05-{d:02d}T10:00:00Z"}
        ...         for n, (v, d) in enumerate([("v1", 1)] * 10 + [("v2", 2)] * 12 + [("canary", 3)] * 4)]
        >>> frames = ra.JobFrames.from_records(jobs, agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> default_version_pair(frames), default_version_pair(frames, b="canary")
        (('v1', 'v2'), ('v2', 'canary'))
    """
    order = versions_in_order(frames) if versions is None else list(versions)
    counts = dict(frames.jobs.group_by("agent_version_name").len().iter_rows())
    big = [v for v in order if counts.get(v, 0) >= MIN_N or v in (a, b)]
    chosen = big if len(big) >= 2 else order
    others = [v for v in chosen if v not in (a, b)]
    if a is None and b is None:
        return (others[-2] if len(others) > 1 else None), (others[-1] if others else None)
    if a is None:
        return (others[-1] if others else None), b
    if b is None:
        return a, (others[-1] if others else None)
    return a, b
