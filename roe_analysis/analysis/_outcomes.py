"""Each review beside the agent's verdict: `review_outcomes`, and `verdict_disagreements` to read first.

Everything about agreement starts from `review_outcomes`: one row per job that entered review, with
the agent's verdict (read from ``ui_fields``) beside the reviewer's final verdict. The helpers that
summarise it (`roe_analysis.analysis._agreement`, `._reviewers`) accept either `JobFrames` or that
frame (e.g. after filtering it), so a notebook can narrow the data once and reuse it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import polars as pl

from roe_analysis._schema import JOBS_SCHEMA, ReviewStatus
from roe_analysis._text import plural, plural_word
from roe_analysis.analysis._common import derived_frame, job_frames
from roe_analysis.analysis._units import input_ids
from roe_analysis.errors import AgreementWarning, ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames, ui_field

#: The columns and dtypes of `review_outcomes`.
OUTCOMES_SCHEMA = pl.Schema(
    {
        "job_id": pl.String(),
        "agent_id": pl.String(),
        "agent_version_name": pl.String(),
        "agent_verdict": pl.String(),
        "review_status": ReviewStatus,
        "final_verdict": pl.String(),
        "agrees": pl.Boolean(),
        "reviewed_by": pl.String(),
        "reviewed_at": JOBS_SCHEMA["reviewed_at"],
        "time_to_review_ms": pl.Int64(),
        "grader_score": pl.Float64(),
        "human_score": pl.Float64(),
        "rejected_uncorrected": pl.Boolean(),
        "contradictory": pl.Boolean(),
        "input_id": pl.String(),
    }
)

_NEEDS_UI_FIELDS = "the verdicts are read from the jobs' ui_fields"

#: Review statuses of a completed review.
DECIDED = ("approved", "rejected")


def _verdict_path(field: str) -> str:
    escaped = field.replace("\\", "\\\\").replace("'", "\\'")
    return f"$['{escaped}']"


def review_outcomes(frames: JobFrames, *, verdict_field: str = "verdict") -> pl.DataFrame:
    """One row per job that entered review (``review_status`` not null), agent and reviewer side by side.

    Columns:

    - ``agent_verdict``: the value at ``verdict_field`` of the ``ui_fields`` JSON (a top-level key, read
      literally, so dots and spaces are allowed); null when the JSON is missing, invalid or lacks it.
    - ``final_verdict``: the label the reviewer settled on. Approved: the agent's verdict. Rejected
      with a ``corrected_verdict``: that correction. Rejected without one: when the agent's label set
      (every verdict and correction of that ``agent_id``) has exactly two labels, the other label
      (implied); with more labels null, because the right label is unknown. Pending, or approved
      with a contradictory correction: null.
    - ``agrees``: ``final_verdict == agent_verdict`` when both are known. Approved jobs with a
      verdict agree; a rejection whose correction equals the agent's verdict also agrees, because
      the reviewer kept the label and objected to something else (the reasoning, another field); a
      rejection without a correction is a known disagreement (``false``) even when its final verdict
      is unknown. Null for pending reviews, an unknown agent verdict, and contradictory reviews.
    - ``rejected_uncorrected``: rejected without a ``corrected_verdict``. The agreement helpers
      count these as disagreements (see `agreement_summary`).
    - ``contradictory``: approved, yet carrying a ``corrected_verdict`` that differs from the agent's
      verdict. Such a review is neither an agreement nor a disagreement: ``final_verdict`` and
      ``agrees`` are null, it is left out of the label pairs, and an `AgreementWarning` gives the count.
    - ``input_id``: the job's canonical input key (`roe_analysis.analysis._units.input_ids`; null
      for a job without inputs): reruns of one input are one unit of evidence for the agreement
      helpers' intervals.
    - ``time_to_review_ms``: ``reviewed_at - created_at`` in milliseconds: the turnaround from the
      job's creation to the review, which includes the job's own run time (seconds, against the hours
      or days a review waits). ``created_at`` is always present, whereas the job's end has to be
      inferred from status events that may be incomplete. Null without ``reviewed_at``.

    Labels are stripped of surrounding whitespace (an empty label counts as missing), and labels
    that then differ only in case are one label, spelt as its most frequent spelling in the data
    (ties: the alphabetically first); an `AgreementWarning` names the spellings merged, once.

    Args:
        frames: the loaded jobs.
        verdict_field: key of the agent's verdict inside ``ui_fields``.

    Examples:
        >>> from roe_analysis import JobFrames
        >>> def job(n, status, corrected=None):
        ...     return {
        ...         "id": f"00000000-0000-4000-8000-00000000000{n}", "agent_version_name": "v1",
        ...         "status_code": 3, "created_at": "2026-05-01T10:00:00Z",
        ...         "last_updated_at": "2026-05-01T10:00:01Z", "duration_ms": 900, "status_events": [],
        ...         "job_inputs": [], "metadata": {}, "evaluation": None,
        ...         "ui_fields": {"verdict": "Suspicious", "confidence": 0.91},
        ...         "feedback_review": {"review_status": status, "corrected_verdict": corrected,
        ...                             "reviewed_by": "ana@example.com", "reviewed_at": "2026-05-01T12:00:00Z"},
        ...     }
        >>> records = [job(1, "approved"), job(2, "rejected", "Not Suspicious"), job(3, "rejected"), job(4, "pending")]
        >>> frames = JobFrames.from_records(records, agent_id="00000000-0000-4000-8000-0000000000aa")
        >>> outcomes = review_outcomes(frames)
        >>> outcomes.select("review_status", "final_verdict", "agrees", "rejected_uncorrected", "time_to_review_ms")
        shape: (4, 5)
        ┌───────────────┬────────────────┬────────┬──────────────────────┬───────────────────┐
        │ review_status ┆ final_verdict  ┆ agrees ┆ rejected_uncorrected ┆ time_to_review_ms │
        │ ---           ┆ ---            ┆ ---    ┆ ---                  ┆ ---               │
        │ enum          ┆ str            ┆ bool   ┆ bool                 ┆ i64               │
        ╞═══════════════╪════════════════╪════════╪══════════════════════╪═══════════════════╡
        │ approved      ┆ Suspicious     ┆ true   ┆ false                ┆ 7200000           │
        │ rejected      ┆ Not Suspicious ┆ false  ┆ false                ┆ 7200000           │
        │ rejected      ┆ Not Suspicious ┆ false  ┆ true                 ┆ 7200000           │
        │ pending       ┆ null           ┆ null   ┆ false                ┆ 7200000           │
        └───────────────┴────────────────┴────────┴──────────────────────┴───────────────────┘

        Two labels (Suspicious, Not Suspicious), so the rejection without a correction implies the other.
    """
    frames = job_frames(frames, helper="review_outcomes", needs=_NEEDS_UI_FIELDS)
    if not isinstance(verdict_field, str) or not verdict_field:
        error = InvalidArgumentError if isinstance(verdict_field, str) else ArgumentTypeError
        raise error(
            "review_outcomes: verdict_field must be a non-empty string naming a key of ui_fields, such as "
            f"'verdict'; got {verdict_field!r}"
        )
    jobs = frames.jobs.with_columns(
        _agent_raw=pl.col("ui_fields").str.json_path_match(_verdict_path(verdict_field)),
        _corrected_raw=pl.col("corrected_verdict"),
    )
    canon = _canonical_spellings(jobs)
    agent, corrected, status = pl.col("agent_verdict"), pl.col("_corrected"), pl.col("review_status")
    jobs = jobs.with_columns(agent_verdict=_apply(canon, "_agent_raw"), _corrected=_apply(canon, "_corrected_raw"))
    # each agent's label set: its verdicts (reviewed or not) and every correction of them
    label_sets = (
        pl.concat([jobs.select("agent_id", label=agent), jobs.select("agent_id", label=corrected)])
        .drop_nulls("label")
        .unique()
        .group_by("agent_id")
        .agg(_n_labels=pl.len(), _lo=pl.col("label").min(), _hi=pl.col("label").max())
    )
    contradictory = (status == "approved") & agent.is_not_null() & corrected.is_not_null() & (corrected != agent)
    implied = pl.when(pl.col("_n_labels") == 2).then(pl.when(agent == pl.col("_lo")).then("_hi").otherwise("_lo"))
    final = (
        pl.when(status == "approved")
        .then(pl.when(pl.col("contradictory")).then(None).otherwise(agent))
        .when(status == "rejected")
        .then(pl.coalesce(corrected, pl.when(agent.is_not_null()).then(implied)))
    )
    outcomes = (
        jobs.lazy()
        .filter(status.is_not_null())
        .join(label_sets.lazy(), on="agent_id", how="left", nulls_equal=True, maintain_order="left")
        .join(input_ids(frames.inputs).lazy().rename({"job_id": "id"}), on="id", how="left", maintain_order="left")
        .with_columns(
            rejected_uncorrected=(status == "rejected") & corrected.is_null(),
            contradictory=contradictory.fill_null(False),
        )
        .with_columns(final_verdict=final.cast(pl.String))
        .with_columns(
            job_id=pl.col("id"),
            agrees=pl.when(pl.col("contradictory"))
            .then(None)
            .when(pl.col("rejected_uncorrected") & agent.is_not_null())
            .then(False)
            .when(agent.is_not_null() & pl.col("final_verdict").is_not_null())
            .then(agent == pl.col("final_verdict")),
            time_to_review_ms=(pl.col("reviewed_at") - pl.col("created_at")).dt.total_milliseconds(),
        )
        .select(*OUTCOMES_SCHEMA)
        .collect()
        .cast(OUTCOMES_SCHEMA)
    )
    n_contradictory = int(outcomes.get_column("contradictory").sum())
    if n_contradictory:
        warnings.warn(
            f"{plural(n_contradictory, 'approved review')} {plural_word(n_contradictory, 'carries', 'carry')} "
            "a corrected_verdict that differs from the agent's "
            "verdict: they are flagged contradictory, agrees is left null and they are left out of the "
            "label pairs (neither an agreement nor a disagreement). Check them with the reviewers.",
            AgreementWarning,
            stacklevel=2,
        )
    return outcomes


def _canonical_spellings(jobs: pl.DataFrame) -> dict[str, str]:
    """``lowercased label → canonical spelling``, warning once when spellings were merged.

    A label is stripped of surrounding whitespace (empty = no label); spellings that then differ only
    in case are one label, spelt as the most frequent stripped spelling (ties: alphabetically first).
    """
    raw = pl.concat([jobs.get_column("_agent_raw"), jobs.get_column("_corrected_raw")]).drop_nulls().alias("raw")
    spellings = (
        raw.to_frame()
        .with_columns(label=pl.col("raw").str.strip_chars())
        .filter(pl.col("label").str.len_chars() > 0)
        .with_columns(key=pl.col("label").str.to_lowercase())
    )
    counts = (
        spellings.group_by("key", "label").agg(n=pl.len()).sort(["key", "n", "label"], descending=[False, True, False])
    )
    canonical = counts.group_by("key", maintain_order=True).agg(pl.col("label").first())
    merged = (
        spellings.group_by("key")
        .agg(pl.col("raw").unique().sort())
        .filter(pl.col("raw").list.len() > 1)
        .join(canonical, on="key")
        .sort("label")
    )
    if merged.height:
        described = "; ".join(f"{row['raw']} → {row['label']!r}" for row in merged.iter_rows(named=True))
        warnings.warn(
            f"Verdict labels that differ only in case or surrounding whitespace were merged into one label "
            f"(the most frequent spelling): {described}",
            AgreementWarning,
            stacklevel=3,
        )
    return dict(zip(canonical.get_column("key").to_list(), canonical.get_column("label").to_list(), strict=True))


def _apply(canon: dict[str, str], column: str) -> pl.Expr:
    """The canonical spelling of ``column``'s label (null for a missing or empty label)."""
    key = pl.col(column).str.strip_chars().str.to_lowercase()
    return key.replace_strict(list(canon), list(canon.values()), default=None, return_dtype=pl.String)


def verdict_disagreements(frames: JobFrames, *, verdict_field: str = "verdict") -> pl.DataFrame:
    """The reviews worth reading first: the reviewer's final verdict differs from the agent's.

    One row per such review (``agrees`` false in `review_outcomes`, rejections without a correction
    included, whose ``final_verdict`` may be null), with the agent's
    ``confidence`` from ``ui_fields`` and the reviewer's comment, the agent's most confident
    verdicts first (then by job id): a confident verdict a reviewer corrected says the most.

    Args:
        frames: the loaded jobs.
        verdict_field: key of the agent's verdict inside ``ui_fields``.

    Examples:
        >>> import roe_analysis as ra
        >>> def job(i, verdict, confidence, corrected):
        ...     return {"id": f"00000000-0000-4000-8000-00000000000{i}", "status_code": 3,
        ...             "created_at": "2026-05-01T10:00:00Z",
        ...             "ui_fields": {"verdict": verdict, "confidence": confidence},
        ...             "feedback_review": {"review_status": "rejected" if corrected else "approved",
        ...                                 "corrected_verdict": corrected, "reviewed_by": "r@x.example"}}
        >>> frames = ra.JobFrames.from_records(
        ...     [job(1, "Suspicious", 0.6, "Not Suspicious"), job(2, "Suspicious", 0.9, "Needs Escalation"),
        ...      job(3, "Suspicious", 0.99, None)],
        ...     agent_id="00000000-0000-4000-8000-0000000000aa",
        ... )
        >>> ra.verdict_disagreements(frames).select("agent_verdict", "final_verdict", "confidence")
        shape: (2, 3)
        ┌───────────────┬──────────────────┬────────────┐
        │ agent_verdict ┆ final_verdict    ┆ confidence │
        │ ---           ┆ ---              ┆ ---        │
        │ str           ┆ str              ┆ f64        │
        ╞═══════════════╪══════════════════╪════════════╡
        │ Suspicious    ┆ Needs Escalation ┆ 0.9        │
        │ Suspicious    ┆ Not Suspicious   ┆ 0.6        │
        └───────────────┴──────────────────┴────────────┘
    """
    frames = job_frames(frames, helper="verdict_disagreements", needs=_NEEDS_UI_FIELDS)
    outcomes = review_outcomes(frames, verdict_field=verdict_field).filter(pl.col("agrees").not_())
    extra = frames.jobs.select(pl.col("id").alias("job_id"), ui_field("confidence", pl.Float64), "review_comment")
    return (
        outcomes.join(extra, on="job_id", how="left", maintain_order="left")
        .sort(["confidence", "job_id"], descending=[True, False], nulls_last=True)
        .select(
            "job_id",
            "agent_version_name",
            "agent_verdict",
            "final_verdict",
            "confidence",
            "reviewed_by",
            "grader_score",
            "human_score",
            "review_comment",
        )
    )


def outcomes_from(
    frames: JobFrames | pl.DataFrame, *, helper: str, verdict_field: str, columns: Iterable[str]
) -> pl.DataFrame:
    """`review_outcomes` of `JobFrames`, or ``frames`` itself when it already is such a frame (with ``columns``)."""
    return derived_frame(
        frames,
        lambda f: review_outcomes(f, verdict_field=verdict_field),
        helper=helper,
        derived_by="review_outcomes",
        columns=columns,
    )
