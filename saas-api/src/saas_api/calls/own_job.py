"""One job for one call (`create-and-call`, and the `/v1` doors called without `X-Job-Id`): a refused
call leaves no job; the job completes when the call succeeds and fails (free) when it does not."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..db import run_in_transaction, with_db_retries
from ..errors import DomainError
from ..jobs import service as jobs
from ..jobs.schemas import JobSummary
from ..models import JobStatus
from .records import CallOutcome, CallTicket

T = TypeVar("T")


async def _fail(team_id: str, job_id: uuid.UUID, message: str | None) -> None:
    await with_db_retries(jobs.complete_job, team_id, job_id, JobStatus.FAILED, None, message, allow_in_flight=True)


async def buffered_in_own_job(
    team_id: str, job_type: str, resolve_first: Callable[[], Awaitable[Any]],
    call: Callable[[uuid.UUID], Awaitable[tuple[T, CallTicket]]], metadata: dict[str, Any] | None = None,
) -> tuple[T, JobSummary, bool]:  # fmt: skip
    """Refuse (`resolve_first`) before the job exists, then make the call in a new job. Returns the
    call's result, the job's summary and whether the team is past its warning threshold."""
    await resolve_first()
    job, _ = await run_in_transaction(jobs.create_job, team_id, job_type, metadata or {})
    try:
        result, ticket = await call(job.id)
    except DomainError as exc:
        await _fail(team_id, job.id, exc.message)
        raise
    summary, warn = await with_db_retries(jobs.complete_job, team_id, job.id, JobStatus.COMPLETED)
    return result, summary, warn or ticket.warn


async def streamed_in_own_job(
    team_id: str, job_type: str, resolve_first: Callable[[], Awaitable[Any]],
    admit: Callable[[uuid.UUID], Awaitable[CallTicket]],
    open_stream: Callable[[CallTicket, Callable[[CallOutcome], Awaitable[None]]], Awaitable[T]],
    metadata: dict[str, Any] | None = None,
) -> tuple[T, CallTicket]:  # fmt: skip
    """As `buffered_in_own_job`, for a stream: the job ends when the stream is recorded (the callback
    `open_stream` is given), whether or not the client stays."""
    await resolve_first()
    job, _ = await run_in_transaction(jobs.create_job, team_id, job_type, metadata or {})

    async def end_job(outcome: CallOutcome) -> None:
        if outcome.ok:
            await with_db_retries(jobs.complete_job, team_id, job.id, JobStatus.COMPLETED)
        else:
            await _fail(team_id, job.id, outcome.error_message)

    try:
        ticket = await admit(job.id)
    except DomainError as exc:
        await _fail(team_id, job.id, exc.message)
        raise
    return await open_stream(ticket, end_job), ticket
