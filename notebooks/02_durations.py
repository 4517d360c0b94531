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
# # 02 · Durations: how long jobs take, and where the time goes
#
# Latency is the first thing users notice and the easiest to get wrong in an analysis: a job's
# `duration_ms` is null while it runs, cache hits arrive after the job has finished, real event
# arrays are not always in order. This notebook recomputes every duration from the job's status
# events by the API spec's rule (`ra.job_durations`), then asks in turn: how long does a job take,
# where does that time go, did it change over time, which version is faster (and is the difference
# real?), and which jobs are the slowest or still running.
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
TREND_EVERY = "1d"  # period of the duration trend: "1h", "1d", "1w"
SLOWEST = 10  # how many of the slowest jobs to list

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
print(f"Durations are measured at {conn.observed_at:%Y-%m-%d %H:%M} UTC.")

# %% [markdown]
# ## One duration per job
#
# `ra.job_durations` gives one row per job: `duration_ms` (earliest event to latest non-cached
# event, the spec's rule), split into `queue_ms` (PENDING → STARTED) and `run_ms` (STARTED → end),
# with the number of retries and of later cache hits. A job still running has no duration; given
# `now`, its `running_for_ms` says how long it has been running, which the statistics below use
# rather than pretending the job does not exist.
#
# `now` is the instant the data describes: for the sandbox its fixed reference time (its jobs are
# frozen there), for an account the moment of the fetch. The newest jobs, at the top, are still
# running: no duration yet, and a `queue_ms` only once they have started.

# %%
durations = ra.job_durations(frames, now=conn.observed_at)
display(
    rw.table(
        durations.head(5),
        columns=["job_id", "agent_version_name", "terminal_status", "duration_ms", "queue_ms", "run_ms"],
    )
)

# %% [markdown]
# ## How long a job takes
#
# The chart is an ECDF: for each duration on the (logarithmic) horizontal axis, the share of a
# version's finished jobs that were done within it. Read it from the left axis across: where a curve
# crosses 50% is that version's median, where it crosses 90% its p90. A curve to the left is faster;
# a long flat approach to 100% is a heavy tail of slow jobs. Still-running jobs are not in the curves
# (the subtitle counts them).
#
# The table gives the numbers behind the curves with 95% distribution-free intervals (in brackets
# after each percentile, from a pair of order statistics). Reruns of one input take alike long, so
# the interval counts the input as the unit: *Inputs* distinct inputs, and *Design effect* says how
# much less the reruns tell than independent runs would (1 = as good as independent). Below 10 runs
# or inputs there is no interval: "too few to tell" (the canary). Then *KM median*, the Kaplan–Meier
# median that counts running jobs as "at least this long": when many jobs are still running, the
# plain median of the finished ones is biased low and this one is not. (The frame behind the table,
# `summary`, keeps the numbers in milliseconds: `p50`, `p50_low`, `p50_high`, `km_median_ms`, …)
#
# In the sandbox `v2.0` is about twice as fast as `v1.1` at the median and has a much shorter tail;
# `v1.0` is the slowest. The nine jobs still running are all on `v2.0`, barely change its
# Kaplan–Meier median and are listed at the end of this notebook.

# %%
# The curves draw runs, as the table counts them: cache hits (0 ms) are not runs.
display(ra.charts.job_durations_ecdf(ra.run_durations(durations), log_scale=True, colours=colours))
# Cache hits (0 ms by the API's rule) are left out: they are not runs and would pull every quantile down.
summary = ra.duration_summary(durations, include_cached=False)
display(
    rw.table(
        summary,
        columns=[
            "agent_version_name",
            "n",
            "n_running",
            "n_measured",
            "n_inputs",
            "design_effect",
            "p50",
            "p90",
            "p99",
            "km_median_ms",
        ],
        confidence=0.95,
    )
)

# %% [markdown]
# ## Where the time goes
#
# `ra.status_time` splits each job's duration into the time spent in each status, and the chart
# stacks them per version: on the left the share of each version's job time spent in each status
# (shares, not hours, so a version with more jobs does not look slower), on the right the median time
# a job spends in each status when it goes through it.
#
# How to read it: a large PENDING (grey) block means jobs wait for a worker — a capacity problem; a
# large RETRY (yellow) block means time lost to errors and backoff; STARTED (blue) is the agent
# actually working. In the sandbox almost all of the time is STARTED: queueing takes under a second
# for a typical job, and retries cost a few seconds when they happen. `v2.0` saves time where it
# matters, in the run itself. The UNKNOWN segment on `v2.0` is one job whose events include an
# undocumented status code 7: it is counted, not dropped. It is invisible in the shares and large
# in the medians, which is how to read the right-hand chart: a median over one job is one job (the
# tooltip gives the number of jobs behind each segment).

# %%
time_in_status = ra.status_time_summary(frames)
display(
    ra.charts.status_time_summary(time_in_status, stat="share", colours=colours)
    | ra.charts.status_time_summary(time_in_status, stat="median", colours=colours)
)

# %% [markdown]
# ## Over time
#
# The median duration of the jobs created each period (`TREND_EVERY`), per version, with its 95%
# interval as a band (none for a period with too few runs). Bands are wide on days with few jobs of
# a version (the first and last days of a rollout, weekends): do not read a trend into a single wide
# point.
#
# In the sandbox each version is flat over its life within its band, with one real exception:
# **2026-05-05**, when the upstream outage (14:00–16:30 UTC) made runs two to seven times slower and
# caused retries, and `v1.1`'s median for the day jumps well above its usual level. Other single
# spikes (`v1.0` on 2026-04-08) sit on days with few jobs and wide bands: chance, not a change. The
# step down as traffic moves to `v2.0` is the rollout, not a change within a version.

# %%
display(ra.charts.duration_trend(ra.duration_trend(durations, every=TREND_EVERY), colours=colours))

# %% [markdown]
# ## Version A against version B
#
# Is B really faster than A, or is it noise? `ra.compare_versions` answers with the difference of
# the medians, its 95% interval and a p-value, and says in words what that means. When both versions
# ran enough of the same inputs it pairs them (each input's duration on A against its duration on B),
# which removes the input-to-input variation and detects smaller changes; otherwise it compares the
# two samples, one median per input (Mann–Whitney on inputs, not runs: reruns of one input are not
# independent evidence). Only finished SUCCESS runs count; cache hits are not runs. A version with
# fewer than 10 inputs (the sandbox's `v2.1-canary`) is "too few to tell" and is left out of the
# Holm family. The chart shows every pair with enough inputs (the subtitle counts the others): each
# dot is a difference `b − a` with its interval; a bar that does not cross the dashed zero line is a
# difference the data supports. With several comparisons the p-values are Holm-adjusted, so "faster"
# means faster after accounting for having looked several times, and each interval is widened to its
# Holm step.
#
# In the sandbox every newer version is faster than every older one, and the intervals are far from
# zero.

# %%
a, b = nb.pick_versions(frames, VERSION_A, VERSION_B)
print(ra.compare_versions(frames, a, b, metric="duration_ms").item(0, "verdict"))
all_pairs = ra.compare_all_versions(frames, metric="duration_ms")
display(ra.charts.compare_versions(all_pairs, colours=colours))
display(rw.table(all_pairs, columns=["a", "b", "paired", "n_pairs", "difference", "p_value_adjusted"]))

# %% [markdown]
# ## The slowest jobs, and those still running
#
# The slowest jobs, finished or not: a finished job counts with its duration, a running one with
# how long it has been running so far (a lower bound on its duration), so a stuck job shows up here
# instead of silently lacking a duration. Open the ones at the top in the Roe AI dashboard.
#
# In the sandbox the top of the list mixes two kinds: jobs submitted minutes before the data was
# read and still queued, running or retrying (`is_running` true), and the slowest finished runs,
# among them a job caught by the 2026-05-05 outage that retried three times.

# %%
slowest = ra.slowest_jobs(durations, n=SLOWEST, by=None, include_running=True)
display(
    rw.table(
        slowest,
        columns=[
            "rank",
            "elapsed_ms",
            "job_id",
            "agent_version_name",
            "terminal_status",
            "is_running",
            "retry_count",
            "created_at",
        ],
    )
)

# %% [markdown]
# ## Do our durations agree with the server's?
#
# `ra.duration_mismatches` lists the jobs whose recomputed duration differs from the `duration_ms`
# the API returned. An empty table is the expected result, and a meaningful one here: the sandbox
# plants jobs whose events are out of order, whose timestamps are written in `+05:30`, lack
# fractional seconds, or are missing (`null`), and the recomputation agrees with the server on all
# of them. Against a real account, a non-empty table is worth reporting.

# %%
display(
    rw.table(
        ra.duration_mismatches(durations),
        columns=["job_id", "duration_ms", "server_duration_ms", "difference_ms", "reason"],
    )
)
