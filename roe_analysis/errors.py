"""Every error and warning roe-analysis raises on purpose, in one tree.

```
RoeError
├── InvalidArgumentError (also a ValueError)   bad input, raised before any request or computation
│   ├── ConfigurationError                     missing key / organisation, bad base URL, insecure URL
│   ├── ArgumentTypeError (also a TypeError)   an argument of the wrong type (a list where frames go …)
│   ├── MissingColumnsError                    a frame given to a helper or chart lacks columns it needs
│   └── SchemaMismatchError                    frames given to `JobFrames` lack the fixed schema
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
│   ├── ServerError                  5xx
│   └── RedirectError                3xx       a redirect, which is never followed
├── MalformedResponseError                     a 2xx body that is not what the API promises
│   └── ResponseTooLargeError                  a body that decodes to more than `max_body_bytes`
├── LoadLimitError                             the server's count implies more pages than `max_pages`
└── SnapshotError                              a snapshot could not be saved or loaded
    ├── SnapshotNotFoundError (also a FileNotFoundError)   no folder, or no manifest.json in it
    ├── SnapshotFormatError                    manifest.json of something else
    ├── SnapshotVersionError                   written with a schema this version cannot read
    ├── SnapshotCorruptedError                 bad manifest, or a file missing, truncated or changed
    └── SnapshotOverwriteError                 save refused: would replace a non-snapshot folder

RoeWarning (a UserWarning)
├── IncompleteLoadWarning                      a load returned fewer jobs than the server counted
│   └── MissingResultsWarning                  jobs the results endpoint did not answer for (or refused)
├── LimitReachedWarning                        the server's `limit` cap hid older jobs
├── RefreshWarning                             a refresh had to reload an agent in full
├── UnknownValueWarning                        the server sent an enum value this version does not know
├── NoSharedInputsWarning                      two compared versions ran no input in common
└── AgreementWarning                           what an agreement figure cannot say
    ├── UndefinedCoefficientWarning            a coefficient is undefined for a group (left null)
    ├── PrevalenceSkewWarning                  one label dominates: kappa is deflated, read AC1/PABAK
    └── ScaleMismatchWarning                   grader and human scores look like different scales
```

Errors raised while loading pages name the page and how many attempts were made, and carry
``partial``: the frames of every job fetched before the failure, so nothing fetched is lost.
The API key never appears in any message: requests are described by method and URL only, and the
key travels in the Authorization header, which no error reads. Argument errors subclass
`ValueError` (and wrong types `TypeError`), so ``except ValueError`` around a call keeps working.
The HTTP status → class mapping lives in one place, `roe_analysis.api` (``status_error``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import httpx


class RoeError(Exception):
    """Root of every error roe-analysis raises."""

    #: The `JobFrames` of the jobs fetched before a load failed, when the error ended a load.
    partial: Any = None


class InvalidArgumentError(RoeError, ValueError):
    """An argument can never work; raised before any request is sent or anything is computed."""


class ConfigurationError(InvalidArgumentError):
    """The client is not configured well enough to send a request."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type (also a `TypeError`, so ``except TypeError`` keeps working)."""


def closest_match(name: str, options: Iterable[str]) -> str | None:
    """The option most like ``name`` (case-insensitive), or ``None`` when nothing is close.

    Used by every "did you mean …?" in an error message.

    Examples:
        >>> closest_match("Duration_MS", ["duration_ms", "job_id"])
        'duration_ms'
        >>> print(closest_match("xyz", ["duration_ms"]))
        None
    """
    by_lower: dict[str, str] = {}
    for option in options:
        by_lower.setdefault(str(option).lower(), str(option))
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


class MissingColumnsError(InvalidArgumentError):
    """A frame given to a helper or chart lacks columns it needs.

    Attributes:
        helper: name of the helper that rejected the frame.
        missing: the required columns that are absent, in the order they were asked for.
        available: the columns the frame has.
    """

    def __init__(self, helper: str, missing: list[str], available: list[str]) -> None:
        self.helper = helper
        self.missing = missing
        self.available = available
        hints = []
        for name in missing:
            close = closest_match(name, available)
            if close is not None:
                hints.append(f"did you mean {close!r} for {name!r}?")
        hint = (" " + " ".join(hints)) if hints else ""
        columns = "column" if len(missing) == 1 else "columns"
        super().__init__(f"{helper}: missing {columns} {missing}; available columns: {available}.{hint}")


class SchemaMismatchError(InvalidArgumentError):
    """A frame given to `JobFrames` does not have the library's fixed schema."""


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


#: Keys of an error body that hold its human message rather than a field's messages.
MESSAGE_KEYS = ("message", "detail", "error")


class BadRequestError(APIStatusError):
    """400: the server rejected a parameter; `field_errors` maps field → messages."""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The DRF-style field → messages map of the body (empty if the body was not one).

        Nested errors are keyed by their path: a list field's item errors as ``job_ids[2]``, a
        nested serializer's as ``inputs[0].key``.
        """
        return field_messages(self.body)


def field_messages(body: Any) -> dict[str, list[str]]:
    """DRF's 400 body as field path → messages (``{}`` for a body that is not a map).

    Examples:
        >>> field_messages({"job_ids": {"2": ["Must be a valid UUID."]}, "page": ["Invalid page."]})
        {'job_ids[2]': ['Must be a valid UUID.'], 'page': ['Invalid page.']}
        >>> field_messages({"inputs": [{"key": ["Required."]}, {}], "detail": "Bad request"})
        {'inputs[0].key': ['Required.']}
    """
    out: dict[str, list[str]] = {}
    if not isinstance(body, Mapping):
        return out

    def walk(where: str, value: Any, depth: int) -> None:
        if isinstance(value, Mapping) and depth < 8:
            for k, v in value.items():
                walk(f"{where}[{k}]" if str(k).isdigit() else f"{where}.{k}", v, depth + 1)
        elif isinstance(value, list) and depth < 8 and any(isinstance(v, Mapping | list) for v in value):
            for i, v in enumerate(value):
                walk(f"{where}[{i}]", v, depth + 1)
        elif isinstance(value, list):
            if value:
                out[where] = [str(v) for v in value]
        else:
            out[where] = [str(value)]

    for key, value in body.items():
        if key in MESSAGE_KEYS and isinstance(value, str):
            continue
        walk(str(key), value, 0)
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


class RedirectError(APIStatusError):
    """3xx: the server redirected; redirects are never followed (the key must not travel on), and
    the body of a redirect is not a page. Check the base URL (a trailing path, http vs https)."""


class MalformedResponseError(RoeError):
    """A successful response whose body is not what the API promises."""

    def __init__(self, message: str, *, page: int | None = None, request: httpx.Request | None = None) -> None:
        self.page = page
        self.request = request
        where = f" (page {page})" if page is not None else ""
        url = f" from {request.method} {_safe_url(request.url)}" if request is not None else ""
        super().__init__(f"malformed response{where}{url}: {message}")


class ResponseTooLargeError(MalformedResponseError):
    """A response body decoded (after gzip/deflate) to more than the client's ``max_body_bytes``."""


class LoadLimitError(RoeError):
    """The server's ``count`` implies more pages than the client's ``max_pages`` sanity limit.

    Raised before those pages are requested; ``partial`` holds what was fetched (page 1).
    """


def _safe_url(url: httpx.URL) -> str:
    # URLs never carry the key (it travels in a header), but strip any userinfo a user typed.
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


class SnapshotError(RoeError):
    """A snapshot could not be saved or loaded."""


class SnapshotNotFoundError(SnapshotError, FileNotFoundError):
    """There is no snapshot at the path: no folder, or a folder without ``manifest.json``."""


class SnapshotFormatError(SnapshotError):
    """The folder's ``manifest.json`` belongs to something other than a roe-analysis snapshot."""


class SnapshotVersionError(SnapshotError):
    """The snapshot was written with a schema version this roe-analysis cannot read."""


class SnapshotCorruptedError(SnapshotError):
    """The manifest is damaged, or a file is missing or differs from what the manifest records."""


class SnapshotOverwriteError(SnapshotError):
    """Saving would replace something that is not a snapshot (or `overwrite=False` forbids it)."""


class RoeWarning(UserWarning):
    """Root of every warning roe-analysis emits (a `UserWarning`, so existing filters keep working)."""


class IncompleteLoadWarning(RoeWarning):
    """A load returned a different number of jobs than the server counted."""


class MissingResultsWarning(IncompleteLoadWarning):
    """Jobs have no result: the results endpoint left them out (deleted meanwhile) or refused a batch (403)."""


class LimitReachedWarning(RoeWarning):
    """The server's `limit` cap was reached: older jobs were not considered."""


class RefreshWarning(RoeWarning):
    """A refresh had to reload an agent in full (jobs were deleted or left the filtered set)."""


class UnknownValueWarning(RoeWarning):
    """The server sent an enum value this version of roe-analysis does not know; it became null."""


class NoSharedInputsWarning(RoeWarning):
    """Two compared versions ran no input in common: the comparison is unpaired.

    Input-to-input variation is then not removed, and reruns of one input cannot be matched across
    the versions; run both versions on the same inputs to compare them paired.
    """


class AgreementWarning(RoeWarning):
    """Base class of every warning the agreement helpers emit."""


class UndefinedCoefficientWarning(AgreementWarning):
    """A coefficient is mathematically undefined for some group and was left null."""


class PrevalenceSkewWarning(AgreementWarning):
    """One label dominates a group, so Cohen's kappa is deflated (the "kappa paradox")."""


class ScaleMismatchWarning(AgreementWarning):
    """Grader and human scores look like they are on different scales (e.g. 0–1 against 0–100)."""


__all__ = [
    "APIStatusError",
    "AgentNotFoundError",
    "AgreementWarning",
    "ArgumentTypeError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "IncompleteLoadWarning",
    "InvalidArgumentError",
    "InvalidPageError",
    "LimitReachedWarning",
    "MalformedResponseError",
    "MissingColumnsError",
    "NoSharedInputsWarning",
    "NotFoundError",
    "PermissionDeniedError",
    "PrevalenceSkewWarning",
    "RateLimitError",
    "RefreshWarning",
    "RoeConnectionError",
    "RoeError",
    "RoeTimeoutError",
    "RoeWarning",
    "ScaleMismatchWarning",
    "SchemaMismatchError",
    "ServerError",
    "SnapshotCorruptedError",
    "SnapshotError",
    "SnapshotFormatError",
    "SnapshotNotFoundError",
    "SnapshotOverwriteError",
    "SnapshotVersionError",
    "TransportError",
    "UndefinedCoefficientWarning",
    "UnknownValueWarning",
    "closest_match",
]
