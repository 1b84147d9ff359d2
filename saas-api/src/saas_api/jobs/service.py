"""Jobs and their calls: each function is one transaction, free of HTTP, called by routes and the sweeper.

A call is recorded twice: `begin_call` inserts it (in flight, with its hold) before the provider is
asked, `finish_call` settles it after. A call that reached the provider is never lost: if the
second step cannot happen, the sweeper finishes it from LiteLLM's own spend log.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .. import admission
from ..billing import ledger
from ..billing.pricing import Price, call_charge, call_cost, hold_amount
from ..errors import Conflict, InsufficientCredits, NotFound, TeamSuspended
from ..models import (
    BudgetMode,
    CallStatus,
    Job,
    JobCostSummary,
    JobStatus,
    LimitType,
    LLMCall,
    Team,
    TeamStatus,
)
from ..tenancy.service import BUDGET_UNITS
from . import schemas

OPEN_STATUSES = (JobStatus.PENDING, JobStatus.IN_PROGRESS)


def _team(session: Session, team_id: str) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team '{team_id}' not found")
    return team


def _admit(team: Team) -> None:
    """Work may start: the team is active and, under a hard limit, has credit left."""
    if team.status != TeamStatus.ACTIVE:
        raise TeamSuspended(f"team '{team.id}' is suspended")
    if team.limit_type == LimitType.HARD and team.credits_available <= 0:
        raise InsufficientCredits(f"team '{team.id}' has no credits left")


def job_out(job: Job) -> schemas.JobOut:
    return schemas.JobOut(
        job_id=job.id,
        team_id=job.team_id,
        job_type=job.job_type,
        status=job.status,
        metadata=job.metadata_,
        created_at=job.created_at,
        updated_at=job.updated_at,
        completed_at=job.completed_at,
    )


def create_job(session: Session, team_id: str, job_type: str, metadata: dict) -> tuple[Job, bool]:  # type: ignore[type-arg]
    """Create a job. job_based teams hold one credit for it until it ends. Returns (job, warn)."""
    team = _team(session, team_id)
    job = Job(id=uuid.uuid4(), team_id=team_id, job_type=job_type, metadata_=metadata)
    warn = False
    if team.budget_mode == BudgetMode.JOB_BASED:
        job.hold_id, balance = ledger.place_hold(session, team_id, 1, job_id=job.id)
        warn = balance.warn
    else:
        _admit(team)
    session.add(job)
    session.flush()
    session.refresh(job)
    return job, warn


def get_job(session: Session, team_id: str, job_id: uuid.UUID) -> Job:
    """The team's job; another team's job is indistinguishable from a missing one (404)."""
    job = session.execute(select(Job).where(Job.id == job_id, Job.team_id == team_id)).scalar_one_or_none()
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


@dataclass(frozen=True)
class CallTicket:
    """Everything needed to make and then settle one call."""

    call_id: uuid.UUID
    job_id: uuid.UUID
    team_id: str
    alias: str
    litellm_model: str
    price: Price
    budget_mode: BudgetMode
    cache_enabled: bool
    hold_id: uuid.UUID | None
    warn: bool = False


def _open_job(session: Session, team_id: str, job_id: uuid.UUID) -> str:
    """Move a job to in_progress (its first call) or keep it there; refuse ended jobs. Returns its type."""
    job_type = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.team_id == team_id, Job.status.in_(OPEN_STATUSES))
        .values(status=JobStatus.IN_PROGRESS, updated_at=func.now())
        .returning(Job.job_type)
    ).scalar_one_or_none()
    if job_type is None:
        ended = get_job(session, team_id, job_id)
        raise Conflict(f"job '{job_id}' is {ended.status}; it takes no more calls")
    return job_type


def begin_call(
    session: Session, team_id: str, job_id: uuid.UUID, requested_alias: str | None, prompt_bound: int,
    max_tokens: int, *, stream: bool, structured: bool,
) -> CallTicket:  # fmt: skip
    """Admit a call: the job is open, the alias allowed, the hold placed, and the call recorded in flight."""
    job_type = _open_job(session, team_id, job_id)
    team = admission.team_view(session, team_id)
    if team.status != TeamStatus.ACTIVE:
        raise TeamSuspended(f"team '{team_id}' is suspended")
    alias = admission.resolve_alias(session, team, requested_alias)
    markup = alias.markup_percent if alias.markup_percent is not None else team.markup_percent
    price = Price(alias.input_price_micros_per_mtok, alias.output_price_micros_per_mtok, markup)
    mode = BudgetMode(team.budget_mode)
    call_id = uuid.uuid4()
    hold_id, warn = None, False
    if mode != BudgetMode.JOB_BASED:
        hold_id, balance = ledger.place_hold(
            session, team_id, hold_amount(mode, price, prompt_bound, max_tokens), job_id=job_id, call_id=call_id
        )
        warn = balance.warn
    session.execute(
        insert(LLMCall).values(
            id=call_id, job_id=job_id, team_id=team_id, organization_id=team.organization_id, job_type=job_type,
            alias=alias.alias, model_group=alias.litellm_model, stream=stream, structured=structured, hold_id=hold_id,
            status=CallStatus.IN_FLIGHT,
        )
    )  # fmt: skip
    return CallTicket(
        call_id=call_id, job_id=job_id, team_id=team_id, alias=alias.alias, litellm_model=alias.litellm_model,
        price=price, budget_mode=mode, cache_enabled=alias.cache_enabled, hold_id=hold_id, warn=warn,
    )  # fmt: skip


@dataclass
class CallOutcome:
    """What is known about a call once the proxy is done with it (or gave up)."""

    ok: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    proxy_cost_usd: str | None = None
    cache_hit: bool = False
    resolved_model: str | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    parsed_ok: bool | None = None
    error_type: str | None = None
    error_message: str | None = None


def finish_call(session: Session, ticket: CallTicket, outcome: CallOutcome) -> bool:
    """Record a call's outcome and settle its hold, once. False if it was finished already.

    Tokens the provider produced are billed even when the call failed part-way (a cut stream).
    """
    cost = call_cost(
        ticket.price, outcome.prompt_tokens, outcome.completion_tokens, outcome.proxy_cost_usd, outcome.cache_hit
    )
    charge = call_charge(ticket.budget_mode, cost, outcome.prompt_tokens + outcome.completion_tokens)
    finished = session.execute(
        update(LLMCall)
        .where(LLMCall.id == ticket.call_id, LLMCall.status == CallStatus.IN_FLIGHT)
        .values(
            status=CallStatus.SUCCESS if outcome.ok else CallStatus.FAILED,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            provider_cost_micros=cost.provider_cost_micros,
            client_cost_micros=cost.client_cost_micros,
            cost_source=cost.cost_source,
            resolved_model=outcome.resolved_model,
            latency_ms=outcome.latency_ms,
            cache_hit=outcome.cache_hit,
            finish_reason=outcome.finish_reason,
            parsed_ok=outcome.parsed_ok,
            error_type=outcome.error_type,
            error_message=outcome.error_message,
            finished_at=func.now(),
        )
        .returning(LLMCall.id)
    ).first()
    if finished is None:
        return False
    if ticket.hold_id is not None:
        charged = ledger.settle_hold(session, ticket.hold_id, charge, reason=f"call {ticket.call_id}") or 0
        session.execute(update(LLMCall).where(LLMCall.id == ticket.call_id).values(credits_charged=charged))
    return True


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
) -> schemas.JobSummary:  # fmt: skip
    """End a job: aggregate its calls and charge it (job_based: one credit if completed, none if failed)."""
    job = get_job(session, team_id, job_id)
    if job.status not in OPEN_STATUSES:
        raise Conflict(f"job '{job_id}' is already {job.status}")
    totals = _call_totals(session, job_id)
    if totals["in_flight"] and not allow_in_flight:
        raise Conflict(f"job '{job_id}' has {totals['in_flight']} call(s) in flight; complete it when they finish")
    ended = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(OPEN_STATUSES))
        .values(status=status, completed_at=func.now(), result_metadata=metadata, error_message=error_message)
        .returning(Job.id)
    ).first()
    if ended is None:  # another request ended it first
        raise Conflict(f"job '{job_id}' is already ended")
    job_credits = 0
    if job.hold_id is not None:
        if status == JobStatus.COMPLETED:
            job_credits = ledger.settle_hold(session, job.hold_id, 1, reason=f"job {job_id} completed") or 0
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
    return job_summary(session, job)


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
            budget_unit=BUDGET_UNITS[BudgetMode(team.budget_mode)],
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
