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

The parameters are in ``_profiles``, the draws in ``_generate`` and the oddities in ``_special``; this
module puts them together into an agent's jobs, newest first.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

from roe_analysis.sandbox._generate import Generator
from roe_analysis.sandbox._special import apply_special_cases, pick_examples


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
    generator = Generator(seed=seed, agent=agent)
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
        specials = apply_special_cases(jobs)
        specials.update(pick_examples(jobs, exclude=set(specials.values())))
    return _newest_first(timed), specials
