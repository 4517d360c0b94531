"""`snapshot_info`: a human summary of a snapshot's manifest, for ``roe-analysis info DIR``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.storage._manifest import snapshot_folder, validated_manifest


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _window(query: Mapping[str, Any]) -> str:
    filters = query.get("filters")
    filters = filters if isinstance(filters, Mapping) else {}
    start = filters.get("created_from") or "the first job"
    end = filters.get("created_to")
    if end:
        return f"{start} → {end}"
    agents = query.get("agents")
    ends = sorted(
        {str(a["window_end"]) for a in (agents or []) if isinstance(a, Mapping) and a.get("window_end")}
        if isinstance(agents, list)
        else set()
    )
    if len(ends) == 1:
        return f"{start} → {ends[0]} (pinned at load)"
    if ends:
        return f"{start} → pinned per agent"
    return f"{start} → the fetch" if query else "— (built from records)"


def snapshot_info(path: str | os.PathLike[str]) -> str:
    """A human summary of a snapshot's manifest, for ``roe-analysis info DIR``.

    Reads only the manifest (verified by its checksum); the files are checked when loaded.

    Args:
        path: the snapshot folder (or its ``manifest.json``).

    Returns:
        A few lines: agents, API host, window, fetch time, server counts, rows, size, versions
        and, when ``extra`` holds one, the refresh history.

    Raises:
        SnapshotError: as `read_manifest`.

    Examples:
        >>> import tempfile
        >>> from roe_analysis._schema import empty_tables
        >>> from roe_analysis.storage import save_snapshot
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = save_snapshot(empty_tables(), f"{tmp}/snap",
        ...                            extra={"refresh_history": [{"at": "2026-05-02T00:00:00Z", "added": 3}]})
        ...     print(snapshot_info(folder))  # doctest: +ELLIPSIS
        snapshot      .../snap
        agents        —
        host          —
        window        — (built from records)
        fetched at    —
        complete      —
        rows          jobs 0 · status_events 0 · inputs 0 · metadata 0 · results 0 · outputs 0 · versions 0
        size          ... (7 Parquet files, SHA-256 checked on load)
        written by    roe-analysis ..., schema 2, at ...
        refreshes     1
          - at=2026-05-02T00:00:00Z, added=3
    """
    folder = snapshot_folder(path)
    manifest = validated_manifest(folder)
    query = manifest["query"]
    counts = manifest["server_counts"]
    agents = manifest["agent_ids"]
    agent_lines = [f"{a} (server count {counts[a]:,})" if isinstance(counts.get(a), int) else str(a) for a in agents]
    complete = query.get("complete")
    files = manifest["files"]
    rows = " · ".join(f"{name} {entry['rows']:,}" for name, entry in files.items())
    lines = [
        f"snapshot      {folder}",
        f"agents        {agent_lines[0] if agent_lines else '—'}",
        *(f"              {line}" for line in agent_lines[1:]),
        f"host          {manifest.get('host') or '—'}",
        f"window        {_window(query)}",
        f"fetched at    {manifest.get('fetched_at') or '—'}",
        f"complete      {'—' if complete is None else ('yes' if complete else 'NO (partial load)')}",
        f"rows          {rows}",
        f"size          {_size(sum(entry['bytes'] for entry in files.values()))} "
        f"({len(files)} Parquet files, SHA-256 checked on load)",
        f"written by    roe-analysis {manifest['library_version']}, schema {manifest['schema_version']}, "
        f"at {manifest['created_at']}",
    ]
    older = [name for name in FRAME_SCHEMAS if name not in files]
    if older:
        lines.append(
            f"not saved     {', '.join(older)} (schema {manifest['schema_version']} predates them; they load "
            f"empty): add them with client.load_results(frames) / client.load_versions(agent_id), then save again"
        )
    extra = manifest["extra"]
    history = extra.get("refresh_history")
    if isinstance(history, list):
        lines.append(f"refreshes     {len(history)}")
        for entry in history:
            if isinstance(entry, Mapping):
                lines.append("  - " + ", ".join(f"{k}={v}" for k, v in entry.items()))
            else:
                lines.append(f"  - {entry}")
    others = sorted(k for k in extra if k != "refresh_history")
    if others:
        lines.append(f"extra         {', '.join(others)}")
    return "\n".join(lines)
