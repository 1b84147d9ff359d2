"""`POST /v1/responses` (OpenAI's Responses API, which the Agents SDK and new SDK code use), buffered
or streamed, with the team's key. `model` is a chat alias; `X-Job-Id` names the job, and without it
each call is its own job (type from `X-Job-Type`, default `openai_response`). Billed per call by the
response's usage, like chat; the team sees the alias, never the model, tokens or costs."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from ..auth import CurrentTeam
from ..calls import responses
from ..calls.own_job import buffered_in_own_job, streamed_in_own_job
from ..calls.records import CallTicket
from ..concurrency import CallSlot
from ..jobs.router import warning_headers
from ..litellm_proxy import proxy_of

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

STREAMED: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "the response, or its events when `stream`",
    }
}


@router.post("/responses", dependencies=[CallSlot], response_model=responses.ResponseObject, responses=STREAMED)
async def create_response(
    data: responses.ResponseParams,
    team: CurrentTeam,
    request: Request,
    x_job_id: Annotated[uuid.UUID | None, Header()] = None,
    x_job_type: Annotated[str, Header(max_length=128)] = "openai_response",
) -> Response:
    proxy = proxy_of(request)

    async def admit(job_id: uuid.UUID) -> CallTicket:
        return await responses.admit(team.team_id, job_id, data)

    def resolve() -> Any:
        return responses.resolve(team.team_id, data)

    if data.stream:
        if x_job_id is None:
            events, ticket = await streamed_in_own_job(
                team.team_id, x_job_type, resolve, admit,
                lambda ticket, end_job: responses.open_stream(proxy, team.virtual_key, ticket, data, end_job),
            )  # fmt: skip
        else:
            ticket = await admit(x_job_id)
            events = await responses.open_stream(proxy, team.virtual_key, ticket, data)
        headers = {"Cache-Control": "no-cache", "X-Job-Id": str(ticket.job_id), **warning_headers(ticket.warn)}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    async def call(job_id: uuid.UUID) -> tuple[dict[str, Any], CallTicket]:
        ticket = await admit(job_id)
        return await responses.respond(proxy, team.virtual_key, ticket, data), ticket

    if x_job_id is None:
        body, summary, warn = await buffered_in_own_job(team.team_id, x_job_type, resolve, call)
        job_id = summary.job_id
    else:
        body, ticket = await call(x_job_id)
        job_id, warn = x_job_id, ticket.warn
    return JSONResponse(body, headers={"X-Job-Id": str(job_id), **warning_headers(warn)})
