"""The HTTP layer: `JobsApi.handle` turns one request into a `Response`; a threaded server sends it.

`JobsApi.handle(method, target, headers, body)` is the one seam: it knows routing, authentication,
errors, faults and the request log, and returns plain data, so most behaviour can be checked without
a socket. `_Handler` only reads requests (the body by ``Content-Length`` or chunked, at most
`MAX_BODY_BYTES`, else 413) and writes responses (including the deliberately broken ones: a dropped
connection, a body cut short). The checks run in the order Django and DRF run them: URL routing (a
non-UUID or upper-case agent id does not match ``<uuid:agent_id>``, hence 404 before
authentication), authentication (401), method (405), organization (400 malformed, 403 other),
agent (404 unknown, 403 not permitted), then the route's own: filters (400) and the page (404
"Invalid page."); or the body (400 parse error, 415, 400 field errors) and the jobs' permission (403).

Routes: ``/v1/agents/{agent_id}/jobs/`` and ``/v1/agents/{agent_id}/versions/`` (GET, HEAD),
``/v1/agents/`` (GET, HEAD) and ``/v1/agents/jobs/results/`` (POST). Faults count a request to any of
them; the data faults (insert, delete) act after a jobs page only.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import unquote

from roe_analysis.sandbox._body import BodyValidationError, ParseError, UnsupportedMediaTypeError, job_ids, read_data
from roe_analysis.sandbox._catalog import Catalog
from roe_analysis.sandbox._faults import (
    DeleteJobs,
    DropConnection,
    ErrorStatus,
    FaultState,
    Firing,
    InsertJobs,
    TruncateBody,
)
from roe_analysis.sandbox._query import (
    InvalidPageError,
    QueryError,
    last_values,
    page_links,
    page_request,
    paginate,
    parse_query,
)
from roe_analysis.sandbox._records import encode_json
from roe_analysis.sandbox._store import Agent, JobStore

ErrorStyle = Literal["message", "detail"]

#: The largest request body read; a larger one is answered 413 (as a proxy in front would).
MAX_BODY_BYTES = 10 * 1024 * 1024
_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("jobs", re.compile(r"^/v1/agents/(?P<agent>[^/]*)/jobs/$")),
    ("versions", re.compile(r"^/v1/agents/(?P<agent>[^/]*)/versions/$")),
    ("results", re.compile(r"^/v1/agents/jobs/results/$")),
    ("agents", re.compile(r"^/v1/agents/$")),
)
_METHODS = {"jobs": ("GET", "HEAD"), "versions": ("GET", "HEAD"), "agents": ("GET", "HEAD"), "results": ("POST",)}
_NO_STATS = ("false", "0")
# Django's <uuid:...> converter: lower-case hex only.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FAULT_MESSAGES = {
    500: "A server error occurred.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable.",
    504: "Gateway timeout.",
}
_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


@dataclass(frozen=True)
class RequestRecord:
    """One request the sandbox received (never its headers, so never the token).

    Attributes:
        method: the HTTP method.
        path: the path, without the query string.
        query: each query parameter's last value (what the server used).
        query_string: the raw query string.
        time: when the request arrived (wall clock, UTC).
        status: the status sent, or ``None`` when the connection was dropped.
        fault: the fault rule that shaped the response, in spec syntax, if any.
        body_size: bytes of request body read (0 for a body refused as too large).
        job_ids: how many ids a bulk results request listed (duplicates and invalid ones
            included), ``None`` for other requests and bodies without a ``job_ids`` list.
    """

    method: str
    path: str
    query: dict[str, str]
    query_string: str
    time: datetime
    status: int | None
    fault: str | None = None
    body_size: int = 0
    job_ids: int | None = None


@dataclass
class Response:
    """What to send back."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "application/json")])
    drop: bool = False
    truncate: Literal["length", "json"] | None = None
    job_ids: int | None = None


class JobsApi:
    """The endpoints and everything around them, without sockets.

    Args:
        store: the jobs.
        faults: the active faults.
        api_key: the only token accepted.
        organization_id: the only organization accepted.
        forbidden_agent_ids: agents the token may not read (403).
        error_style: ``message`` (the spec's ``ErrorResponse``) or ``detail`` (DRF's default body).
    """

    def __init__(
        self,
        *,
        store: JobStore,
        faults: FaultState,
        api_key: str,
        organization_id: str,
        forbidden_agent_ids: frozenset[str],
        error_style: ErrorStyle = "message",
    ) -> None:
        self.store = store
        self.faults = faults
        self._api_key = api_key
        self.organization_id = organization_id
        self.forbidden_agent_ids = forbidden_agent_ids
        self.error_style = error_style
        self.catalog = Catalog(store, organization_id=organization_id)
        self._log: list[RequestRecord] = []
        # Requests that arrived before the last clear are not logged when they finish later (a
        # slow or abandoned request from an earlier test must not count in the next one).
        self._generation = 0
        self._log_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JobsApi(organization_id={self.organization_id!r}, error_style={self.error_style!r})"

    # -- the request log --------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._log_lock:
            self._log.clear()
            self._generation += 1

    # -- responses --------------------------------------------------------------------------------

    def _error(self, status: int, message: str, *headers: tuple[str, str]) -> Response:
        body = encode_json({self.error_style: message})
        return Response(status, body, [("Content-Type", "application/json"), *headers])

    def _fault_response(self, rule: ErrorStatus) -> Response:
        if rule.status == 429:
            seconds = 1 if rule.retry_after is None else rule.retry_after
            plural = "" if seconds == 1 else "s"
            return self._error(
                429, f"Request was throttled. Expected available in {seconds} second{plural}.",
                ("Retry-After", str(seconds)),
            )  # fmt: skip
        if rule.html:
            title = f"{rule.status} {_REASONS[rule.status]}"
            page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            return Response(rule.status, (page + "</body>\r\n</html>\r\n").encode(), [("Content-Type", "text/html")])
        return self._error(rule.status, _FAULT_MESSAGES[rule.status])

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> Response:
        """Answer one request.

        Args:
            method: the HTTP method.
            target: the request target, path and query string (``/v1/agents/.../jobs/?page=2``).
            headers: the request headers (any capitalisation).
            body: the request body.
        """
        arrived = datetime.now(UTC)
        generation = self._generation
        headers = {name.lower(): value for name, value in headers.items()}
        raw_path, _, query_string = target.partition("?")
        path = unquote(raw_path)
        params = last_values(query_string)
        route = next(((name, found) for name, pattern in _ROUTES if (found := pattern.match(path))), None)
        # Faults model the infrastructure in front of the API, so they act before any of its checks.
        firing = self.faults.on_request() if route is not None else Firing()
        if firing.delay:
            time.sleep(firing.delay)
        rule = firing.action
        if isinstance(rule, DropConnection):
            response = Response(0, drop=True)
        elif isinstance(rule, ErrorStatus):
            response = self._fault_response(rule)
        else:
            response = self._route(method=method, target=target, params=params, headers=headers, route=route, body=body)
            if isinstance(rule, TruncateBody):
                response.truncate = rule.mode
        status = None if response.drop else response.status
        spec = rule.spec() if rule else None
        self._record(
            RequestRecord(method, raw_path, params, query_string, arrived, status, spec, len(body), response.job_ids),
            generation,
        )
        return response

    def payload_too_large(self, method: str, target: str) -> Response:
        """The 413 for a body over `MAX_BODY_BYTES` (logged; never read, so never routed)."""
        generation = self._generation
        raw_path, _, query_string = target.partition("?")
        response = self._error(413, "Request body is too large.", ("Connection", "close"))
        record = RequestRecord(method, raw_path, last_values(query_string), query_string, datetime.now(UTC), 413)
        self._record(record, generation)
        return response

    def _record(self, record: RequestRecord, generation: int) -> None:
        with self._log_lock:
            if generation == self._generation:
                self._log.append(record)

    def _route(
        self,
        *,
        method: str,
        target: str,
        params: dict[str, str],
        headers: dict[str, str],
        route: tuple[str, re.Match[str]] | None,
        body: bytes,
    ) -> Response:
        if route is None:
            return self._error(404, "Not found.")
        name, found = route
        agent_id = found.groupdict().get("agent")
        if agent_id is not None and not _UUID.match(agent_id):
            return self._error(404, "Not found.")
        denied = self._authenticate(headers.get("authorization", ""))
        if denied is not None:
            return denied
        allowed = _METHODS[name]
        if method not in allowed:
            return self._error(405, f'Method "{method}" not allowed.', ("Allow", ", ".join(allowed)))
        denied = self._check_organization(params, required=name == "agents")
        if denied is not None:
            return denied
        url = f"http://{headers.get('host') or 'localhost'}{target}"
        if name == "results":
            return self._results(headers, body)
        if name == "agents":
            return self._agents(url, params)
        assert agent_id is not None
        if agent_id not in self.store.agents:
            return self._error(404, "Agent not found.")
        if agent_id in self.forbidden_agent_ids:
            return self._error(403, "You do not have permission to access this agent.")
        agent = self.store.agents[agent_id]
        if name == "versions":
            with self.store.lock:
                return Response(200, encode_json(self.catalog.versions(agent)))
        return self._jobs(agent, url, params)

    def _check_organization(self, params: dict[str, str], *, required: bool) -> Response | None:
        organization = (params.get("organization_id") or "").strip()
        if required and not organization:
            return Response(400, encode_json({"organization_id": ["This field is required."]}))
        if organization and not _UUID.match(organization.lower()):
            return Response(400, encode_json({"organization_id": ["Must be a valid UUID."]}))
        if organization and organization.lower() != self.organization_id:
            return self._error(403, "You do not have access to this organization.")
        return None

    def _jobs(self, agent: Agent, url: str, params: dict[str, str]) -> Response:
        try:
            query, page_request = parse_query(params)
        except QueryError as exc:
            return Response(400, encode_json(exc.errors))
        with self.store.lock:
            rows = self.store.select(agent, query)
            try:
                page = paginate(rows, page_request)
            except InvalidPageError:
                return self._error(404, "Invalid page.")
            following, previous = page_links(url, page)
            body = b'{"count":%d,"next":%b,"previous":%b,"results":[%b]}' % (
                page.count,
                encode_json(following),
                encode_json(previous),
                b",".join(self.store.serialized(r, exclude_metadata=page_request.exclude_metadata) for r in page.rows),
            )
            served = [r.job["id"] for r in page.rows]
            for rule in self.faults.on_page_served():
                if isinstance(rule, InsertJobs):
                    self.store.insert_jobs(agent, rule.count)
                elif isinstance(rule, DeleteJobs) and served:
                    self.store.delete_jobs(served[: rule.count])
                    served = served[rule.count :]
        return Response(200, body)

    def _agents(self, url: str, params: dict[str, str]) -> Response:
        # Every agent of the organization is listed, the forbidden one included: the key may see
        # that it exists (and its job count) but not read its jobs or versions.
        stats = (params.get("include_job_stats") or "").strip().lower() not in _NO_STATS
        with self.store.lock:
            try:
                page = paginate(self.catalog.listing(), page_request(params))
            except InvalidPageError:
                return self._error(404, "Invalid page.")
            following, previous = page_links(url, page)
            results = [self.catalog.base_agent(agent, stats=stats) for agent in page.rows]
        return Response(
            200, encode_json({"count": page.count, "next": following, "previous": previous, "results": results})
        )

    def _results(self, headers: dict[str, str], body: bytes) -> Response:
        try:
            data = read_data(body, headers.get("content-type"))
        except ParseError as exc:
            return self._error(400, str(exc))
        except UnsupportedMediaTypeError as exc:
            return self._error(415, str(exc))
        listed = data.get("job_ids") if isinstance(data, Mapping) else None
        count = len(listed) if isinstance(listed, list) else None
        try:
            wanted = list(dict.fromkeys(job_ids(data)))
        except BodyValidationError as exc:
            return Response(400, encode_json(exc.errors), job_ids=count)
        with self.store.lock:
            found = [hit for job_id in wanted if (hit := self.store.find(job_id)) is not None]
            if any(agent.id in self.forbidden_agent_ids for agent, _ in found):
                message = "You do not have permission to access one or more of these jobs."
                response = self._error(403, message)
                response.job_ids = count
                return response
            items = [encode_json(self.catalog.job_result(agent, record)) for agent, record in found]
        return Response(200, b"[" + b",".join(items) + b"]", job_ids=count)

    def _authenticate(self, header: str) -> Response | None:
        # DRF's TokenAuthentication with keyword "Bearer", messages included.
        parts = header.split()
        challenge = ("WWW-Authenticate", 'Bearer realm="api"')
        if not parts or parts[0].lower() != "bearer":
            return self._error(401, "Authentication credentials were not provided.", challenge)
        if len(parts) == 1:
            return self._error(401, "Invalid token header. No credentials provided.", challenge)
        if len(parts) > 2:
            return self._error(401, "Invalid token header. Token string should not contain spaces.", challenge)
        if not hmac.compare_digest(parts[1].encode(), self._api_key.encode()):
            return self._error(401, "Invalid token.", challenge)
        return None


class _BodyTooLargeError(Exception):
    pass


class _BadFramingError(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "roe-sandbox"
    # Idle keep-alive connections are closed after this long, as a real load balancer does.
    timeout = 60
    # Headers and body go out in two writes; with Nagle's algorithm the second waits ~40 ms for the
    # client's delayed ACK, which would make every small response slow.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def _serve(self) -> None:
        api = self.server.api
        try:
            body = self._read_body()
        except _BodyTooLargeError:
            response = api.payload_too_large(self.command, self.path)
        except _BadFramingError:
            self.send_error(400, "Bad chunked encoding.")
            return
        else:
            response = api.handle(self.command, self.path, dict(self.headers.items()), body)
        if response.drop:
            self.close_connection = True
            return
        body = response.body
        if response.truncate == "json":
            body = body[: len(body) // 2]
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if response.truncate == "length":
            body = body[: len(body) // 2]
            self.close_connection = True
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve  # noqa: N815

    def version_string(self) -> str:
        return self.server_version

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.isdigit():
            # The end of this request cannot be found, so neither can the start of the next.
            self.close_connection = True
            return b""
        size = int(length)
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            if size <= 4 * MAX_BODY_BYTES:
                # Read it all before answering: a client still sending when the connection closes
                # sees a reset, not the 413.
                self._discard(size)
            raise _BodyTooLargeError
        return self.rfile.read(size)

    def _discard(self, size: int) -> None:
        while size > 0:
            chunk = self.rfile.read(min(size, 1 << 20))
            if not chunk:
                return
            size -= len(chunk)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0:
                self.close_connection = True
                raise _BadFramingError
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                self.close_connection = True
                raise _BodyTooLargeError
            parts.append(self.rfile.read(size))
            self.rfile.readline(3)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (malformed request line, unsupported method) as JSON, not HTML;
        # and with a status line: an unparsable request leaves the version at HTTP/0.9, which has none.
        if self.request_version == "HTTP/0.9":
            self.request_version = self.protocol_version
        body = encode_json({self.server.api.error_style: message or self.responses.get(code, ("Error",))[0]})
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request log (`JobsApi.requests`) is the record; stderr noise helps no one.
        return


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server that can close its keep-alive connections when stopped."""

    daemon_threads = True
    # socketserver's default listen backlog of 5 drops connections when a client opens eight at
    # once, and the client's retry then stalls the load for a second.
    request_queue_size = 128
    # Idle keep-alive connections would otherwise make server_close() wait for their threads.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: JobsApi) -> None:
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up (a timeout, a killed process) leaves a broken pipe behind; that is
        # the client's business, not a server error worth a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut down every open client connection (their threads then exit)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
