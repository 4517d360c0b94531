"""A local HTTP server that behaves like the production Roe AI API.

Everything in roe-analysis is built and tested against this sandbox: there is no network access to
the real API, and the demo and notebooks run on it. It serves four endpoints with the behaviour of
the Django REST Framework service behind them, and Bearer-token authentication (401) on all of them:

* ``GET /v1/agents/{agent_id}/jobs/`` as ``roe-agent-jobs-openapi.yaml`` (next to this file)
  describes it: page-number pagination with absolute ``next``/``previous`` links and ``404 Invalid
  page.`` past the end, every filter and ordering key of the spec, DRF's 400 bodies, 403/404;
* ``GET /v1/agents/``, ``GET /v1/agents/{agent_id}/versions/`` and ``POST /v1/agents/jobs/results/``
  as the full public document ``roe-openapi-1-0-93.yaml`` (next to this file; published as
  ``roe-openapi-1-0-93.yml``) describes them: ``PaginatedBaseAgentList``, a list of
  ``AgentVersion``, a list of ``AgentJobResultItem``.

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
* ``_catalog`` builds the agents, versions and tags (`DELETED_VERSIONS`, the draft); ``_results``
  a job's billed usage and outputs (`RESULT_CASES`); ``_body`` reads a request body as DRF does.
* ``_faults`` holds deterministic, counter-driven faults (`Faults.parse` documents the syntax); the
  response faults act on every route, the data faults after a jobs page.
* ``_server`` has the one seam, ``JobsApi.handle(method, target, headers, body) -> Response``, and a
  threaded HTTP/1.1 keep-alive server around it (bodies up to 10 MB, else 413); ``_sandbox`` ties
  them into `Sandbox` and `serve`. Besides the URLs (`Sandbox.jobs_url`, ``versions_url``,
  ``agents_url``, ``results_url``), `Sandbox` hands tests the truth as served: ``jobs``,
  ``versions``, ``version_ids``, ``job_result`` and ``job_results``.
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
* Errors are ``{"message": ...}`` (``error_style="detail"``: ``{"detail": ...}``, the 1.0.93
  document's ``ErrorDetailResponse``), on every route, including the 404 for an invalid page and
  the 400 of a JSON parse error; 400 validation bodies are DRF's ``{field: [messages]}``. A missing
  ``organization_id`` is accepted, except by the agents list, whose spec requires it (400
  ``{"organization_id": ["This field is required."]}``); a malformed one is 400, another
  organization's is 403. The lists serve GET and HEAD, the results POST; other methods get 405
  after authentication. The request log (`RequestRecord`) notes each request's body size and, for
  the results, how many ids it listed.
* The deliberate ``"timestamp": null`` event breaks the spec (``timestamp`` is a required string)
  and the official SDK; it is there because real data has it.

The agents list (``GET /v1/agents/``):

* One ``BaseAgent`` per seeded agent, the ``forbidden`` one included (the key may see that it exists
  and its ``job_count``, but not read its jobs, versions or results): ``name`` is
  `AgentProfile.title` (``demo`` is "Transaction screening"), ``tags`` its `AGENT_TAGS`,
  ``job_count`` its number of jobs now, ``most_recent_job`` its newest job's ``created_at`` (null
  for ``empty``), ``current_version_id`` the newest listed version of `VERSIONS` (``v2.0`` where it
  ran; a canary or the draft is never current while a main-line version is listed).
  ``include_job_stats=false`` (or ``0``) makes ``job_count`` and ``most_recent_job`` null.
* Ordered newest created first (ties by id); ``created_at`` is a few hours before the agent's oldest
  version, ``updated_at`` its newest version's ``created_at``. DRF page-number pagination as on the
  jobs list (default 20, at most 100, ``404 Invalid page.``). The other filters of the spec are
  ignored.

The versions list (``GET /v1/agents/{agent_id}/versions/``; 404 "Agent not found.", 403 forbidden):

* One ``AgentVersion`` per version the agent's *seeded* jobs ran (mutations never add or remove one),
  plus the draft `DRAFT_VERSION` (``v2.2-draft``, model ``gpt-4.1``, no jobs, ``readonly`` false;
  every other version is ``readonly``), newest first; ``created_at`` is the version's rollout start
  (day ``first_day`` of the window), the draft's `DRAFT_CREATED`. Ids are derived from the seed, the
  agent and the version name.
* The ``demo`` agent's ``v2.1-canary`` was deleted after it ran (`DELETED_VERSIONS`): it is not
  listed, and the results endpoint answers its 4 jobs with ``agent_version_id`` null.
* ``engine_config`` carries the version's model (`VERSION_MODELS`) under ``model``, except ``v1.0``,
  configured by an older engine that called it ``llm_model``: a reader of ``model`` finds none.
  ``v1.1`` has ``creator`` null (created with an API key). The nested ``base_agent`` is the full
  ``BaseAgent`` without job statistics (``job_count`` and ``most_recent_job`` null).
* Fields the official SDK requires that the 1.0.93 document lacks are served too (the
  ``legacy_shape`` leaves them out): ``supports_memory`` and ``post_actions`` of a version,
  ``skill_generation_state`` of an agent, ``private`` of a tag.

The bulk results (``POST /v1/agents/jobs/results/``, body ``{"job_ids": [...]}``):

* The body is read as DRF reads it: none is ``{}``; invalid JSON is 400 ``JSON parse error -
  <Python's message>``; a media type other than JSON or a form is 415. ``job_ids`` is a
  ``ListField(child=UUIDField(), allow_empty=False, max_length=1000)``: missing → ``["This field is
  required."]``, null → ``["This field may not be null."]``, not a list → ``['Expected a list of
  items but got type "str".']``, empty → ``["This list may not be empty."]``, more than 1,000 →
  ``["Ensure this field has no more than 1000 elements."]`` (checked after the items). A bad item
  is reported under its index, as DRF's ``ListField`` does: ``{"job_ids": {"2": ["Must be a valid
  UUID."]}}``; that body is outside the spec's 400 schema (array or string per field), a second
  deliberate divergence. Any form ``uuid.UUID`` accepts is an id (upper case, braces, no hyphens;
  an integer is a UUID's integer form).
* The answer lists the requested jobs that exist, in request order, each once; unknown ids are left
  out. A job of an agent the key may not read makes the whole request 403 ("You do not have
  permission to access one or more of these jobs.").
* An item: ``status`` is the job's ``status_code``, ``inputs`` its ``job_inputs``,
  ``agent_version_id`` its version's id in the versions list (null if not listed), ``result`` one
  ``AgentDatum`` per ``ui_fields`` key (a string as ``text/plain``, anything else as JSON text and
  ``application/json``, each with the job's billed ``cost``) for SUCCESS and CACHED jobs and null for
  the others, ``corrected_outputs`` one ``verdict`` datum with the reviewer's
  ``corrected_verdict``, or null.

What is true in the results (so cost analyses have something real to find):

* **Prices** (`MODELS`, USD per 1M input / output tokens; the model of each version in
  `VERSION_MODELS`): ``v1.0`` gpt-4o 2.50 / 10.00, ``v1.1`` gpt-4o-mini 0.15 / 0.60, ``v2.0`` o1
  15.00 / 60.00, ``v2.1-canary`` o3-mini 1.10 / 4.40, the draft gpt-4.1 2.00 / 8.00.
* **Tokens**, drawn per job from ``random.Random(f"roe-sandbox/{seed}/usage/{job_id}")`` (never from
  the jobs' stream, so the jobs endpoint is unchanged). One attempt's input is the version's
  ``prompt_tokens`` (`VersionProfile`: ``v1.0`` 1,400, ``v1.1`` 1,100, ``v2.0`` 1,800, canary
  1,700) + ceil(characters of the input values other than PDFs and images / 4) + ~2,400 per PDF
  (log-normal, sigma 0.5) + 765 per image; the job's input tokens are that times 1 + its RETRY
  events, times a jitter in [0.97, 1.03]. The output is log-normal around the version's
  ``output_tokens`` (420, 380, 900 with reasoning, 1,300; sigma 0.35), times 1 + 0.25 per RETRY.
  A SUCCESS job spends it all; a FAILURE a share uniform in [0.3, 0.8] of both, a CANCELLED one in
  [0.05, 0.3]; a CACHED job (served from cache) 0 and 0 at cost 0.0; a running job (0, 1, 2) has
  tokens, cost and result null; a job whose version has no known model (a mutation's made-up
  version) has tokens and cost null.
* **Cost** = ``round(input_tokens * price_in / 1e6 + output_tokens * price_out / 1e6, 6)``.
* **A real cost–quality trade-off**: ``v2.0`` scores best and is approved most (85% of the demo's
  reviews, against 75% for ``v1.1`` and 73% for ``v1.0``), and is by far the most expensive per
  job; ``v1.1`` is the cheapest; ``v1.0`` is dominated (costlier than ``v1.1``, worse than both).
  A clean text-only SUCCESS costs about $0.0081 on ``v1.0``, $0.0004 on ``v1.1``, $0.085 on
  ``v2.0`` and $0.0080 on the canary. The demo agent's mean billed cost per job (jobs with a cost;
  seed 0) is **v1.1 $0.000506 < v1.0 $0.009462 < v2.0 $0.086126** (canary $0.008094, 3 jobs); the
  ``large_input`` job is the most expensive one ($0.55575).
* **Two costs that disagree**: ``ui_fields.cost`` (served by the jobs list, and as the ``cost``
  datum of a result) is the agent's own estimate from `VersionProfile.base_cost`; the billed
  ``cost`` of the results endpoint comes from the tokens. They differ on every job; over the demo's
  SUCCESS jobs the estimates add up to 3.9x the bill for ``v1.0``, 65x for ``v1.1`` and 0.25x for
  ``v2.0``, so the two costs even rank the versions differently. Real data has both.
* **Odd results** of the demo agent (`RESULT_CASES`, ids in `Sandbox.special_job_ids`), each on an
  ordinary SUCCESS job of a main-line version: three with ``output_tokens`` 0 but input tokens
  (``no_output_tokens_1``..``_3``; cost = input only), one whose ``result`` is ``[]``
  (``empty_result``), and the newest SUCCESS job with tokens but ``cost`` null (billing lag;
  ``cost_not_billed``; its data carry no ``cost``).

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

from roe_analysis.sandbox._catalog import DELETED_VERSIONS
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
from roe_analysis.sandbox._profiles import (
    AGENT_PROFILES,
    AGENT_TAGS,
    CANARY,
    DRAFT_CREATED,
    DRAFT_VERSION,
    MODELS,
    REFERENCE_TIME,
    REVIEWERS,
    VERSION_MODELS,
    VERSIONS,
    AgentProfile,
    ModelPrice,
    VersionProfile,
)
from roe_analysis.sandbox._results import RESULT_CASES
from roe_analysis.sandbox._sandbox import Sandbox, serve
from roe_analysis.sandbox._server import RequestRecord
from roe_analysis.sandbox._special import SPECIAL_CASES
from roe_analysis.sandbox._status import compute_duration_ms

__all__ = [
    "AGENT_PROFILES",
    "AGENT_TAGS",
    "CANARY",
    "DELETED_VERSIONS",
    "DRAFT_CREATED",
    "DRAFT_VERSION",
    "MODELS",
    "REFERENCE_TIME",
    "RESULT_CASES",
    "REVIEWERS",
    "SPECIAL_CASES",
    "VERSIONS",
    "VERSION_MODELS",
    "AgentProfile",
    "DeleteJobs",
    "DropConnection",
    "ErrorStatus",
    "FaultRule",
    "Faults",
    "InsertJobs",
    "Latency",
    "ModelPrice",
    "RequestRecord",
    "Sandbox",
    "TruncateBody",
    "VersionProfile",
    "compute_duration_ms",
    "generate_jobs",
    "serve",
]
