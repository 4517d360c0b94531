"""What ``POST /v1/agents/jobs/results/`` says about a job: its billed usage and its outputs.

`usage` draws a job's input and output tokens from a ``random.Random`` seeded by the sandbox seed
and the job id alone, never from the generator's stream, so the jobs endpoint stays exactly what it
was and a job's usage does not depend on which other jobs exist. The draws are made in a fixed order
whatever the job's status (the PDF draws last, since their number varies), so a status change keeps
the tokens a job spent and only changes how much of them counts. The rule itself is written out in
the package docstring; `result_item` puts usage, outputs and corrections into one
``AgentJobResultItem``.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roe_analysis.sandbox._profiles import (
    CANCELLED_SHARE,
    CHARS_PER_TOKEN,
    FAILURE_SHARE,
    IMAGE_TOKENS,
    INPUT_JITTER,
    MODELS,
    OUTPUT_SIGMA,
    PDF_SIGMA,
    PDF_TOKENS,
    RETRY_OUTPUT_SHARE,
    VERSIONS,
    VERSIONS_BY_NAME,
)
from roe_analysis.sandbox._status import CACHED, CANCELLED, FAILURE, RETRY, RUNNING_CODES, SUCCESS

#: The deliberate oddities of the demo agent's results: name → what is odd. Their job ids are in
#: `Sandbox.special_job_ids` under these names; the jobs themselves are ordinary SUCCESS jobs.
RESULT_CASES: dict[str, str] = {
    "no_output_tokens_1": "SUCCESS with output_tokens 0 (the provider reported no output usage); cost = input only",
    "no_output_tokens_2": "SUCCESS with output_tokens 0 (the provider reported no output usage); cost = input only",
    "no_output_tokens_3": "SUCCESS with output_tokens 0 (the provider reported no output usage); cost = input only",
    "empty_result": "SUCCESS whose result is an empty list (its outputs were not stored)",
    "cost_not_billed": "the newest SUCCESS job: tokens known, cost null (billing lags behind)",
}

_DESCRIPTIONS = {
    "verdict": "The agent's verdict",
    "confidence": "The agent's confidence in its verdict (0-1)",
    "cost": "The agent's own estimate of its cost in USD",
    "rationale": "Why the agent reached its verdict",
}


@dataclass(frozen=True)
class Usage:
    """What a job is billed for: ``None`` everywhere while it runs or when its model is unknown."""

    input_tokens: int | None
    output_tokens: int | None
    cost: float | None


_UNKNOWN = Usage(None, None, None)


def billed_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    """USD for these tokens at `MODELS` prices, rounded to 6 decimals (the billing rule).

    Examples:
        >>> billed_cost("gpt-4o", 1_000_000, 100_000)
        3.5
    """
    price = MODELS[model]
    return round(input_tokens * price.input_per_million / 1e6 + output_tokens * price.output_per_million / 1e6, 6)


def usage(job: Mapping[str, Any], *, seed: int, case: str | None = None) -> Usage:
    """A job's tokens and billed cost (see the package docstring for the rule).

    Args:
        job: the job as served.
        seed: the sandbox seed.
        case: the job's `RESULT_CASES` name, if it is one (applies to a SUCCESS job only).
    """
    status = job["status_code"]
    profile = VERSIONS_BY_NAME.get(job["agent_version_name"])
    if status in RUNNING_CODES or profile is None:
        return _UNKNOWN
    if status == CACHED:
        return Usage(0, 0, 0.0)
    rng = random.Random(f"roe-sandbox/{seed}/usage/{job['id']}")
    jitter = rng.uniform(1.0 - INPUT_JITTER, 1.0 + INPUT_JITTER)
    output = math.exp(rng.gauss(math.log(profile.output_tokens), OUTPUT_SIGMA))
    share_draw = rng.random()
    text_chars = pdfs = images = 0
    for item in job.get("job_inputs") or ():
        kind = str(item.get("data_type", ""))
        if kind == "application/pdf":
            pdfs += 1
        elif kind.startswith("image/"):
            images += 1
        else:
            text_chars += len(str(item.get("value", "")))
    pdf_tokens = sum(round(math.exp(rng.gauss(math.log(PDF_TOKENS), PDF_SIGMA))) for _ in range(pdfs))
    retries = sum(1 for event in job.get("status_events") or () if event.get("status_code") == RETRY)
    prompt = profile.prompt_tokens + math.ceil(text_chars / CHARS_PER_TOKEN) + pdf_tokens + images * IMAGE_TOKENS
    full_input = round(prompt * (1 + retries) * jitter)
    full_output = round(output * (1 + RETRY_OUTPUT_SHARE * retries))
    if status == FAILURE:
        share = FAILURE_SHARE[0] + (FAILURE_SHARE[1] - FAILURE_SHARE[0]) * share_draw
    elif status == CANCELLED:
        share = CANCELLED_SHARE[0] + (CANCELLED_SHARE[1] - CANCELLED_SHARE[0]) * share_draw
    else:
        share = 1.0
    input_tokens = round(full_input * share)
    output_tokens = round(full_output * share)
    if status == SUCCESS and case is not None and case.startswith("no_output_tokens"):
        output_tokens = 0
    cost: float | None = billed_cost(profile.model, input_tokens, output_tokens)
    if status == SUCCESS and case == "cost_not_billed":
        cost = None
    return Usage(input_tokens, output_tokens, cost)


def _datum(key: str, value: Any, cost: float | None) -> dict[str, Any]:
    if isinstance(value, str):
        text, kind = value, "text/plain"
    else:
        text, kind = json.dumps(value, ensure_ascii=False), "application/json"
    description = _DESCRIPTIONS.get(key) or key.replace("_", " ").capitalize()
    datum: dict[str, Any] = {"key": key, "description": description, "data_type": kind, "value": text}
    if cost is not None:
        # AgentDatum.cost is a number, not nullable: an unknown cost is left out.
        datum["cost"] = cost
    return datum


def outputs(job: Mapping[str, Any], cost: float | None, *, case: str | None = None) -> list[dict[str, Any]] | None:
    """The job's ``ui_fields`` as AgentDatum, one per key; ``None`` unless it succeeded or was cached."""
    if job["status_code"] not in (SUCCESS, CACHED):
        return None
    if job["status_code"] == SUCCESS and case == "empty_result":
        return []
    fields = job.get("ui_fields")
    if not isinstance(fields, dict):
        return []
    return [_datum(str(key), value, cost) for key, value in fields.items()]


def corrected_outputs(job: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The reviewer's corrected verdict as one AgentDatum, or ``None`` when there is none."""
    review = job.get("feedback_review")
    corrected = review.get("corrected_verdict") if isinstance(review, dict) else None
    if not isinstance(corrected, str):
        return None
    return [
        {"key": "verdict", "description": "The reviewer's corrected verdict", "data_type": "text/plain",
         "value": corrected}
    ]  # fmt: skip


def result_item(
    job: Mapping[str, Any], *, seed: int, agent_id: str, version_id: str | None, case: str | None = None
) -> dict[str, Any]:
    """One ``AgentJobResultItem`` (keys in the spec's order)."""
    billed = usage(job, seed=seed, case=case)
    return {
        "id": job["id"],
        "status": job["status_code"],
        "result": outputs(job, billed.cost, case=case),
        "corrected_outputs": corrected_outputs(job),
        "agent_id": agent_id,
        "agent_version_id": version_id,
        "cost": billed.cost,
        "inputs": job.get("job_inputs"),
        "input_tokens": billed.input_tokens,
        "output_tokens": billed.output_tokens,
    }


def pick_result_cases(jobs: Sequence[Mapping[str, Any]], *, seed: int, exclude: set[str]) -> dict[str, str]:
    """Choose the demo agent's `RESULT_CASES`: name → job id (empty if there are too few jobs).

    Only SUCCESS jobs of the main-line versions (`VERSIONS`) that are not special already, so each
    oddity stands alone: ``cost_not_billed`` is the newest of them (billing lags behind the newest
    work); the others are drawn from the rest with their own seeded stream.

    Args:
        jobs: the agent's jobs, newest first.
        seed: the sandbox seed.
        exclude: ids already taken by other special cases.
    """
    main_line = {version.name for version in VERSIONS}
    candidates = [
        job["id"]
        for job in jobs
        if job["status_code"] == SUCCESS and job["agent_version_name"] in main_line and job["id"] not in exclude
    ]
    if len(candidates) < len(RESULT_CASES):
        return {}
    newest, rest = candidates[0], sorted(candidates[1:])
    drawn = random.Random(f"roe-sandbox/{seed}/result-cases").sample(rest, len(RESULT_CASES) - 1)
    names = [name for name in RESULT_CASES if name != "cost_not_billed"]
    return {**dict(zip(names, drawn, strict=True)), "cost_not_billed": newest}
