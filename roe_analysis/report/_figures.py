"""The key figures of an evaluation: a JSON-ready dict, and the short text the demo prints.

Every number is copied from a library helper's output (see `roe_analysis.report._analyses`); the
one thing assembled here is the success rate, jobs that delivered a result (SUCCESS, or CACHED:
served from cache) over finished jobs, whose interval is the library's own `wilson_interval`.
Numbers are kept exact in the dict; only `key_figures_text` (and the HTML report) round them for
reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from roe_analysis._schema import STATUS_NAMES, format_datetime
from roe_analysis._text import fmt_count, fmt_ms, fmt_num, fmt_pct, plural, plural_word
from roe_analysis._version import __version__
from roe_analysis.analysis import wilson_interval
from roe_analysis.frames import JobFrames
from roe_analysis.report._analyses import VERSION, Analyses, analyse
from roe_analysis.report._money import cost_lines

_DURATION_KEYS = ("n", "n_finished", "n_running", "n_measured", "mean_ms")
_SCORE_KEYS = (
    "n",
    "n_scored",
    "mean",
    "mean_low",
    "mean_high",
    "median",
    "n_passed",
    "pass_rate",
    "pass_low",
    "pass_high",
    "n_inputs",
    "design_effect",
    "too_few",
    "note",
)
_COMPARISON_KEYS = (
    "a",
    "b",
    "statistic",
    "paired",
    "n_a",
    "n_b",
    "n_pairs",
    "estimate_a",
    "estimate_b",
    "difference",
    "diff_low",
    "diff_high",
    "p_value",
    "p_value_adjusted",
    "verdict",
)
_COST_KEYS = (
    "n_jobs",
    "n_missing",
    "n_with_cost",
    "n_inputs",
    "n_success",
    "n_cached",
    "n_approved",
    "total_cost",
    *(f"{name}{end}" for name in ("mean_cost", "p50_cost", "p95_cost") for end in ("", "_low", "_high")),
    *(
        f"{name}{end}"
        for name in ("mean_input_tokens", "mean_output_tokens", "cost_per_success", "cost_per_approval")
        for end in ("", "_low", "_high")
    ),
    "too_few",
    "note",
)
_COST_QUALITY_KEYS = (
    "n_with_cost",
    "n_inputs",
    "mean_cost",
    "mean_cost_low",
    "mean_cost_high",
    "n_quality",
    "n_quality_inputs",
    "quality",
    "quality_low",
    "quality_high",
    "pareto",
    "pareto_uncertain",
    "too_few",
    "note",
)
_INTER_KEYS = (
    "n_items",
    "n_reviewers",
    "n_values",
    "krippendorff_alpha",
    "alpha_low",
    "alpha_high",
    "fleiss_kappa",
    "fleiss_low",
    "fleiss_high",
    "fleiss_note",
    "n_repeats_set_aside",
    "too_few",
    "note",
)


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: ISO text for instants, ``None`` for NaN, enums as their text."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _row(frame: pl.DataFrame, keys: Sequence[str], index: int = 0) -> dict[str, Any]:
    row = frame.row(index, named=True)
    return {k: _plain(row[k]) for k in keys}


def _rows(frame: pl.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    return [_row(frame, keys, i) for i in range(frame.height)]


def _duration_keys() -> list[str]:
    keys = list(_DURATION_KEYS)
    for name in ("p50", "p90"):
        keys += [name, f"{name}_low", f"{name}_high"]
    return keys


def _agents(frames: JobFrames) -> list[str]:
    asked = frames.query.get("agent_ids")
    if isinstance(asked, list) and all(isinstance(a, str) for a in asked):
        return list(asked)
    return sorted(frames.jobs.get_column("agent_id").drop_nulls().unique().to_list())


def _freshness(query: Mapping[str, Any]) -> dict[str, Any]:
    snapshot = query.get("snapshot")
    created = snapshot.get("created_at") if isinstance(snapshot, Mapping) else None
    fetched = query.get("fetched_at")
    return {
        "fetched_at": fetched if isinstance(fetched, str) else None,
        "snapshot_created_at": created if isinstance(created, str) else None,
    }


def _window(jobs: pl.DataFrame) -> dict[str, Any]:
    if jobs.height == 0:
        return {"first_created_at": None, "last_created_at": None}
    first, last = jobs.select(pl.col("created_at").min().alias("first"), pl.col("created_at").max().alias("last")).row(
        0
    )
    return {"first_created_at": _plain(first), "last_created_at": _plain(last)}


def _statuses(jobs: pl.DataFrame) -> dict[str, int]:
    counts = dict(jobs.get_column("status").cast(pl.String).value_counts().iter_rows())
    order = [*STATUS_NAMES.values(), "UNKNOWN"]
    return {s: int(counts[s]) for s in order if counts.get(s)}


def _success(durations: pl.DataFrame) -> dict[str, Any]:
    finished = durations.filter(~pl.col("is_running"))
    # A job answered from cache delivered its result just as a SUCCESS did; counting it as a
    # failure would understate the agent (the sandbox's demo agent serves ~8% from cache).
    n_success = finished.filter(pl.col("terminal_status").is_in(["SUCCESS", "CACHED"])).height
    n_cached = finished.filter(pl.col("terminal_status") == "CACHED").height
    low, high = wilson_interval(pl.lit(n_success), pl.lit(finished.height))
    low_value, high_value = pl.select(low.alias("low"), high.alias("high")).row(0)
    return {
        "n_success": n_success,
        "n_cached": n_cached,
        "n_finished": finished.height,
        "rate": n_success / finished.height if finished.height else None,
        "low": low_value,
        "high": high_value,
    }


def _agreement(summary: pl.DataFrame) -> dict[str, Any] | None:
    if summary.height == 0:
        return None
    return {k: _plain(v) for k, v in summary.row(0, named=True).items()}


def _labels(analyses: Analyses) -> list[dict[str, Any]]:
    """`version_labels` rows, each with ``listed``: whether the versions frame lists the version."""
    listed = analyses.frames.versions.select("agent_id", "version_name").unique()
    rows = analyses.labels.join(
        listed.with_columns(pl.lit(True).alias("listed")),
        on=["agent_id", "version_name"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    ).with_columns(pl.col("listed").fill_null(False))
    return _rows(rows, ["agent_id", "version_name", "model", "label", "listed"])


def figures_from(analyses: Analyses) -> dict[str, Any]:
    """The key figures of already computed `Analyses` (what `key_figures` returns)."""
    frames = analyses.frames
    jobs = frames.jobs
    comparisons = {
        "grader_score": _rows(analyses.score_comparisons, _COMPARISON_KEYS),
        "duration_ms": _rows(analyses.duration_comparisons, _COMPARISON_KEYS),
    }
    if analyses.pass_comparisons is not None:
        comparisons["pass_rate"] = _rows(analyses.pass_comparisons, _COMPARISON_KEYS)
    if analyses.cost_comparisons is not None:
        comparisons["cost"] = _rows(analyses.cost_comparisons, _COMPARISON_KEYS)
    duration_keys = _duration_keys()
    overall = analyses.duration_overall
    return {
        "library_version": __version__,
        "agents": _agents(frames),
        "agent_names": dict(analyses.agent_names),
        "versions": sorted(jobs.get_column(VERSION).drop_nulls().unique().to_list()),
        "version_labels": _labels(analyses),
        "jobs": jobs.height,
        "window": _window(jobs),
        "freshness": _freshness(frames.query),
        "statuses": _statuses(jobs),
        "success": _success(analyses.durations),
        "duration": _row(overall, duration_keys) if overall.height else None,
        "duration_by_version": _rows(analyses.duration_by_version, ["agent_version_name", *duration_keys]),
        "threshold": analyses.threshold,
        "scores": _rows(analyses.score_by_version, ["agent_version_name", *_SCORE_KEYS]),
        "comparisons": comparisons,
        "agreement": _agreement(analyses.agreement),
        "inter_reviewer": _row(analyses.inter_reviewer, _INTER_KEYS) if analyses.inter_reviewer.height else None,
        "costs": None if analyses.costs is None else _rows(analyses.costs, [VERSION, *_COST_KEYS]),
        "cost_quality": {
            measure: _rows(frame, [VERSION, *_COST_QUALITY_KEYS]) for measure, frame in analyses.cost_quality.items()
        },
        "notes": list(analyses.notes),
    }


def key_figures(frames: JobFrames, *, threshold: float | None = None) -> dict[str, Any]:
    """The headline numbers of an evaluation, as a JSON-ready dict (exact, not rounded).

    Keys:

    - ``library_version``, ``agents`` (ids asked for, else those in the jobs), ``agent_names`` (id →
      name, from the versions frame; empty without it), ``versions`` (sorted), ``version_labels``
      (`version_labels` rows: each version's ``model`` and display ``label``, "v2.0 · o1", and
      ``listed``: whether the versions frame lists it), ``jobs``,
      ``window`` (``first_created_at``/``last_created_at``), ``freshness`` (``fetched_at`` of the
      load, ``snapshot_created_at`` when read from a snapshot), ``statuses`` (jobs per status).
    - ``success``: ``n_success`` jobs that delivered a result (SUCCESS, or CACHED: served from
      cache; ``n_cached`` of them) among ``n_finished`` finished jobs (not PENDING, STARTED or
      RETRY), ``rate`` and its Wilson interval ``low``/``high``.
    - ``duration`` (all jobs) and ``duration_by_version``: the `duration_summary` columns ``n``,
      ``n_finished``, ``n_running``, ``n_measured``, ``mean_ms`` and ``p50``/``p90`` (ms) with their
      order-statistic (distribution-free) intervals ``_low``/``_high``.
    - ``threshold`` and ``scores``: `score_summary` per version (mean with bootstrap CI, median,
      pass rate with Wilson CI when a threshold is given).
    - ``comparisons``: `compare_all_versions` rows for ``grader_score`` and ``duration_ms`` (and
      ``pass_rate`` with a threshold), each with its plain-language ``verdict``.
    - ``agreement``: the overall `agreement_summary` row (approval, agreement rate, Cohen's kappa,
      Gwet's AC1, PABAK, each with its interval), ``None`` without reviews.
    - ``inter_reviewer``: the `inter_reviewer_agreement` row (Krippendorff's alpha with bootstrap
      CI, Fleiss' kappa or why it is not computed), ``None`` without reviews.
    - ``costs``: `cost_summary` per version (USD: mean, p50, p95 per job, per successful job, per
      approved verdict, mean tokens, each with its interval), ``None`` when the frames hold no
      results; ``comparisons["cost"]``: `compare_all_versions` on the mean cost per job.
    - ``cost_quality``: `cost_quality` rows by measure (``grader_score``, ``approval``): mean cost
      against quality with intervals, and the Pareto front (``pareto``, ``pareto_uncertain``).
    - ``notes``: the helpers' warnings (e.g. kappa undefined or deflated by skewed prevalence).

    Args:
        frames: the loaded jobs.
        threshold: pass mark of the grader score (a score passes when ``>= threshold``); scores
            have no fixed scale, so there is no default and no pass rates without one.

    Examples:
        >>> import roe_analysis as ra
        >>> figures = key_figures(ra.JobFrames.empty())
        >>> figures["jobs"], figures["success"]["rate"], figures["duration"], figures["agreement"]
        (0, None, None, None)
    """
    return figures_from(analyse(frames, threshold=threshold))


# --- text -------------------------------------------------------------------------------------


def pct_with_ci(rate: float | None, low: float | None, high: float | None) -> str:
    """A rate with its interval: ``"84.2% (95% CI 82.2–85.9%)"``.

    Examples:
        >>> pct_with_ci(0.8421, 0.8222, 0.8594), pct_with_ci(None, None, None)
        ('84.2% (95% CI 82.2–85.9%)', '—')
    """
    return with_ci(fmt_pct(rate), fmt_pct(low).rstrip("%"), fmt_pct(high))


def fmt_coef(x: float | None) -> str:
    """An agreement coefficient to two decimals.

    Examples:
        >>> fmt_coef(0.62964), fmt_coef(-0.1), fmt_coef(None)
        ('0.63', '-0.10', '—')
    """
    return "—" if x is None else f"{x:.2f}"


def coef_text(row: Mapping[str, Any], name: str) -> str:
    """A coefficient of an `agreement_summary` row, or its exact bounds when only those are known.

    Rejections without a corrected verdict (with three or more labels) leave kappa and AC1 known
    only between bounds: ``"0.59 to 0.61 (bounds)"``.

    Examples:
        >>> coef_text({"cohen_kappa": 0.6}, "cohen_kappa")
        '0.60'
        >>> coef_text({"cohen_kappa": None, "cohen_kappa_min": 0.593, "cohen_kappa_max": 0.607}, "cohen_kappa")
        '0.59 to 0.61 (bounds)'
        >>> coef_text({"gwet_ac1": None, "gwet_ac1_min": 0.701, "gwet_ac1_max": 0.703}, "gwet_ac1")
        '0.70 (every placement)'
    """
    value = row.get(name)
    low, high = row.get(f"{name}_min"), row.get(f"{name}_max")
    if value is None and low is not None and high is not None:
        if fmt_coef(low) == fmt_coef(high):
            return f"{fmt_coef(low)} (every placement)"
        return f"{fmt_coef(low)} to {fmt_coef(high)} (bounds)"
    return fmt_coef(value)


def with_ci(estimate: str, low: str, high: str) -> str:
    """``"estimate (95% CI low–high)"``, or the estimate alone when the interval is unknown.

    Examples:
        >>> with_ci("0.63", "0.57", "0.69"), with_ci("0.63", "—", "—")
        ('0.63 (95% CI 0.57–0.69)', '0.63')
    """
    if low == "—" or high == "—":
        return estimate
    return f"{estimate} (95% CI {low}–{high})"


def fmt_instant(text: str | None) -> str:
    """An ISO instant from the figures as ``YYYY-MM-DD HH:MM UTC``.

    Examples:
        >>> fmt_instant("2026-06-01T11:59:40.123456Z"), fmt_instant(None)
        ('2026-06-01 11:59 UTC', '—')
    """
    if not text:
        return "—"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")


def duration_text(row: Mapping[str, Any], name: str) -> str:
    """``pXX`` of a duration-summary row with its interval, in the estimate's unit.

    Examples:
        >>> duration_text({"p50": 24_312.0, "p50_low": 23_512.0, "p50_high": 25_101.0}, "p50")
        '24.3 s (95% CI 23.5–25.1 s)'
    """
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if value is None:
        return "—"
    if low is None or high is None:
        return fmt_ms(value)
    return with_ci(fmt_ms(value), fmt_ms(low, value).rsplit(" ", 1)[0], fmt_ms(high, value))


def freshness_text(freshness: Mapping[str, Any]) -> str:
    """When the data was fetched (and the snapshot written), in words.

    Examples:
        >>> freshness_text({"fetched_at": "2026-06-01T12:00:00Z", "snapshot_created_at": None})
        'fetched 2026-06-01 12:00 UTC'
        >>> freshness_text({"fetched_at": None, "snapshot_created_at": None})
        'unknown (built from records)'
    """
    parts = []
    if freshness.get("fetched_at"):
        parts.append(f"fetched {fmt_instant(freshness['fetched_at'])}")
    if freshness.get("snapshot_created_at"):
        parts.append(f"snapshot written {fmt_instant(freshness['snapshot_created_at'])}")
    return "; ".join(parts) or "unknown (built from records)"


def _label(name: str) -> str:
    return f"{name + ':' if name else '':<13}"


def key_figures_text(figures: Mapping[str, Any]) -> str:
    """The key figures as a dozen lines of text, rounded for reading, with units.

    Args:
        figures: what `key_figures` returns.

    Examples:
        >>> import roe_analysis as ra
        >>> print(key_figures_text(key_figures(ra.JobFrames.empty())))
        agent:       —
        jobs:        0
        data:        unknown (built from records); roe-analysis 0.1.0
    """
    agents = figures["agents"]
    versions = figures["versions"]
    agent_text = ", ".join(agents) if agents else "—"
    if versions:
        agent_text += f" ({plural_word(len(versions), 'version')} {', '.join(versions)})"
    lines = [f"{_label('agent' if len(agents) <= 1 else 'agents')}{agent_text}"]
    window = figures["window"]
    jobs = fmt_count(figures["jobs"])
    if window["first_created_at"]:
        jobs += f" created {fmt_instant(window['first_created_at'])[:-4]} → {fmt_instant(window['last_created_at'])}"
    lines.append(f"{_label('jobs')}{jobs}")
    lines.append(f"{_label('data')}{freshness_text(figures['freshness'])}; roe-analysis {figures['library_version']}")
    if not figures["jobs"]:
        return "\n".join(lines)

    success = figures["success"]
    statuses = figures["statuses"]
    if success["n_finished"]:
        words = {"FAILURE": "failed", "CANCELLED": "cancelled", "UNKNOWN": "unknown status"}
        others = [f"{fmt_count(statuses[s])} {w}" for s, w in words.items() if statuses.get(s)]
        running = sum(statuses.get(s, 0) for s in ("PENDING", "STARTED", "RETRY"))
        if running:
            others.append(f"{fmt_count(running)} still running")
        rate = pct_with_ci(success["rate"], success["low"], success["high"])
        cached = f" ({fmt_count(success['n_cached'])} from cache)" if success["n_cached"] else ""
        lines.append(
            f"{_label('success')}{rate} of {plural(success['n_finished'], 'finished job')} delivered a result{cached}"
            + (f"; {', '.join(others)}" if others else "")
        )
    duration = figures["duration"]
    if duration and duration["n_measured"]:
        lines.append(f"{_label('duration')}p50 {duration_text(duration, 'p50')}, p90 {duration_text(duration, 'p90')}")
        per_version = [r for r in figures["duration_by_version"] if r["p50"] is not None and r["agent_version_name"]]
        if len(per_version) > 1:
            medians = " · ".join(f"{r['agent_version_name']} {fmt_ms(r['p50'])}" for r in per_version)
            lines.append(f"{_label('')}p50 by version: {medians}")

    scored = [r for r in figures["scores"] if r["n_scored"]]
    if scored:
        means = " · ".join(
            f"{r['agent_version_name'] or '(no version)'} "
            + with_ci(fmt_num(r["mean"]), fmt_num(r["mean_low"]), fmt_num(r["mean_high"]))
            for r in scored
        )
        lines.append(f"{_label('scores')}mean grader score {means}")
        lines += [f"{_label('')}{c['verdict']}" for c in figures["comparisons"]["grader_score"]]

    lines += [f"{_label('cost')}{line}" for line in cost_lines(figures)]

    agreement = figures["agreement"]
    if agreement and agreement["n_reviewed"]:
        reviewed, approved = fmt_count(agreement["n_reviewed"]), fmt_pct(agreement["approval_rate"])
        pairs, agree = plural(agreement["n_pairs"], "verdict"), fmt_pct(agreement["agreement_rate"])
        lines.append(
            f"{_label('reviews')}{reviewed} reviewed, {approved} approved; "
            f"agent and reviewers agree on {agree} of {pairs}"
        )
        coefficients = " · ".join(
            f"{name} "
            + with_ci(coef_text(agreement, key), fmt_coef(agreement[f"{key}_low"]), fmt_coef(agreement[f"{key}_high"]))
            for name, key in (("kappa", "cohen_kappa"), ("AC1", "gwet_ac1"), ("PABAK", "pabak"))
        )
        lines.append(f"{_label('')}{coefficients}")
    inter = figures["inter_reviewer"]
    if inter and inter["n_items"]:
        alpha = with_ci(
            fmt_coef(inter["krippendorff_alpha"]), fmt_coef(inter["alpha_low"]), fmt_coef(inter["alpha_high"])
        )
        items = plural(inter["n_items"], "input")
        lines.append(f"{_label('reviewers')}Krippendorff's alpha {alpha} on {items} reviewed more than once")
    return "\n".join(lines)
