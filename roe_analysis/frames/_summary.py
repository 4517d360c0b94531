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
    if load.get("results"):
        results = frames.results
        costed = results.get_column("cost").drop_nulls()
        missing = int(load.get("results_missing") or 0)
        lines.append(
            f"results:   {results.height:,} jobs, {costed.len():,} with a cost (total ${costed.sum():,.2f})"
            + (f"; {missing:,} without a result" if missing else "")
        )
    if load.get("versions"):
        versions = frames.versions
        models = dict(versions.select("version_name", "model").iter_rows())
        used = jobs.get_column("agent_version_name").drop_nulls().unique().sort().to_list()
        named = [
            f"{name} {models[name] or '(model unknown)'}" if name in models else f"{name} (not a listed version)"
            for name in used
        ]
        lines.append(f"models:    {', '.join(named) or '—'} ({versions.height:,} versions listed)")
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


def agents_text(agents: pl.DataFrame) -> str:
    """The `agents` frame (`RoeClient.list_agents`) as aligned lines: name, id, jobs, last job, tags.

    Examples:
        >>> import polars as pl
        >>> from roe_analysis._schema import AGENTS_SCHEMA
        >>> print(agents_text(pl.DataFrame(schema=AGENTS_SCHEMA)))
        no agents
    """
    if agents.height == 0:
        return "no agents"
    rows = [("NAME", "AGENT ID", "JOBS", "MOST RECENT JOB", "TAGS")]
    for a in agents.iter_rows(named=True):
        last = a["most_recent_job"]
        rows.append(
            (
                a["name"] or "(unnamed)",
                a["agent_id"],
                "—" if a["job_count"] is None else f"{a['job_count']:,}",
                "—" if last is None else f"{last:%Y-%m-%d %H:%M} UTC",
                ", ".join(a["tags"] or []) or "—",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        name, ident, jobs, last, tags = r
        lines.append(
            f"{name:<{widths[0]}}  {ident:<{widths[1]}}  {jobs:>{widths[2]}}  {last:<{widths[3]}}  {tags}".rstrip()
        )
    return "\n".join(lines)
