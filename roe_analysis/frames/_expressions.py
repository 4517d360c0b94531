"""Small expression builders for the JSON and key/value columns of the frames."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from roe_analysis.errors import InvalidArgumentError
from roe_analysis.frames._job_frames import JobFrames


def ui_field(key: str, dtype: pl.DataType | type[pl.DataType] = pl.String) -> pl.Expr:
    """Read one key of the agent's output (`ui_fields` JSON) as a column.

    Missing keys and JSON nulls give null; nested values come back as JSON text. The column is
    named after the key.

    Args:
        key: a top-level key of `ui_fields`, e.g. ``"verdict"`` or ``"cost"``.
        dtype: the dtype to cast to (``pl.Float64`` for numbers).

    Examples:
        >>> import polars as pl
        >>> import roe_analysis as ra
        >>> jobs = pl.DataFrame({"ui_fields": ['{"verdict":"Suspicious","cost":0.25}', '{"cost":null}', None]})
        >>> jobs.select(ra.ui_field("verdict"), ra.ui_field("cost", pl.Float64))
        shape: (3, 2)
        ┌────────────┬──────┐
        │ verdict    ┆ cost │
        │ ---        ┆ ---  │
        │ str        ┆ f64  │
        ╞════════════╪══════╡
        │ Suspicious ┆ 0.25 │
        │ null       ┆ null │
        │ null       ┆ null │
        └────────────┴──────┘
    """
    if not isinstance(key, str) or not key:
        raise InvalidArgumentError(f"ui_field needs a non-empty key such as 'verdict'; got {key!r}.")
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return pl.col("ui_fields").str.json_path_match(f"$['{escaped}']").cast(dtype).alias(key)


def metadata_wide(frames: JobFrames, *, keys: Sequence[str] | None = None, prefix: str = "meta_") -> pl.DataFrame:
    """The `jobs` frame with chosen metadata keys widened into columns (``meta_<key>``).

    Jobs without a key get null. With ``keys=None`` every key present becomes a column (sorted),
    which is convenient for small agents but makes the schema depend on the data; pass the keys
    you need in code that must be stable.

    Examples:
        >>> import roe_analysis as ra
        >>> job = {"id": "00000000-0000-4000-8000-000000000001", "status_code": 3,
        ...        "created_at": "2026-05-01T10:00:00Z", "metadata": {"customer": "acme", "region": "eu"}}
        >>> frames = ra.JobFrames.from_records([job], agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> ra.metadata_wide(frames, keys=["region", "channel"]).select("meta_region", "meta_channel")
        shape: (1, 2)
        ┌─────────────┬──────────────┐
        │ meta_region ┆ meta_channel │
        │ ---         ┆ ---          │
        │ str         ┆ str          │
        ╞═════════════╪══════════════╡
        │ eu          ┆ null         │
        └─────────────┴──────────────┘
    """
    if keys is not None and (isinstance(keys, str) or not all(isinstance(k, str) for k in keys)):
        raise InvalidArgumentError(f"keys must be a list of metadata keys such as ['customer']; got {keys!r}.")
    wanted = sorted(frames.metadata.get_column("key").unique().to_list()) if keys is None else list(dict.fromkeys(keys))
    clash = [f"{prefix}{k}" for k in wanted if f"{prefix}{k}" in frames.jobs.columns]
    if clash:
        raise InvalidArgumentError(f"columns {clash} already exist in jobs; pass another prefix=...")
    meta = frames.metadata.filter(pl.col("key").is_in(wanted))
    columns = [
        meta.filter(pl.col("key") == k).select(pl.col("job_id").alias("id"), pl.col("value").alias(f"{prefix}{k}"))
        for k in wanted
    ]
    out = frames.jobs
    for column in columns:
        out = out.join(column, on="id", how="left", maintain_order="left")
    return out
