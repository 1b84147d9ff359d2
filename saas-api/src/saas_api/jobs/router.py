"""Job API (team virtual key): create a job, make calls in it (buffered or SSE), complete it."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from ..auth import CurrentTeam
from ..calls import service as calls
from ..calls import streaming
from ..calls.records import CallTicket
from ..concurrency import CallSlot
from ..db import run_in_transaction
from ..errors import Forbidden
from ..idempotency import idempotent
from ..litellm_proxy import proxy_of
from ..models import JobStatus
from . import schemas, service, single_call

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
WARNING_HEADER = "X-Credits-Warning"
WARNING = "credits past the warning threshold"


def _own_team(team: CurrentTeam, team_id: str | None) -> None:
    if team_id is not None and team_id != team.team_id:
        raise Forbidden("team_id does not match the virtual key's team", param="team_id")


def _warned(response: Response, warn: bool) -> Response:
    """Every response to a team past its warning threshold says so (a replayed one as it was first sent)."""
    if warn:
        response.headers[WARNING_HEADER] = WARNING
    return response


def warning_headers(warn: bool) -> dict[str, str]:
    return {WARNING_HEADER: WARNING} if warn else {}


@router.post("/create", status_code=201, response_model=schemas.JobOut)
async def create_job(data: schemas.JobCreate, team: CurrentTeam, idempotency_key: IdempotencyKey = None) -> Response:
    """Create a job. Teams on job-based budgets set one credit aside for it until it ends."""
    _own_team(team, data.team_id)
    warn = False

    async def work() -> tuple[int, Any]:
        nonlocal warn
        job, warn = await run_in_transaction(service.create_job, team.team_id, data.job_type, data.metadata)
        return 201, service.job_out(job)

    return _warned(await idempotent(team.team_id, idempotency_key, "jobs.create", data, work), warn)


@router.get("", response_model=list[schemas.JobOut])
async def list_jobs(
    team: CurrentTeam,
    status: JobStatus | None = None,
    job_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[schemas.JobOut]:
    jobs = await run_in_transaction(
        service.list_jobs, team.team_id, status=status, job_type=job_type, limit=limit, offset=offset
    )
    return [service.job_out(job) for job in jobs]


@router.get("/{job_id}", response_model=schemas.JobSummary)
async def get_job(job_id: uuid.UUID, team: CurrentTeam) -> schemas.JobSummary:
    def load(session):  # type: ignore[no-untyped-def]
        return service.job_summary(session, service.get_job(session, team.team_id, job_id))

    return await run_in_transaction(load)  # type: ignore[no-any-return]


@router.post("/{job_id}/llm-call", response_model=schemas.LLMCallResponse, dependencies=[CallSlot])
async def llm_call(
    job_id: uuid.UUID, data: schemas.LLMCallRequest, team: CurrentTeam, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Make one buffered call within the job. The first call moves the job to in_progress."""
    warn = False

    async def work() -> tuple[int, Any]:
        nonlocal warn
        ticket = await calls.admit(team.team_id, job_id, data, stream=False)
        warn = ticket.warn
        return 200, await calls.buffered_call(proxy_of(request), team.virtual_key, ticket, data)

    return _warned(await idempotent(team.team_id, idempotency_key, f"jobs.{job_id}.call", data, work), warn)


@router.post("/{job_id}/complete", response_model=schemas.JobSummary)
async def complete_job(
    job_id: uuid.UUID, data: schemas.JobComplete, team: CurrentTeam, idempotency_key: IdempotencyKey = None
) -> Response:
    """End the job. Completed: one credit (job-based budgets); failed: none."""

    warn = False

    async def work() -> tuple[int, Any]:
        nonlocal warn
        summary, warn = await run_in_transaction(
            service.complete_job, team.team_id, job_id, JobStatus(data.status), data.metadata, data.error_message
        )
        return 200, summary

    return _warned(await idempotent(team.team_id, idempotency_key, f"jobs.{job_id}.complete", data, work), warn)


@router.post("/create-and-call", response_model=schemas.CreateAndCallResponse, dependencies=[CallSlot])
async def create_and_call(
    data: schemas.CreateAndCallRequest, team: CurrentTeam, request: Request, idempotency_key: IdempotencyKey = None
) -> Response:
    """One request, one job, one call; the job is completed (or failed, if the call fails)."""
    _own_team(team, data.team_id)
    warn = False

    async def work() -> tuple[int, Any]:
        nonlocal warn
        reply, summary, warn = await single_call.single_call_job(
            proxy_of(request), team.team_id, team.virtual_key, data.job_type, data.metadata, data
        )
        return 200, schemas.CreateAndCallResponse(**reply.model_dump(), job=summary)

    return _warned(await idempotent(team.team_id, idempotency_key, "jobs.create-and-call", data, work), warn)


# -- streaming ----------------------------------------------------------------------------------

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def _sse(events: AsyncIterator[streaming.StreamEvent], ticket: CallTicket) -> AsyncIterator[str]:
    # Tool-call fragments ride beside an empty `content`, so a reader that only joins text still works.
    async for event in events:
        if event.kind == "delta" and event.tool_calls:
            yield streaming.sse({"content": event.text, "tool_calls": event.tool_calls})
        elif event.kind == "delta":
            yield streaming.sse({"content": event.text})
        elif event.kind == "error" and event.error is not None:
            yield streaming.sse(event.error.body(), event="error")
        elif event.kind == "end":
            final: dict[str, Any] = {"content": "", "finish_reason": event.finish_reason,
                                     "call_id": str(ticket.call_id), "job_id": str(ticket.job_id)}  # fmt: skip
            if event.tool_calls:
                final["tool_calls"] = event.tool_calls
            yield streaming.sse(final)
            yield "data: [DONE]\n\n"


@router.post("/{job_id}/llm-call-stream", response_class=streaming.EventStream, dependencies=[CallSlot])
async def llm_call_stream(
    job_id: uuid.UUID, data: schemas.LLMCallRequest, team: CurrentTeam, request: Request
) -> Response:
    """Stream a call as Server-Sent Events: `data: {"content": ...}` deltas (tool-call fragments as
    `"tool_calls"`, as OpenAI streams them), a final event with `finish_reason`, `call_id` and the
    whole `tool_calls`, then `data: [DONE]`. A mid-stream failure is an `event: error`."""
    ticket = await calls.admit(team.team_id, job_id, data, stream=True)
    events = await streaming.open_stream(proxy_of(request), team.virtual_key, ticket, data)
    headers = {**SSE_HEADERS, **warning_headers(ticket.warn)}
    return streaming.EventStream(_sse(events, ticket), headers=headers)


@router.post("/create-and-call-stream", response_class=streaming.EventStream, dependencies=[CallSlot])
async def create_and_call_stream(data: schemas.CreateAndCallRequest, team: CurrentTeam, request: Request) -> Response:
    """Create a job and stream one call in it; the job ends when the stream does."""
    _own_team(team, data.team_id)
    ticket, events = await single_call.single_call_job_stream(
        proxy_of(request), team.team_id, team.virtual_key, data.job_type, data.metadata, data
    )
    headers = {**SSE_HEADERS, **warning_headers(ticket.warn)}
    return streaming.EventStream(_sse(events, ticket), headers=headers)
