"""Single-call jobs: one request makes a job and one call in it (`create-and-call`, and `/v1` calls
without `X-Job-Id`). The job completes when the call succeeds and fails (free) when it does not."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

from ..calls import service as calls
from ..calls.own_job import buffered_in_own_job, streamed_in_own_job
from ..calls.records import CallTicket
from ..calls.streaming import StreamEvent, open_stream
from ..litellm_proxy import LiteLLMProxy
from . import schemas


async def single_call_job(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[schemas.LLMCallResponse, schemas.JobSummary, bool]:  # fmt: skip
    """One job, one buffered call (calls/own_job.py). Returns the reply, the job's summary and
    whether the team is past its warning threshold."""

    async def call(job_id: uuid.UUID) -> tuple[schemas.LLMCallResponse, CallTicket]:
        ticket = await calls.admit(team_id, job_id, params, stream=False)
        return await calls.buffered_call(proxy, virtual_key, ticket, params), ticket

    return await buffered_in_own_job(team_id, job_type, lambda: calls.resolve(team_id, params), call, metadata)


async def single_call_job_stream(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[CallTicket, AsyncIterator[StreamEvent]]:  # fmt: skip
    """One job, one streamed call; the job ends when the stream does, whether or not the client stays."""
    events, ticket = await streamed_in_own_job(
        team_id, job_type, lambda: calls.resolve(team_id, params),
        lambda job_id: calls.admit(team_id, job_id, params, stream=True),
        lambda ticket, end_job: open_stream(proxy, virtual_key, ticket, params, on_recorded=end_job), metadata,
    )  # fmt: skip
    return ticket, events
