"""The ledger against a simple model: a Hypothesis state machine over grant, hold, settle, release,
refund, duplicate retries and expiry, on the real PostgreSQL schema, checked after every step."""

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, multiple, rule
from saas_api.billing import ledger
from saas_api.db import new_session
from saas_api.errors import InsufficientCredits
from saas_api.models import CreditTransaction, EntryKind, Hold, Organization, Team, TeamKey


def _make_team(limit_type: str) -> str:
    team_id = f"model-{uuid.uuid4().hex[:10]}"
    with new_session() as session, session.begin():
        session.add(Organization(id=team_id, name="model"))
        session.flush()
        session.add(Team(id=team_id, organization_id=team_id, limit_type=limit_type))
        session.flush()
        session.add(TeamKey(key_hash=uuid.uuid4().hex * 2, team_id=team_id, key_prefix="sk-mode"))
    return team_id


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    limit_type = "hard"

    def __init__(self) -> None:
        super().__init__()
        self.team_id = _make_team(self.limit_type)
        self.available = 0
        self.held = 0
        self.open: dict[uuid.UUID, int] = {}
        self.resolved: set[uuid.UUID] = set()

    def _tx(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        with new_session() as session, session.begin():
            return fn(session, *args, **kwargs)

    @rule(amount=st.integers(1, 500))
    def grant(self, amount: int) -> None:
        self._tx(ledger.add_credits, self.team_id, amount, EntryKind.GRANT)
        self.available += amount

    @rule(target=holds, amount=st.integers(1, 300))
    def hold(self, amount: int):  # type: ignore[no-untyped-def]
        admitted = self.available >= amount and self.available > 0
        try:
            hold_id, _ = self._tx(ledger.place_hold, self.team_id, amount)
        except InsufficientCredits:
            assert not admitted, "refused a hold the model admits"
            return multiple()
        assert admitted, "admitted a hold the model refuses"
        self.available -= amount
        self.held += amount
        self.open[hold_id] = amount
        return hold_id

    @rule(hold_id=consumes(holds), fraction=st.floats(0, 1.5))
    def settle(self, hold_id: uuid.UUID, fraction: float) -> None:
        amount = self.open.pop(hold_id)
        charge = int(amount * fraction)
        charged = self._tx(ledger.settle_hold, hold_id, charge)
        # A charge past the hold is taken from what is available: under a hard limit down to zero.
        expected = min(charge, amount + max(self.available, 0)) if self.limit_type == "hard" else charge
        assert charged == expected
        self.available += amount - expected
        self.held -= amount
        self.resolved.add(hold_id)

    @rule(hold_id=consumes(holds))
    def release(self, hold_id: uuid.UUID) -> None:
        amount = self.open.pop(hold_id)
        assert self._tx(ledger.release_hold, hold_id, "released") is True
        self.available += amount
        self.held -= amount
        self.resolved.add(hold_id)

    @rule(hold_id=consumes(holds))
    def expire(self, hold_id: uuid.UUID) -> None:
        """The sweeper's path: a hold whose work was abandoned is released."""
        self.release(hold_id)

    @rule(data=st.data())
    def duplicate_retry(self, data: st.DataObject) -> None:
        """Settling or releasing a hold a second time changes nothing."""
        if not self.resolved:
            return
        hold_id = data.draw(st.sampled_from(sorted(self.resolved)))
        assert self._tx(ledger.settle_hold, hold_id, 1) is None
        assert self._tx(ledger.release_hold, hold_id) is False

    @rule(amount=st.integers(1, 100))
    def refund(self, amount: int) -> None:
        self._tx(ledger.refund, self.team_id, amount, "refund")
        self.available += amount

    @invariant()
    def books_match_the_model(self) -> None:
        with new_session() as session:
            team = session.get(Team, self.team_id)
            assert team is not None
            assert (team.credits_available, team.credits_held) == (self.available, self.held)
            sums = ledger.reconcile(session, self.team_id)
            assert sums["ledger_available"] == self.available and sums["ledger_held"] == self.held
            assert sums["open_holds"] == sum(self.open.values())
            if self.limit_type == "hard":
                assert team.credits_available >= 0
            for hold_id in self.resolved:
                entries = session.query(CreditTransaction).filter(
                    CreditTransaction.hold_id == hold_id,
                    CreditTransaction.kind.in_([EntryKind.SETTLE, EntryKind.RELEASE]),
                )
                assert entries.count() == 1
                assert session.get(Hold, hold_id).status != "open"  # type: ignore[union-attr]


class SoftLimitLedgerMachine(LedgerMachine):
    limit_type = "soft"

    @rule(target=LedgerMachine.holds, amount=st.integers(1, 300))
    def hold(self, amount: int):  # type: ignore[no-untyped-def]
        # Soft limit without a ceiling: every hold is admitted, the balance may go negative.
        hold_id, _ = self._tx(ledger.place_hold, self.team_id, amount)
        self.available -= amount
        self.held += amount
        self.open[hold_id] = amount
        return hold_id


MODEL_SETTINGS = settings(
    max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.usefixtures("stack")
def test_ledger_matches_the_model_under_a_hard_limit() -> None:
    LedgerMachine.TestCase.settings = MODEL_SETTINGS
    LedgerMachine.TestCase().runTest()


@pytest.mark.usefixtures("stack")
def test_ledger_matches_the_model_under_a_soft_limit() -> None:
    SoftLimitLedgerMachine.TestCase.settings = MODEL_SETTINGS
    SoftLimitLedgerMachine.TestCase().runTest()
