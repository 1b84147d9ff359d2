"""The unit a team's credits are counted in, by its budget mode."""

from ..models import BudgetMode

BUDGET_UNITS = {
    BudgetMode.JOB_BASED: "credits",
    BudgetMode.CONSUMPTION_USD: "usd_micros",
    BudgetMode.CONSUMPTION_TOKENS: "tokens",
}


def budget_unit(budget_mode: str) -> str:
    """The unit of a team's credits (and of its ledger amounts) under this budget mode."""
    return BUDGET_UNITS[BudgetMode(budget_mode)]
