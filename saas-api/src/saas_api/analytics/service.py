"""Usage aggregation over jobs and calls, by team, organization, job type, model and period.

Whole UTC days that are rolled up (rollup.py) are read from the daily tables; the rest of the period
(its first and last partial days, and everything since the rollup) from the calls and jobs
themselves. Each source is grouped by team, job type and alias (or status) in the database; the
totals and breakdowns are summed from those few rows here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from ..billing.units import budget_unit
from ..jobs.service import OPEN_STATUSES
from ..models import (
    CallStatus,
    DailyCallUsage,
    DailyJobUsage,
    Job,
    JobCostSummary,
    JobStatus,
    LLMCall,
    Team,
)
from ..money import micros_to_usd
from . import rollup, schemas

DAY = timedelta(days=1)


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

    def daily(self, query: Select, table: type[DailyCallUsage] | type[DailyJobUsage], window: "Window") -> Select:  # type: ignore[type-arg]
        if self.team_id:
            query = query.where(table.team_id == self.team_id)
        if self.organization_id:
            query = query.where(table.organization_id == self.organization_id)
        if self.job_type:
            query = query.where(table.job_type == self.job_type)
        if window.first is not None:
            query = query.where(table.day >= window.first)
        return query.where(table.day < window.last)

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


@dataclass(frozen=True)
class Window:
    """The whole days of a period the daily tables answer: [first, last)."""

    first: datetime | None
    last: datetime

    def outside(self, column: Any) -> list[ColumnElement[bool]]:
        """The rows the daily tables do not hold, as narrow ranges (queried apart: each an index scan)."""
        tail = column >= self.last
        return [tail] if self.first is None else [column < self.first, tail]


def _outside(window: "Window | None", column: Any) -> list[ColumnElement[bool]]:
    return window.outside(column) if window is not None else [true()]


def _day(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def rolled_window(session: Session, where: UsageFilter) -> Window | None:
    upto = rollup.rolled_up_to(session)
    if upto is None:
        return None
    first = None
    if where.start is not None:
        first = _day(where.start) if _day(where.start) == where.start else _day(where.start) + DAY
    last = min(_day(where.end), upto) if where.end is not None else upto
    if first is not None and first >= last:
        return None
    return Window(first, last)


# -- calls --------------------------------------------------------------------------------------

_CALL_KEYS = (LLMCall.team_id, LLMCall.job_type, LLMCall.alias)
_CALL_SUMS = (
    func.count(),
    func.count().filter(LLMCall.status == CallStatus.SUCCESS),
    func.count().filter(LLMCall.status == CallStatus.FAILED),
    func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
    func.coalesce(func.sum(LLMCall.completion_tokens), 0),
    func.coalesce(func.sum(LLMCall.provider_cost_micros), 0),
    func.coalesce(func.sum(LLMCall.client_cost_micros), 0),
    func.count().filter(LLMCall.cache_hit.is_(True)),
    func.coalesce(func.sum(LLMCall.latency_ms), 0),
    func.count(LLMCall.latency_ms),
    func.coalesce(func.sum(LLMCall.credits_written_off), 0),
)
_DAILY_CALL_KEYS = (DailyCallUsage.team_id, DailyCallUsage.job_type, DailyCallUsage.alias)
_DAILY_CALL_SUMS = tuple(
    func.sum(column)
    for column in (
        DailyCallUsage.calls, DailyCallUsage.successful_calls, DailyCallUsage.failed_calls,
        DailyCallUsage.prompt_tokens, DailyCallUsage.completion_tokens, DailyCallUsage.provider_cost_micros,
        DailyCallUsage.client_cost_micros, DailyCallUsage.cache_hits, DailyCallUsage.latency_ms_sum,
        DailyCallUsage.latency_ms_count, DailyCallUsage.credits_written_off,
    )
)  # fmt: skip
CallSums = tuple[int, ...]  # the eleven sums above, in that order


def _merge(rows: Iterable[Any], keys: int) -> dict[tuple[Any, ...], tuple[int, ...]]:
    merged: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for row in rows:
        key, sums = tuple(row[:keys]), tuple(int(v) for v in row[keys:])
        before = merged.get(key)
        merged[key] = sums if before is None else tuple(a + b for a, b in zip(before, sums, strict=True))
    return merged


def call_sums(session: Session, where: UsageFilter, window: Window | None) -> dict[tuple[Any, ...], CallSums]:
    """The calls' sums per (team, job type, alias)."""
    raw = where.calls(select(*_CALL_KEYS, *_CALL_SUMS).group_by(*_CALL_KEYS))
    rows: list[Any] = []
    for part in _outside(window, LLMCall.created_at):
        rows += session.execute(raw.where(part)).all()
    if window is not None:
        rows += session.execute(
            where.daily(
                select(*_DAILY_CALL_KEYS, *_DAILY_CALL_SUMS).group_by(*_DAILY_CALL_KEYS), DailyCallUsage, window
            )
        ).all()
    return _merge(rows, 3)


def _add(sums: Iterable[CallSums]) -> CallSums:
    total: CallSums = (0,) * len(_CALL_SUMS)
    for row in sums:
        total = tuple(a + b for a, b in zip(total, row, strict=True))
    return total


def _totals(sums: CallSums) -> schemas.CostTotals:
    calls, ok, failed, prompt, completion, provider, client, hits, latency_sum, latency_count, written_off = sums
    return schemas.CostTotals(
        calls=calls, successful_calls=ok, failed_calls=failed, prompt_tokens=prompt, completion_tokens=completion,
        provider_cost_micros=provider, client_cost_micros=client, margin_micros=client - provider,
        provider_cost_usd=micros_to_usd(provider), client_cost_usd=micros_to_usd(client),
        margin_usd=micros_to_usd(client - provider), cache_hits=hits,
        avg_latency_ms=latency_sum // latency_count if latency_count else None, credits_written_off=written_off,
    )  # fmt: skip


def _by(sums: dict[tuple[Any, ...], CallSums], index: int) -> dict[str, CallSums]:
    grouped: dict[str, list[CallSums]] = {}
    for key, row in sums.items():
        grouped.setdefault(str(key[index]), []).append(row)
    return {name: _add(rows) for name, rows in grouped.items()}


# -- jobs ---------------------------------------------------------------------------------------

_JOB_KEYS = (Job.team_id, Job.job_type, Job.status)
_DAILY_JOB_KEYS = (DailyJobUsage.team_id, DailyJobUsage.job_type, DailyJobUsage.status)


JobSums = tuple[int, int, int]  # jobs, credits charged, provider cost of the ended jobs that charged nothing
# The provider cost of an ended job that charged nothing (a failed job of a job-based team, say).
_UNCHARGED_COST = func.coalesce(
    func.sum(JobCostSummary.provider_cost_micros).filter(Job.credits_charged == 0, Job.status.not_in(OPEN_STATUSES)),
    0,
)


def job_sums(session: Session, where: UsageFilter, window: Window | None) -> dict[tuple[Any, ...], JobSums]:
    """`JobSums` per (team, job type, status)."""
    raw = where.jobs(
        select(*_JOB_KEYS, func.count(), func.coalesce(func.sum(Job.credits_charged), 0), _UNCHARGED_COST)
        .outerjoin(JobCostSummary, JobCostSummary.job_id == Job.id)
        .group_by(*_JOB_KEYS)
    )
    rows: list[Any] = []
    for part in _outside(window, Job.created_at):
        rows += session.execute(raw.where(part)).all()
    if window is not None:
        daily = select(
            *_DAILY_JOB_KEYS, func.sum(DailyJobUsage.jobs), func.sum(DailyJobUsage.credits_charged),
            func.sum(DailyJobUsage.uncharged_provider_cost_micros),
        )  # fmt: skip
        rows += session.execute(where.daily(daily.group_by(*_DAILY_JOB_KEYS), DailyJobUsage, window)).all()
    return _merge(rows, 3)  # type: ignore[return-value]


def team_units(session: Session, team_ids: Iterable[str]) -> dict[str, str]:
    """Each team's budget unit: what its credits (and so its charges) are counted in."""
    ids = set(team_ids)
    if not ids:
        return {}
    rows = session.execute(select(Team.id, Team.budget_mode).where(Team.id.in_(ids))).all()
    return {team_id: budget_unit(mode) for team_id, mode in rows}


def by_unit(charges: Iterable[tuple[str, int]], units: dict[str, str]) -> dict[str, int]:
    """(team, credits) pairs summed per budget unit; never across units."""
    sums: dict[str, int] = {}
    for team_id, credits in charges:
        unit = units[team_id]
        sums[unit] = sums.get(unit, 0) + credits
    return sums


def one_unit_sum(sums: dict[str, int]) -> int | None:
    """The deprecated single total: defined only when there is at most one unit."""
    return None if len(sums) > 1 else sum(sums.values())


def _report_job_counts(session: Session, sums: dict[tuple[Any, ...], JobSums]) -> schemas.ReportJobCounts:
    units = team_units(session, (key[0] for key in sums))
    per_unit = by_unit(((key[0], credits) for key, (_, credits, _) in sums.items()), units)
    counts = _job_counts(sums).model_dump(exclude={"credits_charged"})
    return schemas.ReportJobCounts(**counts, credits_charged=one_unit_sum(per_unit), credits_charged_by_unit=per_unit)


def _job_counts(sums: dict[tuple[Any, ...], JobSums]) -> schemas.JobCounts:
    by_status: dict[str, int] = {}
    for (_, _, status), (jobs, _, _) in sums.items():
        by_status[status] = by_status.get(status, 0) + jobs
    return schemas.JobCounts(
        total=sum(by_status.values()),
        pending=by_status.get(JobStatus.PENDING, 0),
        in_progress=by_status.get(JobStatus.IN_PROGRESS, 0),
        completed=by_status.get(JobStatus.COMPLETED, 0),
        failed=by_status.get(JobStatus.FAILED, 0),
        credits_charged=sum(credits for _, credits, _ in sums.values()),
    )


def _jobs_by(sums: dict[tuple[Any, ...], JobSums], index: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, (jobs, _, _) in sums.items():
        counts[str(key[index])] = counts.get(str(key[index]), 0) + jobs
    return counts


# -- reports ------------------------------------------------------------------------------------


def usage_report(session: Session, scope: str, scope_id: str | None, where: UsageFilter) -> schemas.UsageReport:
    window = rolled_window(session, where)
    calls = call_sums(session, where, window)
    jobs = job_sums(session, where, window)

    def rows(index: int, jobs_index: int | None) -> list[schemas.Breakdown]:
        job_counts = _jobs_by(jobs, jobs_index) if jobs_index is not None else {}
        return [
            schemas.Breakdown(key=key, jobs=job_counts.get(key, 0), costs=_totals(sums))
            for key, sums in sorted(_by(calls, index).items())
        ]

    uncharged = sum(cost for _, _, cost in jobs.values())
    return schemas.UsageReport(
        scope=scope,
        scope_id=scope_id,
        start=where.start,
        end=where.end,
        jobs=_report_job_counts(session, jobs),
        uncharged_jobs_provider_cost_micros=uncharged,
        uncharged_jobs_provider_cost_usd=micros_to_usd(uncharged),
        costs=_totals(_add(calls.values())),
        by_job_type=rows(1, 1),
        by_model=rows(2, None),
        by_team=rows(0, 0),
    )


def team_usage(session: Session, team, where: UsageFilter) -> schemas.TeamUsage:  # type: ignore[no-untyped-def]
    window = rolled_window(session, where)
    calls = _add(call_sums(session, where, window).values())[0]
    jobs = job_sums(session, where, window)
    return schemas.TeamUsage(
        team_id=team.id, start=where.start, end=where.end, jobs=_job_counts(jobs), calls=calls,
        jobs_by_type=_jobs_by(jobs, 1), credits_allocated=team.credits_allocated,
        credits_remaining=team.credits_remaining, credits_used=team.credits_used,
        budget_unit=budget_unit(team.budget_mode),
    )  # fmt: skip


def _bucket(granularity: str, column: Any, daily: bool = False) -> Any:
    if daily and granularity == "day":  # a daily row's day is its bucket
        return column.label("period")
    return func.date_trunc(granularity, column, "UTC").label("period")


def time_series(session: Session, where: UsageFilter, granularity: str) -> list[schemas.TimePoint]:
    """Calls, costs, jobs and credits per UTC hour, day, week or month."""
    window = rolled_window(session, where) if granularity != "hour" else None
    call_bucket, job_bucket = _bucket(granularity, LLMCall.created_at), _bucket(granularity, Job.created_at)
    raw_calls = where.calls(
        select(call_bucket, func.count(), func.coalesce(func.sum(LLMCall.provider_cost_micros), 0),
               func.coalesce(func.sum(LLMCall.client_cost_micros), 0)).group_by(call_bucket)
    )  # fmt: skip
    raw_jobs = where.jobs(
        select(job_bucket, Job.team_id, func.count(), func.coalesce(func.sum(Job.credits_charged), 0))
        .group_by(job_bucket, Job.team_id)
    )  # fmt: skip
    call_rows: list[Any] = []
    for part in _outside(window, LLMCall.created_at):
        call_rows += session.execute(raw_calls.where(part)).all()
    job_rows: list[Any] = []
    for part in _outside(window, Job.created_at):
        job_rows += session.execute(raw_jobs.where(part)).all()
    if window is not None:
        daily_calls = _bucket(granularity, DailyCallUsage.day, daily=True)
        call_rows += session.execute(
            where.daily(
                select(daily_calls, func.sum(DailyCallUsage.calls), func.sum(DailyCallUsage.provider_cost_micros),
                       func.sum(DailyCallUsage.client_cost_micros)).group_by(daily_calls),
                DailyCallUsage, window,
            )
        ).all()  # fmt: skip
        daily_jobs = _bucket(granularity, DailyJobUsage.day, daily=True)
        job_rows += session.execute(
            where.daily(
                select(daily_jobs, DailyJobUsage.team_id, func.sum(DailyJobUsage.jobs),
                       func.sum(DailyJobUsage.credits_charged))
                .group_by(daily_jobs, DailyJobUsage.team_id), DailyJobUsage, window,
            )
        ).all()  # fmt: skip
    calls, team_jobs = _merge(call_rows, 1), _merge(job_rows, 2)
    units = team_units(session, (team_id for _, team_id in team_jobs))
    jobs: dict[tuple[Any, ...], int] = {}
    charges: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
    for (period, team_id), (job_count, credits) in team_jobs.items():
        jobs[(period,)] = jobs.get((period,), 0) + job_count
        charges.setdefault((period,), []).append((team_id, credits))
    points = []
    for key in sorted(set(calls) | set(jobs)):
        count, provider, client = calls.get(key, (0, 0, 0))
        job_count, per_unit = jobs.get(key, 0), by_unit(charges.get(key, []), units)
        points.append(
            schemas.TimePoint(
                period=key[0],
                jobs=job_count,
                calls=count,
                provider_cost_micros=provider,
                client_cost_micros=client,
                margin_micros=client - provider,
                credits_charged=one_unit_sum(per_unit),
                credits_charged_by_unit=per_unit,
            )  # fmt: skip
        )
    return points
