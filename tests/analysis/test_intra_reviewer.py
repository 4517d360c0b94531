"""A reviewer's consistency with themselves on items they judged more than once."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from roe_analysis import JobFrames, intra_reviewer_agreement

AGENT = "00000000-0000-4000-8000-0000000000aa"


def record(n: int, *, text: str, verdict: str, reviewer: str | None, version: str = "v1") -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "agent_version_name": version,
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "last_updated_at": "2026-05-01T10:00:01Z",
        "duration_ms": 1000,
        "status_events": [],
        "job_inputs": [{"key": "text", "value": text}],
        "metadata": {},
        "ui_fields": {"verdict": verdict},
        "evaluation": None,
        "feedback_review": {"review_status": "approved", "reviewed_by": reviewer},
    }


def test_intra_reviewer_counts_consistent_items_with_a_wilson_interval() -> None:
    rng = np.random.default_rng(3)
    records: list[dict[str, Any]] = []
    expected = {}
    for reviewer, items in (("ana", 24), ("bo", 4)):
        consistent = 0
        for item in range(items):
            times = int(rng.integers(2, 4))
            first = str(rng.choice(["A", "B"]))
            flips = rng.random(times - 1) < 0.2
            verdicts = [first] + [("B" if first == "A" else "A") if f else first for f in flips]
            consistent += len(set(verdicts)) == 1
            for verdict in verdicts:
                records.append(record(len(records), text=f"{reviewer}-{item}", verdict=verdict, reviewer=reviewer))
        expected[reviewer] = (items, consistent)
    # reviewed once only, or without a reviewer: no repeated item
    records.append(record(len(records), text="once", verdict="A", reviewer="cy"))
    records.append(record(len(records), text="anon", verdict="A", reviewer=None))
    records.append(record(len(records), text="anon", verdict="B", reviewer=None))

    result = intra_reviewer_agreement(JobFrames.from_records(records, agent_id=AGENT), by=None)

    assert result.get_column("reviewed_by").to_list() == ["ana", "bo"]
    items, consistent = expected["ana"]
    low, high = proportion_confint(consistent, items, method="wilson")
    ana = result.row(0, named=True)
    assert (ana["n_items"], ana["n_consistent"], ana["too_few"], ana["note"]) == (items, consistent, False, None)
    assert ana["consistency_rate"] == pytest.approx(consistent / items)
    assert (ana["consistency_low"], ana["consistency_high"]) == pytest.approx((low, high), abs=1e-12)
    bo = result.row(1, named=True)
    assert (bo["n_items"], bo["consistency_low"], bo["consistency_high"], bo["too_few"]) == (4, None, None, True)
    assert bo["note"].startswith("too few to tell")
    assert bo["n_reviews"] == sum(1 for r in records if r["feedback_review"]["reviewed_by"] == "bo")


def test_intra_reviewer_groups_by_version_and_has_a_fixed_schema() -> None:
    records = [
        record(1, text="a", verdict="A", reviewer="ana", version="v1"),
        record(2, text="a", verdict="A", reviewer="ana", version="v2"),  # another version: not a repeat
        record(3, text="b", verdict="A", reviewer="ana", version="v2"),
        record(4, text="b", verdict="B", reviewer="ana", version="v2"),
    ]
    result = intra_reviewer_agreement(JobFrames.from_records(records, agent_id=AGENT))

    assert result.select("agent_version_name", "reviewed_by", "n_items", "n_consistent").rows() == [("v2", "ana", 1, 0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = intra_reviewer_agreement(JobFrames.empty())
    assert empty.height == 0
    assert empty.schema == pl.Schema(
        {
            "agent_version_name": pl.String,
            "reviewed_by": pl.String,
            "n_items": pl.UInt32,
            "n_reviews": pl.UInt32,
            "n_consistent": pl.UInt32,
            "consistency_rate": pl.Float64,
            "consistency_low": pl.Float64,
            "consistency_high": pl.Float64,
            "too_few": pl.Boolean,
            "note": pl.String,
        }
    )
    assert result.schema == empty.schema


def test_intra_reviewer_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="confidence"):
        intra_reviewer_agreement(JobFrames.empty(), confidence=1.5)
    with pytest.raises(ValueError, match="cannot group by"):
        intra_reviewer_agreement(JobFrames.empty(), by="n_items")
    with pytest.raises(TypeError):
        intra_reviewer_agreement(pl.DataFrame())  # type: ignore[arg-type]
