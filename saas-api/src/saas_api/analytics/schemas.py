"""Usage reports (the admin view carries costs and margin; the team view only credits) and the
admin job browser."""

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ..jobs.schemas import JobOut


class CallSums(BaseModel):
    """What a set of calls added up to (a report's totals, a job's summary)."""

    successful_calls: int
    failed_calls: int
    prompt_tokens: int
    completion_tokens: int
    provider_cost_micros: int
    client_cost_micros: int


class CostTotals(CallSums):
    calls: int
    margin_micros: int
    provider_cost_usd: Decimal
    client_cost_usd: Decimal
    margin_usd: Decimal
    cache_hits: int
    avg_latency_ms: int | None
    credits_written_off: int = Field(
        description="cost the teams could not pay under their limits (an overrun past the hold), in their units"
    )


class JobCounts(BaseModel):
    total: int
    pending: int
    in_progress: int
    completed: int
    failed: int
    credits_charged: int = Field(description="in the team's budget unit")


UNIT_SUMS_DESCRIPTION = "credits charged per budget unit (`credits`, `usd_micros`, `tokens`): units are never added"
MIXED_SUM_DESCRIPTION = (
    "deprecated: the one unit's sum when every team here counts in the same unit, null when units "
    "differ; read `credits_charged_by_unit`"
)


class ReportJobCounts(JobCounts):
    """Job counts over teams that may count credits in different units."""

    credits_charged: int | None = Field(description=MIXED_SUM_DESCRIPTION, json_schema_extra={"deprecated": True})  # type: ignore[assignment]
    credits_charged_by_unit: dict[str, int] = Field(description=UNIT_SUMS_DESCRIPTION)


class Breakdown(BaseModel):
    key: str
    jobs: int
    costs: CostTotals


class UsageReport(BaseModel):
    scope: str
    scope_id: str | None
    start: datetime | None
    end: datetime | None
    jobs: ReportJobCounts
    costs: CostTotals
    uncharged_jobs_provider_cost_micros: int = Field(
        description="what the provider cost for jobs that ended without a charge (e.g. failed jobs that are free)"
    )
    uncharged_jobs_provider_cost_usd: Decimal
    by_job_type: list[Breakdown]
    by_model: list[Breakdown]
    by_team: list[Breakdown]
    credits_allocated: int | None = None
    credits_remaining: int | None = None


class TeamUsage(BaseModel):
    """What a team may see about itself."""

    team_id: str
    start: datetime | None
    end: datetime | None
    jobs: JobCounts
    calls: int
    jobs_by_type: dict[str, int]
    credits_allocated: int
    credits_remaining: int
    credits_used: int
    budget_unit: str


class TimePoint(BaseModel):
    period: datetime
    jobs: int
    calls: int
    provider_cost_micros: int
    client_cost_micros: int
    margin_micros: int
    credits_charged: int | None = Field(description=MIXED_SUM_DESCRIPTION, json_schema_extra={"deprecated": True})
    credits_charged_by_unit: dict[str, int] = Field(description=UNIT_SUMS_DESCRIPTION)


class Overview(BaseModel):
    start: datetime | None
    end: datetime | None
    granularity: str
    totals: UsageReport
    series: list[TimePoint]


# -- the admin job browser ------------------------------------------------------------------------


class AdminJobRow(JobOut):
    """A job in the admin job browser, with what it cost (the cost summary is written when it ends)."""

    credits_charged: int
    total_calls: int | None
    provider_cost_micros: int | None
    client_cost_micros: int | None


class AdminJobPage(BaseModel):
    items: list[AdminJobRow]
    has_more: bool
    limit: int
    offset: int


class AdminJobCosts(CallSums):
    """A job's cost summary, written when it ended."""

    model_config = ConfigDict(from_attributes=True)

    total_calls: int
    total_latency_ms: int
    credits_charged: int
    created_at: datetime


class AdminCallOut(BaseModel):
    """One call of a job, as an admin sees it: the model behind the alias, tokens, costs, latency."""

    model_config = ConfigDict(from_attributes=True)

    call_id: uuid.UUID = Field(validation_alias="id")
    alias: str
    model_group: str
    resolved_model: str | None
    status: str
    stream: bool
    prompt_tokens: int
    completion_tokens: int
    provider_cost_micros: int
    client_cost_micros: int
    credits_charged: int
    cost_source: str | None
    latency_ms: int | None
    cache_hit: bool
    finish_reason: str | None
    parsed_ok: bool | None
    error_type: str | None
    created_at: datetime


class AdminJobDetail(JobOut):
    credits_charged: int
    summary: AdminJobCosts | None = Field(description="null until the job ends")
    calls: list[AdminCallOut]
