"""Usage aggregation over jobs and calls, by team, organization, job type, model and period."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.orm import Session

from ..models import BudgetMode, CallStatus, Job, JobStatus, LLMCall, Team
from ..money import micros_to_usd
from ..tenancy.service import BUDGET_UNITS
from . import schemas


@dataclass(frozen=True)
class UsageFilter:
    team_id: str | None = None
    organization_id: str | None = None
    job_type: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def calls(self, query: Select) -> Select:  # type: ignore[type-arg]
        if self.team_id:
            query = query.where(LLMCall.team_id == self.team_id)
        if self.organization_id:
            query = query.where(LLMCall.organization_id == self.organization_id)
        if self.job_type:
            query = query.where(LLMCall.job_type == self.job_type)
        if self.start:
            query = query.where(LLMCall.created_at >= self.start)
        if self.end:
            query = query.where(LLMCall.created_at < self.end)
        return query

    def jobs(self, query: Select) -> Select:  # type: ignore[type-arg]
        if self.team_id:
            query = query.where(Job.team_id == self.team_id)
        if self.organization_id:
            query = query.where(Job.team_id.in_(select(Team.id).where(Team.organization_id == self.organization_id)))
        if self.job_type:
            query = query.where(Job.job_type == self.job_type)
        if self.start:
            query = query.where(Job.created_at >= self.start)
        if self.end:
            query = query.where(Job.created_at < self.end)
        return query


_COST_COLUMNS = (
    func.count(),
    func.count().filter(LLMCall.status == CallStatus.SUCCESS),
    func.count().filter(LLMCall.status == CallStatus.FAILED),
    func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
    func.coalesce(func.sum(LLMCall.completion_tokens), 0),
    func.coalesce(func.sum(LLMCall.provider_cost_micros), 0),
    func.coalesce(func.sum(LLMCall.client_cost_micros), 0),
    func.count().filter(LLMCall.cache_hit.is_(True)),
    func.avg(LLMCall.latency_ms),
)


def _totals(row: tuple) -> schemas.CostTotals:  # type: ignore[type-arg]
    calls, ok, failed, prompt, completion, provider, client, hits, latency = row
    provider, client = int(provider), int(client)
    return schemas.CostTotals(
        calls=calls, successful_calls=ok, failed_calls=failed, prompt_tokens=int(prompt),
        completion_tokens=int(completion), provider_cost_micros=provider, client_cost_micros=client,
        margin_micros=client - provider, provider_cost_usd=micros_to_usd(provider),
        client_cost_usd=micros_to_usd(client), margin_usd=micros_to_usd(client - provider), cache_hits=hits,
        avg_latency_ms=int(latency) if latency is not None else None,
    )  # fmt: skip


def job_counts(session: Session, where: UsageFilter) -> schemas.JobCounts:
    rows = session.execute(
        where.jobs(
            select(Job.status, func.count(), func.coalesce(func.sum(Job.credits_charged), 0)).group_by(Job.status)
        )
    ).all()
    by_status = {status: (count, int(credits)) for status, count, credits in rows}
    return schemas.JobCounts(
        total=sum(c for c, _ in by_status.values()),
        pending=by_status.get(JobStatus.PENDING, (0, 0))[0],
        in_progress=by_status.get(JobStatus.IN_PROGRESS, (0, 0))[0],
        completed=by_status.get(JobStatus.COMPLETED, (0, 0))[0],
        failed=by_status.get(JobStatus.FAILED, (0, 0))[0],
        credits_charged=sum(credits for _, credits in by_status.values()),
    )


_DIMENSIONS = {"job_type": LLMCall.job_type, "model": LLMCall.alias, "team": LLMCall.team_id}


def _cost_breakdowns(
    session: Session, where: UsageFilter
) -> tuple[schemas.CostTotals, dict[str, dict[str, schemas.CostTotals]]]:
    """Totals and every breakdown in one scan of the calls (GROUPING SETS)."""
    columns = list(_DIMENSIONS.values())
    sets = func.grouping_sets(text("()"), *(tuple_(c) for c in columns))
    rows = session.execute(
        where.calls(select(*(func.grouping(c) for c in columns), *columns, *_COST_COLUMNS).group_by(sets))
    ).all()
    totals = _totals((0, 0, 0, 0, 0, 0, 0, 0, None))
    by: dict[str, dict[str, schemas.CostTotals]] = {name: {} for name in _DIMENSIONS}
    n = len(columns)
    for row in rows:
        flags, keys, costs = row[:n], row[n : 2 * n], tuple(row[2 * n :])
        grouped = [name for name, flag in zip(_DIMENSIONS, flags, strict=True) if flag == 0]
        if not grouped:
            totals = _totals(costs)
        else:
            name = grouped[0]
            by[name][str(keys[list(_DIMENSIONS).index(name)])] = _totals(costs)
    return totals, by


def _job_breakdowns(session: Session, where: UsageFilter) -> dict[str, dict[str, int]]:
    """Jobs per job type and per team, in one scan of the jobs."""
    sets = func.grouping_sets(tuple_(Job.job_type), tuple_(Job.team_id))
    rows = session.execute(
        where.jobs(select(func.grouping(Job.job_type), Job.job_type, Job.team_id, func.count()).group_by(sets))
    ).all()
    by: dict[str, dict[str, int]] = {"job_type": {}, "team": {}}
    for by_team, job_type, team_id, count in rows:
        if by_team:
            by["team"][str(team_id)] = count
        else:
            by["job_type"][str(job_type)] = count
    return by


def usage_report(session: Session, scope: str, scope_id: str | None, where: UsageFilter) -> schemas.UsageReport:
    totals, costs_by = _cost_breakdowns(session, where)
    jobs_by = _job_breakdowns(session, where)

    def rows(name: str) -> list[schemas.Breakdown]:
        jobs = jobs_by.get(name, {})
        return [
            schemas.Breakdown(key=key, jobs=jobs.get(key, 0), costs=costs)
            for key, costs in sorted(costs_by[name].items())
        ]

    return schemas.UsageReport(
        scope=scope,
        scope_id=scope_id,
        start=where.start,
        end=where.end,
        jobs=job_counts(session, where),
        costs=totals,
        by_job_type=rows("job_type"),
        by_model=rows("model"),
        by_team=rows("team"),
    )


def team_usage(session: Session, team, where: UsageFilter) -> schemas.TeamUsage:  # type: ignore[no-untyped-def]
    calls = session.execute(where.calls(select(func.count()))).scalar_one()
    by_type = dict(session.execute(where.jobs(select(Job.job_type, func.count()).group_by(Job.job_type))).all())
    return schemas.TeamUsage(
        team_id=team.id, start=where.start, end=where.end, jobs=job_counts(session, where), calls=calls,
        jobs_by_type=by_type, credits_allocated=team.credits_allocated, credits_remaining=team.credits_remaining,
        credits_used=team.credits_used, budget_unit=BUDGET_UNITS[BudgetMode(team.budget_mode)],
    )  # fmt: skip


def time_series(session: Session, where: UsageFilter, granularity: str) -> list[schemas.TimePoint]:
    bucket = func.date_trunc(granularity, LLMCall.created_at).label("period")
    call_rows = session.execute(
        where.calls(
            select(
                bucket, func.count(), func.coalesce(func.sum(LLMCall.provider_cost_micros), 0),
                func.coalesce(func.sum(LLMCall.client_cost_micros), 0),
            ).group_by(bucket)
        )
    ).all()  # fmt: skip
    job_bucket = func.date_trunc(granularity, Job.created_at).label("period")
    job_rows = {
        row[0]: (row[1], int(row[2]))
        for row in session.execute(
            where.jobs(
                select(job_bucket, func.count(), func.coalesce(func.sum(Job.credits_charged), 0)).group_by(job_bucket)
            )
        ).all()
    }
    calls_by_period = {row[0]: row for row in call_rows}
    points = []
    for period in sorted(set(calls_by_period) | set(job_rows)):
        _, calls, provider, client = calls_by_period.get(period, (period, 0, 0, 0))
        jobs, credits = job_rows.get(period, (0, 0))
        points.append(
            schemas.TimePoint(
                period=period,
                jobs=jobs,
                calls=calls,
                provider_cost_micros=int(provider),
                client_cost_micros=int(client),
                margin_micros=int(client) - int(provider),
                credits_charged=credits,
            )  # fmt: skip
        )
    return points
