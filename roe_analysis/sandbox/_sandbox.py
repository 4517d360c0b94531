"""`Sandbox`: the store, the fault switchboard and the HTTP server behind one object; and `serve`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import EllipsisType, TracebackType
from typing import Any, TextIO

from roe_analysis.sandbox._faults import Faults, FaultState
from roe_analysis.sandbox._profiles import AGENT_PROFILES, REVIEWERS
from roe_analysis.sandbox._query import DEFAULT_ORDERING
from roe_analysis.sandbox._server import ErrorStyle, JobsApi, RequestRecord, SandboxHTTPServer
from roe_analysis.sandbox._store import Clock, JobStore, derived_api_key, derived_uuid
from roe_analysis.sandbox._timefmt import from_us

DEFAULT_PORT = 8765


def _as_faults(faults: Faults | str | None) -> Faults:
    if faults is None:
        return Faults()
    if isinstance(faults, str):
        return Faults.parse(faults)
    return faults


class Sandbox:
    """A local server that behaves like the production Roe AI API's agents, versions and jobs.

    It serves ``GET /v1/agents/`` (`agents_url`), ``GET /v1/agents/{agent_id}/versions/``
    (`versions_url`), ``GET /v1/agents/{agent_id}/jobs/`` (`jobs_url`) and
    ``POST /v1/agents/jobs/results/`` (`results_url`).

    Seeded agents, by name: ``demo`` (1,500 jobs, grader scores 0–1, with the special cases),
    ``small`` (40, scores 0–100), ``single`` (1), ``empty`` (0), ``large`` (6,000, scores 0–100) and
    ``forbidden`` (25; the API key may list it but not read its jobs, versions or results: 403).

    Args:
        seed: the random seed; the same seed gives byte-identical responses.
        host: the interface to listen on.
        port: the port; 0 picks a free one.
        sizes: jobs per agent name, overriding the defaults (e.g. ``{"large": 200_000}``).
        faults: faults active from the start (a `Faults` or its spec string).
        legacy_shape: serve jobs without ``review_state`` and ``creator``, and agents, versions and
            tags without the SDK's ``skill_generation_state``, ``supports_memory``,
            ``post_actions`` and ``private``: exactly the published specs' shapes (the official
            SDK cannot parse them).
        error_style: ``"message"`` answers errors with the spec's ``{"message": ...}``;
            ``"detail"`` with DRF's ``{"detail": ...}`` as the current API does. 400 bodies are
            always DRF's field → messages map.
        clock: the source of "now" for mutations and inserted jobs (default: the wall clock).
            Readings are made strictly increasing at microsecond resolution.

    Examples:
        >>> import httpx
        >>> with Sandbox(seed=0, sizes={"large": 10}) as sb:
        ...     response = httpx.get(
        ...         f"{sb.base_url}/v1/agents/{sb.agents['small']}/jobs/",
        ...         params={"page_size": 5},
        ...         headers={"Authorization": f"Bearer {sb.api_key}"},
        ...     )
        >>> response.status_code, response.json()["count"], len(response.json()["results"])
        (200, 40, 5)
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        sizes: Mapping[str, int] | None = None,
        faults: Faults | str | None = None,
        legacy_shape: bool = False,
        error_style: ErrorStyle = "message",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if error_style not in ("message", "detail"):
            raise ValueError(f"error_style must be 'message' or 'detail', not {error_style!r}")
        known = {profile.name: profile.default_size for profile in AGENT_PROFILES}
        unknown = set(sizes or {}) - set(known)
        if unknown:
            raise ValueError(f"unknown agent name(s) {sorted(unknown)} in sizes; agents are {list(known)}")
        if any(size < 0 for size in (sizes or {}).values()):
            raise ValueError("agent sizes must be >= 0")
        self.seed = seed
        self.host = host
        self.port = port
        self._clock = Clock(clock)
        self._store = JobStore(
            seed=seed, sizes={**known, **(sizes or {})}, legacy_shape=legacy_shape, clock=self._clock
        )
        self._initial_faults = _as_faults(faults)
        self._faults = FaultState(self._initial_faults)
        self._api_key = derived_api_key(seed)
        self.organization_id = derived_uuid(seed, "organization")
        self.agents: dict[str, str] = {agent.name: agent.id for agent in self._store.agents.values()}
        self.forbidden_agent_id = self.agents["forbidden"]
        self.api = JobsApi(
            store=self._store,
            faults=self._faults,
            api_key=self._api_key,
            organization_id=self.organization_id,
            forbidden_agent_ids=frozenset({self.forbidden_agent_id}),
            error_style=error_style,
        )
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = f"base_url={self.base_url!r}" if self._server is not None else "stopped"
        return f"Sandbox(seed={self.seed}, {state}, agents={list(self.agents)})"

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start serving in a daemon thread (no-op if already started)."""
        if self._server is None:
            server = SandboxHTTPServer((self.host, self.port), self.api)
            self.port = server.server_address[1]
            self._server = server
            # A short poll interval makes stop() return quickly.
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="roe-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (no-op if not started)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what clients need ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server.

        Raises:
            RuntimeError: the sandbox has not been started.
        """
        if self._server is None:
            raise RuntimeError("the sandbox is not running: use `with Sandbox() as sb:` or call start()")
        return f"http://{self.host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The fake API key the sandbox accepts (derived from the seed)."""
        return self._api_key

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """Every agent's id: demo, small, single, empty, large, forbidden."""
        return tuple(self.agents.values())

    @property
    def special_job_ids(self) -> dict[str, str]:
        """Ids of the ``demo`` agent's special cases and example jobs, by name (see the package docs)."""
        return dict(self._store.special_job_ids)

    def jobs_url(self, agent: str) -> str:
        """The absolute jobs-list URL of an agent given by name or id."""
        return f"{self.base_url}/v1/agents/{self._store.agent(agent).id}/jobs/"

    def versions_url(self, agent: str) -> str:
        """The absolute versions-list URL of an agent given by name or id."""
        return f"{self.base_url}/v1/agents/{self._store.agent(agent).id}/versions/"

    @property
    def agents_url(self) -> str:
        """The absolute agents-list URL (``GET``, needs ``organization_id``)."""
        return f"{self.base_url}/v1/agents/"

    @property
    def results_url(self) -> str:
        """The absolute URL of the bulk job results (``POST {"job_ids": [...]}``)."""
        return f"{self.base_url}/v1/agents/jobs/results/"

    def now(self) -> datetime:
        """A reading of the sandbox clock (each reading is later than the previous one)."""
        return from_us(self._clock.now_us())

    # -- faults and the request log ---------------------------------------------------------------

    @property
    def active_faults(self) -> Faults:
        """The faults in force."""
        return self._faults.faults

    def set_faults(self, faults: Faults | str | None) -> None:
        """Replace the active faults (``None`` = none) and restart their counters."""
        self._faults.set(_as_faults(faults))

    @contextmanager
    def faults(self, faults: Faults | str) -> Iterator[Faults]:
        """Activate faults for a block, with fresh counters; the previous faults come back after it."""
        previous = self._faults.faults
        active = _as_faults(faults)
        self._faults.set(active)
        try:
            yield active
        finally:
            self._faults.set(previous)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received since the last `clear_requests`, oldest first."""
        return self.api.requests

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.api.clear_requests()

    def reset(self) -> None:
        """Back to the start: seeded data restored, initial faults with fresh counters, empty log."""
        self._store.reset()
        self._faults.set(self._initial_faults)
        self.clear_requests()

    # -- ground truth and mutations ---------------------------------------------------------------

    def jobs(self, agent: str) -> list[dict[str, Any]]:
        """An agent's jobs (by name or id) exactly as served, newest first; fresh copies."""
        return self._store.jobs(agent)

    def versions(self, agent: str) -> list[dict[str, Any]]:
        """An agent's versions (by name or id) exactly as served, newest first; fresh copies."""
        with self._store.lock:
            return self.api.catalog.versions(self._store.agent(agent))

    def version_ids(self, agent: str) -> dict[str, str]:
        """Version name → id of an agent's listed versions (a deleted version is not among them)."""
        with self._store.lock:
            return dict(self.api.catalog.version_ids(self._store.agent(agent)))

    def job_result(self, job_id: str) -> dict[str, Any]:
        """A job's result exactly as ``POST /v1/agents/jobs/results/`` answers it (even a forbidden one).

        Raises:
            KeyError: no such job.
        """
        with self._store.lock:
            found = self._store.find(job_id.lower())
            if found is None:
                raise KeyError(f"no sandbox job {job_id!r}")
            return self.api.catalog.job_result(*found)

    def job_results(self, agent: str) -> list[dict[str, Any]]:
        """Every job's result of an agent (by name or id), in the jobs' default order (newest first)."""
        with self._store.lock:
            found = self._store.agent(agent)
            return [
                self.api.catalog.job_result(found, record) for record in self._store.ordered(found, DEFAULT_ORDERING)
            ]

    def create_job(self, agent: str, **overrides: Any) -> dict[str, Any]:
        """Add a job to an agent (by name or id) and return it as served.

        By default the job was just submitted: created now, one PENDING event, ``duration_ms`` null.
        ``status_code=3`` (or 4, 5, 6) gives a job that finished now after two seconds. Other
        overrides (``id``, ``created_at``, ``agent_version_name``, ``job_inputs``, ``metadata``,
        ``ui_fields``, ``evaluation``, ``feedback_review``, ``creator``) are set verbatim;
        ``review_state`` and ``duration_ms`` are always derived.
        """
        return self._store.create_job(agent, **overrides)

    def update_job(self, job_id: str, **changes: Any) -> dict[str, Any]:
        """Change a job and return it as served.

        ``status_code=N`` appends an event at now (with ``error_message``/``error_details``/
        ``count`` if given) and recomputes ``duration_ms``; the other fields ``create_job`` accepts
        are replaced verbatim. ``last_updated_at`` becomes now.

        Raises:
            KeyError: no such job.
            TypeError: a field that cannot be changed.
        """
        return self._store.update_job(job_id, **changes)

    def evaluate(
        self,
        job_id: str,
        *,
        grader_score: float | EllipsisType | None = ...,
        human_score: float | EllipsisType | None = ...,
        feedback: str | EllipsisType = ...,
        reference: Any = ...,
    ) -> dict[str, Any]:
        """Create or change a job's evaluation (``...`` leaves a field as it is); returns the job."""
        return self._store.evaluate(
            job_id, grader_score=grader_score, human_score=human_score, feedback=feedback, reference=reference
        )

    def review(
        self,
        job_id: str,
        *,
        status: str = "approved",
        corrected_verdict: str | None = None,
        reviewed_by: str | None = REVIEWERS[0].email,
        review_comment: str = "",
    ) -> dict[str, Any]:
        """Set a job's review (``pending``, ``approved`` or ``rejected``) at now; returns the job.

        ``review_state`` follows: approved → agreed, rejected → disagreed, pending → unreviewed.
        """
        return self._store.review(
            job_id,
            status=status,
            corrected_verdict=corrected_verdict,
            reviewed_by=reviewed_by,
            review_comment=review_comment,
        )

    def delete_job(self, job_id: str) -> None:
        """Remove a job.

        Raises:
            KeyError: no such job.
        """
        self._store.delete_jobs([job_id])


def banner(sandbox: Sandbox) -> str:
    """What `serve` prints: where the sandbox is and how to call it (includes the fake API key)."""
    lines = [
        f"Roe AI API sandbox on {sandbox.base_url}  (seed {sandbox.seed})",
        f"  API key:          {sandbox.api_key}",
        f"  organization_id:  {sandbox.organization_id}",
        "  agents:",
    ]
    for name, agent_id in sandbox.agents.items():
        count = len(sandbox.jobs(agent_id))
        note = "  (listed, but 403: the key may not read it)" if agent_id == sandbox.forbidden_agent_id else ""
        lines.append(f"    {name:<10} {agent_id}  {count:>6} jobs{note}")
    if sandbox.active_faults:
        lines.append(f"  faults:           {sandbox.active_faults}")
    demo = sandbox.agents["demo"]
    lines += [
        "  endpoints:        GET /v1/agents/  GET /v1/agents/{id}/versions/  GET /v1/agents/{id}/jobs/",
        '                    POST /v1/agents/jobs/results/  {"job_ids": [...]}',
        "  try:",
        f'    curl -H "Authorization: Bearer {sandbox.api_key}" \\',
        f'      "{sandbox.base_url}/v1/agents/{demo}/jobs/?organization_id={sandbox.organization_id}&page_size=5"',
        "  Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def serve(
    port: int = DEFAULT_PORT,
    seed: int = 0,
    faults: Faults | str | None = None,
    host: str = "127.0.0.1",
    *,
    sizes: Mapping[str, int] | None = None,
    legacy_shape: bool = False,
    error_style: ErrorStyle = "message",
    stream: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run a sandbox in the foreground until Ctrl-C (or until ``stop`` is set).

    Prints the base URL, the API key, the organization id and the agent ids first.

    Args:
        port: the port (0 picks a free one).
        seed: the random seed.
        faults: faults active from the start (a `Faults` or its spec string).
        host: the interface to listen on.
        sizes: jobs per agent name.
        legacy_shape: serve the published spec's exact job shape.
        error_style: ``message`` or ``detail`` error bodies.
        stream: where to print (default stdout).
        stop: an event that ends serving when set (for embedding and tests).
    """
    out = stream or sys.stdout
    sandbox = Sandbox(
        seed=seed, host=host, port=port, sizes=sizes, faults=faults, legacy_shape=legacy_shape, error_style=error_style
    )
    with sandbox:
        print(banner(sandbox), file=out, flush=True)
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.2):
                pass
        except KeyboardInterrupt:
            print("stopping the sandbox", file=out, flush=True)
