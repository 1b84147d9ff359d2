"""The price rule, holds and money, without a stack: each runs in microseconds."""

from decimal import Decimal

import pytest
from saas_api.billing.pricing import Price, call_charge, call_cost, hold_amount, prompt_token_bound
from saas_api.models import BudgetMode
from saas_api.money import token_cost_micros, usd_to_micros, with_markup

GPT_4O_MINI = Price(150_000, 600_000, Decimal(0))


def test_usd_converts_to_micros_exactly_rounding_half_up() -> None:
    assert usd_to_micros("0.0000015") == 2
    assert usd_to_micros("0.0000014999") == 1
    assert usd_to_micros(1.1) == 1_100_000  # a float's shortest repr, not its binary value
    assert usd_to_micros(Decimal("12.3456785")) == 12_345_679


def test_token_cost_and_markup_round_half_up_to_a_micro() -> None:
    assert token_cost_micros(10, 0, 150_000, 600_000) == 2  # 1.5 micro-USD
    assert token_cost_micros(1_000_000, 1_000_000, 1, 1) == 2
    assert with_markup(1000, Decimal("30")) == 1300
    assert with_markup(5, Decimal("10")) == 6  # 5.5


def test_the_client_pays_the_alias_price_whatever_litellm_says_it_cost() -> None:
    priced = Price(1_000_000, 4_000_000, Decimal(50))  # $1 / $4 per 1M tokens, +50 %
    reported = call_cost(priced, 100, 20, "0.000027", cache_hit=False)
    estimated = call_cost(priced, 100, 20, None, cache_hit=False)
    assert reported.client_cost_micros == estimated.client_cost_micros == 270  # (100 + 80) x 1.5
    assert (reported.provider_cost_micros, reported.cost_source) == (27, "proxy")
    assert (estimated.provider_cost_micros, estimated.cost_source) == (180, "alias")


def test_a_cache_hit_costs_nothing_to_either_side() -> None:
    cost = call_cost(GPT_4O_MINI, 100, 20, "0.00001", cache_hit=True)
    assert (cost.provider_cost_micros, cost.client_cost_micros, cost.cost_source) == (0, 0, "cache")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(BudgetMode.CONSUMPTION_USD, 27), (BudgetMode.CONSUMPTION_TOKENS, 120), (BudgetMode.JOB_BASED, 0)],
)
def test_what_a_call_charges_depends_on_the_budget_mode(mode: BudgetMode, expected: int) -> None:
    cost = call_cost(GPT_4O_MINI, 100, 20, None, cache_hit=False)
    assert call_charge(mode, cost, 120) == expected


def test_the_prompt_bound_counts_tools_and_schemas_not_scalar_parameters() -> None:
    messages = [{"role": "user", "content": "hi"}]
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {}}}}
    plain = prompt_token_bound({"messages": messages, "max_tokens": 100, "temperature": 0.5})
    assert plain == prompt_token_bound({"messages": messages})
    with_schema = prompt_token_bound({"messages": messages, "response_format": schema})
    with_tool = prompt_token_bound({"messages": messages, "tools": [{"type": "function", "function": schema}]})
    assert with_schema > plain and with_tool > with_schema


def test_a_prompt_bound_is_at_least_its_bytes() -> None:
    text = "naïve café " * 50
    assert prompt_token_bound({"messages": [{"role": "user", "content": text}]}) >= len(text.encode())


def test_a_hold_is_the_most_the_call_can_cost_in_the_teams_unit() -> None:
    marked_up = Price(150_000, 600_000, Decimal(30))
    assert hold_amount(BudgetMode.CONSUMPTION_USD, marked_up, 1000, 100) == with_markup(150 + 60, Decimal(30))
    assert hold_amount(BudgetMode.CONSUMPTION_USD, Price(0, 0, Decimal(0)), 10, 10) == 1  # never a zero hold
    assert hold_amount(BudgetMode.CONSUMPTION_TOKENS, marked_up, 1000, 100) == 1100
    assert hold_amount(BudgetMode.JOB_BASED, marked_up, 1000, 100) == 0
