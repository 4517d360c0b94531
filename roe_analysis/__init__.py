"""roe-analysis: load every job of a Roe AI agent into typed Polars frames and analyse them."""

from __future__ import annotations

from roe_analysis._client import AsyncRoeClient, FetchedPage, RoeClient
from roe_analysis._errors import (
    AgentNotFoundError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    IncompleteLoadWarning,
    InvalidArgumentError,
    InvalidPageError,
    LimitReachedWarning,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RoeConnectionError,
    RoeError,
    RoeTimeoutError,
    ServerError,
    TransportError,
)
from roe_analysis._expressions import metadata_wide, ui_field
from roe_analysis._frames import JobFrames, SchemaMismatchError, UnknownValueWarning
from roe_analysis._schema import FRAME_SCHEMAS, SCHEMA_VERSION
from roe_analysis._version import __version__

__all__ = [
    "APIStatusError",
    "AgentNotFoundError",
    "AsyncRoeClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "FRAME_SCHEMAS",
    "FetchedPage",
    "IncompleteLoadWarning",
    "InvalidArgumentError",
    "InvalidPageError",
    "JobFrames",
    "LimitReachedWarning",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RoeClient",
    "RoeConnectionError",
    "RoeError",
    "RoeTimeoutError",
    "SCHEMA_VERSION",
    "SchemaMismatchError",
    "ServerError",
    "TransportError",
    "UnknownValueWarning",
    "__version__",
    "metadata_wide",
    "ui_field",
]
