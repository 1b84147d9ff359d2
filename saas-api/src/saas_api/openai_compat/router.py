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
from pydantic import BaseModel, Field

from ..auth import CurrentTeam
from ..calls import service as calls
from ..calls import streaming
from ..calls.records import CallTicket
from ..concurrency import CallSlot
from ..db import run_in_transaction
from ..jobs import schemas, single_call
from ..jobs.router import warning_headers
from ..litellm_proxy import proxy_of
from ..tenancy.model_access import team_aliases

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


class ChatMessageOut(BaseModel):
    role: Literal["assistant"]
    content: str | None
    tool_calls: list[dict[str, Any]] | None = None


class ChatChoice(BaseModel):
    index: int
    message: ChatMessageOut
    finish_reason: str | None


class ChatCompletion(BaseModel):
    """OpenAI's chat completion, without `usage`: a team never sees tokens."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str = Field(description="the alias that answered")
    choices: list[ChatChoice]


STREAMED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "a completion, or its chunks when `stream`"}
}


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


@router.post("/chat/completions", dependencies=[CallSlot], response_model=ChatCompletion, responses=STREAMED)
async def chat_completions(
    data: ChatCompletionRequest,
    team: CurrentTeam,
    request: Request,
    x_job_id: Annotated[uuid.UUID | None, Header()] = None,
    x_job_type: Annotated[str, Header(max_length=128)] = "openai_chat",
) -> Response:
    params = data.call_params()
    proxy = proxy_of(request)
    if data.stream:
        if x_job_id is None:
            ticket, events = await single_call.single_call_job_stream(
                proxy, team.team_id, team.virtual_key, x_job_type, {}, params
            )
        else:
            ticket = await calls.admit(team.team_id, x_job_id, params, stream=True)
            events = await streaming.open_stream(proxy, team.virtual_key, ticket, params)
        return StreamingResponse(
            _chunks(events, ticket),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Job-Id": str(ticket.job_id), **warning_headers(ticket.warn)},
        )
    if x_job_id is None:
        reply, _, warn = await single_call.single_call_job(
            proxy, team.team_id, team.virtual_key, x_job_type, {}, params
        )
    else:
        ticket = await calls.admit(team.team_id, x_job_id, params, stream=False)
        reply, warn = await calls.buffered_call(proxy, team.virtual_key, ticket, params), ticket.warn
    return JSONResponse(_completion(reply), headers={"X-Job-Id": str(reply.job_id), **warning_headers(warn)})


async def _chunks(events: AsyncIterator[streaming.StreamEvent], ticket: CallTicket) -> AsyncIterator[str]:
    base = {"id": _completion_id(ticket.call_id), "object": "chat.completion.chunk", "created": int(time.time()),
            "model": ticket.alias}  # fmt: skip
    first = True
    async for event in events:
        if event.kind == "delta":
            delta: dict[str, Any] = {"tool_calls": event.tool_calls} if event.tool_calls else {"content": event.text}
            if first:  # OpenAI names the role once, on the first chunk (content null when tools are called)
                delta = {"role": "assistant", "content": event.text or None, **delta}
            first = False
            yield streaming.sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        elif event.kind == "error" and event.error is not None:
            yield streaming.sse(event.error.body())  # the SDK raises APIError on a chunk with "error"
        elif event.kind == "end":
            yield streaming.sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": event.finish_reason}]})
            yield "data: [DONE]\n\n"


class ModelOut(BaseModel):
    """An alias, as OpenAI's model list shows a model."""

    id: str = Field(description="the alias")
    object: Literal["model"] = "model"
    created: int = Field(description="when the alias was created, in Unix seconds")
    owned_by: str = "saas-litellm"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


@router.get("/models", response_model=ModelList)
async def list_models(team: CurrentTeam) -> ModelList:
    """The aliases this team may use."""
    aliases = await run_in_transaction(team_aliases, team.team_id)
    return ModelList(data=[ModelOut(id=a.alias, created=int(a.created_at.timestamp())) for a in aliases])
