"""Seeded synthetic jobs that look like a real Roe AI agent's history.

Everything is a pure function of ``(seed, agent name, size)``: a ``random.Random`` seeded with a
string (stable across Python versions and processes) drives every draw, and all times are measured
back from the fixed `REFERENCE_TIME`, never from the wall clock, so the same seed gives byte-identical
JSON.

What is true in the data (so analyses have something real to find):

* Three agent versions roll out over the 60 days before `REFERENCE_TIME` with 8-day canary overlaps:
  ``v1.0`` (days 0–28), ``v1.1`` (days 20–48), ``v2.0`` (days 40–60). See `VERSIONS` for each one's
  run-time median, retry/failure rates, verdict accuracy, grader-score mean and self-reported cost
  (``ui_fields.cost``; what a job is billed is the results endpoint's, see the package docstring);
  ``v2.0`` is about twice as fast as ``v1.1`` and scores higher.
* Volume grows ~50% over the window, dips at weekends (Sat 45%, Sun 35%) and follows a UTC diurnal
  curve peaking 14:00–17:00.
* An upstream outage on 2026-05-05 14:00–16:30 UTC: 45% failures, frequent retries, 2.2x run times.
* Each job runs one *item* (an identical input set with a hidden true label); items are re-run ~3
  times on average, across versions, and reviewed by different reviewers, so reviewer agreement can be
  measured on items. True labels are skewed: 70% "Not Suspicious", 22% "Suspicious", 8% "Needs
  Escalation". Reviewers see the truth except for a personal error rate (`REVIEWERS`), so they approve
  most verdicts.
* A ``v2.1-canary`` (`CANARY`) takes 10% of freshly drawn jobs from 2026-05-29: a version with very
  few jobs (4 of the demo agent's 1,500; 1 of ``small``'s 40).

Shapes real data has, which analyses must recover rather than trip over (counts: seed 0, the demo
agent as `Sandbox` serves it, special cases included; ``tests/sandbox/test_sandbox_data.py``):

* **Reruns within a version, correlated.** 30% of jobs (``RERUN_SHARE``) rerun the input of one of the
  last 30 jobs on that job's version (at most ``RERUN_MAX`` = 6 runs of one input per version come from
  reruns). Of the demo's 810 (input, version) pairs over 496 inputs, 368 have two or more runs (364
  have 2–6, the most is 8). Each input carries a persistent effect shared by all its runs: one
  standard-normal difficulty shifts the grader score (sd 0.08 on the 0–1 scale) and the verdict
  accuracy (sd 0.06), and a log-normal factor (sigma 0.3) scales its run time; so runs of one input
  are not independent (grader-score ICC ≈ 0.51 among successful reruns). Cache hits (PENDING → CACHED)
  duplicate an earlier run's verdict. The job, not the input, is the row: the input is the unit.
* **Rejections without a corrected verdict**: 15% of rejections leave ``corrected_verdict`` null
  (39 of the demo's 160 rejections); they are still disagreements.
* **Approved reviews with a correction** (contradictory): 1.5% of approvals carry a
  ``corrected_verdict`` naming another label than the approved verdict (7 of 552).
* **Labels differing in case or surrounding spaces**: 2% of agent verdicts and 6% of corrections are
  spelled ``"not suspicious"``, ``" Suspicious "``, ``"NEEDS ESCALATION"`` or ``"suspicious "`` (39
  verdicts and 5 corrections); they are the same three labels. The ``verdict`` filter matches exactly.
* **One version name, several score scales**: ``demo``, ``small`` and ``large`` share the version
  names (``v1.0``, ``v1.1``, ``v2.0``, ``v2.1-canary``) but ``demo`` grades 0–1 and ``small``/``large``
  0–100 (`AgentProfile.score_scale`): pooling their scores mixes scales.
* **A reviewer re-reviewing**: dmitri.volkov (error rate 15%) is picked again, with chance 0.6, for a
  run of an input he already reviewed, so he reviews 48 demo inputs more than once (the others, by
  chance alone: 26, 23, 18 and 4). His repeated judgements measure his self-consistency, and count
  once per input as a coder.
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
