"""A hostile server at the fetch boundary gets a library error, within the timeout, without the key.

Each fake server is an `httpx.MockTransport` (or a small `httpx.AsyncByteStream` for bodies that
drip, never end or decompress to far more than they weigh), and one is a real socket; `send` is
called directly or through `AsyncRoeClient.fetch_page`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import pickle
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

import httpx
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import roe_analysis as ra
from roe_analysis.api import BearerAuth, JobQuery, RequestStats, Secret, decode_page, send, server_date, status_error
from roe_analysis.api._responses import MAX_ERROR_BODY_BYTES, _http_date, parse_retry_after
from roe_analysis.api._transport import DEFAULT_MAX_BODY_BYTES

KEY = "sk-hostile-SECRET-0123456789"
ORG = "3f2b7c1d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
AGENT = "8b0c3f9e-2a54-4c52-9a5e-1f0d6a7e9b11"
URL = "http://127.0.0.1:1/v1/agents/x/jobs/?page=3"
PAGE = json.dumps({"count": 0, "results": []}).encode()
MASK = "**********"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


class Chunks(httpx.AsyncByteStream):
    """A body sent as ``chunks`` (then ``forever`` repeated without end, if given), one read each."""

    def __init__(self, chunks: list[bytes], *, forever: bytes | None = None, pause: float = 0.0) -> None:
        self.chunks = chunks
        self.forever = forever
        self.pause = pause
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk
        while self.forever is not None:
            await asyncio.sleep(self.pause)
            self.sent += 1
            yield self.forever

    async def aclose(self) -> None:
        self.closed = True


class Server(httpx.MockTransport):
    """A `MockTransport` that remembers each request's Authorization header as it arrived."""

    def __init__(self, handler: Handler) -> None:
        self.seen: list[str | None] = []

        async def record(request: httpx.Request) -> httpx.Response:
            self.seen.append(request.headers.get("Authorization"))
            answer = handler(request)
            return await answer if isinstance(answer, Awaitable) else answer

        super().__init__(record)


def fetch(
    transport: httpx.AsyncBaseTransport, *, timeout: float = 5.0, max_retries: int = 2, **options: Any
) -> tuple[httpx.Response, Any]:
    """`send` one GET of page 3 with our key, as the client does; tiny backoff."""

    async def go() -> tuple[httpx.Response, Any]:
        async with httpx.AsyncClient(
            auth=BearerAuth(Secret(KEY)), transport=transport, timeout=httpx.Timeout(timeout)
        ) as client:
            request = client.build_request("GET", URL)
            decode = options.pop("decode", lambda r: decode_page(r.content))
            return await send(
                client,
                request,
                max_retries=max_retries,
                stats=RequestStats(),
                page=3,
                decode=decode,
                backoff_base=0.001,
                backoff_cap=0.001,
                **options,
            )

    return asyncio.run(go())


def fetch_error(transport: httpx.AsyncBaseTransport, **options: Any) -> ra.RoeError:
    with pytest.raises(ra.RoeError) as info:
        fetch(transport, **options)
    return info.value


def assert_no_key(err: BaseException) -> None:
    assert KEY not in str(err) and KEY not in repr(err)
    assert KEY.encode() not in pickle.dumps(err)
    request = getattr(err, "request", None)
    assert request is not None and "Authorization" not in request.headers
    if isinstance(err, ra.APIStatusError):
        assert KEY not in err.message and KEY not in repr(err.body)


# -- 1. non-library exceptions ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_body_labelled_compressed_that_does_not_decompress_is_malformed_and_not_retried(encoding: str) -> None:
    body = Chunks([b"this is not compressed at all"])
    server = Server(lambda r: httpx.Response(200, headers={"Content-Encoding": encoding}, stream=body))
    err = fetch_error(server, max_retries=2)
    assert type(err) is ra.MalformedResponseError
    assert str(err).startswith(f"malformed response (page 3) from GET {URL}: ")
    assert f"the body is labelled Content-Encoding: {encoding} but does not decompress (DecodingError: " in str(err)
    assert server.seen == [f"Bearer {KEY}"]  # the key did travel, once: never retried
    assert body.closed
    assert_no_key(err)


def test_a_ready_made_response_that_does_not_decompress_is_malformed_too() -> None:
    # httpx.Response(content=...) decodes at once, inside the transport, before send sees a response.
    server = Server(lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"junk"))
    err = fetch_error(server, max_retries=2)
    assert type(err) is ra.MalformedResponseError
    assert ": the body does not decompress (DecodingError: " in str(err)
    assert len(server.seen) == 1
    assert_no_key(err)


def test_a_transport_that_raises_its_own_error_gives_a_connection_error_without_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # What h11 says of a header it refuses: the value, key and all.
        raise ValueError(f"Illegal header value b'{request.headers['Authorization']}'")

    server = Server(handler)
    err = fetch_error(server, max_retries=2)
    assert type(err) is ra.RoeConnectionError
    assert str(err) == (
        f"request failed (ValueError: Illegal header value b'Bearer {MASK}') for GET {URL} (page 3, after 1 attempt)"
    )
    assert len(server.seen) == 1  # not transient: not retried
    assert_no_key(err)


def test_a_decode_that_quotes_the_body_is_malformed_with_the_key_masked() -> None:
    server = Server(lambda r: httpx.Response(200, json=KEY))
    err = fetch_error(server, decode=lambda r: msgspec.json.decode(r.content, type=Literal["ok"]))
    assert type(err) is ra.MalformedResponseError
    assert str(err) == f"malformed response (page 3) from GET {URL}: Invalid enum value '{MASK}'"
    assert_no_key(err)


def test_a_decode_that_raises_something_else_is_malformed_and_not_retried() -> None:
    def decode(response: httpx.Response) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    server = Server(lambda r: httpx.Response(200, content=PAGE))
    err = fetch_error(server, decode=decode)
    assert type(err) is ra.MalformedResponseError
    assert str(err).endswith(": the body could not be decoded (RecursionError: maximum recursion depth exceeded)")
    assert len(server.seen) == 1


def error_response(status: int, content: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers, request=httpx.Request("GET", URL))


def test_status_error_reads_json_nested_2000_deep_as_text() -> None:
    deep = b'{"detail": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    err = status_error(error_response(500, deep), page=3)
    assert type(err) is ra.ServerError
    assert err.body == deep.decode()
    assert err.message == deep.decode()[:500]


def test_status_error_reads_json_nested_past_the_depth_cap_as_text() -> None:
    deep = b"[" * 100 + b'"' + KEY.encode() + b'"' + b"]" * 100  # parses, but is no error body
    err = status_error(error_response(400, deep), secret=Secret(KEY))
    assert type(err) is ra.BadRequestError
    assert err.body == deep.decode().replace(KEY, MASK)
    assert err.field_errors == {}


def test_status_error_reads_binary_garbage_as_text() -> None:
    garbage = bytes(range(256)) * 4
    err = status_error(error_response(502, garbage, **{"Content-Type": "application/json; charset=no-such-codec"}))
    assert type(err) is ra.ServerError
    assert isinstance(err.body, str) and "\ufffd" in err.body
    assert "\x1b" not in err.message and "\x00" not in err.message  # nothing that drives a terminal


def test_status_error_caps_a_huge_text_body() -> None:
    huge = b"x" * (10 * 1024 * 1024)
    err = status_error(error_response(503, huge))
    assert type(err) is ra.ServerError
    assert err.body == "x" * MAX_ERROR_BODY_BYTES + f" … (truncated; {len(huge)} bytes read)"
    assert err.message == "x" * 500


def test_status_error_of_a_response_never_read_or_never_sent_still_gives_an_error() -> None:
    unread = httpx.Response(500, stream=Chunks([b"boom"]))
    err = status_error(unread)
    assert type(err) is ra.ServerError and err.body is None and err.request is None
    assert str(err) == "500 Internal Server Error"


def test_an_endless_error_body_is_read_only_as_far_as_its_message_needs() -> None:
    body = Chunks([], forever=b"<html>" + b"x" * 65536)
    err = fetch_error(Server(lambda r: httpx.Response(500, stream=body)), max_retries=0)
    assert type(err) is ra.ServerError
    assert body.sent <= 2 and body.closed
    assert isinstance(err.body, str) and err.body.endswith(" bytes read)")


# -- 2. one deadline for the whole attempt ---------------------------------------------------------


def test_a_body_dripped_a_byte_at_a_time_ends_at_the_deadline() -> None:
    body = Chunks([], forever=b" ", pause=0.3)
    server = Server(lambda r: httpx.Response(200, stream=body))
    client = ra.AsyncRoeClient(
        api_key=KEY,
        organization_id=ORG,
        base_url="http://127.0.0.1:1",
        transport=server,
        timeout=1,
        max_retries=0,
        environ={},
    )

    async def go() -> None:
        async with client:
            await client.fetch_page(AGENT, JobQuery.build(), 1)

    started = time.monotonic()
    with pytest.raises(ra.RoeTimeoutError) as info:
        asyncio.run(go())
    assert time.monotonic() - started < 5  # generous: only proves that the deadline fired
    assert str(info.value).startswith("the request took longer than 1 s as a whole (connecting, headers and body): GET")
    assert str(info.value).endswith("(page 1, after 1 attempt)")
    assert body.closed and body.sent >= 2  # each byte came well within any per-read timeout
    assert_no_key(info.value)


def test_a_real_socket_dripping_its_body_ends_at_the_deadline() -> None:
    # httpcore's read timeout restarts with every byte: only a deadline for the whole attempt ends this.
    handlers: set[asyncio.Task[None]] = set()

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not writer.is_closing():
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.3)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def go() -> None:
        server = await asyncio.start_server(drip, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with httpx.AsyncClient(auth=BearerAuth(Secret(KEY)), timeout=httpx.Timeout(1.0)) as client:
                request = client.build_request("GET", f"http://127.0.0.1:{port}/v1/agents/x/jobs/")
                await send(client, request, max_retries=0, stats=RequestStats(), page=1, decode=len)
        finally:
            server.close()
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)
            await server.wait_closed()

    started = time.monotonic()
    with pytest.raises(ra.RoeTimeoutError, match=r"^the request took longer than 1 s as a whole"):
        asyncio.run(go())
    assert time.monotonic() - started < 5


def test_an_explicit_deadline_wins_over_the_client_timeout() -> None:
    body = Chunks([], forever=b" ", pause=0.05)
    err = fetch_error(Server(lambda r: httpx.Response(200, stream=body)), timeout=60.0, deadline=0.2, max_retries=1)
    assert type(err) is ra.RoeTimeoutError
    assert str(err).startswith("the request took longer than 0.2 s as a whole")
    assert str(err).endswith("(page 3, after 2 attempts)")  # a timeout is retried like before


# -- 3. a cap on the decoded body -------------------------------------------------------------------


def test_the_default_body_cap_is_256_mib() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 256 * 1024 * 1024


def test_a_gzip_bomb_stops_at_the_body_cap_and_is_not_retried() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    body = Chunks([bomb[i : i + 4096] for i in range(0, len(bomb), 4096)])
    server = Server(lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=body))
    err = fetch_error(server, max_body_bytes=1_000_000, max_retries=2)
    assert type(err) is ra.ResponseTooLargeError and isinstance(err, ra.MalformedResponseError)
    assert str(err) == (
        f"malformed response (page 3) from GET {URL}: the body decodes to more than 1,000,000 bytes "
        "(max_body_bytes=1000000); reading stopped there, and the request is not retried"
    )
    assert len(server.seen) == 1
    assert body.closed and body.sent < len(body.chunks) // 4  # stopped early, not after 64 MB
    assert_no_key(err)


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Chunks([b"x" * 100])
    headers = {"Content-Length": "2000000000"}
    err = fetch_error(Server(lambda r: httpx.Response(200, headers=headers, stream=body)), max_body_bytes=1000)
    assert type(err) is ra.ResponseTooLargeError
    assert body.sent == 0 and body.closed


def test_a_compressed_page_under_the_cap_still_reads_as_content() -> None:
    compressed = zlib.compress(PAGE)
    body = Chunks([compressed[:5], compressed[5:]])
    server = Server(lambda r: httpx.Response(200, headers={"Content-Encoding": "deflate"}, stream=body))
    response, page = fetch(server, max_body_bytes=len(PAGE))
    assert response.content == PAGE and page.count == 0 and page.results == []
    assert body.closed and response.elapsed.total_seconds() >= 0


# -- 4. 3xx -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_naming_the_location_and_is_not_followed(status: int) -> None:
    target = "https://api.roe-ai.com/v1/agents/x/jobs/?page=3"
    server = Server(lambda r: httpx.Response(status, headers={"Location": target}, text="moved"))
    err = fetch_error(server, max_retries=2)
    assert type(err) is ra.RedirectError and isinstance(err, ra.APIStatusError)
    assert err.status_code == status and err.body == "moved"
    assert err.message == (
        f"the server redirected to {target!r} (its Location header); redirects are never followed, so the "
        "API key never travels on. Check the base URL: a trailing path, or http where the API wants https"
    )
    assert len(server.seen) == 1  # neither followed nor retried
    assert_no_key(err)


def test_a_redirect_without_a_location_and_one_that_echoes_the_key() -> None:
    err = status_error(error_response(304, b""))
    assert type(err) is ra.RedirectError
    assert err.message.startswith("the server redirected without a Location header; redirects are never followed")
    err = status_error(error_response(302, b"", Location=f"https://evil.example/?key={KEY}"), secret=Secret(KEY))
    assert f"'https://evil.example/?key={MASK}'" in err.message and KEY not in str(err)


# -- 5. the key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(401, json={"detail": f"bad token; you sent Authorization: Bearer {KEY}"}),
        lambda: httpx.Response(401, text=f"you sent Authorization: Bearer {KEY}"),
        lambda: httpx.Response(400, json={KEY: [f"{KEY} is not valid"], "page": [KEY]}),
        # The key spelled with JSON escapes, which decoding turns back into the key.
        lambda: httpx.Response(
            401, content=b'{"detail": "' + "".join(f"\\u{ord(c):04x}" for c in KEY).encode() + b'"}'
        ),
    ],
)
def test_a_server_that_echoes_the_key_does_not_get_it_printed(answer: Callable[[], httpx.Response]) -> None:
    err = fetch_error(Server(lambda r: answer()))
    assert isinstance(err, ra.AuthenticationError | ra.BadRequestError)
    assert MASK in err.message
    assert_no_key(err)
    if isinstance(err, ra.BadRequestError):
        assert err.field_errors == {MASK: [f"{MASK} is not valid"], "page": [MASK]}


@pytest.mark.parametrize(
    ("key", "what", "position"),
    [
        (f"sk-{chr(0)}abc", "a control character (U+0000)", 4),
        ("sk-a\x1bbc", "a control character (U+001B)", 5),
        ("sk-ab\x7fc", "a control character (U+007F)", 6),
        ("sk-ab\nc", "a control character (U+000A)", 6),
        ("sk-ab c", "whitespace (U+0020)", 6),
        ("sk-ab\u00a0c", "whitespace (U+00A0)", 6),
        ("sk-ab\u200bc", "an invisible formatting character (U+200B)", 6),
    ],
)
def test_a_key_with_control_characters_or_whitespace_is_refused_without_showing_it(
    key: str, what: str, position: int
) -> None:
    with pytest.raises(ra.ConfigurationError) as info:
        ra.AsyncRoeClient(api_key=key, organization_id=ORG, environ={})
    assert str(info.value) == (f"The API key has {what} at position {position} of {len(key)}; check how it was copied.")
    assert "abc" not in str(info.value) and "sk-" not in str(info.value)


def test_the_auth_hands_over_the_key_only_masked() -> None:
    auth = BearerAuth(Secret(KEY))
    assert isinstance(auth.secret, Secret) and auth.secret.reveal() == KEY
    assert KEY not in repr(auth) and KEY not in repr(auth.secret) and KEY not in f"{auth.secret}"


# -- 6. small lies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-5", "-0.5", "nan", "NaN", "inf", "-inf", "1e400", "Infinity", "٣"])
def test_retry_after_that_is_negative_or_not_finite_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None


def test_retry_after_of_zero_or_a_past_date_is_no_wait() -> None:
    assert parse_retry_after("-0") == 0.0 and math.copysign(1, parse_retry_after("-0") or 0.0) == 1
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    "value",
    # (A year before 100 reads as 19xx/20xx, so no offset can push a date before year 1.)
    ["Fri, 31 Dec 9999 23:59:59 -0500", "Fri, 31 Dec 9999 20:00:00 -2359", "Fri, 31 Dec 9999 20:00:00 +9959"],
)
def test_a_date_pushed_past_year_9999_or_with_an_impossible_offset_is_no_date(value: str) -> None:
    assert _http_date(value) is None
    assert parse_retry_after(value) is None
    assert server_date(httpx.Response(200, headers={"Date": value})) is None


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("https://xn--zz.example", "is not a valid internationalised domain name (Invalid A-label)"),
        (f"https://{'a' * 64}.example", "label 1 is 64 characters long (a label has at most 63)"),
        ("https://a..b", "label 2 is empty (two dots in a row, or a leading dot)"),
        ("https://exa mple.com", "label 1 has a character other than letters, digits, '-' and '_'"),
    ],
)
def test_a_base_url_whose_host_is_no_host_name_is_a_configuration_error(base_url: str, problem: str) -> None:
    with pytest.raises(ra.ConfigurationError, match=rf"^base_url '{base_url}' has a host that .*") as info:
        ra.AsyncRoeClient(api_key=KEY, organization_id=ORG, base_url=base_url, environ={})
    assert problem in str(info.value)


@pytest.mark.parametrize("base_url", ["https://bücher.example", "https://example.com.", "http://[::1]:8000"])
def test_a_host_name_that_is_fine_is_kept(base_url: str) -> None:
    ra.AsyncRoeClient(api_key=KEY, organization_id=ORG, base_url=base_url, environ={})


# -- 7. generated ---------------------------------------------------------------------------------------

GENERATED = settings(max_examples=150, deadline=None)


@GENERATED
@given(
    st.one_of(
        st.text(),
        st.floats().map(str),
        st.integers().map(str),
        st.from_regex(r"\A[ -~]{0,40}\Z"),
        st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S -2359")),
    )
)
def test_retry_after_is_none_or_a_finite_wait(value: str) -> None:
    wait = parse_retry_after(value)
    assert wait is None or (isinstance(wait, float) and math.isfinite(wait) and wait >= 0)


def with_key(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(text, text).map(lambda parts: f"{parts[0]}{KEY}{parts[1]}")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | with_key(st.text()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text() | with_key(st.text()), inner, max_size=4),
    max_leaves=20,
)
BODIES = st.one_of(
    JSON.map(lambda v: json.dumps({"detail": v, "k": [v]}).encode()),
    JSON.map(lambda v: json.dumps(v).encode()),
    JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    with_key(st.text()).map(str.encode),
    st.tuples(st.binary(), st.binary()).map(lambda p: p[0] + KEY.encode() + p[1]),
    st.integers(1, 3000).map(lambda n: b'["' + KEY.encode() + b'",' + b"[" * n + b"]" * n + b"]"),
    st.binary(),
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            ["application/json", "text/html; charset=latin-1", "text/plain; charset=bogus", "text/plain"]
        ),
        "location": st.sampled_from(["/elsewhere", f"https://evil.example/{KEY}", " ", "x" * 2000]),
        "retry-after": st.sampled_from(["1", "-1", "nan", "soon", "Fri, 31 Dec 9999 23:59:59 -0500"]),
    },
)


@GENERATED
@given(status=st.integers(300, 599), body=BODIES, headers=HEADERS)
def test_status_error_never_raises_and_never_shows_the_key(status: int, body: bytes, headers: dict[str, str]) -> None:
    err = status_error(error_response(status, body, **headers), page=2, attempts=1, secret=Secret(KEY))
    assert isinstance(err, ra.APIStatusError) and err.status_code == status
    if 300 <= status < 400:
        assert type(err) is ra.RedirectError
    assert KEY not in str(err) and KEY not in err.message and KEY not in repr(err.body)
    assert len(err.message) <= 1000
