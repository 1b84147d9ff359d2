"""Jobs: each function is one transaction, free of HTTP, called by routes and the sweeper.

A job's calls are admitted and recorded by calls/ (two statements a call, on the call path).
"""

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..billing import ledger
from ..billing.units import budget_unit
from ..errors import CallsInFlight, JobNotOpen, NotFound
from ..models import (
    OPEN_STATUSES,
    BudgetMode,
    CallStatus,
    FailedJobPolicy,
    Hold,
    Job,
    JobCostSummary,
    JobStatus,
    LLMCall,
    Team,
    TeamStatus,
)
from . import schemas


def _team(session: Session, team_id: str) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team '{team_id}' not found")
    return team


def job_out(job: Job) -> schemas.JobOut:
    return schemas.JobOut(
        job_id=job.id,
        team_id=job.team_id,
        job_type=job.job_type,
        status=job.status,
        metadata=job.metadata_,
        result_metadata=job.result_metadata,
        error_message=job.error_message,
        created_at=job.created_at,
        updated_at=job.updated_at,
        completed_at=job.completed_at,
    )


DEFAULT_JOB_PRICE = 1  # credits, for a job type the team has no price for


def job_price(team: Team, job_type: str) -> int:
    """What a job of this type costs a job_based team: its price in `job_type_prices`, else 1."""
    return int(team.job_type_prices.get(job_type, DEFAULT_JOB_PRICE))


def create_job(session: Session, team_id: str, job_type: str, metadata: dict) -> tuple[Job, bool]:  # type: ignore[type-arg]
    """Create a job. job_based teams hold the job type's price for it until it ends (a free type
    holds nothing; a suspended team is still refused). Returns (job, warn)."""
    team = _team(session, team_id)
    job = Job(id=uuid.uuid4(), team_id=team_id, job_type=job_type, metadata_=metadata)
    price = job_price(team, job_type)
    if team.budget_mode == BudgetMode.JOB_BASED and price > 0:
        job.hold_id, balance = ledger.place_hold(session, team_id, price, job_id=job.id)
        warn = balance.warn
    elif team.budget_mode == BudgetMode.JOB_BASED:  # a free type: only a suspended team is refused
        if team.status != TeamStatus.ACTIVE:
            raise ledger.refusal(team.id, team.status, team.budget_mode, team.credits_available, 0)
        warn = ledger.team_warns(team)
    else:
        ledger.check_may_start_work(team)
        warn = ledger.team_warns(team)
    session.add(job)
    session.flush()
    session.refresh(job)
    return job, warn


def get_job(session: Session, team_id: str, job_id: uuid.UUID, *, lock: bool = False) -> Job:
    """The team's job; another team's job is indistinguishable from a missing one (404)."""
    query = select(Job).where(Job.id == job_id, Job.team_id == team_id)
    job = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if job is None:
        raise NotFound(f"job '{job_id}' not found")
    return job


def list_jobs(
    session: Session, team_id: str | None, *, status: str | None = None, job_type: str | None = None,
    limit: int = 50, offset: int = 0,
) -> list[Job]:  # fmt: skip
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if team_id is not None:
        query = query.where(Job.team_id == team_id)
    if status is not None:
        query = query.where(Job.status == status)
    if job_type is not None:
        query = query.where(Job.job_type == job_type)
    return list(session.execute(query.limit(limit).offset(offset)).scalars())


def _call_totals(session: Session, job_id: uuid.UUID) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(),
            func.count().filter(LLMCall.status == CallStatus.SUCCESS),
            func.count().filter(LLMCall.status == CallStatus.FAILED),
            func.count().filter(LLMCall.status == CallStatus.IN_FLIGHT),
            func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
            func.coalesce(func.sum(LLMCall.completion_tokens), 0),
            func.coalesce(func.sum(LLMCall.provider_cost_micros), 0),
            func.coalesce(func.sum(LLMCall.client_cost_micros), 0),
            func.coalesce(func.sum(LLMCall.latency_ms), 0),
            func.coalesce(func.sum(LLMCall.credits_charged), 0),
        ).where(LLMCall.job_id == job_id)
    ).one()
    keys = (
        "total",
        "success",
        "failed",
        "in_flight",
        "prompt",
        "completion",
        "provider",
        "client",
        "latency",
        "credits",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True))


def complete_job(
    session: Session, team_id: str, job_id: uuid.UUID, status: JobStatus, metadata: dict | None = None,  # type: ignore[type-arg]
    error_message: str | None = None, *, allow_in_flight: bool = False,
) -> tuple[schemas.JobSummary, bool]:  # fmt: skip
    """End a job: aggregate its calls and charge it. Job-based teams pay the job's hold (its type's
    price when it started) when it completed; a failed one is free, unless the team's policy charges
    it once any call succeeded.
    Returns the job's summary and whether the team is past its warning threshold."""
    job = get_job(session, team_id, job_id, lock=True)  # no call may start while the job ends
    if job.status not in OPEN_STATUSES:
        raise JobNotOpen(f"job '{job_id}' is already {job.status}")
    totals = _call_totals(session, job_id)
    if totals["in_flight"] and not allow_in_flight:
        raise CallsInFlight(f"job '{job_id}' has {totals['in_flight']} call(s) in flight; complete it when they finish")
    ended = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(OPEN_STATUSES))
        .values(status=status, completed_at=func.now(), result_metadata=metadata, error_message=error_message)
        .returning(Job.id)
    ).first()
    if ended is None:  # another request ended it first
        raise JobNotOpen(f"job '{job_id}' is already ended")
    job_credits = 0
    if job.hold_id is not None:
        team = _team(session, team_id)
        price = session.execute(select(Hold.amount).where(Hold.id == job.hold_id)).scalar_one()
        delivered = team.failed_job_policy == FailedJobPolicy.CHARGE_IF_ANY_CALL_SUCCEEDED and totals["success"] > 0
        if status == JobStatus.COMPLETED or delivered:
            job_credits = ledger.settle_hold(session, job.hold_id, price, reason=f"job {job_id} {status}") or 0
        else:
            ledger.release_hold(session, job.hold_id, reason=f"job {job_id} {status}")
    credits = job_credits + totals["credits"]
    session.execute(update(Job).where(Job.id == job_id).values(credits_charged=credits))
    session.add(
        JobCostSummary(
            job_id=job_id, total_calls=totals["total"], successful_calls=totals["success"],
            failed_calls=totals["failed"], prompt_tokens=totals["prompt"], completion_tokens=totals["completion"],
            provider_cost_micros=totals["provider"], client_cost_micros=totals["client"],
            total_latency_ms=totals["latency"], credits_charged=credits,
        )
    )  # fmt: skip
    session.flush()
    session.refresh(job)
    summary = job_summary(session, job)
    return summary, ledger.team_warns(_team(session, team_id))


def job_summary(session: Session, job: Job) -> schemas.JobSummary:
    """The team's view of a job: calls and credits, no costs or models."""
    totals = _call_totals(session, job.id)
    team = _team(session, job.team_id)
    calls = session.execute(select(LLMCall).where(LLMCall.job_id == job.id).order_by(LLMCall.created_at)).scalars()
    credits = job.credits_charged if job.status not in OPEN_STATUSES else totals["credits"]
    return schemas.JobSummary(
        **job_out(job).model_dump(),
        costs=schemas.JobCosts(
            total_calls=totals["total"],
            successful_calls=totals["success"],
            failed_calls=totals["failed"],
            credits_applied=credits,
            credits_remaining=team.credits_remaining,
            budget_unit=budget_unit(team.budget_mode),
        ),
        calls=[
            schemas.JobCallOut(
                call_id=c.id,
                model=c.alias,
                status=c.status,
                stream=c.stream,
                finish_reason=c.finish_reason,
                created_at=c.created_at,
            )  # fmt: skip
            for c in calls
        ],
    )
