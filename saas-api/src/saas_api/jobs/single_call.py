"""Single-call jobs: one request makes a job and one call in it (`create-and-call`, and `/v1` calls
without `X-Job-Id`). The job completes when the call succeeds and fails (free) when it does not."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

from ..calls import service as calls
from ..calls.records import CallOutcome, CallTicket
from ..calls.streaming import StreamEvent, open_stream
from ..db import run_in_transaction, with_db_retries
from ..errors import DomainError
from ..litellm_proxy import LiteLLMProxy
from ..models import JobStatus
from . import schemas, service


async def _fail_job(team_id: str, job_id: uuid.UUID, message: str | None) -> None:
    await with_db_retries(service.complete_job, team_id, job_id, JobStatus.FAILED, None, message, allow_in_flight=True)


async def single_call_job(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[schemas.LLMCallResponse, schemas.JobSummary, bool]:  # fmt: skip
    """One job, one buffered call: completed if the call succeeds, failed (and free) if not.
    Returns the reply, the job's summary and whether the team is past its warning threshold."""
    await calls.resolve(team_id, params)
    job, _ = await run_in_transaction(service.create_job, team_id, job_type, metadata)
    try:
        ticket = await calls.admit(team_id, job.id, params, stream=False)
        reply = await calls.buffered_call(proxy, virtual_key, ticket, params)
    except DomainError as exc:
        await _fail_job(team_id, job.id, exc.message)
        raise
    summary, warn = await with_db_retries(service.complete_job, team_id, job.id, JobStatus.COMPLETED)
    return reply, summary, warn


async def single_call_job_stream(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[CallTicket, AsyncIterator[StreamEvent]]:  # fmt: skip
    """One job, one streamed call; the job ends when the stream does, whether or not the client stays."""
    await calls.resolve(team_id, params)
    job, _ = await run_in_transaction(service.create_job, team_id, job_type, metadata)

    async def end_job(outcome: CallOutcome) -> None:
        if outcome.ok:
            await with_db_retries(service.complete_job, team_id, job.id, JobStatus.COMPLETED)
        else:
            await _fail_job(team_id, job.id, outcome.error_message)

    try:
        ticket = await calls.admit(team_id, job.id, params, stream=True)
    except DomainError as exc:
        await _fail_job(team_id, job.id, exc.message)
        raise
    return ticket, await open_stream(proxy, virtual_key, ticket, params, on_recorded=end_job)
