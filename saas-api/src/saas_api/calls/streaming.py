"""A streamed call. It is read from the proxy by its own task, which records the call when the
stream ends whatever the client does: a client that leaves mid-stream is still billed by the
final usage, and the call is recorded before the client hears the end.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import StreamingResponse

from ..errors import DomainError, UpstreamError
from ..jobs import schemas
from ..litellm_proxy import CompletionMeta, LiteLLMProxy
from .records import CallOutcome, CallTicket
from .service import _failed, _parse_json, _payload, _wants_json, record

log = logging.getLogger(__name__)
_background: set[asyncio.Task[Any]] = set()


class EventStream(StreamingResponse):
    """A Server-Sent Events response (and how the API docs describe it)."""

    media_type = "text/event-stream"


def _spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


@dataclass
class StreamEvent:
    kind: str  # "delta" | "error" | "end"
    text: str = ""
    error: DomainError | None = None
    finish_reason: str | None = None
    # A delta's tool-call fragments, as OpenAI streams them; on the end event, the whole calls.
    tool_calls: list[dict[str, Any]] | None = None


def _fragment(raw: dict[str, Any]) -> dict[str, Any]:
    """A tool-call delta as OpenAI sends it: index, id, type and name on a call's first fragment,
    then the index and a piece of the arguments (LiteLLM fills the absent fields with nulls)."""
    function = raw.get("function") or {}
    fragment: dict[str, Any] = {"index": int(raw.get("index") or 0)}
    if raw.get("id"):
        fragment["id"] = raw["id"]
        fragment["type"] = raw.get("type") or "function"
    out: dict[str, Any] = {}
    if function.get("name"):
        out["name"] = function["name"]
    if function.get("arguments") is not None or "name" in out:
        out["arguments"] = function.get("arguments") or ""
    fragment["function"] = out
    return fragment


def assemble_tool_calls(fragments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Whole tool calls from their streamed fragments, in index order."""
    calls: dict[int, dict[str, Any]] = {}
    for fragment in fragments:
        call = calls.setdefault(
            fragment["index"], {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        call["id"] = fragment.get("id") or call["id"]
        function = fragment.get("function") or {}
        call["function"]["name"] = function.get("name") or call["function"]["name"]
        call["function"]["arguments"] += function.get("arguments") or ""
    return [calls[index] for index in sorted(calls)]


def _estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


async def _pump(
    proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: schemas.CallParams,
    queue: asyncio.Queue[StreamEvent], on_recorded: Callable[[CallOutcome], Awaitable[None]] | None,
) -> None:  # fmt: skip
    """Read the proxy's stream into the queue, then record the call, whether or not anyone still listens."""
    meta = CompletionMeta()
    parts: list[str] = []
    fragments: list[dict[str, Any]] = []
    usage: dict[str, Any] = {}
    finish_reason = None
    error: DomainError | None = None
    outcome = CallOutcome(ok=False)
    try:
        async for chunk in proxy.stream_chat_completion(
            virtual_key, _payload(ticket, params), str(ticket.call_id), meta
        ):
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                text = delta.get("content")
                if text:
                    parts.append(text)
                    queue.put_nowait(StreamEvent("delta", text))
                if delta.get("tool_calls"):
                    pieces = [_fragment(raw) for raw in delta["tool_calls"]]
                    fragments += pieces
                    queue.put_nowait(StreamEvent("delta", tool_calls=pieces))
                finish_reason = choice.get("finish_reason") or finish_reason
        outcome = CallOutcome(ok=True, finish_reason=finish_reason)
    except DomainError as exc:
        error = exc
    except Exception:  # never leave a stream without a record
        log.exception("stream for call %s failed", ticket.call_id)
        error = UpstreamError("the stream failed")
    if error is not None:
        outcome = _failed(error, meta)
    text = "".join(parts)
    tool_calls = assemble_tool_calls(fragments) if fragments else None
    if usage:
        outcome.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        outcome.completion_tokens = int(usage.get("completion_tokens") or 0)
        # LiteLLM's own figure (litellm/config.yaml: include_cost_in_streaming_usage); the cost header
        # of a stream is sent before there is anything to cost.
        outcome.proxy_cost_usd = str(usage["cost"]) if usage.get("cost") is not None else None
    elif parts or fragments:  # cut before the usage chunk: bill what we saw arrive
        messages = [m.model_dump(exclude_none=True) for m in params.messages]
        outcome.prompt_tokens = sum(_estimate_tokens(json.dumps(m.get("content", ""))) + 4 for m in messages)
        outcome.completion_tokens = _estimate_tokens(text + (json.dumps(tool_calls) if tool_calls else ""))
    outcome.latency_ms = meta.latency_ms
    outcome.resolved_model = meta.resolved_model
    outcome.cache_hit = meta.cache_hit
    if outcome.ok and _wants_json(params):
        outcome.parsed_ok = _parse_json(text)[1]
    # Recorded before the client hears the end (or the error): what it sees is already in the books.
    await record(ticket, outcome)
    if on_recorded is not None:
        await on_recorded(outcome)
    if error is not None:
        queue.put_nowait(StreamEvent("error", error=error))
    queue.put_nowait(StreamEvent("end", finish_reason=finish_reason, tool_calls=tool_calls))


def sse(data: dict[str, Any], event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def open_stream(
    proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: schemas.CallParams,
    on_recorded: Callable[[CallOutcome], Awaitable[None]] | None = None,
) -> AsyncIterator[StreamEvent]:  # fmt: skip
    """Start the stream and wait for its first event, so an error before any output becomes an HTTP
    error rather than a 200 stream. Returns an iterator over all events."""
    queue: asyncio.Queue[StreamEvent] = asyncio.Queue()
    _spawn(_pump(proxy, virtual_key, ticket, params, queue, on_recorded))
    first = await queue.get()
    if first.kind == "error":
        # Drain to the end marker: the call is recorded before the error reaches the client.
        while (await queue.get()).kind != "end":
            pass
        assert first.error is not None
        raise first.error

    async def events() -> AsyncIterator[StreamEvent]:
        event = first
        while True:
            yield event
            if event.kind in ("end", "error"):  # an error ends the stream: no final event follows
                return
            event = await queue.get()

    return events()
