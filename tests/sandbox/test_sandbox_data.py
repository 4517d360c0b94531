"""The seeded data: deterministic, internally consistent, realistic, and odd in the documented ways."""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from roe_analysis.sandbox import REFERENCE_TIME, SPECIAL_CASES, Sandbox, compute_duration_ms, generate_jobs

Job = dict[str, Any]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def spec_duration(job: Job) -> int | None:
    """The spec's rule, written independently: earliest event → latest non-CACHED event, truncated ms."""
    if job["status_code"] in (0, 1, 2):
        return None
    stamps = [event["timestamp"] for event in job["status_events"]]
    if any(stamp is None for stamp in stamps):
        return None
    start = min(at(stamp) for stamp in stamps)
    end = max(at(e["timestamp"]) for e in job["status_events"] if e["status_code"] != 6)
    return (end - start) // timedelta(milliseconds=1)


@pytest.fixture(scope="module")
def demo() -> list[Job]:
    with Sandbox(seed=0, sizes={"large": 0}) as sandbox:
        return sandbox.jobs("demo")


@pytest.fixture(scope="module")
def special_ids() -> dict[str, str]:
    return Sandbox(seed=0, sizes={"large": 0}).special_job_ids


@pytest.fixture(scope="module")
def by_id(demo: list[Job]) -> dict[str, Job]:
    return {job["id"]: job for job in demo}


def test_same_seed_same_jobs_other_seed_other_jobs() -> None:
    first = generate_jobs(300, seed=3, agent="small")
    assert json.dumps(first) == json.dumps(generate_jobs(300, seed=3, agent="small"))
    assert {job["id"] for job in first}.isdisjoint(job["id"] for job in generate_jobs(300, seed=4, agent="small"))
    assert {job["id"] for job in first}.isdisjoint(job["id"] for job in generate_jobs(300, seed=3, agent="demo"))


def test_generation_does_not_depend_on_the_process() -> None:
    # String hashing is randomised per process; nothing in the data may depend on it.
    script = (
        "import hashlib, json; from roe_analysis.sandbox import generate_jobs; "
        "print(hashlib.sha256(json.dumps(generate_jobs(400, seed=2, special_cases=True)).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    local = hashlib.sha256(json.dumps(generate_jobs(400, seed=2, special_cases=True)).encode()).hexdigest()
    assert digests == {local}


def test_generate_jobs_makes_many_distinct_jobs() -> None:
    # Its speed is measured by `make bench` (BENCHMARKS.md), not asserted here.
    jobs = generate_jobs(20_000, seed=1, agent="large")
    assert len(jobs) == 20_000 == len({job["id"] for job in jobs})


def test_legacy_shape_of_generate_jobs() -> None:
    jobs = generate_jobs(5, seed=0, legacy_shape=True)
    assert all("review_state" not in job and "creator" not in job for job in jobs)


def test_duration_follows_the_spec_for_every_job(demo: list[Job]) -> None:
    for job in demo + generate_jobs(3000, seed=9, agent="large"):
        assert job["duration_ms"] == spec_duration(job) == compute_duration_ms(job["status_events"], job["status_code"])


def test_statuses_and_their_events(demo: list[Job]) -> None:
    counts = Counter(job["status_code"] for job in demo)
    assert set(counts) == {0, 1, 2, 3, 4, 5, 6}
    assert counts[3] > 0.75 * len(demo)
    for job in demo:
        codes = [event["status_code"] for event in job["status_events"]]
        if job["status_code"] in (0, 1, 2):
            # Still running: the last event is the current status and nothing has a result yet.
            assert codes[-1] == job["status_code"]
            assert job["ui_fields"] == {} and job["evaluation"] is None and job["feedback_review"] is None
        elif job["status_code"] == 6:
            assert codes == [0, 6] and job["duration_ms"] == 0
        if 2 in codes:
            retry = next(e for e in job["status_events"] if e["status_code"] == 2)
            assert retry["error_message"] and isinstance(retry["error_details"], dict)
        if job["status_code"] == 4:
            failure = next(e for e in job["status_events"] if e["status_code"] == 4)
            assert failure["error_message"] and failure["error_details"]
    trailing = [job for job in demo if job["status_code"] == 3 and job["status_events"][-1]["status_code"] == 6]
    assert trailing and all(job["status_events"][-1]["count"] >= 1 for job in trailing)


def test_special_cases(demo: list[Job], special_ids: dict[str, str], by_id: dict[str, Job]) -> None:
    assert set(SPECIAL_CASES) <= set(special_ids)
    assert len({special_ids[name] for name in SPECIAL_CASES}) == len(SPECIAL_CASES)

    def stamps(job: Job) -> list[str]:
        found = [job["created_at"], job["last_updated_at"], *(e["timestamp"] for e in job["status_events"])]
        for holder, keys in (
            (job["evaluation"], ("created_at", "updated_at")),
            (job["feedback_review"], ("reviewed_at",)),
        ):
            found += [holder[key] for key in keys if holder and holder[key]]
        return found

    jumbled = by_id[special_ids["events_out_of_order"]]["status_events"]
    assert [at(e["timestamp"]) for e in jumbled] != sorted(at(e["timestamp"]) for e in jumbled)
    assert jumbled[0]["status_code"] == 3

    nulled = by_id[special_ids["null_event_timestamp"]]
    assert [e["timestamp"] for e in nulled["status_events"] if e["status_code"] == 1] == [None]
    assert nulled["status_code"] == 3 and nulled["duration_ms"] is None

    assert all("." not in stamp for stamp in stamps(by_id[special_ids["no_fractional_seconds"]]))
    assert all(stamp.endswith("+00:00") for stamp in stamps(by_id[special_ids["utc_offset_suffix"]]))
    assert all(stamp.endswith("+05:30") for stamp in stamps(by_id[special_ids["non_utc_offset"]]))

    unicode = by_id[special_ids["unicode"]]
    text = json.dumps(unicode, ensure_ascii=False)
    for piece in ("💸", "José", "مشبوه", "שלום", "東京", "relevé_été_📄.pdf"):
        assert piece in text
    assert unicode["metadata"]["客户"] == "東京"

    large = by_id[special_ids["large_input"]]
    assert max(len(item["value"].encode()) for item in large["job_inputs"]) == 100 * 1024

    html = by_id[special_ids["html_injection"]]
    assert any("<script>alert(1)</script>" in item["value"] for item in html["job_inputs"])
    assert "<script>alert(1)</script>" in html["ui_fields"]["rationale"]

    unknown = by_id[special_ids["unknown_status_event"]]
    assert [e["status_code"] for e in unknown["status_events"]] == [0, 1, 7, 3]
    assert unknown["status_code"] == 3
    assert [job["id"] for job in demo if any(e["status_code"] == 7 for e in job["status_events"])] == [unknown["id"]]
    assert all(0 <= job["status_code"] <= 6 for job in demo)


def test_example_ids_point_at_what_they_name(special_ids: dict[str, str], by_id: dict[str, Job]) -> None:
    examples = {name: by_id[job_id] for name, job_id in special_ids.items() if name.startswith("example_")}
    assert examples["example_cached"]["status_code"] == 6
    assert examples["example_failed"]["status_code"] == 4
    assert examples["example_cancelled"]["status_code"] == 5
    assert [examples[f"example_{s}"]["status_code"] for s in ("pending", "started", "retrying")] == [0, 1, 2]
    assert examples["example_rejected_without_correction"]["feedback_review"]["corrected_verdict"] is None
    assert examples["example_rejected_with_correction"]["feedback_review"]["corrected_verdict"] is not None
    assert examples["example_evaluation_null"]["evaluation"] is None
    assert examples["example_grader_score_null"]["evaluation"]["grader_score"] is None
    assert examples["example_empty_metadata"]["metadata"] == {}


def test_timestamp_spellings(demo: list[Job]) -> None:
    events = [e["timestamp"] for job in demo for e in job["status_events"] if e["timestamp"]]
    assert any(s.endswith("Z") for s in events) and any(s.endswith("+00:00") for s in events)
    assert all(job["created_at"].endswith("Z") for job in demo if job["created_at"].count("+") == 0)
    assert all(at(job["created_at"]) <= REFERENCE_TIME for job in demo)
    assert min(at(job["created_at"]) for job in demo) >= REFERENCE_TIME - timedelta(days=61)


@pytest.mark.parametrize(("agent", "scale"), [("demo", 1), ("large", 100)])
def test_versions_differ_the_way_the_docs_say(agent: str, scale: int) -> None:
    jobs = generate_jobs(6000, seed=0, agent=agent)
    durations: dict[str, list[int]] = defaultdict(list)
    scores: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        if job["status_code"] == 3:
            durations[job["agent_version_name"]].append(job["duration_ms"])
            grader = (job["evaluation"] or {}).get("grader_score")
            if grader is not None:
                scores[job["agent_version_name"]].append(grader / scale)
    assert set(durations) == {"v1.0", "v1.1", "v2.0", "v2.1-canary"}
    medians = {v: statistics.median(d) for v, d in durations.items()}
    assert medians["v2.0"] < 0.6 * medians["v1.1"] < medians["v1.1"] < medians["v1.0"]
    means = {v: statistics.mean(s) for v, s in scores.items()}
    assert means["v1.0"] + 0.05 < means["v1.1"] < means["v2.0"] - 0.05


def test_score_scales(demo: list[Job]) -> None:
    def graders(jobs: list[Job]) -> list[float]:
        return [
            j["evaluation"]["grader_score"]
            for j in jobs
            if j["evaluation"] and j["evaluation"]["grader_score"] is not None
        ]

    assert min(graders(demo)) >= 0 and max(graders(demo)) <= 1
    large = graders(generate_jobs(2000, seed=0, agent="large"))
    assert min(large) >= 0 and max(large) <= 100 and statistics.mean(large) > 50
    humans = [j["evaluation"]["human_score"] for j in demo if j["evaluation"]]
    assert None in humans and any(h is not None for h in humans)
    assert any(j["evaluation"] is None for j in demo if j["status_code"] == 3)


def test_inputs_metadata_and_ui_fields(demo: list[Job]) -> None:
    inputs = [item for job in demo for item in job["job_inputs"]]
    types = Counter(item["data_type"] for item in inputs)
    assert {"text/plain", "application/pdf", "application/json", "image/png"} <= set(types)
    assert all(item["file_name"].endswith(".pdf") for item in inputs if item["data_type"] == "application/pdf")
    assert all(
        isinstance(json.loads(item["value"]), dict) for item in inputs if item["data_type"] == "application/json"
    )
    assert all(set(item) >= {"key", "description", "data_type", "value"} for item in inputs)
    keys = Counter(key for job in demo for key in job["metadata"])
    assert {"customer", "region", "channel"} <= set(keys)
    assert all(isinstance(v, str) for job in demo for v in job["metadata"].values())
    finished = [job for job in demo if job["status_code"] == 3]
    labels = ("suspicious", "not suspicious", "needs escalation")
    assert all(job["ui_fields"]["verdict"].strip().lower() in labels for job in finished)
    assert all(0 <= job["ui_fields"]["confidence"] <= 1 and job["ui_fields"]["cost"] > 0 for job in finished)
    verdicts = Counter(job["ui_fields"]["verdict"].strip().title() for job in finished)
    assert verdicts["Not Suspicious"] > verdicts["Suspicious"] > verdicts["Needs Escalation"]


def test_reviews(demo: list[Job]) -> None:
    reviews = [(job, job["feedback_review"]) for job in demo if job["feedback_review"]]
    statuses = Counter(review["review_status"] for _, review in reviews)
    assert statuses["approved"] > 3 * statuses["rejected"] > 0 and statuses["pending"] > 0
    assert len({review["reviewed_by"] for _, review in reviews} - {None}) == 5
    for job, review in reviews:
        state = {"approved": "agreed", "rejected": "disagreed", "pending": "unreviewed"}[review["review_status"]]
        assert job["review_state"] == state
        if review["review_status"] == "pending":
            assert review["reviewed_at"] is None and review["reviewed_by"] is None
            continue
        ended = max(at(e["timestamp"]) for e in job["status_events"] if e["timestamp"] and e["status_code"] != 6)
        assert at(review["reviewed_at"]) > ended
    rejected = [review for _, review in reviews if review["review_status"] == "rejected"]
    with_correction = sum(review["corrected_verdict"] is not None for review in rejected)
    assert 0 < len(rejected) - with_correction < with_correction
    assert all(job["review_state"] == "unreviewed" for job in demo if job["feedback_review"] is None)


def test_the_same_input_runs_across_versions_and_reviewers(demo: list[Job]) -> None:
    items: dict[str, list[Job]] = defaultdict(list)
    for job in demo:
        items[json.dumps(job["job_inputs"], sort_keys=True)].append(job)
    reruns = [runs for runs in items.values() if len(runs) > 1]
    assert len(reruns) > 200
    assert any(len({job["agent_version_name"] for job in runs}) > 1 for runs in reruns)
    reviewers = [
        {job["feedback_review"]["reviewed_by"] for job in runs if job["feedback_review"]} - {None} for runs in reruns
    ]
    assert sum(len(found) >= 2 for found in reviewers) > 50


# -- the shapes production data has (issue 10): exact counts for seed 0 on the served demo agent --

LABELS = ("Not Suspicious", "Suspicious", "Needs Escalation")


def input_key(job: Job) -> str:
    return json.dumps(job["job_inputs"], sort_keys=True)


def runs_per_input_and_version(jobs: list[Job]) -> dict[tuple[str, str], list[Job]]:
    groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        groups[input_key(job), job["agent_version_name"]].append(job)
    return groups


def one_way_icc(groups: list[list[float]]) -> tuple[float, float]:
    """ICC(1) by the one-way ANOVA estimator (Shrout & Fleiss 1979, with n0 for unequal groups) and n0."""
    sizes = [len(g) for g in groups]
    total, k = sum(sizes), len(groups)
    grand = sum(map(sum, groups)) / total
    means = [sum(g) / len(g) for g in groups]
    msb = sum(n * (m - grand) ** 2 for n, m in zip(sizes, means, strict=True)) / (k - 1)
    msw = sum((x - m) ** 2 for g, m in zip(groups, means, strict=True) for x in g) / (total - k)
    n0 = (total - sum(n * n for n in sizes) / total) / (k - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw), n0


def test_inputs_are_rerun_within_a_version(demo: list[Job]) -> None:
    groups = runs_per_input_and_version(demo)
    sizes = Counter(len(runs) for runs in groups.values())
    assert len(groups) == 810 and len({input_key(job) for job in demo}) == 496
    assert sum(n for size, n in sizes.items() if size >= 2) == 368
    assert sum(n for size, n in sizes.items() if 2 <= size <= 6) == 364
    assert max(sizes) == 8


@pytest.mark.parametrize(("field", "icc_at_least"), [("grader_score", 0.4), ("log_duration", 0.1)])
def test_reruns_of_one_input_correlate(field: str, icc_at_least: float) -> None:
    stats = pytest.importorskip("scipy.stats")
    jobs = generate_jobs(1500, seed=0, agent="demo")
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for job in jobs:
        if job["status_code"] != 3:
            continue
        if field == "grader_score":
            value = (job["evaluation"] or {}).get("grader_score")
        else:
            value = math.log(job["duration_ms"])
        if value is not None:
            values[input_key(job), job["agent_version_name"]].append(value)
    groups = [runs for runs in values.values() if len(runs) >= 2]
    icc, n0 = one_way_icc(groups)
    anova = stats.f_oneway(*groups)
    # ICC(1) = (F - 1) / (F + n0 - 1) for the one-way ANOVA's F (scipy computes F independently).
    assert icc == pytest.approx((anova.statistic - 1) / (anova.statistic + n0 - 1), rel=1e-9)
    assert icc > icc_at_least and anova.pvalue < 1e-6


def test_rejections_without_a_correction_and_contradictory_approvals(demo: list[Job]) -> None:
    reviewed = [job for job in demo if job["feedback_review"]]
    statuses = Counter(job["feedback_review"]["review_status"] for job in reviewed)
    assert statuses == {"approved": 552, "rejected": 160, "pending": 62}
    rejected = [job["feedback_review"] for job in reviewed if job["feedback_review"]["review_status"] == "rejected"]
    assert sum(review["corrected_verdict"] is None for review in rejected) == 39
    contradictory = [
        job
        for job in reviewed
        if job["feedback_review"]["review_status"] == "approved" and job["feedback_review"]["corrected_verdict"]
    ]
    assert len(contradictory) == 7
    # The correction names another label than the verdict the reviewer approved.
    for job in contradictory:
        verdict, corrected = job["ui_fields"]["verdict"], job["feedback_review"]["corrected_verdict"]
        assert verdict.strip().lower() != corrected.strip().lower()


def test_labels_that_differ_only_in_case_or_spaces(demo: list[Job]) -> None:
    canonical = {label.lower(): label for label in LABELS}
    verdicts = [job["ui_fields"]["verdict"] for job in demo if "verdict" in job["ui_fields"]]
    corrections = [
        job["feedback_review"]["corrected_verdict"]
        for job in demo
        if job["feedback_review"] and job["feedback_review"]["corrected_verdict"] is not None
    ]
    for written in (verdicts, corrections):
        assert all(label.strip().lower() in canonical for label in written)
    assert sum(label not in LABELS for label in verdicts) == 39
    assert sum(label not in LABELS for label in corrections) == 5
    assert {" Not Suspicious ", "NOT SUSPICIOUS", "suspicious "} <= set(verdicts)


def test_agents_share_version_names_on_different_score_scales() -> None:
    def scores(jobs: list[Job]) -> list[float]:
        return [
            j["evaluation"]["grader_score"] for j in jobs if (j["evaluation"] or {}).get("grader_score") is not None
        ]

    demo, small = generate_jobs(1500, seed=0, agent="demo"), generate_jobs(40, seed=0, agent="small")
    names = {"v1.0", "v1.1", "v2.0", "v2.1-canary"}
    assert {j["agent_version_name"] for j in demo} == names == {j["agent_version_name"] for j in small}
    assert min(scores(demo)) >= 0 and max(scores(demo)) <= 1
    assert max(scores(small)) > 1 and max(scores(small)) <= 100


def test_a_canary_version_with_very_few_jobs(demo: list[Job]) -> None:
    versions = Counter(job["agent_version_name"] for job in demo)
    assert versions == {"v1.0": 524, "v1.1": 488, "v2.0": 484, "v2.1-canary": 4}
    canary_start = REFERENCE_TIME.replace(day=29, month=5, hour=0)
    assert all(at(job["created_at"]) >= canary_start for job in demo if job["agent_version_name"] == "v2.1-canary")


def test_one_reviewer_re_reviews_inputs(demo: list[Job]) -> None:
    reviews: dict[tuple[str, str], int] = Counter(
        (job["feedback_review"]["reviewed_by"], input_key(job))
        for job in demo
        if job["feedback_review"] and job["feedback_review"]["reviewed_by"]
    )
    repeated = Counter(reviewer for (reviewer, _), n in reviews.items() if n >= 2)
    assert repeated == {
        "dmitri.volkov@northwind-risk.example": 48,
        "bruno.costa@northwind-risk.example": 26,
        "alice.nguyen@northwind-risk.example": 23,
        "chioma.eze@northwind-risk.example": 18,
        "emma.schulz@northwind-risk.example": 4,
    }
