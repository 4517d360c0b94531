"""A hostile Roe API on loopback for tests: each request is answered by a function of the test's.

A real socket server (not an httpx transport), so that the command line, which only takes a base
URL, can be pointed at it. Answers can lie in any way HTTP allows: status, headers, compression,
bodies that never end or arrive one byte at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    """What the server sends back, ``delay`` seconds after the request: ``body`` is written ``chunk``
    bytes at a time, ``drip`` seconds apart."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drip: float = 0.0
    chunk: int = 1 << 16
    delay: float = 0.0


@dataclass(frozen=True)
class Asked:
    """One request as the server saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


Responder = Callable[[Asked], Answer]


@contextmanager
def hostile_server(respond: Responder) -> Iterator[tuple[str, list[Asked]]]:
    """Serve ``respond`` on a free loopback port; yield the base URL and the requests seen."""
    seen: list[Asked] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            asked = Asked(url.path, {k: v[-1] for k, v in parse_qs(url.query).items()}, dict(self.headers.items()))
            seen.append(asked)
            answer = respond(asked)
            try:
                time.sleep(answer.delay)
                self.send_response(answer.status)
                headers = {"Content-Length": str(len(answer.body)), **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                for start in range(0, len(answer.body), answer.chunk):
                    self.wfile.write(answer.body[start : start + answer.chunk])
                    self.wfile.flush()
                    if answer.drip:
                        time.sleep(answer.drip)
            except OSError:  # the client gave up (a deadline, a size cap): that is the point
                pass

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that hangs up mid-answer is expected here, not a server error to print

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
