"""What a call is, from admission to its record: the ticket it starts with and the outcome it ends
with, however it ends (a buffered reply, a stream, or the sweeper reading LiteLLM's spend log), and
what the outcome costs and charges. One shape for all of them, so every path bills alike."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..billing.pricing import CallCost, Price, call_charge, call_cost
from ..models import BudgetMode, CallStatus


@dataclass(frozen=True)
class CallTicket:
    """Everything needed to make and then settle one call."""

    call_id: uuid.UUID
    job_id: uuid.UUID
    team_id: str
    alias: str
    litellm_model: str
    price: Price
    budget_mode: BudgetMode
    max_tokens: int  # the reply's bound, sent to the proxy and assumed by the hold
    cache_namespace: str | None  # the response cache this call shares (None: no cache)
    hold_id: uuid.UUID | None
    warn: bool = False


def recorded_ticket(
    call_id: uuid.UUID, job_id: uuid.UUID, team_id: str, alias: str, model_group: str, hold_id: uuid.UUID | None,
    budget_mode: str, team_markup: Decimal, alias_prices: tuple[int, int, Decimal | None] | None,
) -> CallTicket:  # fmt: skip
    """The ticket of a call already in the database (the sweeper finishes it): priced by its alias
    as it is now, with the alias's markup or else the team's."""
    input_price, output_price, alias_markup = alias_prices or (0, 0, None)
    price = Price(input_price, output_price, alias_markup if alias_markup is not None else team_markup)
    return CallTicket(
        call_id=call_id, job_id=job_id, team_id=team_id, alias=alias, litellm_model=model_group, price=price,
        budget_mode=BudgetMode(budget_mode), max_tokens=0, cache_namespace=None, hold_id=hold_id,
    )  # fmt: skip


@dataclass
class CallOutcome:
    """What is known about a call once the proxy is done with it (or gave up)."""

    ok: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    proxy_cost_usd: str | None = None  # LiteLLM's own figure, as it printed it
    cache_hit: bool = False
    resolved_model: str | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    parsed_ok: bool | None = None
    error_type: str | None = None
    error_message: str | None = None

    @property
    def status(self) -> CallStatus:
        return CallStatus.SUCCESS if self.ok else CallStatus.FAILED


def outcome_from_spend_log(entry: dict[str, Any] | None) -> CallOutcome:
    """A lost call's outcome from LiteLLM's record of it: billed when the provider answered, failed
    (and free) when LiteLLM has no successful record."""
    if entry is None or entry.get("status", "success") != "success":
        return CallOutcome(ok=False, error_type="abandoned", error_message="the call was abandoned")
    return CallOutcome(
        ok=True,
        prompt_tokens=int(entry.get("prompt_tokens") or 0),
        completion_tokens=int(entry.get("completion_tokens") or 0),
        proxy_cost_usd=str(entry["spend"]) if entry.get("spend") is not None else None,
        resolved_model=entry.get("model"),
        error_message="recorded from LiteLLM's spend log after the API process lost the call",
    )


@dataclass(frozen=True)
class CallBill:
    """What an outcome costs (provider and client) and what it deducts from the team's balance."""

    cost: CallCost
    charge: int


def bill(ticket: CallTicket, outcome: CallOutcome) -> CallBill:
    """Tokens the provider produced are billed even when the call failed part-way (a cut stream)."""
    cost = call_cost(
        ticket.price, outcome.prompt_tokens, outcome.completion_tokens, outcome.proxy_cost_usd, outcome.cache_hit
    )
    return CallBill(cost, call_charge(ticket.budget_mode, cost, outcome.prompt_tokens + outcome.completion_tokens))
