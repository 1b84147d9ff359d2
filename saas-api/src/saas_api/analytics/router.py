"""Usage and analytics. Admins see costs and margins; a team sees its own jobs and credits."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import AfterValidator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..auth import AdminDep, current_team, require_admin
from ..db import SessionDep, run_in_transaction
from ..errors import NotFound
from ..tenancy.credits import team_balance
from ..tenancy.lookups import get_organization, get_team
from ..tenancy.schemas import TeamBalance
from . import admin_jobs, schemas
from .service import UsageFilter, team_usage, time_series, usage_report

router = APIRouter(prefix="/api", tags=["usage"])


# Reports step a period's bounds by days and weeks; a bound before this leaves room to do so.
LATEST_BOUND = datetime(9999, 1, 1, tzinfo=UTC)


def _utc(value: datetime | None) -> datetime | None:
    """Periods are compared in UTC; a time without an offset is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc
    if value >= LATEST_BOUND:
        raise ValueError("date out of range: must be before 9999-01-01")
    return value


Start = Annotated[datetime | None, Query(description="inclusive, ISO 8601"), AfterValidator(_utc)]
End = Annotated[datetime | None, Query(description="exclusive, ISO 8601"), AfterValidator(_utc)]


@router.get("/teams/{team_id}/usage", response_model=schemas.UsageReport | schemas.TeamUsage)
async def get_team_usage(
    request: Request,
    team_id: str,
    start: Start = None,
    end: End = None,
    job_type: str | None = None,
    x_admin_key: Annotated[str | None, Header()] = None,
    x_admin_session: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> schemas.UsageReport | schemas.TeamUsage:
    """With the admin key: the full report with costs. With the team's own key: jobs and credits only."""
    where = UsageFilter(team_id=team_id, job_type=job_type, start=start, end=end)
    if x_admin_key is not None or x_admin_session is not None:
        # In the thread pool, like the dependency: it may wait on Redis and the database.
        await run_in_threadpool(require_admin, request, x_admin_key, x_admin_session)

        def admin_view(session: Session) -> schemas.UsageReport:
            team = get_team(session, team_id)
            report = usage_report(session, "team", team_id, where)
            report.credits_allocated, report.credits_remaining = team.credits_allocated, team.credits_remaining
            return report

        return await run_in_transaction(admin_view)
    principal = await current_team(authorization)
    if principal.team_id != team_id:
        raise NotFound(f"team '{team_id}' not found")
    return await run_in_transaction(lambda s: team_usage(s, get_team(s, team_id), where))


@router.get("/teams/{team_id}/balance", response_model=TeamBalance)
async def get_team_balance(
    request: Request,
    team_id: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="cursor: entries with a smaller id")] = None,
    x_admin_key: Annotated[str | None, Header()] = None,
    x_admin_session: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> TeamBalance:
    """What an app shows its customer, with the team's own key (or the admin key): credits remaining,
    available and held in the team's unit, and a page of its ledger, newest first. No costs or models;
    another team's balance is 404."""
    if x_admin_key is not None or x_admin_session is not None:
        await run_in_threadpool(require_admin, request, x_admin_key, x_admin_session)
    else:
        principal = await current_team(authorization)
        if principal.team_id != team_id:
            raise NotFound(f"team '{team_id}' not found")
    return await run_in_transaction(team_balance, team_id, limit, before)


@router.get("/organizations/{organization_id}/usage", response_model=schemas.UsageReport, dependencies=[AdminDep])
def get_organization_usage(
    organization_id: str, session: SessionDep, start: Start = None, end: End = None, job_type: str | None = None
) -> schemas.UsageReport:
    get_organization(session, organization_id)
    where = UsageFilter(organization_id=organization_id, job_type=job_type, start=start, end=end)
    return usage_report(session, "organization", organization_id, where)


@router.get("/usage/overview", response_model=schemas.Overview, dependencies=[AdminDep])
def overview(
    session: SessionDep,
    start: Start = None,
    end: End = None,
    organization_id: str | None = None,
    team_id: str | None = None,
    job_type: str | None = None,
    granularity: Literal["hour", "day", "week", "month"] = "day",
) -> schemas.Overview:
    """Platform totals and a time series, filterable by period, organization, team and job type."""
    where = UsageFilter(team_id=team_id, organization_id=organization_id, job_type=job_type, start=start, end=end)
    return schemas.Overview(
        start=start, end=end, granularity=granularity,
        totals=usage_report(session, "platform", None, where), series=time_series(session, where, granularity),
    )  # fmt: skip


# -- admin job browser --------------------------------------------------------------------------


@router.get("/admin/jobs", response_model=schemas.AdminJobPage, dependencies=[AdminDep], tags=["admin jobs"])
def admin_list_jobs(
    session: SessionDep,
    team_id: str | None = None,
    organization_id: str | None = None,
    status: str | None = None,
    job_type: str | None = None,
    start: Start = None,
    end: End = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.AdminJobPage:
    """Jobs across all teams, newest first, with their aggregated costs."""
    where = UsageFilter(team_id=team_id, organization_id=organization_id, job_type=job_type, start=start, end=end)
    return admin_jobs.list_jobs(session, where, status, limit, offset)


@router.get("/admin/jobs/{job_id}", response_model=schemas.AdminJobDetail, dependencies=[AdminDep], tags=["admin jobs"])
def admin_get_job(job_id: uuid.UUID, session: SessionDep) -> schemas.AdminJobDetail:
    """A job with every call: alias, resolved model, tokens, provider and client cost, latency, cache hit."""
    return admin_jobs.get_job(session, job_id)
