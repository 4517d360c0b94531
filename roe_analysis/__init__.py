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
from roe_analysis._refresh import RefreshWarning
from roe_analysis._schema import FRAME_SCHEMAS, SCHEMA_VERSION
from roe_analysis._snapshot import (
    LazySnapshot,
    SnapshotCorruptedError,
    SnapshotError,
    SnapshotFormatError,
    SnapshotNotFoundError,
    SnapshotOverwriteError,
    SnapshotVersionError,
)
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
    "LazySnapshot",
    "LimitReachedWarning",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefreshWarning",
    "RoeClient",
    "RoeConnectionError",
    "RoeError",
    "RoeTimeoutError",
    "SCHEMA_VERSION",
    "SchemaMismatchError",
    "ServerError",
    "SnapshotCorruptedError",
    "SnapshotError",
    "SnapshotFormatError",
    "SnapshotNotFoundError",
    "SnapshotOverwriteError",
    "SnapshotVersionError",
    "TransportError",
    "UnknownValueWarning",
    "__version__",
    "metadata_wide",
    "ui_field",
]
