"""Grader against human scores, reviewer statistics and drift, and agreement between reviewers."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

import krippendorff
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from roe_analysis import JobFrames
from roe_analysis.analysis import (
    MissingColumnsError,
    ScaleMismatchWarning,
    UndefinedCoefficientWarning,
    inter_reviewer_agreement,
    reviewer_drift,
    reviewer_stats,
    score_agreement,
    score_disagreements,
)
from roe_analysis.analysis._units import MIN_N

AGENT = "00000000-0000-4000-8000-0000000000aa"


def record(
    n: int,
    *,
    verdict: str = "Suspicious",
    status: str | None = "approved",
    corrected: str | None = None,
    reviewer: str | None = "ana@example.com",
    reviewed_at: str | None = "2026-05-01T12:00:00Z",
    grader: float | None = None,
    human: float | None = None,
    inputs: list[dict[str, Any]] | None = None,
    version: str = "v1",
) -> dict[str, Any]:
    """A job as the API returns it."""
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "agent_version_name": version,
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "last_updated_at": "2026-05-01T10:00:01Z",
        "duration_ms": 1000,
        "status_events": [],
        "job_inputs": inputs or [],
        "metadata": {},
        "ui_fields": {"verdict": verdict},
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


def frames_of(records: list[dict[str, Any]]) -> JobFrames:
    return JobFrames.from_records(records, agent_id=AGENT)


def text_input(text: str) -> list[dict[str, Any]]:
    return [{"key": "text", "value": text}]


def scores(grader: list[float | None], human: list[float | None], **columns: list[Any]) -> pl.DataFrame:
    """A jobs frame with the given scores (and any other columns); the rest null."""
    n = len(grader)
    data = {"id": [f"job-{i:03d}" for i in range(n)], "grader_score": grader, "human_score": human} | columns
    return JobFrames.from_tables(jobs=data).jobs


def reliability_frames(data: np.ndarray, *, labels: list[str], seed: int = 0) -> JobFrames:
    """One job per rating of a raters × units matrix (NaN: no rating); units become shared inputs.

    Each job of a unit lists the same inputs in a shuffled order, with descriptions that differ, to
    check that items are matched on the (key, value) pairs alone.
    """
    rng = np.random.default_rng(seed)
    records = []
    for rater, unit in zip(*np.nonzero(~np.isnan(data)), strict=True):
        pairs = [
            {"key": "text", "value": f"unit {unit}", "description": f"d{rater}"},
            {"key": "lang", "value": "en", "data_type": "text/plain" if rater % 2 else None},
        ]
        rng.shuffle(pairs)
        records.append(
            record(
                len(records),
                verdict=labels[int(data[rater, unit])],
                reviewer=f"r{rater}@example.com",
                inputs=pairs,
            )
        )
    return frames_of(records)


# --- score_agreement -------------------------------------------------------------------------------


def test_score_agreement_equals_scipy_and_bland_altman_by_hand() -> None:
    rng = np.random.default_rng(5)
    grader = np.round(rng.uniform(0, 1, 200), 1)  # rounding makes many ties for Spearman
    human = np.clip(np.round(grader + rng.normal(0, 0.2, 200), 1), 0, 1)
    jobs = scores([*grader, None, 0.5, float("nan")], [*human, 0.5, None, 0.4])

    result = score_agreement(jobs, by=None)

    diff = grader - human
    sd = diff.std(ddof=1)
    assert result.select("n_pairs", "scales_differ", "threshold_agreement", "threshold_kappa").row(0) == (
        200,
        False,
        None,
        None,
    )
    assert result.item(0, "pearson") == pytest.approx(pearsonr(grader, human).statistic, abs=1e-12)
    assert result.item(0, "spearman") == pytest.approx(spearmanr(grader, human).statistic, abs=1e-12)
    assert result.item(0, "mean_abs_diff") == pytest.approx(np.abs(diff).mean(), abs=1e-12)
    assert result.item(0, "bias") == pytest.approx(diff.mean(), abs=1e-12)
    assert result.item(0, "loa_low") == pytest.approx(diff.mean() - 1.959963984540054 * sd, abs=1e-12)
    assert result.item(0, "loa_high") == pytest.approx(diff.mean() + 1.959963984540054 * sd, abs=1e-12)


def test_score_agreement_thresholds_give_agreement_and_kappa() -> None:
    rng = np.random.default_rng(6)
    grader = rng.uniform(0, 1, 120)
    human = np.clip(grader * 100 + rng.normal(0, 20, 120), 0, 100)
    jobs = scores(list(grader), list(human))

    with pytest.warns(ScaleMismatchWarning, match="human_score / 100"):
        result = score_agreement(jobs, by=None, grader_threshold=0.5, human_threshold=60)

    grader_pass, human_pass = grader >= 0.5, human >= 60
    assert result.select("scales_differ", "grader_threshold", "human_threshold").row(0) == (True, 0.5, 60.0)
    assert result.item(0, "threshold_agreement") == pytest.approx((grader_pass == human_pass).mean(), abs=1e-12)
    assert result.item(0, "threshold_kappa") == pytest.approx(cohen_kappa_score(grader_pass, human_pass), abs=1e-12)


def test_score_agreement_one_threshold_serves_both_and_kappa_can_be_undefined() -> None:
    jobs = scores([0.9, 0.8, 0.7], [0.95, 0.85, 0.6])

    result = score_agreement(jobs, by=None, threshold=0.5)

    assert result.select("grader_threshold", "human_threshold", "threshold_agreement", "threshold_kappa").row(0) == (
        0.5,
        0.5,
        1.0,
        None,
    )


def test_score_agreement_by_group_with_constant_and_single_scores_is_null_not_nan() -> None:
    jobs = scores(
        [0.5, 0.5, 0.5, 0.2, 0.9],
        [0.1, 0.4, 0.8, 0.3, None],
        agent_version_name=["v1", "v1", "v1", "v2", "v2"],
    )

    result = score_agreement(jobs, by="agent_version_name")

    assert result.select("agent_version_name", "n_pairs", "pearson", "spearman", "loa_low").rows() == [
        (
            "v1",
            3,
            None,
            None,
            pytest.approx(np.mean([0.4, 0.1, -0.3]) - 1.959963984540054 * np.std([0.4, 0.1, -0.3], ddof=1)),
        ),
        ("v2", 1, None, None, None),
    ]
    assert result.item(1, "bias") == pytest.approx(-0.1)


def test_score_agreement_of_no_pairs_is_the_empty_schema() -> None:
    result = score_agreement(JobFrames.empty(), by="agent_version_name", threshold=0.5)

    assert result.height == 0
    assert result.columns[0] == "agent_version_name"
    assert result.schema["pearson"] == pl.Float64
    assert result.schema["scales_differ"] == pl.Boolean


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grader_threshold": 0.5}, "needs a pass mark for both"),
        ({"threshold": float("nan")}, "finite number"),
        ({"threshold": "0.5"}, "finite number"),
        ({"by": "pearson"}, "cannot group by"),
    ],
)
def test_score_agreement_rejects_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_agreement(scores([0.1], [0.2]), **{"by": None, **kwargs})


def test_score_agreement_needs_both_scores() -> None:
    with pytest.raises(MissingColumnsError, match="human_score"):
        score_agreement(pl.DataFrame({"grader_score": [0.1]}), by=None)


# --- score_disagreements ---------------------------------------------------------------------------


def test_score_disagreements_lists_the_largest_gaps_first_with_stable_ties() -> None:
    jobs = scores(
        [0.9, 0.1, 0.5, 0.2, 0.7, None],
        [0.8, 0.9, 0.5, 1.0, 0.1, 0.3],
        review_comment=["ok", "too harsh", None, "wrong", "lenient", None],
    )

    result = score_disagreements(jobs, n=3)

    assert result.select("job_id", "difference", "review_comment").rows() == [
        ("job-001", pytest.approx(-0.8), "too harsh"),
        ("job-003", pytest.approx(-0.8), "wrong"),
        ("job-004", pytest.approx(0.6), "lenient"),
    ]
    assert result.get_column("abs_difference").to_list() == pytest.approx([0.8, 0.8, 0.6])


def test_score_disagreements_from_job_frames_and_empty() -> None:
    frames = frames_of([record(1, grader=0.2, human=0.9, reviewer="bo@example.com"), record(2, grader=0.5)])

    result = score_disagreements(frames)
    empty = score_disagreements(JobFrames.empty())

    assert result.select("job_id", "agent_id", "review_status", "reviewed_by").rows() == [
        (record(1)["id"], AGENT, "approved", "bo@example.com")
    ]
    assert empty.schema == result.schema
    assert empty.height == 0


def test_score_disagreements_warns_about_scales_and_rejects_bad_n() -> None:
    with pytest.warns(ScaleMismatchWarning):
        score_disagreements(scores([0.2, 0.9], [20.0, 85.0]))
    with pytest.raises(ValueError, match="n must be"):
        score_disagreements(scores([0.2], [0.3]), n=-1)


# --- reviewer_stats --------------------------------------------------------------------------------


def reviewer_fixture() -> JobFrames:
    return frames_of(
        [
            # item "a": ana, bo and cy; item "b": ana and bo; item "c": only cy
            record(1, reviewer="ana", inputs=text_input("a"), grader=0.9, reviewed_at="2026-05-01T11:00:00Z"),
            record(2, reviewer="bo", inputs=text_input("a"), grader=0.8, reviewed_at="2026-05-01T14:00:00Z"),
            record(
                3,
                reviewer="cy",
                status="rejected",
                corrected="Not Suspicious",
                inputs=text_input("a"),
                grader=0.3,
                reviewed_at="2026-05-02T10:00:00Z",
            ),
            record(4, reviewer="ana", verdict="Not Suspicious", inputs=text_input("b"), grader=0.2),
            record(5, reviewer="bo", status="rejected", inputs=text_input("b"), grader=0.7),
            record(6, reviewer="cy", status="rejected", corrected="Suspicious", inputs=text_input("c"), grader=0.6),
            record(7, reviewer="ana", status="pending", inputs=text_input("c")),
            record(8, reviewer=None, inputs=text_input("a")),
        ]
    )


def test_reviewer_stats_by_hand() -> None:
    result = reviewer_stats(reviewer_fixture(), grader_threshold=0.5)

    # ana: approves 1 (grader .9, passes: agree) and 4 (grader .2, fails: disagree); pending 7 ignored.
    #   peers on "a": bo Suspicious (agree), cy Not Suspicious (disagree); on "b": bo's rejection of
    #   "Suspicious" without correction implies "Not Suspicious" (two labels), agreeing with ana's N.
    # bo: approves 2 (.8 pass, agree), rejects 5 without correction (.7 pass: disagree; not corrected).
    #   peers on "a": ana S (agree), cy N (disagree); on "b": ana N (agree).
    # cy: rejects 3 with correction (.3 fails: agree) and 6 with correction (.6 passes: disagree).
    #   peers on "a": N against ana S and bo S (both disagree); "c" has no other reviewer.
    # the null reviewer: one approval (job 8, no grader score), no peer pairs.
    expected = pl.DataFrame(
        {
            "reviewed_by": ["ana", "bo", "cy", None],
            "n_reviews": [2, 2, 2, 1],
            "n_approved": [2, 1, 0, 1],
            "n_rejected": [0, 1, 2, 0],
            "n_corrected": [0, 0, 2, 0],
            "correction_rate": [0.0, 0.0, 1.0, 0.0],
            "n_graded": [2, 2, 2, 0],
            "mean_grader_score_approved": [0.55, 0.8, None, None],
            "mean_grader_score_rejected": [None, 0.7, 0.45, None],
            "grader_agreement_rate": [0.5, 0.5, 0.5, None],
            "n_peer_pairs": [3, 3, 2, 0],
            "peer_agreement_rate": [2 / 3, 2 / 3, 0.0, None],
        },
        schema_overrides={
            c: pl.UInt32 for c in ("n_reviews", "n_approved", "n_rejected", "n_corrected", "n_graded", "n_peer_pairs")
        },
    )
    assert_frame_equal(result.select(expected.columns), expected)
    low, high = proportion_confint(1, 2, method="wilson")
    assert result.row(1, named=True)["approval_rate"] == 0.5
    assert (result.item(1, "approval_rate_low"), result.item(1, "approval_rate_high")) == pytest.approx((low, high))


def test_reviewer_stats_agreement_intervals_are_statsmodels_wilson_when_every_item_is_judged_once() -> None:
    # ana and bo judge 12 distinct inputs each once; the grader passes (0.9) or fails (0.1) each job.
    records, n = [], 0
    for i in range(12):
        for reviewer in ("ana", "bo"):
            n += 1
            disagree = reviewer == "bo" and i < 2  # bo rejects 2 items: 10 of 12 pairs agree
            grader = 0.1 if (reviewer == "ana" and i < 3) else 0.9  # ana approves 3 the grader fails
            records.append(
                record(
                    n,
                    reviewer=reviewer,
                    inputs=text_input(f"item {i}"),
                    status="rejected" if disagree else "approved",
                    corrected="Not Suspicious" if disagree else None,
                    grader=grader,
                )
            )
    result = reviewer_stats(frames_of(records), grader_threshold=0.5).sort("reviewed_by")

    ana, bo = result.rows(named=True)
    assert (ana["n_graded"], ana["grader_agreement_rate"]) == (12, 9 / 12)
    assert (ana["grader_agreement_rate_low"], ana["grader_agreement_rate_high"]) == pytest.approx(
        proportion_confint(9, 12, alpha=0.05, method="wilson"), abs=1e-12
    )
    # bo rejected 2 jobs the grader passes: 10 of 12 agree with the grader too.
    assert (bo["grader_agreement_rate_low"], bo["grader_agreement_rate_high"]) == pytest.approx(
        proportion_confint(10, 12, alpha=0.05, method="wilson"), abs=1e-12
    )
    for row in (ana, bo):
        assert (row["n_peer_pairs"], row["peer_agreement_rate"]) == (12, 10 / 12)
        assert (row["peer_agreement_rate_low"], row["peer_agreement_rate_high"]) == pytest.approx(
            proportion_confint(10, 12, alpha=0.05, method="wilson"), abs=1e-12
        )


def test_reviewer_stats_agreement_intervals_count_the_input_not_the_rerun() -> None:
    from scipy.stats import t

    # ana judges 12 inputs, each run twice and judged alike: 24 reviews but 12 items of evidence.
    records = [
        record(2 * i + k + 1, reviewer="ana", inputs=text_input(f"item {i}"), grader=0.1 if i < 3 else 0.9)
        for i in range(12)
        for k in range(2)
    ]
    row = reviewer_stats(frames_of(records), grader_threshold=0.5).row(0, named=True)

    assert (row["n_graded"], row["grader_agreement_rate"]) == (24, 0.75)
    # Identical runs: the cluster-robust design effect (G/(G-1)·Σ(S_c − m·ȳ)²/N² over s²/N, here
    # 2·12/11), n / deff effective runs, and a t critical value on 11 degrees of freedom, in Wilson's
    # score interval (its published formula).
    agrees = np.repeat([0.0] * 3 + [1.0] * 9, 2)
    sums = agrees.reshape(12, 2).sum(axis=1)
    deff = (12 / 11 * ((sums - 2 * agrees.mean()) ** 2).sum() / 24**2) / (agrees.var(ddof=1) / 24)
    assert deff == pytest.approx(2 * 12 / 11 * 23 / 24)
    p, n_eff, c = 0.75, 24 / deff, t.ppf(0.975, 11)
    centre = (p + c * c / (2 * n_eff)) / (1 + c * c / n_eff)
    half = c * np.sqrt(p * (1 - p) / n_eff + c * c / (4 * n_eff * n_eff)) / (1 + c * c / n_eff)
    # (our t quantile is an approximation within 1e-6 of scipy's)
    assert (row["grader_agreement_rate_low"], row["grader_agreement_rate_high"]) == pytest.approx(
        (centre - half, centre + half), abs=1e-5
    )
    naive = proportion_confint(18, 24, alpha=0.05, method="wilson")
    assert row["grader_agreement_rate_high"] - row["grader_agreement_rate_low"] > naive[1] - naive[0]


def test_reviewer_stats_gives_no_agreement_interval_below_ten_items() -> None:
    result = reviewer_stats(reviewer_fixture(), grader_threshold=0.5)
    bounds = ["grader_agreement_rate_low", "grader_agreement_rate_high", "peer_agreement_rate_low"]
    assert result.select(bounds).null_count().row(0) == (4, 4, 4)
    assert result.get_column("grader_agreement_rate").to_list() == [0.5, 0.5, 0.5, None]


def test_reviewer_stats_times_and_the_mean_grader_score_without_threshold() -> None:
    result = reviewer_stats(reviewer_fixture())

    ana = result.row(0, named=True)
    assert ana["grader_agreement_rate"] is None
    assert ana["mean_grader_score_approved"] == pytest.approx(0.55)
    # ana's reviews: job 1 at 11:00 and job 4 at 12:00, both created 10:00 → 1 h and 2 h
    assert ana["median_time_to_review_ms"] == 5_400_000.0
    assert ana["first_reviewed_at"] == datetime(2026, 5, 1, 11, tzinfo=UTC)
    assert ana["last_reviewed_at"] == datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_reviewer_stats_of_empty_frames_is_the_empty_schema() -> None:
    result = reviewer_stats(JobFrames.empty())
    full = reviewer_stats(reviewer_fixture())

    assert result.height == 0
    assert result.schema == full.schema


def test_reviewer_stats_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="needs the inputs frame"):
        reviewer_stats(pl.DataFrame())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grader_threshold"):
        reviewer_stats(JobFrames.empty(), grader_threshold=float("inf"))


# --- reviewer_drift --------------------------------------------------------------------------------


def test_reviewer_drift_buckets_approval_by_period() -> None:
    frames = frames_of(
        [
            record(1, reviewer="ana", reviewed_at="2026-05-04T09:00:00Z"),  # Monday
            record(2, reviewer="ana", status="rejected", reviewed_at="2026-05-10T23:59:59Z"),  # Sunday
            record(3, reviewer="ana", reviewed_at="2026-05-11T00:00:00Z"),  # next Monday
            record(4, reviewer="bo", reviewed_at="2026-05-05T09:00:00Z"),
            record(5, reviewer="bo", reviewed_at=None),
            record(6, reviewer="bo", status="pending", reviewed_at="2026-05-05T09:00:00Z"),
        ]
    )

    result = reviewer_drift(frames, every="1w")

    low, high = proportion_confint(1, 2, method="wilson")
    one_of_one, _ = proportion_confint(1, 1, method="wilson")
    expected = pl.DataFrame(
        {
            "reviewed_by": ["ana", "ana", "bo"],
            "period_start": [datetime(2026, 5, d, tzinfo=UTC) for d in (4, 11, 4)],
            "n_reviews": [2, 1, 1],
            "n_approved": [1, 1, 1],
            "approval_rate": [0.5, 1.0, 1.0],
            "approval_rate_low": [low, one_of_one, one_of_one],
            "approval_rate_high": [high, 1.0, 1.0],
        },
        schema=result.schema,
    )
    assert_frame_equal(result, expected)


def test_reviewer_drift_daily_empty_and_bad_period() -> None:
    frames = frames_of([record(1, reviewed_at="2026-05-04T09:00:00Z"), record(2, reviewed_at="2026-05-05T09:00:00Z")])

    assert reviewer_drift(frames, every="1d").get_column("n_reviews").to_list() == [1, 1]
    assert reviewer_drift(JobFrames.empty()).schema == reviewer_drift(frames).schema
    with pytest.raises(ValueError, match="not a Polars duration"):
        reviewer_drift(frames, every="weekly")


# --- inter_reviewer_agreement ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_inter_reviewer_alpha_equals_the_krippendorff_package(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raters, units = int(rng.integers(2, 6)), int(rng.integers(8, 30))
    labels = ["Suspicious", "Not Suspicious", "Needs Escalation"]
    truth = rng.choice(3, size=units, p=[0.7, 0.2, 0.1])
    data = np.where(rng.random((raters, units)) < 0.75, truth, rng.choice(3, size=(raters, units))).astype(float)
    data[rng.random((raters, units)) < 0.3] = np.nan
    pairable = (~np.isnan(data)).sum(axis=0) >= 2

    result = inter_reviewer_agreement(reliability_frames(data, labels=labels, seed=seed), by=None, n_resamples=200)

    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result.select("n_items", "n_reviewers", "n_values").row(0) == (
        int(pairable.sum()),
        int(((~np.isnan(data[:, pairable])).sum(axis=1) > 0).sum()),
        int((~np.isnan(data[:, pairable])).sum()),
    )
    assert result.item(0, "krippendorff_alpha") == pytest.approx(reference, abs=1e-12)
    if pairable.sum() >= MIN_N:
        assert result.item(0, "alpha_low") <= result.item(0, "krippendorff_alpha") <= result.item(0, "alpha_high")
        assert result.select("too_few", "note").row(0) == (False, None)
    else:
        assert result.select("alpha_low", "alpha_high", "too_few").row(0) == (None, None, True)
        assert result.item(0, "note").startswith("too few to tell")


@pytest.mark.parametrize("seed", range(5))
def test_inter_reviewer_fleiss_equals_statsmodels_on_complete_designs(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    raters, units = int(rng.integers(2, 6)), int(rng.integers(5, 25))
    truth = rng.choice(3, size=units, p=[0.6, 0.3, 0.1])
    data = np.where(rng.random((raters, units)) < 0.7, truth, rng.choice(3, size=(raters, units))).astype(float)

    result = inter_reviewer_agreement(reliability_frames(data, labels=["A", "B", "C"]), by=None, n_resamples=50)

    table, _ = aggregate_raters(data.T.astype(int), n_cat=3)
    assert result.item(0, "fleiss_note") is None
    assert result.item(0, "fleiss_kappa") == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)
    assert result.item(0, "krippendorff_alpha") == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12
    )


def test_inter_reviewer_keeps_the_latest_review_of_each_reviewer_per_item() -> None:
    rng = np.random.default_rng(7)
    raters, units = 3, 40
    truth = rng.choice(3, size=units, p=[0.5, 0.3, 0.2])
    data = np.where(rng.random((raters, units)) < 0.7, truth, rng.choice(3, size=(raters, units))).astype(float)
    data[rng.random((raters, units)) < 0.2] = np.nan
    labels = ["A", "B", "C"]
    records = []
    for rater, unit in zip(*np.nonzero(~np.isnan(data)), strict=True):
        records.append(
            record(
                len(records),
                verdict=labels[int(data[rater, unit])],
                reviewer=f"r{rater}",
                inputs=text_input(f"u{unit}"),
                reviewed_at="2026-05-02T12:00:00Z",
            )
        )
    # r0 had reviewed the first 15 units before, with another label: earlier reviews, to be set aside
    earlier = [(u, (int(data[0, u]) + 1) % 3) for u in range(15) if not np.isnan(data[0, u])]
    for unit, label in earlier:
        records.append(
            record(
                len(records),
                verdict=labels[label],
                reviewer="r0",
                inputs=text_input(f"u{unit}"),
                reviewed_at="2026-05-01T12:00:00Z",
            )
        )
    # a tie on reviewed_at: the greater job id (added last) is kept
    records.append(record(len(records), verdict=labels[int(truth[20])], reviewer="r9", inputs=text_input("u20")))
    records.append(
        record(len(records), verdict=labels[(int(truth[20]) + 1) % 3], reviewer="r9", inputs=text_input("u20"))
    )
    tie_label = (int(truth[20]) + 1) % 3

    result = inter_reviewer_agreement(frames_of(records), by=None, n_resamples=200)

    deduplicated = np.vstack([data, np.full((1, units), np.nan)])
    deduplicated[3, 20] = tie_label
    reference = krippendorff.alpha(reliability_data=deduplicated, level_of_measurement="nominal")
    # the old rule counted every review as a value: krippendorff on value counts with the repeats added
    counts = np.stack([(deduplicated == c).sum(axis=0) for c in range(3)], axis=1)
    for unit, label in earlier:
        counts[unit, label] += 1
    counts[20, int(truth[20])] += 1
    repeat_counting = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    pairable = (~np.isnan(deduplicated)).sum(axis=0) >= 2

    assert result.item(0, "krippendorff_alpha") == pytest.approx(reference, abs=1e-12)
    assert abs(repeat_counting - reference) > 0.01
    assert result.select("n_items", "n_values", "n_repeats_set_aside", "too_few").row(0) == (
        int(pairable.sum()),
        int((~np.isnan(deduplicated[:, pairable])).sum()),
        len(earlier) + 1,
        False,
    )


def test_inter_reviewer_alpha_at_each_level_of_measurement_equals_the_krippendorff_package() -> None:
    rng = np.random.default_rng(11)
    raters, units = 4, 25
    order = ["Low", "Medium", "High", "Critical"]
    truth = rng.choice(4, size=units)
    data = np.clip(truth + rng.integers(-1, 2, size=(raters, units)), 0, 3).astype(float)
    data[rng.random((raters, units)) < 0.25] = np.nan
    scores = [0.0, 2.5, 4.0, 10.0]
    records = [
        record(
            i,
            verdict=order[int(data[r, u])],
            reviewer=f"r{r}",
            inputs=text_input(f"u{u}"),
            human=scores[int(data[r, u])],
        )
        for i, (r, u) in enumerate(zip(*np.nonzero(~np.isnan(data)), strict=True))
    ]
    frames = frames_of(records)
    numeric = np.where(np.isnan(data), np.nan, np.take(scores, np.nan_to_num(data).astype(int)))

    ordinal = inter_reviewer_agreement(frames, by=None, measurement="ordinal", order=order, n_resamples=100)
    interval = inter_reviewer_agreement(frames, by=None, measurement="interval", n_resamples=100)
    nominal = inter_reviewer_agreement(frames, by=None, n_resamples=100)

    # the package ranks ordinal values by their numeric order: the label's position in `order`
    assert ordinal.item(0, "krippendorff_alpha") == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2, 3]), abs=1e-12
    )
    assert interval.item(0, "krippendorff_alpha") == pytest.approx(
        krippendorff.alpha(reliability_data=numeric, level_of_measurement="interval"), abs=1e-12
    )
    assert nominal.item(0, "krippendorff_alpha") == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12
    )
    assert ordinal.item(0, "alpha_low") < ordinal.item(0, "krippendorff_alpha") < ordinal.item(0, "alpha_high")
    assert interval.select("fleiss_kappa", "fleiss_low").row(0) == (None, None)
    assert "not scores" in interval.item(0, "fleiss_note")


def test_inter_reviewer_ordinal_needs_an_order_covering_the_labels() -> None:
    frames = frames_of([record(i, reviewer=f"r{i % 2}", inputs=text_input(str(i // 2))) for i in range(4)])
    with pytest.raises(ValueError, match="needs the labels from lowest to highest"):
        inter_reviewer_agreement(frames, by=None, measurement="ordinal")
    with pytest.raises(ValueError, match="missing: \\['Suspicious'\\]"):
        inter_reviewer_agreement(frames, by=None, measurement="ordinal", order=["Low", "High"])
    with pytest.raises(ValueError, match="only used with measurement='ordinal'"):
        inter_reviewer_agreement(frames, by=None, order=["Low", "High"])
    with pytest.raises(ValueError, match="measurement must be one of"):
        inter_reviewer_agreement(frames, by=None, measurement="ratio")  # type: ignore[arg-type]


def test_inter_reviewer_fleiss_needs_the_same_number_of_values_per_item() -> None:
    frames = frames_of(
        [
            record(1, reviewer="ana", inputs=text_input("a")),
            record(2, reviewer="bo", inputs=text_input("a")),
            record(3, reviewer="cy", inputs=text_input("a"), verdict="Not Suspicious"),
            record(4, reviewer="ana", inputs=text_input("b"), verdict="Not Suspicious"),
            record(5, reviewer="bo", inputs=text_input("b"), verdict="Not Suspicious"),
            record(6, reviewer="ana", inputs=text_input("c")),  # a single value: not an item
            record(7, reviewer="bo", inputs=[]),  # no inputs: never an item
            record(8, reviewer="cy", inputs=[]),
            record(10, reviewer="cy", status="pending", inputs=text_input("d")),  # no final verdict
            record(11, reviewer="ana", inputs=text_input("d")),  # a single value: not an item
        ]
    )

    result = inter_reviewer_agreement(frames, by=None, n_resamples=100)

    assert result.select("n_items", "n_reviewers", "n_values", "fleiss_kappa").row(0) == (2, 3, 5, None)
    assert result.item(0, "fleiss_note").startswith("items have between 2 and 3 values")


def test_inter_reviewer_single_label_leaves_alpha_null_with_a_warning() -> None:
    frames = frames_of([record(i, reviewer=f"r{i % 2}", inputs=text_input(str(i // 2))) for i in range(6)])

    with pytest.warns(UndefinedCoefficientWarning, match="alpha is undefined"):
        result = inter_reviewer_agreement(frames, by=None, n_resamples=50)

    assert result.select("n_items", "krippendorff_alpha", "alpha_low", "alpha_high", "fleiss_kappa").row(0) == (
        3,
        None,
        None,
        None,
        None,
    )
    assert "same label" in result.item(0, "fleiss_note")


def test_inter_reviewer_by_group_is_seeded_and_reports_groups_without_items() -> None:
    rng = np.random.default_rng(0)
    verdicts = rng.choice(["A", "B"], size=120, p=[0.7, 0.3])
    records = [
        record(i, reviewer=f"r{i % 3}", inputs=text_input(str(i // 3)), verdict=str(verdicts[i])) for i in range(120)
    ]
    records.append(record(1000, version="v2", inputs=text_input("0")))
    frames = frames_of(records)

    first = inter_reviewer_agreement(frames, by="agent_version_name", n_resamples=300, seed=4)
    again = inter_reviewer_agreement(frames, by="agent_version_name", n_resamples=300, seed=4)
    other = inter_reviewer_agreement(frames, by="agent_version_name", n_resamples=300, seed=5)

    assert_frame_equal(first, again)
    assert first.get_column("agent_version_name").to_list() == ["v1", "v2"]
    assert first.row(1, named=True) | {"fleiss_note": None} == {
        "agent_version_name": "v2",
        "n_items": 0,
        "n_reviewers": 0,
        "n_values": 0,
        "n_repeats_set_aside": 0,
        "krippendorff_alpha": None,
        "alpha_low": None,
        "alpha_high": None,
        "fleiss_kappa": None,
        "fleiss_low": None,
        "fleiss_high": None,
        "fleiss_note": None,
        "too_few": True,
        "note": "too few to tell: 0 items, fewer than 10",
    }
    assert first.select("alpha_low", "alpha_high").row(0) != other.select("alpha_low", "alpha_high").row(0)


def test_inter_reviewer_of_empty_frames_is_the_empty_schema() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = inter_reviewer_agreement(JobFrames.empty(), by="agent_id")

    assert result.height == 0
    assert result.schema == pl.Schema(
        {
            "agent_id": pl.String,
            "n_items": pl.UInt32,
            "n_reviewers": pl.UInt32,
            "n_values": pl.UInt32,
            "n_repeats_set_aside": pl.UInt32,
            "krippendorff_alpha": pl.Float64,
            "alpha_low": pl.Float64,
            "alpha_high": pl.Float64,
            "fleiss_kappa": pl.Float64,
            "fleiss_low": pl.Float64,
            "fleiss_high": pl.Float64,
            "fleiss_note": pl.String,
            "too_few": pl.Boolean,
            "note": pl.String,
        }
    )


def test_inter_reviewer_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="n_resamples"):
        inter_reviewer_agreement(JobFrames.empty(), by=None, n_resamples=0)
    with pytest.raises(ValueError, match="cannot group by"):
        inter_reviewer_agreement(JobFrames.empty(), by="n_items")


def test_reviewer_stats_peer_pairs_use_each_reviewer_latest_verdict() -> None:
    frames = frames_of(
        [
            record(1, reviewer="ana", inputs=text_input("a"), reviewed_at="2026-05-01T09:00:00Z"),
            record(2, reviewer="ana", inputs=text_input("a"), reviewed_at="2026-05-01T10:00:00Z"),
            record(
                3, reviewer="ana", inputs=text_input("a"), verdict="Not Suspicious", reviewed_at="2026-05-03T00:00:00Z"
            ),
            record(4, reviewer="bo", inputs=text_input("a"), verdict="Not Suspicious"),
        ]
    )

    result = reviewer_stats(frames)

    # ana's latest verdict on "a" is Not Suspicious (job 3): one pair with bo, agreeing. Counting every
    # review would give 3 pairs for ana with a rate of 1/3.
    assert result.select("reviewed_by", "n_peer_pairs", "peer_agreement_rate").rows() == [
        ("ana", 1, 1.0),
        ("bo", 1, 1.0),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_inter_reviewer_fleiss_interval_equals_resampling_items_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    raters, units = 3, 20
    truth = rng.choice(3, size=units, p=[0.5, 0.3, 0.2])
    data = np.where(rng.random((raters, units)) < 0.7, truth, rng.choice(3, size=(raters, units))).astype(float)

    result = inter_reviewer_agreement(
        reliability_frames(data, labels=["A", "B", "C"]), by=None, n_resamples=300, seed=seed, confidence=0.9
    )

    table, _ = aggregate_raters(data.T.astype(int), n_cat=3)
    draws = np.random.default_rng(seed).integers(0, units, size=(300, units))
    reference = [sm_fleiss_kappa(table[row]) for row in draws]
    assert result.select("fleiss_low", "fleiss_high").row(0) == pytest.approx(
        tuple(np.quantile(reference, [0.05, 0.95])), abs=1e-12
    )
    assert result.item(0, "fleiss_low") < result.item(0, "fleiss_kappa") < result.item(0, "fleiss_high")
