"""Admin API request and response bodies. Requests forbid unknown fields (no mass assignment)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..metadata import Metadata
from ..models import AliasMode, BudgetMode, CacheScope, FailedJobPolicy, LimitType

# Upper bounds keep every number inside its column (BIGINT, INTEGER), so a huge one is a 422, not a 500.
MAX_CREDITS = 10**15  # any one amount of credits, in the budget unit
MAX_RATE_LIMIT = 2**31 - 1  # rpm/tpm: INTEGER columns
MAX_PRICE_PER_MILLION = Decimal(10_000)  # USD per 1M tokens; keeps tokens x price inside BIGINT micros

Identifier = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
# A markup as shown: always two decimal places ("30.00").
Percent = Annotated[Decimal, AfterValidator(lambda value: value.quantize(Decimal("0.01")))]

MAX_JOB_PRICE = 10**9  # credits one job may cost
MAX_JOB_TYPES_PRICED = 200


def _check_job_type_prices(prices: dict[str, int] | None) -> dict[str, int] | None:
    if prices is not None and len(prices) > MAX_JOB_TYPES_PRICED:
        raise ValueError(f"at most {MAX_JOB_TYPES_PRICED} job types may have a price")
    return prices


# Credits per job type for job_based teams; a type not listed costs 1, a price of 0 makes it free.
JobTypePrices = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=128)],
        Annotated[int, Field(ge=0, le=MAX_JOB_PRICE, strict=True)],
    ],
    AfterValidator(_check_job_type_prices),
]
JOB_TYPE_PRICES_DESCRIPTION = (
    "job_based teams: credits a job of each type holds when it starts and pays when it completes "
    '(e.g. {"document_analysis": 5}); other types cost 1, 0 makes a type free. A job already started '
    "pays the price it held."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizationCreate(Strict):
    organization_id: str = Identifier
    name: str = Field(min_length=1, max_length=256)
    metadata: Metadata = Field(default_factory=dict)


class OrganizationOut(BaseModel):
    organization_id: str
    name: str
    metadata: dict[str, Any]
    created_at: datetime
    team_ids: list[str] = []


class AccessGroupCreate(Strict):
    group_name: str = Identifier
    description: str | None = Field(None, max_length=2000)
    model_aliases: list[str] | None = Field(None, description="aliases in the group (default: none)")


class AccessGroupUpdate(Strict):
    description: str | None = Field(None, max_length=2000)
    model_aliases: list[str] | None = None


class AccessGroupOut(BaseModel):
    group_name: str
    description: str | None
    model_aliases: list[str]
    created_at: datetime


class AliasCreate(Strict):
    alias: str = Identifier
    litellm_model: str = Field(min_length=1, max_length=256, description="the model_name the LiteLLM proxy serves")
    input_price_per_million: Decimal | None = Field(
        None, ge=0, le=MAX_PRICE_PER_MILLION, description="USD per 1M input tokens (default: LiteLLM's cost map)"
    )
    output_price_per_million: Decimal | None = Field(
        None, ge=0, le=MAX_PRICE_PER_MILLION, description="USD per 1M output tokens (default: LiteLLM's cost map)"
    )
    markup_percent: Decimal | None = Field(
        None, ge=0, le=10_000, description="overrides the team's markup for this alias"
    )
    cache_enabled: bool = False
    cache_scope: CacheScope = Field(
        CacheScope.TEAM, description="who shares the alias's response cache: each team alone, or an organization"
    )
    max_output_tokens: int | None = Field(
        None, ge=1, le=1_000_000, description="the reply's bound when a call sets none (default: the model's limit)"
    )
    supports_vision: bool | None = Field(
        None, description="whether chat messages may carry image parts (default: what LiteLLM's model info says)"
    )
    description: str | None = Field(None, max_length=2000)
    access_groups: list[str] = Field(default_factory=list, description="groups to add this alias to")


class AliasUpdate(Strict):
    litellm_model: str | None = Field(None, min_length=1, max_length=256)
    input_price_per_million: Decimal | None = Field(None, ge=0, le=MAX_PRICE_PER_MILLION)
    output_price_per_million: Decimal | None = Field(None, ge=0, le=MAX_PRICE_PER_MILLION)
    markup_percent: Decimal | None = Field(None, ge=0, le=10_000)
    cache_enabled: bool | None = None
    cache_scope: CacheScope | None = None
    max_output_tokens: int | None = Field(None, ge=1, le=1_000_000)
    supports_vision: bool | None = Field(None, description="overrides what a new litellm_model's info says")
    description: str | None = Field(None, max_length=2000)


class AliasOut(BaseModel):
    alias: str
    litellm_model: str
    input_price_per_million: Decimal
    output_price_per_million: Decimal
    markup_percent: Percent | None
    cache_enabled: bool
    cache_scope: CacheScope
    max_output_tokens: int
    mode: AliasMode = Field(description="what the model answers: chat (and the Responses API) or embeddings")
    supports_vision: bool = Field(description="whether chat messages may carry image parts")
    description: str | None
    access_groups: list[str]


class TeamCreate(Strict):
    organization_id: str = Identifier
    team_id: str = Identifier
    team_alias: str | None = Field(None, max_length=256)
    access_groups: list[str] = Field(default_factory=list)
    credits_allocated: int = Field(0, ge=0, le=MAX_CREDITS)
    budget_mode: BudgetMode = BudgetMode.JOB_BASED
    limit_type: LimitType = LimitType.HARD
    warn_threshold_percent: int = Field(80, ge=1, le=100)
    overage_ceiling: int | None = Field(None, ge=0, le=MAX_CREDITS)
    markup_percent: Decimal = Field(Decimal(0), ge=0, le=10_000)
    failed_job_policy: FailedJobPolicy = Field(
        FailedJobPolicy.FREE,
        description="job-based teams: whether a job ended as failed is free, or costs its credit once any call succeeded",
    )
    job_type_prices: JobTypePrices = Field(default_factory=dict, description=JOB_TYPE_PRICES_DESCRIPTION)
    default_alias: str | None = None
    rpm_limit: int | None = Field(None, ge=1, le=MAX_RATE_LIMIT)
    tpm_limit: int | None = Field(None, ge=1, le=MAX_RATE_LIMIT)
    metadata: Metadata = Field(default_factory=dict)


class TeamUpdate(Strict):
    team_alias: str | None = Field(None, max_length=256)
    access_groups: list[str] | None = None
    limit_type: LimitType | None = None
    warn_threshold_percent: int | None = Field(None, ge=1, le=100)
    overage_ceiling: int | None = Field(None, ge=0, le=MAX_CREDITS)
    markup_percent: Decimal | None = Field(None, ge=0, le=10_000)
    failed_job_policy: FailedJobPolicy | None = None
    job_type_prices: JobTypePrices | None = Field(
        None, description="replaces the whole map: " + JOB_TYPE_PRICES_DESCRIPTION
    )
    default_alias: str | None = None
    rpm_limit: int | None = Field(None, ge=1, le=MAX_RATE_LIMIT)
    tpm_limit: int | None = Field(None, ge=1, le=MAX_RATE_LIMIT)
    metadata: Metadata | None = None


class CreditsAdd(Strict):
    amount: int = Field(gt=0, le=MAX_CREDITS, description="credits to add, in the team's budget unit")
    reason: str | None = Field(None, max_length=500)


class CreditsAdjust(Strict):
    amount: int = Field(ge=-MAX_CREDITS, le=MAX_CREDITS, description="signed correction, in the team's budget unit")
    reason: str = Field(min_length=1, max_length=500)


class CreditsRefund(Strict):
    amount: int = Field(gt=0, le=MAX_CREDITS, description="credits given back, in the team's budget unit")
    reason: str = Field(min_length=1, max_length=500)
    job_id: uuid.UUID | None = Field(None, description="the team's job the refund is for")


class TeamOut(BaseModel):
    team_id: str
    organization_id: str
    team_alias: str | None
    status: str
    access_groups: list[str]
    budget_mode: BudgetMode
    budget_unit: str
    limit_type: LimitType
    warn_threshold_percent: int
    overage_ceiling: int | None
    markup_percent: Percent
    failed_job_policy: FailedJobPolicy
    job_type_prices: dict[str, int] = Field(description="credits per job type; others cost 1")
    default_alias: str | None
    rpm_limit: int | None
    tpm_limit: int | None
    credits_allocated: int
    credits_remaining: int
    credits_available: int
    credits_held: int
    credits_used: int
    key_prefix: str | None = Field(description="the newest active API key's prefix (null: all revoked)")
    metadata: dict[str, Any]
    created_at: datetime


API_KEY_DESCRIPTION = (
    "the team's API key for this API (`Authorization: Bearer …`), shown once: store it now. "
    "The LiteLLM proxy refuses it; the team's LiteLLM key stays server-side."
)
VIRTUAL_KEY_DESCRIPTION = "deprecated: the same value as `api_key`, under its former name"


class TeamCreated(TeamOut):
    api_key: str = Field(description=API_KEY_DESCRIPTION)
    virtual_key: str = Field(description=VIRTUAL_KEY_DESCRIPTION, json_schema_extra={"deprecated": True})


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    amount: int
    held_delta: int
    charged: int
    balance_after: int
    job_id: uuid.UUID | None
    call_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    reason: str | None
    created_at: datetime


class TeamLedgerEntryOut(BaseModel):
    """A ledger entry as the team itself sees it: what moved its balance, and why."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    amount: int = Field(description="change to the available balance, in the team's unit")
    held_delta: int = Field(description="change to the held balance")
    balance_after: int = Field(description="credits remaining after this entry")
    job_id: uuid.UUID | None
    reason: str | None
    created_at: datetime


class TeamBalance(BaseModel):
    """What an app shows its customer: the team's balance and its own ledger. Never costs or models."""

    team_id: str
    budget_mode: BudgetMode
    budget_unit: str = Field(description="the unit of every amount here: credits, usd_micros or tokens")
    credits_remaining: int = Field(description="available + held")
    credits_available: int = Field(description="what new work may set aside")
    credits_held: int = Field(description="set aside by work in progress")
    limit_type: LimitType
    period: str | None = Field(None, description="the budget period (null: the balance does not renew)")
    next_renewal_at: datetime | None = Field(None, description="when the period renews (null: never)")
    job_type_prices: dict[str, int] = Field(description="job_based: credits per job type; others cost 1")
    entries: list[TeamLedgerEntryOut] = Field(description="the team's ledger entries, newest first")
    next_cursor: int | None = Field(description="pass as `before` for the next page")


class LedgerOut(BaseModel):
    team_id: str
    budget_unit: str
    credits_allocated: int
    credits_remaining: int
    credits_available: int
    credits_held: int
    entries: list[LedgerEntryOut]
    next_cursor: int | None


KeyLabel = Field(None, min_length=1, max_length=64, description="what the key is for, e.g. `production`, `staging`")


class TeamKeyCreate(Strict):
    label: str | None = KeyLabel


class TeamKeyOut(BaseModel):
    key_id: str = Field(description="identifies the key (the start of its hash); the key itself is never stored")
    key_prefix: str = Field(description="the start of the key, to recognise it")
    label: str | None = Field(None, description="what the key is for, e.g. `production`, `staging`")
    created_at: datetime
    revoked_at: datetime | None


class TeamKeyCreated(TeamKeyOut):
    api_key: str = Field(description=API_KEY_DESCRIPTION)
    virtual_key: str = Field(description=VIRTUAL_KEY_DESCRIPTION, json_schema_extra={"deprecated": True})
