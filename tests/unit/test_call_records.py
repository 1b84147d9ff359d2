"""A call's outcome from each source, and its bill; the call path's named parameters."""

import uuid
from decimal import Decimal

from saas_api.billing.pricing import Price
from saas_api.calls.records import CallOutcome, CallTicket, bill, outcome_from_spend_log, recorded_ticket
from saas_api.db import Statement
from saas_api.models import BudgetMode, CallStatus


def _ticket(mode: BudgetMode = BudgetMode.CONSUMPTION_USD) -> CallTicket:
    return CallTicket(
        call_id=uuid.uuid4(), job_id=uuid.uuid4(), team_id="t", alias="A", litellm_model="m",
        price=Price(1_000_000, 4_000_000, Decimal(0)), budget_mode=mode, max_tokens=10, cache_namespace=None,
        hold_id=uuid.uuid4(),
    )  # fmt: skip


def test_a_spend_log_success_is_billed_and_anything_else_is_free() -> None:
    entry = {"status": "success", "prompt_tokens": 10, "completion_tokens": 5, "spend": 0.000004, "model": "m"}
    billed = outcome_from_spend_log(entry)
    assert billed.ok and billed.status == CallStatus.SUCCESS and billed.proxy_cost_usd == "4e-06"
    assert bill(_ticket(), billed).charge == 30  # the alias price, not LiteLLM's figure
    for lost in (None, {"status": "failure"}):
        outcome = outcome_from_spend_log(lost)
        assert not outcome.ok and outcome.error_type == "abandoned" and bill(_ticket(), outcome).charge == 0


def test_a_recorded_call_is_priced_by_its_alias_and_the_markup_that_applies() -> None:
    ticket = recorded_ticket(
        uuid.uuid4(), uuid.uuid4(), "t", "A", "m", None, "consumption_usd", Decimal(10), (1_000_000, 0, Decimal(50))
    )
    assert ticket.price.markup_percent == 50
    gone = recorded_ticket(uuid.uuid4(), uuid.uuid4(), "t", "A", "m", None, "job_based", Decimal(10), None)
    assert gone.price == Price(0, 0, Decimal(10)) and gone.budget_mode == BudgetMode.JOB_BASED


def test_tokens_of_a_failed_call_are_still_billed() -> None:
    cut = CallOutcome(ok=False, prompt_tokens=10, completion_tokens=5, error_type="upstream_error")
    assert bill(_ticket(BudgetMode.CONSUMPTION_TOKENS), cut).charge == 15


def test_a_statement_numbers_its_named_parameters_once_each() -> None:
    statement = Statement("SELECT :a, CAST(:b AS text), :a, '10:30', x::int FROM t WHERE y = :c_d")
    assert statement.sql == "SELECT $1, CAST($2 AS text), $1, '10:30', x::int FROM t WHERE y = $3"
    assert statement.args({"c_d": 3, "b": 2, "a": 1}) == [1, 2, 3]
