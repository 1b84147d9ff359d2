"""Responses API calls (OpenAI's `/v1/responses`, which the Agents SDK speaks), through LiteLLM's own
`/responses`: admitted, held and recorded like chat calls, billed by the final `usage`. What the team
sees is the provider's response with the alias for `model`, our call's id for `id`, and no `usage`
(a team never sees tokens or costs). A stream is read by its own task, which records the call when
the stream ends, whatever the client does (as calls/streaming.py does for chat).
"""

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..billing.pricing import prompt_token_bound
from ..errors import DomainError, UnprocessableEntity, UpstreamError
from ..jobs import schemas as job_schemas
from ..litellm_proxy import RESPONSE_FINAL_EVENTS, CompletionMeta, LiteLLMProxy
from ..models import AliasMode
from . import service as calls
from .records import CallOutcome, CallTicket
from .streaming import _estimate_tokens, _spawn, sse

log = logging.getLogger(__name__)


class ResponseParams(job_schemas.Strict):
    """What a team may ask of the Responses API. Anything else (previous_response_id, background…) is refused."""

    model: str | None = Field(None, max_length=128, description="a model alias; default: the team's")
    input: str | list[dict[str, Any]] = Field(min_length=1, description="a text, or input items (messages…)")
    instructions: str | None = None
    max_output_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    include: list[str] | None = None
    store: bool | None = None
    metadata: dict[str, str] | None = None
    user: str | None = Field(None, max_length=256)
    stream: bool = False

    def provider_params(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"model", "stream", "store"})


class ResponseObject(BaseModel):
    """OpenAI's response object as the team sees it (its other fields pass through as the provider sent them)."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(description="`resp_` and the call's id")
    object: Literal["response"]
    created_at: float
    model: str = Field(description="the alias that answered")
    status: str = Field(description="completed, incomplete or failed")
    output: list[dict[str, Any]] = Field(description="message and function_call items")
    usage: None = Field(None, description="always null: a team never sees tokens")


def _prompt_bound(params: ResponseParams) -> int:
    """The prompt's bound, as chat's (billing/pricing.py): the input is the messages, `text` the schema."""
    input_items = [params.input] if isinstance(params.input, str) else params.input
    return prompt_token_bound(
        {"messages": input_items, "tools": params.tools, "tool_choice": params.tool_choice,
         "response_format": params.text}
    ) + len((params.instructions or "").encode())  # fmt: skip


def _has_images(params: ResponseParams) -> bool:
    items = [] if isinstance(params.input, str) else params.input
    return any(calls.has_images(item.get("content")) for item in items)


async def resolve(team_id: str, params: ResponseParams) -> None:
    """Refuse, before any work is recorded, a call the alias cannot answer."""
    await _resolve(team_id, params)


async def _resolve(team_id: str, params: ResponseParams) -> Any:
    team, alias = await calls.resolve_alias(team_id, params.model, AliasMode.CHAT)
    if not alias.supports_vision and _has_images(params):
        raise UnprocessableEntity(f"model alias '{alias.alias}' takes no images", param="input")
    return team, alias


async def admit(team_id: str, job_id: uuid.UUID, params: ResponseParams) -> CallTicket:
    """Check the call may be made, hold what it may cost and record it in flight."""
    team, alias = await _resolve(team_id, params)
    return await calls.admit_resolved(
        team, alias, job_id, _prompt_bound(params), params.max_output_tokens, stream=params.stream,
        structured=((params.text or {}).get("format") or {}).get("type") == "json_schema",
    )  # fmt: skip


def _payload(ticket: CallTicket, params: ResponseParams) -> dict[str, Any]:
    payload = params.provider_params()
    payload["model"] = ticket.litellm_model
    payload["max_output_tokens"] = ticket.max_tokens  # what the hold assumed: a true bound
    return payload


def response_id(ticket: CallTicket) -> str:
    return f"resp_{ticket.call_id.hex}"


def team_view(response: dict[str, Any], ticket: CallTicket) -> dict[str, Any]:
    """The response as the team sees it: the alias, our id, no usage."""
    return {**response, "id": response_id(ticket), "model": ticket.alias, "usage": None}


def _finish_reason(response: dict[str, Any]) -> str:
    if response.get("status") == "incomplete":
        return "length"
    if any(item.get("type") == "function_call" for item in response.get("output") or []):
        return "tool_calls"
    return "stop"


def _outcome(response: dict[str, Any], meta: CompletionMeta, cost_usd: str | None) -> CallOutcome:
    usage = response.get("usage") or {}
    return CallOutcome(
        ok=response.get("status") != "failed",
        prompt_tokens=int(usage.get("input_tokens") or 0), completion_tokens=int(usage.get("output_tokens") or 0),
        proxy_cost_usd=cost_usd, resolved_model=meta.resolved_model, latency_ms=meta.latency_ms,
        finish_reason=_finish_reason(response),
        error_type=None if response.get("status") != "failed" else "provider_error",
        error_message=None if response.get("status") != "failed" else "the model provider failed the response",
    )  # fmt: skip


async def respond(proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: ResponseParams) -> dict[str, Any]:
    """Make an admitted buffered call and record it; returns the response as the team sees it."""
    meta = CompletionMeta()
    try:
        body, meta = await proxy.response(virtual_key, _payload(ticket, params), str(ticket.call_id))
    except DomainError as exc:
        await asyncio.shield(calls.record(ticket, calls._failed(exc, meta)))
        raise
    await asyncio.shield(calls.record(ticket, _outcome(body, meta, meta.cost_usd)))
    return team_view(body, ticket)


# -- streams -----------------------------------------------------------------------------------

_END = object()  # what the pump queues once the call is recorded


async def _pump(
    proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: ResponseParams,
    queue: asyncio.Queue[Any], on_recorded: Callable[[CallOutcome], Awaitable[None]] | None,
) -> None:  # fmt: skip
    """Read the proxy's events into the queue, then record the call, whether or not anyone still listens."""
    meta = CompletionMeta()
    final: dict[str, Any] | None = None
    said: list[str] = []
    error: DomainError | None = None
    try:
        async for event in proxy.stream_response(virtual_key, _payload(ticket, params), str(ticket.call_id), meta):
            if event.get("type") in RESPONSE_FINAL_EVENTS:
                final = event.get("response") or {}
            elif isinstance(event.get("delta"), str):
                said.append(event["delta"])
            if event.get("type") == "response.failed":
                # LiteLLM reports a provider failure (a cut stream too) this way: an error to the client,
                # an HTTP one when nothing was sent yet.
                error = UpstreamError("the model provider failed to answer")
            else:
                queue.put_nowait(event)
    except DomainError as exc:
        error = exc
    except Exception:  # never leave a stream without a record
        log.exception("response stream for call %s failed", ticket.call_id)
        error = UpstreamError("the stream failed")
    if final is not None:
        usage = final.get("usage") or {}
        outcome = _outcome(final, meta, str(usage["cost"]) if usage.get("cost") is not None else None)
    else:
        outcome = calls._failed(error or UpstreamError("the stream ended early"), meta)
        if said:  # cut before the final usage: bill what we saw arrive
            outcome.prompt_tokens = _estimate_tokens(json.dumps(params.input) + (params.instructions or ""))
            outcome.completion_tokens = _estimate_tokens("".join(said))
    await calls.record(ticket, outcome)
    if on_recorded is not None:
        await on_recorded(outcome)
    if error is not None:
        queue.put_nowait(error)
    queue.put_nowait(_END)


async def open_stream(
    proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: ResponseParams,
    on_recorded: Callable[[CallOutcome], Awaitable[None]] | None = None,
) -> AsyncIterator[str]:  # fmt: skip
    """Start the stream and wait for its first event, so an error before any output is an HTTP error
    rather than a 200 stream. Returns the events as the team sees them, as Server-Sent Events."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    _spawn(_pump(proxy, virtual_key, ticket, params, queue, on_recorded))
    first = await queue.get()
    if isinstance(first, DomainError):
        while await queue.get() is not _END:  # the call is recorded before the error reaches the client
            pass
        raise first

    async def events() -> AsyncIterator[str]:
        item = first
        while item is not _END:
            if isinstance(item, DomainError):
                # OpenAI's error event, with our error body too: the SDK raises on an event with `error`.
                error = {"type": "error", "code": item.code, "message": item.message, "param": item.param}
                yield sse({**error, **item.body()}, "error")
                return
            if isinstance(item.get("response"), dict):
                item = {**item, "response": team_view(item["response"], ticket)}
            yield sse(item, str(item.get("type") or "message"))
            item = await queue.get()

    return events()
