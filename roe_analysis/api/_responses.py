"""What an HTTP response means: the one place a status becomes an error class, and its headers.

stripe-style: every status maps to a class of `roe_analysis.errors` here and nowhere else, and
every error carries the status, the body and the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from roe_analysis.errors import (
    MESSAGE_KEYS,
    AgentNotFoundError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InvalidPageError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)


def error_message(body: Any, fallback: str) -> str:
    """The human message of an error body: `message`, `detail` or `error`, whichever it has."""
    if isinstance(body, Mapping):
        for key in MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        fields = [
            f"{k}: {'; '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in body.items()
            if k not in MESSAGE_KEYS
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
    when = _http_date(value)
    return None if when is None else max(0.0, (when - datetime.now(UTC)).total_seconds())


def server_date(response: httpx.Response) -> datetime | None:
    """The response's `Date` header as an aware UTC datetime, or None when absent or unreadable."""
    value = response.headers.get("date")
    return _http_date(value) if value else None


def _http_date(value: str) -> datetime | None:
    """An HTTP-date as an aware UTC datetime (no zone = UTC); None when it is not one."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
