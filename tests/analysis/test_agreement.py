"""Review outcomes, the agreement summary, the confusion matrix and per-class metrics."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from roe_analysis import JobFrames
from roe_analysis.analysis import (
    MissingColumnsError,
    PrevalenceSkewWarning,
    UndefinedCoefficientWarning,
    agreement_summary,
    confusion_matrix,
    gwet_ac1,
    per_class_metrics,
    review_outcomes,
)
from roe_analysis.analysis._outcomes import OUTCOMES_SCHEMA

AGENT = "00000000-0000-4000-8000-0000000000aa"


def record(
    n: int,
    *,
    verdict: str | None = "Suspicious",
    status: str | None = "approved",
    corrected: str | None = None,
    reviewer: str | None = "ana@example.com",
    reviewed_at: str | None = "2026-05-01T12:30:00Z",
    grader: float | None = None,
    human: float | None = None,
    version: str = "v1",
    ui_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A job as the API returns it, with the review fields this module reads."""
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "agent_version_name": version,
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "last_updated_at": "2026-05-01T10:00:01Z",
        "duration_ms": 1000,
        "status_events": [],
        "job_inputs": [],
        "metadata": {},
        "ui_fields": ui_fields if ui_fields is not None else {"verdict": verdict, "confidence": 0.9},
        "evaluation": None if grader is None and human is None else {"grader_score": grader, "human_score": human},
        "feedback_review": None
        if status is None
        else {
            "review_status": status,
            "corrected_verdict": corrected,
            "reviewed_by": reviewer,
            "reviewed_at": reviewed_at,
        },
    }


def frames_of(records: Sequence[dict[str, Any]]) -> JobFrames:
    return JobFrames.from_records(records, agent_id=AGENT)


def outcomes_frame(rows: dict[str, list[Any]]) -> pl.DataFrame:
    """A `review_outcomes`-shaped frame with only the given columns filled."""
    height = len(next(iter(rows.values())))
    return pl.DataFrame({name: rows.get(name, [None] * height) for name in OUTCOMES_SCHEMA}, schema=OUTCOMES_SCHEMA)


def random_outcomes(
    seed: int, *, groups: Sequence[str] = ("v1", "v2", "v3"), n: int = 300, p_correction: float = 0.8
) -> pl.DataFrame:
    """Reviewed jobs with skewed labels, some pending, rejections corrected with ``p_correction``."""
    rng = np.random.default_rng(seed)
    labels = np.array(["Suspicious", "Not Suspicious", "Needs Escalation"])
    agent = labels[rng.choice(3, size=n, p=[0.6, 0.3, 0.1])]
    status = rng.choice(["approved", "rejected", "pending"], size=n, p=[0.7, 0.25, 0.05])
    correction = np.where(rng.random(n) < p_correction, labels[rng.choice(3, size=n)], np.array(None))
    final = np.where(status == "approved", agent, np.where(status == "rejected", correction, np.array(None)))
    return outcomes_frame(
        {
            "agent_version_name": list(rng.choice(list(groups), size=n)),
            "agent_verdict": list(agent),
            "review_status": list(status),
            "final_verdict": list(final),
        }
    )


def no_nan(frame: pl.DataFrame) -> bool:
    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    return not frame.select(pl.any_horizontal(pl.col(floats).is_nan()).any()).item() if floats else True


# --- review_outcomes -------------------------------------------------------------------------------


def test_review_outcomes_pairs_the_agent_with_the_final_verdict() -> None:
    frames = frames_of(
        [
            record(1, status="approved"),
            record(2, status="rejected", corrected="Not Suspicious"),
            record(3, status="rejected", corrected=None),
            record(4, status="rejected", corrected="Suspicious"),
            record(5, status="pending", reviewer=None, reviewed_at=None),
            record(6, status=None),
            record(7, status="approved", ui_fields={"confidence": 0.5}),
            record(8, status="rejected", verdict="  Needs Escalation ", corrected=" "),
        ]
    )

    result = review_outcomes(frames).select("agent_verdict", "review_status", "final_verdict", "agrees")

    # three labels, so the rejections without a correction (jobs 3 and 8) are known disagreements
    # whose final verdict is unknown
    expected = pl.DataFrame(
        {
            "agent_verdict": ["Suspicious"] * 5 + [None, "Needs Escalation"],
            "review_status": ["approved", "rejected", "rejected", "rejected", "pending", "approved", "rejected"],
            "final_verdict": ["Suspicious", "Not Suspicious", None, "Suspicious", None, None, None],
            "agrees": [True, False, False, True, None, None, False],
        },
        schema={c: OUTCOMES_SCHEMA[c] for c in ("agent_verdict", "review_status", "final_verdict", "agrees")},
    )
    assert_frame_equal(result, expected)


def test_review_outcomes_has_the_fixed_schema_and_time_to_review() -> None:
    frames = frames_of([record(1, grader=0.75, human=80.0), record(2, reviewed_at=None, version="v2")])

    result = review_outcomes(frames)

    assert result.schema == OUTCOMES_SCHEMA
    assert result.get_column("time_to_review_ms").to_list() == [9_000_000, None]
    assert result.get_column("job_id").to_list() == [r["id"] for r in (record(1), record(2))]
    assert result.select("agent_id", "agent_version_name", "reviewed_by", "grader_score", "human_score").rows() == [
        (AGENT, "v1", "ana@example.com", 0.75, 80.0),
        (AGENT, "v2", "ana@example.com", None, None),
    ]


def test_review_outcomes_reads_any_top_level_verdict_field_literally() -> None:
    frames = frames_of([record(1, ui_fields={"final label": "Fraud", "it's": "Quoted", "a.b": "Dotted"})])

    labels = [
        review_outcomes(frames, verdict_field=field).get_column("agent_verdict").item()
        for field in ("final label", "it's", "a.b", "missing")
    ]

    assert labels == ["Fraud", "Quoted", "Dotted", None]


def test_review_outcomes_of_empty_frames_is_empty_with_the_schema() -> None:
    result = review_outcomes(JobFrames.empty())

    assert_frame_equal(result, pl.DataFrame(schema=OUTCOMES_SCHEMA))


def test_review_outcomes_rejects_wrong_input() -> None:
    with pytest.raises(TypeError, match="expects JobFrames"):
        review_outcomes(pl.DataFrame({"id": ["a"]}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="verdict_field"):
        review_outcomes(JobFrames.empty(), verdict_field="")


# --- agreement_summary -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_agreement_summary_equals_the_reference_implementations_per_group(seed: int) -> None:
    outcomes = random_outcomes(seed, p_correction=1.0)  # uncorrected rejections: test_rejections.py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrevalenceSkewWarning)
        result = agreement_summary(outcomes, by="agent_version_name", confidence=0.95)

    assert result.get_column("agent_version_name").to_list() == ["v1", "v2", "v3"]
    labels = ["Needs Escalation", "Not Suspicious", "Suspicious"]
    for row in result.iter_rows(named=True):
        group = outcomes.filter(pl.col("agent_version_name") == row["agent_version_name"])
        status = group.get_column("review_status")
        decided = int(status.is_in(["approved", "rejected"]).sum())
        approved = int((status == "approved").sum())
        pairs = group.drop_nulls(["agent_verdict", "final_verdict"])
        agent, final = pairs.get_column("agent_verdict").to_list(), pairs.get_column("final_verdict").to_list()
        agree = sum(a == f for a, f in zip(agent, final, strict=True))
        table = sk_confusion_matrix(agent, final, labels=labels)
        approval_ci = proportion_confint(approved, decided, alpha=0.05, method="wilson")
        agree_ci = proportion_confint(agree, len(agent), alpha=0.05, method="wilson")
        reference_kappa = sm_cohens_kappa(table)
        ac1 = gwet_ac1(table)

        assert (row["n_reviewed"], row["n_approved"], row["n_pending"]) == (
            decided,
            approved,
            int((status == "pending").sum()),
        )
        assert row["approval_rate"] == pytest.approx(approved / decided, abs=1e-12)
        assert (row["approval_rate_low"], row["approval_rate_high"]) == pytest.approx(approval_ci, abs=1e-12)
        assert (row["n_pairs"], row["n_agree"]) == (len(agent), agree)
        assert (row["agreement_rate_low"], row["agreement_rate_high"]) == pytest.approx(agree_ci, abs=1e-12)
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(agent, final), abs=1e-12)
        assert row["cohen_kappa_low"] == pytest.approx(reference_kappa.kappa_low, abs=1e-12)
        assert row["cohen_kappa_high"] == pytest.approx(reference_kappa.kappa_upp, abs=1e-12)
        assert (row["gwet_ac1"], row["gwet_ac1_low"], row["gwet_ac1_high"]) == pytest.approx(
            (ac1.estimate, ac1.low, ac1.high), abs=1e-12
        )
        assert row["pabak"] == pytest.approx((3 * agree / len(agent) - 1) / 2, abs=1e-12)
        assert (row["pabak_low"], row["pabak_high"]) == pytest.approx(
            tuple((3 * b - 1) / 2 for b in agree_ci), abs=1e-12
        )
        assert row["n_labels"] == 3
        shares = [(agent.count(label) + final.count(label)) / (2 * len(agent)) for label in labels]
        assert row["majority_share"] == pytest.approx(max(shares), abs=1e-12)
        assert row["prevalence_skewed"] == (max(shares) > 0.8)


def test_agreement_summary_without_by_is_one_row_over_everything() -> None:
    outcomes = random_outcomes(11, p_correction=1.0)

    result = agreement_summary(outcomes, by=None)

    pairs = outcomes.drop_nulls(["agent_verdict", "final_verdict"])
    assert result.height == 1
    assert result.item(0, "n_pairs") == pairs.height
    assert result.item(0, "cohen_kappa") == pytest.approx(
        cohen_kappa_score(pairs.get_column("agent_verdict"), pairs.get_column("final_verdict")), abs=1e-12
    )


def test_agreement_summary_from_job_frames_counts_pending_and_uncorrected_rejections() -> None:
    frames = frames_of(
        [
            record(1, verdict="Suspicious"),
            record(2, verdict="Not Suspicious"),
            record(3, verdict="Suspicious", status="rejected", corrected="Not Suspicious"),
            record(4, verdict="Suspicious", status="rejected"),
            record(5, verdict="Suspicious", status="pending"),
            record(6, verdict="Suspicious", status=None),
        ]
    )

    result = agreement_summary(frames, by=None)

    # approval: 2 of the 4 decided reviews (the uncorrected rejection counts against);
    # pairs: jobs 1-4; two labels, so job 4's reviewer meant the other one. Agent S,N,S,S against final S,N,N,N.
    assert result.select("n_reviewed", "n_approved", "n_pending", "n_pairs", "n_agree").row(0) == (4, 2, 1, 4, 2)
    assert result.select("n_rejected_uncorrected", "n_contradictory").row(0) == (1, 0)
    assert result.item(0, "approval_rate") == 0.5
    kappa = cohen_kappa_score(["S", "N", "S", "S"], ["S", "N", "N", "N"])
    assert result.select("cohen_kappa", "cohen_kappa_min", "cohen_kappa_max").row(0) == pytest.approx(
        (kappa, kappa, kappa), abs=1e-12
    )


def test_agreement_summary_single_label_leaves_kappa_null_and_keeps_ac1_and_pabak() -> None:
    outcomes = outcomes_frame(
        {
            "agent_verdict": ["Suspicious"] * 12,
            "review_status": ["approved"] * 12,
            "final_verdict": ["Suspicious"] * 12,
        }
    )

    with (
        pytest.warns(UndefinedCoefficientWarning, match="gwet_ac1 and pabak stay defined"),
        pytest.warns(PrevalenceSkewWarning),
    ):
        result = agreement_summary(outcomes, by=None)

    low, _ = proportion_confint(12, 12, alpha=0.05, method="wilson")
    assert result.select("cohen_kappa", "cohen_kappa_low", "cohen_kappa_high").row(0) == (None, None, None)
    assert result.select("gwet_ac1", "pabak", "pabak_high", "n_labels", "prevalence_skewed").row(0) == (
        1.0,
        1.0,
        1.0,
        2,
        True,
    )
    assert result.item(0, "pabak_low") == pytest.approx(2 * low - 1, abs=1e-12)


def test_agreement_summary_with_no_pairs_is_null_not_nan() -> None:
    outcomes = outcomes_frame(
        {
            "agent_version_name": ["v1", "v1", "v2"],
            "agent_verdict": [None, None, "Suspicious"],
            "review_status": ["approved", "rejected", "pending"],
            "final_verdict": [None, None, None],
        }
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = agreement_summary(outcomes, by="agent_version_name")

    assert no_nan(result)
    stats = [c for c in result.columns if c.startswith(("agreement", "cohen", "gwet", "pabak", "majority", "prev"))]
    assert len(stats) == 18  # the bounds cohen_kappa_min/max and gwet_ac1_min/max included
    assert result.select(pl.col(stats).is_null().all()).row(0) == (True,) * len(stats)
    # Two reviews (jobs without an input id are each their own unit) are too few for an interval.
    assert result.select(
        "agent_version_name", "n_reviewed", "n_pending", "approval_rate", "approval_rate_low", "n_inputs", "too_few"
    ).rows() == [("v1", 2, 0, 0.5, None, 2, True), ("v2", 0, 1, None, None, 0, True)]
    assert result.get_column("note").to_list() == [
        "too few to tell: 2 inputs (need 10)",
        "too few to tell: 0 inputs (need 10)",
    ]


def test_agreement_summary_of_empty_input_is_the_empty_schema() -> None:
    result = agreement_summary(JobFrames.empty(), by=["agent_version_name", "reviewed_by"])

    assert result.height == 0
    assert result.columns[:2] == ["agent_version_name", "reviewed_by"]
    assert (
        result.schema == agreement_summary(random_outcomes(0).head(0), by=["agent_version_name", "reviewed_by"]).schema
    )
    assert result.schema["cohen_kappa"] == pl.Float64
    assert result.schema["n_pairs"] == pl.UInt32
    assert result.schema["prevalence_skewed"] == pl.Boolean


def test_agreement_summary_warns_about_skew_only_when_skewed() -> None:
    balanced = outcomes_frame(
        {
            "agent_verdict": ["A", "B", "A", "B", "A"],
            "review_status": ["approved"] * 5,
            "final_verdict": ["A", "B", "A", "B", "A"],
        }
    )
    skewed = outcomes_frame(
        {
            "agent_verdict": ["A"] * 9 + ["B"],
            "review_status": ["approved"] * 10,
            "final_verdict": ["A"] * 8 + ["B", "B"],
        }
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calm = agreement_summary(balanced, by=None)
    with pytest.warns(PrevalenceSkewWarning, match="more than 80%"):
        loud = agreement_summary(skewed, by=None)

    assert calm.item(0, "prevalence_skewed") is False
    assert loud.item(0, "majority_share") == pytest.approx(17 / 20)
    assert loud.item(0, "prevalence_skewed") is True
    assert agreement_summary(skewed, by=None, skew_threshold=0.9).item(0, "prevalence_skewed") is False


def test_agreement_summary_labels_set_the_number_of_categories() -> None:
    outcomes = outcomes_frame(
        {
            "agent_verdict": ["A", "B", "A", "B"],
            "review_status": ["approved"] * 4,
            "final_verdict": ["A", "B", "B", "B"],
        }
    )

    result = agreement_summary(outcomes, by=None, labels=["A", "B", "C"])

    table = np.array([[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    assert result.item(0, "n_labels") == 3
    assert result.item(0, "gwet_ac1") == pytest.approx(gwet_ac1(table).estimate, abs=1e-12)
    assert result.item(0, "pabak") == pytest.approx((3 * 0.75 - 1) / 2, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"by": "agent_version"}, MissingColumnsError, "did you mean 'agent_version_name'"),
        ({"by": "n_pairs"}, ValueError, "cannot group by"),
        ({"by": ["reviewed_by", "reviewed_by"]}, ValueError, "more than once"),
        ({"labels": ["A"]}, ValueError, "at least 2 labels"),
        ({"labels": ["A", "Z"]}, ValueError, r"not in labels: \['B'\]"),
        ({"confidence": 1.5}, ValueError, "confidence"),
        ({"skew_threshold": 80}, ValueError, "skew_threshold"),
    ],
)
def test_agreement_summary_rejects_bad_options(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    outcomes = outcomes_frame(
        {"agent_verdict": ["A", "B"], "review_status": ["approved"] * 2, "final_verdict": ["A", "B"]}
    )

    with pytest.raises(error, match=message):
        agreement_summary(outcomes, **{"by": None, **kwargs})


def test_agreement_summary_rejects_a_frame_that_is_not_review_outcomes() -> None:
    with pytest.raises(MissingColumnsError, match="agent_verdict"):
        agreement_summary(pl.DataFrame({"id": ["a"], "review_status": ["approved"]}), by=None)
    with pytest.raises(TypeError, match="expects JobFrames or the frame review_outcomes"):
        agreement_summary([1, 2], by=None)  # type: ignore[arg-type]


# --- confusion_matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_confusion_matrix_equals_sklearn(seed: int) -> None:
    outcomes = random_outcomes(seed, p_correction=1.0)
    labels = ["Suspicious", "Not Suspicious", "Needs Escalation"]

    result = confusion_matrix(outcomes, by="agent_version_name", labels=labels)

    for version in ("v1", "v2", "v3"):
        pairs = outcomes.filter(pl.col("agent_version_name") == version).drop_nulls(["agent_verdict", "final_verdict"])
        # sklearn: rows are y_true (the final verdict), columns y_pred (the agent's)
        expected = sk_confusion_matrix(
            pairs.get_column("final_verdict"), pairs.get_column("agent_verdict"), labels=labels
        )
        group = result.filter(pl.col("agent_version_name") == version)
        assert group.select("agent_verdict", "final_verdict").rows() == [
            (a, f) for a in labels for f in [*labels, "(rejected, no correction)"]
        ]
        assert group.filter(pl.col("final_verdict") == "(rejected, no correction)").get_column("count").sum() == 0
        group = group.filter(pl.col("final_verdict") != "(rejected, no correction)")
        counts = np.array(group.get_column("count").to_list()).reshape(3, 3)
        np.testing.assert_array_equal(counts.T, expected)
        shares = np.array(group.get_column("share_of_agent_verdict").to_list(), dtype=float).reshape(3, 3)
        np.testing.assert_allclose(shares, counts / counts.sum(axis=1, keepdims=True), atol=1e-12)


def test_confusion_matrix_lists_every_combination_with_zeros() -> None:
    outcomes = outcomes_frame(
        {
            "agent_verdict": ["A", "A", "B"],
            "review_status": ["approved", "rejected", "rejected"],
            "final_verdict": ["A", "C", None],
        }
    )

    result = confusion_matrix(outcomes, by=None)

    # three labels: B's rejection without a correction is counted in the extra column
    expected = pl.DataFrame(
        {
            "agent_verdict": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
            "final_verdict": ["A", "B", "C", "(rejected, no correction)"] * 3,
            "count": [1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0],
            "share_of_agent_verdict": [0.5, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 1.0, None, None, None, None],
        },
        schema={
            "agent_verdict": pl.String,
            "final_verdict": pl.String,
            "count": pl.UInt32,
            "share_of_agent_verdict": pl.Float64,
        },
    )
    assert_frame_equal(result, expected)


def test_confusion_matrix_of_empty_input_is_the_empty_schema() -> None:
    result = confusion_matrix(JobFrames.empty(), by="agent_version_name")

    assert_frame_equal(
        result,
        pl.DataFrame(
            schema={
                "agent_version_name": pl.String,
                "agent_verdict": pl.String,
                "final_verdict": pl.String,
                "count": pl.UInt32,
                "share_of_agent_verdict": pl.Float64,
            }
        ),
    )


# --- per_class_metrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_per_class_metrics_equal_sklearn(seed: int) -> None:
    outcomes = random_outcomes(seed, groups=("v1",), n=150, p_correction=1.0)
    labels = ["Needs Escalation", "Not Suspicious", "Suspicious", "Unused"]

    result = per_class_metrics(outcomes, by=None, labels=labels)

    pairs = outcomes.drop_nulls(["agent_verdict", "final_verdict"])
    precision, recall, f1, support = precision_recall_fscore_support(
        pairs.get_column("final_verdict"),
        pairs.get_column("agent_verdict"),
        labels=labels,
        zero_division=np.nan,
    )
    assert result.get_column("label").to_list() == labels
    np.testing.assert_allclose(result.get_column("precision").to_numpy(), precision, atol=1e-12)
    np.testing.assert_allclose(result.get_column("recall").to_numpy(), recall, atol=1e-12)
    np.testing.assert_allclose(result.get_column("f1").to_numpy(), f1, atol=1e-12)
    np.testing.assert_array_equal(result.get_column("support").to_numpy(), support)
    assert result.row(3, named=True) | {"label": None} == {
        "label": None,
        "support": 0,
        "n_predicted": 0,
        "n_correct": 0,
        "precision": None,
        "recall": None,
        "f1": None,
        "n_rejected_uncorrected": 0,
        "precision_low": None,
        "precision_high": None,
        "recall_low": None,
        "recall_high": None,
        "too_few": True,
        "note": "too few to tell",
        "n_inputs": 0,
        "precision_design_effect": None,
        "recall_design_effect": None,
        "f1_low": None,
        "f1_high": None,
    }


def test_per_class_metrics_zero_precision_and_recall_give_zero_f1() -> None:
    outcomes = outcomes_frame(
        {
            "agent_verdict": ["A", "B", "B"],
            "review_status": ["rejected", "rejected", "approved"],
            "final_verdict": ["B", "A", "B"],
        }
    )

    result = per_class_metrics(outcomes, by=None).filter(pl.col("label") == "A")

    assert result.select("support", "n_predicted", "n_correct", "precision", "recall", "f1").row(0) == (
        1,
        1,
        0,
        0.0,
        0.0,
        0.0,
    )


def test_per_class_metrics_by_group_and_empty() -> None:
    outcomes = outcomes_frame(
        {
            "reviewed_by": ["ana", "ana", "bo"],
            "agent_verdict": ["A", "B", "A"],
            "review_status": ["approved", "approved", "rejected"],
            "final_verdict": ["A", "B", "B"],
        }
    )

    result = per_class_metrics(outcomes, by="reviewed_by")
    empty = per_class_metrics(outcomes.head(0), by="reviewed_by")

    assert result.select("reviewed_by", "label", "precision", "recall").rows() == [
        ("ana", "A", 1.0, 1.0),
        ("ana", "B", 1.0, 1.0),
        ("bo", "A", 0.0, None),
        ("bo", "B", None, 0.0),
    ]
    assert empty.schema == result.schema
    assert empty.height == 0


def test_agreement_summary_counts_of_one_read_singular() -> None:
    one_review = outcomes_frame(
        {"agent_verdict": ["Suspicious"], "review_status": ["approved"], "final_verdict": [None]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = agreement_summary(one_review, by=None)
    assert result.select("n_inputs", "too_few", "note").row(0) == (1, True, "too few to tell: 1 input (need 10)")

    one_label = outcomes_frame(
        {"agent_verdict": ["Suspicious"] * 12, "review_status": ["approved"] * 12, "final_verdict": ["Suspicious"] * 12}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agreement_summary(one_label, by=None)
    undefined = [str(w.message) for w in caught if issubclass(w.category, UndefinedCoefficientWarning)]
    skewed = [str(w.message) for w in caught if issubclass(w.category, PrevalenceSkewWarning)]
    assert len(undefined) == 1 and undefined[0].startswith("Cohen's kappa is undefined in 1 group (overall): ")
    assert len(skewed) == 1 and "of the labels in 1 group (overall)" in skewed[0]
