"""What an HTTP response means: the one place a status becomes an error class, and its headers.

stripe-style: every status maps to a class of `roe_analysis.errors` here and nowhere else, and
every error carries the status, the body and the request.

What this boundary guarantees, whatever the server sends:

- `status_error` never raises. A body that is not JSON, is binary garbage, is nested deeper than
  `MAX_BODY_DEPTH` or is larger than `MAX_ERROR_BODY_BYTES` is kept as raw text, capped; a
  response without a request, body or reason phrase still gives an error.
- 3xx is a `RedirectError` naming the ``Location`` header: redirects are never followed.
- Every server-supplied text that reaches an error (its message, its ``body``, the redirect
  target) has our own API key replaced by ``**********`` (`redact`), and the message is capped and
  has no terminal control characters.
- `parse_retry_after` is None or a finite number of seconds >= 0; `server_date` is None or an aware
  UTC datetime. Neither raises.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from roe_analysis.api._config import Secret
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
    RedirectError,
    ServerError,
    field_messages,
)

#: What our key becomes in any server-supplied text.
MASK = "**********"
#: Bytes of an error body that are read (as JSON or as text); the rest is dropped.
MAX_ERROR_BODY_BYTES = 64 * 1024
#: Deepest nesting of an error body kept as JSON; deeper bodies are kept as their text.
MAX_BODY_DEPTH = 64
#: Longest error message taken from a body (the whole body stays in ``err.body``).
MAX_MESSAGE_CHARS = 1000
_MAX_TEXT_MESSAGE_CHARS = 500
_MAX_LOCATION_CHARS = 500

# C0 controls but tab and newline, DEL, and C1 controls: a message must not drive a terminal.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}


class _TooDeepError(Exception):
    pass


def redact(text: str, secret: Secret | str | None) -> str:
    """``text`` with every occurrence of the key replaced by ``**********``."""
    key = secret.reveal() if isinstance(secret, Secret) else secret
    return text.replace(key, MASK) if key and key in text else text


def clean_message(text: str, secret: Secret | str | None = None, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A server-supplied text fit for an error message: key masked, no control characters, capped."""
    text = redact(text, secret).translate(_CONTROLS)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_message(body: Any, fallback: str, *, secret: Secret | None = None) -> str:
    """The human message of an error body: `message`, `detail` or `error`, whichever it has.

    Never raises; the message has the key masked and is at most `MAX_MESSAGE_CHARS` long.
    """
    try:
        message = _message(body)
    except Exception:  # an odd Mapping or a value whose str() fails: fall back
        message = None
    return clean_message(message or fallback, secret)


def _message(body: Any) -> str | None:
    if isinstance(body, Mapping):
        for key in MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        fields = [f"{where}: {'; '.join(messages)}" for where, messages in field_messages(body).items()]
        if fields:
            return " | ".join(fields)
    if isinstance(body, str) and body.strip():
        return body.strip()[:_MAX_TEXT_MESSAGE_CHARS]
    return None


def read_error_body(response: httpx.Response, *, secret: Secret | None = None) -> Any:
    """The body of an error response: its JSON (key masked), else its text (capped, key masked).

    Never raises: an unread or unreadable body is ``None``.
    """
    try:
        content = response.content
    except Exception:  # httpx.ResponseNotRead: a streamed response nobody read
        return None
    if not content:
        return ""
    try:
        if len(content) <= MAX_ERROR_BODY_BYTES:
            return _redacted(json.loads(content), secret, 0)
    except Exception:  # not JSON (ValueError), nested too deep (RecursionError, _TooDeepError), ...
        pass
    return _text(response, content, secret)


def _text(response: httpx.Response, content: bytes, secret: Secret | None) -> str:
    key = secret.reveal() if secret is not None else ""
    # Read past the cap by the key's length, so a key cut in half by the cap is still masked.
    head = content[: MAX_ERROR_BODY_BYTES + 4 * len(key)]
    try:
        encoding = response.encoding or "utf-8"
        text = head.decode(encoding, errors="replace")
    except Exception:  # an encoding the codec machinery chokes on
        text = head.decode("utf-8", errors="replace")
    text = redact(text, key)
    if len(content) > MAX_ERROR_BODY_BYTES:
        text = f"{text[:MAX_ERROR_BODY_BYTES]} … (truncated; {len(content)} bytes read)"
    return text


def _redacted(value: Any, secret: Secret | None, depth: int) -> Any:
    """A copy of decoded JSON with the key masked in every string; `_TooDeepError` past the depth cap."""
    if depth > MAX_BODY_DEPTH:
        raise _TooDeepError
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, list):
        return [_redacted(v, secret, depth + 1) for v in value]
    if isinstance(value, dict):
        return {redact(str(k), secret): _redacted(v, secret, depth + 1) for k, v in value.items()}
    return value


def status_error(
    response: httpx.Response, *, page: int | None = None, attempts: int = 1, secret: Secret | None = None
) -> APIStatusError:
    """The one place where an HTTP status becomes an error class.

    ``secret`` is the API key to mask in everything the server wrote. Never raises, whatever the
    body; meant for statuses >= 300 (3xx is a `RedirectError`, 5xx and above a `ServerError`).
    """
    body = read_error_body(response, secret=secret)
    status = response.status_code
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built by hand, never sent
        request = None
    message = error_message(body, response.reason_phrase or "error", secret=secret)
    cls: type[APIStatusError]
    if 300 <= status < 400:
        cls = RedirectError
        message = _redirect_message(response, secret)
    elif status == 400:
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
    err = cls(message, status_code=status, body=body, request=request, page=page, attempts=attempts)
    if isinstance(err, RateLimitError):
        err.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return err


def _redirect_message(response: httpx.Response, secret: Secret | None) -> str:
    location = response.headers.get("location")
    where = (
        f"to {clean_message(location.strip(), secret, limit=_MAX_LOCATION_CHARS)!r} (its Location header)"
        if location and location.strip()
        else "without a Location header"
    )
    return (
        f"the server redirected {where}; redirects are never followed, so the API key never travels "
        "on. Check the base URL: a trailing path, or http where the API wants https"
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad.

    Always None or a finite number >= 0: a negative, NaN or infinite number is a lie, and None
    lets the caller's own backoff decide. A date in the past is 0.0 (no wait).
    """
    if value is None:
        return None
    try:
        value = value.strip()
        if not value.isascii():
            return None
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            return seconds + 0.0 if math.isfinite(seconds) and seconds >= 0 else None
        when = _http_date(value)
        if when is None:
            return None
        wait = (when - datetime.now(UTC)).total_seconds()
    except Exception:  # whatever else a header can do to the parsers
        return None
    return max(0.0, wait) if math.isfinite(wait) else None


def server_date(response: httpx.Response) -> datetime | None:
    """The response's `Date` header as an aware UTC datetime, or None when absent or unreadable."""
    value = response.headers.get("date")
    return _http_date(value) if value else None


def _http_date(value: str) -> datetime | None:
    """An HTTP-date as an aware UTC datetime (no zone = UTC); None when it is not one.

    None too when its offset takes it outside years 1–9999 (``Fri, 31 Dec 9999 23:00:00 -0500``).
    """
    try:
        when = parsedate_to_datetime(value)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
