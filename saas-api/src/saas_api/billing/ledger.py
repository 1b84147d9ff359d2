"""The credit ledger. Every balance change is an immutable `credit_transactions` row written in the
same transaction as the team's balance columns, so `credits_available == sum(amount)` and
`credits_held == sum(held_delta)` always hold.

Admission and hold are one conditional UPDATE: PostgreSQL serialises concurrent updates of the
team row and re-checks the condition after the lock, so no two processes can spend the last credit.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import BigInteger, func, literal_column, select, text, update
from sqlalchemy.orm import Session

from ..errors import InsufficientCredits, NotFound, TeamSuspended
from ..models import BudgetMode, CreditTransaction, EntryKind, Hold, HoldStatus, LimitType, Team, TeamStatus
from ..money import micros_to_usd

# A team (the `teams` row) may set {amount} aside: a hard limit needs the credit; a soft limit may go
# below zero, down to its overage ceiling if it has one.
CAN_HOLD = (
    "((credits_available >= {amount} AND credits_available > 0)"
    " OR (limit_type = 'soft' AND (overage_ceiling IS NULL OR credits_available - {amount} >= -overage_ceiling)))"
)
# What settling a hold of {held} for a cost of {charge} takes from team row {team}: the whole cost
# when the hold rule above would have let the team set it aside (an overrun past the hold is charged
# from what is available: under a hard limit down to zero, under a soft one down to its ceiling).
# Whatever is left over is written off, and recorded as such (`WRITTEN_OFF`), never dropped silently.
CHARGED = (
    "(CASE WHEN {team}.limit_type = 'hard' THEN LEAST({charge}, {held} + GREATEST({team}.credits_available, 0))"
    " WHEN {team}.overage_ceiling IS NULL THEN {charge}"
    " ELSE LEAST({charge}, GREATEST({held} + {team}.credits_available + {team}.overage_ceiling, 0)) END)"
)


@dataclass(frozen=True)
class Balance:
    allocated: int
    available: int
    held: int
    warn: bool = False  # a soft-limited team is past its warning threshold

    @property
    def remaining(self) -> int:
        return self.available + self.held


def _append(
    session: Session,
    team_id: str,
    kind: EntryKind,
    balance: Balance,
    amount: int,
    held_delta: int = 0,
    charged: int = 0,
    written_off: int = 0,
    *,
    job_id: uuid.UUID | None = None,
    call_id: uuid.UUID | None = None,
    hold_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        CreditTransaction(
            team_id=team_id,
            kind=kind,
            amount=amount,
            held_delta=held_delta,
            charged=charged,
            written_off=written_off,
            balance_after=balance.remaining,
            job_id=job_id,
            call_id=call_id,
            hold_id=hold_id,
            reason=reason,
        )
    )


_RETURNING = (
    Team.credits_allocated,
    Team.credits_available,
    Team.credits_held,
    Team.limit_type,
    Team.warn_threshold_percent,
)


def warns(allocated: int, available: int, held: int, limit_type: str, threshold_percent: int) -> bool:
    """A soft-limited team has used its warning threshold's share of what it was allocated."""
    used = allocated - available - held
    return limit_type == LimitType.SOFT and allocated > 0 and used * 100 >= allocated * threshold_percent


def team_warns(team: Team) -> bool:
    """`warns` for a loaded team row."""
    return warns(
        team.credits_allocated, team.credits_available, team.credits_held, team.limit_type, team.warn_threshold_percent
    )


def insufficient_credits(team_id: str, budget_mode: str, available: int, needed: int) -> InsufficientCredits:
    """The 402 for work a team cannot pay for, in the team's own budget unit."""
    if budget_mode == BudgetMode.CONSUMPTION_USD:
        have, need = f"${micros_to_usd(available)} (micro-USD {available})", f"up to ${micros_to_usd(needed)}"
    else:
        unit = "tokens" if budget_mode == BudgetMode.CONSUMPTION_TOKENS else "credits"
        have, need = f"{available} {unit}", f"{needed}"
    return InsufficientCredits(f"team '{team_id}' has {have} available; this work needs {need}")


def _balance(row: tuple) -> Balance:  # type: ignore[type-arg]
    allocated, available, held = row[:3]
    return Balance(allocated=allocated, available=available, held=held, warn=warns(*row))


def add_credits(session: Session, team_id: str, amount: int, kind: EntryKind, reason: str | None = None) -> Balance:
    """Grant, top up or adjust (signed) a team's credits."""
    allocated_delta = amount if kind in (EntryKind.GRANT, EntryKind.TOPUP, EntryKind.ADJUSTMENT) else 0
    row = session.execute(
        update(Team)
        .where(Team.id == team_id)
        .values(
            credits_available=Team.credits_available + amount,
            credits_allocated=Team.credits_allocated + allocated_delta,
        )
        .returning(*_RETURNING)
    ).first()
    if row is None:
        raise NotFound(f"team '{team_id}' not found")
    balance = _balance(tuple(row))
    _append(session, team_id, kind, balance, amount, reason=reason)
    return balance


def place_hold(
    session: Session, team_id: str, amount: int, *, job_id: uuid.UUID | None = None, call_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, Balance]:
    """Set `amount` aside for work about to start, or refuse (suspended: 403, no credit: 402)."""
    row = session.execute(
        update(Team)
        .where(Team.id == team_id, Team.status == TeamStatus.ACTIVE, text(CAN_HOLD.format(amount=int(amount))))
        .values(credits_available=Team.credits_available - amount, credits_held=Team.credits_held + amount)
        .returning(*_RETURNING)
    ).first()
    if row is None:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound(f"team '{team_id}' not found")
        if team.status != TeamStatus.ACTIVE:
            raise TeamSuspended(f"team '{team_id}' is suspended")
        raise insufficient_credits(team_id, team.budget_mode, team.credits_available, amount)
    balance = _balance(tuple(row))
    hold = Hold(id=uuid.uuid4(), team_id=team_id, job_id=job_id, call_id=call_id, amount=amount)
    session.add(hold)
    _append(session, team_id, EntryKind.HOLD, balance, -amount, amount, job_id=job_id, call_id=call_id, hold_id=hold.id)
    return hold.id, balance


def _resolve(session: Session, hold_id: uuid.UUID, status: HoldStatus) -> Hold | None:
    """Mark an open hold resolved; None if it was resolved already (so each hold resolves once)."""
    hold = session.execute(
        update(Hold)
        .where(Hold.id == hold_id, Hold.status == HoldStatus.OPEN)
        .values(status=status, resolved_at=func.now())
        .returning(Hold)
    ).scalar_one_or_none()
    return hold


def settle_hold(session: Session, hold_id: uuid.UUID, charge: int, reason: str | None = None) -> int | None:
    """Consume `charge` from a hold and give the rest back. Returns what was charged, None if already resolved.

    A charge above the hold is taken from the balance as far as the hold rule allows (`CHARGED`).
    """
    hold = _resolve(session, hold_id, HoldStatus.SETTLED)
    if hold is None:
        return None
    # The rule reads the balance before the settle: the team row is locked, then changed.
    charged = literal_column(CHARGED.format(team="teams", charge=int(charge), held=int(hold.amount)), BigInteger)
    taken = int(session.execute(select(charged).where(Team.id == hold.team_id).with_for_update()).scalar_one())
    row = session.execute(
        update(Team)
        .where(Team.id == hold.team_id)
        .values(
            credits_available=Team.credits_available + hold.amount - taken,
            credits_held=Team.credits_held - hold.amount,
        )
        .returning(*_RETURNING)
    ).one()
    _append(
        session, hold.team_id, EntryKind.SETTLE, _balance(tuple(row)), hold.amount - taken, -hold.amount,
        taken, charge - taken, job_id=hold.job_id, call_id=hold.call_id, hold_id=hold.id, reason=reason,
    )  # fmt: skip
    return taken


def release_hold(session: Session, hold_id: uuid.UUID, reason: str | None = None) -> bool:
    """Give a hold back in full. False if it was resolved already."""
    hold = _resolve(session, hold_id, HoldStatus.RELEASED)
    if hold is None:
        return False
    row = session.execute(
        update(Team)
        .where(Team.id == hold.team_id)
        .values(credits_available=Team.credits_available + hold.amount, credits_held=Team.credits_held - hold.amount)
        .returning(*_RETURNING)
    ).one()
    _append(
        session, hold.team_id, EntryKind.RELEASE, _balance(tuple(row)), hold.amount, -hold.amount,
        job_id=hold.job_id, call_id=hold.call_id, hold_id=hold.id, reason=reason,
    )  # fmt: skip
    return True


def refund(session: Session, team_id: str, amount: int, reason: str, job_id: uuid.UUID | None = None) -> Balance:
    """Give back credits that were charged (not a new grant: the allocation stays the same)."""
    row = session.execute(
        update(Team)
        .where(Team.id == team_id)
        .values(credits_available=Team.credits_available + amount)
        .returning(*_RETURNING)
    ).first()
    if row is None:
        raise NotFound(f"team '{team_id}' not found")
    balance = _balance(tuple(row))
    _append(session, team_id, EntryKind.REFUND, balance, amount, job_id=job_id, reason=reason)
    return balance


def reconcile(session: Session, team_id: str) -> dict[str, int]:
    """The team's balance columns and the sums of its ledger; equal when the books are right."""
    sums = session.execute(
        text(
            "select coalesce(sum(amount), 0), coalesce(sum(held_delta), 0) from credit_transactions where team_id = :t"
        ),
        {"t": team_id},
    ).one()
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
