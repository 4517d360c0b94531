"""Sending one request: the Bearer header, error mapping and retries.

Retries (tenacity) cover what a later attempt can fix: 429 (waiting what `Retry-After` says, capped),
500/502/503/504, timeouts, dropped connections and bodies cut short. Waits grow exponentially
with full jitter so that eight workers hitting one busy server do not retry in lockstep. When the
attempts run out, the last error is raised with the page and the number of attempts in its
message.

What `send` guarantees at this boundary, whatever the server does:

- Only library errors (`RoeError` subclasses) come out of it; anything else raised while sending,
  reading or decoding (a body labelled gzip that does not decompress, a transport's own bug) is
  mapped to one, and the Authorization header is taken out of the request before any error is
  built, so neither the error, its ``request`` nor its pickle holds the key.
- Each attempt ends within ``deadline`` seconds as a whole (connect, headers and the whole body),
  however slowly the body drips: `RoeTimeoutError`.
- A body is read streamed and stops as soon as it decodes (after gzip/deflate) to more than
  ``max_body_bytes``: `ResponseTooLargeError`, not retried. Error bodies are read only as far as
  `MAX_ERROR_BODY_BYTES`. The stream is always closed.
- Any status >= 300 is an error (a 3xx is a `RedirectError`: redirects are never followed).
- Every server-supplied text in an error has our key replaced by ``**********``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar, cast

import httpx
import msgspec
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from roe_analysis.api._config import Secret
from roe_analysis.api._responses import MAX_ERROR_BODY_BYTES, clean_message, status_error
from roe_analysis.errors import (
    APIStatusError,
    MalformedResponseError,
    RateLimitError,
    ResponseTooLargeError,
    RoeConnectionError,
    RoeError,
    RoeTimeoutError,
    TransportError,
)

logger = logging.getLogger("roe_analysis")

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Longest wait honoured from a server's Retry-After, so a bad header cannot stall a load for hours.
MAX_RETRY_AFTER = 60.0
#: Largest body `send` reads (after decompression) before giving up with `ResponseTooLargeError`.
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request; its repr never shows the key."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    @property
    def secret(self) -> Secret:
        """The key, still masked (`Secret`): what error messages must never show."""
        return self._key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(**********)"


@dataclass
class RequestStats:
    """How many requests a load sent and how many were retries (shared by concurrent workers)."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


def _forget_key(request: httpx.Request) -> None:
    request.headers.pop("Authorization", None)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, TransportError):
        # Timeouts and httpx's connection errors may pass; an unexpected exception will not.
        return exc.__cause__ is None or isinstance(exc.__cause__, httpx.TransportError | TimeoutError)
    if isinstance(exc, APIStatusError):
        return exc.status_code in RETRY_STATUSES
    # A body cut short decodes as invalid JSON; a body of the wrong shape is not transient.
    return isinstance(exc, _TruncatedBodyError)


class _TruncatedBodyError(RoeError):
    """A 200 whose body is not complete JSON (retried; raised as MalformedResponseError at the end)."""

    def __init__(self, error: MalformedResponseError) -> None:
        super().__init__(str(error))
        self.error = error


def _wait(base: float, cap: float) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=base, max=cap)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, MAX_RETRY_AFTER)
        return float(backoff(state))

    return wait


def _default_deadline(timeout: httpx.Timeout) -> float | None:
    """The largest configured component of the client's timeout (None when nothing is set)."""
    parts = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t is not None]
    return max(parts) if parts else None


def _secret_of(client: httpx.AsyncClient) -> Secret | None:
    auth = client.auth
    return auth.secret if isinstance(auth, BearerAuth) else None


def _describe(exc: BaseException, secret: Secret | None) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return clean_message(text, secret, limit=300)


async def _read_body(response: httpx.Response, *, limit: int, page: int | None, request: httpx.Request) -> None:
    """Read the decoded body into ``response.content``, stopping as soon as it passes ``limit``.

    A success body past ``max_body_bytes`` is `ResponseTooLargeError`; an error body is only
    wanted for its message, so it is cut at `MAX_ERROR_BODY_BYTES` (plus room for a key cut in
    half) and the rest is never read.
    """
    is_error = response.status_code >= 300
    cap = min(limit, MAX_ERROR_BODY_BYTES + 4096) if is_error else limit

    def too_large() -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"the body decodes to more than {limit:,} bytes (max_body_bytes={limit}); reading stopped there, "
            "and the request is not retried",
            page=page,
            request=request,
        )

    encoding = response.headers.get("content-encoding", "").strip().lower()
    declared = response.headers.get("content-length", "")
    if not is_error and encoding in {"", "identity"} and declared.isdigit() and int(declared) > limit:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    async with contextlib.aclosing(cast(AsyncGenerator[bytes, None], response.aiter_bytes())) as body:
        async for chunk in body:
            size += len(chunk)
            if size > cap:
                if not is_error:
                    raise too_large()
                chunks.append(chunk[: len(chunk) - (size - cap)])
                break
            chunks.append(chunk)
    response._content = b"".join(chunks)


async def _exchange(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    deadline: float | None,
    max_body_bytes: int,
    page: int | None,
    secret: Secret | None,
) -> httpx.Response:
    """One attempt: send, read the whole body within ``deadline``; only library errors escape."""
    where = f"{request.method} {request.url}"
    timer = asyncio.timeout(deadline)
    response: httpx.Response | None = None
    try:
        async with timer:
            try:
                response = await client.send(request, stream=True)
            finally:
                # The auth flow wrote the key into this request object, which errors and pages hand
                # to the caller (and which pickles, logs and error reporters copy): out at once.
                _forget_key(request)
            await _read_body(response, limit=max_body_bytes, page=page, request=request)
        return response
    except RoeError:
        raise
    except TimeoutError as exc:
        if not timer.expired():
            raise RoeConnectionError(f"request failed ({_describe(exc, secret)}) for {where}", request=request) from exc
        raise RoeTimeoutError(
            f"the request took longer than {deadline:g} s as a whole (connecting, headers and body): {where}",
            request=request,
        ) from exc
    except httpx.TimeoutException as exc:
        raise RoeTimeoutError(f"timed out after {client.timeout.read}s: {where}", request=request) from exc
    except httpx.DecodingError as exc:
        # (No response yet when a transport decoded the body itself, as a ready-made Response does.)
        label = response.headers.get("content-encoding", "").strip() if response is not None else ""
        labelled = f" is labelled Content-Encoding: {clean_message(label, secret, limit=60)} but" if label else ""
        raise MalformedResponseError(
            f"the body{labelled} does not decompress ({_describe(exc, secret)})", page=page, request=request
        ) from exc
    except httpx.TransportError as exc:
        raise RoeConnectionError(
            f"connection failed ({_describe(exc, secret)}) for {where}",
            request=request,
        ) from exc
    except Exception as exc:  # a transport's or the stack's own error: not transient, not retried
        raise RoeConnectionError(f"request failed ({_describe(exc, secret)}) for {where}", request=request) from exc
    finally:
        if response is not None:
            try:
                await response.aclose()
            except Exception as exc:  # the body is read (or the error chosen): closing cannot change it
                logger.debug("closing the response to %s failed: %s", where, _describe(exc, secret))


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_retries: int,
    stats: RequestStats,
    page: int | None,
    decode: Callable[[httpx.Response], T],
    backoff_base: float = 0.25,
    backoff_cap: float = 20.0,
    deadline: float | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> tuple[httpx.Response, T]:
    """Send ``request`` with retries; return the response and ``decode(response)``.

    ``decode`` runs inside the retry loop so that a truncated body is retried like a dropped
    connection. Raises the mapped `APIStatusError`, `TransportError` or `MalformedResponseError`
    (never anything else), with ``page`` and ``attempts`` set.

    ``deadline`` bounds each attempt as a whole, in seconds (None: the largest component of
    ``client.timeout``); ``max_body_bytes`` bounds the decoded body of a response. The key to mask
    in error texts is read from ``client.auth`` when it is a `BearerAuth`.
    """
    attempts = 0
    secret = _secret_of(client)
    whole = _default_deadline(client.timeout) if deadline is None else deadline

    async def attempt() -> tuple[httpx.Response, T]:
        nonlocal attempts
        attempts += 1
        stats.requests += 1
        if attempts > 1:
            stats.retries += 1
        started = time.perf_counter()
        try:
            response = await _exchange(
                client, request, deadline=whole, max_body_bytes=max_body_bytes, page=page, secret=secret
            )
        finally:
            _forget_key(request)
        stats.statuses[response.status_code] = stats.statuses.get(response.status_code, 0) + 1
        logger.debug(
            "%s %s -> %s in %.0f ms (attempt %d)",
            request.method,
            request.url,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            attempts,
        )
        if response.status_code >= 300:
            raise status_error(response, page=page, attempts=attempts, secret=secret)
        try:
            return response, decode(response)
        except RoeError:
            raise
        except msgspec.ValidationError as exc:
            raise MalformedResponseError(clean_message(str(exc), secret), page=page, request=request) from exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise _TruncatedBodyError(
                MalformedResponseError(
                    f"body is not valid JSON ({clean_message(str(exc), secret, limit=300)}); "
                    f"{len(response.content)} bytes received",
                    page=page,
                    request=request,
                )
            ) from exc
        except Exception as exc:  # decode's own surprise (RecursionError, ...): not transient
            raise MalformedResponseError(
                f"the body could not be decoded ({_describe(exc, secret)})", page=page, request=request
            ) from exc

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        stats.waited_seconds += wait
        logger.info("retrying %s %s in %.2f s after: %s", request.method, request.url, wait, exc)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(max_retries + 1),
        wait=_wait(backoff_base, backoff_cap),
        retry=retry_if_exception(_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return await retrying(attempt)
    except _TruncatedBodyError as exc:
        exc.error.args = (f"{exc.error.args[0]} (after {attempts} attempts)",)
        raise exc.error from exc.__cause__
    except APIStatusError:
        raise
    except TransportError as exc:
        page_note = f" (page {page}, after {attempts} attempt{'s' * (attempts != 1)})" if page is not None else ""
        exc.args = (f"{exc.args[0]}{page_note}",)
        raise
