"""Agreement with the input as the unit: design effect, clustered intervals, slices, calibration.

References: the design effect and Wilson's interval at ``n / deff`` are computed by hand here
(Kish 1965; Wilson 1927) with ``scipy.stats.t`` for the critical value; Cohen's kappa and its
standard error come from statsmodels; precision/recall/F1 from scikit-learn.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest
from scipy import stats
from sklearn.metrics import f1_score
from statsmodels.stats.inter_rater import cohens_kappa

import roe_analysis as ra
from roe_analysis.analysis import agreement_summary, confusion_matrix, per_class_metrics
from roe_analysis.errors import AgreementWarning, MissingColumnsError


def hand_design_effect(values: np.ndarray, clusters: np.ndarray) -> float:
    """Cluster-robust variance of the mean over s²/N: G/(G-1)·Σ(S_c - m_c·ȳ)²/N² ÷ (s²/N)."""
    n, mean = values.size, values.mean()
    names = np.unique(clusters)
    sums = np.array([values[clusters == c].sum() for c in names])
    sizes = np.array([(clusters == c).sum() for c in names])
    g = names.size
    robust = g / (g - 1) * ((sums - sizes * mean) ** 2).sum() / n**2
    return robust / (values.var(ddof=1) / n)


def hand_wilson(p: float, n: float, critical: float) -> tuple[float, float]:
    c2 = critical**2
    centre = (p + c2 / (2 * n)) / (1 + c2 / n)
    half = critical * math.sqrt(p * (1 - p) / n + c2 / (4 * n * n)) / (1 + c2 / n)
    return centre - half, centre + half


def clustered_reviews() -> pl.DataFrame:
    """12 inputs reviewed twice each; runs of one input mostly get the same review."""
    rows = []
    for i in range(12):
        verdict = "A" if i % 3 else "B"
        agrees = [True, True] if i < 8 else ([False, False] if i < 11 else [True, False])
        for run, ok in enumerate(agrees):
            other = "B" if verdict == "A" else "A"
            rows.append((f"in{i}", f"j{i}-{run}", verdict, "approved" if ok else "rejected", verdict if ok else other))
    return pl.DataFrame(
        rows, schema=["input_id", "job_id", "agent_verdict", "review_status", "final_verdict"], orient="row"
    )


def test_clustered_intervals_equal_wilson_at_n_over_deff_with_t_and_kappa_se_times_root_deff() -> None:
    reviews = clustered_reviews()
    result = agreement_summary(reviews, by=None, labels=["A", "B"]).row(0, named=True)

    agree = (reviews["agent_verdict"] == reviews["final_verdict"]).cast(pl.Float64).to_numpy()
    approved = (reviews["review_status"] == "approved").cast(pl.Float64).to_numpy()
    clusters = reviews["input_id"].to_numpy()
    deff = hand_design_effect(agree, clusters)
    t = stats.t.ppf(0.975, 11)
    assert (result["n_pairs"], result["n_inputs"], result["too_few"], result["note"]) == (24, 12, False, None)
    assert result["design_effect"] == pytest.approx(deff, abs=1e-12)
    assert deff > 1.5  # reruns of one input agree with each other: far from independent
    expected = hand_wilson(agree.mean(), 24 / deff, t)
    # t_quantile is a Cornish–Fisher expansion: within 1e-4 of the exact t from 9 df on.
    assert (result["agreement_rate_low"], result["agreement_rate_high"]) == pytest.approx(expected, abs=2e-5)
    approval = hand_wilson(approved.mean(), 24 / hand_design_effect(approved, clusters), t)
    assert (result["approval_rate_low"], result["approval_rate_high"]) == pytest.approx(approval, abs=2e-5)

    counts = np.zeros((2, 2))
    for a, f in zip(reviews["agent_verdict"], reviews["final_verdict"], strict=True):
        counts["AB".index(a), "AB".index(f)] += 1
    reference = cohens_kappa(counts)
    half = t * reference.std_kappa * math.sqrt(deff)
    assert result["cohen_kappa"] == pytest.approx(reference.kappa, abs=1e-12)
    assert (result["cohen_kappa_low"], result["cohen_kappa_high"]) == pytest.approx(
        (reference.kappa - half, reference.kappa + half), abs=2e-5
    )
    # The same reviews counted as independent jobs give the textbook (narrower) intervals.
    iid = agreement_summary(reviews.drop("input_id"), by=None, labels=["A", "B"]).row(0, named=True)
    assert (iid["n_inputs"], iid["design_effect"]) == (24, 1.0)
    assert (iid["cohen_kappa_low"], iid["cohen_kappa_high"]) == pytest.approx(
        (reference.kappa_low, reference.kappa_upp), abs=1e-12
    )
    assert iid["agreement_rate_high"] - iid["agreement_rate_low"] < (
        result["agreement_rate_high"] - result["agreement_rate_low"]
    )


def test_a_cluster_column_replaces_the_input_and_too_few_clusters_have_no_interval() -> None:
    reviews = clustered_reviews().with_columns(customer=pl.col("input_id").str.slice(2).cast(pl.Int64) % 4)
    result = agreement_summary(reviews, by=None, labels=["A", "B"], cluster="customer").row(0, named=True)
    assert (result["n_inputs"], result["too_few"]) == (4, True)
    assert result["note"] == "too few to tell: 4 clusters of customer (need 10)"
    intervals = [k for k in result if k.endswith(("_low", "_high"))]
    assert len(intervals) == 10
    assert all(result[k] is None for k in intervals)
    assert result["agreement_rate"] == pytest.approx(17 / 24, abs=1e-12)  # 8 inputs x 2 + 1 of 2
    with pytest.raises(ValueError, match=r"cluster='nope' is not a column"):
        agreement_summary(reviews, by=None, cluster="nope")


def test_per_class_intervals_count_inputs_and_f1_gets_a_cluster_bootstrap_interval() -> None:
    reviews = clustered_reviews()
    result = per_class_metrics(reviews, by=None, labels=["A", "B"])
    a = result.row(0, named=True)
    truth, predicted = reviews["final_verdict"].to_list(), reviews["agent_verdict"].to_list()
    assert a["label"] == "A"
    assert a["f1"] == pytest.approx(f1_score(truth, predicted, pos_label="A"), abs=1e-12)
    # 16 predictions of A on 8 inputs and 13 reviews settled on A on 7 inputs: each has 10 rows
    # or more but fewer than 10 inputs, so both ratios (and F1) are too few to tell.
    assert (a["n_predicted"], a["support"], a["n_inputs"]) == (16, 13, 9)
    assert (a["too_few"], a["note"], a["precision_low"], a["recall_low"], a["f1_low"]) == (
        True,
        "too few to tell",
        None,
        None,
        None,
    )


def test_f1_interval_is_a_percentile_cluster_bootstrap_over_inputs() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        verdict = "A" if i % 2 else "B"
        p = rng.uniform(0.5, 1.0)
        for _run in range(3):
            ok = rng.random() < p
            rows.append((f"in{i}", verdict, "approved" if ok else "rejected", verdict if ok else "AB"[verdict == "A"]))
    reviews = pl.DataFrame(rows, schema=["input_id", "agent_verdict", "review_status", "final_verdict"], orient="row")
    result = per_class_metrics(reviews, by=None, labels=["A", "B"], seed=11, n_resamples=4000)
    a = result.row(0, named=True)

    # The same resampling by hand: draw 40 inputs with replacement, pool their runs, take F1 of A.
    names = reviews["input_id"].unique(maintain_order=True).to_list()
    per_input = {
        name: group for (name,), group in reviews.partition_by("input_id", as_dict=True, maintain_order=True).items()
    }
    draws = np.random.default_rng(11).multinomial(40, np.full(40, 1 / 40), size=4000)
    codes = sorted(names)  # the helper numbers inputs in sorted order
    f1s = []
    for counts in draws:
        tp = pred = settled = 0.0
        for code, c in zip(codes, counts, strict=True):
            group = per_input[code]
            agent, final = group["agent_verdict"] == "A", group["final_verdict"] == "A"
            tp += c * (agent & final).sum()
            pred += c * agent.sum()
            settled += c * final.sum()
        f1s.append(2 * tp / (pred + settled))
    low, high = np.quantile(f1s, [0.025, 0.975])
    assert (a["f1_low"], a["f1_high"]) == pytest.approx((low, high), abs=1e-12)
    involved = reviews.filter((pl.col("agent_verdict") == "A") | (pl.col("final_verdict") == "A"))
    assert a["n_inputs"] == involved["input_id"].n_unique() == 26
    assert a["precision_design_effect"] == pytest.approx(
        hand_design_effect(
            (reviews.filter(pl.col("agent_verdict") == "A")["final_verdict"] == "A").cast(pl.Float64).to_numpy(),
            reviews.filter(pl.col("agent_verdict") == "A")["input_id"].to_numpy(),
        ),
        abs=1e-12,
    )


def test_by_a_metadata_key_slices_the_agreement_of_jobframes(demo_frames: ra.JobFrames) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AgreementWarning)
        result = agreement_summary(demo_frames, by="customer")
        outcomes = ra.review_outcomes(demo_frames)
        confusion = confusion_matrix(demo_frames, by="region")
    customers = (
        demo_frames.metadata.filter(pl.col("key") == "customer")
        .unique("job_id", keep="first", maintain_order=True)
        .select(job_id="job_id", customer="value")
    )
    expected = (
        outcomes.join(customers, on="job_id", how="left")
        .filter(pl.col("review_status").is_in(["approved", "rejected"]))
        .group_by("customer")
        .agg(n_reviewed=pl.len(), n_inputs=pl.col("input_id").n_unique())
        .sort("customer", nulls_last=True)
    )
    assert result.select("customer", "n_reviewed", "n_inputs").rows() == expected.rows()
    assert confusion.columns[0] == "region"
    # Every pair, the rejections without a correction included (in their own column).
    in_a_cell = outcomes["agent_verdict"].is_not_null() & (
        outcomes["final_verdict"].is_not_null() | outcomes["rejected_uncorrected"]
    )
    assert int(confusion["count"].sum()) == int(in_a_cell.sum()) == 705
    with pytest.raises(
        MissingColumnsError, match=r"\['custmer'\] is neither a column nor a metadata key.*did you mean 'customer'"
    ):
        warnings.simplefilter("ignore", AgreementWarning)
        agreement_summary(demo_frames, by="custmer")


def _simulated_reviews(replicates: int, inputs: int, runs: int, seed: int) -> tuple[pl.DataFrame, float]:
    """Replicates of ``inputs × runs`` reviews; each input has its own chance of agreement.

    Agreement of input i is Bernoulli(expit(1.2 + u_i)), u_i ~ N(0, 1.5²): runs of one input are
    correlated. The agent's labels are balanced (each input A or B with probability 1/2) and errors
    symmetric, so the population kappa is 2·p̄ - 1 with p̄ the mean agreement over inputs.
    """
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(1.2 + rng.normal(0, 1.5, (replicates, inputs)))))
    agree = rng.random((replicates, inputs, runs)) < p[:, :, None]
    first = (rng.random((replicates, inputs)) < 0.5)[:, :, None].repeat(runs, 2)
    agent = np.where(first, "A", "B")
    final = np.where(agree, agent, np.where(first, "B", "A"))
    frame = pl.DataFrame(
        {
            "replicate": np.arange(replicates).repeat(inputs * runs),
            "input_id": np.tile(np.arange(inputs).repeat(runs), replicates).astype(str),
            "agent_verdict": agent.ravel(),
            "final_verdict": final.ravel(),
            "review_status": np.where(agree, "approved", "rejected").ravel(),
        }
    )
    p_bar = float((1 / (1 + np.exp(-(1.2 + np.random.default_rng(0).normal(0, 1.5, 2_000_000))))).mean())
    return frame, p_bar


def test_clustered_agreement_intervals_cover_and_the_iid_ones_do_not() -> None:
    reviews, p_bar = _simulated_reviews(replicates=1000, inputs=20, runs=5, seed=7)
    kappa = 2 * p_bar - 1

    def coverage(frame: pl.DataFrame) -> tuple[float, float]:
        result = agreement_summary(frame, by="replicate", labels=["A", "B"])
        rate = ((result["agreement_rate_low"] <= p_bar) & (result["agreement_rate_high"] >= p_bar)).mean()
        k = ((result["cohen_kappa_low"] <= kappa) & (result["cohen_kappa_high"] >= kappa)).mean()
        return float(rate), float(k)  # type: ignore[arg-type]

    clustered = coverage(reviews)
    iid = coverage(reviews.drop("input_id"))
    assert clustered[0] >= 0.93 and clustered[1] >= 0.93, clustered
    assert iid[0] < 0.86 and iid[1] < 0.86, iid  # counting the 100 reviews as independent: too narrow
