"""A one-screen text summary of a load, for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from roe_analysis.frames._job_frames import JobFrames


def _counts(frame: pl.DataFrame, column: str) -> str:
    if frame.height == 0:
        return "—"
    counts = (
        frame.group_by(pl.col(column).cast(pl.String).fill_null("(none)"))
        .len()
        .sort(["len", column], descending=[True, False])
    )
    return ", ".join(f"{name} {n:,}" for name, n in counts.iter_rows())


def summary_text(frames: JobFrames, *, elapsed_seconds: float | None = None) -> str:
    """Jobs, versions, statuses, window, requests and retries of a load, in a few lines.

    Examples:
        >>> import roe_analysis as ra
        >>> print(summary_text(ra.JobFrames.empty()))
        jobs:      0
        versions:  —
        statuses:  —
        created:   —
    """
    jobs = frames.jobs
    lines = [
        f"jobs:      {jobs.height:,}"
        + (
            f" from {jobs.get_column('agent_id').n_unique()} agents"
            if jobs.height and jobs.get_column("agent_id").n_unique() > 1
            else ""
        ),
        f"versions:  {_counts(jobs, 'agent_version_name')}",
        f"statuses:  {_counts(jobs, 'status')}",
    ]
    if jobs.height:
        first, last = jobs.select(
            pl.col("created_at").min().alias("first"), pl.col("created_at").max().alias("last")
        ).row(0)
        lines.append(f"created:   {first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} UTC")
    else:
        lines.append("created:   —")
    load: Mapping[str, Any] = frames.query
    if "requests" in load:
        agents = load.get("agents", [])
        counted = sum(int(a.get("server_count", 0)) for a in agents)
        lines.append(
            f"requests:  {load['requests']:,} ({load.get('retries', 0):,} retries); server counted {counted:,} jobs"
        )
    if elapsed_seconds is not None:
        rate = f", {jobs.height / elapsed_seconds:,.0f} jobs/s" if elapsed_seconds > 0 and jobs.height else ""
        lines.append(f"time:      {elapsed_seconds:.2f} s{rate}")
    return "\n".join(lines)
