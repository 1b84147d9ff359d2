"""What a call may cost (the hold) and what it does cost (the charge), per budget mode.

One price rule for every call, buffered, streamed, through `/v1` or finished by the sweeper: the
client pays the alias's price for the tokens used, plus markup. The provider cost (what we pay) is
LiteLLM's own figure when it gives one, else an estimate at the alias's price; it moves the margin,
never the bill.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..models import BudgetMode
from ..money import token_cost_micros, usd_to_micros, with_markup


@dataclass(frozen=True)
class Price:
    """An alias's price, in micro-USD per 1M tokens, and the markup that applies to a team."""

    input_micros_per_mtok: int
    output_micros_per_mtok: int
    markup_percent: Decimal


@dataclass(frozen=True)
class CallCost:
    provider_cost_micros: int
    client_cost_micros: int
    # Of the provider cost: "proxy" (LiteLLM's figure), "alias" (estimated at the alias's price),
    # "cache" (answered from the cache: no provider call, nothing to pay).
    cost_source: str


# What a provider turns into prompt tokens: the messages, and the tool and response schemas.
PROMPT_PARTS = ("messages", "tools", "tool_choice", "response_format")


def prompt_token_bound(request: dict[str, Any]) -> int:
    """An upper bound on the prompt tokens of a request: everything in it that becomes prompt (see
    `PROMPT_PARTS`), each token being at least one byte of its JSON, plus per-item overhead."""
    parts = [request[name] for name in PROMPT_PARTS if request.get(name) is not None]
    items = len(request.get("messages") or ()) + len(request.get("tools") or ())
    return sum(len(json.dumps(part).encode()) for part in parts) + 8 * items + 16


def hold_amount(mode: BudgetMode, price: Price, prompt_bound: int, max_tokens: int) -> int:
    """The most a call can cost, in the team's unit; 0 for job_based teams (they hold per job)."""
    if mode == BudgetMode.CONSUMPTION_USD:
        most = token_cost_micros(prompt_bound, max_tokens, price.input_micros_per_mtok, price.output_micros_per_mtok)
        return max(1, with_markup(most, price.markup_percent))
    if mode == BudgetMode.CONSUMPTION_TOKENS:
        return prompt_bound + max_tokens
    return 0


def call_cost(
    price: Price, prompt_tokens: int, completion_tokens: int, proxy_cost_usd: str | None, cache_hit: bool
) -> CallCost:
    """The provider cost and the client cost of a call (see the module's price rule)."""
    if cache_hit:
        return CallCost(0, 0, "cache")
    at_alias_price = token_cost_micros(
        prompt_tokens, completion_tokens, price.input_micros_per_mtok, price.output_micros_per_mtok
    )
    client = with_markup(at_alias_price, price.markup_percent)
    if proxy_cost_usd is not None:
        return CallCost(usd_to_micros(proxy_cost_usd), client, "proxy")
    return CallCost(at_alias_price, client, "alias")


def call_charge(mode: BudgetMode, cost: CallCost, total_tokens: int) -> int:
    """What a call deducts from the team's balance (job_based teams pay per job, not per call)."""
    if mode == BudgetMode.CONSUMPTION_USD:
        return cost.client_cost_micros
    if mode == BudgetMode.CONSUMPTION_TOKENS:
        return total_tokens
    return 0


def per_token_usd_to_micros_per_mtok(usd_per_token: float | None) -> int:
    """LiteLLM's cost map gives USD per token; we keep micro-USD per 1M tokens."""
    if usd_per_token is None:
        return 0
    return usd_to_micros(Decimal(str(usd_per_token)) * 1_000_000)
