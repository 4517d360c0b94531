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
# # 04 · Reviewer agreement: do the humans agree with the agent, the grader, and each other?
#
# Human review is the closest thing to ground truth an evaluation has, but reviewers are not
# infallible, and raw agreement rates mislead when one label dominates. This notebook asks, in turn:
# how often do reviewers accept the agent's verdict, and how good is that agreement beyond chance
# (Cohen's kappa, Gwet's AC1, PABAK); which verdicts get corrected into which (the confusion
# matrix); how each reviewer decides; whether the automatic grader scores jobs the way humans do;
# whether reviewers agree with each other on the same input (Krippendorff's alpha); and finally,
# which disagreements are worth reading.
#
# Like every notebook of the series it runs on the bundled sandbox unless `ROE_API_KEY` is set (the
# first output says which), and its text describes the sandbox's seeded data: about 70% of its cases
# are truly "Not Suspicious", reviewers see the truth except for a personal error rate, and one of
# them, dmitri, errs about three times as often as the others.

# %% tags=["parameters"]
AGENT_ID = None  # the agent's UUID; None: the sandbox's demo agent (required with ROE_API_KEY)
SNAPSHOT = None  # a snapshot folder: opened if it exists, written after fetching if not; None: fetch
BASE_URL = None  # your API, e.g. "https://api.<tenant>.roe-ai.com"; None: ROE_BASE_URL or the default
CREATED_FROM = None  # fetch jobs created from this instant, e.g. "2026-05-01T00:00:00Z"; None: all
CREATED_TO = None  # ... up to this instant; None: up to now
VERSIONS = None  # keep only these agent versions, e.g. ["v1.1", "v2.0"]; None: every version
SEED = 0  # the sandbox's seed (ignored with an account)
GRADER_PASS = 0.7  # a grader score at or above this passes (on the grader's scale)
SCORE_PASS = 0.6  # pass mark applied to both grader and human scores when comparing them
PAGE_SIZE = 8  # rows per page of the disagreements table
INSPECT_JOB_IDS = None  # jobs to read in full at the end; None: two sandbox examples (none for an account)

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
# ## Review outcomes
#
# `ra.review_outcomes` has one row per job that entered review: the agent's verdict (from its
# output, `ui_fields.verdict`) beside the reviewer's final verdict. An approval keeps the agent's
# verdict; a rejection with a correction replaces it; a pending review, or a rejection without a
# correction, leaves the right label unknown (`agrees` is null). The counts below say how many rows
# each later statistic rests on.

# %%
outcomes = ra.review_outcomes(frames)
display(rw.table(ra.job_volume(outcomes, every=None, by=["review_status", "agrees"])))

# %% [markdown]
# ## Agent against reviewers, beyond chance
#
# Agreement rate is the share of reviewed jobs where the reviewer kept the agent's label. It
# flatters an agent when one label dominates: always answering "Not Suspicious" would already agree
# most of the time. Hence three chance-corrected coefficients, each from −1 to 1 (0 = chance level,
# 1 = perfect):
#
# - **Cohen's kappa** corrects by the agreement expected from each side's label frequencies; with
#   very skewed labels it collapses towards 0 even when agreement is high (the "kappa paradox");
# - **Gwet's AC1** corrects in a way that stays stable under skewed prevalence;
# - **PABAK** (prevalence- and bias-adjusted kappa) is the agreement rate rescaled as if the labels
#   were balanced.
#
# Read them together: when kappa is far below AC1 and PABAK, prevalence is doing it (the table's
# `majority_share` says how skewed the labels are, and a warning is printed above ~80%). The chart
# shows each coefficient per version with its 95% interval.
#
# A rejection without a corrected verdict is a disagreement, but with three labels nobody knows
# which label the reviewer meant: agreement and PABAK count it exactly, while kappa and AC1 are known
# only between exact bounds (`cohen_kappa_min`/`_max`, `gwet_ac1_min`/`_max`), and a warning says
# how many such reviews there are. In the sandbox the labels are moderately skewed (about two
# thirds "Not Suspicious"): kappa sits a little below AC1 and PABAK, as expected, but all three tell
# the same story. Agreement rises with
# each version, and `v2.0`'s verdicts are corrected least.

# %%
overall = ra.agreement_summary(outcomes, by=None)
by_version = ra.agreement_summary(outcomes, by="agent_version_name")
display(ra.charts.agreement_summary(by_version))
columns = [
    "n_reviewed",
    "approval_rate",
    "n_pairs",
    "agreement_rate",
    "cohen_kappa",
    "gwet_ac1",
    "pabak",
    "majority_share",
]
display(rw.table(overall, columns=columns, caption="All versions"))
display(rw.table(by_version, columns=["agent_version_name", *columns], caption="By version"))

# %% [markdown]
# ## Which verdicts get corrected into which
#
# Rows are the agent's verdict, columns the reviewer's final verdict; each cell gives the number of
# jobs and its share of the row ("when the agent says X, reviewers settle on Y this often"). The
# diagonal is agreement. The per-class table reads the same matrix with the reviewers as truth:
# precision (when the agent says the label, how often it is right) and recall (of the jobs that are
# that label, how many the agent found).
#
# In the sandbox "Not Suspicious" is reliable in both directions, while **"Needs Escalation" is the
# weak class**: the agent over-uses it (low precision) and still misses a third of the true
# escalations (recall); the rarest label is the hardest, which an overall agreement rate hides.

# %%
display(ra.charts.confusion_matrix(ra.confusion_matrix(outcomes, by=None)))
display(rw.table(ra.per_class_metrics(outcomes, by=None)))

# %% [markdown]
# ## Reviewers
#
# How each reviewer decides, over their completed reviews: approval rate, how often they agree with
# the grader (approve a job the grader passes at `GRADER_PASS`, or reject one it fails), and how
# often their label matches another reviewer's on the same input, each with its 95% interval. The
# agreement intervals count the input as the unit: a reviewer who judges reruns of one input alike
# has not given that much more evidence. A reviewer who agrees less with both the grader and their
# peers than the others do is the one to calibrate (or whose reviews to weigh less).
#
# In the sandbox that reviewer is **dmitri**: he approves the least (about 69%, an interval clear of
# alice's and bruno's) and is the lowest on both agreement rates, but there his intervals overlap the
# others': a pattern to raise with him, not yet proof. Intervals matter here: emma, with the fewest
# reviews, has the widest approval and grader intervals, and the peer intervals of everyone are
# wide, because a reviewer's pairs come from few shared inputs.

# %%
reviewers = ra.reviewer_stats(frames, grader_threshold=GRADER_PASS)
display(
    ra.charts.reviewer_stats(reviewers)
    & ra.charts.reviewer_stats(reviewers, metric="grader_agreement_rate")
    & ra.charts.reviewer_stats(reviewers, metric="peer_agreement_rate")
)
display(
    rw.table(
        reviewers,
        columns=[
            "reviewed_by",
            "n_reviews",
            "approval_rate",
            "correction_rate",
            "grader_agreement_rate",
            "n_peer_pairs",
            "peer_agreement_rate",
        ],
        confidence=0.95,
    )
)

# %% [markdown]
# ## The grader against the humans
#
# Where a job has both a grader score and a human score: does the grader score jobs the way humans
# do? One point per job, grader horizontally, human vertically; points on the dashed line were
# scored alike. The table gives the correlations, the Bland–Altman bias (mean of grader − human) with
# its 95% limits of agreement, and, with both scores cut at `SCORE_PASS`, how often grader and human
# pass or fail a job together (`threshold_agreement`, and its kappa).
#
# In the sandbox the human scores form two clusters, high for approved jobs and low for rejected ones,
# while the grader spreads its scores continuously: rank correlation is modest, yet grader and human
# agree on pass/fail for more than nine jobs in ten. Look at `v2.0` though: pass/fail agreement is
# still above 90%, but its kappa falls to about a quarter. Nearly every `v2.0` job passes both
# scores, so most of that agreement is what chance alone would give; the grader no longer tells the
# good `v2.0` verdicts from the bad ones the way reviewers do: a better agent needs a sharper
# grader. The few far-off points (a high grader score, a low human score) are jobs the grader liked
# and a reviewer rejected: the table at the end lists them under "Grader vs human scores".

# %%
display(ra.charts.grader_vs_human(frames.jobs, colours=colours))
display(
    rw.table(
        ra.score_agreement(frames, threshold=SCORE_PASS, by="agent_version_name"),
        columns=[
            "agent_version_name",
            "n_pairs",
            "pearson",
            "spearman",
            "bias",
            "loa_low",
            "loa_high",
            "threshold_agreement",
            "threshold_kappa",
        ],
    )
)

# %% [markdown]
# ## Do reviewers agree with each other?
#
# The same input is often run more than once and reviewed by different people. Krippendorff's alpha
# measures how well reviewers agree on those repeated inputs, beyond chance (1 = perfect, 0 = chance;
# 0.67 is a common floor for drawing tentative conclusions, 0.8 for firm ones), with an interval
# from resampling the inputs. Fleiss' kappa is only computed when its design holds (the same number of
# reviews per input, no reviewer twice); `fleiss_note` says why it is not.
#
# In the sandbox alpha is in the high 0.7s with an interval that reaches below 0.7: the reviewers are
# a good but imperfect reference, which bounds how much agreement the agent itself can be expected to
# reach.

# %%
display(rw.table(ra.inter_reviewer_agreement(frames, by=None)))

# %% [markdown]
# ## The disagreements worth reading
#
# Numbers say how often; reading the cases says why. The table lists, a page at a time, the reviews
# where the final verdict differs from the agent's (most confident agent verdicts first: a confident
# verdict a reviewer overturned teaches the most), or, with the toggle, the jobs whose grader and
# human scores differ most. Each row carries the job's inputs, cut to a readable length.
#
# Everything in these tables is shown as text: a job input containing HTML or a script is escaped,
# never rendered or run.

# %%
display(rw.disagreement_table(frames, page_size=PAGE_SIZE))

# %% [markdown]
# ## Reading single jobs
#
# Any job can be read in full with `rw.jobs_table`. The two below are planted by the sandbox to test
# exactly that: one job's input and rationale contain `<script>alert(1)</script>` (which must show
# as text, as it does below, and never run), the other has emoji, accents, right-to-left and CJK text
# in its inputs. Set `INSPECT_JOB_IDS` to read your own.

# %%
to_read = INSPECT_JOB_IDS or conn.example_job_ids("html_injection", "unicode")
display(rw.jobs_table(frames, to_read, caption="Jobs read in full"))
