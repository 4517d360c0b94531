"""Every error roe-analysis raises, in one tree.

```
RoeError
├── InvalidArgumentError (also a ValueError)   bad input, raised before any request is sent
│   └── ConfigurationError                     missing key / organisation, bad base URL, insecure URL
├── TransportError                             no HTTP response at all
│   ├── RoeConnectionError                     refused, reset, dropped connection
│   └── RoeTimeoutError                        the request took longer than `timeout`
├── APIStatusError                             the server answered with an error status
│   ├── BadRequestError              400       carries `field_errors`
│   ├── AuthenticationError          401
│   ├── PermissionDeniedError        403
│   ├── NotFoundError                404
│   │   ├── AgentNotFoundError                 the agent does not exist
│   │   └── InvalidPageError                   a page past the end ("Invalid page.")
│   ├── RateLimitError               429       carries `retry_after`
│   └── ServerError                  5xx
└── MalformedResponseError                     a 2xx body that is not what the API promises
```

Errors raised while loading pages name the page and how many attempts were made, and carry
``partial``: the frames of every job fetched before the failure, so nothing fetched is lost.
The API key never appears in any message: requests are described by method and URL only, and the
key travels in the Authorization header, which no error reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from roe_analysis._frames import JobFrames


class RoeError(Exception):
    """Root of every error roe-analysis raises."""

    #: Frames of the jobs fetched before a load failed, when the error ended a load.
    partial: JobFrames | None = None


class InvalidArgumentError(RoeError, ValueError):
    """An argument can never work; raised before any request is sent."""


class ConfigurationError(InvalidArgumentError):
    """The client is not configured well enough to send a request."""


class IncompleteLoadWarning(UserWarning):
    """A load returned a different number of jobs than the server counted."""


class LimitReachedWarning(UserWarning):
    """The server's `limit` cap was reached: older jobs were not considered."""


class TransportError(RoeError):
    """No HTTP response was received."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class RoeConnectionError(TransportError):
    """The connection failed or was dropped."""


class RoeTimeoutError(TransportError):
    """The request timed out."""


class APIStatusError(RoeError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        message: the server's message, read from `message`, `detail` or `error`.
        body: the decoded JSON body (or the raw text when it was not JSON).
        request: the `httpx.Request` that failed (its URL holds no secret).
        page: the page number being fetched, when known.
        attempts: how many times the request was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        request: httpx.Request | None = None,
        page: int | None = None,
        attempts: int = 1,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request = request
        self.page = page
        self.attempts = attempts
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = ""
        if self.request is not None:
            where = f" for {self.request.method} {_safe_url(self.request.url)}"
        page = f" (page {self.page}, after {self.attempts} attempt{'s' * (self.attempts != 1)})"
        return f"{self.status_code} {self.message}{where}{page if self.page is not None else ''}"

    def __str__(self) -> str:
        return self._describe()


class BadRequestError(APIStatusError):
    """400: the server rejected a parameter; `field_errors` maps field → messages."""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The DRF-style field → messages map of the body (empty if the body was not one)."""
        if not isinstance(self.body, Mapping):
            return {}
        out: dict[str, list[str]] = {}
        for key, value in self.body.items():
            if key in {"message", "detail", "error"} and isinstance(value, str):
                continue
            out[str(key)] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return out


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not see this agent, or the organisation id is wrong."""


class NotFoundError(APIStatusError):
    """404."""


class AgentNotFoundError(NotFoundError):
    """404: no agent has this id (or it is in another organisation)."""


class InvalidPageError(NotFoundError):
    """404 "Invalid page.": a page past the end of the results."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` holds the server's wait in seconds, if it gave one."""

    retry_after: float | None = None


class ServerError(APIStatusError):
    """5xx: the server failed."""


class MalformedResponseError(RoeError):
    """A successful response whose body is not what the API promises."""

    def __init__(self, message: str, *, page: int | None = None, request: httpx.Request | None = None) -> None:
        self.page = page
        self.request = request
        where = f" (page {page})" if page is not None else ""
        url = f" from {request.method} {_safe_url(request.url)}" if request is not None else ""
        super().__init__(f"malformed response{where}{url}: {message}")


def _safe_url(url: httpx.URL) -> str:
    # URLs never carry the key (it travels in a header), but strip any userinfo a user typed.
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def error_message(body: Any, fallback: str) -> str:
    """The human message of an error body: `message`, `detail` or `error`, whichever it has."""
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        fields = [
            f"{k}: {'; '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in body.items()
            if k not in {"message", "detail", "error"}
        ]
        if fields:
            return " | ".join(fields)
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return fallback


def status_error(response: httpx.Response, *, page: int | None = None, attempts: int = 1) -> APIStatusError:
    """The one place where an HTTP status becomes an error class."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    status = response.status_code
    message = error_message(body, response.reason_phrase or "error")
    cls: type[APIStatusError]
    if status == 400:
        cls = BadRequestError
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    elif status == 404:
        if message.strip().lower() == "invalid page.":
            cls = InvalidPageError
        elif isinstance(body, Mapping):
            cls = AgentNotFoundError
        else:
            # Not the API's JSON: a wrong base URL path or a proxy's page, not a missing agent.
            cls = NotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    err = cls(message, status_code=status, body=body, request=response.request, page=page, attempts=attempts)
    if isinstance(err, RateLimitError):
        err.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return err


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
