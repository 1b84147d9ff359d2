"""Making a call: check it may be made, admit it (hold and record it in flight), ask the proxy for
a buffered reply, and record its outcome. Streams: calls/streaming.py; the database statements:
calls/store.py; what a call is and what it costs: calls/records.py.
"""

import asyncio
import dataclasses
import json
import logging
import uuid
from typing import Any

from .. import admission
from ..billing.pricing import Price, hold_amount, prompt_token_bound
from ..config import get_settings
from ..db import retrying
from ..errors import DomainError, TeamSuspended, UnprocessableEntity
from ..jobs import schemas
from ..litellm_proxy import CompletionMeta, LiteLLMProxy
from ..models import AliasMode, BudgetMode, CacheScope, TeamStatus
from . import store
from .records import CallOutcome, CallTicket

log = logging.getLogger(__name__)


async def record(ticket: CallTicket, outcome: CallOutcome) -> None:
    """Finish the call in the database, retrying through a short outage. If the database stays down
    past the retries, the call stays in flight and the sweeper finishes it from LiteLLM's spend log."""
    try:
        await retrying(lambda: store.finish_call(ticket, outcome))
    except Exception:
        log.exception("could not record call %s; the sweeper will reconcile it", ticket.call_id)


async def resolve(team_id: str, params: schemas.CallParams) -> tuple[admission.TeamView, admission.AliasView]:
    """Check a call may be made at all (its alias, its max_tokens, the team's status) before any
    work is recorded: a refused request leaves nothing behind, not even a failed job."""
    limit = get_settings().max_tokens_limit
    if params.max_tokens is not None and params.max_tokens > limit:
        raise UnprocessableEntity(f"max_tokens: must be at most {limit}", param="max_tokens")
    team, alias = await resolve_alias(team_id, params.model, AliasMode.CHAT)
    if not alias.supports_vision and any(has_images(m.content) for m in params.messages):
        raise UnprocessableEntity(f"model alias '{alias.alias}' takes no images", param="messages")
    return team, alias


async def resolve_alias(
    team_id: str, model: str | None, mode: AliasMode
) -> tuple[admission.TeamView, admission.AliasView]:
    """The team and the alias of a call of this mode (chat or embedding), or why it may not be made."""
    team, alias = await admission.call_views(team_id, model)
    if team.status != TeamStatus.ACTIVE:
        raise TeamSuspended(f"team '{team_id}' is suspended")
    if alias.mode != mode:
        raise UnprocessableEntity(
            f"model alias '{alias.alias}' serves {alias.mode} requests, not {mode} requests", param="model"
        )
    return team, alias


IMAGE_PARTS = ("image_url", "input_image")  # chat completions', the Responses API's


def has_images(content: Any) -> bool:
    """Whether message content (a string, or a list of parts) carries an image part."""
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in IMAGE_PARTS for p in content)


def _cache_namespace(team: admission.TeamView, alias: admission.AliasView) -> str | None:
    """The cache a call may read and fill: its team's, or its organization's; never another tenant's."""
    if not alias.cache_enabled:
        return None
    prefix = get_settings().litellm_cache_namespace
    if alias.cache_scope == CacheScope.ORGANIZATION:
        return f"{prefix}:org:{team.organization_id}"
    return f"{prefix}:team:{team.team_id}"


async def admit(team_id: str, job_id: uuid.UUID, params: schemas.CallParams, *, stream: bool) -> CallTicket:
    """Check the call may start, hold what it may cost and record it in flight."""
    team, alias = await resolve(team_id, params)
    return await admit_resolved(
        team, alias, job_id, prompt_token_bound(params.provider_params()), params.max_tokens,
        stream=stream, structured=_wants_json(params),
    )  # fmt: skip


async def admit_resolved(
    team: admission.TeamView, alias: admission.AliasView, job_id: uuid.UUID, prompt_bound: int,
    max_tokens_asked: int | None, *, stream: bool, structured: bool = False, produces_output: bool = True,
) -> CallTicket:  # fmt: skip
    """Hold what a resolved call may cost (its prompt bound and its output bound, at the alias's
    price) and record it in flight. A call that produces no output tokens (an embedding) holds
    for its prompt alone."""
    team_id = team.team_id
    markup = alias.markup_percent if alias.markup_percent is not None else team.markup_percent
    price = Price(alias.input_price_micros_per_mtok, alias.output_price_micros_per_mtok, markup)
    mode = BudgetMode(team.budget_mode)
    # The reply is always bounded, as a model's output limit bounds it: by the caller, at most the alias's.
    max_tokens = min(max_tokens_asked or alias.max_output_tokens, alias.max_output_tokens) if produces_output else 0
    amount = 0
    if mode != BudgetMode.JOB_BASED:  # job-based teams hold per job, not per call
        amount = hold_amount(mode, price, prompt_bound, max_tokens)
    ticket = CallTicket(
        call_id=uuid.uuid4(), job_id=job_id, team_id=team_id, alias=alias.alias, litellm_model=alias.litellm_model,
        price=price, budget_mode=mode, max_tokens=max_tokens, cache_namespace=_cache_namespace(team, alias),
        hold_id=uuid.uuid4() if mode != BudgetMode.JOB_BASED else None,
    )  # fmt: skip
    warn = await store.begin_call(ticket, team.organization_id, amount, stream=stream, structured=structured)
    return dataclasses.replace(ticket, warn=warn)


def _wants_json(params: schemas.CallParams) -> bool:
    return (params.response_format or {}).get("type") in ("json_schema", "json_object")


def _payload(ticket: CallTicket, params: schemas.CallParams) -> dict[str, Any]:
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


def _failed(exc: DomainError, meta: CompletionMeta) -> CallOutcome:
    return CallOutcome(
        ok=False, latency_ms=meta.latency_ms, resolved_model=meta.resolved_model,
        error_type=exc.type, error_message=exc.message,
    )  # fmt: skip


async def buffered_call(
    proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: schemas.CallParams
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
    outcome = CallOutcome(
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
