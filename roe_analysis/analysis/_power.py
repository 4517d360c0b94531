"""Planning an evaluation: `sample_size`, `detectable_difference`, and `sample_size_for` from data.

How many inputs each version needs (or how many inputs run on both, when paired) to detect a given
difference in mean score (``kind="mean"``) or in a rate such as the pass or agreement rate
(``kind="proportion"``) with a two-sided test at level ``alpha`` and the given ``power``; and the
other way round, the smallest difference ``n`` inputs can detect. This is the power analysis of
Miller (2024), "Adding Error Bars to Evals: A Statistical Approach to Language Model Evaluations",
its section on power analysis, with the input as the unit:

- Reruns are clustered: a per-input mean of ``runs_per_input`` runs whose design effect is
  ``design_effect`` (e.g. the ``design_effect`` column of `score_summary` or `outcome_rates`) has
  variance ``sd² · design_effect / runs_per_input``, so that is the variance planned with. With
  one run per input and a design effect of 1 the runs are independent.
- Means: the power of the two-sided t test (two-sample with ``2n − 2`` degrees of freedom, or
  paired with ``n − 1``) at ``d = effect / sd``, the noncentral t approximated by the normal
  (Abramowitz & Stegun 26.7.10: ``P(T' ≤ t) ≈ Φ((t(1 − 1/4f) − δ) / √(1 + t²/2f))``) with the t
  critical value (`t_quantile`); the normal approximation with Guenther's t refinement
  (Guenther 1981, "Sample size formulas for normal theory t tests", The American Statistician
  35(4), 243–244: ``n = 2 (z_{1-α/2} + z_{power})² / d² + z_{1-α/2}² / 4``, or ``(z_{1-α/2} +
  z_{power})² / d² + z_{1-α/2}² / 2`` pairs) is the starting point of the search for the
  smallest ``n`` with enough power. This agrees with statsmodels' exact ``TTestIndPower`` /
  ``TTestPower`` once there are about five inputs a side (fewer is not a plan to make).
- Rates: Cohen's arcsine effect size ``h = 2·asin√p₂ − 2·asin√p₁`` and ``n = 2 (z_{1-α/2} +
  z_{power})² / h²`` per version (statsmodels' ``NormalIndPower`` with ``proportion_effectsize``).
  A paired rate comparison depends on how often the two versions disagree on an input, which the
  rates alone do not say: plan it as a mean (``kind="mean"``) with ``sd`` the standard deviation
  of the per-input differences (each −1, 0 or 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Literal

import polars as pl

from roe_analysis._text import plural
from roe_analysis.analysis._common import check_threshold
from roe_analysis.analysis._score_intervals import t_quantile
from roe_analysis.analysis._scores import _prepared, _summarise
from roe_analysis.analysis._stats import DEFAULT_SEED
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames

Kind = Literal["mean", "proportion"]
_KINDS = ("mean", "proportion")


def _number(value: object, name: str, helper: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentTypeError(f"{helper}: {name} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{helper}: {name} must be a finite number; got {value!r}")
    return float(value)


def _open_unit(value: object, name: str, helper: str, example: str) -> float:
    x = _number(value, name, helper)
    if not 0 < x < 1:
        raise InvalidArgumentError(
            f"{helper}: {name} must be between 0 and 1 (exclusive), e.g. {example}; got {value!r}"
        )
    return x


def _common(
    *,
    helper: str,
    kind: object,
    sd: object,
    p: object,
    alpha: object,
    power: object,
    paired: object,
    design_effect: object,
    runs_per_input: object,
) -> tuple[float, float, float]:
    """Check the shared options; return ``(z_{1-α/2}, z_{power}, variance factor deff / runs)``."""
    if kind not in _KINDS:
        raise InvalidArgumentError(
            f"{helper}: kind must be 'mean' (a mean score) or 'proportion' (a rate); got {kind!r}"
        )
    a = _open_unit(alpha, "alpha", helper, "0.05")
    pw = _open_unit(power, "power", helper, "0.8")
    if not isinstance(paired, bool):
        raise ArgumentTypeError(f"{helper}: paired must be True or False; got {paired!r}")
    deff = _number(design_effect, "design_effect", helper)
    if deff <= 0:
        raise InvalidArgumentError(
            f"{helper}: design_effect must be positive (1 = independent runs), e.g. score_summary's "
            f"design_effect; got {design_effect!r}"
        )
    if isinstance(runs_per_input, bool) or not isinstance(runs_per_input, int | float):
        raise ArgumentTypeError(f"{helper}: runs_per_input must be a number (runs per input); got {runs_per_input!r}")
    if not runs_per_input >= 1 or not math.isfinite(runs_per_input):
        raise InvalidArgumentError(f"{helper}: runs_per_input must be at least 1; got {runs_per_input!r}")
    if kind == "mean":
        if sd is None:
            raise InvalidArgumentError(
                f"{helper}: kind='mean' needs sd, the standard deviation of one run's score (of the per-input "
                "differences when paired), e.g. score_summary's std"
            )
        if _number(sd, "sd", helper) <= 0:
            raise InvalidArgumentError(f"{helper}: sd must be positive; got {sd!r}")
        if p is not None:
            raise InvalidArgumentError(f"{helper}: p is for kind='proportion'; kind='mean' takes sd only")
    else:
        if paired:
            raise InvalidArgumentError(
                f"{helper}: a paired rate comparison depends on how often the versions disagree per input; plan "
                "it with kind='mean' and sd = the standard deviation of the per-input differences (-1, 0 or 1)"
            )
        if p is None:
            raise InvalidArgumentError(f"{helper}: kind='proportion' needs p, the baseline rate (e.g. 0.7)")
        _open_unit(p, "p", helper, "0.7")
        if sd is not None:
            raise InvalidArgumentError(f"{helper}: sd is for kind='mean'; kind='proportion' takes p only")
    normal = NormalDist()
    return normal.inv_cdf(1 - a / 2), normal.inv_cdf(pw), deff / runs_per_input


def sample_size(
    *,
    effect: float,
    sd: float | None = None,
    p: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    paired: bool = False,
    design_effect: float = 1.0,
    runs_per_input: float = 1,
    kind: Kind = "mean",
) -> int:
    """Inputs needed per version (pairs of runs on shared inputs when ``paired``) to detect ``effect``.

    Args:
        effect: the difference to detect: in mean score (``kind="mean"``, the sign is ignored) or
            in the rate, ``p₂ − p`` (``kind="proportion"``; ``p + effect`` must stay in (0, 1)).
        sd: ``kind="mean"``: the standard deviation of one run's score (of the per-input
            differences when ``paired``), e.g. `score_summary`'s ``std``.
        p: ``kind="proportion"``: the baseline rate.
        alpha: the two-sided level of the test.
        power: the chance of detecting ``effect`` when it is real.
        paired: both versions run on the same inputs, compared input by input (means only).
        design_effect: the variance inflation of a per-input mean of ``runs_per_input`` runs (1
            for independent runs; `score_summary` and `outcome_rates` report it).
        runs_per_input: runs of each input per version, averaged per input (an observed average
            such as 2.5 is fine).
        kind: ``"mean"`` or ``"proportion"``.

    Returns:
        The number of inputs, rounded up (at least 2).

    Raises:
        InvalidArgumentError: an option out of range, a missing ``sd``/``p``, ``effect`` of 0.
        ArgumentTypeError: an option of the wrong type.

    Examples:
        >>> sample_size(effect=0.5, sd=1.0)  # statsmodels' TTestIndPower: 63.77
        64
        >>> sample_size(effect=0.5, sd=1.0, paired=True)  # TTestPower: 33.37
        34
        >>> sample_size(effect=0.1, p=0.7, kind="proportion")  # NormalIndPower + proportion_effectsize: 291.69
        292
        >>> sample_size(effect=0.5, sd=1.0, runs_per_input=4, design_effect=2.5)  # reruns help less than 4x
        41
    """
    helper = "sample_size"
    z_a, z_b, factor = _common(
        helper=helper, kind=kind, sd=sd, p=p, alpha=alpha, power=power, paired=paired,
        design_effect=design_effect, runs_per_input=runs_per_input,
    )  # fmt: skip
    delta = _number(effect, "effect", helper)
    if delta == 0:
        raise InvalidArgumentError(f"{helper}: effect must be a non-zero difference to detect; got {effect!r}")
    if kind == "proportion":
        assert p is not None
        p2 = p + delta
        if not 0 < p2 < 1:
            raise InvalidArgumentError(f"{helper}: p + effect must be between 0 and 1 (exclusive); got {p} + {delta}")
        h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p))
        n = 2 * (z_a + z_b) ** 2 / h**2 * factor
        return max(2, math.ceil(n - 1e-9))
    assert sd is not None
    d = abs(delta) / (sd * math.sqrt(factor))
    guess = (z_a + z_b) ** 2 / d**2 + z_a**2 / 2 if paired else 2 * (z_a + z_b) ** 2 / d**2 + z_a**2 / 4
    target = NormalDist().cdf(z_b)
    level = 1 - 2 * (1 - NormalDist().cdf(z_a))
    start = max(2, math.floor(guess) - 3)
    found = _smallest(lambda size: t_test_power(d, size, confidence=level, paired=paired) >= target, start, whole=True)
    return int(found)


def detectable_difference(
    *,
    n: int,
    sd: float | None = None,
    p: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    paired: bool = False,
    design_effect: float = 1.0,
    runs_per_input: float = 1,
    kind: Kind = "mean",
) -> float | None:
    """The smallest difference ``n`` inputs per version (pairs when ``paired``) detect at ``power``.

    The inverse of `sample_size` with the same options: a difference in mean score
    (``kind="mean"``, in the score's units) or an increase of the rate above ``p``
    (``kind="proportion"``; ``None`` when even a rate of 1 is not detectable).

    Args:
        n: inputs per version (or pairs), at least 2.
        sd, p, alpha, power, paired, design_effect, runs_per_input, kind: as in `sample_size`.

    Examples:
        >>> round(detectable_difference(n=64, sd=1.0), 3)  # statsmodels' TTestIndPower: 0.4991
        0.499
        >>> round(detectable_difference(n=300, p=0.7, kind="proportion"), 3)
        0.099
    """
    helper = "detectable_difference"
    z_a, z_b, factor = _common(
        helper=helper, kind=kind, sd=sd, p=p, alpha=alpha, power=power, paired=paired,
        design_effect=design_effect, runs_per_input=runs_per_input,
    )  # fmt: skip
    if isinstance(n, bool) or not isinstance(n, int):
        raise ArgumentTypeError(f"{helper}: n must be a whole number of inputs; got {n!r}")
    if n < 2:
        raise InvalidArgumentError(f"{helper}: n must be at least 2 inputs; got {n!r}")
    if kind == "proportion":
        assert p is not None
        h = (z_a + z_b) * math.sqrt(2 * factor / n)
        angle = math.asin(math.sqrt(p)) + h / 2
        if angle >= math.pi / 2:
            return None
        return math.sin(angle) ** 2 - p
    assert sd is not None
    target = NormalDist().cdf(z_b)
    level = 1 - 2 * (1 - NormalDist().cdf(z_a))
    d = _smallest(lambda x: t_test_power(x, n, confidence=level, paired=paired) >= target, 0.0, whole=False)
    return d * sd * math.sqrt(factor)


def _smallest(enough: Callable[[float], bool], low: float, *, whole: bool) -> float:
    """The smallest ``x >= low`` with ``enough(x)``, for ``enough`` false then true as ``x`` rises.

    The upper end doubles (from ``low + 1``) until ``enough``, then bisection: to the whole number
    when ``whole`` (the first whole ``x``), else for 60 halvings (the upper end is returned).

    Examples:
        >>> _smallest(lambda x: x * x >= 50, 2, whole=True)
        8.0
        >>> round(_smallest(lambda x: x * x >= 2, 0.0, whole=False), 9)
        1.414213562
    """
    if enough(low):
        return low
    step = 1.0
    high = low + step
    while not enough(high):
        low, step = high, step * 2
        high = low + step
    for _ in range(60):  # low is never enough, high always is
        if whole and high - low <= 1:
            break
        mid = (low + high) // 2 if whole else (low + high) / 2
        if enough(mid):
            high = mid
        else:
            low = mid
    return high


def t_test_power(d: float, n: float, *, confidence: float, paired: bool) -> float:
    """Power of the two-sided t test at standardised difference ``d`` with ``n`` per version (or pairs).

    The noncentral t is approximated by the normal (Abramowitz & Stegun 26.7.10) and the critical
    value is `t_quantile`'s; both tails count.

    Examples:
        >>> round(t_test_power(0.5, 64, confidence=0.95, paired=False), 4)  # statsmodels: 0.8015
        0.8015
    """
    df = n - 1 if paired else 2 * n - 2
    ncp = d * math.sqrt(n if paired else n / 2)
    t = t_quantile(confidence, df)
    normal = NormalDist()

    def below(x: float) -> float:
        return normal.cdf((x * (1 - 1 / (4 * df)) - ncp) / math.sqrt(1 + x * x / (2 * df)))

    return 1 - below(t) + below(-t)


def _pass_variance(rate: float | None, n: int | None) -> float | None:
    """The sample variance (ddof=1) of ``n`` pass indicators whose mean is ``rate``."""
    if rate is None or n is None or n < 2:
        return None
    return rate * (1 - rate) * n / (n - 1)


#: Columns and dtypes of `sample_size_for` (one row).
SAMPLE_SIZE_FOR_SCHEMA = pl.Schema(
    {
        "a": pl.String(),
        "b": pl.String(),
        "metric": pl.String(),
        "kind": pl.String(),
        "effect": pl.Float64(),
        "sd": pl.Float64(),
        "p": pl.Float64(),
        "design_effect": pl.Float64(),
        "runs_per_input": pl.Float64(),
        "n_inputs_a": pl.UInt32(),
        "n_inputs_b": pl.UInt32(),
        "n_needed": pl.Int64(),
        "detectable_now": pl.Float64(),
        "note": pl.String(),
    }
)


def sample_size_for(
    frames: JobFrames | pl.DataFrame,
    a: str,
    b: str,
    *,
    effect: float,
    metric: str = "grader_score",
    threshold: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    cluster: str | None = None,
) -> pl.DataFrame:
    """`sample_size` and `detectable_difference` for two versions, planned from their observed data.

    From the `score_summary` figures of versions ``a`` and ``b`` (``agent_version_name``):
    without a ``threshold`` a mean-score plan of ``metric`` with ``sd`` the root mean of the two
    versions' variances; with one (``metric="pass_rate"`` as in `compare_versions`, which scores
    ``grader_score >= threshold``, or any score column with a ``threshold``) a pass-rate plan:
    ``p`` is the pass rate of ``a``, the plan Cohen's arcsine one from ``p`` to ``p + effect``
    (statsmodels' ``NormalIndPower`` with ``proportion_effectsize``), the design effect that of
    the pass indicator, and ``sd`` reports the pass indicator's standard deviation (root mean of
    the two versions' ``p(1-p)·n/(n-1)``). In both the larger of the two design effects and the
    observed runs per input (scored runs over inputs, both versions pooled). Two independent
    versions are planned (not paired). Errors name ``sample_size_for``.

    One row (schema `SAMPLE_SIZE_FOR_SCHEMA`): the inputs used (``sd`` or ``p``,
    ``design_effect``, ``runs_per_input``, ``n_inputs_a``/``n_inputs_b``), ``n_needed`` (inputs per
    version to detect ``effect``) and ``detectable_now`` (the difference the smaller version's
    inputs can detect now). Both are null, with a ``note`` saying why, when the data cannot say
    (fewer than two inputs on a side, no spread, a pass rate of 0 or 1, ``p + effect`` outside
    (0, 1)).

    Raises:
        InvalidArgumentError: ``a == b``, a version without rows, ``effect`` of 0, an option out
            of range, ``metric="pass_rate"`` without a ``threshold``.
        MissingColumnsError: the frame lacks ``agent_version_name`` or the metric column.
        ArgumentTypeError: an option of the wrong type.

    Examples:
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "agent_version_name": ["v1"] * 20 + ["v2"] * 20,
        ...         "grader_score": [float(i % 5) for i in range(20)] + [float(i % 5) + 0.5 for i in range(20)],
        ...     }
        ... )
        >>> sample_size_for(jobs, "v1", "v2", effect=0.5).select("sd", "n_needed", pl.col("detectable_now").round(3))
        shape: (1, 3)
        ┌──────────┬──────────┬────────────────┐
        │ sd       ┆ n_needed ┆ detectable_now │
        │ ---      ┆ ---      ┆ ---            │
        │ f64      ┆ i64      ┆ f64            │
        ╞══════════╪══════════╪════════════════╡
        │ 1.450953 ┆ 134      ┆ 1.319          │
        └──────────┴──────────┴────────────────┘
    """
    helper = "sample_size_for"
    for name, value in (("a", a), ("b", b), ("metric", metric)):
        if not isinstance(value, str) or not value:
            raise ArgumentTypeError(f"{helper}: {name} must be a non-empty string; got {value!r}")
    if a == b:
        raise InvalidArgumentError(f"{helper}: a and b are the same version ({a!r}); plan for two different versions")
    check_threshold(threshold, helper=helper)
    if metric == "pass_rate" and threshold is None:
        raise InvalidArgumentError(
            f"{helper}: metric='pass_rate' needs a threshold (grader_score >= threshold passes); pass threshold=..."
        )
    kind: Kind = "mean" if threshold is None else "proportion"
    if _number(effect, "effect", helper) == 0:
        raise InvalidArgumentError(f"{helper}: effect must be a non-zero difference to detect; got {effect!r}")
    _common(
        helper=helper, kind="mean", sd=1.0, p=None, alpha=alpha, power=power, paired=False,
        design_effect=1.0, runs_per_input=1,
    )  # fmt: skip
    source = "grader_score" if metric == "pass_rate" else metric
    keys = ["agent_version_name"]
    table, unit = _prepared(frames, keys=keys, extra=[], metric=source, cluster=cluster, helper=helper)
    summary = _summarise(
        table, keys=keys, threshold=threshold, unit=unit, confidence=0.95, n_resamples=1, seed=DEFAULT_SEED
    )
    present = set(summary.get_column("agent_version_name").drop_nulls().to_list())
    missing = [v for v in (a, b) if v not in present]
    if missing:
        raise InvalidArgumentError(f"{helper}: version(s) {missing} have no rows; available: {sorted(present)}")
    rows = {r["agent_version_name"]: r for r in summary.filter(pl.col("agent_version_name").is_in([a, b])).to_dicts()}
    ra, rb = rows[a], rows[b]
    g_a, g_b = int(ra["n_inputs"] or 0), int(rb["n_inputs"] or 0)
    scored = (ra["n_scored"] or 0) + (rb["n_scored"] or 0)
    runs = scored / (g_a + g_b) if g_a + g_b else None
    deff_column = "design_effect" if kind == "mean" else "pass_design_effect"
    deffs = [r[deff_column] for r in (ra, rb) if r[deff_column] is not None]
    deff = max(deffs) if deffs else None
    sd = p = None
    note = None
    if kind == "mean":
        if ra["std"] is not None and rb["std"] is not None:
            sd = math.sqrt((ra["std"] ** 2 + rb["std"] ** 2) / 2)
        usable = sd is not None and sd > 0
        why = f"no spread in {metric} to plan with"
    else:
        p = ra["pass_rate"]
        variances = [_pass_variance(r["pass_rate"], r["n_scored"]) for r in (ra, rb)]
        if all(v is not None for v in variances):
            sd = math.sqrt(sum(v for v in variances if v is not None) / 2)
        usable = p is not None and 0 < p < 1
        why = f"{a}'s pass rate is {p}: no spread to plan with"
    if min(g_a, g_b) < 2:
        note = (
            f"cannot plan: {a} has {plural(g_a, 'input')} and {b} has {plural(g_b, 'input')} with a {metric} "
            "(need 2 each)"
        )
    elif not usable or deff is None or runs is None:
        note = f"cannot plan: {why}"
    n_needed = detectable = None
    if note is None:
        assert deff is not None and runs is not None
        options = {"sd": sd if kind == "mean" else None, "p": p, "alpha": alpha, "power": power,
                   "design_effect": deff, "kind": kind}  # fmt: skip
        detectable = detectable_difference(n=min(g_a, g_b), runs_per_input=runs, **options)
        if p is not None and not 0 < p + effect < 1:
            note = f"cannot plan: {a}'s pass rate {p:.3g} + effect {effect:+g} is outside (0, 1)"
        else:
            n_needed = sample_size(effect=effect, runs_per_input=runs, **options)
    row = {
        "a": a, "b": b, "metric": metric, "kind": kind, "effect": float(effect), "sd": sd, "p": p,
        "design_effect": deff, "runs_per_input": runs, "n_inputs_a": g_a, "n_inputs_b": g_b,
        "n_needed": n_needed, "detectable_now": detectable, "note": note,
    }  # fmt: skip
    return pl.DataFrame([row], schema=SAMPLE_SIZE_FOR_SCHEMA)
