"""Table formatting: each column reads in its unit, intervals beside their estimate, the frame untouched."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis._text import fmt_ms, fmt_num
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError, MissingColumnsError
from roe_analysis.widgets import format_table


def _row(frame: pl.DataFrame, i: int = 0) -> dict[str, object]:
    return format_table(frame).row(i, named=True)


def test_a_duration_summary_reads_in_one_unit_per_column_with_its_intervals(frames: JobFrames) -> None:
    summary = ra.duration_summary(frames)
    shown = format_table(summary.select("agent_version_name", "n", "mean_ms", "p50", "p50_low", "p50_high", "too_few"))
    assert shown.columns == ["Agent version", "Jobs", "Mean", "p50 (CI)", "Too few"]
    assert shown.to_dicts() == [
        {"Agent version": "v1.0", "Jobs": "443", "Mean": "59.0 s", "p50 (CI)": "51.1 s (46.3–55.3 s)", "Too few": "no"},
        {"Agent version": "v1.1", "Jobs": "433", "Mean": "46.8 s", "p50 (CI)": "37.8 s (35.0–41.0 s)", "Too few": "no"},
        {"Agent version": "v2.0", "Jobs": "420", "Mean": "22.6 s", "p50 (CI)": "20.1 s (18.3–21.9 s)", "Too few": "no"},
        {
            "Agent version": "v2.1-canary",
            "Jobs": "4",
            "Mean": "14.5 s",
            "p50 (CI)": "12.9 s (too few to tell)",
            "Too few": "yes",
        },
    ]
    # the numbers are the frame's, in the unit of the column's median (here seconds): 51,073.5 ms etc.
    assert summary.row(0, named=True)["p50"] == 51073.5
    assert fmt_ms(51073.5) == "51.1 s"
    # one unit per column: p90's median (~1.5 min) puts v2.0's 40.7 s in minutes too
    p90 = format_table(summary.select("mean_ms", "p90"), confidence=0.95)
    assert p90.columns == ["Mean", "p90"]
    assert p90.get_column("p90").to_list() == ["1.7 min", "1.5 min", "0.68 min", "0.34 min"]
    # a bare p90 (no *_ms column beside it) is not known to be a duration: say so with formats=
    alone = format_table(summary.select("p90"), formats={"p90": "duration"})
    assert alone.get_column("p90").to_list() == ["1.7 min", "1.5 min", "0.68 min", "0.34 min"]


def test_a_score_summary_shows_mean_and_pass_rate_with_95_percent_intervals(frames: JobFrames) -> None:
    summary = ra.score_summary(frames, threshold=0.7)
    shown = format_table(summary.select("agent_version_name", "n_scored", "mean", "mean_low", "mean_high",
                                        "pass_rate", "pass_low", "pass_high", "too_few"), confidence=0.95)  # fmt: skip
    assert shown.columns == ["Agent version", "Scored", "Mean (95% CI)", "Pass rate (95% CI)", "Too few"]
    first = summary.row(0, named=True)
    assert shown.row(0, named=True)["Mean (95% CI)"] == "0.669 (0.646–0.692)"
    assert (first["mean"], first["mean_low"], first["mean_high"]) == pytest.approx(
        (0.669444, 0.645732, 0.69152), abs=1e-6
    )
    rate = f"{first['pass_rate'] * 100:.1f}% ({first['pass_low'] * 100:.1f}–{first['pass_high'] * 100:.1f}%)"
    assert shown.row(0, named=True)["Pass rate (95% CI)"] == rate
    # One number of decimals per column, set by its typical value: the canary's 1 reads "1.000".
    assert shown.row(3, named=True)["Mean (95% CI)"] == "1.000 (too few to tell)"


def test_a_comparison_reads_in_its_metric_s_unit_with_signed_differences(frames: JobFrames) -> None:
    columns = ["a", "b", "metric", "n_a", "estimate_a", "estimate_b", "difference", "diff_low", "diff_high",
               "p_value", "interval_confidence"]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = ra.compare_versions(frames, "v1.0", "v2.0").select(columns)
        durations = ra.compare_versions(frames, "v1.0", "v2.0", metric="duration_ms").select(columns)
    shown = format_table(pl.concat([scores, durations]))
    assert shown.columns == [
        "A", "B", "Metric", "n A", "Estimate A", "Estimate B", "Difference (95% CI)", "p-value", "Interval confidence"
    ]  # fmt: skip
    assert shown.to_dicts() == [
        {"A": "v1.0", "B": "v2.0", "Metric": "grader_score", "n A": "372", "Estimate A": "0.669", "Estimate B": "0.890",
         "Difference (95% CI)": "+0.221 (0.193 to 0.249)", "p-value": "< 0.001", "Interval confidence": "95.0%"},
        {"A": "v1.0", "B": "v2.0", "Metric": "duration_ms", "n A": "403", "Estimate A": "51.7 s",
         "Estimate B": "20.4 s", "Difference (95% CI)": "−31.3 s (−36.9 to −26.6 s)", "p-value": "< 0.001",
         "Interval confidence": "95.0%"},
    ]  # fmt: skip
    assert durations.row(0, named=True)["difference"] == -31265.5


def test_pass_rate_comparisons_read_in_percent_and_percentage_points() -> None:
    frame = pl.DataFrame(
        {
            "metric": ["pass_rate"],
            "estimate_a": [0.7984],
            "estimate_b": [0.9658],
            "difference": [0.1674],
            "diff_low": [0.1201],
            "diff_high": [0.2172],
            "p_value": [0.0123],
        }
    )
    assert _row(frame) == {
        "Metric": "pass_rate",
        "Estimate A": "79.8%",
        "Estimate B": "96.6%",
        "Difference (CI)": "+16.7 pp (12.0 to 21.7 pp)",
        "p-value": "0.0123",
    }


def test_column_rules_by_name_and_dtype() -> None:
    frame = pl.DataFrame(
        {
            "n_inputs": [1234567],
            "share": [0.5],
            "approval_rate": [0.84215],
            "cohen_kappa": [0.4],
            "delta": [-0.23],
            "p_value": [0.5],
            "score": [46163.0],
            "when": [datetime(2026, 5, 1, 10, 30, 59, tzinfo=UTC)],
            "ok": [True],
            "tags": [["a", "b"]],
            "missing": pl.Series([None], dtype=pl.Float64),
        }
    )
    assert _row(frame) == {
        "Inputs": "1,234,567",
        "Share": "50.0%",
        "Approval rate": "84.2%",
        "Cohen's κ": "0.400",
        "Delta": "−0.230",
        "p-value": "0.500",
        "Score": "46,163",
        "When": "2026-05-01 10:30 UTC",
        "Ok": "yes",
        "Tags": "a, b",
        "Missing": "—",
    }


def test_daily_periods_show_the_date_alone() -> None:
    days = pl.DataFrame({"period_start": [datetime(2026, 4, 2, tzinfo=UTC), datetime(2026, 4, 3, tzinfo=UTC)]})
    assert format_table(days).get_column("Period start").to_list() == ["2026-04-02", "2026-04-03"]


def test_formats_override_the_rules_and_text_is_cut() -> None:
    frame = pl.DataFrame({"wait": [90_000.0], "label": ["x" * 30], "share": [0.5]})
    shown = format_table(frame, formats={"wait": "duration", "share": lambda v: f"{v:.2f}"}, max_chars=10)
    assert shown.row(0, named=True) == {"Wait": "1.5 min", "Label": "xxxxxxxxx…", "Share": "0.50"}


def test_bad_arguments_are_refused_before_formatting() -> None:
    frame = pl.DataFrame({"n": [1]})
    with pytest.raises(ArgumentTypeError, match="table shows a polars DataFrame; got dict"):
        format_table({"n": [1]})  # type: ignore[arg-type]
    with pytest.raises(MissingColumnsError, match=r"^table\(formats=...\): missing column \['m'\]; available"):
        format_table(frame, formats={"m": "count"})
    with pytest.raises(MissingColumnsError, match=r"^table\(columns=...\): missing columns \['m', 'x'\]; available"):
        format_table(frame, columns=["n", "m", "x"])
    with pytest.raises(InvalidArgumentError, match=r"formats\['n'\] must be a callable or one of duration, percent"):
        format_table(frame, formats={"n": "money"})  # type: ignore[dict-item]
    with pytest.raises(InvalidArgumentError, match="max_chars must be a whole number of at least 2; got 0"):
        format_table(frame, max_chars=0)


def test_columns_picks_what_is_shown_while_the_rest_informs_the_format(frames: JobFrames) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = ra.compare_all_versions(frames, metric="duration_ms")
    shown = format_table(pairs, columns=["b", "a", "difference", "p_value_adjusted"])

    # "metric" is not shown, yet the differences read in seconds; their bounds are merged unlisted.
    assert shown.columns == ["B", "A", "Difference (CI)", "Holm-adjusted p"]
    first = pairs.row(0, named=True)
    assert (first["a"], first["b"], first["difference"]) == ("v1.0", "v1.1", -11958.0)
    assert shown.row(0) == ("v1.1", "v1.0", "−12.0 s (−19.6 to −6.8 s)", "< 0.001")
    # a frame.select() without "metric" would have lost the unit: plain signed numbers
    assert _row(pairs.select("difference"))["Difference"] == "−11,958"
    # p90 is a duration because the summary has *_ms columns, though none is shown
    summary = ra.duration_summary(frames)
    assert format_table(summary, columns=["p90"]).get_column("p90 (CI)").to_list() == [
        "1.7 min (1.5–1.9 min)", "1.5 min (1.3–1.8 min)", "0.68 min (0.61–0.73 min)", "0.34 min (too few to tell)"
    ]  # fmt: skip
    # a bound listed beside its estimate is merged; listed alone it is its own column
    assert format_table(summary, columns=["p50", "p50_low"]).columns == ["p50 (CI)"]
    assert format_table(summary, columns=["p50_low"]).to_dicts()[0] == {"p50 low": "46.3 s"}


def test_columns_must_name_the_frame_s_columns_once() -> None:
    frame = pl.DataFrame({"n": [1], "mean": [0.5]})
    with pytest.raises(MissingColumnsError, match=r"^table\(columns=...\): missing column"):
        format_table(frame, columns=["n", "median"])
    with pytest.raises(InvalidArgumentError, match="table: columns lists 'n' more than once"):
        format_table(frame, columns=["n", "mean", "n"])
    with pytest.raises(ArgumentTypeError, match="table: columns must be a list of column names; got 'n'"):
        format_table(frame, columns="n")
    assert ra.widgets.table(frame, columns=["mean"]).__repr__() == "Table('untitled': 1 row × 1 column)"


def test_negative_numbers_read_with_a_true_minus_and_their_intervals_with_to() -> None:
    frame = pl.DataFrame(
        {"bias": [-0.0502], "loa_low": [-0.527], "loa_low_low": [-0.601], "loa_low_high": [-0.452], "r": [-0.25]}
    )
    assert _row(frame) == {"Bias": "−0.0502", "Lower LoA (CI)": "−0.527 (−0.601 to −0.452)", "R": "−0.250"}


def test_an_estimate_known_only_between_bounds_reads_as_its_bounds(frames: JobFrames) -> None:
    frame = pl.DataFrame(
        {
            "cohen_kappa": [None, 0.5, None],
            "cohen_kappa_min": [0.4123, 0.5, None],
            "cohen_kappa_max": [0.4634, 0.5, None],
        }
    )
    assert format_table(frame, columns=["cohen_kappa"]).get_column("Cohen's κ").to_list() == [
        "between 0.412 and 0.463",
        "0.500",
        "—",
    ]
    # The demo agent: rejections without a correction leave kappa to its bounds in every version.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = ra.agreement_summary(ra.review_outcomes(frames), by="agent_version_name")
    shown = format_table(summary, columns=["agent_version_name", "cohen_kappa"], confidence=0.95)
    v1 = summary.filter(pl.col("agent_version_name") == "v1.0").row(0, named=True)
    assert v1["cohen_kappa"] is None
    assert shown.row(0) == ("v1.0", f"between {fmt_num(v1['cohen_kappa_min'])} and {fmt_num(v1['cohen_kappa_max'])}")


def test_a_column_of_numbers_keeps_one_number_of_decimals() -> None:
    frame = pl.DataFrame({"human_score": [0.017, 0.07, 0.251, 1.0], "difference": [0.0924, -0.23, 0.08729, 0.0]})
    shown = format_table(frame)
    assert shown.get_column("Human score").to_list() == ["0.017", "0.070", "0.251", "1.000"]
    # The "+0.0924 / +0.23 / 0.08729": a sign and 3 significant digits each, as the verdicts write them.
    assert shown.get_column("Difference").to_list() == ["+0.0924", "−0.230", "+0.0873", "0"]
    # A value too small for the column's decimals keeps its own digits instead of reading as zero.
    assert format_table(pl.DataFrame({"x": [250.0, 310.0, 0.004]})).get_column("X").to_list() == [
        "250",
        "310",
        "0.004",
    ]


def test_costs_read_in_dollars_with_3_significant_digits_each_and_counts_stay_counts() -> None:
    # Costs of one column span orders of magnitude (the sandbox's v1.1 against v2.0): no shared decimals.
    frame = pl.DataFrame(
        {
            "n_with_cost": [488, 475],
            "mean_cost": [0.0005063852, 0.0861263684],
            "mean_cost_low": [0.00047006, 0.08145809],
            "mean_cost_high": [0.00054382, 0.09143597],
            "total_cost": [0.247116, 40.910025],
            "cost_per_approval": [0.00135778, 0.21645516],
            "too_few": [False, False],
        }
    )
    assert format_table(frame).to_dicts() == [
        {
            "With cost": "488",
            "Mean cost (CI)": "$0.000506 ($0.00047–$0.000544)",
            "Total cost": "$0.247",
            "Cost per approval": "$0.00136",
            "Too few": "no",
        },
        {
            "With cost": "475",
            "Mean cost (CI)": "$0.0861 ($0.0815–$0.0914)",
            "Total cost": "$40.9",
            "Cost per approval": "$0.216",
            "Too few": "no",
        },
    ]


def test_a_comparison_of_costs_reads_in_signed_dollars() -> None:
    frame = pl.DataFrame(
        {
            "metric": ["cost", "cost", "grader_score"],
            "estimate_a": [0.0094623, 0.0005064, 0.755],
            "difference": [-0.0089559, 0.085620, 0.135],
            "diff_low": [-0.0096122, 0.080952, 0.105],
            "diff_high": [-0.0083027, 0.090926, 0.165],
        }
    )
    shown = format_table(frame, columns=["metric", "estimate_a", "difference"])
    assert shown.get_column("Estimate A").to_list() == ["$0.00946", "$0.000506", "0.755"]
    assert shown.get_column("Difference (CI)").to_list() == [
        "−$0.00896 (−$0.00961 to −$0.0083)",
        "+$0.0856 ($0.081 to $0.0909)",
        "+0.135 (0.105 to 0.165)",
    ]
