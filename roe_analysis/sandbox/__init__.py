"""A local HTTP server that behaves like the production Roe AI jobs API.

Everything in roe-analysis is built and tested against this sandbox: there is no network access to
the real API, and the demo and notebooks run on it. It serves ``GET /v1/agents/{agent_id}/jobs/`` as
``roe-agent-jobs-openapi.yaml`` (next to this file) describes it, with the behaviour of the Django
REST Framework service behind it: page-number pagination with absolute ``next``/``previous`` links
and ``404 Invalid page.`` past the end, every filter and ordering key of the spec, DRF's 400 bodies,
Bearer-token authentication with 401/403/404.

Design:

* ``_data`` generates seeded synthetic jobs (`generate_jobs`) relative to a fixed
  `REFERENCE_TIME`, so the same seed gives byte-identical responses. Its docstring lists what is
  true in the data (version profiles, daily pattern, an outage, reviewer error rates) so analyses
  can be checked against the truth. It puts together ``_profiles`` (those fixed parameters:
  `VERSIONS`, `REVIEWERS`, `AGENT_PROFILES`, the time window, the word pools), ``_generate`` (the
  seeded draws, one agent's jobs and ``new_job`` for mutations) and ``_special`` (`SPECIAL_CASES`
  and the example jobs).
* ``_status`` has the status codes and the derived fields (`compute_duration_ms`, ``review_state``);
  ``_timefmt`` keeps instants as integer microseconds and spells them the way DRF does.
* ``_records`` has `JobRecord`: one job with its sort keys, search tokens and cached JSON bytes.
* ``_store`` holds every agent's jobs behind one lock, caches each job's JSON bytes, sorted orders
  and query results (a 100-job page costs a join of cached bytes), and applies mutations.
* ``_query`` parses parameters, filters, orders and paginates like DRF and django-filter.
* ``_faults`` holds deterministic, counter-driven faults (`Faults.parse` documents the syntax).
* ``_server`` has the one seam, ``JobsApi.handle(method, target, headers) -> Response``, and a
  threaded HTTP/1.1 keep-alive server around it; ``_sandbox`` ties them into `Sandbox` and `serve`.
* ``pytest_plugin`` (registered as ``roe_sandbox``) provides the ``roe_sandbox`` fixtures.

Choices where production is unspecified (documented so tests can rely on them):

* ``verdict`` (comma list) matches a job whose agent verdict (``ui_fields.verdict``) *or* reviewer
  correction (``feedback_review.corrected_verdict``) is exactly one of the values (case and spaces
  count); ``review_state`` (comma list of ``unreviewed``/``agreed``/``disagreed``) filters on the
  derived state.
* ``limit`` applies after the filters: the ``limit`` most recently created matches are kept, then
  ordered and paged, so ``count`` never exceeds it (default 100,000; 0 = no cap).
* ``job_inputs`` is a case-sensitive substring of any input value; ``search`` a case-insensitive
  substring of the id, the version name or an input value; ``job_id`` and ``version_name`` are exact.
* ``semantic_string``: similarity = share of the query's word tokens (stop words dropped) present in
  the job's input values; only jobs with similarity > 0, most similar first (ties in the default
  order) unless ``ordering`` is given.
* ``cost``, ``duration`` and ``grader_score`` orderings put nulls last in both directions; every
  ordering ends with ascending ``id``. Unknown ordering keys are ignored; none valid = default
  ``-created_at``. A repeated parameter counts with its last value, as Django reads it.
* ``status_code`` of a job whose last events are trailing CACHED hits stays that of its own outcome
  (3); a job served from cache (PENDING → CACHED) has status 6 and ``duration_ms`` 0 by the
  spec's rule (its last non-CACHED event is the PENDING).
* Errors are ``{"message": ...}`` (``error_style="detail"``: ``{"detail": ...}``), including the 404
  for an invalid page; 400 is always ``{field: [messages]}``. A missing ``organization_id`` is
  accepted; a malformed one is 400, another organization's is 403. Only GET (and HEAD) are served:
  other methods get 405 after authentication.
* The deliberate ``"timestamp": null`` event breaks the spec (``timestamp`` is a required string)
  and the official SDK; it is there because real data has it.

Examples:
    >>> import httpx
    >>> with Sandbox(seed=0) as sb:
    ...     r = httpx.get(
    ...         sb.jobs_url("single"),
    ...         params={"organization_id": sb.organization_id},
    ...         headers={"Authorization": f"Bearer {sb.api_key}"},
    ...     )
    >>> r.json()["count"], r.json()["next"], r.headers["content-type"]
    (1, None, 'application/json')
"""

from __future__ import annotations

from roe_analysis.sandbox._data import generate_jobs
from roe_analysis.sandbox._faults import (
    DeleteJobs,
    DropConnection,
    ErrorStatus,
    FaultRule,
    Faults,
    InsertJobs,
    Latency,
    TruncateBody,
)
from roe_analysis.sandbox._profiles import AGENT_PROFILES, CANARY, REFERENCE_TIME, REVIEWERS, VERSIONS
from roe_analysis.sandbox._sandbox import Sandbox, serve
from roe_analysis.sandbox._server import RequestRecord
from roe_analysis.sandbox._special import SPECIAL_CASES
from roe_analysis.sandbox._status import compute_duration_ms

__all__ = [
    "AGENT_PROFILES",
    "CANARY",
    "REFERENCE_TIME",
    "REVIEWERS",
    "SPECIAL_CASES",
    "VERSIONS",
    "DeleteJobs",
    "DropConnection",
    "ErrorStatus",
    "FaultRule",
    "Faults",
    "InsertJobs",
    "Latency",
    "RequestRecord",
    "Sandbox",
    "TruncateBody",
    "compute_duration_ms",
    "generate_jobs",
    "serve",
]
