"""Metadata keys as columns: results per metadata slice (``by=`` or ``cluster=`` any metadata key).

A helper that takes `JobFrames` accepts, wherever it accepts a column name of its derived frame
(``by=``, ``cluster=``), a key of the jobs' metadata too, such as a customer: `with_metadata_keys`
joins that key's value per job as a column of the same name (null where a job lacks the key; the
first value where a job repeats it). A name that is neither a column nor a metadata key is refused,
listing both, before any work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from roe_analysis.errors import MissingColumnsError
from roe_analysis.frames import JobFrames


def by_names(by: object) -> list[str]:
    """The column names a ``by=`` holds (unchecked: `group_keys` validates them).

    Examples:
        >>> by_names("customer"), by_names(("a", "b")), by_names(None)
        (['customer'], ['a', 'b'], [])
    """
    if isinstance(by, str):
        return [by]
    return [b for b in by if isinstance(b, str)] if isinstance(by, Sequence) else []


def metadata_column(metadata: pl.DataFrame, key: str, *, id_column: str = "job_id") -> pl.DataFrame:
    """``id_column → key``: the value of one metadata key per job (the first if a job repeats it).

    Examples:
        >>> metadata = pl.DataFrame({"job_id": ["a", "a", "b"], "key": ["customer", "customer", "tier"],
        ...                          "value": ["acme", "globex", "gold"]})
        >>> metadata_column(metadata, "customer").rows()
        [('a', 'acme')]
    """
    return (
        metadata.filter(pl.col("key") == key)
        .unique(subset="job_id", keep="first", maintain_order=True)
        .select(pl.col("job_id").alias(id_column), pl.col("value").alias(key))
    )


def with_metadata_keys(
    frames: object,
    frame: pl.DataFrame,
    names: Iterable[str | None],
    *,
    helper: str,
    id_column: str = "job_id",
) -> pl.DataFrame:
    """``frame`` with every name in ``names`` that is not one of its columns joined from the metadata.

    Only with `JobFrames` (a derived frame passed by the user is returned as it is: the helper's own
    column check then reports what it lacks). ``None`` and non-string names are skipped (the caller
    validates them). Raises `MissingColumnsError` naming the frame's columns and the metadata keys
    when a name is neither.

    Examples:
        >>> from roe_analysis.frames import JobFrames
        >>> frames = JobFrames.empty()
        >>> with_metadata_keys(frames, pl.DataFrame({"job_id": ["a"]}), ["customer"], helper="demo")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.MissingColumnsError: demo: ['customer'] is neither a column nor a metadata key; columns: ['job_id']; metadata keys: [].
    """  # noqa: E501
    if not isinstance(frames, JobFrames):
        return frame
    wanted = [n for n in dict.fromkeys(names) if isinstance(n, str) and n and n not in frame.columns]
    if not wanted:
        return frame
    metadata_keys = frames.metadata.get_column("key").unique().sort().to_list()
    missing = [n for n in wanted if n not in metadata_keys]
    if missing:
        error = MissingColumnsError(helper, missing, [*frame.columns, *metadata_keys])
        hint = str(error).partition(f"available columns: {error.available}.")[2]
        error.args = (
            f"{helper}: {missing} is neither a column nor a metadata key; columns: {frame.columns}; "
            f"metadata keys: {metadata_keys}.{hint}",
        )
        raise error
    for key in wanted:
        frame = frame.join(
            metadata_column(frames.metadata, key, id_column=id_column), on=id_column, how="left", maintain_order="left"
        )
    return frame
