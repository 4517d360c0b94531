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
# # 01 · Load an agent's jobs and get the lay of the land
#
# This is the first notebook of five. It connects to the Roe AI jobs API, loads every job of one
# agent into typed Polars frames, and answers the questions to ask of any agent before measuring
# anything: **how much ran, when, on which version, and how it ended.** The other notebooks go
# deeper: `02_durations` (where the time goes), `03_grader_scores` (how the grader scores each
# version), `04_reviewer_agreement` (whether human reviewers agree with the agent and the grader)
# and `05_cost_and_quality` (what each version costs, and what its quality is worth).
#
# **Where the data comes from.** With `ROE_API_KEY` and `ROE_ORGANIZATION_ID` in the environment the
# notebook reads your account. Without them it starts the *bundled sandbox*: a local server that
# behaves like the production API and serves seeded synthetic jobs. The first output says which one
# you are looking at. The text of these notebooks describes the sandbox (seed 0), whose data was
# generated with known properties, so each chart can be checked against the truth: three agent
# versions rolled out one after the other with overlapping canaries, volume that grows and dips at
# weekends, an upstream outage on 2026-05-05, five human reviewers of whom one is noticeably noisy.
#
# **Parameters.** The next cell holds every setting, and is tagged `parameters` so that papermill
# (`papermill 01_load_and_overview.ipynb out.ipynb -p AGENT_ID ...`) or a copy of the notebook can
# change them. Everything below it is library calls: no analysis happens in the notebook itself.

# %% tags=["parameters"]
AGENT_ID = None  # the agent's UUID; None: the sandbox's demo agent (required with ROE_API_KEY)
SNAPSHOT = None  # a snapshot folder: opened if it exists, written after fetching if not; None: fetch
BASE_URL = None  # your API, e.g. "https://api.<tenant>.roe-ai.com"; None: ROE_BASE_URL or the default
CREATED_FROM = None  # fetch jobs created from this instant, e.g. "2026-05-01T00:00:00Z"; None: all
CREATED_TO = None  # ... up to this instant; None: up to now
VERSIONS = None  # keep only these agent versions, e.g. ["v1.1", "v2.0"]; None: every version
SEED = 0  # the sandbox's seed (ignored with an account)

# %%
from IPython.display import display

import roe_analysis as ra
from roe_analysis import notebook as nb
from roe_analysis import widgets as rw

nb.setup()  # charts as SVG, one-line warnings, fixed table formatting: outputs that do not change

# %% [markdown]
# `nb.setup()` draws charts as static SVG, rendered offline: that is what makes every stored output
# identical from run to run, and checkable (`pytest --nbval`). While exploring you may prefer charts
# with tooltips: run `alt.renderers.enable("default")` after it (`import altair as alt`; it loads
# Vega from a CDN, and its outputs change on every run, so do not commit them).
#
# ## Connect
#
# `nb.connect` reads `ROE_API_KEY` from the environment. The line it prints is the one to check
# before trusting any number below: sandbox numbers are synthetic.

# %%
conn = nb.connect(agent_id=AGENT_ID, base_url=BASE_URL, seed=SEED)
print(conn.description)

# %% [markdown]
# ## Load
#
# `conn.load` fetches every job of the agent (all pages, concurrently, with the window pinned so that
# jobs created meanwhile cannot shift the pages), or opens `SNAPSHOT` when that folder exists. A
# snapshot is the way to analyse exactly the same jobs tomorrow, or offline: set `SNAPSHOT` to a
# folder once and the first run writes it.
#
# The result is a `JobFrames`: four frames with a fixed schema, whatever the agent.
#
# - `jobs`: one row per job: version, status, recomputable duration, grader and human scores, the
#   review, the agent's output (`ui_fields`, JSON text);
# - `status_events`: one row per status change (PENDING → STARTED → SUCCESS …), the raw material of
#   `02_durations`;
# - `inputs`: one row per job input (text, JSON, file links);
# - `metadata`: one row per metadata key/value pair the caller attached to the job.

# %%
frames = conn.load(snapshot=SNAPSHOT, created_from=CREATED_FROM, created_to=CREATED_TO, versions=VERSIONS)
# One colour per version, in order of first appearance, for every chart below.
colours = ra.charts.version_colours(frames)
print(conn.loaded_from)
print(frames)
print(nb.describe(frames))

# %% [markdown]
# The summary already tells most of the sandbox's story: three versions with roughly a third of the
# jobs each (and a 4-job canary, `v2.1-canary`, too small to tell anything on its own), mostly
# successes, some failures and cache hits, and a handful of jobs still running at the moment the
# data was read (PENDING, STARTED, RETRY). The warning above the summary is the sandbox telling the
# truth about messy data: one job has a status event with a code the API does not document (7).
# It is kept (as UNKNOWN, with its number), not dropped; `02_durations` shows where its time goes.

# %% [markdown]
# ## Volume by day and version
#
# Each bar is one UTC day; its height is the number of jobs created that day, split by agent version
# (each version keeps its colour in every chart of these notebooks).
#
# How to read it: a version's colour appearing and growing while the previous one shrinks is a
# rollout; days where two colours share the bar are the canary overlap, the days during which
# versions can be compared on the same traffic. Regular dips are usually weekends.
#
# In the sandbox: `v1.0` runs alone for about three weeks; `v1.1` ramps in around 2026-04-22 and
# replaces it within about a week; `v2.0` follows the same way from around 2026-05-12. Volume grows
# by about half over the two months and drops every Saturday and Sunday.

# %%
display(ra.charts.job_volume(ra.job_volume(frames, every="1d", by="agent_version_name"), colours=colours))

# %% [markdown]
# ## Volume by day and status
#
# The same bars split by how each job ended. A day where the orange-red FAILURE band suddenly
# thickens deserves a look in the dashboard; so does a day of CANCELLED jobs (someone stopped a batch).
#
# In the sandbox failures stay at a few per day throughout, and the upstream outage of **2026-05-05**
# (14:00–16:30 UTC) is nearly invisible here: the demo agent created only seven jobs in those two
# and a half hours, and one of them failed. Counting outcomes per day is a poor outage detector at
# this volume; `02_durations` finds the outage at once, because every job that ran through it was
# two to seven times slower than usual. The last bar holds the few jobs still running when the data
# was read.

# %%
display(ra.charts.job_volume(ra.job_volume(frames, every="1d", by="status"), color="status"))

# %% [markdown]
# ## Status by version
#
# Totals per version and status. Compare rows as shares, not counts: the versions did not run the
# same number of jobs. In the sandbox the newest version (`v2.0`) fails least, and it is the only one
# with running jobs, because it is the one serving traffic now. `CACHED` jobs were answered from the
# cache of an identical earlier input; they take no time and are worth keeping apart from real runs
# (`ra.duration_summary(..., include_cached=False)`, as the durations notebook does).

# %%
display(rw.table(ra.job_volume(frames, every=None, by="agent_version_name", columns="status")))

# %% [markdown]
# ## Explore: filter the jobs
#
# The panel below narrows the jobs by version, status, creation date (UTC days, both ends included),
# one metadata key/value (e.g. `customer` = `acme`) and reviewer. The views under it are drawn again,
# in place, whenever a control changes, and `panel.frames` is the filtered `JobFrames`, ready for any
# helper of the library (`ra.score_summary(panel.frames)`, …).
#
# Without a running kernel (on GitHub, in a file viewer) you see a static copy of the panel's state
# instead of the controls: here, every job.

# %%
panel = rw.filter_panel(
    frames,
    views=[
        (
            "Jobs per day",
            lambda f: ra.charts.job_volume(ra.job_volume(f, every="1d", by="agent_version_name"), colours=colours),
        ),
        (
            "Status by version",
            lambda f: rw.table(ra.job_volume(f, every=None, by="agent_version_name", columns="status")),
        ),
    ],
)
display(panel)

# %% [markdown]
# ## Next
#
# - `02_durations`: how long jobs take, where the time goes, which version is faster, what is stuck.
# - `03_grader_scores`: grader scores per version with intervals, version A against B, drift.
# - `04_reviewer_agreement`: agent against reviewers, reviewers against each other, and the
#   disagreements worth reading.
# - `05_cost_and_quality`: cost per job, per success and per approved verdict, tokens, and the
#   cost–quality trade-off (the Pareto front) on grader score and on approval.
