"""A rejected review is a disagreement, whether or not the reviewer wrote a corrected verdict.

Expected values come from scikit-learn (``cohen_kappa_score``, ``confusion_matrix``,
``precision_recall_fscore_support``), statsmodels (``proportion_confint(method="wilson")``,
``cohens_kappa``) and, for the kappa bounds, a brute force over every placement of the rejections
whose label is unknown.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from roe_analysis import JobFrames
from roe_analysis.analysis import (
    AgreementWarning,
    PrevalenceSkewWarning,
    UndefinedCoefficientWarning,
    agreement_summary,
    confusion_matrix,
    per_class_metrics,
    review_outcomes,
)
from roe_analysis.analysis._labels import REJECTED_UNCORRECTED, ac1_bounds, kappa_bounds
from roe_analysis.analysis._outcomes import OUTCOMES_SCHEMA

AGENT = "00000000-0000-4000-8000-0000000000aa"
S, N, E = "Suspicious", "Not Suspicious", "Needs Escalation"


def record(n: int, verdict: str | None, status: str, corrected: str | None = None) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "agent_version_name": "v1",
        "status_code": 3,
        "created_at": "2026-05-01T10:00:00Z",
        "ui_fields": {"verdict": verdict},
        "feedback_review": {"review_status": status, "corrected_verdict": corrected, "reviewed_by": "r@x.example"},
    }


def frames_of(rows: Sequence[tuple[str | None, str, str | None]]) -> JobFrames:
    return JobFrames.from_records(
        [record(i, verdict, status, corrected) for i, (verdict, status, corrected) in enumerate(rows)], agent_id=AGENT
    )


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the prevalence-skew warning, which is not what these tests are about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrevalenceSkewWarning)
        yield


# The demo's shape: three labels, some rejections without a correction.
DEMO = [
    *[(S, "approved", None)] * 12,
    *[(N, "approved", None)] * 8,
    *[(E, "approved", None)] * 3,
    (S, "rejected", N),
    (S, "rejected", N),
    (S, "rejected", E),
    (N, "rejected", S),
    (E, "rejected", N),
    (S, "rejected", None),
    (S, "rejected", None),
    (S, "rejected", None),
    (N, "rejected", None),
    (E, "rejected", None),
]


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way of writing ``total`` as an ordered sum of ``parts`` non-negative integers."""
    for cuts in itertools.combinations_with_replacement(range(total + 1), parts - 1):
        bounds = (0, *cuts, total)
        yield tuple(b - a for a, b in itertools.pairwise(bounds))


def hand_ac1(table: np.ndarray) -> float:
    """Gwet's AC1 by hand (Gwet 2008, eq. 8): ``p_e = Σ π_k (1 - π_k) / (q - 1)``, ``π_k`` the label's share of 2n."""
    n, q = table.sum(), table.shape[0]
    pi = (table.sum(axis=0) + table.sum(axis=1)) / (2 * n)
    p_o, p_e = np.trace(table) / n, (pi * (1 - pi)).sum() / (q - 1)
    return float((p_o - p_e) / (1 - p_e))


def brute_force_tables(table: np.ndarray, unplaced: np.ndarray) -> list[np.ndarray]:
    """Every table reachable by placing ``unplaced[i]`` off the diagonal of row ``i``."""
    q = table.shape[0]
    per_row = []
    for i in range(q):
        others = [j for j in range(q) if j != i]
        per_row.append([dict(zip(others, c, strict=True)) for c in compositions(int(unplaced[i]), q - 1)])
    tables = []
    for choice in itertools.product(*per_row):
        t = table.astype(float).copy()
        for i, cells in enumerate(choice):
            for j, k in cells.items():
                t[i, j] += k
        tables.append(t)
    return tables


def brute_force_kappas(table: np.ndarray, unplaced: np.ndarray) -> list[float]:
    """statsmodels' kappa of every placement."""
    return [float(sm_cohens_kappa(t).kappa) for t in brute_force_tables(table, unplaced)]


# --- review_outcomes -------------------------------------------------------------------------------


def test_two_labels_imply_the_other_label() -> None:
    frames = frames_of([(S, "approved", None), (S, "rejected", None), (N, "rejected", None), (N, "rejected", S)])

    result = review_outcomes(frames)

    assert result.select("final_verdict", "agrees", "rejected_uncorrected", "contradictory").rows() == [
        (S, True, False, False),
        (N, False, True, False),
        (S, False, True, False),
        (S, False, False, False),
    ]


def test_three_labels_leave_the_final_verdict_unknown_but_count_a_disagreement() -> None:
    result = review_outcomes(frames_of([(S, "approved", None), (S, "rejected", None), (N, "rejected", E)]))

    assert result.schema == OUTCOMES_SCHEMA
    assert result.select("final_verdict", "agrees", "rejected_uncorrected").rows() == [
        (S, True, False),
        (None, False, True),
        (E, False, False),
    ]


def test_contradictory_approvals_are_flagged_left_out_and_warned_once() -> None:
    frames = frames_of([(S, "approved", N), (S, "approved", E), (S, "approved", S), (N, "rejected", S)])

    with pytest.warns(AgreementWarning, match="2 approved review") as caught:
        result = review_outcomes(frames)

    assert len([w for w in caught if "approved review" in str(w.message)]) == 1
    assert result.select("final_verdict", "agrees", "contradictory").rows() == [
        (None, None, True),
        (None, None, True),
        (S, True, False),
        (S, False, False),
    ]
    with quiet():
        summary = agreement_summary(result, by=None)
    # the pairs: job 3 (S, S) and job 4 (N → S)
    assert summary.select("n_reviewed", "n_approved", "n_contradictory", "n_pairs", "n_agree").row(0) == (4, 3, 2, 2, 1)


def test_labels_differing_in_case_or_whitespace_are_one_label_warned_once() -> None:
    rows = [
        *[(S, "approved", None)] * 3,
        ("suspicious", "approved", None),
        (" SUSPICIOUS ", "rejected", "not suspicious"),
        (N, "approved", None),
        ("Fraud", "rejected", "fraud "),  # a tie between "Fraud" and "fraud": alphabetically first
    ]

    with pytest.warns(AgreementWarning, match="differ only in case") as caught:
        result = review_outcomes(frames_of(rows))

    merged = [str(w.message) for w in caught if "differ only in case" in str(w.message)]
    assert len(merged) == 1
    assert "' SUSPICIOUS '" in merged[0] and "'Suspicious'" in merged[0] and "'fraud '" in merged[0]
    assert result.get_column("agent_verdict").to_list() == [S] * 5 + [N, "Fraud"]
    assert result.get_column("final_verdict").to_list() == [S] * 4 + [N, N, "Fraud"]
    assert result.get_column("agrees").to_list() == [True] * 4 + [False, True, True]


def test_one_spelling_with_whitespace_is_silently_stripped() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = review_outcomes(frames_of([(" Suspicious ", "approved", None), (N, "rejected", " Suspicious ")]))

    assert result.get_column("final_verdict").to_list() == [S, S]


# --- agreement_summary -----------------------------------------------------------------------------


def test_the_demo_shape_counts_uncorrected_rejections_and_bounds_kappa() -> None:
    with pytest.warns(AgreementWarning, match="5 rejection"), quiet():
        result = agreement_summary(frames_of(DEMO), by=None)

    labels = [E, N, S]
    placed = [(a, f) for a, s, f in DEMO if f is not None or s == "approved"]
    agent = [a for a, _ in placed]
    final = [f if f is not None else a for a, f in placed]
    table = sk_confusion_matrix(agent, final, labels=labels)
    unplaced = np.array([sum(1 for a, s, f in DEMO if s == "rejected" and f is None and a == x) for x in labels])
    n_pairs, n_agree = len(DEMO), sum(a == f for a, f in zip(agent, final, strict=True))
    low, high = proportion_confint(n_agree, n_pairs, alpha=0.05, method="wilson")
    kappas = brute_force_kappas(table, unplaced)
    ac1s = [hand_ac1(t) for t in brute_force_tables(table, unplaced)]

    row = result.row(0, named=True)
    assert (row["n_pairs"], row["n_agree"], row["n_rejected_uncorrected"]) == (33, 23, 5)
    assert row["agreement_rate"] == pytest.approx(n_agree / n_pairs, abs=1e-12)
    assert (row["agreement_rate_low"], row["agreement_rate_high"]) == pytest.approx((low, high), abs=1e-12)
    assert row["pabak"] == pytest.approx((3 * n_agree / n_pairs - 1) / 2, abs=1e-12)
    assert (row["pabak_low"], row["pabak_high"]) == pytest.approx(((3 * low - 1) / 2, (3 * high - 1) / 2), abs=1e-12)
    assert (row["cohen_kappa"], row["cohen_kappa_low"], row["gwet_ac1"], row["gwet_ac1_high"]) == (None,) * 4
    assert (row["cohen_kappa_min"], row["cohen_kappa_max"]) == pytest.approx((min(kappas), max(kappas)), abs=1e-12)
    assert row["cohen_kappa_min"] < row["cohen_kappa_max"]
    assert (row["gwet_ac1_min"], row["gwet_ac1_max"]) == pytest.approx((min(ac1s), max(ac1s)), abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_kappa_and_ac1_bounds_equal_the_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    q = 3 + seed % 3
    table = rng.integers(0, 6, size=(q, q)) + np.eye(q, dtype=int) * rng.integers(0, 8)
    unplaced = rng.integers(0, {3: 4, 4: 3, 5: 2}[q], size=q)  # at most ~1,300 placements
    unplaced[seed % q] = max(1, unplaced[seed % q])

    low, high = kappa_bounds(table[None].astype(float), unplaced[None].astype(float))
    ac1_low, ac1_high = ac1_bounds(table[None].astype(float), unplaced[None].astype(float))

    placements = brute_force_tables(table, unplaced)
    kappas = [float(sm_cohens_kappa(t).kappa) for t in placements]
    ac1s = [hand_ac1(t) for t in placements]
    assert (low[0], high[0]) == pytest.approx((min(kappas), max(kappas)), abs=1e-12)
    assert (ac1_low[0], ac1_high[0]) == pytest.approx((min(ac1s), max(ac1s)), abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_agreement_summary_per_group_counts_every_rejection(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = np.array([E, N, S])
    n = 240
    agent = labels[rng.choice(3, size=n, p=[0.2, 0.3, 0.5])]
    status = rng.choice(["approved", "rejected"], size=n, p=[0.75, 0.25])
    correction = np.where(rng.random(n) < 0.7, labels[rng.choice(3, size=n)], np.array(None))
    final = np.where(status == "approved", agent, correction)
    groups = rng.choice(["v1", "v2"], size=n)
    outcomes = pl.DataFrame(
        {"agent_version_name": groups, "agent_verdict": agent, "review_status": status, "final_verdict": final},
        schema_overrides={"final_verdict": pl.String},
    )

    with pytest.warns(AgreementWarning, match="without a corrected_verdict cannot be placed"), quiet():
        result = agreement_summary(outcomes, by="agent_version_name")

    for row in result.iter_rows(named=True):
        g = groups == row["agent_version_name"]
        known = g & (final != None)  # noqa: E711 (numpy object comparison)
        lost = g & (status == "rejected") & (final == None)  # noqa: E711
        table = sk_confusion_matrix(list(agent[known]), list(final[known]), labels=list(labels))
        unplaced = np.array([int((lost & (agent == x)).sum()) for x in labels])
        n_agree = int((agent[known] == final[known]).sum())
        placements = brute_force_tables(table, unplaced)
        kappas = [float(sm_cohens_kappa(t).kappa) for t in placements]
        ac1s = [hand_ac1(t) for t in placements]
        assert (row["n_pairs"], row["n_agree"], row["n_rejected_uncorrected"]) == (
            int(known.sum() + lost.sum()),
            n_agree,
            int(lost.sum()),
        )
        assert row["agreement_rate"] == pytest.approx(n_agree / row["n_pairs"], abs=1e-12)
        assert (row["cohen_kappa_min"], row["cohen_kappa_max"]) == pytest.approx((min(kappas), max(kappas)), abs=1e-12)
        assert (row["gwet_ac1_min"], row["gwet_ac1_max"]) == pytest.approx((min(ac1s), max(ac1s)), abs=1e-12)
        assert row["cohen_kappa"] is None


def test_two_labels_are_exact_and_labels_can_widen_the_set() -> None:
    rows = [*[(S, "approved", None)] * 6, *[(N, "approved", None)] * 4, (S, "rejected", None), (N, "rejected", None)]
    outcomes = review_outcomes(frames_of(rows))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = agreement_summary(outcomes, by=None)
    with pytest.warns(AgreementWarning, match="2 rejection"):
        wider = agreement_summary(outcomes, by=None, labels=[S, N, E])

    agent = [a for a, _, _ in rows]
    final = [*agent[:10], N, S]
    kappa = cohen_kappa_score(agent, final)
    assert exact.select("n_pairs", "n_agree", "cohen_kappa", "cohen_kappa_min", "cohen_kappa_max").row(0) == (
        12,
        10,
        pytest.approx(kappa, abs=1e-12),
        pytest.approx(kappa, abs=1e-12),
        pytest.approx(kappa, abs=1e-12),
    )
    table = sk_confusion_matrix(agent[:10], final[:10], labels=[S, N, E])
    kappas = brute_force_kappas(table, np.array([1, 1, 0]))
    assert wider.select("n_pairs", "n_agree", "cohen_kappa").row(0) == (12, 10, None)
    assert wider.select("cohen_kappa_min", "cohen_kappa_max").row(0) == pytest.approx(
        (min(kappas), max(kappas)), abs=1e-12
    )


def test_no_undefined_kappa_warning_for_bounded_groups() -> None:
    outcomes = review_outcomes(frames_of([(S, "approved", None), (N, "approved", None), (E, "rejected", None)]))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agreement_summary(outcomes, by=None)

    assert not [w for w in caught if issubclass(w.category, UndefinedCoefficientWarning)]


# --- confusion_matrix and per_class_metrics ---------------------------------------------------------


def sklearn_views(rows: Sequence[tuple[str | None, str, str | None]]) -> tuple[list[str], list[str]]:
    """Agent verdicts and truths, an uncorrected rejection's truth being the extra column."""
    agent = [a for a, _, _ in rows if a is not None]
    truth = [f if f is not None else (a if s == "approved" else REJECTED_UNCORRECTED) for a, s, f in rows if a]
    return agent, truth


def test_confusion_matrix_counts_uncorrected_rejections_in_their_own_column() -> None:
    with quiet():
        result = confusion_matrix(frames_of(DEMO), by=None)

    labels = [E, N, S]
    columns = [*labels, REJECTED_UNCORRECTED]
    agent, truth = sklearn_views(DEMO)
    expected = sk_confusion_matrix(truth, agent, labels=columns)[:, :3].T  # sklearn: rows are the truth
    assert result.select("agent_verdict", "final_verdict").rows() == [(a, f) for a in labels for f in columns]
    counts = np.array(result.get_column("count").to_list()).reshape(3, 4)
    np.testing.assert_array_equal(counts, expected)
    shares = np.array(result.get_column("share_of_agent_verdict").to_list()).reshape(3, 4)
    np.testing.assert_allclose(shares, expected / expected.sum(axis=1, keepdims=True), atol=1e-12)


def test_confusion_matrix_with_two_labels_places_them_and_has_no_extra_column() -> None:
    rows = [(S, "approved", None), (S, "rejected", None), (N, "rejected", None), (N, "approved", None)]

    result = confusion_matrix(frames_of(rows), by=None)

    expected = sk_confusion_matrix([S, N, S, N], [S, S, N, N], labels=[N, S])
    assert result.get_column("final_verdict").to_list() == [N, S, N, S]
    np.testing.assert_array_equal(np.array(result.get_column("count").to_list()).reshape(2, 2), expected)


def test_per_class_metrics_count_uncorrected_rejections_against_precision_with_wilson_intervals() -> None:
    rows = [
        *[(S, "approved", None)] * 20,
        *[(S, "rejected", N)] * 3,
        *[(S, "rejected", None)] * 4,
        *[(N, "approved", None)] * 9,
        *[(N, "rejected", S)] * 2,
        *[(E, "approved", None)] * 2,
        (E, "rejected", None),
    ]

    with quiet():
        result = per_class_metrics(frames_of(rows), by=None)

    labels = [E, N, S]
    agent, truth = sklearn_views(rows)
    precision, recall, f1, support = precision_recall_fscore_support(truth, agent, labels=labels, zero_division=np.nan)
    assert result.get_column("label").to_list() == labels
    np.testing.assert_allclose(result.get_column("precision").to_numpy(), precision, atol=1e-12)
    np.testing.assert_allclose(result.get_column("recall").to_numpy(), recall, atol=1e-12)
    np.testing.assert_allclose(result.get_column("f1").to_numpy(), f1, atol=1e-12)
    np.testing.assert_array_equal(result.get_column("support").to_numpy(), support)
    assert result.get_column("n_rejected_uncorrected").to_list() == [1, 0, 4]
    for row in result.iter_rows(named=True):
        for name, k, n in (
            ("precision", row["n_correct"], row["n_predicted"]),
            ("recall", row["n_correct"], row["support"]),
        ):
            if n >= 10:
                assert (row[f"{name}_low"], row[f"{name}_high"]) == pytest.approx(
                    proportion_confint(k, n, alpha=0.05, method="wilson"), abs=1e-12
                )
            else:
                assert (row[f"{name}_low"], row[f"{name}_high"]) == (None, None)
    # Needs Escalation: 3 predicted, 2 settled on it; Not Suspicious: 11 predicted, 12 settled on it
    assert result.select("label", "too_few", "note").rows() == [
        (E, True, "too few to tell"),
        (N, False, None),
        (S, False, None),
    ]
    assert result.filter(pl.col("label") == N).select("n_predicted", "support").row(0) == (11, 12)


def test_per_class_metrics_note_names_the_side_with_too_few() -> None:
    rows = [*[(S, "approved", None)] * 12, *[(N, "approved", None)] * 4, *[(S, "rejected", N)] * 7]

    result = per_class_metrics(frames_of(rows), by=None)

    # Not Suspicious: 4 predicted (too few for precision), 11 settled on it (recall has an interval)
    row = result.filter(pl.col("label") == N).row(0, named=True)
    assert (row["n_predicted"], row["support"], row["too_few"]) == (4, 11, True)
    assert row["note"] is not None and "precision" in row["note"]
    assert (row["precision_low"], row["recall_low"]) == (
        None,
        pytest.approx(proportion_confint(4, 11, method="wilson")[0], abs=1e-12),
    )


def test_fixed_schema_when_empty() -> None:
    empty = review_outcomes(JobFrames.empty())

    assert empty.schema == OUTCOMES_SCHEMA
    summary = agreement_summary(empty, by=None)
    assert summary.height == 0
    assert {"n_rejected_uncorrected", "n_contradictory", "cohen_kappa_min", "cohen_kappa_max"} <= set(summary.columns)
    metrics = per_class_metrics(empty, by=None)
    assert metrics.schema["too_few"] == pl.Boolean
    assert metrics.schema["precision_low"] == pl.Float64


def test_one_contradictory_approval_is_warned_in_the_singular() -> None:
    frames = frames_of([(S, "approved", N), (S, "approved", S)])

    with pytest.warns(AgreementWarning) as caught:
        review_outcomes(frames)

    messages = [str(w.message) for w in caught if "approved review" in str(w.message)]
    assert len(messages) == 1
    assert messages[0].startswith("1 approved review carries a corrected_verdict that differs from the agent's verdict")
