"""The call path's database work: one statement to admit a call, one to record it, each a single
round trip that PostgreSQL commits on its own (see `db.fetch_one`).

A call is recorded twice: `begin_call` inserts it in flight, with its hold, before the provider is
asked; `finish_call` records the outcome and settles the hold after. If the second step cannot
happen, the sweeper finishes the call from LiteLLM's own spend log, with `finish_call` too.

The hold and the settle are the ledger's (`billing/ledger.py`: its rules `CAN_HOLD` and `CHARGED`, a
conditional UPDATE of the team row and an immutable `credit_transactions` row), fused with the call's
rows so that a call costs two round trips in all. The books are checked after every test
(tests/conftest.py).
"""

import logging

from ..billing.ledger import CAN_HOLD, CHARGED, insufficient_credits, warns
from ..billing.pricing import call_charge, call_cost
from ..db import fetch_one
from ..errors import Conflict, DomainError, NotFound, TeamSuspended
from ..models import TeamStatus
from .service import OPEN_STATUSES, CallOutcome, CallTicket

log = logging.getLogger(__name__)

# $1 job, $2 team, $3 call, $4 organization, $5 alias, $6 model group, $7 stream, $8 structured,
# $9 hold amount, $10 hold id (NULL: nothing to hold, a job-based team pays per job).
# The job row is locked first (as `complete_job` does), so a job never ends with an unseen call.
BEGIN_CALL = """
WITH job AS (
    SELECT job_type FROM jobs
    WHERE id = $1 AND team_id = $2 AND status IN ('pending', 'in_progress')
    FOR UPDATE
), held AS (
    UPDATE teams
    SET credits_available = credits_available - $9, credits_held = credits_held + $9
    WHERE CAST($10 AS uuid) IS NOT NULL AND id = $2 AND status = 'active' AND EXISTS (SELECT FROM job)
      AND {can_hold}
    RETURNING credits_allocated, credits_available, credits_held, limit_type, warn_threshold_percent
), admitted AS (
    SELECT job_type FROM job WHERE CAST($10 AS uuid) IS NULL OR EXISTS (SELECT FROM held)
), opened AS (
    UPDATE jobs SET status = 'in_progress', updated_at = now()
    WHERE id = $1 AND EXISTS (SELECT FROM admitted)
), hold AS (
    INSERT INTO credit_holds (id, team_id, job_id, call_id, amount, status)
    SELECT $10, $2, $1, $3, $9, 'open' FROM held
), entry AS (
    INSERT INTO credit_transactions (team_id, kind, amount, held_delta, charged, balance_after, job_id, call_id, hold_id)
    SELECT $2, 'hold', -$9, $9, 0, credits_available + credits_held, $1, $3, $10 FROM held
), call AS (
    INSERT INTO llm_calls (id, job_id, team_id, organization_id, job_type, alias, model_group, status, stream,
                           structured, hold_id, prompt_tokens, completion_tokens, provider_cost_micros,
                           client_cost_micros, credits_charged, cache_hit)
    SELECT $3, $1, $2, $4, job_type, $5, $6, 'in_flight', $7, $8, $10, 0, 0, 0, 0, 0, false FROM admitted
)
-- The balance after the hold (or, with nothing held, as it stands), for the warning threshold.
SELECT t.credits_allocated, COALESCE(held.credits_available, t.credits_available) AS credits_available,
       COALESCE(held.credits_held, t.credits_held) AS credits_held, t.limit_type, t.warn_threshold_percent
FROM admitted LEFT JOIN held ON true JOIN teams t ON t.id = $2
""".format(can_hold=CAN_HOLD.format(amount="$9"))

# Why a call was refused: read only when BEGIN_CALL admitted nothing.
REFUSAL = """
SELECT j.status AS job_status, t.status AS team_status, t.credits_available, t.budget_mode
FROM jobs j JOIN teams t ON t.id = j.team_id
WHERE j.id = $1 AND j.team_id = $2
"""

# $1 call, $2 status, $3-$14 the outcome, $15 the charge, $16 the hold (or NULL), $17 the ledger reason.
# Finishes an in-flight call once: a second finisher (the sweeper, a retry) changes nothing.
# The team row is locked first, so the ledger's `CHARGED` rule reads the balance the settle changes.
#
# Its commit does not wait for the WAL to reach the disk (`async_commit`: synchronous_commit off for this
# statement alone): half of its time and most of its tail. A PostgreSQL crash (not a restart, which
# flushes) can lose the last fraction of a second of outcomes; those calls are then back in flight,
# with their holds, and the sweeper finishes them from LiteLLM's spend log, as after an API crash.
# The admission above, which is what makes a call recoverable, commits durably.
FINISH_CALL = """
WITH async_commit AS (
    SELECT set_config('synchronous_commit', 'off', true) AS off
), charge AS (
    SELECT h.id, h.team_id, h.job_id, h.call_id, h.amount, {charged} AS credits,
           CAST($15 AS bigint) - {charged} AS written_off
    FROM credit_holds h JOIN teams t ON t.id = h.team_id
    WHERE h.id = $16 AND h.status = 'open'
    FOR UPDATE OF t
), call AS (
    UPDATE llm_calls
    SET status = $2, prompt_tokens = $3, completion_tokens = $4, provider_cost_micros = $5,
        client_cost_micros = $6, cost_source = $7, resolved_model = $8, latency_ms = $9, cache_hit = $10,
        finish_reason = $11, parsed_ok = $12, error_type = $13, error_message = $14, finished_at = now(),
        credits_charged = COALESCE((SELECT credits FROM charge), 0),
        credits_written_off = COALESCE((SELECT written_off FROM charge), 0)
    WHERE id = $1 AND status = 'in_flight'
    RETURNING id
), settled AS (
    UPDATE credit_holds SET status = 'settled', resolved_at = now()
    WHERE id = $16 AND status = 'open' AND EXISTS (SELECT FROM call)
    RETURNING id
), balance AS (
    UPDATE teams t
    SET credits_available = t.credits_available + charge.amount - charge.credits,
        credits_held = t.credits_held - charge.amount
    FROM charge
    WHERE t.id = charge.team_id AND EXISTS (SELECT FROM settled)
    RETURNING t.credits_available + t.credits_held AS remaining
), entry AS (
    INSERT INTO credit_transactions (team_id, kind, amount, held_delta, charged, written_off, balance_after, job_id,
                                     call_id, hold_id, reason)
    SELECT charge.team_id, 'settle', charge.amount - charge.credits, -charge.amount, charge.credits,
           charge.written_off, balance.remaining, charge.job_id, charge.call_id, charge.id, $17
    FROM charge, balance
)
SELECT count(*) AS finished, COALESCE((SELECT written_off FROM charge), 0) AS written_off FROM call, async_commit
""".format(charged=CHARGED.format(team="t", charge="CAST($15 AS bigint)", held="h.amount"))


async def begin_call(
    ticket: CallTicket, organization_id: str, hold_amount: int, *, stream: bool, structured: bool
) -> bool:
    """Record the call in flight and place its hold (if the ticket has one). Returns whether the
    team is past its warning threshold; raises 404/409/403/402 when the call may not start."""
    row = await fetch_one(
        BEGIN_CALL, ticket.job_id, ticket.team_id, ticket.call_id, organization_id, ticket.alias,
        ticket.litellm_model, stream, structured, hold_amount, ticket.hold_id,
    )  # fmt: skip
    if row is None:
        raise await _refusal(ticket, hold_amount)
    return warns(
        row["credits_allocated"], row["credits_available"], row["credits_held"], row["limit_type"],
        row["warn_threshold_percent"],
    )  # fmt: skip


async def _refusal(ticket: CallTicket, hold_amount: int) -> DomainError:
    """Why BEGIN_CALL admitted nothing, in the order the checks apply."""
    row = await fetch_one(REFUSAL, ticket.job_id, ticket.team_id)
    if row is None:
        return NotFound(f"job '{ticket.job_id}' not found")
    if row["job_status"] not in OPEN_STATUSES:
        return Conflict(f"job '{ticket.job_id}' is {row['job_status']}; it takes no more calls")
    if row["team_status"] != TeamStatus.ACTIVE:
        return TeamSuspended(f"team '{ticket.team_id}' is suspended")
    return insufficient_credits(ticket.team_id, row["budget_mode"], row["credits_available"], hold_amount)


async def finish_call(ticket: CallTicket, outcome: CallOutcome) -> bool:
    """Record a call's outcome and settle its hold, once. False if it was finished already.

    Tokens the provider produced are billed even when the call failed part-way (a cut stream).
    """
    cost = call_cost(
        ticket.price, outcome.prompt_tokens, outcome.completion_tokens, outcome.proxy_cost_usd, outcome.cache_hit
    )
    charge = call_charge(ticket.budget_mode, cost, outcome.prompt_tokens + outcome.completion_tokens)
    row = await fetch_one(
        FINISH_CALL, ticket.call_id, "success" if outcome.ok else "failed", outcome.prompt_tokens,
        outcome.completion_tokens, cost.provider_cost_micros, cost.client_cost_micros, cost.cost_source,
        outcome.resolved_model, outcome.latency_ms, outcome.cache_hit, outcome.finish_reason, outcome.parsed_ok,
        outcome.error_type, outcome.error_message, charge, ticket.hold_id, f"call {ticket.call_id}",
    )  # fmt: skip
    if row and row["written_off"]:
        log.warning(
            "call %s of team %s cost %d more than the team could pay; written off and recorded",
            ticket.call_id, ticket.team_id, row["written_off"],
        )  # fmt: skip
    return bool(row and row["finished"])
