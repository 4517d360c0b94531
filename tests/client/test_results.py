"""Results, versions and agents through the client, against the sandbox over real HTTP (issue 13).

Costs and tokens are checked against the sandbox's own answers, read with plain httpx and summed
in plain Python; batching by the requests the sandbox logged; failures by its faults.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis._schema import FRAME_SCHEMAS
from roe_analysis.api import status_error
from roe_analysis.sandbox import Sandbox

from ..conftest import MakeClient


@pytest.fixture
def sb(roe_sandbox: Sandbox) -> Sandbox:
    return roe_sandbox


def served_results(sb: Sandbox, job_ids: list[str]) -> list[dict[str, Any]]:
    """The sandbox's answer for ``job_ids``, asked with plain httpx in batches of 1,000."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(job_ids), 1000):
        response = httpx.post(
            f"{sb.base_url}/v1/agents/jobs/results/",
            params={"organization_id": sb.organization_id},
            headers={"Authorization": f"Bearer {sb.api_key}"},
            json={"job_ids": job_ids[start : start + 1000]},
        )
        response.raise_for_status()
        out += response.json()
    return out


def results_requests(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests if r.path == "/v1/agents/jobs/results/"]


def test_results_hold_every_job_s_cost_tokens_and_outputs_exactly(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], progress=False, results=True)
    ids = frames.jobs.get_column("id").to_list()
    served = served_results(sb, ids)
    assert frames.results.schema == FRAME_SCHEMAS["results"]
    assert frames.results.get_column("job_id").to_list() == ids == [item["id"] for item in served]
    by_id = {item["id"]: item for item in served}
    rows = frames.results.rows_by_key("job_id", named=True, unique=True)
    for job_id in ids:
        item, row = by_id[job_id], rows[job_id]
        assert (row["cost"], row["input_tokens"], row["output_tokens"]) == (
            item["cost"],
            item["input_tokens"],
            item["output_tokens"],
        ), job_id
        assert (row["status_code"], row["agent_version_id"]) == (item["status"], item["agent_version_id"])
        assert row["n_outputs"] == len(item["result"] or [])
        assert row["n_corrected_outputs"] == len(item["corrected_outputs"] or [])
    # Totals in plain Python over the sandbox's own answer.
    assert frames.results.get_column("cost").sum() == pytest.approx(sum(i["cost"] or 0.0 for i in served), abs=1e-12)
    assert frames.results.get_column("input_tokens").sum() == sum(i["input_tokens"] or 0 for i in served)
    expected_outputs = sum(len(i["result"] or []) + len(i["corrected_outputs"] or []) for i in served)
    assert frames.outputs.height == expected_outputs
    assert frames.query["results"] is True and frames.query["results_missing"] == 0


def test_outputs_keep_each_datum_and_tell_corrections_apart(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], progress=False, results=True)
    served = {i["id"]: i for i in served_results(sb, frames.jobs.get_column("id").to_list())}
    corrected = next(i for i in served.values() if i["corrected_outputs"])
    mine = frames.outputs.filter(pl.col("job_id") == corrected["id"])
    expected = [
        (flag, index, d["key"], d["data_type"], d["value"], d.get("description"), d.get("cost"))
        for flag, data in ((False, corrected["result"] or []), (True, corrected["corrected_outputs"]))
        for index, d in enumerate(data)
    ]
    got = mine.select("corrected", "output_index", "key", "data_type", "value", "description", "cost").rows()
    assert got == expected
    # A corrected verdict is the reviewer's: the same text the jobs frame holds.
    verdict = mine.filter(pl.col("corrected") & (pl.col("key") == "verdict")).get_column("value").item()
    job = frames.jobs.filter(pl.col("id") == corrected["id"])
    assert verdict == job.get_column("corrected_verdict").item()


def test_results_are_fetched_in_batches_of_1000_at_once(sb: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sb)
    frames = client.load_jobs(sb.agents["large"], progress=False)
    sb.clear_requests()
    with_results = client.load_results(frames)
    posts = results_requests(sb)
    assert len(posts) == 6  # ⌈6,000 / 1,000⌉
    assert with_results.results.height == 6000
    assert with_results.results.get_column("job_id").to_list() == frames.jobs.get_column("id").to_list()


def test_batches_go_concurrently_not_one_after_another(sb: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sb, concurrency=8)
    frames = client.load_jobs(sb.agents["large"], progress=False)
    sb.clear_requests()
    with sb.faults("latency=300ms"):
        client.load_results(frames)
    arrivals = sorted(r.time for r in results_requests(sb))
    # Six batches at once: all six arrived before the first could have been answered.
    assert len(arrivals) == 6
    assert (arrivals[-1] - arrivals[0]).total_seconds() < 0.3


def test_a_429_on_a_batch_is_waited_out_and_retried(sb: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sb)
    frames = client.load_jobs(sb.agents["large"], progress=False)
    sb.clear_requests()
    with sb.faults("429:times=2,retry_after=0"):
        with_results = client.load_results(frames)
    assert with_results.results.height == 6000
    assert [r.status for r in results_requests(sb)].count(429) == 2
    assert len(results_requests(sb)) == 8


def test_a_batch_that_keeps_failing_raises_with_every_other_batch_kept(sb: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sb, max_retries=0, concurrency=1)
    frames = client.load_jobs(sb.agents["large"], progress=False)
    with sb.faults("500:after=2,times=1"), pytest.raises(ra.ServerError) as info:
        client.load_results(frames)
    err = info.value
    assert "results batch 3 of 6 (1,000 job ids)" in "\n".join(err.__notes__)
    partial = err.partial
    assert isinstance(partial, ra.JobFrames)
    assert partial.jobs.height == 6000
    ids = frames.jobs.get_column("id").to_list()
    assert partial.results.get_column("job_id").to_list() == ids[:2000] + ids[3000:]
    assert partial.query["results"] is False


def test_a_job_deleted_before_its_result_is_asked_for_is_counted_and_warned(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["small"], progress=False)
    gone = frames.jobs.get_column("id").to_list()[5]
    sb.delete_job(gone)
    with pytest.warns(ra.MissingResultsWarning) as caught:
        with_results = client.load_results(frames)
    assert str(caught[0].message) == (
        f"Results: 39 of 40 jobs have one; no result for 1 job the server did not answer for (deleted since "
        f"they were listed, or unknown to it; e.g. {gone}). Their cost and tokens are missing (null), never "
        f"counted as 0."
    )
    assert with_results.results.height == 39 and gone not in with_results.results.get_column("job_id").to_list()
    assert with_results.query["results_missing"] == 1


def test_a_batch_refused_with_403_is_counted_and_warned(sb: Sandbox, client: ra.RoeClient) -> None:
    small = client.load_jobs(sb.agents["small"], progress=False)
    forbidden = [j["id"] for j in sb.jobs("forbidden")]
    jobs = pl.concat([small.jobs, small.jobs.head(len(forbidden)).with_columns(id=pl.Series(forbidden))])
    frames = ra.JobFrames.from_tables(jobs=jobs)
    with pytest.warns(ra.MissingResultsWarning, match=r"no result for 65 jobs in batches the server refused with 403"):
        with_results = client.load_results(frames)
    # 40 + 25 ids go in one batch, so the 403 refuses the whole batch: every one is counted.
    assert with_results.results.height == 0 and with_results.query["results_missing"] == 65


def test_load_results_takes_a_snapshot_path_and_refuses_anything_else(
    sb: Sandbox, client: ra.RoeClient, tmp_path: Any
) -> None:
    frames = client.load_jobs(sb.agents["small"], progress=False)
    frames.save(tmp_path / "snap")
    sb.clear_requests()
    with_results = client.load_results(tmp_path / "snap")
    assert with_results.results.height == 40 and len(sb.requests) == 1
    with pytest.raises(ra.ArgumentTypeError, match=r"^load_results takes JobFrames or a snapshot folder; got list"):
        client.load_results([1, 2])  # type: ignore[arg-type]


def test_results_and_versions_are_saved_and_loaded_with_the_snapshot(
    sb: Sandbox, client: ra.RoeClient, tmp_path: Any, assert_same_frames: Any
) -> None:
    frames = client.load_jobs(sb.agents["small"], progress=False, results=True, versions=True)
    assert frames.results.height == 40 and frames.versions.height > 0
    loaded = ra.JobFrames.load(frames.save(tmp_path / "snap"))
    assert_same_frames(loaded, frames)
    assert loaded.query["results"] is True and loaded.query["versions"] is True


def test_versions_frame_holds_each_version_with_its_model(sb: Sandbox, client: ra.RoeClient) -> None:
    versions = client.load_versions(sb.agents["demo"])
    assert versions.schema == FRAME_SCHEMAS["versions"]
    served = httpx.get(
        f"{sb.base_url}/v1/agents/{sb.agents['demo']}/versions/",
        params={"organization_id": sb.organization_id},
        headers={"Authorization": f"Bearer {sb.api_key}"},
    ).json()
    assert versions.get_column("version_id").to_list() == [v["id"] for v in served]
    assert versions.get_column("version_name").to_list() == [v["version_name"] for v in served]
    models = [v["engine_config"].get("model") if isinstance(v["engine_config"], dict) else None for v in served]
    assert versions.get_column("model").to_list() == models
    assert [json.loads(c) for c in versions.get_column("engine_config").to_list()] == [
        v["engine_config"] for v in served
    ]
    assert set(versions.get_column("agent_name").to_list()) == {served[0]["base_agent"]["name"]}
    # Every version the jobs name (but a deleted one) is there to join on by name.
    frames = client.load_jobs(sb.agents["demo"], progress=False, versions=True)
    assert frames.versions.equals(versions)


def test_versions_of_an_unknown_agent_is_an_agent_not_found_error(sb: Sandbox, client: ra.RoeClient) -> None:
    with pytest.raises(ra.NotFoundError):
        client.load_versions("00000000-0000-4000-8000-00000000dead")


def test_list_agents_pages_through_every_agent(sb: Sandbox, client: ra.RoeClient) -> None:
    agents = client.list_agents()
    assert agents.schema == ra.AGENTS_SCHEMA
    served = httpx.get(
        f"{sb.base_url}/v1/agents/",
        params={"organization_id": sb.organization_id, "page_size": 1000},
        headers={"Authorization": f"Bearer {sb.api_key}"},
    ).json()
    assert agents.get_column("agent_id").to_list() == [a["id"] for a in served["results"]]
    assert agents.height == served["count"]
    counts = dict(zip(agents.get_column("agent_id"), agents.get_column("job_count"), strict=True))
    assert counts[sb.agents["demo"]] == 1500 and counts[sb.agents["small"]] == 40
    quick = client.list_agents(include_job_stats=False)
    assert quick.get_column("job_count").null_count() == quick.height


def test_the_new_arguments_are_checked_before_any_request(sb: Sandbox, client: ra.RoeClient) -> None:
    sb.clear_requests()
    with pytest.raises(ra.ArgumentTypeError, match=r"^results must be True or False; got 'yes'\."):
        client.load_jobs(sb.agents["small"], progress=False, results="yes")  # type: ignore[arg-type]
    with pytest.raises(ra.ArgumentTypeError, match=r"^include_job_stats must be True or False; got 1\."):
        client.list_agents(include_job_stats=1)  # type: ignore[arg-type]
    assert sb.requests == []


def test_an_empty_load_has_empty_results_with_the_fixed_schema(sb: Sandbox, client: ra.RoeClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = client.load_jobs(sb.agents["empty"], progress=False, results=True, versions=True)
    assert frames.results.height == 0 and frames.results.schema == FRAME_SCHEMAS["results"]
    assert frames.outputs.schema == FRAME_SCHEMAS["outputs"]
    assert not results_requests(sb)  # no ids, no request


def test_review_state_filters_on_the_server(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = client.load_jobs(sb.agents["demo"], progress=False, review_state=["disagreed", "Agreed"])
    expected = [j["id"] for j in sb.jobs("demo") if j.get("review_state") in ("agreed", "disagreed")]
    assert frames.jobs.get_column("id").to_list() == expected
    assert set(frames.jobs.get_column("review_state").unique().to_list()) == {"agreed", "disagreed"}
    asked = {r.query.get("review_state") for r in sb.requests if r.path.endswith("/jobs/")}
    assert asked == {"disagreed,agreed"}
    assert frames.query["filters"]["review_state"] == ["disagreed", "agreed"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "agred",
            "review_state 'agred' is not a review state: use unreviewed, agreed, disagreed. Did you mean 'agreed'?",
        ),
        ([], "review_state is empty: give one of unreviewed, agreed, disagreed, or leave it out."),
        (3, "review_state must be one of unreviewed, agreed, disagreed, a comma list or a list of them; got int 3."),
    ],
)
def test_a_bad_review_state_is_refused_before_any_request(
    sb: Sandbox, client: ra.RoeClient, value: object, message: str
) -> None:
    sb.clear_requests()
    with pytest.raises(ra.InvalidArgumentError) as info:
        client.load_jobs(sb.agents["demo"], progress=False, review_state=value)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert sb.requests == []


def test_frames_whose_ids_are_not_uuids_are_refused_before_any_request(sb: Sandbox, client: ra.RoeClient) -> None:
    frames = ra.JobFrames.from_tables(jobs={"id": [sb.jobs("small")[0]["id"], "job-7", None]})
    sb.clear_requests()
    with pytest.raises(ra.InvalidArgumentError) as info:
        client.load_results(frames)
    assert str(info.value) == (
        "results can only be asked for jobs with a UUID id; 2 jobs of 3 have none (e.g. 'job-7'). Load the jobs "
        "from the API (client.load_jobs) or drop those rows first."
    )
    assert sb.requests == []


def test_a_400_on_a_batch_names_the_item_the_server_refused(sb: Sandbox) -> None:
    # DRF reports a list field's item errors under their index; the error names the path.
    response = httpx.post(
        f"{sb.base_url}/v1/agents/jobs/results/",
        params={"organization_id": sb.organization_id},
        headers={"Authorization": f"Bearer {sb.api_key}"},
        json={"job_ids": [sb.jobs("small")[0]["id"], "nope"]},
    )
    err = status_error(response, page=None, attempts=1)
    assert isinstance(err, ra.BadRequestError)
    assert err.field_errors == {"job_ids[1]": ["Must be a valid UUID."]}
    assert "job_ids[1]: Must be a valid UUID." in str(err)
