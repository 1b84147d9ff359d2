"""What a call may cost (the hold) and what it does cost (the charge), per budget mode."""

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
    cost_source: (
        str  # "proxy": LiteLLM's x-litellm-response-cost; "alias": our price x tokens; "cache": no provider call
    )


def prompt_token_bound(messages: list[dict[str, Any]]) -> int:
    """An upper bound on a prompt's tokens: every token is at least one byte of its JSON."""
    return len(json.dumps(messages).encode()) + 8 * len(messages) + 16


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
    if cache_hit:
        return CallCost(0, 0, "cache")
    if proxy_cost_usd is not None:
        provider, source = usd_to_micros(proxy_cost_usd), "proxy"
    else:
        provider = token_cost_micros(
            prompt_tokens, completion_tokens, price.input_micros_per_mtok, price.output_micros_per_mtok
        )
        source = "alias"
    return CallCost(provider, with_markup(provider, price.markup_percent), source)


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
