"""The coefficients of `roe_analysis.analysis._reliability` against reference implementations and
published worked examples."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from roe_analysis.analysis import (
    Estimate,
    _alpha,
    _reliability,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    krippendorff_alpha_nominal,
    pabak,
)

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: two abstractors classifying 100 pregnancies
# (Ectopic, AIU, NIU), shipped as `cont3x3abstractors` in Gwet's irrCAC package. The vignette prints
# kappa 0.7964094 (se 0.05891072), AC1 0.8493305 (se 0.04321747), Brennan-Prediger 0.835
# (se 0.04693346) and percent agreement 0.89.
ABSTRACTORS = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])

# The SAS PROC FREQ example that statsmodels' tests reproduce: kappa 0.4842, ASE 0.1380,
# 95% limits 0.2137 to 0.7547.
SAS_TABLE = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12 units,
# nominal values 1–5 with missing data (None). Published nominal alpha: 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971), Table 1: 6 psychiatrists assign 30 patients to 5 diagnoses (as transcribed in
# statsmodels' tests: one row per patient, the diagnosis each psychiatrist gave). Published kappa: 0.430.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)

# The Fleiss' kappa example on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa 0.210.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def value_counts(reliability_data: list[list[float | None]] | np.ndarray, labels: list[float]) -> np.ndarray:
    """raters × units (None/NaN missing) → units × labels counts."""
    data = np.array(reliability_data, dtype=np.float64)
    return np.stack([(data == label).sum(axis=0) for label in labels], axis=1)


def random_table(rng: np.random.Generator, q: int, n: int, skew: float) -> np.ndarray:
    """Two raters labelling n subjects among q labels, the first label taking ``skew`` of the mass."""
    weights = np.full(q, (1 - skew) / (q - 1))
    weights[0] = skew
    truth = rng.choice(q, size=n, p=weights)
    flip = rng.random(n) < 0.25
    other = np.where(flip, rng.choice(q, size=n, p=weights), truth)
    return _reliability.contingency_tables(np.zeros(n), truth, other, np.ones(n), n_groups=1, n_labels=q)[0]


# --- Cohen's kappa -------------------------------------------------------------------------------


def test_cohen_kappa_reproduces_the_sas_example() -> None:
    result = cohen_kappa(SAS_TABLE)

    assert result.estimate == pytest.approx(0.4842, abs=5e-5)
    assert result.se == pytest.approx(0.1380, abs=5e-5)
    assert result.low == pytest.approx(0.2137, abs=5e-5)
    assert result.high == pytest.approx(0.7547, abs=5e-5)


def test_cohen_kappa_reproduces_gwet_handbook_abstractors() -> None:
    result = cohen_kappa(ABSTRACTORS)

    assert result.estimate == pytest.approx(0.7964094, abs=5e-8)
    assert result.se == pytest.approx(0.05891072, abs=5e-9)


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_equals_sklearn_and_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    q = int(rng.integers(2, 6))
    table = random_table(rng, q, int(rng.integers(20, 400)), skew=float(rng.uniform(0.3, 0.95)))
    rows, cols = np.nonzero(table)
    first = np.repeat(rows, table[rows, cols].astype(int))
    second = np.repeat(cols, table[rows, cols].astype(int))

    result = cohen_kappa(table)

    reference = sm_cohens_kappa(table)  # 95% limits
    assert result.estimate == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
    assert result.se == pytest.approx(reference.std_kappa, abs=1e-12)
    assert result.low == pytest.approx(max(-1.0, reference.kappa_low), abs=1e-12)
    assert result.high == pytest.approx(min(1.0, reference.kappa_upp), abs=1e-12)


def test_cohen_kappa_interval_follows_the_confidence_level() -> None:
    result = cohen_kappa(ABSTRACTORS, confidence=0.9)

    assert result.estimate is not None and result.se is not None
    assert result.low == pytest.approx(result.estimate - norm.ppf(0.95) * result.se, abs=1e-12)
    assert result.high == pytest.approx(result.estimate + norm.ppf(0.95) * result.se, abs=1e-12)


def test_kappa_is_undefined_for_a_single_label_and_an_empty_table() -> None:
    assert cohen_kappa([[9, 0], [0, 0]]) == Estimate(None, None, None, None)
    assert cohen_kappa([[0, 0], [0, 0]]) == Estimate(None, None, None, None)


def test_kappa_is_defined_when_the_raters_use_different_single_labels() -> None:
    # p_o = 0, p_e = 0: kappa is 0, not undefined.
    assert cohen_kappa([[0, 5], [0, 0]]).estimate == 0.0


def test_vectorised_kappa_matches_one_table_at_a_time() -> None:
    rng = np.random.default_rng(7)
    tables = np.stack([random_table(rng, 3, 50, skew=0.6) for _ in range(5)] + [np.zeros((3, 3))])

    kappa, se = _reliability.kappa_arrays(tables)

    expected = [cohen_kappa(t) for t in tables]
    assert [None if np.isnan(k) else k for k in kappa] == [e.estimate for e in expected]
    assert [None if np.isnan(s) else s for s in se] == [e.se for e in expected]


# --- Gwet's AC1 ------------------------------------------------------------------------------------


def test_gwet_ac1_reproduces_gwet_handbook_abstractors() -> None:
    result = gwet_ac1(ABSTRACTORS)

    assert result.estimate == pytest.approx(0.8493305, abs=5e-8)
    assert result.se == pytest.approx(0.04321747, abs=5e-9)


def test_gwet_ac1_on_the_kappa_paradox_table_by_hand() -> None:
    # A table of our own with one dominant label, the "kappa paradox" Gwet (2008, BJMSP 61:29-48)
    # introduced AC1 for, computed by hand with his formulas for [[118, 5], [2, 0]], n = 125:
    # p_a = 118/125 = 0.944; rater A says "+" 123/125 = 0.984 of the time,
    # rater B 120/125 = 0.96, so pi_+ = 0.972 and p_e = 2 * 0.972 * 0.028 / (2 - 1) = 0.054432;
    # AC1 = (0.944 - 0.054432) / (1 - 0.054432) = 0.940775...
    # Kappa: p_e = 0.984 * 0.96 + 0.016 * 0.04 = 0.94528, kappa = (0.944 - 0.94528) / 0.05472 = -0.02339...
    table = [[118, 5], [2, 0]]

    assert gwet_ac1(table).estimate == pytest.approx((0.944 - 0.054432) / (1 - 0.054432), abs=1e-12)
    assert cohen_kappa(table).estimate == pytest.approx((0.944 - 0.94528) / (1 - 0.94528), abs=1e-12)


def test_gwet_ac1_standard_error_equals_gwet_2008_equation_by_hand() -> None:
    # Gwet (2008), variance of AC1 for two raters (f = 0):
    # v = 1/(n(1-pe)^2) * [pa(1-pa) - 4(1-g)(1/(q-1) sum_k p_kk(1-pi_k) - pa pe)
    #                      + 4(1-g)^2 (1/(q-1)^2 sum_kl p_kl (1 - (pi_k + pi_l)/2)^2 - pe^2)]
    table = np.array([[30.0, 4, 1], [6, 12, 2], [3, 1, 9]])
    n, q = table.sum(), 3
    p = table / n
    pa = np.trace(p)
    pi = (p.sum(1) + p.sum(0)) / 2
    pe = (pi * (1 - pi)).sum() / (q - 1)
    g = (pa - pe) / (1 - pe)
    inner = sum(p[k, k] * (1 - pi[k]) for k in range(q)) / (q - 1)
    outer = sum(p[k, m] * (1 - (pi[k] + pi[m]) / 2) ** 2 for k in range(q) for m in range(q)) / (q - 1) ** 2
    variance = (pa * (1 - pa) - 4 * (1 - g) * (inner - pa * pe) + 4 * (1 - g) ** 2 * (outer - pe**2)) / (
        n * (1 - pe) ** 2
    )

    result = gwet_ac1(table)

    assert result.estimate == pytest.approx(g, abs=1e-12)
    assert result.se == pytest.approx(np.sqrt(variance), abs=1e-12)


def test_gwet_ac1_stays_defined_for_a_single_label() -> None:
    assert gwet_ac1([[9, 0], [0, 0]]) == Estimate(1.0, 0.0, 1.0, 1.0)
    assert gwet_ac1([[0, 0], [0, 0]]) == Estimate(None, None, None, None)


def test_vectorised_ac1_matches_one_table_at_a_time() -> None:
    rng = np.random.default_rng(8)
    tables = np.stack([random_table(rng, 4, 80, skew=0.7) for _ in range(4)])

    ac1, se = _reliability.ac1_arrays(tables)

    expected = [gwet_ac1(t) for t in tables]
    assert list(ac1) == [e.estimate for e in expected]
    assert list(se) == [e.se for e in expected]


# --- PABAK -----------------------------------------------------------------------------------------


def test_pabak_reproduces_the_brennan_prediger_value_of_gwet_handbook() -> None:
    result = pabak(ABSTRACTORS)

    assert result.estimate == pytest.approx(0.835, abs=1e-12)
    assert result.se == pytest.approx(0.04693346, abs=5e-9)


def test_pabak_of_two_labels_is_twice_agreement_minus_one_with_a_wilson_interval() -> None:
    # Byrt, Bishop & Carlin (1993): PABAK = 2 p_o - 1. 40 of 50 agree: 2 * 0.8 - 1 = 0.6.
    table = [[30, 6], [4, 10]]
    low, high = proportion_confint(40, 50, alpha=0.05, method="wilson")

    result = pabak(table)

    assert result.estimate == pytest.approx(0.6, abs=1e-12)
    assert result.low == pytest.approx(2 * low - 1, abs=1e-12)
    assert result.high == pytest.approx(2 * high - 1, abs=1e-12)


def test_pabak_stays_defined_for_a_single_label() -> None:
    low, _ = proportion_confint(9, 9, alpha=0.05, method="wilson")

    result = pabak([[9, 0], [0, 0]])

    assert result.estimate == 1.0
    assert result.high == 1.0
    assert result.low == pytest.approx(2 * low - 1, abs=1e-12)
    assert pabak([[0, 0], [0, 0]]) == Estimate(None, None, None, None)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2, 3]], "square"),
        ([[4]], "at least 2 labels"),
        ([[1, -1], [0, 2]], ">= 0"),
        ([[1, float("nan")], [0, 2]], ">= 0"),
    ],
)
def test_two_rater_coefficients_reject_bad_tables(table: list[list[float]], message: str) -> None:
    for coefficient in (cohen_kappa, gwet_ac1, pabak):
        with pytest.raises(ValueError, match=message):
            coefficient(table)


def test_two_rater_coefficients_reject_a_stack_and_a_bad_confidence() -> None:
    with pytest.raises(ValueError, match="one q × q table"):
        cohen_kappa(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="confidence"):
        gwet_ac1([[1, 0], [0, 1]], confidence=95)


# --- Krippendorff's alpha --------------------------------------------------------------------------


def test_krippendorff_alpha_reproduces_krippendorff_2011_nominal_example() -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])

    result = krippendorff_alpha_nominal(counts)

    assert result is not None
    assert round(result, 3) == 0.743
    reference = krippendorff.alpha(
        reliability_data=np.array(KRIPPENDORFF_2011, dtype=float), level_of_measurement="nominal"
    )
    assert result == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize("seed", range(30))
def test_krippendorff_alpha_equals_the_krippendorff_package_on_random_designs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raters, units, q = int(rng.integers(2, 7)), int(rng.integers(5, 60)), int(rng.integers(2, 6))
    weights = rng.dirichlet(np.full(q, 0.5))  # often skewed towards one label
    truth = rng.choice(q, size=units, p=weights)
    data = np.where(rng.random((raters, units)) < 0.7, truth, rng.choice(q, size=(raters, units), p=weights))
    data = np.where(rng.random((raters, units)) < rng.uniform(0, 0.5), np.nan, data.astype(float))
    counts = value_counts(data, list(range(q)))
    pairable = counts[counts.sum(axis=1) >= 2]
    if (pairable.sum(axis=0) > 0).sum() < 2:
        # one label among the pairable values: the package refuses, alpha is undefined
        assert krippendorff_alpha_nominal(counts) is None
        return

    result = krippendorff_alpha_nominal(counts)

    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result == pytest.approx(reference, abs=1e-12)


def test_krippendorff_alpha_counts_repeated_values_as_the_package_does_from_value_counts() -> None:
    # a unit may hold more values than there are raters (the same reviewer twice): value counts only
    counts = np.array([[3, 0, 1], [0, 2, 0], [1, 1, 1], [0, 0, 4], [5, 0, 0], [0, 1, 0]])

    result = krippendorff_alpha_nominal(counts)

    assert result == pytest.approx(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"), abs=1e-12)


def test_krippendorff_alpha_is_undefined_without_variation_or_pairable_values() -> None:
    assert krippendorff_alpha_nominal([[2, 0], [3, 0]]) is None
    assert krippendorff_alpha_nominal([[1, 0], [0, 1]]) is None
    assert krippendorff_alpha_nominal(np.zeros((0, 3))) is None


def test_krippendorff_alpha_rejects_fractional_counts() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        krippendorff_alpha_nominal([[1.5, 0.5]])


# --- the bootstrap of alpha ------------------------------------------------------------------------


def test_alpha_bootstrap_equals_resampling_units_and_calling_the_package() -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])
    pairable = counts[counts.sum(axis=1) >= 2]
    rng = np.random.default_rng(99)
    draws = rng.integers(0, pairable.shape[0], size=(300, pairable.shape[0]))
    reference = []
    for row in draws:
        sample = pairable[row]
        if (sample.sum(axis=0) > 0).sum() >= 2:
            reference.append(krippendorff.alpha(value_counts=sample, level_of_measurement="nominal"))

    low, high = _reliability.alpha_bootstrap(counts, confidence=0.9, n_resamples=300, seed=99)

    assert (low, high) == pytest.approx(tuple(np.quantile(reference, [0.05, 0.95])), abs=1e-12)


def test_alpha_bootstrap_does_not_depend_on_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])
    whole = _reliability.alpha_bootstrap(counts, n_resamples=500, seed=3)
    monkeypatch.setattr(_alpha, "_BOOTSTRAP_CHUNK_CELLS", 7)

    result = _reliability.alpha_bootstrap(counts, n_resamples=500, seed=3)

    assert result == whole


def test_alpha_bootstrap_is_seeded_and_brackets_alpha() -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])
    alpha = krippendorff_alpha_nominal(counts)

    low, high = _reliability.alpha_bootstrap(counts, n_resamples=400, seed=11)

    assert alpha is not None and low is not None and high is not None
    assert low < alpha < high
    assert _reliability.alpha_bootstrap(counts, n_resamples=400, seed=11) == (low, high)
    assert _reliability.alpha_bootstrap(counts, n_resamples=400, seed=12) != (low, high)


def test_alpha_bootstrap_without_pairable_units_or_variation_is_none() -> None:
    assert _reliability.alpha_bootstrap([[1, 0], [0, 1]]) == (None, None)
    assert _reliability.alpha_bootstrap([[2, 0], [3, 0]], n_resamples=50) == (None, None)
    with pytest.raises(ValueError, match="n_resamples"):
        _reliability.alpha_bootstrap([[2, 0]], n_resamples=0)


# --- Fleiss' kappa ---------------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_fleiss_1971() -> None:
    table, _ = aggregate_raters(FLEISS_1971)

    result = fleiss_kappa(table)

    assert result is not None
    assert round(result, 3) == 0.430


def test_fleiss_kappa_reproduces_the_wikipedia_example() -> None:
    result = fleiss_kappa(WIKIPEDIA_FLEISS)

    assert result is not None
    assert round(result, 3) == 0.210


@pytest.mark.parametrize("seed", range(20))
def test_fleiss_kappa_equals_statsmodels_on_random_designs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    subjects, raters, q = int(rng.integers(3, 50)), int(rng.integers(2, 8)), int(rng.integers(2, 6))
    weights = rng.dirichlet(np.full(q, 0.5))
    truth = rng.choice(q, size=subjects, p=weights)
    data = np.where(
        rng.random((subjects, raters)) < 0.6, truth[:, None], rng.choice(q, size=(subjects, raters), p=weights)
    )
    table, _ = aggregate_raters(data, n_cat=q)
    if np.count_nonzero(table.sum(axis=0)) < 2:
        assert fleiss_kappa(table) is None
        return

    result = fleiss_kappa(table)

    assert result == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def test_fleiss_kappa_needs_equal_ratings_per_subject() -> None:
    with pytest.raises(ValueError, match="between 2 and 3"):
        fleiss_kappa([[2, 0], [1, 2]])
    with pytest.raises(ValueError, match="at least 2 ratings"):
        fleiss_kappa([[1, 0], [0, 1]])


def test_fleiss_kappa_is_undefined_for_a_single_label_or_no_subjects() -> None:
    assert fleiss_kappa([[3, 0], [3, 0]]) is None
    assert fleiss_kappa(np.zeros((0, 2))) is None


# --- alpha at every level of measurement -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("measurement", ["nominal", "ordinal", "interval"])
def test_krippendorff_alpha_equals_the_package_at_each_level(seed: int, measurement: str) -> None:
    rng = np.random.default_rng(500 + seed)
    raters, units = int(rng.integers(2, 6)), int(rng.integers(6, 40))
    domain = [1.0, 2.0, 4.0, 7.0, 8.0]
    truth = rng.integers(0, 5, size=units)
    data = np.clip(truth + rng.integers(-1, 2, size=(raters, units)), 0, 4).astype(float)
    data[rng.random((raters, units)) < 0.3] = np.nan
    numeric = np.where(np.isnan(data), np.nan, np.take(domain, np.nan_to_num(data).astype(int)))
    counts = value_counts(numeric, domain)
    # the labels are shuffled against the columns, so the order must come from `order`, not the table
    names = ["e", "b", "d", "a", "c"]
    order = ["e", "b", "d", "a", "c"]
    perm = rng.permutation(5)
    options: dict[str, object] = {
        "nominal": {},
        "ordinal": {"labels": [names[i] for i in perm], "order": order},
        "interval": {"labels": [domain[i] for i in perm]},
    }[measurement]

    result = krippendorff_alpha(counts[:, perm], measurement=measurement, **options)  # type: ignore[arg-type]

    reference = krippendorff.alpha(reliability_data=numeric, level_of_measurement=measurement, value_domain=domain)
    assert result == pytest.approx(reference, abs=1e-12)


def test_krippendorff_alpha_reproduces_krippendorff_2011_at_each_level() -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])
    # Krippendorff (2011), section C prints nominal 0.743, ordinal 0.815, interval 0.849
    assert krippendorff_alpha(counts) == pytest.approx(0.743, abs=5e-4)
    ordinal = krippendorff_alpha(counts, measurement="ordinal", labels=[1, 2, 3, 4, 5], order=[1, 2, 3, 4, 5])
    assert ordinal == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(counts, measurement="interval", labels=[1, 2, 3, 4, 5]) == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha_nominal(counts) == pytest.approx(krippendorff_alpha(counts), abs=1e-15)


def test_krippendorff_alpha_rejects_a_bad_measurement_or_order() -> None:
    counts = [[2, 0], [0, 2], [1, 1]]
    with pytest.raises(ValueError, match="measurement must be one of"):
        krippendorff_alpha(counts, measurement="ratio")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs the labels from lowest to highest"):
        krippendorff_alpha(counts, measurement="ordinal")
    with pytest.raises(ValueError, match="missing: \\['hi'\\]"):
        krippendorff_alpha(counts, measurement="ordinal", labels=["lo", "hi"], order=["lo", "mid"])
    with pytest.raises(ValueError, match="more than once"):
        krippendorff_alpha(counts, measurement="ordinal", order=[0, 1, 0])
    with pytest.raises(ValueError, match="only used with measurement='ordinal'"):
        krippendorff_alpha(counts, order=[0, 1])
    with pytest.raises(ValueError, match="numeric labels"):
        krippendorff_alpha(counts, measurement="interval", labels=["lo", "hi"])
    with pytest.raises(ValueError, match="3 entries for 2 columns"):
        krippendorff_alpha(counts, labels=[0, 1, 2])


@pytest.mark.parametrize("measurement", ["ordinal", "interval"])
def test_alpha_bootstrap_at_each_level_equals_resampling_units_and_calling_the_package(measurement: str) -> None:
    counts = value_counts(KRIPPENDORFF_2011, [1, 2, 3, 4, 5])
    pairable = counts[counts.sum(axis=1) >= 2]
    rng = np.random.default_rng(5)
    draws = rng.integers(0, pairable.shape[0], size=(300, pairable.shape[0]))
    reference = []
    for row in draws:
        sample = pairable[row]
        if (sample.sum(axis=0) > 0).sum() >= 2:
            reference.append(
                krippendorff.alpha(value_counts=sample, value_domain=[1, 2, 3, 4, 5], level_of_measurement=measurement)
            )
    order = [1, 2, 3, 4, 5] if measurement == "ordinal" else None

    low, high = _alpha.alpha_bootstrap(
        counts, confidence=0.9, n_resamples=300, seed=5, measurement=measurement, labels=[1, 2, 3, 4, 5], order=order
    )

    assert (low, high) == pytest.approx(tuple(np.quantile(reference, [0.05, 0.95])), abs=1e-12)


# --- weighted kappa --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_equals_sklearn_and_statsmodels(seed: int, weights: str) -> None:
    rng = np.random.default_rng(700 + seed)
    order = ["none", "low", "high", "severe"]
    first = rng.integers(0, 4, size=120)
    second = np.clip(first + rng.integers(-1, 2, size=120), 0, 3)
    table = np.zeros((4, 4))
    np.add.at(table, (first, second), 1)
    # the table's rows/columns in a scrambled label order: the weights must follow `order`
    perm = rng.permutation(4)

    est = cohen_kappa(table[perm][:, perm], weights=weights, labels=[order[i] for i in perm], order=order)  # type: ignore[arg-type]

    reference = cohen_kappa_score(first, second, weights=weights, labels=[0, 1, 2, 3])
    sm = sm_cohens_kappa(table, wt=weights)
    assert est.estimate == pytest.approx(reference, abs=1e-12)
    assert est.estimate == pytest.approx(sm.kappa, abs=1e-12)
    assert est.se == pytest.approx(np.sqrt(sm.var_kappa), abs=1e-12)
    z = norm.ppf(0.975)
    assert (est.low, est.high) == pytest.approx((est.estimate - z * est.se, est.estimate + z * est.se), abs=1e-12)


def test_weighted_kappa_needs_an_order_and_unweighted_takes_none() -> None:
    table = [[5, 1, 0], [1, 5, 1], [0, 1, 5]]
    with pytest.raises(ValueError, match="needs the labels from lowest to highest"):
        cohen_kappa(table, weights="linear")
    with pytest.raises(ValueError, match="weights must be None, 'linear' or 'quadratic'"):
        cohen_kappa(table, weights="cubic", order=[0, 1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order lists 2 labels"):
        cohen_kappa(table, weights="linear", order=[0, 1])
    with pytest.raises(ValueError, match="missing: \\[2\\]"):
        cohen_kappa(table, weights="linear", order=[0, 1, 5])
    with pytest.raises(ValueError, match="only used with weights"):
        cohen_kappa(table, order=[0, 1, 2])
    # with two labels every weighting is the same kappa
    assert cohen_kappa([[20, 5], [10, 15]], weights="quadratic", order=[0, 1]).estimate == pytest.approx(0.4)


# --- the bootstrap of Fleiss' kappa ----------------------------------------------------------------


def test_fleiss_bootstrap_equals_resampling_subjects_and_calling_statsmodels() -> None:
    rng = np.random.default_rng(21)
    truth = rng.choice(3, size=30, p=[0.5, 0.3, 0.2])
    data = np.where(rng.random((4, 30)) < 0.7, truth, rng.choice(3, size=(4, 30)))
    table, _ = aggregate_raters(data.T, n_cat=3)
    draws = np.random.default_rng(8).integers(0, 30, size=(400, 30))
    reference = [sm_fleiss_kappa(table[row]) for row in draws]

    low, high = _reliability.fleiss_bootstrap(table, confidence=0.9, n_resamples=400, seed=8)

    assert (low, high) == pytest.approx(tuple(np.quantile(reference, [0.05, 0.95])), abs=1e-12)
    assert low < fleiss_kappa(table) < high  # type: ignore[operator]


def test_fleiss_bootstrap_gives_no_interval_below_min_n_or_without_a_kappa() -> None:
    few = [[2, 1], [0, 3], [3, 0], [1, 2], [3, 0], [0, 3], [2, 1], [3, 0], [1, 2]]  # 9 subjects
    assert fleiss_kappa(few) is not None
    assert _reliability.fleiss_bootstrap(few, n_resamples=100) == (None, None)
    assert _reliability.fleiss_bootstrap([[3, 0]] * 12, n_resamples=100) == (None, None)
    with pytest.raises(ValueError, match="same number of ratings"):
        _reliability.fleiss_bootstrap([[3, 0], [2, 0]] * 6)
    with pytest.raises(ValueError, match="n_resamples"):
        _reliability.fleiss_bootstrap(few, n_resamples=0)
