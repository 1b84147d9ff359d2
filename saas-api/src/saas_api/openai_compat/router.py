"""An OpenAI-compatible door: `POST /v1/chat/completions` and `GET /v1/models` with the team's
virtual key, so the official `openai` SDK works with `base_url` pointed at the SaaS API.

`model` is an alias. The job is named by the `X-Job-Id` header; without it each call is its own
job (type from `X-Job-Type`, default `openai_chat`), created and completed automatically. Every call
is tracked and billed exactly like one made through the job API. Errors already use OpenAI's shape.
"""

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import CurrentTeam
from ..concurrency import CallSlot
from ..db import run_in_transaction
from ..jobs import calls, schemas, service
from ..jobs.router import warning_headers
from ..litellm_proxy import LiteLLMProxy
from ..models import ModelAlias, group_aliases, team_access_groups

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])


class ChatCompletionRequest(schemas.CallParams):
    model: str = Field(max_length=128, description="a model alias")  # type: ignore[assignment]
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    max_completion_tokens: int | None = Field(None, ge=1)
    n: Literal[1] | None = None
    parallel_tool_calls: bool | None = None

    def call_params(self) -> schemas.CallParams:
        fields = self.model_dump(
            exclude={"stream", "stream_options", "max_completion_tokens", "n", "parallel_tool_calls"}
        )
        if self.max_completion_tokens is not None and self.max_tokens is None:
            fields["max_tokens"] = self.max_completion_tokens
        return schemas.CallParams(**fields)


def _proxy(request: Request) -> LiteLLMProxy:
    return request.app.state.proxy  # type: ignore[no-any-return]


def _completion_id(call_id: uuid.UUID) -> str:
    return f"chatcmpl-{call_id.hex}"


def _completion(reply: schemas.LLMCallResponse) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.response.content}
    if reply.response.tool_calls:
        message["tool_calls"] = reply.response.tool_calls
    return {
        "id": _completion_id(reply.call_id),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.response.finish_reason}],
    }


@router.post("/chat/completions", dependencies=[CallSlot])
async def chat_completions(
    data: ChatCompletionRequest,
    team: CurrentTeam,
    request: Request,
    x_job_id: Annotated[uuid.UUID | None, Header()] = None,
    x_job_type: Annotated[str, Header(max_length=128)] = "openai_chat",
) -> Response:
    params = data.call_params()
    proxy = _proxy(request)
    if data.stream:
        if x_job_id is None:
            ticket, events = await calls.single_call_job_stream(
                proxy, team.team_id, team.virtual_key, x_job_type, {}, params
            )
        else:
            ticket = await calls.admit(team.team_id, x_job_id, params, stream=True)
            events = await calls.open_stream(proxy, team.virtual_key, ticket, params)
        return StreamingResponse(
            _chunks(events, ticket),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Job-Id": str(ticket.job_id), **warning_headers(ticket.warn)},
        )
    if x_job_id is None:
        reply, _, warn = await calls.single_call_job(proxy, team.team_id, team.virtual_key, x_job_type, {}, params)
    else:
        ticket = await calls.admit(team.team_id, x_job_id, params, stream=False)
        reply, warn = await calls.buffered_call(proxy, team.virtual_key, ticket, params), ticket.warn
    return JSONResponse(_completion(reply), headers={"X-Job-Id": str(reply.job_id), **warning_headers(warn)})


async def _chunks(events: AsyncIterator[calls.StreamEvent], ticket: service.CallTicket) -> AsyncIterator[str]:
    base = {"id": _completion_id(ticket.call_id), "object": "chat.completion.chunk", "created": int(time.time()),
            "model": ticket.alias}  # fmt: skip
    first = True
    async for event in events:
        if event.kind == "delta":
            delta = {"role": "assistant", "content": event.text} if first else {"content": event.text}
            first = False
            yield calls.sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        elif event.kind == "error" and event.error is not None:
            yield calls.sse(event.error.body())  # the SDK raises APIError on a chunk with "error"
        elif event.kind == "end":
            yield calls.sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": event.finish_reason}]})
            yield "data: [DONE]\n\n"


def _team_aliases(session: Session, team_id: str) -> list[ModelAlias]:
    rows = session.execute(
        select(ModelAlias)
        .join(group_aliases, group_aliases.c.alias == ModelAlias.alias)
        .join(team_access_groups, team_access_groups.c.group_name == group_aliases.c.group_name)
        .where(team_access_groups.c.team_id == team_id)
        .distinct()
        .order_by(ModelAlias.alias)
    )
    return list(rows.scalars())


@router.get("/models")
async def list_models(team: CurrentTeam) -> dict[str, Any]:
    """The aliases this team may use."""
    aliases = await run_in_transaction(_team_aliases, team.team_id)
    return {
        "object": "list",
        "data": [
            {"id": a.alias, "object": "model", "created": int(a.created_at.timestamp()), "owned_by": "saas-litellm"}
            for a in aliases
        ],
    }
