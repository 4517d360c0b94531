"""``POST /v1/agents/jobs/results/``: what a job's result says, and how the request is validated.

Costs are recomputed here from `MODELS` and `VERSION_MODELS` with the documented rule, never taken
from the sandbox's own code; the token counts of a few jobs are pinned literally.
"""

from __future__ import annotations

import json
import math
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from roe_analysis.sandbox import MODELS, RESULT_CASES, VERSION_MODELS, VERSIONS, Sandbox

Post = Callable[..., httpx.Response]
UNKNOWN = "0b0e0c0a-0000-4000-8000-000000000000"


def billed(version: str, input_tokens: int, output_tokens: int) -> float:
    """The documented billing rule, from the public price table."""
    price = MODELS[VERSION_MODELS[version]]
    return round(input_tokens * price.input_per_million / 1e6 + output_tokens * price.output_per_million / 1e6, 6)


@pytest.fixture
def post(sb: Sandbox, client: httpx.Client) -> Post:
    """``post(ids)``: ask for these jobs' results (``json=``/``content=`` and params override)."""

    def send(job_ids: Any = None, **options: Any) -> httpx.Response:
        params = options.pop("params", {"organization_id": sb.organization_id})
        if "content" not in options and "json" not in options:
            options["json"] = {"job_ids": job_ids}
        return client.post(sb.results_url, params=params, **options)

    return send


@pytest.fixture(scope="module")
def demo_results() -> Iterator[tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]]:
    """Every demo result as served over HTTP (two requests of at most 1,000), and the jobs by id."""
    with Sandbox(seed=0, sizes={"large": 0}) as sandbox:
        jobs = sandbox.jobs("demo")
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        items: list[dict[str, Any]] = []
        for start in range(0, len(jobs), 1000):
            chunk = [job["id"] for job in jobs[start : start + 1000]]
            response = httpx.post(sandbox.results_url, json={"job_ids": chunk}, headers=headers, timeout=30)
            assert response.status_code == 200
            items += response.json()
        yield items, {job["id"]: job for job in jobs}


# -- content ----------------------------------------------------------------------------------------

#: name → (job id, version, status, input tokens, output tokens, cost), seed 0.
PINNED = {
    "example_retried": ("3e3d54f3-9e65-42ec-b708-a205cc2845fd", "v1.0", 3, 7023, 638, 0.023938),
    "example_failed": ("49896932-aea4-4669-b84e-69f1709df884", "v1.0", 4, 1029, 340, 0.005973),
    "example_cancelled": ("22097bb6-a967-47b3-9b6f-e0f2525dd708", "v1.0", 5, 374, 34, 0.001275),
    "example_cached": ("16f267af-f82e-43f5-8945-c7dadfb3deeb", "v1.0", 6, 0, 0, 0.0),
    "example_pending": ("505d43f0-bea2-409e-9559-670509506536", "v2.0", 0, None, None, None),
    "example_started": ("f387cf4a-7473-48d6-ae54-3a65a09f5bc9", "v2.0", 1, None, None, None),
    "example_retrying": ("a889a6b6-2213-4296-9e67-3e0c884af14a", "v2.0", 2, None, None, None),
    "large_input": ("cfa45258-18ef-42bc-8202-fa74eb0e1a81", "v2.0", 3, 29826, 1806, 0.55575),
    "html_injection": ("09dbf796-7899-4ba8-8d9e-ee059d8dbc52", "v2.0", 3, 1802, 643, 0.06561),
    "no_output_tokens_1": ("284651b0-7bb8-4bb0-bb78-ed0665adef01", "v2.0", 3, 1802, 0, 0.02703),
    "no_output_tokens_2": ("66df0718-0925-4b26-860b-82983f2fc8f5", "v1.1", 3, 1094, 0, 0.000164),
    "no_output_tokens_3": ("451a4488-ca3a-4393-9628-97c7b80b10d8", "v2.0", 3, 3680, 0, 0.0552),
    "empty_result": ("91b4e76b-ce60-41ae-a88d-9303de50d86a", "v1.1", 3, 2175, 505, 0.000629),
    "cost_not_billed": ("0a85fa97-1589-459d-b498-600522966622", "v2.0", 3, 1831, 1259, None),
}


def test_pinned_jobs_have_exact_tokens_and_costs(sb: Sandbox, post: Post) -> None:
    ids = [sb.special_job_ids[name] for name in PINNED]
    served = {item["id"]: item for item in post(ids).json()}
    versions = {job["id"]: job["agent_version_name"] for job in sb.jobs("demo")}
    for name, (job_id, version, status, input_tokens, output_tokens, cost) in PINNED.items():
        item = served[job_id]
        assert sb.special_job_ids[name] == job_id
        assert versions[job_id] == version
        assert (item["status"], item["input_tokens"], item["output_tokens"], item["cost"]) == (
            status,
            input_tokens,
            output_tokens,
            cost,
        ), name
        if cost is not None:
            assert cost == billed(version, input_tokens, output_tokens)
    # What each status class means, on these jobs.
    success, failed, cancelled = (
        served[PINNED[n][0]] for n in ("example_retried", "example_failed", "example_cancelled")
    )
    assert 0 < cancelled["cost"] < failed["cost"] < success["cost"]


def test_every_cost_follows_the_billing_rule(demo_results: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    items, jobs = demo_results
    for item in items:
        job = jobs[item["id"]]
        status = job["status_code"]
        if status in (0, 1, 2):
            assert (item["cost"], item["input_tokens"], item["output_tokens"], item["result"]) == (None,) * 4
        elif status == 6:
            assert (item["cost"], item["input_tokens"], item["output_tokens"]) == (0.0, 0, 0)
        else:
            assert item["input_tokens"] > 0
            if item["id"] != PINNED["cost_not_billed"][0]:
                assert item["cost"] == billed(job["agent_version_name"], item["input_tokens"], item["output_tokens"])
                assert item["cost"] > 0


def test_input_tokens_follow_the_inputs_and_retries(demo_results: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    # A text-only SUCCESS spends prompt + ceil(chars / 4) per attempt, within the +/- 3% jitter.
    items, jobs = demo_results
    prompts = {version.name: version.prompt_tokens for version in VERSIONS}
    checked = 0
    for item in items:
        job = jobs[item["id"]]
        kinds = {entry["data_type"] for entry in job["job_inputs"]}
        if (
            job["status_code"] != 3
            or job["agent_version_name"] not in prompts
            or kinds & {"application/pdf", "image/png"}
        ):
            continue
        attempts = 1 + sum(event["status_code"] == 2 for event in job["status_events"])
        base = prompts[job["agent_version_name"]] + math.ceil(sum(len(e["value"]) for e in job["job_inputs"]) / 4)
        assert round(base * attempts * 0.97) <= item["input_tokens"] <= round(base * attempts * 1.03), job["id"]
        checked += 1
    assert checked > 500
    with_pdf = [i["input_tokens"] for i in items if i["status"] == 3 and "pdf" in json.dumps(i["inputs"])]
    without = [i["input_tokens"] for i in items if i["status"] == 3 and "pdf" not in json.dumps(i["inputs"])]
    assert sum(with_pdf) / len(with_pdf) > sum(without) / len(without) + 2000


def test_the_cost_quality_trade_off(demo_results: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    items, jobs = demo_results
    costs: dict[str, list[float]] = defaultdict(list)
    for item in items:
        if item["cost"] is not None:
            costs[jobs[item["id"]]["agent_version_name"]].append(item["cost"])
    means = {version: round(sum(values) / len(values), 6) for version, values in costs.items()}
    assert means == {"v1.0": 0.009462, "v1.1": 0.000506, "v2.0": 0.086126, "v2.1-canary": 0.008094}
    assert means["v1.1"] < means["v1.0"] < means["v2.0"]
    assert {version: len(values) for version, values in costs.items()} == {
        "v1.0": 524,
        "v1.1": 488,
        "v2.0": 475,
        "v2.1-canary": 3,
    }
    # Quality runs the other way for v2.0, and v1.0 is worse than both: it is dominated.
    scores: dict[str, list[float]] = defaultdict(list)
    for job in jobs.values():
        if job["evaluation"] and job["evaluation"]["grader_score"] is not None and job["status_code"] == 3:
            scores[job["agent_version_name"]].append(job["evaluation"]["grader_score"])
    mean_score = {version: sum(values) / len(values) for version, values in scores.items()}
    assert mean_score["v1.0"] < mean_score["v1.1"] < mean_score["v2.0"]


def test_the_billed_cost_and_the_agents_own_estimate_disagree(
    demo_results: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    items, jobs = demo_results
    estimates: dict[str, float] = defaultdict(float)
    bills: dict[str, float] = defaultdict(float)
    for item in items:
        job = jobs[item["id"]]
        if item["status"] == 3 and item["cost"] is not None:
            assert job["ui_fields"]["cost"] != item["cost"]
            estimates[job["agent_version_name"]] += job["ui_fields"]["cost"]
            bills[job["agent_version_name"]] += item["cost"]
    # In total the agent overstates v1.0 fourfold and v1.1 65-fold, and understates v2.0 fourfold.
    ratios = {version: round(estimates[version] / bills[version], 1) for version in ("v1.0", "v1.1", "v2.0")}
    assert ratios == {"v1.0": 3.9, "v1.1": 65.3, "v2.0": 0.2}


def test_outputs_and_corrections(sb: Sandbox, post: Post) -> None:
    jobs = {job["id"]: job for job in sb.jobs("demo")}
    html = sb.special_job_ids["html_injection"]
    corrected = sb.special_job_ids["example_rejected_with_correction"]
    failed = sb.special_job_ids["example_failed"]
    cached = sb.special_job_ids["example_cached"]
    served = {item["id"]: item for item in post([html, corrected, failed, cached]).json()}
    item = served[html]
    fields = jobs[html]["ui_fields"]
    assert item["result"] == [
        {
            "key": key,
            "description": item["result"][index]["description"],
            "data_type": "text/plain" if isinstance(value, str) else "application/json",
            "value": value if isinstance(value, str) else json.dumps(value),
            "cost": item["cost"],
        }
        for index, (key, value) in enumerate(fields.items())
    ]
    assert [d["key"] for d in item["result"]] == ["verdict", "confidence", "cost", "rationale"]
    assert all(d["description"] for d in item["result"])
    assert item["inputs"] == jobs[html]["job_inputs"]
    assert item["agent_id"] == sb.agents["demo"]
    assert item["agent_version_id"] == sb.version_ids("demo")["v2.0"]
    assert item["corrected_outputs"] is None
    review = jobs[corrected]["feedback_review"]
    assert served[corrected]["corrected_outputs"] == [
        {
            "key": "verdict",
            "description": "The reviewer's corrected verdict",
            "data_type": "text/plain",
            "value": review["corrected_verdict"],
        }
    ]
    assert served[failed]["result"] is None
    assert [d["cost"] for d in served[cached]["result"]] == [0.0, 0.0, 0.0]


def test_the_odd_results(sb: Sandbox, post: Post) -> None:
    names = list(RESULT_CASES)
    assert names == [
        "no_output_tokens_1",
        "no_output_tokens_2",
        "no_output_tokens_3",
        "empty_result",
        "cost_not_billed",
    ]
    served = {item["id"]: item for item in post([sb.special_job_ids[n] for n in names]).json()}
    jobs = {job["id"]: job for job in sb.jobs("demo")}
    for name in names:
        job = jobs[sb.special_job_ids[name]]
        assert job["status_code"] == 3 and job["agent_version_name"] in {"v1.0", "v1.1", "v2.0"}
    for name in names[:3]:
        item = served[sb.special_job_ids[name]]
        assert item["output_tokens"] == 0 and item["input_tokens"] > 0 and item["result"]
    assert served[sb.special_job_ids["empty_result"]]["result"] == []
    lagging = served[sb.special_job_ids["cost_not_billed"]]
    assert lagging["cost"] is None and lagging["input_tokens"] > 0 and lagging["output_tokens"] > 0
    assert all("cost" not in datum for datum in lagging["result"])
    newest_success = next(
        j for j in sb.jobs("demo") if j["status_code"] == 3 and j["agent_version_name"] != "v2.1-canary"
    )
    assert newest_success["id"] == sb.special_job_ids["cost_not_billed"]


def test_a_deleted_versions_jobs_have_no_version_id(sb: Sandbox, post: Post) -> None:
    canary = [job["id"] for job in sb.jobs("demo") if job["agent_version_name"] == "v2.1-canary"]
    assert len(canary) == 4
    assert [item["agent_version_id"] for item in post(canary).json()] == [None] * 4
    # Elsewhere the canary was not deleted.
    small = next(job["id"] for job in sb.jobs("small") if job["agent_version_name"] == "v2.1-canary")
    assert post([small]).json()[0]["agent_version_id"] == sb.version_ids("small")["v2.1-canary"]


def test_results_follow_mutations(sb: Sandbox, post: Post) -> None:
    job_id = sb.special_job_ids["example_pending"]
    assert post([job_id]).json()[0]["cost"] is None
    sb.update_job(job_id, status_code=1)
    sb.update_job(job_id, status_code=3)
    item = post([job_id]).json()[0]
    assert item["status"] == 3 and item["cost"] == billed("v2.0", item["input_tokens"], item["output_tokens"])
    assert sb.job_result(job_id) == item
    # A version no model is known for: no tokens, no cost, no version id.
    made_up = sb.create_job("small", status_code=3, agent_version_name="v9-experimental")
    item = post([made_up["id"]]).json()[0]
    assert (item["agent_version_id"], item["cost"], item["input_tokens"], item["output_tokens"]) == (None,) * 4
    assert [datum["key"] for datum in item["result"]] == ["verdict", "confidence", "cost"]


# -- the request ------------------------------------------------------------------------------------


def test_order_duplicates_unknown_ids_and_other_agents(sb: Sandbox, post: Post) -> None:
    demo = [job["id"] for job in sb.jobs("demo")[:3]]
    small = sb.jobs("small")[0]["id"]
    asked = [demo[2], UNKNOWN, demo[0], small, demo[2].upper(), "{" + demo[1] + "}", demo[0].replace("-", "")]
    response = post(asked)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [demo[2], demo[0], small, demo[1]]
    assert [item["agent_id"] for item in response.json()] == [sb.agents["demo"]] * 2 + [sb.agents["small"]] * 1 + [
        sb.agents["demo"]
    ]
    assert post([UNKNOWN]).json() == []
    assert sb.requests[-2].job_ids == len(asked)


def test_a_thousand_ids_are_fine_and_one_more_is_not(sb: Sandbox, post: Post) -> None:
    ids = [job["id"] for job in sb.jobs("demo")[:1000]]
    response = post(ids)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == ids
    too_many = post([*ids, sb.jobs("demo")[1000]["id"]])
    assert (too_many.status_code, too_many.json()) == (
        400,
        {"job_ids": ["Ensure this field has no more than 1000 elements."]},
    )
    # 1,001 copies of one id are still 1,001 elements.
    assert post([ids[0]] * 1001).status_code == 400


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"job_ids": []}, {"job_ids": ["This list may not be empty."]}),
        ({}, {"job_ids": ["This field is required."]}),
        ({"ids": [UNKNOWN]}, {"job_ids": ["This field is required."]}),
        ({"job_ids": None}, {"job_ids": ["This field may not be null."]}),
        ({"job_ids": UNKNOWN}, {"job_ids": ['Expected a list of items but got type "str".']}),
        ({"job_ids": {"a": UNKNOWN}}, {"job_ids": ['Expected a list of items but got type "dict".']}),
        ({"job_ids": 7}, {"job_ids": ['Expected a list of items but got type "int".']}),
        ({"job_ids": [UNKNOWN, "nope"]}, {"job_ids": {"1": ["Must be a valid UUID."]}}),
        ({"job_ids": ["x", 1.5, None, -1]}, {"job_ids": {
            "0": ["Must be a valid UUID."], "1": ["Must be a valid UUID."], "2": ["This field may not be null."],
            "3": ["Must be a valid UUID."]}}),
        ([UNKNOWN], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        (None, {"non_field_errors": ["This field may not be null."]}),
    ],
)  # fmt: skip
def test_400_bodies(post: Post, body: Any, expected: dict[str, Any]) -> None:
    response = post(content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, expected)


def test_an_item_error_is_reported_before_the_length(sb: Sandbox, post: Post) -> None:
    ids = [job["id"] for job in sb.jobs("demo")[:1001]]
    ids[5] = "not-a-uuid"
    assert post(ids).json() == {"job_ids": {"5": ["Must be a valid UUID."]}}


def test_an_integer_is_a_uuid_as_drf_reads_it(post: Post) -> None:
    assert post([12, True]).json() == []
    assert post([12]).status_code == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{oops", "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (b'{"job_ids": [NaN]}', "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"),
        (b"\xff\xfe", "JSON parse error - 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ],
)
def test_malformed_json_is_a_parse_error(post: Post, content: bytes, message: str) -> None:
    response = post(content=content, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_parse_errors_follow_the_error_style(roe_sandbox_factory: Callable[..., Sandbox]) -> None:
    detail = roe_sandbox_factory(error_style="detail", sizes={"demo": 30, "large": 5})
    response = httpx.post(
        detail.results_url,
        content=b"[",
        headers={"Authorization": f"Bearer {detail.api_key}", "Content-Type": "application/json"},
    )
    assert response.json() == {"detail": "JSON parse error - Expecting value: line 1 column 2 (char 1)"}


def test_bodies_that_are_not_json(sb: Sandbox, client: httpx.Client, post: Post) -> None:
    demo = sb.jobs("demo")[0]["id"]
    plain = post(content=b"job_ids=x", headers={"Content-Type": "text/plain"})
    assert (plain.status_code, plain.json()) == (415, {"message": 'Unsupported media type "text/plain" in request.'})
    form = client.post(sb.results_url, data={"job_ids": [demo, UNKNOWN]})
    assert [item["id"] for item in form.json()] == [demo]
    empty = client.post(sb.results_url)
    assert (empty.status_code, empty.json()) == (400, {"job_ids": ["This field is required."]})
    charset = post(content=json.dumps({"job_ids": [demo]}).encode("utf-16"),
                   headers={"Content-Type": "application/json; charset=utf-16"})  # fmt: skip
    assert [item["id"] for item in charset.json()] == [demo]


def test_a_body_over_ten_megabytes_is_413(sb: Sandbox, client: httpx.Client) -> None:
    body = json.dumps({"job_ids": [UNKNOWN] * 300_000}).encode()
    assert len(body) > 10 * 1024 * 1024
    response = client.post(sb.results_url, content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (413, {"message": "Request body is too large."})
    assert sb.requests[-1].status == 413
    # The connection is closed, and the next request opens another one.
    after = client.post(sb.results_url, json={"job_ids": [UNKNOWN]})
    assert after.json() == []
    record = sb.requests[-1]
    assert (record.method, record.status, record.body_size, record.job_ids) == (
        "POST",
        200,
        len(after.request.content),
        1,
    )


def test_a_chunked_body_is_read(sb: Sandbox, client: httpx.Client) -> None:
    demo = sb.jobs("demo")[0]["id"]

    def chunks() -> Iterator[bytes]:
        yield b'{"job_ids": ["'
        yield demo.encode()
        yield b'"]}'

    response = client.post(sb.results_url, content=chunks(), headers={"Content-Type": "application/json"})
    assert [item["id"] for item in response.json()] == [demo]


def test_a_forbidden_job_makes_the_whole_request_403(sb: Sandbox, post: Post) -> None:
    forbidden = sb.jobs("forbidden")[0]["id"]
    response = post([sb.jobs("demo")[0]["id"], forbidden])
    assert (response.status_code, response.json()) == (
        403,
        {"message": "You do not have permission to access one or more of these jobs."},
    )
    assert post([forbidden, "nope"]).status_code == 400
    assert sb.job_result(forbidden)["agent_id"] == sb.forbidden_agent_id


def test_authentication_method_and_organization(sb: Sandbox, client: httpx.Client, post: Post) -> None:
    demo = [sb.jobs("demo")[0]["id"]]
    anonymous = httpx.post(sb.results_url, json={"job_ids": demo})
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"message": "Authentication credentials were not provided."},
    )
    get = client.get(sb.results_url)
    assert (get.status_code, get.json(), get.headers["Allow"]) == (
        405,
        {"message": 'Method "GET" not allowed.'},
        "POST",
    )
    assert client.put(sb.results_url, json={"job_ids": demo}).status_code == 405
    assert httpx.get(sb.results_url).status_code == 401
    malformed = post(demo, params={"organization_id": "acme"})
    assert (malformed.status_code, malformed.json()) == (400, {"organization_id": ["Must be a valid UUID."]})
    other = post(demo, params={"organization_id": str(uuid.UUID(int=1))})
    assert (other.status_code, other.json()) == (403, {"message": "You do not have access to this organization."})
    assert post(demo, params={}).status_code == 200


def test_faults_fire_on_the_results_route(sb: Sandbox, post: Post) -> None:
    demo = [sb.jobs("demo")[0]["id"]]
    sb.set_faults("429:times=1,retry_after=3")
    throttled = post(demo)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert post(demo).status_code == 200
    assert [(r.path, r.status, r.fault) for r in sb.requests] == [
        ("/v1/agents/jobs/results/", 429, "429:retry_after=3,times=1"),
        ("/v1/agents/jobs/results/", 200, None),
    ]
    whole = post(demo).content
    sb.set_faults("truncate:mode=json")
    assert post(demo).content == whole[: len(whole) // 2]


def test_the_seam_takes_the_body(sb: Sandbox) -> None:
    job_id = sb.jobs("demo")[0]["id"]
    headers = {"Authorization": f"Bearer {sb.api_key}", "content-type": "application/json"}
    body = json.dumps({"job_ids": [job_id]}).encode()
    response = sb.api.handle("POST", "/v1/agents/jobs/results/", headers, body)
    assert response.status == 200
    assert json.loads(response.body) == [sb.job_result(job_id)]
    assert sb.api.handle("POST", "/v1/agents/jobs/results/", headers).status == 400
    assert (sb.requests[0].body_size, sb.requests[1].body_size) == (len(body), 0)


def test_a_broken_chunked_body_is_a_json_400(sb: Sandbox) -> None:
    request = (
        f"POST /v1/agents/jobs/results/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sb.api_key}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    )
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as raw:
        raw.sendall(request.encode())
        chunks = []
        while chunk := raw.recv(65536):
            chunks.append(chunk)
    reply = b"".join(chunks).decode()
    assert reply.startswith("HTTP/1.1 400")
    assert reply.endswith('{"message":"Bad chunked encoding."}')
