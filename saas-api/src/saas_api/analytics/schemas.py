"""Usage reports: the admin view carries costs and margin; the team view carries only credits."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class CostTotals(BaseModel):
    calls: int
    successful_calls: int
    failed_calls: int
    prompt_tokens: int
    completion_tokens: int
    provider_cost_micros: int
    client_cost_micros: int
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
    credits_charged: int


class Breakdown(BaseModel):
    key: str
    jobs: int
    costs: CostTotals


class UsageReport(BaseModel):
    scope: str
    scope_id: str | None
    start: datetime | None
    end: datetime | None
    jobs: JobCounts
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
    credits_charged: int


class Overview(BaseModel):
    start: datetime | None
    end: datetime | None
    granularity: str
    totals: UsageReport
    series: list[TimePoint]
