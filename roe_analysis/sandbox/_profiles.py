"""The fixed parameters of the seeded data: its time window, versions, reviewers, creators and agents.

Also the models and their prices, the token budget of a run, and the word pools and messages jobs
are drawn from. Nothing here draws a random number; what these parameters add up to is described in
the ``_data`` docstring (the jobs) and the package docstring (results, versions and agents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roe_analysis.sandbox._timefmt import US_PER_DAY, to_us

#: All seeded data is generated relative to this instant.
REFERENCE_TIME = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REFERENCE_US = to_us(REFERENCE_TIME)
WINDOW_DAYS = 60
#: Midnight UTC of the first day of the window: jobs are created from here to `REFERENCE_TIME`.
WINDOW_START = datetime(2026, 4, 2, tzinfo=UTC)
WINDOW_START_US = to_us(WINDOW_START)
#: Jobs created before this instant spell their event timestamps with ``+00:00``.
EVENT_FORMAT_CHANGE = datetime(2026, 4, 17, tzinfo=UTC)
EVENT_FORMAT_CHANGE_US = to_us(EVENT_FORMAT_CHANGE)
#: The outage window: [start, end) in UTC.
INCIDENT = (datetime(2026, 5, 5, 14, 0, tzinfo=UTC), datetime(2026, 5, 5, 16, 30, tzinfo=UTC))
INCIDENT_US = (to_us(INCIDENT[0]), to_us(INCIDENT[1]))

VERDICTS = ("Not Suspicious", "Suspicious", "Needs Escalation")
TRUTH_CUM = (0.70, 0.92, 1.0)


@dataclass(frozen=True)
class VersionProfile:
    """The true behaviour of one agent version (the generator's parameters, not estimates).

    Attributes:
        name: ``agent_version_name``.
        first_day: day of the window (0..60) the rollout starts; the first version has no ramp-in.
        last_day: day the version is fully replaced; the last version has no ramp-out.
        median_run_ms: median run time STARTED → end of a clean run (log-normal).
        run_sigma: log-normal sigma of the run time.
        retry_rate: chance of each (up to three) RETRY.
        failure_rate: chance a started run ends in FAILURE.
        cancel_rate: chance a started run is CANCELLED.
        accuracy: chance the agent's verdict equals the item's true label.
        score_mean: mean grader score on a 0–1 scale before the correct/incorrect shift.
        base_cost: median of the cost the agent reports itself (``ui_fields.cost``) for a clean
            text-only run; the billed cost of the results endpoint comes from the tokens instead.
        model: the model the version runs (a key of `MODELS`).
        prompt_tokens: input tokens of one attempt before the job's own inputs (instructions,
            output schema, tool definitions).
        output_tokens: median output tokens of one successful attempt (reasoning included).
    """

    name: str
    first_day: float
    last_day: float
    median_run_ms: float
    run_sigma: float
    retry_rate: float
    failure_rate: float
    cancel_rate: float
    accuracy: float
    score_mean: float
    base_cost: float
    model: str = ""
    prompt_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ModelPrice:
    """A model's price in USD per million tokens, the rate the results endpoint bills at."""

    input_per_million: float
    output_per_million: float


#: Every model a seeded version runs, and its true price (USD per 1M input / output tokens).
MODELS: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "o1": ModelPrice(15.00, 60.00),
    "o3-mini": ModelPrice(1.10, 4.40),
    "gpt-4.1": ModelPrice(2.00, 8.00),
}

VERSIONS: tuple[VersionProfile, ...] = (
    VersionProfile("v1.0", 0, 28, 42_000, 0.45, 0.12, 0.07, 0.02, 0.80, 0.66, 0.031, "gpt-4o", 1_400, 420),
    VersionProfile("v1.1", 20, 48, 35_000, 0.45, 0.08, 0.05, 0.02, 0.86, 0.73, 0.027, "gpt-4o-mini", 1_100, 380),
    VersionProfile("v2.0", 40, 61, 17_000, 0.40, 0.04, 0.03, 0.015, 0.93, 0.85, 0.019, "o1", 1_800, 900),
)
RAMP_DAYS = 8.0

#: A canary tried on a sliver of traffic over the last days: a version with very few jobs.
CANARY = VersionProfile(
    "v2.1-canary", 57, 61, 15_000, 0.40, 0.04, 0.03, 0.015, 0.93, 0.86, 0.018, "o3-mini", 1_700, 1_300
)
#: Jobs created from this instant may run the canary, each with chance `CANARY_SHARE`.
CANARY_START_US = WINDOW_START_US + int(CANARY.first_day) * US_PER_DAY
CANARY_SHARE = 0.1
VERSIONS_BY_NAME = {version.name: version for version in (*VERSIONS, CANARY)}
#: Every agent has one more version, a draft no job has run, created at `DRAFT_CREATED`.
DRAFT_VERSION = "v2.2-draft"
DRAFT_MODEL = "gpt-4.1"
DRAFT_CREATED = datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
#: The model of every version name, the draft included (what `MODELS` prices).
VERSION_MODELS: dict[str, str] = {
    **{version.name: version.model for version in (*VERSIONS, CANARY)},
    DRAFT_VERSION: DRAFT_MODEL,
}

#: The token budget of a run (see the package docstring for the whole rule): characters of text
#: per input token, tokens per PDF (log-normal median and sigma), tokens per image, the
#: log-normal sigma of the output tokens, the +/- jitter of the input tokens, the share of a
#: clean run's output that each RETRY adds, and the share of a full run's tokens that a FAILURE
#: and a CANCELLED job spent (uniform between the bounds).
CHARS_PER_TOKEN = 4
PDF_TOKENS = 2_400
PDF_SIGMA = 0.5
IMAGE_TOKENS = 765
OUTPUT_SIGMA = 0.35
INPUT_JITTER = 0.03
RETRY_OUTPUT_SHARE = 0.25
FAILURE_SHARE = (0.3, 0.8)
CANCELLED_SHARE = (0.05, 0.3)

#: Chance a job reruns the input of one of the last `RERUN_WINDOW` jobs on that job's version.
RERUN_SHARE = 0.3
RERUN_WINDOW = 30
#: No more runs of one input on one version than this come from reruns.
RERUN_MAX = 6
#: Per-input effects shared by every run of the input, so reruns correlate: the standard deviation
#: of the grader-score shift (0–1 scale) and of the verdict-accuracy shift, both driven by one
#: standard normal "difficulty", and the log-normal sigma of the input's run-time factor.
ITEM_SCORE_SD = 0.08
ITEM_ACCURACY_SD = 0.06
ITEM_RUN_SIGMA = 0.3

#: Chance a written verdict (the agent's; a reviewer's correction) is spelled differently.
LABEL_VARIANT_RATE = 0.02
CORRECTION_VARIANT_RATE = 0.06
#: Chance an approved review carries a corrected verdict anyway (a different label: contradictory).
APPROVED_CORRECTION_RATE = 0.015
#: The reviewer who re-reviews inputs they reviewed before, and their chance to be picked again.
REREVIEWER_EMAIL = "dmitri.volkov@northwind-risk.example"
REREVIEW_RATE = 0.6


@dataclass(frozen=True)
class Reviewer:
    """A human reviewer: how often they are picked and how often they misjudge an item."""

    email: str
    weight: float
    error_rate: float


REVIEWERS: tuple[Reviewer, ...] = (
    Reviewer("alice.nguyen@northwind-risk.example", 0.30, 0.03),
    Reviewer("bruno.costa@northwind-risk.example", 0.25, 0.05),
    Reviewer("chioma.eze@northwind-risk.example", 0.20, 0.08),
    Reviewer("dmitri.volkov@northwind-risk.example", 0.15, 0.15),
    Reviewer("emma.schulz@northwind-risk.example", 0.10, 0.04),
)

#: Users who submit jobs from the web UI; jobs submitted with an API key have ``creator: null``.
CREATORS: tuple[dict[str, Any], ...] = (
    {
        "id": 101,
        "email": "priya.raman@northwind-risk.example",
        "first_name": "Priya",
        "last_name": "Raman",
        "display_name": "Priya Raman",
    },
    {
        "id": 102,
        "email": "tomas.lindqvist@northwind-risk.example",
        "first_name": "Tomás",
        "last_name": "Lindqvist",
        "display_name": "Tomás Lindqvist",
    },
    {
        "id": 117,
        "email": "wei.li@northwind-risk.example",
        "first_name": "Wei",
        "last_name": "Li",
        "display_name": "Wei Li",
    },
    {
        "id": 123,
        "email": "sam.okafor@northwind-risk.example",
        "first_name": "Sam",
        "last_name": "Okafor",
        "display_name": "Sam Okafor",
    },
    {
        "id": 150,
        "email": "svc-ingest@northwind-risk.example",
        "first_name": "",
        "last_name": "",
        "display_name": "svc-ingest",
    },
)


@dataclass(frozen=True)
class AgentProfile:
    """A seeded agent: its name, default number of jobs and grader-score scale.

    Attributes:
        name: the sandbox's short name (``Sandbox.agents`` keys).
        default_size: jobs by default.
        score_scale: grader scores run from 0 to this.
        title: the agent's name as the agents endpoint serves it.
        tags: names of its tags (`AGENT_TAGS`).
    """

    name: str
    default_size: int
    score_scale: float
    title: str = ""
    tags: tuple[str, ...] = ()


#: The seeded agents in the order `Sandbox.agent_ids` lists them.
AGENT_PROFILES: tuple[AgentProfile, ...] = (
    AgentProfile("demo", 1500, 1.0, "Transaction screening", ("fraud", "payments")),
    AgentProfile("small", 40, 100.0, "Merchant onboarding review", ("kyc",)),
    AgentProfile("single", 1, 1.0, "Sanctions spot check"),
    AgentProfile("empty", 0, 1.0, "Chargeback triage", ("experimental",)),
    AgentProfile("large", 6000, 100.0, "Card fraud screening (EU)", ("fraud", "eu")),
    AgentProfile("forbidden", 25, 1.0, "Internal audit sampling", ("internal",)),
)
#: Tag name → colour (the spec's ``ColorEnum``).
AGENT_TAGS: dict[str, str] = {
    "fraud": "red",
    "payments": "blue",
    "kyc": "green",
    "experimental": "purple",
    "eu": "yellow",
    "internal": "gray",
}
PROFILES_BY_NAME = {p.name: p for p in AGENT_PROFILES}

WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.35)
HOUR_WEIGHTS = (
    0.25, 0.20, 0.18, 0.18, 0.20, 0.25, 0.35, 0.50, 0.70, 0.85, 0.95, 1.00,
    1.05, 1.15, 1.30, 1.35, 1.30, 1.25, 1.20, 1.10, 0.95, 0.75, 0.50, 0.35,
)  # fmt: skip

ACTIONS = (
    "Wire transfer",
    "Card payment",
    "ACH deposit",
    "Crypto withdrawal",
    "Refund request",
    "Gift card purchase",
    "Cash deposit",
    "Chargeback",
)
COUNTERPARTIES = (
    "a new beneficiary",
    "a long-standing supplier",
    "an online marketplace",
    "a recently registered company",
    "a payroll provider",
    "a family member",
    "an electronics retailer",
    "a travel agency",
)
CITIES = ("Lagos", "Toronto", "Berlin", "São Paulo", "Singapore", "Austin", "Dubai", "Manila", "Kraków")
SIGNALS: tuple[tuple[str, ...], ...] = (
    (
        "matches the customer's usual pattern",
        "recurring monthly payment",
        "known device and location",
        "long-standing counterparty",
        "salary deposit from a registered employer",
        "small amount within the daily limit",
    ),
    (
        "IP address geolocated to a different country",
        "account opened three days ago",
        "several failed card attempts beforehand",
        "beneficiary added minutes before the transfer",
        "amount just under the reporting threshold",
        "funds moved on immediately after arrival",
    ),
    (
        "counterparty appears on a sanctions watchlist",
        "customer disputes having made the transaction",
        "possible account takeover reported by the customer",
        "large cash deposit with no stated source",
    ),
)
CUSTOMERS = ("acme", "globex", "initech", "umbrella", "hooli", "soylent", "stark")
REGIONS = ("us-east", "us-west", "eu-west", "ap-south")
COUNTRIES = ("US", "CA", "DE", "BR", "SG", "NG", "AE", "PH", "PL")
RETRY_ERRORS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Upstream model provider rate limited the request", {"provider": "openai", "http_status": 429}),
    ("Model request timed out after 30s", {"timeout_s": 30}),
    ("Connection reset by peer", {"errno": 104}),
)
FAILURE_ERRORS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Output failed schema validation", {"stage": "output", "missing_fields": ["verdict"]}),
    ("Exceeded maximum retries", {"stage": "model", "retries": 3}),
    ("Tool call returned an error", {"stage": "tool", "tool": "sanctions_lookup", "http_status": 500}),
)
PDF_FAILURE = ("Document could not be parsed", {"stage": "extract", "exception": "PDFSyntaxError"})
INCIDENT_FAILURE = ("Upstream model provider unavailable", {"provider": "openai", "http_status": 503})
APPROVE_COMMENTS = ("", "", "Looks right.", "Agree with the verdict.", "Confirmed against the statement.")
REJECT_COMMENTS = (
    "Verdict does not match the transaction pattern.",
    "Missed the watchlist hit.",
    "Customer history explains this; not suspicious.",
    "",
)
GRADER_FEEDBACK = ("", "", "Verdict consistent with the evidence.", "Rationale cites the wrong signal.")
