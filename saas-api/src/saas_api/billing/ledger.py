"""The credit ledger. Every balance change is implemented once, as a function in the database
(`ledger.sql`: `ledger_hold`, `ledger_settle`, `ledger_release`, `ledger_credit`), installed by a
migration. The call path's two statements (calls/store.py) call those functions inside their single
round trip; everything else (jobs, credits, the sweeper, the model tests) calls them through the
wrappers below. Each writes the team's balance columns and an immutable `credit_transactions` row
together, so `credits_available == sum(amount)` and `credits_held == sum(held_delta)` always hold.

A hold is a conditional UPDATE of the team row: PostgreSQL serialises concurrent updates of that
row and re-checks the condition after the lock, so no two processes can spend the last credit.
"""

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from ..errors import InsufficientCredits, NotFound, TeamSuspended
from ..models import (
    BudgetMode,
    CreditTransaction,
    EntryKind,
    Hold,
    HoldStatus,
    LimitType,
    Team,
    TeamStatus,
)
from ..money import micros_to_usd

_FUNCTIONS = Path(__file__).with_name("ledger.sql")


def ledger_functions_sql() -> str:
    """ledger.sql with the enums' values in place: what a migration installs (CREATE OR REPLACE)."""
    values = {
        "team_active": TeamStatus.ACTIVE, "limit_soft": LimitType.SOFT, "limit_hard": LimitType.HARD,
        "hold_open": HoldStatus.OPEN, "hold_settled": HoldStatus.SETTLED, "hold_released": HoldStatus.RELEASED,
        "entry_hold": EntryKind.HOLD, "entry_settle": EntryKind.SETTLE, "entry_release": EntryKind.RELEASE,
        "entry_refund": EntryKind.REFUND,
    }  # fmt: skip
    return _FUNCTIONS.read_text().format_map({name: str(value) for name, value in values.items()})


@dataclass(frozen=True)
class Balance:
    allocated: int
    available: int
    held: int
    warn: bool = False  # a soft-limited team is past its warning threshold

    @property
    def remaining(self) -> int:
        return self.available + self.held


def warns(allocated: int, available: int, held: int, limit_type: str, threshold_percent: int) -> bool:
    """A soft-limited team has used its warning threshold's share of what it was allocated."""
    used = allocated - available - held
    return limit_type == LimitType.SOFT and allocated > 0 and used * 100 >= allocated * threshold_percent


def team_warns(team: Team) -> bool:
    """`warns` for a loaded team row."""
    return warns(
        team.credits_allocated, team.credits_available, team.credits_held, team.limit_type, team.warn_threshold_percent
    )


def _balance(row: Row[Any]) -> Balance:
    """A balance from a row of `ledger_hold` or `ledger_credit` (allocated, available, held, limit, warn %)."""
    allocated, available, held, limit_kind, warn_percent = tuple(row)
    return Balance(allocated, available, held, warns(allocated, available, held, limit_kind, warn_percent))


def refusal(
    team_id: str, team_status: str | None, budget_mode: str, available: int, needed: int
) -> NotFound | TeamSuspended | InsufficientCredits:
    """Why a team may not set `needed` aside: the one place refusals are worded (a call's job-level
    refusals are in calls/store.py)."""
    if team_status is None:
        return NotFound(f"team '{team_id}' not found")
    if team_status != TeamStatus.ACTIVE:
        return TeamSuspended(f"team '{team_id}' is suspended")
    if budget_mode == BudgetMode.CONSUMPTION_USD:
        have, need = f"${micros_to_usd(available)} (micro-USD {available})", f"up to ${micros_to_usd(needed)}"
    else:
        unit = "tokens" if budget_mode == BudgetMode.CONSUMPTION_TOKENS else "credits"
        have, need = f"{available} {unit}", f"{needed} {unit}"
    return InsufficientCredits(f"team '{team_id}' has {have} available; this work needs {need}")


def check_may_start_work(team: Team) -> None:
    """Work that holds nothing up front (a team paying per call opening a job) may start: the team
    is active and, under a hard limit, has credit left."""
    if team.status != TeamStatus.ACTIVE or (team.limit_type == LimitType.HARD and team.credits_available <= 0):
        raise refusal(team.id, team.status, team.budget_mode, team.credits_available, 1)


def _call(session: Session, sql: str, values: dict[str, object]) -> Row[Any] | None:
    """Run one ledger function. It changes rows behind the ORM's back, so what the session has loaded
    is expired: a team read afterwards shows its new balance."""
    row = session.execute(text(sql), values).first()
    session.expire_all()
    return row


def add_credits(session: Session, team_id: str, amount: int, kind: EntryKind, reason: str | None = None) -> Balance:
    """Grant, top up or adjust (signed) a team's credits; the allocation moves with them."""
    return _credit(session, team_id, kind, amount, reason, None)


def refund(session: Session, team_id: str, amount: int, reason: str, job_id: uuid.UUID | None = None) -> Balance:
    """Give back credits that were charged (not a new grant: the allocation stays the same)."""
    return _credit(session, team_id, EntryKind.REFUND, amount, reason, job_id)


def _credit(
    session: Session, team_id: str, kind: EntryKind, amount: int, reason: str | None, job_id: uuid.UUID | None
) -> Balance:
    row = _call(
        session,
        "SELECT * FROM ledger_credit(:team, :kind, :amount, :reason, :job)",
        {"team": team_id, "kind": str(kind), "amount": amount, "reason": reason, "job": job_id},
    )
    if row is None:
        raise NotFound(f"team '{team_id}' not found")
    return _balance(row)


def place_hold(
    session: Session, team_id: str, amount: int, *, job_id: uuid.UUID | None = None, call_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, Balance]:
    """Set `amount` aside for work about to start, or refuse (unknown: 404, suspended: 403, no credit: 402)."""
    hold_id = uuid.uuid4()
    row = _call(
        session,
        "SELECT * FROM ledger_hold(:team, :amount, :hold, :job, :call)",
        {"team": team_id, "amount": amount, "hold": hold_id, "job": job_id, "call": call_id},
    )
    if row is None:
        team = session.get(Team, team_id)
        if team is None:
            raise refusal(team_id, None, BudgetMode.JOB_BASED, 0, amount)
        raise refusal(team_id, team.status, team.budget_mode, team.credits_available, amount)
    return hold_id, _balance(row)


def settle_hold(session: Session, hold_id: uuid.UUID, charge: int, reason: str | None = None) -> int | None:
    """Consume `charge` from a hold and give the rest back. Returns what was charged (a charge past
    what the hold rule lets the team pay is written off: ledger.sql), None if already resolved."""
    row = _call(
        session, "SELECT charged FROM ledger_settle(:hold, :charge, :reason)",
        {"hold": hold_id, "charge": charge, "reason": reason},
    )  # fmt: skip
    return None if row is None else int(row[0])


def release_hold(session: Session, hold_id: uuid.UUID, reason: str | None = None) -> bool:
    """Give a hold back in full. False if it was resolved already."""
    row = _call(session, "SELECT ledger_release(:hold, :reason)", {"hold": hold_id, "reason": reason})
    return bool(row and row[0])


def reconcile(session: Session, team_id: str) -> dict[str, int]:
    """The team's balance columns and the sums of its ledger; equal when the books are right."""
    sums = session.execute(
        select(func.coalesce(func.sum(CreditTransaction.amount), 0), func.coalesce(func.sum(CreditTransaction.held_delta), 0))
        .where(CreditTransaction.team_id == team_id)
    ).one()  # fmt: skip
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team '{team_id}' not found")
    open_holds = session.execute(
        select(func.coalesce(func.sum(Hold.amount), 0)).where(Hold.team_id == team_id, Hold.status == HoldStatus.OPEN)
    ).scalar_one()
    return {
        "credits_available": team.credits_available,
        "ledger_available": int(sums[0]),
        "credits_held": team.credits_held,
        "ledger_held": int(sums[1]),
        "open_holds": int(open_holds),
    }


def entries(session: Session, team_id: str, limit: int, before: int | None = None) -> list[CreditTransaction]:
    """A page of the team's ledger, newest first."""
    query = select(CreditTransaction).where(CreditTransaction.team_id == team_id)
    if before is not None:
        query = query.where(CreditTransaction.id < before)
    return list(session.execute(query.order_by(CreditTransaction.id.desc()).limit(limit)).scalars())
