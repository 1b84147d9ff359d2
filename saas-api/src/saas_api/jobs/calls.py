"""Making a call: admit it, ask the proxy (buffered or streamed), record and settle it.

A streamed call is read from the proxy by its own task, which records the call when the stream
ends whatever the client does: a client that leaves mid-stream is still billed by the final usage.
"""

import asyncio
import dataclasses
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import admission
from ..billing.pricing import Price, hold_amount, prompt_token_bound
from ..config import get_settings
from ..db import run_in_transaction
from ..errors import DomainError, ServiceUnavailable, TeamSuspended, UnprocessableEntity, UpstreamError
from ..litellm_proxy import CompletionMeta, LiteLLMProxy
from ..models import BudgetMode, CacheScope, JobStatus, TeamStatus
from . import schemas, service, store

log = logging.getLogger(__name__)
T = TypeVar("T")
_background: set[asyncio.Task[Any]] = set()


def _spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Await `attempt()`, retrying through a short database outage (a restart takes seconds).
    Used where the work it records has already happened and must not be lost."""
    delay = 0.1
    for tries in range(8):
        try:
            return await attempt()
        except ServiceUnavailable:
            if tries == 7:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


async def with_db_retries(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a transaction (`run_in_transaction`), retrying through a short database outage."""
    return await _retrying(lambda: run_in_transaction(fn, *args, **kwargs))


async def record(ticket: service.CallTicket, outcome: service.CallOutcome) -> None:
    """Finish the call in the database, retrying through a short outage. If the database stays down
    past the retries, the call stays in flight and the sweeper finishes it from LiteLLM's spend log."""
    try:
        await _retrying(lambda: store.finish_call(ticket, outcome))
    except Exception:
        log.exception("could not record call %s; the sweeper will reconcile it", ticket.call_id)


async def resolve(team_id: str, params: schemas.CallParams) -> tuple[admission.TeamView, admission.AliasView]:
    """Check a call may be made at all (its alias, its max_tokens, the team's status) before any
    work is recorded: a refused request leaves nothing behind, not even a failed job."""
    limit = get_settings().max_tokens_limit
    if params.max_tokens is not None and params.max_tokens > limit:
        raise UnprocessableEntity(f"max_tokens: must be at most {limit}", param="max_tokens")
    team, alias = await admission.call_views(team_id, params.model)
    if team.status != TeamStatus.ACTIVE:
        raise TeamSuspended(f"team '{team_id}' is suspended")
    return team, alias


def _cache_namespace(team: admission.TeamView, alias: admission.AliasView) -> str | None:
    """The cache a call may read and fill: its team's, or its organization's; never another tenant's."""
    if not alias.cache_enabled:
        return None
    prefix = get_settings().litellm_cache_namespace
    if alias.cache_scope == CacheScope.ORGANIZATION:
        return f"{prefix}:org:{team.organization_id}"
    return f"{prefix}:team:{team.team_id}"


async def admit(team_id: str, job_id: uuid.UUID, params: schemas.CallParams, *, stream: bool) -> service.CallTicket:
    """Check the call may start, hold what it may cost and record it in flight."""
    team, alias = await resolve(team_id, params)
    markup = alias.markup_percent if alias.markup_percent is not None else team.markup_percent
    price = Price(alias.input_price_micros_per_mtok, alias.output_price_micros_per_mtok, markup)
    mode = BudgetMode(team.budget_mode)
    # The reply is always bounded, as a model's output limit bounds it: by the caller, at most the alias's.
    max_tokens = min(params.max_tokens or alias.max_output_tokens, alias.max_output_tokens)
    amount = 0
    if mode != BudgetMode.JOB_BASED:  # job-based teams hold per job, not per call
        amount = hold_amount(mode, price, prompt_token_bound(params.provider_params()), max_tokens)
    ticket = service.CallTicket(
        call_id=uuid.uuid4(), job_id=job_id, team_id=team_id, alias=alias.alias, litellm_model=alias.litellm_model,
        price=price, budget_mode=mode, max_tokens=max_tokens, cache_namespace=_cache_namespace(team, alias),
        hold_id=uuid.uuid4() if mode != BudgetMode.JOB_BASED else None,
    )  # fmt: skip
    warn = await store.begin_call(
        ticket, team.organization_id, amount, stream=stream, structured=_wants_json(params)
    )  # fmt: skip
    return dataclasses.replace(ticket, warn=warn)


def _wants_json(params: schemas.CallParams) -> bool:
    return (params.response_format or {}).get("type") in ("json_schema", "json_object")


def _payload(ticket: service.CallTicket, params: schemas.CallParams) -> dict[str, Any]:
    payload = params.provider_params()
    payload["model"] = ticket.litellm_model
    payload["max_tokens"] = ticket.max_tokens  # what the hold assumed: a true bound
    if ticket.cache_namespace is not None:
        payload["cache"] = {"use-cache": True, "namespace": ticket.cache_namespace}
    payload["metadata"] = {"saas_job_id": str(ticket.job_id), "saas_call_id": str(ticket.call_id)}
    return payload


def _parse_json(content: str | None) -> tuple[Any, bool]:
    try:
        return json.loads(content or ""), True
    except ValueError:
        return None, False


def _failed(exc: DomainError, meta: CompletionMeta) -> service.CallOutcome:
    return service.CallOutcome(
        ok=False, latency_ms=meta.latency_ms, resolved_model=meta.resolved_model,
        error_type=exc.type, error_message=exc.message,
    )  # fmt: skip


async def buffered_call(
    proxy: LiteLLMProxy, virtual_key: str, ticket: service.CallTicket, params: schemas.CallParams
) -> schemas.LLMCallResponse:
    meta = CompletionMeta()
    try:
        body, meta = await proxy.chat_completion(virtual_key, _payload(ticket, params), str(ticket.call_id))
    except DomainError as exc:
        await asyncio.shield(record(ticket, _failed(exc, meta)))
        raise
    choice = body["choices"][0]
    message = choice.get("message") or {}
    content = message.get("content")
    parsed, parsed_ok = _parse_json(content) if _wants_json(params) else (None, None)
    usage = body.get("usage") or {}
    outcome = service.CallOutcome(
        ok=True,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        proxy_cost_usd=meta.cost_usd,
        cache_hit=meta.cache_hit,
        resolved_model=meta.resolved_model,
        latency_ms=meta.latency_ms,
        finish_reason=choice.get("finish_reason"),
        parsed_ok=parsed_ok,
    )
    await asyncio.shield(record(ticket, outcome))
    return schemas.LLMCallResponse(
        call_id=ticket.call_id,
        job_id=ticket.job_id,
        model=ticket.alias,
        response=schemas.CallReply(
            content=content,
            finish_reason=choice.get("finish_reason"),
            tool_calls=message.get("tool_calls"),
            parsed=parsed,
        ),  # fmt: skip
        cache_hit=meta.cache_hit,
    )


# -- streaming ----------------------------------------------------------------------------------


@dataclass
class StreamEvent:
    kind: str  # "delta" | "error" | "end"
    text: str = ""
    error: DomainError | None = None
    finish_reason: str | None = None


def _estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


async def _pump(
    proxy: LiteLLMProxy, virtual_key: str, ticket: service.CallTicket, params: schemas.CallParams,
    queue: asyncio.Queue[StreamEvent], on_recorded: Callable[[service.CallOutcome], Awaitable[None]] | None,
) -> None:  # fmt: skip
    """Read the proxy's stream into the queue, then record the call, whether or not anyone still listens."""
    meta = CompletionMeta()
    parts: list[str] = []
    usage: dict[str, Any] = {}
    finish_reason = None
    error: DomainError | None = None
    outcome = service.CallOutcome(ok=False)
    try:
        async for chunk in proxy.stream_chat_completion(
            virtual_key, _payload(ticket, params), str(ticket.call_id), meta
        ):
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    parts.append(text)
                    queue.put_nowait(StreamEvent("delta", text))
                finish_reason = choice.get("finish_reason") or finish_reason
        outcome = service.CallOutcome(ok=True, finish_reason=finish_reason)
    except DomainError as exc:
        error = exc
    except Exception:  # never leave a stream without a record
        log.exception("stream for call %s failed", ticket.call_id)
        error = UpstreamError("the stream failed")
    if error is not None:
        outcome = _failed(error, meta)
    text = "".join(parts)
    if usage:
        outcome.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        outcome.completion_tokens = int(usage.get("completion_tokens") or 0)
        # LiteLLM's own figure (litellm/config.yaml: include_cost_in_streaming_usage); the cost header
        # of a stream is sent before there is anything to cost.
        outcome.proxy_cost_usd = str(usage["cost"]) if usage.get("cost") is not None else None
    elif parts:  # cut before the usage chunk: bill what we saw arrive
        messages = [m.model_dump(exclude_none=True) for m in params.messages]
        outcome.prompt_tokens = sum(_estimate_tokens(json.dumps(m.get("content", ""))) + 4 for m in messages)
        outcome.completion_tokens = _estimate_tokens(text)
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
    queue.put_nowait(StreamEvent("end", finish_reason=finish_reason))


def sse(data: dict[str, Any], event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def open_stream(
    proxy: LiteLLMProxy, virtual_key: str, ticket: service.CallTicket, params: schemas.CallParams,
    on_recorded: Callable[[service.CallOutcome], Awaitable[None]] | None = None,
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


# -- single-call jobs ---------------------------------------------------------------------------


async def _fail_job(team_id: str, job_id: uuid.UUID, message: str | None) -> None:
    await with_db_retries(service.complete_job, team_id, job_id, JobStatus.FAILED, None, message, allow_in_flight=True)


async def single_call_job(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[schemas.LLMCallResponse, schemas.JobSummary, bool]:  # fmt: skip
    """One job, one buffered call: completed if the call succeeds, failed (and free) if not.
    Returns the reply, the job's summary and whether the team is past its warning threshold."""
    await resolve(team_id, params)
    job, _ = await run_in_transaction(service.create_job, team_id, job_type, metadata)
    try:
        ticket = await admit(team_id, job.id, params, stream=False)
        reply = await buffered_call(proxy, virtual_key, ticket, params)
    except DomainError as exc:
        await _fail_job(team_id, job.id, exc.message)
        raise
    summary, warn = await with_db_retries(service.complete_job, team_id, job.id, JobStatus.COMPLETED)
    return reply, summary, warn


async def single_call_job_stream(
    proxy: LiteLLMProxy, team_id: str, virtual_key: str, job_type: str, metadata: dict[str, Any],
    params: schemas.CallParams,
) -> tuple[service.CallTicket, AsyncIterator[StreamEvent]]:  # fmt: skip
    """One job, one streamed call; the job ends when the stream does, whether or not the client stays."""
    await resolve(team_id, params)
    job, _ = await run_in_transaction(service.create_job, team_id, job_type, metadata)

    async def end_job(outcome: service.CallOutcome) -> None:
        if outcome.ok:
            await with_db_retries(service.complete_job, team_id, job.id, JobStatus.COMPLETED)
        else:
            await _fail_job(team_id, job.id, outcome.error_message)

    try:
        ticket = await admit(team_id, job.id, params, stream=True)
    except DomainError as exc:
        await _fail_job(team_id, job.id, exc.message)
        raise
    return ticket, await open_stream(proxy, virtual_key, ticket, params, on_recorded=end_job)
