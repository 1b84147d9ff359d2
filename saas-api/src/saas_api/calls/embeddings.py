"""Embedding calls: admitted, held and recorded like chat calls (calls/service.py, calls/store.py),
with prompt tokens only. The hold is the input's bound at the alias's input price; the charge, the
tokens LiteLLM reports at the alias's price, as for chat."""

import asyncio
import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..errors import DomainError
from ..jobs import schemas as job_schemas
from ..litellm_proxy import CompletionMeta, LiteLLMProxy
from ..models import AliasMode
from . import service as calls
from .records import CallOutcome, CallTicket


class EmbeddingParams(job_schemas.Strict):
    """What a team may ask of an embedding model (OpenAI's embeddings request)."""

    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="a text, texts, or token arrays; each becomes one vector"
    )
    model: str | None = Field(None, max_length=128, description="an embedding model alias; default: the team's")
    dimensions: int | None = Field(None, ge=1, le=16_384)
    encoding_format: Literal["float", "base64"] | None = None
    user: str | None = Field(None, max_length=256)


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="the vector, or its float32 bytes in base64")


class EmbeddingList(BaseModel):
    """OpenAI's embeddings response, without `usage`: a team never sees tokens."""

    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str = Field(description="the alias that answered")


def prompt_bound(params: EmbeddingParams) -> int:
    """An upper bound on the input's tokens: a token is at least one byte of its JSON (a token id,
    at least one digit), plus per-input overhead."""
    inputs = params.input if isinstance(params.input, list) else [params.input]
    return len(json.dumps(params.input).encode()) + 8 * len(inputs) + 16


async def resolve(team_id: str, params: EmbeddingParams) -> None:
    """Refuse, before any work is recorded, an embedding the team's alias cannot make."""
    await calls.resolve_alias(team_id, params.model, AliasMode.EMBEDDING)


async def admit(team_id: str, job_id: uuid.UUID, params: EmbeddingParams) -> CallTicket:
    """Check the embedding may be made, hold its input's cost and record it in flight."""
    team, alias = await calls.resolve_alias(team_id, params.model, AliasMode.EMBEDDING)
    return await calls.admit_resolved(
        team, alias, job_id, prompt_bound(params), None, stream=False, produces_output=False
    )


async def embed(proxy: LiteLLMProxy, virtual_key: str, ticket: CallTicket, params: EmbeddingParams) -> EmbeddingList:
    """Make an admitted embedding call and record it (billed by the prompt tokens LiteLLM reports)."""
    payload: dict[str, Any] = params.model_dump(exclude_none=True, exclude={"model"})
    payload["model"] = ticket.litellm_model
    if ticket.cache_namespace is not None:
        payload["cache"] = {"use-cache": True, "namespace": ticket.cache_namespace}
    payload["metadata"] = {"saas_job_id": str(ticket.job_id), "saas_call_id": str(ticket.call_id)}
    meta = CompletionMeta()
    try:
        body, meta = await proxy.embedding(virtual_key, payload, str(ticket.call_id))
    except DomainError as exc:
        await asyncio.shield(calls.record(ticket, calls._failed(exc, meta)))
        raise
    usage = body.get("usage") or {}
    outcome = CallOutcome(
        ok=True, prompt_tokens=int(usage.get("prompt_tokens") or usage.get("total_tokens") or 0),
        proxy_cost_usd=meta.cost_usd, cache_hit=meta.cache_hit, resolved_model=meta.resolved_model,
        latency_ms=meta.latency_ms, finish_reason="stop",
    )  # fmt: skip
    await asyncio.shield(calls.record(ticket, outcome))
    vectors = [
        Embedding(index=item.get("index", i), embedding=item["embedding"]) for i, item in enumerate(body["data"])
    ]
    return EmbeddingList(data=vectors, model=ticket.alias)
