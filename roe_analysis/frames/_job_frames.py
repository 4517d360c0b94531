"""`JobFrames`: the typed frames a load produces, and the ways to make, save and read them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from roe_analysis._schema import EXTRA_FRAME_NAMES, FRAME_SCHEMAS, empty_tables
from roe_analysis._text import plural, plural_word
from roe_analysis.api import decode_jobs, encode, validate_agent_id
from roe_analysis.errors import InvalidArgumentError, MalformedResponseError, SchemaMismatchError
from roe_analysis.frames._build import PageChunk, build_tables
from roe_analysis.storage import ScannedSnapshot, load_snapshot, save_snapshot, scan_snapshot

#: The ``query`` flag that says each extra frame was loaded (so an empty one means "none", not "not asked").
_LOADED_BY = {"results": "results", "outputs": "results", "versions": "versions"}

#: What `JobFrames.from_tables` takes for one frame: a DataFrame, columns by name, or rows.
TableData = pl.DataFrame | Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]


def _check_schema(name: str, frame: pl.DataFrame) -> None:
    expected = FRAME_SCHEMAS[name]
    if frame.schema == expected:
        return
    missing = [c for c in expected if c not in frame.schema]
    extra = [c for c in frame.schema if c not in expected]
    wrong = [
        f"{c}: {frame.schema[c]} (expected {expected[c]})"
        for c in expected
        if c in frame.schema and frame.schema[c] != expected[c]
    ]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    if wrong:
        parts.append(f"wrong dtypes {wrong}")
    if not parts:
        parts.append(f"columns out of order: {list(frame.schema)} (expected {list(expected)})")
    raise SchemaMismatchError(
        f"`{name}` frame does not match the roe-analysis schema: {'; '.join(parts)}. "
        f"Build frames with `JobFrames.from_records(...)`, `JobFrames.from_tables(...)` or `JobFrames.empty()`."
    )


@dataclass(frozen=True)
class JobFrames:
    """Every job of one or more agents as typed Polars frames.

    The first four come from the jobs list; the last three from the results and versions
    endpoints, and are empty until loaded (``load_jobs(..., results=True, versions=True)`` or
    `RoeClient.load_results` / `RoeClient.load_versions`).

    Attributes:
        jobs: one row per job.
        status_events: one row per status event (``job_id``, ``event_index`` in the order returned).
        inputs: one row per job input.
        metadata: one row per metadata key/value pair.
        query: what was asked for (agent ids, filters, window); empty for frames built from records.
            ``query["results"]`` / ``query["versions"]`` are true once those frames were loaded.
        results: one row per job the results endpoint answered for: cost, tokens, output counts.
        outputs: one row per output datum of a result (and per corrected datum, ``corrected``).
        versions: one row per version of each loaded agent (model, engine config).
    """

    jobs: pl.DataFrame
    status_events: pl.DataFrame
    inputs: pl.DataFrame
    metadata: pl.DataFrame
    query: Mapping[str, Any] = field(default_factory=dict)
    results: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FRAME_SCHEMAS["results"]))
    outputs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FRAME_SCHEMAS["outputs"]))
    versions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FRAME_SCHEMAS["versions"]))

    def __post_init__(self) -> None:
        for name in FRAME_SCHEMAS:
            _check_schema(name, getattr(self, name))

    @classmethod
    def empty(cls) -> JobFrames:
        """Frames with the fixed schema and no rows.

        Examples:
            >>> import roe_analysis as ra
            >>> ra.JobFrames.empty().jobs.height
            0
        """
        return cls(**empty_tables(), query={})

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], *, agent_id: str) -> JobFrames:
        """Frames from job dicts you already have (e.g. JSON saved from the API).

        Gives exactly the frames `RoeClient.load_jobs` gives for the same jobs: the records go
        through the same typed decoding and the same builder.

        Args:
            records: job objects as the jobs endpoint returns them (the items of `results`).
            agent_id: the agent they belong to (a UUID); fills the `agent_id` column.

        Raises:
            MalformedResponseError: a record is not a job (the message gives its JSON path).

        Examples:
            >>> import roe_analysis as ra
            >>> job = {"id": "9a1f2c3e-0000-4000-8000-000000000001", "agent_version_name": "v1",
            ...        "status_code": 3, "created_at": "2026-05-01T10:00:00Z",
            ...        "last_updated_at": "2026-05-01T10:00:02Z", "duration_ms": 1500,
            ...        "status_events": [{"timestamp": "2026-05-01T10:00:00Z", "status_code": 0},
            ...                          {"timestamp": "2026-05-01T10:00:01.5Z", "status_code": 3}],
            ...        "job_inputs": [], "metadata": {"customer": "acme"}, "ui_fields": {"verdict": "Suspicious"},
            ...        "evaluation": None, "feedback_review": None}
            >>> frames = ra.JobFrames.from_records([job], agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
            >>> frames.jobs.select("status", "duration_ms", "ui_fields", "n_status_events")
            shape: (1, 4)
            ┌─────────┬─────────────┬──────────────────────────┬─────────────────┐
            │ status  ┆ duration_ms ┆ ui_fields                ┆ n_status_events │
            │ ---     ┆ ---         ┆ ---                      ┆ ---             │
            │ enum    ┆ i64         ┆ str                      ┆ u32             │
            ╞═════════╪═════════════╪══════════════════════════╪═════════════════╡
            │ SUCCESS ┆ 1500        ┆ {"verdict":"Suspicious"} ┆ 2               │
            └─────────┴─────────────┴──────────────────────────┴─────────────────┘
            >>> frames.status_events.select("event_index", "timestamp", "status")
            shape: (2, 3)
            ┌─────────────┬─────────────────────────────┬─────────┐
            │ event_index ┆ timestamp                   ┆ status  │
            │ ---         ┆ ---                         ┆ ---     │
            │ u32         ┆ datetime[μs, UTC]           ┆ enum    │
            ╞═════════════╪═════════════════════════════╪═════════╡
            │ 0           ┆ 2026-05-01 10:00:00 UTC     ┆ PENDING │
            │ 1           ┆ 2026-05-01 10:00:01.500 UTC ┆ SUCCESS │
            └─────────────┴─────────────────────────────┴─────────┘
        """
        agent = validate_agent_id(agent_id)
        records = list(records)
        if not all(isinstance(r, Mapping) for r in records):
            bad = next(i for i, r in enumerate(records) if not isinstance(r, Mapping))
            raise InvalidArgumentError(
                f"records[{bad}] is a {type(records[bad]).__name__}, not a job dict; pass the items of a page's "
                f"`results` list."
            )
        try:
            jobs = decode_jobs(encode(records))
        except (msgspec.ValidationError, msgspec.EncodeError) as exc:
            raise MalformedResponseError(f"records are not jobs of the API: {exc}") from exc
        return build_frames([PageChunk(agent, None, jobs)])

    @classmethod
    def from_tables(
        cls,
        *,
        jobs: TableData | None = None,
        status_events: TableData | None = None,
        inputs: TableData | None = None,
        metadata: TableData | None = None,
        query: Mapping[str, Any] | None = None,
        results: TableData | None = None,
        outputs: TableData | None = None,
        versions: TableData | None = None,
    ) -> JobFrames:
        """Frames from tables you build yourself (tests, other sources): the columns you give, the rest null.

        Each frame may be a DataFrame, a dict of columns or a list of row dicts holding any subset
        of its columns (`ra.FRAME_SCHEMAS`); missing columns are null, every column is cast to its
        fixed dtype (status names to the status enum, datetimes to UTC), and a frame left out is
        empty. Nothing checks that children belong to a job: that is the caller's data.

        Raises:
            SchemaMismatchError: a column the frame does not have, or a value that does not fit
                its dtype (the message names the frame and the column).

        Examples:
            >>> import roe_analysis as ra
            >>> frames = ra.JobFrames.from_tables(
            ...     jobs=[{"id": "a", "status": "SUCCESS", "grader_score": 0.5}, {"id": "b", "status": "FAILURE"}],
            ...     metadata={"job_id": ["a"], "key": ["customer"], "value": ["acme"]},
            ... )
            >>> frames
            JobFrames(jobs=2, status_events=0, inputs=0, metadata=1, agents=1)
            >>> frames.jobs.select("id", "status", "grader_score", "agent_version_name")
            shape: (2, 4)
            ┌─────┬─────────┬──────────────┬────────────────────┐
            │ id  ┆ status  ┆ grader_score ┆ agent_version_name │
            │ --- ┆ ---     ┆ ---          ┆ ---                │
            │ str ┆ enum    ┆ f64          ┆ str                │
            ╞═════╪═════════╪══════════════╪════════════════════╡
            │ a   ┆ SUCCESS ┆ 0.5          ┆ null               │
            │ b   ┆ FAILURE ┆ null         ┆ null               │
            └─────┴─────────┴──────────────┴────────────────────┘
        """
        given = {
            "jobs": jobs,
            "status_events": status_events,
            "inputs": inputs,
            "metadata": metadata,
            "results": results,
            "outputs": outputs,
            "versions": versions,
        }
        tables = {name: _conform_table(name, data) for name, data in given.items()}
        return cls(**tables, query=dict(query or {}))

    def with_jobs(self, jobs: pl.DataFrame, *, query: Mapping[str, Any] | None = None) -> JobFrames:
        """These frames cut down to ``jobs`` (a subset of `jobs`): every frame keyed by ``job_id``
        keeps the rows of those jobs; `versions` stays whole; ``query`` replaces the query if given.

        Examples:
            >>> import polars as pl
            >>> import roe_analysis as ra
            >>> frames = ra.JobFrames.from_tables(
            ...     jobs={"id": ["a", "b"]}, results={"job_id": ["a", "b"], "cost": [0.5, 0.25]}
            ... )
            >>> frames.with_jobs(frames.jobs.filter(pl.col("id") == "b")).results.get_column("cost").to_list()
            [0.25]
        """
        ids = jobs.get_column("id").implode()

        def keep(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.filter(pl.col("job_id").is_in(ids))

        return JobFrames(
            jobs=jobs,
            status_events=keep(self.status_events),
            inputs=keep(self.inputs),
            metadata=keep(self.metadata),
            query=dict(self.query if query is None else query),
            results=keep(self.results),
            outputs=keep(self.outputs),
            versions=self.versions,
        )

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every frame by name (the keys of `ra.FRAME_SCHEMAS`), as the storage layer takes them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in FRAME_SCHEMAS}

    def save(
        self, path: str | os.PathLike[str], *, overwrite: bool = True, extra: Mapping[str, Any] | None = None
    ) -> Path:
        """Write these frames as a snapshot folder (Parquet + manifest with hashes), atomically.

        Everyone who loads the folder sees exactly these frames; the API key is never written (the
        manifest copies ``query`` through an allow-list). See `roe_analysis.storage` for the layout.

        Args:
            path: the snapshot folder; its parent folders are created if missing.
            overwrite: replace an existing snapshot at `path`: only a folder that checks out as one
                (manifest, hashes) and holds nothing else; only the files it lists are removed.
            extra: more JSON-ready data for the manifest, e.g. ``{"note": "baseline"}``; keys that
                name a credential are refused.

        Returns:
            The absolute path of the snapshot folder.

        Raises:
            SnapshotOverwriteError: `path` is a file, a link, a folder that is not a snapshot (or a
                snapshot that does not check out), a snapshot holding a file roe-analysis did not
                write (named in the message), or a snapshot while `overwrite` is False.
            InvalidArgumentError: `extra` or the query holds something JSON cannot (or must not) hold.

        Examples:
            >>> import tempfile
            >>> import roe_analysis as ra
            >>> job = {"id": "9a1f2c3e-0000-4000-8000-000000000001", "status_code": 4,
            ...        "created_at": "2026-05-01T10:00:00Z", "metadata": {"customer": "acme"}}
            >>> frames = ra.JobFrames.from_records([job], agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     folder = frames.save(f"{tmp}/reviews/2026-05")
            ...     names = sorted(p.name for p in folder.iterdir())
            ...     loaded = ra.JobFrames.load(folder)
            >>> names  # doctest: +NORMALIZE_WHITESPACE
            ['inputs.parquet', 'jobs.parquet', 'manifest.json', 'metadata.parquet', 'outputs.parquet',
             'results.parquet', 'status_events.parquet', 'versions.parquet']
            >>> loaded.jobs.select("status", "created_at")
            shape: (1, 2)
            ┌─────────┬─────────────────────────┐
            │ status  ┆ created_at              │
            │ ---     ┆ ---                     │
            │ enum    ┆ datetime[μs, UTC]       │
            ╞═════════╪═════════════════════════╡
            │ FAILURE ┆ 2026-05-01 10:00:00 UTC │
            └─────────┴─────────────────────────┘
            >>> sorted(loaded.query["snapshot"])
            ['created_at', 'extra', 'path', 'schema_version']
        """
        return save_snapshot(self.tables(), path, query=self.query, overwrite=overwrite, extra=extra)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> JobFrames:
        """Read a snapshot folder back with the exact schema, refusing one that is corrupted or foreign.

        ``query`` is the saved query plus a ``snapshot`` entry: the folder's ``path``, the
        manifest's ``created_at`` and its ``extra``.

        Raises:
            SnapshotNotFoundError: no folder, or no manifest in it.
            SnapshotFormatError: the folder is something else's.
            SnapshotVersionError: written by a newer (or an unreadable older) roe-analysis.
            SnapshotCorruptedError: a file is missing, truncated or changed (the message names it),
                or the manifest is damaged.
        """
        stored = load_snapshot(path)
        return cls(**stored.tables, query=stored.query)

    @classmethod
    def scan(cls, path: str | os.PathLike[str], *, verify_hashes: bool = True) -> LazySnapshot:
        """Open a snapshot lazily (`pl.LazyFrame` per frame) for data too large to read at once.

        Nothing is read until a lazy frame is collected; ``verify_hashes=False`` skips the SHA-256
        check for a very large snapshot on a trusted disk (sizes and schemas are still checked).

        Examples:
            >>> import tempfile
            >>> import polars as pl
            >>> import roe_analysis as ra
            >>> jobs = [{"id": f"9a1f2c3e-0000-4000-8000-00000000000{i}", "status_code": i,
            ...          "created_at": "2026-05-01T10:00:00Z"} for i in range(5)]
            >>> frames = ra.JobFrames.from_records(jobs, agent_id="2c1d6a4e-0000-4000-8000-00000000a9e7")
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     snap = ra.JobFrames.scan(frames.save(f"{tmp}/snap"))
            ...     finished = snap.jobs.filter(pl.col("status") == "SUCCESS").select("id").collect()
            ...     everything = snap.collect()
            >>> finished.item()
            '9a1f2c3e-0000-4000-8000-000000000003'
            >>> everything
            JobFrames(jobs=5, status_events=0, inputs=0, metadata=0, agents=1)
        """
        scanned = scan_snapshot(path, verify_hashes=verify_hashes)
        return LazySnapshot(**{f.name: getattr(scanned, f.name) for f in fields(scanned)})

    def __len__(self) -> int:
        """The number of jobs (``len(frames) == frames.jobs.height``).

        Examples:
            >>> import roe_analysis as ra
            >>> len(ra.JobFrames.empty())
            0
        """
        return self.jobs.height

    def _repr_html_(self) -> str:
        """What Jupyter shows: per agent, its versions, time range and job counts by status.

        Every value is HTML-escaped: ids, version names and statuses come from job data.

        Examples:
            >>> import roe_analysis as ra
            >>> print(ra.JobFrames.empty()._repr_html_())
            <div class="roe-jobframes"><strong>JobFrames</strong>: 0 jobs of 0 agents<p>No jobs.</p></div>
        """
        return _frames_html(self)

    def __repr__(self) -> str:
        agents = self.jobs.get_column("agent_id").n_unique() if self.jobs.height else 0
        # The results and versions frames are named once loaded (or given), so older reprs stay.
        more = "".join(
            f", {name}={getattr(self, name).height}"
            for name in EXTRA_FRAME_NAMES
            if getattr(self, name).height or self.query.get(_LOADED_BY[name])
        )
        return (
            f"JobFrames(jobs={self.jobs.height}, status_events={self.status_events.height}, "
            f"inputs={self.inputs.height}, metadata={self.metadata.height}{more}, agents={agents})"
        )


def _frames_html(frames: JobFrames) -> str:
    """The `_repr_html_` of ``frames``: one table row per agent (escaped; job data is hostile)."""
    from html import escape

    jobs = frames.jobs
    agents = jobs.get_column("agent_id").n_unique() if jobs.height else 0
    head = (
        f'<div class="roe-jobframes"><strong>JobFrames</strong>: {plural(jobs.height, "job")} of '
        f"{plural(agents, 'agent')}"
    )
    if not jobs.height:
        return head + "<p>No jobs.</p></div>"
    per_agent = (
        jobs.group_by("agent_id", maintain_order=True)
        .agg(
            pl.len().alias("jobs"),
            pl.col("agent_version_name").drop_nulls().unique(maintain_order=True).alias("versions"),
            pl.col("created_at").min().alias("first"),
            pl.col("created_at").max().alias("last"),
            pl.col("status").cast(pl.String).fill_null("unknown").value_counts(sort=True).alias("statuses"),
        )
        .sort("agent_id")
    )
    rows = []
    for row in per_agent.iter_rows(named=True):
        versions = ", ".join(escape(str(v)) for v in row["versions"]) or "none"
        span = " – ".join(
            escape(t.strftime("%Y-%m-%d %H:%M UTC")) if t is not None else "unknown"
            for t in (row["first"], row["last"])
        )
        statuses = ", ".join(f"{escape(str(c['status']))} {c['count']:,}" for c in row["statuses"])
        rows.append(
            f"<tr><td><code>{escape(str(row['agent_id']))}</code></td><td>{row['jobs']:,}</td><td>{versions}</td>"
            f"<td>{span}</td><td>{statuses}</td></tr>"
        )
    counts = (
        f"<p>{plural(frames.status_events.height, 'status event')}, {plural(frames.inputs.height, 'input')}, "
        f"{plural(frames.metadata.height, 'metadata pair')}</p>"
    )
    table = (
        "<table><thead><tr><th>agent</th><th>jobs</th><th>versions</th><th>created</th><th>statuses</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return head + table + counts + "</div>"


def _conform_table(name: str, data: TableData | None) -> pl.DataFrame:
    schema = FRAME_SCHEMAS[name]
    if data is None:
        return pl.DataFrame(schema=schema)
    if isinstance(data, pl.DataFrame):
        columns = list(data.columns)
    elif isinstance(data, Mapping):
        columns = list(data)
    elif isinstance(data, Sequence) and not isinstance(data, str) and all(isinstance(r, Mapping) for r in data):
        columns = list(dict.fromkeys(key for row in data for key in row))
    else:
        raise SchemaMismatchError(
            f"`{name}` must be a DataFrame, a dict of columns or a list of row dicts; got {type(data).__name__}."
        )
    unknown = [c for c in columns if c not in schema]
    if unknown:
        raise SchemaMismatchError(
            f"`{name}` has no {plural_word(len(unknown), 'column')} {unknown}; its columns are {list(schema)} "
            f"(see ra.FRAME_SCHEMAS)."
        )
    try:
        if isinstance(data, pl.DataFrame):
            frame = data.select(
                pl.col(c).cast(schema[c], strict=True) if c in data.columns else pl.lit(None, schema[c]).alias(c)
                for c in schema
            )
        elif isinstance(data, Mapping):
            given = pl.DataFrame(dict(data), schema_overrides={c: schema[c] for c in data}, strict=True)
            frame = given.select(pl.col(c) if c in given.columns else pl.lit(None, schema[c]).alias(c) for c in schema)
        else:
            frame = pl.DataFrame(list(data), schema=schema, strict=True)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise SchemaMismatchError(f"`{name}` does not fit the frame schema: {exc}") from exc
    return frame


def build_frames(chunks: Sequence[PageChunk], *, query: Mapping[str, Any] | None = None) -> JobFrames:
    """`JobFrames` of every job of every decoded page, built once (see `build_tables`).

    Raises:
        MalformedResponseError: a page holds a value no frame can hold (named with its page, job
            and field); ``err.partial`` is the `JobFrames` of every page that builds.
    """
    try:
        tables = build_tables(chunks)
    except MalformedResponseError as exc:
        if isinstance(exc.partial, Mapping):
            exc.partial = JobFrames(**exc.partial, query=dict(query or {}))
        raise
    return JobFrames(**tables, query=dict(query or {}))


@dataclass(frozen=True, eq=False, repr=False)
class LazySnapshot(ScannedSnapshot):
    """A snapshot opened lazily (`JobFrames.scan`): each frame is a `pl.LazyFrame` over its Parquet file.

    Nothing is read until a lazy frame is collected, so filters and column selections are pushed
    down into the Parquet scan.

    Attributes:
        path: the snapshot folder.
        manifest: the verified manifest (see `roe_analysis.storage.read_manifest`).
        jobs: lazy `jobs` frame.
        status_events: lazy `status_events` frame.
        inputs: lazy `inputs` frame.
        metadata: lazy `metadata` frame.
    """

    def collect(self) -> JobFrames:
        """Read every frame into `JobFrames` (the same frames `JobFrames.load` gives).

        Raises:
            SnapshotError: a file changed since the snapshot was scanned.
            SnapshotCorruptedError: a file's rows or schema differ from the manifest.
        """
        return JobFrames(**self.collect_tables(), query=self.query)
