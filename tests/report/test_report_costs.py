"""The report's cost section, the agent's name in its title and each version's model.

The demo agent as `roe-analysis report` loads it (``demo_full_frames``: results and versions) is
the input; every figure on the page is checked against the helper that computes it, the mean cost
and the cost per success also against plain Python over the sandbox's own results.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import re
from collections import defaultdict
from datetime import datetime

import polars as pl

import roe_analysis as ra
from roe_analysis.frames import JobFrames
from roe_analysis.report import build_report, key_figures, key_figures_text
from roe_analysis.report._costs import NO_RESULTS
from roe_analysis.report._headline import comparison_text
from roe_analysis.report._money import fmt_usd
from roe_analysis.report._overview import NAME_NOTE
from roe_analysis.sandbox import Sandbox

from .test_report import DEMO_CHARTS, Elements, assert_self_contained_and_inert, chart_names, rows_of, section

#: The charts of the cost section, in page order, after every chart of a report without results.
COST_CHARTS = ["cost-per-approval", "cost-comparison", "cost-quality-score", "cost-quality-approval"]
VERSIONS = ["v1.0", "v1.1", "v2.0", "v2.1-canary"]
#: The API's status code of a job that succeeded.
SUCCESS = 3


def header_of(document: str) -> str:
    return document.split("</header>", 1)[0]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --- the cost table ---------------------------------------------------------------------------


def usd_cell(row: dict, name: str, why: str) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if value is None:
        return f"— {why}"
    if low is not None and high is not None:
        return f"{fmt_usd(value)} {fmt_usd(low)}–{fmt_usd(high)}"
    if low is not None:
        return f"{fmt_usd(value)} ≥ {fmt_usd(low)}"
    return f"{fmt_usd(value)} too few to tell" if row["too_few"] else fmt_usd(value)


def test_the_cost_table_shows_cost_summary_for_every_version(demo_full_frames: JobFrames, demo_full_html: str) -> None:
    summary = ra.cost_summary(demo_full_frames)
    models = dict(ra.version_labels(demo_full_frames).select("version_name", "model").iter_rows())

    rows = rows_of(section(demo_full_html, "costs"))

    expected = [
        [
            f"{r['agent_version_name']} {models[r['agent_version_name']] or ''}".strip(),
            f"{r['n_with_cost']:,} of {r['n_jobs']:,} {r['n_inputs']:,} inputs",
            usd_cell(r, "mean_cost", ""),
            usd_cell(r, "p50_cost", ""),
            usd_cell(r, "p95_cost", ""),
            usd_cell(r, "cost_per_success", "no SUCCESS job"),
            usd_cell(r, "cost_per_approval", "no approved verdict"),
            f"{r['mean_input_tokens']:,.0f} / {r['mean_output_tokens']:,.0f}",
        ]
        for r in summary.iter_rows(named=True)
    ]
    assert rows == expected
    assert [r[0].split()[0] for r in rows] == VERSIONS  # the names exactly as the API gives them
    # Fractions of a cent and cents alike keep three significant digits, trailing zeros included.
    assert rows[1] == [
        "v1.1 gpt-4o-mini",
        "488 of 488 268 inputs",
        "$0.000506 $0.000470–$0.000544",
        "$0.000438 $0.000402–$0.000460",
        "$0.00115 $0.00108–$0.00130",
        "$0.000619 $0.000580–$0.000665",
        "$0.00136 $0.00118–$0.00160",
        "2,013 / 341",
    ]
    # The canary has 3 inputs with a cost: every figure says it is too few to tell, none has an interval.
    assert rows[3][2:7] == [f"{c.split()[0]} too few to tell" for c in rows[3][2:7]]
    notes = section(demo_full_html, "costs").split('<ul class="notes">', 1)[1].split("</ul>", 1)[0]
    assert [text_of(li) for li in re.findall(r"<li>(.*?)</li>", notes)] == [
        f"{r['agent_version_name']}: {r['note']}." for r in summary.iter_rows(named=True) if r["note"]
    ]


def test_mean_cost_and_cost_per_success_agree_with_plain_python_over_the_sandbox(
    roe_sandbox: Sandbox, demo_full_html: str
) -> None:
    jobs = {job["id"]: job for job in roe_sandbox.jobs("demo")}
    costs: dict[str, list[float]] = defaultdict(list)
    successes: dict[str, int] = defaultdict(int)
    for result in roe_sandbox.job_results("demo"):
        job = jobs[result["id"]]
        version = job["agent_version_name"]
        if result["cost"] is not None:
            costs[version].append(float(result["cost"]))
            successes[version] += job["status_code"] == SUCCESS

    rows = {r[0].split()[0]: r for r in rows_of(section(demo_full_html, "costs"))}

    for version in VERSIONS:
        mean = sum(costs[version]) / len(costs[version])
        assert rows[version][2].split()[0] == fmt_usd(mean), version
        assert rows[version][5].split()[0] == fmt_usd(sum(costs[version]) / successes[version]), version


# --- key figures --------------------------------------------------------------------------------


def test_key_figures_carry_the_cost_helpers_outputs(demo_full_frames: JobFrames) -> None:
    figures = key_figures(demo_full_frames)

    summary = ra.cost_summary(demo_full_frames)
    assert figures["costs"] == summary.select(list(figures["costs"][0])).to_dicts()
    for measure in ("grader_score", "approval"):
        rows = figures["cost_quality"][measure]
        assert rows == ra.cost_quality(demo_full_frames, quality=measure).select(list(rows[0])).to_dicts()
    comparisons = ra.compare_all_versions(demo_full_frames, metric="cost")
    assert figures["comparisons"]["cost"] == comparisons.select(list(figures["comparisons"]["cost"][0])).to_dicts()
    assert figures["agent_names"] == {demo_full_frames.query["agent_ids"][0]: "Transaction screening"}


def test_the_cost_key_figure_is_one_exact_line(demo_full_frames: JobFrames) -> None:
    lines = key_figures_text(key_figures(demo_full_frames)).splitlines()

    cost = [line for line in lines if line.startswith("cost:")]
    assert cost == [
        "cost:        v1.1 $0.00051 · v1.0 $0.0095 · v2.0 $0.086 per job "
        "(v2.0 scores highest of these, 170× v1.1's cost); v2.1-canary $0.0081, too few to tell"
    ]
    # The same figures, from the helpers: mean cost per job to two significant digits, cheapest first.
    summary = {r["agent_version_name"]: r for r in ra.cost_summary(demo_full_frames).iter_rows(named=True)}
    assert [fmt_usd(summary[v]["mean_cost"], 2) for v in ("v1.1", "v1.0", "v2.0")] == ["$0.00051", "$0.0095", "$0.086"]
    assert round(summary["v2.0"]["mean_cost"] / summary["v1.1"]["mean_cost"], -1) == 170
    placed = ra.cost_quality(demo_full_frames).filter(pl.col("pareto").is_not_null())
    assert placed.sort("quality").item(-1, "agent_version_name") == "v2.0"
    # It sits after the scores and before the reviews, as the report's sections do.
    starts = [line.split(":")[0] for line in lines if not line.startswith(" ")]
    assert starts.index("scores") < starts.index("cost") < starts.index("reviews")


# --- without results ----------------------------------------------------------------------------


def test_without_results_the_cost_section_says_how_to_add_them(demo_frames: JobFrames, demo_html: str) -> None:
    assert demo_frames.results.height == 0 and not demo_frames.query.get("results")

    figures = key_figures(demo_frames)

    assert section(demo_html, "costs") == f'<h2>Cost</h2><p class="empty">{html.escape(NO_RESULTS)}</p>'
    assert chart_names(demo_html) == DEMO_CHARTS
    assert "Cost per job" not in demo_html and "Costs are in US dollars" not in demo_html
    assert figures["costs"] is None and figures["cost_quality"] == {} and "cost" not in figures["comparisons"]
    assert not any(line.startswith("cost:") for line in key_figures_text(figures).splitlines())


def test_results_without_a_single_cost_say_so_instead_of_drawing(generated_at: datetime) -> None:
    frames = JobFrames.from_tables(
        jobs=[{"id": f"j{i}", "agent_version_name": "v1", "status": "SUCCESS"} for i in range(3)],
        query={"results": True},  # loaded, but the endpoint answered for none of the jobs
    )

    body = section(build_report(frames, generated_at=generated_at), "costs")

    assert '<p class="empty">The results give no job a cost: there is nothing to add up.</p>' in body
    assert "v1: too few to tell: no job with a cost; 3 jobs without a result left out." in text_of(body)
    assert "<svg" not in body


# --- the cost–quality front and the comparisons ---------------------------------------------------


def test_the_pareto_front_is_said_in_words_a_reviewer_can_sign(
    demo_full_frames: JobFrames, demo_full_html: str
) -> None:
    body = section(demo_full_html, "costs")
    lists = dict(re.findall(r'<h4>On (.*?)</h4><ul class="front">(.*?)</ul>', body))
    said = {k: [text_of(li) for li in re.findall(r"<li>(.*?)</li>", v)] for k, v in lists.items()}
    score = ra.cost_quality(demo_full_frames)
    approval = ra.cost_quality(demo_full_frames, quality="approval")

    assert list(said) == ["mean grader score", "human approval rate"]
    for frame in (score, approval):
        flags = dict(frame.select("agent_version_name", "pareto").iter_rows())
        assert flags == {"v1.0": False, "v1.1": True, "v2.0": True, "v2.1-canary": None}
    assert score.get_column("pareto_uncertain").to_list() == [False, False, False, None]
    assert said["mean grader score"] == [
        "v1.1 · gpt-4o-mini and v2.0 · o1 are on the Pareto front: no other version is at least as cheap and at "
        "least as good. The 95% intervals settle it for each: every other placed version is clearly costlier or "
        "clearly lower-scoring than it.",
        "From v1.1 · gpt-4o-mini to v2.0 · o1, the mean grader score rises from 0.755 to 0.890 and the mean cost "
        "per job from $0.000506 to $0.0861.",
        "v1.0 is off the front: v1.1 · gpt-4o-mini is cheaper ($0.000506 vs $0.00946 per job) and scores higher "
        "(0.755 vs 0.669), clearly on both (the 95% intervals are apart).",
        "v2.1-canary is not placed: 3 inputs with a cost and 2 with a grader score, too few to tell (10 needed on "
        "each).",
    ]
    # On approval the intervals settle less: v2.0 is on the front, but not clearly more often approved than v1.1.
    assert approval.filter(pl.col("agent_version_name") == "v2.0").item(0, "pareto_uncertain") is True
    assert said["human approval rate"][0].endswith(
        "The 95% intervals settle it for v1.1 · gpt-4o-mini: every other placed version is clearly costlier or "
        "clearly less often approved than it. The 95% intervals do not settle it for v2.0 · o1: it is neither clearly "
        "cheaper nor clearly more often approved than v1.1 · gpt-4o-mini."
    )
    assert said["human approval rate"][2].endswith(
        "on the point estimates; the 95% intervals do not settle it "
        "(no version that does better is clearly cheaper and clearly better)."
    )


def test_cost_comparisons_are_listed_once_in_what_changed_in_dollars(
    demo_full_frames: JobFrames, demo_full_html: str
) -> None:
    listed = demo_full_html.split('<h3 id="what-changed">', 1)[1].split("</section>", 1)[0]
    headings = re.findall(r"<h4>(.*?)</h4>", listed)
    cost = listed.split("<h4>Cost per job</h4>", 1)[1]
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", cost)]
    comparisons = ra.compare_all_versions(demo_full_frames, metric="cost")

    assert headings == ["Grader score", "Duration", "Cost per job"]
    assert items == [comparison_text(row) for row in comparisons.iter_rows(named=True)]
    assert items[0] == (
        "v1.1 is cheaper than v1.0: mean cost per job −$0.00896 (Holm-adjusted 95% CI −$0.00961 to −$0.00830; "
        "Holm p < 0.0001)"
    )
    assert items[1].startswith("v2.0 is more expensive than v1.0: mean cost per job +$0.0767 (")
    assert items[2] == comparisons.item(2, "verdict") and items[2].startswith("too few to tell: ")
    for item in items:
        assert html.unescape(demo_full_html).count(item) == 1, item
    assert 'href="#what-changed"' in section(demo_full_html, "costs")


def test_the_headline_weighs_cost_beside_score_and_speed(demo_full_html: str) -> None:
    headline = html.unescape(re.search(r'<p class="headline" id="headline">(.*?)</p>', demo_full_html).group(1))  # type: ignore[union-attr]

    assert headline == (
        "v2.1-canary (latest) has too few jobs to tell (4 jobs); "
        "v2.0 scores higher than v1.1 (+0.135, Holm p < 0.0001), "
        "is faster (median 20.4 s vs 39.7 s, Holm p < 0.0001), "
        "costs more (mean $0.0861 vs $0.000506 per job, Holm p < 0.0001) "
        "and fails 5.3% of its finished jobs (v1.1: 5.3%); "
        "reviewers approve 85.1% of its verdicts (222 reviews)."
    )


def test_the_full_report_draws_the_cost_charts_after_the_others(demo_full_html: str) -> None:
    assert chart_names(demo_full_html) == DEMO_CHARTS + COST_CHARTS
    assert demo_full_html.count("<svg") == len(DEMO_CHARTS) + len(COST_CHARTS) == 17
    assert_self_contained_and_inert(demo_full_html)
    positions = [
        demo_full_html.index(f'<section id="{s}">') for s in ("scores", "agreement", "costs", "disagreements", "notes")
    ]
    assert positions == sorted(positions)
    assert "Costs are in US dollars as the results endpoint reports them" in section(demo_full_html, "notes")


def test_the_full_report_is_the_same_bytes_but_for_the_generated_line(
    demo_full_frames: JobFrames, demo_full_html: str
) -> None:
    now = build_report(demo_full_frames)

    changed = [
        line
        for line in difflib.unified_diff(demo_full_html.splitlines(), now.splitlines(), lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert len(changed) == 2 and all('<p class="generated">Report generated ' in line for line in changed)


# --- the agent's name and each version's model ------------------------------------------------


def test_the_title_names_the_agent_and_the_block_keeps_its_id(
    demo_full_frames: JobFrames, demo_full_html: str, roe_sandbox: Sandbox
) -> None:
    agent = demo_full_frames.query["agent_ids"][0]
    name = roe_sandbox.versions("demo")[0]["name"]
    header = header_of(demo_full_html)

    assert name == "Transaction screening"
    assert f"<title>Evaluation report: {name}</title>" in demo_full_html
    assert f"<h1>Evaluation report: {name}</h1>" in header
    assert f"<dt>Agent</dt><dd>{name} <code>{agent}</code></dd>" in header
    assert '<p class="name-note">' not in header


def test_without_versions_the_title_names_the_agent_by_id_and_says_why(demo_frames: JobFrames, demo_html: str) -> None:
    agent = demo_frames.query["agent_ids"][0]
    header = header_of(demo_html)

    assert f"<h1>Evaluation report: agent {agent}</h1>" in header
    assert f'<p class="name-note">{html.escape(NAME_NOTE)}</p>' in header
    versions = header.split("<dt>Versions</dt><dd>", 1)[1].split("</dd>", 1)[0]
    # Nothing is said of models the frames were never asked for.
    assert [text_of(li) for li in re.findall(r"<li>(.*?)</li>", versions)] == VERSIONS


def test_each_version_is_shown_with_its_model_and_its_chart_colour(
    demo_full_frames: JobFrames, demo_full_html: str
) -> None:
    versions = header_of(demo_full_html).split("<dt>Versions</dt><dd>", 1)[1].split("</dd>", 1)[0]
    colours = ra.charts.version_colours(demo_full_frames)

    assert [text_of(li) for li in re.findall(r"<li>(.*?)</li>", versions)] == [
        "v1.0 · model not given",  # its engine_config names the model under an older key
        "v1.1 · gpt-4o-mini",
        "v2.0 · o1",
        "v2.1-canary · not in the versions list",  # deleted after its jobs ran
    ]
    assert re.findall(r'class="swatch" style="background-color:(#[0-9A-F]{6})"', versions) == list(colours.values())
    assert list(colours) == VERSIONS
    assert "Also listed by the API, without jobs here: v2.2-draft · gpt-4.1" in versions
    # The charts label versions with their models and keep every version's colour of the other charts.
    svg = demo_full_html.split('data-chart="cost-quality-score">', 1)[1].split("</svg>", 1)[0]
    assert ">v1.1 · gpt-4o-mini</text>" in svg and ">v2.0 · o1</text>" in svg
    assert set(re.findall(r'fill="(#[0-9A-F]{6})"', svg)) == set(colours.values())
    # The names stay as the API gives them everywhere else: the status table's first column.
    statuses = rows_of(section(demo_full_html, "statuses"))
    assert [r[0] for r in statuses[:-1]] == VERSIONS


def test_agent_names_and_models_from_the_server_stay_text(demo_full_frames: JobFrames, generated_at: datetime) -> None:
    name = '</title><script>alert("name")</script>'
    model = '<img src=x onerror="alert(1)">'
    versions = demo_full_frames.versions.with_columns(
        agent_name=pl.lit(name),
        model=pl.when(pl.col("version_name") == "v1.1").then(pl.lit(model)).otherwise(pl.col("model")),
    )
    frames = dataclasses.replace(demo_full_frames, versions=versions)

    document = build_report(frames, generated_at=generated_at)

    assert_self_contained_and_inert(document)
    assert {"script", "img"}.isdisjoint(tag for tag, _ in Elements(document).tags)
    escaped = html.escape(name)
    assert f"<title>Evaluation report: {escaped}</title>" in document
    assert f"<h1>Evaluation report: {escaped}</h1>" in document
    assert f'v1.1<span class="model"> · {html.escape(model)}</span>' in document
    assert f'v1.1<span class="sub">{html.escape(model)}</span>' in section(document, "costs")
    # Vega escapes the label in the chart's legend and marks, and the page checks it did.
    svg = document.split('data-chart="cost-quality-score">', 1)[1].split("</svg>", 1)[0]
    assert f"Version: v1.1 · {html.escape(model)};" in svg
    assert ">v1.1 · &lt;img src=x onerror=" in svg  # the legend, cut to its width
    assert name not in document and model not in document
