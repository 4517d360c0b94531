# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Cost and quality: what each version costs, and what its quality is worth
#
# The other notebooks ask how long a version takes and how good it is. This one asks **at what
# price**: what a job of each version costs, what a *successful* job and an *approved* verdict cost
# once the failures and the rejections are paid for, where the tokens go, and, putting cost and
# quality side by side, which versions are worth considering at all (the Pareto front) and how far
# the intervals let one trust that answer. It ends with the cost difference between two versions,
# with its test.
#
# **Which cost.** Every figure is the *billed* cost of each job, from the results endpoint
# (`POST /v1/agents/jobs/results/`, loaded by `conn.load(costs=True)` with the versions list, which
# names each version's model). It is not the `cost` an agent may write into its own output
# (`ui_fields.cost`): that is the agent's own estimate, and the sandbox seeds it to differ from the
# bill on every job, because real data has both. Cost is in USD; a cache hit costs what its result
# says (0 in the sandbox), a failure what it spent before failing; a job whose result has no cost
# yet is left out and counted, never taken as 0.
#
# **The unit of evidence is the input**, as everywhere in these notebooks: an input re-run five
# times is one input, so every interval resamples whole inputs with their reruns.
#
# Like every notebook of the series it runs on the bundled sandbox unless `ROE_API_KEY` is set (the
# first output says which), and its text describes the sandbox's seeded data: `v1.0` runs gpt-4o,
# `v1.1` the much cheaper gpt-4o-mini, `v2.0` the reasoning model o1, which scores best and costs
# by far the most; a 4-job canary, `v2.1-canary`, is too small to tell anything.

# %% tags=["parameters"]
AGENT_ID = None  # the agent's UUID; None: the sandbox's demo agent (required with ROE_API_KEY)
SNAPSHOT = None  # a snapshot folder: opened if it exists, written after fetching if not; None: fetch
BASE_URL = None  # your API, e.g. "https://api.<tenant>.roe-ai.com"; None: ROE_BASE_URL or the default
CREATED_FROM = None  # fetch jobs created from this instant, e.g. "2026-05-01T00:00:00Z"; None: all
CREATED_TO = None  # ... up to this instant; None: up to now
VERSIONS = None  # keep only these agent versions, e.g. ["v1.1", "v2.0"]; None: every version
SEED = 0  # the sandbox's seed (ignored with an account)
VERSION_A = None  # baseline of the cost comparison; None: the second newest version
VERSION_B = None  # version compared with it; None: the newest version
QUALITY = "grader_score"  # quality measure the explorer opens on: "grader_score" or "approval"

# %%
from IPython.display import display

import roe_analysis as ra
from roe_analysis import notebook as nb
from roe_analysis import widgets as rw

nb.setup()  # charts as SVG, one-line warnings, fixed table formatting: outputs that do not change

# %%
conn = nb.connect(agent_id=AGENT_ID, base_url=BASE_URL, seed=SEED)
print(conn.description)
frames = conn.load(snapshot=SNAPSHOT, created_from=CREATED_FROM, created_to=CREATED_TO, versions=VERSIONS, costs=True)
# One colour per version, in order of first appearance, for every chart below (as in 01–04);
# labels show each version with its model ("v2.0 · o1") where the versions list names it.
colours = ra.charts.version_colours(frames)
labels = ra.version_labels(frames)
print(conn.loaded_from)

# %% [markdown]
# ## What each version runs
#
# `ra.version_labels` matches each version the jobs name with the versions list, and reads its
# model from the version's engine configuration. The column `version_name` stays the key of every
# table; the label is for display only.
#
# In the sandbox `v1.1` runs gpt-4o-mini and `v2.0` o1. `v1.0` has no model: its engine
# configuration, written by an older engine, calls the field `llm_model`, so no model is read from
# it (it ran gpt-4o). `v2.1-canary` has none either: the version was deleted after its four jobs
# ran, and the versions list no longer has it. `v2.2-draft` is listed but has run no job yet, so
# it appears in no table below.

# %%
display(rw.table(labels, columns=["version_name", "model", "label"]))

# %% [markdown]
# ## What a job costs
#
# `ra.cost_summary` gives, per version, the mean cost per job with its 95% interval (a bootstrap
# over inputs), the median (`p50`) and the 95th percentile (`p95`), each with its own interval, and
# the total (the table below leaves the percentiles' intervals out, to stay one screen wide: they are
# in the frame). The chart draws the mean (dot), its interval (bar) and the median (tick). The costs
# differ by two orders of magnitude, so the cost axis is logarithmic: equal distances are equal
# ratios.
#
# In the sandbox `v1.1` is by far the cheapest, about USD 0.0005 a job; `v1.0` costs about
# USD 0.0095, nearly 19 times as much, and `v2.0` about USD 0.086, some 170 times `v1.1`. The
# intervals are narrow (within about 7% of the mean): with some 270 inputs per version, these costs
# are well known. The canary's mean rests on 3 jobs with a cost, so it has no interval ("too few to
# tell"). The notes under the table say what was left out: 9 `v2.0` jobs and 1 canary job have a
# result but no cost yet (in the sandbox, jobs still running and one success not yet billed); they
# count in `Jobs`, in no cost figure.

# %%
costs = ra.cost_summary(frames)
display(ra.charts.cost_summary(costs, colours=colours, labels=labels))
display(
    rw.table(
        costs.drop("p50_cost_low", "p50_cost_high", "p95_cost_low", "p95_cost_high"),
        columns=[
            "agent_version_name",
            "n_jobs",
            "n_with_cost",
            "n_inputs",
            "mean_cost",
            "mean_cost_low",
            "mean_cost_high",
            "p50_cost",
            "p95_cost",
            "total_cost",
        ],
        confidence=0.95,
    )
)
for version, note in costs.drop_nulls("note").select("agent_version_name", "note").iter_rows():
    print(f"{version}: {note}")

# %% [markdown]
# ## What a success and an approved verdict cost
#
# A cheap job is no bargain if it often fails or gets the verdict wrong. Two ratios put a price on
# what one actually wants:
#
# - **cost per successful job** = the version's total cost (failures and cache hits included) ÷ its
#   SUCCESS jobs: what one success costs, counting what the failures wasted on the way;
# - **cost per approved verdict** = the same total ÷ the jobs whose review is `approved`: what a
#   verdict a human confirmed costs, counting the failures and the rejections it took.
#
# Both intervals come from resampling inputs too. Read the second with its denominator in mind:
# only a reviewed job can be approved, so it also pays for every job nobody reviewed. It compares
# versions fairly only when they were reviewed at similar rates, as here: about half the jobs of
# each version have a completed review (the `Reviewed` column of the approval table further down),
# and 180–190 of each version's some 480–520 jobs were approved.
#
# In the sandbox the order does not change: a success costs about USD 0.0006 on `v1.1`, USD 0.012
# on `v1.0` and USD 0.107 on `v2.0`; an approved verdict about USD 0.0014, USD 0.028 and USD 0.22.
# `v2.0`'s better approval rate narrows the gap only a little: an approved verdict still costs about
# 160 times more on `v2.0` than on `v1.1` (against 170 times per job).

# %%
display(
    ra.charts.cost_summary(costs, stat="per_success", colours=colours, labels=labels)
    & ra.charts.cost_summary(costs, stat="per_approval", colours=colours, labels=labels)
)
display(
    rw.table(
        costs,
        columns=[
            "agent_version_name",
            "n_success",
            "n_cached",
            "n_approved",
            "cost_per_success",
            "cost_per_success_low",
            "cost_per_success_high",
            "cost_per_approval",
            "cost_per_approval_low",
            "cost_per_approval_high",
        ],
        confidence=0.95,
    )
)

# %% [markdown]
# ## Tokens
#
# Cost is tokens times the model's price. The mean input and output tokens per job (with their
# intervals over inputs) say whether a version costs more because it reads and writes more, or
# because its model's tokens are dearer.
#
# In the sandbox the versions read much the same input (about 2,000–2,500 tokens a job: the
# documents are the same; `v2.0`'s longer prompt makes it read about a quarter more than `v1.1`),
# while `v2.0` writes more than twice as many output tokens as the others (about 810, against
# 340–380: a reasoning model thinks aloud). Tokens thus explain a factor of 1.25 on the input and
# 2.4 on the output of `v2.0`'s 170-fold cost over `v1.1`; the rest is the price of o1's tokens
# (100 times gpt-4o-mini's at list prices).

# %%
display(
    rw.table(
        costs,
        columns=[
            "agent_version_name",
            "n_with_cost",
            "mean_input_tokens",
            "mean_input_tokens_low",
            "mean_input_tokens_high",
            "mean_output_tokens",
            "mean_output_tokens_low",
            "mean_output_tokens_high",
        ],
        confidence=0.95,
    )
)

# %% [markdown]
# ## Cost against quality
#
# `ra.cost_quality` puts each version's mean cost per job (horizontally, log scale) against its
# quality (vertically), both with their 95% intervals. Quality is measured two ways:
#
# - the **mean grader score** over the scored jobs (`03_grader_scores`);
# - the **human approval rate**, the share of completed reviews that approved the agent's verdict
#   (`04_reviewer_agreement`).
#
# A version is on the **Pareto front** (ringed, joined by the dashed line) when no other version is
# at least as cheap *and* at least as good: only those are worth considering, and choosing among
# them is a matter of how much a better answer is worth to you. The front is read on the point
# estimates; `pareto_uncertain` says whether the intervals settle it (a solid ring: they do; a dashed
# ring: they do not). A version with too few inputs is a hollow dot, not placed on the front.

# %%
by_score = ra.cost_quality(frames, quality="grader_score")
display(ra.charts.cost_quality(by_score, colours=colours, labels=labels))
trade_off = [
    "agent_version_name",
    "n_with_cost",
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
]
display(
    rw.table(
        by_score.rename({"n_quality": "n_scored"}),
        columns=["n_scored" if c == "n_quality" else c for c in trade_off],
        caption="Quality: mean grader score over the scored jobs",
        confidence=0.95,
    )
)

# %% [markdown]
# On the grader score the trade-off is plain. `v1.1` is the cheapest and scores better than `v1.0`
# (about 0.75 against 0.67); `v2.0` scores best (about 0.89), at 170 times the price. Both are on the
# front, and the intervals settle it: no other version is as cheap as `v1.1`, and none comes near
# `v2.0`'s score. `v1.0` is **dominated**: `v1.1` is both cheaper and better, with intervals apart on
# both axes, so there is no reason left to run it. The canary (hollow) cannot be placed.

# %%
by_approval = ra.cost_quality(frames, quality="approval")
display(ra.charts.cost_quality(by_approval, colours=colours, labels=labels))
display(
    rw.table(
        by_approval.rename({"n_quality": "n_reviewed"}),
        columns=["n_reviewed" if c == "n_quality" else c for c in trade_off],
        caption="Quality: share of completed reviews that approved",
        confidence=0.95,
    )
)

# %% [markdown]
# On human approval the front is the same, `v1.1` and `v2.0`, but the intervals say less, because
# only the reviewed jobs count (about 160–170 inputs per version, against 230–240 with a grader
# score). Reviewers approve `v2.0` most (about 85%, against 75% for `v1.1` and 73% for `v1.0`),
# yet the intervals of `v2.0` and `v1.1` overlap, if only slightly (`v2.0`'s starts at about 80%,
# `v1.1`'s ends at about 81%): `v2.0` is on the front by the point estimates, but the intervals
# alone do not settle it (dashed ring). `v1.0` is still off the front, since it costs more than
# `v1.1` and is no better, but its approval interval largely overlaps `v1.1`'s: on this
# measure alone one could not say it is worse, only that it is dearer.
#
# **What this allows one to say**, in the sandbox: drop `v1.0`; choose between `v1.1` and `v2.0`
# by what a better verdict is worth. `v2.0` buys about 0.14 of grader score and about 10 points of
# approval for some USD 0.086 more per job.

# %% [markdown]
# ## Version A against version B on cost
#
# `ra.compare_versions(..., metric="cost")` compares the mean cost per job of two versions as it
# compares any metric: the difference `B − A` with its 95% interval, a test matched to it, and a
# verdict in words. It pairs the versions on their shared inputs when at least half of each
# version's inputs ran on both; otherwise it compares the two samples, one mean per input (Welch's
# test, cluster-bootstrap interval). `method` says which design was used. The same call with
# `metric="input_tokens"` or `"output_tokens"` compares the tokens.
#
# In the sandbox, by default `v1.1` against `v2.0`: about 130 inputs ran on both, under half of
# each version's, so the comparison is unpaired. `v2.0` costs about USD 0.086 more per job, an
# interval far from zero; it reads about 500 more input tokens (an interval from about 180 to 830)
# and writes about 470 more output tokens.

# %%
a, b = nb.pick_versions(frames, VERSION_A, VERSION_B)
cost_ab = ra.compare_versions(frames, a, b, metric="cost")
print(cost_ab.item(0, "verdict"))
for metric in ("input_tokens", "output_tokens"):
    print(ra.compare_versions(frames, a, b, metric=metric).item(0, "verdict"))
row = cost_ab.row(0, named=True)
print(f"inputs on both versions: {row['n_pairs']} of {row['n_inputs_a']} ({a}) and {row['n_inputs_b']} ({b})")
print(f"method: {row['method']}")
display(ra.charts.compare_versions(cost_ab, colours=colours))

# %% [markdown]
# ## Every pair of versions
#
# The cost comparison for every pair, older version first, with Holm-adjusted p-values over the
# comparisons that have enough inputs (the canary's rows say "too few to tell" and are left out of
# the family). In the sandbox every pair of the three main versions differs in cost far beyond
# chance: `v1.1` is cheaper than `v1.0`, `v2.0` dearer than both.

# %%
cost_pairs = ra.compare_all_versions(frames, metric="cost")
display(ra.charts.compare_versions(cost_pairs, colours=colours))
display(
    rw.table(
        cost_pairs,
        columns=["a", "b", "paired", "n_a", "n_b", "estimate_a", "estimate_b", "difference", "p_value_adjusted"],
    )
)

# %% [markdown]
# ## Explore: pick the quality measure and the versions
#
# The first widget draws cost against the quality measure you pick (grader score or human
# approval), for the versions you pick (hold Ctrl or Shift to pick several): the Pareto front is
# recomputed among them, so leaving `v2.0` out asks "if o1 were not an option, what would be?". The
# second compares any two versions on cost, input or output tokens (or the scores and the duration
# of the other notebooks). Without a running kernel you see the static copy of their current state:
# every version on `QUALITY`, and the two newest versions on cost.

# %%
display(rw.cost_quality_picker(frames, quality=QUALITY))

# %%
display(rw.version_picker(frames, a=a, b=b, metric="cost"))

# %% [markdown]
# ## Next
#
# - `01_load_and_overview`: how much ran, when, on which version, and how it ended.
# - `02_durations`: how long jobs take and which version is faster.
# - `03_grader_scores` and `04_reviewer_agreement`: the two quality measures weighed here, in depth.
