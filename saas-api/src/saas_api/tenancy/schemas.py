"""Admin API request and response bodies. Requests forbid unknown fields (no mass assignment)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..models import BudgetMode, LimitType

Identifier = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizationCreate(Strict):
    organization_id: str = Identifier
    name: str = Field(min_length=1, max_length=256)
    metadata: dict[str, Any] = Field(default_factory=dict)


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
        None, ge=0, description="USD per 1M input tokens (default: LiteLLM's cost map)"
    )
    output_price_per_million: Decimal | None = Field(
        None, ge=0, description="USD per 1M output tokens (default: LiteLLM's cost map)"
    )
    markup_percent: Decimal | None = Field(
        None, ge=0, le=10_000, description="overrides the team's markup for this alias"
    )
    cache_enabled: bool = False
    description: str | None = Field(None, max_length=2000)
    access_groups: list[str] = Field(default_factory=list, description="groups to add this alias to")


class AliasUpdate(Strict):
    litellm_model: str | None = Field(None, min_length=1, max_length=256)
    input_price_per_million: Decimal | None = Field(None, ge=0)
    output_price_per_million: Decimal | None = Field(None, ge=0)
    markup_percent: Decimal | None = Field(None, ge=0, le=10_000)
    cache_enabled: bool | None = None
    description: str | None = Field(None, max_length=2000)


class AliasOut(BaseModel):
    alias: str
    litellm_model: str
    input_price_per_million: Decimal
    output_price_per_million: Decimal
    markup_percent: Decimal | None
    cache_enabled: bool
    description: str | None
    access_groups: list[str]


class TeamCreate(Strict):
    organization_id: str = Identifier
    team_id: str = Identifier
    team_alias: str | None = Field(None, max_length=256)
    access_groups: list[str] = Field(default_factory=list)
    credits_allocated: int = Field(0, ge=0, le=10**15)
    budget_mode: BudgetMode = BudgetMode.JOB_BASED
    limit_type: LimitType = LimitType.HARD
    warn_threshold_percent: int = Field(80, ge=1, le=100)
    overage_ceiling: int | None = Field(None, ge=0)
    markup_percent: Decimal = Field(Decimal(0), ge=0, le=10_000)
    default_alias: str | None = None
    rpm_limit: int | None = Field(None, ge=1)
    tpm_limit: int | None = Field(None, ge=1)
    metadata: dict[str, Any] = Field(default_factory=dict)


class TeamUpdate(Strict):
    team_alias: str | None = Field(None, max_length=256)
    access_groups: list[str] | None = None
    limit_type: LimitType | None = None
    warn_threshold_percent: int | None = Field(None, ge=1, le=100)
    overage_ceiling: int | None = Field(None, ge=0)
    markup_percent: Decimal | None = Field(None, ge=0, le=10_000)
    default_alias: str | None = None
    rpm_limit: int | None = Field(None, ge=1)
    tpm_limit: int | None = Field(None, ge=1)
    metadata: dict[str, Any] | None = None


class CreditsAdd(Strict):
    amount: int = Field(gt=0, le=10**15, description="credits to add, in the team's budget unit")
    reason: str | None = Field(None, max_length=500)


class CreditsAdjust(Strict):
    amount: int = Field(description="signed correction, in the team's budget unit")
    reason: str = Field(min_length=1, max_length=500)


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
    markup_percent: Decimal
    default_alias: str | None
    rpm_limit: int | None
    tpm_limit: int | None
    credits_allocated: int
    credits_remaining: int
    credits_available: int
    credits_held: int
    credits_used: int
    key_prefix: str
    metadata: dict[str, Any]
    created_at: datetime


class TeamCreated(TeamOut):
    virtual_key: str = Field(description="shown once; store it now")


class LedgerEntryOut(BaseModel):
    id: int
    kind: str
    amount: int
    held_delta: int
    charged: int
    balance_after: int
    job_id: str | None
    call_id: str | None
    hold_id: str | None
    reason: str | None
    created_at: datetime


class LedgerOut(BaseModel):
    team_id: str
    budget_unit: str
    credits_allocated: int
    credits_remaining: int
    credits_available: int
    credits_held: int
    entries: list[LedgerEntryOut]
    next_cursor: int | None


class TeamKeyOut(BaseModel):
    key_id: str = Field(description="identifies the key (the start of its hash); the key itself is never stored")
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None


class TeamKeyCreated(TeamKeyOut):
    virtual_key: str = Field(description="shown once; store it now")
