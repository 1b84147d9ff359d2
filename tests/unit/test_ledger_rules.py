"""The budget rules that are pure: the warning threshold and the words of a refusal."""

from saas_api.billing.ledger import refusal, warns
from saas_api.errors import InsufficientCredits, NotFound, TeamSuspended
from saas_api.models import BudgetMode


def test_a_soft_limited_team_warns_once_its_threshold_share_is_used() -> None:
    assert not warns(100, 21, 0, "soft", 80)  # 79 used
    assert warns(100, 20, 0, "soft", 80)  # 80 used
    assert warns(100, 10, 10, "soft", 80)  # what is held is not used
    assert not warns(100, 0, 0, "hard", 80)  # hard limits refuse instead of warning
    assert not warns(0, -5, 0, "soft", 80)  # nothing allocated: no share to speak of


def test_a_refusal_names_the_reason_in_the_teams_unit() -> None:
    assert isinstance(refusal("t", None, BudgetMode.JOB_BASED, 0, 1), NotFound)
    assert isinstance(refusal("t", "suspended", BudgetMode.JOB_BASED, 10, 1), TeamSuspended)
    credits = refusal("t", "active", BudgetMode.JOB_BASED, 0, 1)
    assert isinstance(credits, InsufficientCredits) and "0 credits" in credits.message
    dollars = refusal("t", "active", BudgetMode.CONSUMPTION_USD, 1500, 2_000_000)
    assert "$0.0015" in dollars.message and "$2" in dollars.message and "credits" not in dollars.message
    assert "40 tokens" in refusal("t", "active", BudgetMode.CONSUMPTION_TOKENS, 40, 500).message
