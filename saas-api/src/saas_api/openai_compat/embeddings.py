"""`POST /v1/embeddings` with the team's key, for the official `openai` SDK and any OpenAI client.

`model` is an embedding alias. As with `/v1/chat/completions`, `X-Job-Id` names the job; without it
each call is its own job (type from `X-Job-Type`, default `openai_embedding`). Billed per call by
the prompt tokens, like chat."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from ..auth import CurrentTeam
from ..calls import embeddings
from ..calls.own_job import buffered_in_own_job
from ..calls.records import CallTicket
from ..concurrency import CallSlot
from ..jobs.router import warning_headers
from ..litellm_proxy import proxy_of

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])


@router.post("/embeddings", dependencies=[CallSlot], response_model=embeddings.EmbeddingList)
async def create_embeddings(
    data: embeddings.EmbeddingParams,
    team: CurrentTeam,
    request: Request,
    x_job_id: Annotated[uuid.UUID | None, Header()] = None,
    x_job_type: Annotated[str, Header(max_length=128)] = "openai_embedding",
) -> JSONResponse:
    proxy = proxy_of(request)

    async def call(job_id: uuid.UUID) -> tuple[embeddings.EmbeddingList, CallTicket]:
        ticket = await embeddings.admit(team.team_id, job_id, data)
        return await embeddings.embed(proxy, team.virtual_key, ticket, data), ticket

    if x_job_id is None:
        result, summary, warn = await buffered_in_own_job(
            team.team_id, x_job_type, lambda: embeddings.resolve(team.team_id, data), call
        )
        job_id = summary.job_id
    else:
        result, ticket = await call(x_job_id)
        job_id, warn = x_job_id, ticket.warn
    return JSONResponse(result.model_dump(), headers={"X-Job-Id": str(job_id), **warning_headers(warn)})
