"""The wire: what goes to the Roe API and what comes back, one request at a time.

No frames here: this layer knows HTTP, JSON and the filters, nothing about tables.

- ``_config``: the settings (keyword arguments, then the SDK's ``ROE_*`` variables) and `Secret`.
- ``_query``: `JobFilters` (every filter, listed once) and `JobQuery` (them, validated).
- ``_records``: the msgspec structs a page decodes into.
- ``_catalog``: the structs of the results, versions and agents endpoints.
- ``_responses``: the one place an HTTP status becomes an error class; `Retry-After`, `Date`.
- ``_transport``: sending one request with the key, retries and backoff.
"""

from __future__ import annotations

from roe_analysis.api._catalog import (
    RESULTS_BATCH_SIZE,
    AgentRecord,
    AgentsPage,
    Datum,
    ResultItem,
    VersionRecord,
    decode_agents_page,
    decode_results,
    decode_versions,
)
from roe_analysis.api._config import Secret, Settings, is_loopback, resolve_settings
from roe_analysis.api._query import (
    FILTER_NAMES,
    JobFilters,
    JobQuery,
    parse_status_codes,
    validate_agent_id,
    validate_agent_ids,
)
from roe_analysis.api._records import Job, MetaValue, Page, decode_jobs, decode_page, encode
from roe_analysis.api._responses import error_message, parse_retry_after, server_date, status_error
from roe_analysis.api._transport import BearerAuth, RequestStats, send

__all__ = [
    "FILTER_NAMES",
    "RESULTS_BATCH_SIZE",
    "AgentRecord",
    "AgentsPage",
    "BearerAuth",
    "Datum",
    "Job",
    "JobFilters",
    "JobQuery",
    "MetaValue",
    "Page",
    "RequestStats",
    "ResultItem",
    "Secret",
    "Settings",
    "VersionRecord",
    "decode_agents_page",
    "decode_jobs",
    "decode_page",
    "decode_results",
    "decode_versions",
    "encode",
    "error_message",
    "is_loopback",
    "parse_retry_after",
    "parse_status_codes",
    "resolve_settings",
    "send",
    "server_date",
    "status_error",
    "validate_agent_id",
    "validate_agent_ids",
]
