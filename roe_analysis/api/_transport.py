"""Sending one request: the Bearer header, error mapping and retries.

Retries (tenacity) cover what a later attempt can fix: 429 (waiting what `Retry-After` says, capped),
500/502/503/504, timeouts, dropped connections and bodies cut short. Waits grow exponentially
with full jitter so that eight workers hitting one busy server do not retry in lockstep. When the
attempts run out, the last error is raised with the page and the number of attempts in its
message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

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
from roe_analysis.api._responses import status_error
from roe_analysis.errors import (
    APIStatusError,
    MalformedResponseError,
    RateLimitError,
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


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request; its repr never shows the key."""

    def __init__(self, key: Secret) -> None:
        self._key = key

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
        return True
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
) -> tuple[httpx.Response, T]:
    """Send ``request`` with retries; return the response and ``decode(response)``.

    ``decode`` runs inside the retry loop so that a truncated body is retried like a dropped
    connection. Raises the mapped `APIStatusError`, `TransportError` or `MalformedResponseError`,
    with ``page`` and ``attempts`` set.
    """
    attempts = 0

    async def attempt() -> tuple[httpx.Response, T]:
        nonlocal attempts
        attempts += 1
        stats.requests += 1
        if attempts > 1:
            stats.retries += 1
        started = time.perf_counter()
        try:
            response = await client.send(request)
        except httpx.TimeoutException as exc:
            _forget_key(request)
            raise RoeTimeoutError(
                f"timed out after {client.timeout.read}s: {request.method} {request.url}", request=request
            ) from exc
        except httpx.TransportError as exc:
            _forget_key(request)
            raise RoeConnectionError(
                f"connection failed ({type(exc).__name__}: {exc}) for {request.method} {request.url}",
                request=request,
            ) from exc
        # The auth flow wrote the key into this request object, which errors and pages hand to the
        # caller (and which pickles, logs and error reporters copy): take it out again at once.
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
        if response.status_code >= 400:
            raise status_error(response, page=page, attempts=attempts)
        try:
            return response, decode(response)
        except msgspec.ValidationError as exc:
            raise MalformedResponseError(str(exc), page=page, request=request) from exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise _TruncatedBodyError(
                MalformedResponseError(
                    f"body is not valid JSON ({exc}); {len(response.content)} bytes received",
                    page=page,
                    request=request,
                )
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
