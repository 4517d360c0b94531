"""Is version ``b`` better than version ``a``? `compare_versions` and `compare_all_versions`.

The input is the unit of evidence, not the run: the same input is rerun many times and its runs are
correlated, so counting each run as independent makes intervals too narrow and tests far too eager.
Every comparison therefore works on clusters (the input by default, ``cluster=`` any jobs column or
metadata key): unpaired, one value per cluster, tests on those values and a cluster bootstrap;
paired, per-input means of the inputs both versions ran. Each estimate has a test asking the same
question (Welch/t for means, Mann–Whitney/Wilcoxon for medians, exact for small samples, McNemar for
paired pass rates; see `roe_analysis.analysis._comparison_stats`), and a verdict only names a
direction when the interval and the test agree on it. Beside every p: the Hodges–Lehmann shift
and Cliff's delta with their intervals. Several comparisons: Holm's step-down adjustment of the
p-values, and each interval widened to the level its Holm step tests at.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import polars as pl

from roe_analysis._text import plural
from roe_analysis.analysis._common import check_threshold
from roe_analysis.analysis._comparison_data import PerJob, StatName, per_job
from roe_analysis.analysis._comparison_stats import Intervals, Result, compare_paired, compare_unpaired, per_cluster
from roe_analysis.analysis._comparison_words import DIRECTION_WORDS as _DIRECTION_WORDS
from roe_analysis.analysis._comparison_words import METRIC_WORDS as _METRIC_WORDS
from roe_analysis.analysis._comparison_words import amount as _amount
from roe_analysis.analysis._comparison_words import fmt_level as _fmt_level
from roe_analysis.analysis._comparison_words import fmt_p as _fmt_p
from roe_analysis.analysis._power import detectable_difference
from roe_analysis.analysis._stats import DEFAULT_RESAMPLES, DEFAULT_SEED, check_confidence, holm_adjust
from roe_analysis.analysis._units import MIN_N, design_effect
from roe_analysis.errors import InvalidArgumentError, NoSharedInputsWarning, closest_match
from roe_analysis.frames import JobFrames

#: Fewer clusters than this on a side (or shared inputs, when paired): "too few to tell".
MIN_PER_SIDE = MIN_N

#: Columns and dtypes of `compare_versions` (and, with ``p_value_adjusted``, `compare_all_versions`).
COMPARISON_SCHEMA = pl.Schema(
    {
        "a": pl.String(),
        "b": pl.String(),
        "metric": pl.String(),
        "statistic": pl.String(),
        "paired": pl.Boolean(),
        "method": pl.String(),
        "n_a": pl.UInt32(),
        "n_b": pl.UInt32(),
        "n_pairs": pl.UInt32(),
        "estimate_a": pl.Float64(),
        "estimate_b": pl.Float64(),
        "difference": pl.Float64(),
        "diff_low": pl.Float64(),
        "diff_high": pl.Float64(),
        "p_value": pl.Float64(),
        "verdict": pl.String(),
        "n_inputs_a": pl.UInt32(),
        "n_inputs_b": pl.UInt32(),
        "design_effect": pl.Float64(),
        "too_few": pl.Boolean(),
        "note": pl.String(),
        "interval_confidence": pl.Float64(),
        "hodges_lehmann": pl.Float64(),
        "hl_low": pl.Float64(),
        "hl_high": pl.Float64(),
        "cliffs_delta": pl.Float64(),
        "cliffs_low": pl.Float64(),
        "cliffs_high": pl.Float64(),
        "flips_pass_to_fail": pl.UInt32(),
        "flips_fail_to_pass": pl.UInt32(),
        "detectable_difference": pl.Float64(),
    }
)

Paired = Literal["auto"] | bool

#: The power at which `compare_versions` reports the difference it could have detected.
DETECTABLE_POWER = 0.8

_PAIRED_OPTIONS = ("auto", True, False)
_TOO_FEW = "too few to tell"


def _check_version(frame: pl.DataFrame, version: str, helper: str) -> None:
    versions = sorted(v for v in frame.get_column("version").unique().to_list() if v is not None)
    if version not in versions:
        close = closest_match(str(version), versions)
        hint = f" Did you mean {close!r}?" if close is not None else ""
        raise InvalidArgumentError(f"{helper}: no jobs of version {version!r}; versions present: {versions}.{hint}")


def _check_paired(paired: object, helper: str) -> None:
    if not any(paired is option or (isinstance(paired, str) and paired == option) for option in _PAIRED_OPTIONS):
        raise InvalidArgumentError(f"{helper}: paired must be 'auto', True or False; got {paired!r}")


@dataclass(frozen=True)
class _Comparison:
    """One row of `COMPARISON_SCHEMA`, typed while it is being built."""

    a: str
    b: str
    metric: str
    statistic: StatName
    paired: bool
    method: str
    n_a: int
    n_b: int
    n_pairs: int
    estimate_a: float | None
    estimate_b: float | None
    difference: float | None
    diff_low: float | None
    diff_high: float | None
    p_value: float | None
    n_inputs_a: int
    n_inputs_b: int
    design_effect: float | None
    too_few: bool
    note: str | None
    interval_confidence: float | None
    hodges_lehmann: float | None
    hl_low: float | None
    hl_high: float | None
    cliffs_delta: float | None
    cliffs_low: float | None
    cliffs_high: float | None
    flips_pass_to_fail: int | None
    flips_fail_to_pass: int | None
    detectable_difference: float | None
    test_sign: int
    #: ``(sd, n, paired)`` of the per-input values the test compares, for `detectable_difference`.
    plan: tuple[float, int, bool] | None

    def with_intervals(self, intervals: Intervals, confidence: float) -> _Comparison:
        """This comparison with its intervals at ``confidence`` (all null when too few)."""
        if self.too_few:
            return self
        values = {**asdict(self), "interval_confidence": confidence}
        if self.plan is not None:
            sd, n, paired = self.plan
            values["detectable_difference"] = detectable_difference(
                n=n, sd=sd, alpha=1 - confidence, power=DETECTABLE_POWER, paired=paired
            )
        for prefix, (low, high) in (
            ("diff", intervals.difference),
            ("hl", intervals.hodges_lehmann),
            ("cliffs", intervals.cliffs_delta),
        ):
            values[f"{prefix}_low"], values[f"{prefix}_high"] = low, high
        return _Comparison(**values)

    def verdict(self, alpha: float, p: float | None, *, adjusted: bool = False) -> str:
        """The plain-language reading of this comparison, decided by ``p`` at ``alpha``."""
        a, b, metric = self.a, self.b, self.metric
        if self.too_few:
            if self.paired:
                return (
                    f"{_TOO_FEW}: {plural(self.n_pairs, 'input')} ran on both {a} and {b} "
                    f"(need at least {MIN_PER_SIDE} shared inputs)"
                )
            return (
                f"{_TOO_FEW}: {a} has {plural(self.n_inputs_a, 'input')} and {b} has "
                f"{plural(self.n_inputs_b, 'input')} with a {metric} value (need at least {MIN_PER_SIDE} each)"
            )
        diff, low, high = self.difference, self.diff_low, self.diff_high
        name = "pass rate" if metric == "pass_rate" else _METRIC_WORDS.get(metric, metric)
        what = f"{self.statistic} per-input difference in {name}" if self.paired else f"{self.statistic} {name}"
        if metric == "pass_rate" and not self.paired:
            what = "pass rate"
        if diff is None or p is None:
            return f"cannot tell: no {metric} values to compare"
        level = _fmt_level(self.interval_confidence or 1 - alpha)
        label = f"Holm-adjusted {level} CI" if adjusted else f"{level} CI"
        interval = (
            f"{label} {_amount(low, metric, diff)} to {_amount(high, metric, diff)}"
            if low is not None and high is not None
            else (f"{label}: none (no spread to resample)")
        )
        if p >= alpha:
            detectable = self.detectable_difference
            could = (
                f"; it could have detected a difference of ±{_amount(detectable, metric, None, signed=False)} "
                f"with {DETECTABLE_POWER:.0%} power"
                if detectable is not None
                else ""
            )
            return f"no detectable difference between {a} and {b} ({_fmt_p(p, adjusted)}; {what}: {interval}{could})"
        if low is None or high is None:  # no spread: every value agrees, the estimate's sign is the direction
            up, down = diff > 0, diff < 0
        else:
            up, down = low > 0, high < 0
        if (up and self.test_sign > 0) or (down and self.test_sign < 0):
            more, less = _DIRECTION_WORDS.get(metric, ("higher", "lower"))
            word = more if up else less
            return f"{b} is {word} than {a}: {what} {_amount(diff, metric, diff)} ({interval}; {_fmt_p(p, adjusted)})"
        return (
            f"{a} and {b} differ ({_fmt_p(p, adjusted)}), but the {interval} of the {what} "
            f"{'includes zero' if not (up or down) else 'points the other way'}: no clear direction"
        )

    def row(self, alpha: float, p: float | None, *, adjusted: bool = False) -> dict[str, object]:
        values = asdict(self)
        del values["test_sign"], values["plan"]
        return {**values, "verdict": self.verdict(alpha, p, adjusted=adjusted)}


def _compare(
    data: PerJob,
    a: str,
    b: str,
    *,
    paired: Paired,
    n_resamples: int,
    seed: int,
    helper: str,
) -> tuple[_Comparison, Result]:
    if a == b:
        raise InvalidArgumentError(f"{helper}: a and b must be different versions; got {a!r} twice")
    frame = data.frame
    _check_version(frame, a, helper)
    _check_version(frame, b, helper)
    if paired is True and not data.can_pair:
        raise InvalidArgumentError(
            f"{helper}: paired=True needs the inputs of each job: pass JobFrames, or a frame with an input_id column"
        )
    scored = frame.filter(pl.col("value").is_not_null() & pl.col("version").is_in([a, b]))
    # Integer codes: numpy groups long input identities slowly.
    scored = scored.with_columns(pl.col("cluster").rank("dense").cast(pl.Int64).alias("code"))
    side_a = scored.filter(pl.col("version") == a)
    side_b = scored.filter(pl.col("version") == b)
    values_a, values_b = side_a.get_column("value").to_numpy(), side_b.get_column("value").to_numpy()
    clusters_a = side_a.get_column("code").to_numpy()
    clusters_b = side_b.get_column("code").to_numpy()
    per_input = (
        scored.filter(pl.col("input_id").is_not_null()).group_by("input_id", "version").agg(pl.col("value").mean())
    )
    inputs_a = per_input.filter(pl.col("version") == a).select("input_id", pl.col("value").alias("value_a"))
    inputs_b = per_input.filter(pl.col("version") == b).select("input_id", pl.col("value").alias("value_b"))
    pairs = inputs_a.join(inputs_b, on="input_id").sort("input_id")
    n_pairs = pairs.height
    note: str | None = None
    if data.can_pair and paired is not False and n_pairs == 0 and inputs_a.height and inputs_b.height:
        note = f"{a} and {b} share no inputs: compared unpaired"
        warnings.warn(
            f"{helper}: {a} and {b} ran no input in common ({inputs_a.height} and {inputs_b.height} distinct inputs), "
            "so they cannot be paired; the comparison is unpaired and input-to-input variation is not removed",
            NoSharedInputsWarning,
            stacklevel=3,
        )
    left_out = [
        f"{plural(data.missing[v], 'job')} of {v} without a result left out" for v in (a, b) if data.missing.get(v)
    ]
    if left_out:
        note = "; ".join([*([note] if note else []), *left_out])
    if paired == "auto":
        use_pairs = (
            data.can_pair
            and n_pairs >= MIN_PER_SIDE
            and n_pairs >= 0.5 * inputs_a.height
            and n_pairs >= 0.5 * inputs_b.height
        )
    else:
        use_pairs = bool(paired) and n_pairs > 0
    n_inputs_a, n_inputs_b = np.unique(clusters_a).size, np.unique(clusters_b).size
    too_few = n_pairs < MIN_PER_SIDE if use_pairs else min(n_inputs_a, n_inputs_b) < MIN_PER_SIDE
    if use_pairs:
        result = compare_paired(
            pairs.get_column("value_a").to_numpy(),
            pairs.get_column("value_b").to_numpy(),
            metric=data.metric,
            statistic=data.statistic,
            n_resamples=n_resamples,
            seed=seed,
            tested=not too_few,
        )
    else:
        result = compare_unpaired(
            values_a,
            clusters_a,
            values_b,
            clusters_b,
            metric=data.metric,
            statistic=data.statistic,
            n_resamples=n_resamples,
            seed=seed,
            tested=not too_few,
        )
    pooled = np.concatenate([values_a, values_b])
    labels = np.concatenate([clusters_a, clusters_b + scored.height + 1])  # each version's clusters apart
    comparison = _Comparison(
        a=a,
        b=b,
        metric=data.metric,
        statistic=data.statistic,
        paired=use_pairs,
        method=f"{result.method}; population: {data.population}",
        n_a=values_a.size,
        n_b=values_b.size,
        n_pairs=n_pairs,
        estimate_a=result.estimate_a,
        estimate_b=result.estimate_b,
        difference=result.difference,
        diff_low=None,
        diff_high=None,
        p_value=None if too_few else result.p_value,
        n_inputs_a=n_inputs_a,
        n_inputs_b=n_inputs_b,
        design_effect=design_effect(pooled, labels),
        too_few=too_few,
        note=(f"{_TOO_FEW}; {note}" if note else _TOO_FEW) if too_few else note,
        interval_confidence=None,
        hodges_lehmann=result.hodges_lehmann,
        hl_low=None,
        hl_high=None,
        cliffs_delta=result.cliffs_delta,
        cliffs_low=None,
        cliffs_high=None,
        flips_pass_to_fail=result.flips_pass_to_fail,
        flips_fail_to_pass=result.flips_fail_to_pass,
        detectable_difference=None,
        test_sign=result.test_sign,
        plan=None
        if too_few or data.statistic != "mean"
        else _plan(
            pairs, use_pairs, values_a=values_a, clusters_a=clusters_a, values_b=values_b, clusters_b=clusters_b
        ),
    )
    return comparison, result


def _plan(
    pairs: pl.DataFrame,
    use_pairs: bool,
    *,
    values_a: np.ndarray,
    clusters_a: np.ndarray,
    values_b: np.ndarray,
    clusters_b: np.ndarray,
) -> tuple[float, int, bool] | None:
    """``(sd, n, paired)`` of what the test compares: per-input differences, or per-input means.

    Unpaired, ``sd`` is the pooled standard deviation of the two versions' per-input means and ``n``
    the harmonic mean of their numbers of inputs (the equal-n t test the plan assumes).
    """
    if use_pairs:
        diffs = pairs.get_column("value_b").to_numpy() - pairs.get_column("value_a").to_numpy()
        sd, n = (float(diffs.std(ddof=1)) if diffs.size > 1 else 0.0), diffs.size
    else:
        mean_a, mean_b = per_cluster(values_a, clusters_a, np.mean), per_cluster(values_b, clusters_b, np.mean)
        g_a, g_b = mean_a.size, mean_b.size
        if g_a < 2 or g_b < 2:
            return None
        pooled = ((g_a - 1) * mean_a.var(ddof=1) + (g_b - 1) * mean_b.var(ddof=1)) / (g_a + g_b - 2)
        sd, n = math.sqrt(pooled), int(2 * g_a * g_b / (g_a + g_b))
    return (sd, n, use_pairs) if sd > 0 and n >= 2 else None


def compare_versions(
    frames: JobFrames | pl.DataFrame,
    a: str,
    b: str,
    *,
    metric: str = "grader_score",
    threshold: float | None = None,
    paired: Paired = "auto",
    statistic: StatName | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    cluster: str | None = None,
    status: str | None = "SUCCESS",
    include_cached: bool = False,
) -> pl.DataFrame:
    """Compare version ``b`` with version ``a``: difference ``b - a`` with its CI, p-value and verdict.

    Metrics: ``"grader_score"`` (default), ``"human_score"``, ``"duration_ms"`` (recomputed by
    `job_durations` from JobFrames), ``"pass_rate"`` (``grader_score >= threshold``, threshold
    required), ``"cost"``, ``"input_tokens"``, ``"output_tokens"`` (per job, from the results
    frame: every job with a value whatever its status, failures and cache hits included, as in
    `cost_summary`; jobs without a result are left out and counted in ``note``; frames never given
    results raise `InvalidArgumentError` saying how to load them) or any numeric column of the
    frame. Instead of JobFrames, a jobs-like frame
    (``job_id`` or ``id``, ``agent_version_name``, the metric) works too; it can be paired only if
    it has an ``input_id`` column (any text identifying a job's input).

    **The unit is the input.** Reruns of one input are not independent evidence. Unpaired, the
    runs are grouped into clusters (the job's input; ``cluster=`` any jobs column or, with
    JobFrames, a metadata key such as a customer; a job without one is its own cluster) and:

    - mean (and pass rate): ``difference`` is the run-level mean of ``b`` minus that of ``a``; its
      CI a cluster bootstrap (whole clusters resampled; for a pass rate Newcombe's interval with
      each side's sizes divided by its design effect, so it stays sensible at 0% and 100%); the
      p-value Welch's t-test on the per-cluster means (proportions);
    - median (default for ``duration_ms``): the median of per-cluster medians, a bootstrap of its
      difference over clusters, and the Mann–Whitney U test on per-cluster medians (exact when both
      sides have at most 25 clusters and no ties, else normal approximation with tie and
      continuity corrections).

    Paired (identical inputs): each input's runs are averaged per version and ``difference`` is
    the ``statistic`` of the per-input differences, bootstrapped over inputs; the p-value is the
    paired t-test (mean), the Wilcoxon signed-rank test (median; exact for ≤ 25 differences
    without zeros or ties), or for a pass rate McNemar's test on per-input pass/fail (an input
    passes when most of its runs pass; exact binomial up to 25 flips), with the flip counts in
    ``flips_pass_to_fail``/``flips_fail_to_pass``. ``paired="auto"`` pairs when at least 10
    inputs ran on both versions and they make up at least half of each version's distinct inputs.
    Two versions that share no input are compared unpaired, with a `NoSharedInputsWarning`.

    Durations compare like with like: finished runs of one terminal status (``status="SUCCESS"``;
    ``None`` for any) without cache hits (``include_cached=True`` keeps them); ``method`` names the
    population. Scores are checked to be on one scale when several agents are loaded
    (`InvalidArgumentError` naming the agents and their scales: filter to one agent).

    Returns one row (schema `COMPARISON_SCHEMA`): ``a``, ``b``, ``metric``, ``statistic``,
    ``paired``, ``method`` (in words), ``n_a``/``n_b`` (runs with a value), ``n_pairs`` (inputs run
    by both), ``estimate_a``/``estimate_b``, ``difference``, ``diff_low``, ``diff_high``,
    ``p_value``, ``verdict``; ``n_inputs_a``/``n_inputs_b`` (clusters), ``design_effect`` (over
    the pooled runs, clusters of each version apart), ``too_few`` and ``note`` (below 10 clusters a
    side, or 10 shared inputs when paired: no interval, no p-value, "too few to tell"),
    ``interval_confidence``, and the effect sizes ``hodges_lehmann`` (``hl_low``, ``hl_high``:
    Moses' distribution-free interval; on per-input differences when paired) and ``cliffs_delta``
    (``cliffs_low``, ``cliffs_high``: ``P(b > a) - P(b < a)`` over clusters with Cliff's interval),
    the pass→fail flips, and ``detectable_difference``: the smallest true difference in the mean
    or pass rate (planned on per-input pass rates; when paired a t plan stands in for McNemar's
    test) this comparison detects with 80% power (`DETECTABLE_POWER`) at its own level (Holm's, in
    `compare_all_versions`), from the standard deviation of what the test compares (per-input
    differences when paired; per-input means, pooled, with the harmonic mean of the inputs per
    side, when not) by `detectable_difference`; null for medians (durations) and when too few.
    The verdict: "too few to tell", "no detectable difference" when ``p >= 1 - confidence`` (with
    the difference it could have detected), "b is
    higher/lower than a" (slower/faster for durations) only when the interval and the test agree on
    the direction, else "no clear direction". A degenerate interval is null.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(24)],
        ...         "agent_version_name": ["v1"] * 12 + ["v2"] * 12,
        ...         "created_at": [datetime(2026, 5, 1, tzinfo=timezone.utc)] * 24,
        ...         "grader_score": [float(x % 4) for x in range(12)] + [float(x % 4 + 2) for x in range(12)],
        ...     }
        ... )
        >>> result = compare_versions(jobs, "v1", "v2")
        >>> result.select("n_a", "n_inputs_b", "difference", pl.col("p_value").round(6), "cliffs_delta")
        shape: (1, 5)
        ┌─────┬────────────┬────────────┬──────────┬──────────────┐
        │ n_a ┆ n_inputs_b ┆ difference ┆ p_value  ┆ cliffs_delta │
        │ --- ┆ ---        ┆ ---        ┆ ---      ┆ ---          │
        │ u32 ┆ u32        ┆ f64        ┆ f64      ┆ f64          │
        ╞═════╪════════════╪════════════╪══════════╪══════════════╡
        │ 12  ┆ 12         ┆ 2.0        ┆ 0.000375 ┆ 0.75         │
        └─────┴────────────┴────────────┴──────────┴──────────────┘
        >>> print(result.item(0, "verdict"))
        v2 is higher than v1: mean grader score +2.00 (95% CI +1.04 to +2.96; p=0.000375)
    """
    helper = "compare_versions"
    check_confidence(confidence)
    check_threshold(threshold, helper=helper)
    _check_paired(paired, helper)
    data = per_job(
        frames, metric, threshold, statistic, helper, cluster=cluster, status=status, include_cached=include_cached
    )
    comparison, result = _compare(data, a, b, paired=paired, n_resamples=n_resamples, seed=seed, helper=helper)
    comparison = comparison.with_intervals(result.intervals(confidence), confidence)
    return pl.DataFrame([comparison.row(1 - confidence, comparison.p_value)], schema=COMPARISON_SCHEMA)


def _chronological_versions(frame: pl.DataFrame) -> list[str]:
    """Versions by their first job's ``created_at`` (then name), so pairs read older → newer."""
    first = (
        frame.filter(pl.col("version").is_not_null())
        .group_by("version")
        .agg(pl.col("created_at").min())
        .sort("created_at", "version", nulls_last=True)
    )
    return first.get_column("version").to_list()


def _holm_levels(p_values: list[float | None], alpha: float) -> list[float | None]:
    """The confidence each Holm step tests at: ``1 - alpha / (m - rank)``, rank 0 the smallest p."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    levels: list[float | None] = [None] * len(p_values)
    for rank, (_, i) in enumerate(present):
        levels[i] = 1 - alpha / (len(present) - rank)
    return levels


def compare_all_versions(
    frames: JobFrames | pl.DataFrame,
    *,
    baseline: str | None = None,
    metric: str = "grader_score",
    threshold: float | None = None,
    paired: Paired = "auto",
    statistic: StatName | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    cluster: str | None = None,
    status: str | None = "SUCCESS",
    include_cached: bool = False,
) -> pl.DataFrame:
    """`compare_versions` for every pair of versions, or every version against ``baseline``.

    Versions are taken in the order they first appear (earliest ``created_at``; by name for a frame
    without that column), so in each row ``a`` is the older and ``difference = b - a`` reads as
    "what changed"; with a ``baseline`` it is always ``a``. Adds ``p_value_adjusted``, Holm's
    step-down adjustment over the rows that could be tested (rows marked ``too_few`` are left out
    of the family and have a null adjusted p), and the verdicts use it.

    The intervals are adjusted the same way: the row with the ``k``-th smallest p (of ``m`` in the
    family) is tested by Holm at ``alpha / (m - k + 1)``, so its intervals (difference,
    Hodges–Lehmann, Cliff's delta) are at confidence ``1 - alpha / (m - k + 1)``, given in
    ``interval_confidence`` (e.g. 98.3%, 97.5%, 95% for three rows). This is the per-step level,
    so a verdict's interval excludes zero when its step rejects (simultaneous coverage would need
    the Bonferroni level ``1 - alpha / m`` on every row).

    Examples:
        >>> from datetime import datetime, timezone
        >>> import polars as pl
        >>> day = lambda d: datetime(2026, 5, d, tzinfo=timezone.utc)
        >>> jobs = pl.DataFrame(
        ...     {
        ...         "job_id": [f"j{i}" for i in range(36)],
        ...         "agent_version_name": ["v1"] * 12 + ["v2"] * 12 + ["v3"] * 12,
        ...         "created_at": [day(1)] * 12 + [day(2)] * 12 + [day(3)] * 12,
        ...         "grader_score": [float(x % 4) for x in range(24)] + [float(x % 4 + 2) for x in range(12)],
        ...     }
        ... )
        >>> result = compare_all_versions(jobs)
        >>> result.select("a", "b", "difference", pl.col("p_value_adjusted").round(6), "interval_confidence")
        shape: (3, 5)
        ┌─────┬─────┬────────────┬──────────────────┬─────────────────────┐
        │ a   ┆ b   ┆ difference ┆ p_value_adjusted ┆ interval_confidence │
        │ --- ┆ --- ┆ ---        ┆ ---              ┆ ---                 │
        │ str ┆ str ┆ f64        ┆ f64              ┆ f64                 │
        ╞═════╪═════╪════════════╪══════════════════╪═════════════════════╡
        │ v1  ┆ v2  ┆ 0.0        ┆ 1.0              ┆ 0.95                │
        │ v1  ┆ v3  ┆ 2.0        ┆ 0.001124         ┆ 0.983333            │
        │ v2  ┆ v3  ┆ 2.0        ┆ 0.001124         ┆ 0.975               │
        └─────┴─────┴────────────┴──────────────────┴─────────────────────┘
    """
    helper = "compare_all_versions"
    check_confidence(confidence)
    check_threshold(threshold, helper=helper)
    _check_paired(paired, helper)
    data = per_job(
        frames, metric, threshold, statistic, helper, cluster=cluster, status=status, include_cached=include_cached
    )
    schema = pl.Schema({**COMPARISON_SCHEMA, "p_value_adjusted": pl.Float64()})
    versions = _chronological_versions(data.frame)
    if baseline is not None:
        _check_version(data.frame, baseline, helper)
        pairs = [(baseline, v) for v in versions if v != baseline]
    else:
        pairs = list(itertools.combinations(versions, 2))
    compared = [
        _compare(data, a, b, paired=paired, n_resamples=n_resamples, seed=seed, helper=helper) for a, b in pairs
    ]
    raw = [None if c.too_few else c.p_value for c, _ in compared]
    alpha = 1 - confidence
    adjusted = holm_adjust(raw)
    levels = _holm_levels(raw, alpha)
    rows = []
    for (comparison, result), p, level in zip(compared, adjusted, levels, strict=True):
        at = confidence if level is None else round(level, 12)
        shown = comparison.with_intervals(result.intervals(at), at)
        rows.append({**shown.row(alpha, p, adjusted=True), "p_value_adjusted": p})
    return pl.DataFrame(rows, schema=schema)
