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
# # 03 · Grader scores: is the new version better, and by how much?
#
# Each finished job can be scored by an automatic grader (`grader_score`). This notebook compares
# the versions of the agent on that score: the score of each version with its uncertainty, version A
# against version B with a test that says whether the difference is real, every pair of versions at
# once, and whether a version's score drifts while it is in production.
#
# Two things to keep in mind throughout. Scores have no fixed scale (0–1 here, 0–100 on some
# agents), so the pass mark is a parameter, never a default. And not every job is graded (failed
# runs mostly are not), so each table says how many scores it rests on (`n_scored`).
#
# Like every notebook of the series it runs on the bundled sandbox unless `ROE_API_KEY` is set (the
# first output says which), and its text describes the sandbox's seeded data.

# %% tags=["parameters"]
AGENT_ID = None  # the agent's UUID; None: the sandbox's demo agent (required with ROE_API_KEY)
SNAPSHOT = None  # a snapshot folder: opened if it exists, written after fetching if not; None: fetch
BASE_URL = None  # your API, e.g. "https://api.<tenant>.roe-ai.com"; None: ROE_BASE_URL or the default
CREATED_FROM = None  # fetch jobs created from this instant, e.g. "2026-05-01T00:00:00Z"; None: all
CREATED_TO = None  # ... up to this instant; None: up to now
VERSIONS = None  # keep only these agent versions, e.g. ["v1.1", "v2.0"]; None: every version
SEED = 0  # the sandbox's seed (ignored with an account)
VERSION_A = None  # baseline of the A/B comparison; None: the second newest version
VERSION_B = None  # version compared with it; None: the newest version
PASS_THRESHOLD = 0.7  # a grader score at or above this passes (on the grader's own scale)
DRIFT_EVERY = "1w"  # period of the drift table: "1d", "1w"

# %%
from IPython.display import display

import roe_analysis as ra
from roe_analysis import notebook as nb
from roe_analysis import widgets as rw

nb.setup()  # charts as SVG, one-line warnings, fixed table formatting: outputs that do not change

# %%
conn = nb.connect(agent_id=AGENT_ID, base_url=BASE_URL, seed=SEED)
print(conn.description)
frames = conn.load(snapshot=SNAPSHOT, created_from=CREATED_FROM, created_to=CREATED_TO, versions=VERSIONS)
# One colour per version, in order of first appearance, for every chart below.
colours = ra.charts.version_colours(frames)
print(conn.loaded_from)

# %% [markdown]
# ## Scores by version
#
# One column per version. The dot is the mean score, the vertical bar its 95% interval, a bootstrap
# that resamples whole inputs with all their reruns (where the mean of another sample of the
# version's inputs would fall), the tick the median. Two
# versions whose bars do not overlap differ by more than chance; bars that overlap need the test
# below to decide.
#
# The table adds the pass rate (`score >= PASS_THRESHOLD`) with its Wilson interval, which stays
# sensible near 0% and 100%. In the sandbox each version scores clearly higher than the previous
# one, and `v2.0` passes about nine jobs in ten at the default mark of 0.7, against about six in ten
# for `v1.0`. The median sits above the mean for every version: the scores have a tail of low
# values, the jobs where the agent got the verdict wrong.

# %%
summary = ra.score_summary(frames, threshold=PASS_THRESHOLD)
display(ra.charts.score_summary(summary, colours=colours))
display(
    rw.table(summary, columns=["agent_version_name", "n", "n_scored", "mean", "median", "pass_rate"], confidence=0.95)
)

# %% [markdown]
# ## Version A against version B
#
# `ra.compare_versions` reports the difference `B − A` of the mean score with its 95% interval, a
# p-value and a verdict in words. When enough inputs ran on both versions it pairs them (the
# per-input difference, which removes the input-to-input variation); here too few of each version's
# inputs were re-run on the other, so it compares the two samples — one mean per input, because the
# input, not the run, is the unit of evidence — with Welch's test and a cluster-bootstrap interval.
# `n_inputs_a`/`n_inputs_b` and `design_effect` say how much the reruns were worth; Hodges–Lehmann
# and Cliff's delta give the size of the change. The `method` column always says which was used.
#
# The pass rate is compared the same way, with Newcombe's interval for the difference of two
# proportions. In the sandbox `v2.0` beats `v1.1` on both, by a margin whose interval is far from
# zero.

# %%
a, b = nb.pick_versions(frames, VERSION_A, VERSION_B)
mean_ab = ra.compare_versions(frames, a, b)
pass_ab = ra.compare_versions(frames, a, b, metric="pass_rate", threshold=PASS_THRESHOLD)
print(mean_ab.item(0, "verdict"))
print(pass_ab.item(0, "verdict"))
print(f"method: {mean_ab.item(0, 'method')}")
display(ra.charts.compare_versions(mean_ab, colours=colours))

# %% [markdown]
# ## Every pair of versions
#
# The same comparison for every pair, older version first, so each row reads "what changed". The
# p-values and intervals are Holm-adjusted over the comparisons that have enough inputs; the
# canary's rows say "too few to tell" and are left out of the family. In the sandbox the score
# rises at each release, most at the move to `v2.0`.

# %%
all_pairs = ra.compare_all_versions(frames)
display(ra.charts.compare_versions(all_pairs, colours=colours))
display(rw.table(all_pairs, columns=["a", "b", "paired", "n_a", "n_b", "difference", "p_value_adjusted"]))

# %% [markdown]
# ## Drift: does a version's score move while it runs?
#
# The mean score of each version per period of job creation (`DRIFT_EVERY`), with its interval. A
# version whose intervals in two periods do not overlap has drifted: the traffic, the grader or an
# upstream model changed under it. Periods at the start and end of a rollout hold few jobs and have
# wide intervals.
#
# In the sandbox no version drifts beyond its intervals: each week's mean stays within noise of the
# version's overall mean, and the weeks with few jobs (a version's first or last) are the ones with
# the widest intervals.

# %%
drift = ra.score_drift(frames, every=DRIFT_EVERY)
display(rw.table(drift, columns=["period_start", "agent_version_name", "n_scored", "mean", "median"], confidence=0.95))

# %% [markdown]
# ## Explore: compare any two versions
#
# Pick a baseline (A), a version to compare (B) and a metric: mean grader score, mean human score,
# median duration, or pass rate at `PASS_THRESHOLD`. The verdict, the chart and the numbers update
# in place. Without a running kernel you see the static copy of its current state: the two newest
# versions on the grader score.

# %%
picker = rw.version_picker(frames, a=a, b=b, threshold=PASS_THRESHOLD)
display(picker)
