"""The report: key figures equal the helpers' outputs, the HTML is self-contained, safe and stable."""

from __future__ import annotations

import difflib
import html
import json
import re
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

import roe_analysis as ra
from roe_analysis._schema import STATUS_NAMES
from roe_analysis._text import fmt_ms, fmt_pct
from roe_analysis.analysis import AgreementWarning, wilson_interval
from roe_analysis.frames import JobFrames
from roe_analysis.report import build_report, key_figures, key_figures_text
from roe_analysis.report._analyses import observed_at
from roe_analysis.report._overview import NAME_NOTE
from roe_analysis.sandbox import Sandbox

Loader = Callable[[Sandbox, str], JobFrames]

#: The charts of a report on data with several versions, reviews and both scores, in page order.
DEMO_CHARTS = [
    "failure-rate",
    "failure-trend",
    "duration-histogram",
    "duration-ecdf",
    "duration-trend",
    "status-time",
    "duration-comparison",
    "score-by-version",
    "score-comparison",
    "agreement-intervals",
    "confusion-heatmap",
    "reviewer-bars",
    "grader-vs-human",
]
RUNNING = ["PENDING", "STARTED", "RETRY"]
DURATION_KEYS = ["n", "n_finished", "n_running", "n_measured", "mean_ms"] + [
    f"{q}{s}" for q in ("p50", "p90") for s in ("", "_low", "_high")
]
COMPARISON_KEYS = [
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
]


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, as the browser's tokenizer sees them."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def chart_names(document: str) -> list[str]:
    return re.findall(r'<figure class="chart[^"]*" id="chart-[^"]+" data-chart="([^"]+)">', document)


def assert_self_contained_and_inert(document: str) -> None:
    """No script, no handler, nothing fetched: every URL-bearing attribute stays inside the page."""
    lowered = document.lower()
    assert "<script" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert "@import" not in lowered and "@font-face" not in lowered
    assert re.findall(r"url\((?!#)", lowered) == []
    for tag, attrs in Elements(document).tags:
        assert tag not in {"script", "img", "iframe", "object", "embed", "link", "foreignobject"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "xlink:href", "src", "action", "formaction"}:
                assert value is not None and value.startswith("#"), (tag, name, value)


def section(document: str, name: str) -> str:
    """The body of the report's ``<section id=name>``."""
    return document.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def subset(frames: JobFrames, ids: list[str]) -> JobFrames:
    """``frames`` cut to the jobs ``ids``, every frame alike (as a filter in a notebook would)."""
    keep = pl.Series(ids, dtype=pl.String).implode()
    return JobFrames(
        frames.jobs.filter(pl.col("id").is_in(keep)),
        *(f.filter(pl.col("job_id").is_in(keep)) for f in (frames.status_events, frames.inputs, frames.metadata)),
        frames.query,
    )


def cells(table_row: str) -> list[str]:
    """The text of each cell of one ``<tr>``, its small print after a space."""
    texts = (re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table_row))
    return [" ".join(html.unescape(t).split()) for t in texts]


def rows_of(table: str) -> list[list[str]]:
    """The cells of every body row of the first table in ``table``."""
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body)]


# --- key figures --------------------------------------------------------------------------------


def test_key_figures_equal_the_helpers_own_outputs(demo_frames: JobFrames) -> None:
    frames = demo_frames
    jobs = frames.jobs

    result = key_figures(frames)

    assert result["library_version"] == ra.__version__
    assert result["agents"] == frames.query["agent_ids"]
    assert result["versions"] == ["v1.0", "v1.1", "v2.0", "v2.1-canary"]
    assert result["jobs"] == jobs.height == 1500
    first, last = jobs.select(pl.col("created_at").min().alias("a"), pl.col("created_at").max().alias("b")).row(0)
    assert result["window"] == {
        "first_created_at": first.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "last_created_at": last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert result["freshness"] == {"fetched_at": frames.query["fetched_at"], "snapshot_created_at": None}
    assert result["statuses"] == dict(jobs.get_column("status").cast(pl.String).value_counts().iter_rows())
    order = list(STATUS_NAMES.values())
    assert list(result["statuses"]) == [s for s in order if s in result["statuses"]]

    finished = jobs.filter(~pl.col("status").is_in(RUNNING))
    # Served from cache counts as delivering a result.
    n_success = finished.filter(pl.col("status").is_in(["SUCCESS", "CACHED"])).height
    n_cached = finished.filter(pl.col("status") == "CACHED").height
    assert (n_success, n_cached, finished.height) == (1389, 200, 1491)
    low, high = wilson_interval(pl.lit(n_success), pl.lit(finished.height))
    expected_low, expected_high = pl.select(low.alias("l"), high.alias("h")).row(0)
    assert result["success"] == {
        "n_success": n_success,
        "n_cached": n_cached,
        "n_finished": finished.height,
        "rate": n_success / finished.height,
        "low": expected_low,
        "high": expected_high,
    }
    assert (expected_low, expected_high) == pytest.approx(
        proportion_confint(n_success, finished.height, method="wilson"), abs=1e-12
    )

    overall = ra.duration_summary(frames, by=(), quantiles=(0.5, 0.9), include_cached=False).row(0, named=True)
    assert result["duration"] == {k: overall[k] for k in DURATION_KEYS}
    by_version = ra.duration_summary(frames, quantiles=(0.5, 0.9), include_cached=False)
    assert result["duration_by_version"] == by_version.select("agent_version_name", *DURATION_KEYS).to_dicts()

    keys = list(result["scores"][0])
    assert "n_inputs" in keys and "design_effect" in keys
    scores = ra.score_summary(frames).select(keys).to_dicts()
    assert result["scores"] == scores
    assert [r["median"] for r in result["scores"]] == ra.score_summary(frames).get_column("median").to_list()
    assert result["threshold"] is None and "pass_rate" not in result["comparisons"]

    assert result["comparisons"]["grader_score"] == ra.compare_all_versions(frames).select(COMPARISON_KEYS).to_dicts()
    assert (
        result["comparisons"]["duration_ms"]
        == ra.compare_all_versions(frames, metric="duration_ms").select(COMPARISON_KEYS).to_dicts()
    )
    assert result["agreement"] == ra.agreement_summary(frames, by=None).row(0, named=True)
    assert result["inter_reviewer"] == ra.inter_reviewer_agreement(frames, by=None).row(0, named=True)
    # The seeded data is as messy as production's: each of its review oddities gets one note.
    assert [note.split(" ")[0] for note in result["notes"]] == ["Verdict", "7", "39", "Cohen's", "One"]
    assert "merged into one label" in result["notes"][0] and "contradictory" in result["notes"][1]
    assert "v2.1-canary" in result["notes"][3] and "v2.1-canary" in result["notes"][4]
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_a_threshold_adds_pass_rates_and_their_comparisons(demo_frames: JobFrames) -> None:
    result = key_figures(demo_frames, threshold=0.8)

    expected = ra.score_summary(demo_frames, threshold=0.8)
    assert [r["pass_rate"] for r in result["scores"]] == expected.get_column("pass_rate").to_list()
    assert [r["pass_low"] for r in result["scores"]] == expected.get_column("pass_low").to_list()
    assert result["threshold"] == 0.8
    assert (
        result["comparisons"]["pass_rate"]
        == ra.compare_all_versions(demo_frames, metric="pass_rate", threshold=0.8).select(COMPARISON_KEYS).to_dicts()
    )


def test_key_figures_text_is_a_dozen_rounded_lines_with_units(demo_frames: JobFrames) -> None:
    figures = key_figures(demo_frames)

    text = key_figures_text(figures)

    lines = text.splitlines()
    assert 10 <= len(lines) <= 16
    assert lines[0] == f"agent:       {figures['agents'][0]} (versions v1.0, v1.1, v2.0, v2.1-canary)"
    success = figures["success"]
    assert f"{success['rate']:.1%} (95% CI {success['low'] * 100:.1f}–{success['high']:.1%})" in text
    assert f"of {success['n_finished']:,} finished jobs" in text
    assert f"p50 {figures['duration']['p50'] / 1000:.1f} s" in text
    for comparison in figures["comparisons"]["grader_score"]:
        assert comparison["verdict"] in text
    agreement = figures["agreement"]
    # Three labels and rejections without a correction: kappa is known only between exact bounds.
    assert agreement["cohen_kappa"] is None
    assert f"kappa {agreement['cohen_kappa_min']:.2f} to {agreement['cohen_kappa_max']:.2f} (bounds)" in text
    # AC1's bounds agree to two decimals on the demo: one value, not a zero-width range.
    assert f"{agreement['gwet_ac1_min']:.2f}" == f"{agreement['gwet_ac1_max']:.2f}"
    assert f"AC1 {agreement['gwet_ac1_min']:.2f} (every placement)" in text
    assert f"PABAK {agreement['pabak']:.2f}" in text
    assert f"Krippendorff's alpha {figures['inter_reviewer']['krippendorff_alpha']:.2f}" in text
    assert f"roe-analysis {ra.__version__}" in text


def test_an_agent_without_jobs_gives_empty_figures_and_a_report_that_says_so(
    roe_sandbox: Sandbox, load_agent: Loader, generated_at: datetime
) -> None:
    frames = load_agent(roe_sandbox, "empty")

    figures = key_figures(frames)
    document = build_report(frames, generated_at=generated_at)

    assert figures["agents"] == [roe_sandbox.agents["empty"]]
    assert figures["jobs"] == 0 and figures["versions"] == [] and figures["statuses"] == {}
    assert figures["window"] == {"first_created_at": None, "last_created_at": None}
    assert figures["success"] == {
        "n_success": 0,
        "n_cached": 0,
        "n_finished": 0,
        "rate": None,
        "low": None,
        "high": None,
    }
    assert figures["duration"] is None and figures["duration_by_version"] == []
    # No jobs, so nothing is missing: the cost helpers answer with empty frames, not a request for results.
    assert figures["scores"] == [] and figures["comparisons"] == {"grader_score": [], "duration_ms": [], "cost": []}
    assert figures["costs"] == [] and figures["agent_names"] == {}
    assert figures["agreement"] is None and figures["inter_reviewer"] is None
    assert key_figures_text(figures).splitlines()[1] == "jobs:        0"
    assert "<svg" not in document and chart_names(document) == []
    for section in ("key-figures", "durations", "scores", "agreement", "costs"):
        body = document.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
        assert '<p class="empty">No jobs' in body, section
    assert_self_contained_and_inert(document)


def test_small_agents_get_the_sections_their_data_allows(
    roe_sandbox: Sandbox, load_agent: Loader, demo_frames: JobFrames, generated_at: datetime
) -> None:
    single = load_agent(roe_sandbox, "single")
    one_version = subset(
        demo_frames, demo_frames.jobs.filter(pl.col("agent_version_name") == "v2.0").get_column("id").to_list()
    )
    headlines = []

    for frames in (single, one_version):
        document = build_report(frames, generated_at=generated_at)
        names = chart_names(document)
        assert document.count("<svg") == len(names) > 0
        assert "duration-comparison" not in names and "score-comparison" not in names
        assert "Only one agent version: nothing to compare." in document
        assert "What changed between versions" not in document
        headlines.append(re.search(r'<p class="headline" id="headline">(.*?)</p>', document).group(1))  # type: ignore[union-attr]
        assert_self_contained_and_inert(document)
    assert headlines[1] == (
        "v2.0 is the only version (484 jobs): there is nothing to compare; "
        "reviewers approve 85.1% of its verdicts (222 reviews)."
    )
    assert re.fullmatch(r"\S+ is the only version \([\d,]+ jobs?\): there is nothing to compare(; .*)?\.", headlines[0])


def test_helper_warnings_become_escaped_notes_instead_of_leaking(
    roe_sandbox: Sandbox, load_agent: Loader, generated_at: datetime
) -> None:
    frames = load_agent(roe_sandbox, "small")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figures = key_figures(frames)
        document = build_report(frames, generated_at=generated_at)

    assert [w for w in caught if issubclass(w.category, AgreementWarning)] == []
    assert any("kappa is deflated by skewed prevalence" in note for note in figures["notes"])
    notes = document.split('<section id="notes">', 1)[1]
    for note in figures["notes"]:
        assert f"<li>{html.escape(note)}</li>" in notes


# --- the HTML -----------------------------------------------------------------------------------


def test_the_demo_report_is_self_contained_with_one_inline_svg_per_chart(
    demo_html: str, demo_frames: JobFrames, roe_sandbox: Sandbox
) -> None:
    assert demo_html.startswith("<!DOCTYPE html>\n")
    assert_self_contained_and_inert(demo_html)
    assert chart_names(demo_html) == DEMO_CHARTS
    assert demo_html.count("<svg") == len(DEMO_CHARTS)
    assert """<meta http-equiv="Content-Security-Policy" content="default-src 'none';""" in demo_html
    assert roe_sandbox.api_key not in demo_html
    assert "Bearer" not in demo_html and roe_sandbox.base_url not in demo_html


def test_the_title_block_names_agent_window_freshness_and_library(demo_html: str, demo_frames: JobFrames) -> None:
    header = demo_html.split("</header>", 1)[0]
    agent = demo_frames.query["agent_ids"][0]
    fetched = datetime.fromisoformat(demo_frames.query["fetched_at"].replace("Z", "+00:00"))

    assert f"<h1>Evaluation report: agent {agent}</h1>" in header
    # Loaded without versions: the agent's name is unknown (see test_report_costs.py for the name).
    assert f'<p class="name-note">{html.escape(NAME_NOTE)}</p>' in header
    assert f"<code>{agent}</code>" in header
    assert "2026-04-02 05:00 UTC → 2026-06-01 11:59 UTC" in header
    assert f"fetched {fetched:%Y-%m-%d %H:%M} UTC" in header
    assert f"roe-analysis {ra.__version__}" in header
    assert '<p class="generated">Report generated 2026-06-01 12:00:00 UTC</p>' in header
    key_figures_section = demo_html.split('<section id="key-figures">', 1)[1].split("</section>", 1)[0]
    assert "Success rate" in key_figures_section and "Krippendorff" in key_figures_section


def test_every_section_is_there_in_order(demo_html: str) -> None:
    positions = [
        demo_html.index(f'<section id="{s}">')
        for s in (
            "key-figures",
            "statuses",
            "failures",
            "durations",
            "scores",
            "agreement",
            "costs",
            "disagreements",
            "notes",
        )
    ]
    assert positions == sorted(positions)
    for heading in ("The 10 slowest finished jobs", "Drift: mean grader score per period (1w)", "Reviewers"):
        assert heading in demo_html
    assert "Between reviewers: Krippendorff's alpha" in demo_html
    assert "Grader and human scores furthest apart" in demo_html
    assert "Verdicts reviewers corrected, highest grader score first" in demo_html


def test_job_data_shows_as_text_and_never_runs(
    roe_sandbox: Sandbox, load_agent: Loader, generated_at: datetime
) -> None:
    sb = roe_sandbox
    job = sb.special_job_ids["html_injection"]
    # Make the job the largest grader/human gap and a corrected verdict, so both disagreement tables
    # show its inputs and agent output; hostile text also reaches the charts as a reviewer and a label.
    sb.evaluate(job, human_score=0.0)
    sb.review(
        job,
        status="rejected",
        corrected_verdict="<b>Suspicious</b>",
        reviewed_by='"><script>alert(2)</script>',
        review_comment="<img src=x onerror=alert(3)>",
    )
    frames = load_agent(sb, "demo")

    document = build_report(frames, generated_at=generated_at)

    assert_self_contained_and_inert(document)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "customer_note: Please review &lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "rationale: Input contained &lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "&lt;img src=x onerror=alert(3)&gt;" in document
    assert "&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in document
    assert "&lt;b&gt;Suspicious&lt;/b&gt;" in document and "<b>Suspicious</b>" not in document
    tags = {tag for tag, _ in Elements(document).tags}
    assert {"b", "img", "script"}.isdisjoint(tags)
    assert sb.api_key not in document


def test_the_same_frames_give_the_same_bytes_but_for_the_generated_line(demo_frames: JobFrames, demo_html: str) -> None:
    now = build_report(demo_frames)  # generated now, not at the fixed instant of demo_html

    changed = [
        line
        for line in difflib.unified_diff(demo_html.splitlines(), now.splitlines(), lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert len(changed) == 2
    assert all('<p class="generated">Report generated ' in line for line in changed)


def test_generated_at_must_be_timezone_aware(demo_frames: JobFrames) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_report(demo_frames, generated_at=datetime(2026, 6, 1))


def test_a_threshold_and_a_title_show_in_the_page(
    roe_sandbox: Sandbox, load_agent: Loader, generated_at: datetime
) -> None:
    frames = load_agent(roe_sandbox, "small")

    document = build_report(frames, title="Q2 <review>", threshold=0.8, generated_at=generated_at)

    assert "<title>Q2 &lt;review&gt;</title>" in document and "<h1>Q2 &lt;review&gt;</h1>" in document
    assert "name not known" not in document  # a title of one's own needs no note about the agent's name
    assert '<th class="num">Pass rate</th>' in document
    assert "a score passes at 0.800 or above" in document
    assert "Pass/fail kappa" in document


def test_a_snapshot_report_says_when_the_snapshot_was_written(
    roe_sandbox: Sandbox, load_agent: Loader, tmp_path: Path, generated_at: datetime
) -> None:
    frames = load_agent(roe_sandbox, "small")
    loaded = JobFrames.load(frames.save(tmp_path / "snap"))

    figures = key_figures(loaded)
    document = build_report(loaded, generated_at=generated_at)

    written = loaded.query["snapshot"]["created_at"]
    assert figures["freshness"] == {"fetched_at": frames.query["fetched_at"], "snapshot_created_at": written}
    stamp = datetime.fromisoformat(written.replace("Z", "+00:00"))
    assert f"snapshot written {stamp:%Y-%m-%d %H:%M} UTC" in document
    assert str(tmp_path) not in document


def test_generated_at_defaults_to_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    document = build_report(ra.JobFrames.empty())
    stamp = re.search(r"Report generated (\S+ \S+) UTC", document)
    assert stamp is not None
    assert datetime.fromisoformat(stamp.group(1)).replace(tzinfo=UTC) >= before


def test_running_jobs_count_in_the_median_as_running_until_the_data_was_fetched(demo_frames: JobFrames) -> None:
    from roe_analysis.report._analyses import analyse, observed_at

    server_times = [a["server_time"] for a in demo_frames.query["agents"]]
    now = observed_at(demo_frames)
    assert now == max(datetime.fromisoformat(t) for t in server_times)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AgreementWarning)
        analyses = analyse(demo_frames)
    assert analyses.now == now
    expected = ra.duration_summary(ra.job_durations(demo_frames, now=now), quantiles=(0.5, 0.9))
    assert analyses.duration_by_version.select("agent_version_name", "n_censored", "km_median_ms").rows() == (
        expected.select("agent_version_name", "n_censored", "km_median_ms").rows()
    )
    # The demo's v2.0 and canary have running jobs: their medians counting them are above p50.
    censored = analyses.duration_by_version.filter(pl.col("n_censored") > 0)
    assert censored.get_column("agent_version_name").to_list() == ["v2.0", "v2.1-canary"]
    assert (censored.get_column("km_median_ms") > censored.get_column("p50")).all()


def test_the_duration_table_shows_the_median_counting_running_jobs(demo_html: str, demo_frames: JobFrames) -> None:
    from roe_analysis.report._analyses import observed_at
    from roe_analysis.report._figures import fmt_ms

    assert demo_html.count('<th class="num">Median, running jobs counted</th>') == 1
    summary = ra.duration_summary(ra.job_durations(demo_frames, now=observed_at(demo_frames)))
    for version, km, censored in summary.select("agent_version_name", "km_median_ms", "n_censored").rows():
        last = f'<td class="num">{fmt_ms(km) if censored else "—"}</td></tr>'
        durations = section(demo_html, "durations")
        assert re.search(rf"<tr><td>{re.escape(version)}</td>.*?</tr>", durations).group(0).endswith(last)  # type: ignore[union-attr]


def test_now_must_be_timezone_aware_and_not_before_a_running_job(demo_frames: JobFrames) -> None:
    with pytest.raises(ValueError, match=r"now must be a timezone-aware datetime; .*add tzinfo=UTC"):
        build_report(demo_frames, now=datetime(2026, 6, 1))
    with pytest.raises(
        TypeError, match=r"now must be a timezone-aware datetime, e\.g\. datetime\.now\(UTC\); got '2026'"
    ):
        build_report(demo_frames, now="2026")  # type: ignore[arg-type]
    from roe_analysis.report._analyses import analyse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AgreementWarning)
        early = analyse(demo_frames, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert early.now is None
    assert early.duration_by_version.get_column("n_censored").to_list() == [0, 0, 0, 0]
    assert any(n.startswith("Jobs still running are left out of the medians that count them: ") for n in early.notes)


def test_grader_against_human_shows_every_interval_and_too_few_comparisons_are_not_drawn(
    demo_html: str, demo_frames: JobFrames
) -> None:
    from roe_analysis.report._figures import fmt_coef, fmt_num

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AgreementWarning)
        row = ra.score_agreement(demo_frames, by=None).row(0, named=True)
    expected = (
        f'<td class="num">{fmt_coef(row["pearson"])}<span class="sub">'
        f"{fmt_coef(row['pearson_low'])}–{fmt_coef(row['pearson_high'])}</span></td>"
    )
    assert expected in demo_html
    # Signed bounds (limits of agreement are differences): "−0.491 to −0.402 · +0.494 to +0.582".
    assert row["loa_low_low"] < 0 and row["loa_low_high"] < 0 < row["loa_high_low"]
    limits = f"−{fmt_num(-row['loa_low_low'])} to −{fmt_num(-row['loa_low_high'])} · +{fmt_num(row['loa_high_low'])}"
    assert limits in demo_html
    # v2.1-canary's comparisons are too few to tell: listed as bullets, left out of the charts.
    scores = ra.compare_all_versions(demo_frames)
    assert scores.filter(pl.col("too_few")).height == 3
    chart = demo_html.split('data-chart="score-comparison"')[1].split("</figure>", maxsplit=1)[0]
    assert "v2.1-canary" not in chart
    assert "too few to tell: v2.0 has 240 inputs and v2.1-canary has 2 inputs" in demo_html


# --- what a person reads first: the headline, the comparisons once, statuses, failures ---------


def test_the_headline_says_first_what_the_comparisons_found(demo_html: str, demo_frames: JobFrames) -> None:
    headline = html.unescape(re.search(r'<p class="headline" id="headline">(.*?)</p>', demo_html).group(1))  # type: ignore[union-attr]

    # v2.1-canary is the latest version but has 4 jobs: the sentence names it, then speaks of v2.0 against v1.1.
    scores = ra.compare_all_versions(demo_frames).filter((pl.col("a") == "v1.1") & (pl.col("b") == "v2.0"))
    speed = ra.compare_all_versions(demo_frames, metric="duration_ms").filter(
        (pl.col("a") == "v1.1") & (pl.col("b") == "v2.0")
    )
    durations = ra.job_durations(demo_frames, now=observed_at(demo_frames))
    failures = {r["agent_version_name"]: r for r in ra.failure_summary(durations).iter_rows(named=True)}
    review = ra.agreement_summary(demo_frames).filter(pl.col("agent_version_name") == "v2.0").row(0, named=True)
    assert scores.item(0, "difference") == pytest.approx(0.135, abs=5e-4) and scores.item(0, "p_value_adjusted") < 1e-4
    assert (fmt_ms(speed.item(0, "estimate_b")), fmt_ms(speed.item(0, "estimate_a"))) == ("20.4 s", "39.7 s")
    assert speed.item(0, "p_value_adjusted") < 1e-4 and speed.item(0, "difference") < 0
    assert (failures["v2.0"]["failures"], failures["v2.0"]["n"], failures["v1.1"]["failures"]) == (25, 476, 26)
    assert (review["n_reviewed"], round(review["approval_rate"], 3)) == (222, 0.851)
    assert headline == (
        "v2.1-canary (latest) has too few jobs to tell (4 jobs); "
        "v2.0 scores higher than v1.1 (+0.135, Holm p < 0.0001), "
        "is faster (median 20.4 s vs 39.7 s, Holm p < 0.0001) "
        "and fails 5.3% of its finished jobs (v1.1: 5.3%); "
        "reviewers approve 85.1% of its verdicts (222 reviews)."
    )
    # It comes before everything but the title, so it is the first thing read.
    assert demo_html.index('id="headline"') < demo_html.index('<dl class="meta">') < demo_html.index("key-figures")


def test_with_too_few_jobs_the_headline_says_so_and_hostile_error_messages_stay_text(
    demo_frames: JobFrames, generated_at: datetime
) -> None:
    jobs = demo_frames.jobs.sort("created_at", "id")
    ids = [
        *jobs.filter(pl.col("agent_version_name") == "v1.0").head(5).get_column("id"),
        *jobs.filter((pl.col("agent_version_name") == "v1.1") & (pl.col("status") == "FAILURE"))
        .head(1)
        .get_column("id"),
    ]
    few = subset(demo_frames, ids)
    hostile = '<img src=x onerror="alert(1)"> & </td></table><script>alert(2)</script>'
    events = few.status_events.with_columns(
        error_message=pl.when(pl.col("status").cast(pl.String) == "FAILURE")
        .then(pl.lit(hostile))
        .otherwise(pl.col("error_message"))
    )
    few = JobFrames(few.jobs, events, few.inputs, few.metadata, few.query)

    document = build_report(few, generated_at=generated_at)

    headline = html.unescape(re.search(r'<p class="headline" id="headline">(.*?)</p>', document).group(1))  # type: ignore[union-attr]
    assert headline == (
        "Too few jobs to tell the versions apart: v1.0 has 5 jobs and v1.1 has 1 job; "
        "each comparison needs more inputs per version."
    )
    failures = section(document, "failures")
    messages = failures.split("The most common error messages", 1)[1]
    assert rows_of(messages)[0][:3] == [" ".join(hostile.split()), "1", "100.0%"]
    assert html.escape(hostile) in messages
    assert_self_contained_and_inert(document)


def test_each_comparison_is_listed_once_in_what_changed(demo_html: str, demo_frames: JobFrames) -> None:
    listed = demo_html.split('<h3 id="what-changed">What changed between versions</h3>', 1)[1].split("</section>", 1)[0]
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", listed)]
    scores = ra.compare_all_versions(demo_frames)
    speed = ra.compare_all_versions(demo_frames, metric="duration_ms")

    assert re.findall(r"<h4>(.*?)</h4>", listed) == ["Grader score", "Duration"]
    assert len(items) == scores.height + speed.height == 12
    for row, item in zip([*scores.iter_rows(named=True), *speed.iter_rows(named=True)], items, strict=True):
        if row["too_few"]:
            assert item == row["verdict"]
        else:
            assert item.startswith(f"{row['b']} is ")
            assert f"than {row['a']}: " in item and "Holm-adjusted" in item and "Holm p < 0.0001" in item
    first = "mean grader score +0.0855 (Holm-adjusted 95% CI +0.0541 to +0.117; Holm p < 0.0001)"
    assert items[0] == f"v1.1 is higher than v1.0: {first}"
    seventh = "median duration −12.0 s (Holm-adjusted 95% CI −19.6 s to −6.8 s; Holm p < 0.0001)"
    assert items[6] == f"v1.1 is faster than v1.0: {seventh}"
    # Each finding is on the page once: the score and duration sections point to the list instead.
    for item in items:
        assert html.unescape(demo_html).count(item) == 1, item
    for name in ("durations", "scores"):
        assert 'href="#what-changed"' in section(demo_html, name)
        assert '<ul class="verdicts">' not in section(demo_html, name)


def test_status_by_version_counts_every_job_with_its_share(demo_html: str, demo_frames: JobFrames) -> None:
    table = section(demo_html, "statuses")
    counts = demo_frames.jobs.group_by("agent_version_name", "status").len()
    header = cells(re.search(r"<thead><tr>(.*?)</tr></thead>", table).group(1))  # type: ignore[union-attr]
    statuses = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "CANCELLED", "CACHED"]

    assert header == ["Version", *statuses, "Jobs"]
    rows = rows_of(table)
    assert [r[0] for r in rows] == ["v1.0", "v1.1", "v2.0", "v2.1-canary", "all versions"]
    for row in rows:
        version = row[0]
        mine = counts if version == "all versions" else counts.filter(pl.col("agent_version_name") == version)
        total = int(mine.get_column("len").sum())
        assert row[-1] == f"{total:,}"
        for status, cell in zip(statuses, row[1:-1], strict=True):
            n = int(mine.filter(pl.col("status").cast(pl.String) == status).get_column("len").sum())
            assert cell == f"{n:,} {n / total:.1%}", (version, status)
    assert rows[-1][-1] == "1,500" and rows[2][1:4] == ["3 0.6%", "2 0.4%", "3 0.6%"]


def test_failures_show_rates_with_intervals_a_trend_and_the_commonest_messages(
    demo_html: str, demo_frames: JobFrames
) -> None:
    failures = section(demo_html, "failures")
    durations = ra.job_durations(demo_frames, now=observed_at(demo_frames))
    summary = ra.failure_summary(durations)
    overall = ra.failure_summary(durations, by=None).row(0, named=True)
    rates = rows_of(failures)

    def pct(rate: float, low: float | None, high: float | None) -> str:
        return fmt_pct(rate) if low is None else f"{fmt_pct(rate)} {fmt_pct(low).rstrip('%')}–{fmt_pct(high)}"

    expected = [
        [
            r.get("agent_version_name", "all versions"),
            f"{r['n']:,}",
            f"{r['failures']:,}",
            pct(r["failure_rate"], r["failure_rate_low"], r["failure_rate_high"]),
            f"{r['cancelled']:,}",
            pct(r["cancel_rate"], r["cancel_rate_low"], r["cancel_rate_high"]),
            r["note"] or "—",
        ]
        for r in [*summary.iter_rows(named=True), overall]
    ]
    assert rates == expected
    assert rates[0] == ["v1.0", "524", "32", "6.1% 4.4–8.5%", "7", "1.3% 0.6–2.7%", "—"]
    assert rates[3][3] == "0.0%" and rates[3][6].startswith("too few to tell: 3 inputs (need 10)")
    assert rates[-1][:3] == ["all versions", "1,491", "83"]
    assert re.findall(r'data-chart="(failure-[a-z]+)"', failures) == ["failure-rate", "failure-trend"]

    messages = rows_of(failures.split("The most common error messages", 1)[1])
    top = ra.error_messages(demo_frames, top=10)
    assert [m[:3] for m in messages] == [
        [r["message"], f"{r['n_jobs']:,}", fmt_pct(r["share"])] for r in top.iter_rows(named=True)
    ]
    assert messages[0][:4] == ["Output failed schema validation", "26", "31.3%", "v1.0, v1.1, v2.0"]
    assert sum(int(m[1]) for m in messages) == overall["failures"] == 83


def test_counts_read_in_the_singular_and_the_slowest_jobs_are_real_runs(
    demo_html: str, demo_frames: JobFrames, generated_at: datetime
) -> None:
    # The demo's slowest finished jobs are SUCCESS runs, not cancellations that waited in the queue.
    slowest = section(demo_html, "durations").split("The 10 slowest finished jobs</h3>", 1)[1]
    statuses = [row[3] for row in rows_of(slowest)]
    assert statuses == ["SUCCESS"] * 10

    one = demo_frames.jobs.filter(pl.col("status") == "SUCCESS").sort("created_at", "id").head(1).get_column("id")
    document = build_report(subset(demo_frames, one.to_list()), generated_at=generated_at)

    assert "<h3>The slowest finished job</h3>" in document
    assert "1 version<" in document and "SUCCESS or CACHED in 1 finished job<" in document
    assert "over 1 finished job<" in document
    plain = html.unescape(re.sub(r"<[^>]+>", " ", document))
    for wrong in ("1 jobs", "1 inputs", "1 versions", "1 charts", "1 reviews"):
        assert wrong not in plain, wrong
    assert not re.search(r"\w\(s\)", plain)  # "job(s)"; a unit, "Duration (s)", is fine


def test_score_columns_share_one_number_of_decimals_and_differences_carry_their_sign(demo_html: str) -> None:
    gaps = section(demo_html, "disagreements").split("Grader and human scores furthest apart", 1)[1]
    rows = rows_of(gaps.split("</table>", 1)[0])

    assert rows[0][:5] == ["8f6edd5f", "v2.0", "1.00", "0.02", "+0.983"]
    for column, pattern in ((2, r"\d\.\d\d"), (3, r"\d\.\d\d"), (4, r"[+−]\d\.\d\d\d")):
        assert all(re.fullmatch(pattern, row[column]) for row in rows), [row[column] for row in rows]
    # Limits of agreement are differences: both ends read with their sign, and the ASCII hyphen-minus never.
    agreement = section(demo_html, "agreement")
    assert re.search(r"−\d\.\d+ to \+\d\.\d+", agreement)
    assert not re.search(r"(?<![\w-])-\d\.\d", re.sub(r"<[^>]+>", " ", agreement))


def test_the_inputs_of_a_disagreement_get_room_to_read(demo_html: str) -> None:
    part = section(demo_html, "disagreements")
    tables = part.split("<table>")[1:]
    assert len(tables) == 2
    for table in tables:
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])
        # One wide cell per row, the inputs: the column the other short ones squeezed to a few words a line.
        assert [row.count('<td class="long">') for row in rows] == [1] * len(rows)
        headers = cells(re.search(r"<tr>(.*?)</tr>", table)[0])  # type: ignore[index]
        inputs = headers.index("Inputs")
        assert all(re.findall(r"<td[^>]*>", row)[inputs] == '<td class="long">' for row in rows)
    assert "td.long { min-width: 260px; max-width: 440px; overflow-wrap: anywhere; }" in demo_html
