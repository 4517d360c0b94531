"""The client: paging through agents' jobs into frames, and refreshing snapshots.

- ``_paging``: `AgentPages`, the one object that plans, fetches, keeps and reconciles the pages of
  an agent; `load_jobs`, `iter_pages` and `refresh` all use it.
- ``_async_client``: `AsyncRoeClient` (sends the requests; the `PageFetcher` seam).
- ``_sync_client``: `RoeClient`, the same on a private event-loop thread.
- ``_refresh``: bringing a snapshot up to date with requests proportional to the changes.
- ``_progress``: the progress bar of a load.
"""

from __future__ import annotations

from roe_analysis.client._async_client import AsyncRoeClient, FetchedPage, describe_load
from roe_analysis.client._paging import AgentLoad, AgentPages, LoadReport, PageFetch
from roe_analysis.client._refresh import merge_changes, refresh_snapshot
from roe_analysis.client._sync_client import RoeClient

__all__ = [
    "AgentLoad",
    "AgentPages",
    "AsyncRoeClient",
    "FetchedPage",
    "LoadReport",
    "PageFetch",
    "RoeClient",
    "describe_load",
    "merge_changes",
    "refresh_snapshot",
]
