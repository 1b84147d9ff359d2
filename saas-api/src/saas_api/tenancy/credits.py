"""An admin's view of a team's credits: top-ups, signed corrections, and the ledger with its balance.
The ledger itself (every balance change, and its rules) is billing/ledger.py."""

from sqlalchemy.orm import Session

from ..billing import ledger
from ..billing.units import budget_unit
from ..errors import NotFound
from ..models import BudgetMode, EntryKind, Job, LimitType
from . import schemas
from .lookups import get_team
from .teams import credit_balance, team_out


def _credit(session: Session, team_id: str, amount: int, kind: EntryKind, reason: str | None) -> schemas.TeamOut:
    team = get_team(session, team_id)
    ledger.add_credits(session, team_id, amount, kind, reason)
    session.refresh(team)  # the balances the ledger's write left
    return team_out(session, team)


def add_credits(session: Session, team_id: str, data: schemas.CreditsAdd) -> schemas.TeamOut:
    """Top up the team's credits, recorded in the ledger with its reason."""
    return _credit(session, team_id, data.amount, EntryKind.TOPUP, data.reason)


def adjust_credits(session: Session, team_id: str, data: schemas.CreditsAdjust) -> schemas.TeamOut:
    """A signed correction, recorded in the ledger with its reason."""
    return _credit(session, team_id, data.amount, EntryKind.ADJUSTMENT, data.reason)


def refund_credits(session: Session, team_id: str, data: schemas.CreditsRefund) -> schemas.TeamOut:
    """Give back charged credits, recorded in the ledger as a refund with its reason (and job)."""
    team = get_team(session, team_id)
    job = session.get(Job, data.job_id) if data.job_id is not None else None
    if data.job_id is not None and (job is None or job.team_id != team_id):
        raise NotFound(f"job '{data.job_id}' not found for team '{team_id}'", param="job_id")
    ledger.refund(session, team_id, data.amount, data.reason, data.job_id)
    session.refresh(team)
    return team_out(session, team)


def team_balance(session: Session, team_id: str, limit: int, before: int | None) -> schemas.TeamBalance:
    """The team's own view of its balance and ledger: amounts in its unit, no costs or models."""
    team = get_team(session, team_id)
    entries = ledger.entries(session, team_id, limit, before)
    return schemas.TeamBalance(
        team_id=team.id,
        budget_mode=BudgetMode(team.budget_mode),
        budget_unit=budget_unit(team.budget_mode),
        credits_remaining=team.credits_remaining,
        credits_available=team.credits_available,
        credits_held=team.credits_held,
        limit_type=LimitType(team.limit_type),
        period=None,  # budget periods do not exist yet: the balance does not renew
        next_renewal_at=None,
        job_type_prices=team.job_type_prices,
        entries=[schemas.TeamLedgerEntryOut.model_validate(entry) for entry in entries],
        next_cursor=entries[-1].id if len(entries) == limit else None,
    )


def team_ledger(session: Session, team_id: str, limit: int, before: int | None) -> schemas.LedgerOut:
    """The team's balance and a page of its ledger entries, newest first (`before`: an entry id)."""
    team = get_team(session, team_id)
    entries = ledger.entries(session, team_id, limit, before)
    return schemas.LedgerOut(
        team_id=team.id,
        budget_unit=budget_unit(team.budget_mode),
        **credit_balance(team),
        entries=[schemas.LedgerEntryOut.model_validate(entry) for entry in entries],
        next_cursor=entries[-1].id if len(entries) == limit else None,
    )
