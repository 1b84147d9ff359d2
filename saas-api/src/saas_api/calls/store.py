"""The call path's database work: one statement to admit a call, one to record it, each a single
round trip that PostgreSQL commits on its own (see `db.fetch_one`).

A call is recorded twice: `begin_call` inserts it in flight, with its hold, before the provider is
asked; `finish_call` records the outcome and settles the hold after. If the second step cannot
happen, the sweeper finishes the call from LiteLLM's own spend log, with `finish_call` too.

The hold and the settle are the ledger's own functions (billing/ledger.sql: `ledger_hold`,
`ledger_settle`), called inside these statements so that a call costs two round trips in all.
Statuses are bound from the enums. The books are checked after every test (tests/conftest.py).
"""

import logging
from typing import Any

from ..billing.ledger import refusal, warns
from ..db import Statement, fetch_one
from ..errors import DomainError, JobNotOpen, NotFound
from ..models import OPEN_STATUSES, CallStatus, JobStatus
from .records import CallOutcome, CallTicket, bill

log = logging.getLogger(__name__)

# The job row is locked first (as `complete_job` does), so a job never ends with an unseen call.
# A team that pays per call holds what the call may cost (`ledger_hold`, only while the job is open);
# one that pays per job (`hold` NULL) holds nothing here.
BEGIN_CALL = Statement("""
WITH job AS (
    SELECT id, job_type FROM jobs
    WHERE id = :job AND team_id = CAST(:team AS text) AND status = ANY(CAST(:open_statuses AS text[]))
    FOR UPDATE
), held AS (
    SELECT placed.*
    FROM (SELECT id FROM job WHERE CAST(:hold AS uuid) IS NOT NULL) AS open_job
    CROSS JOIN LATERAL ledger_hold(:team, CAST(:amount AS bigint), :hold, open_job.id, :call) AS placed
), admitted AS (
    SELECT job_type FROM job WHERE CAST(:hold AS uuid) IS NULL OR EXISTS (SELECT FROM held)
), opened AS (
    UPDATE jobs SET status = :in_progress, updated_at = now()
    WHERE id = :job AND EXISTS (SELECT FROM admitted)
), call AS (
    INSERT INTO llm_calls (id, job_id, team_id, organization_id, job_type, alias, model_group, status, stream,
                           structured, hold_id, prompt_tokens, completion_tokens, provider_cost_micros,
                           client_cost_micros, credits_charged, credits_written_off, cache_hit)
    SELECT :call, :job, :team, :organization, job_type, :alias, :model_group, :in_flight, :stream, :structured,
           :hold, 0, 0, 0, 0, 0, 0, false
    FROM admitted
)
-- The balance after the hold (or, with nothing held, as it stands), for the warning threshold.
SELECT t.credits_allocated, COALESCE(held.available, t.credits_available) AS credits_available,
       COALESCE(held.held, t.credits_held) AS credits_held, t.limit_type, t.warn_threshold_percent
FROM admitted LEFT JOIN held ON true JOIN teams t ON t.id = :team
""")

# Why a call was refused: read only when BEGIN_CALL admitted nothing.
REFUSAL = Statement("""
SELECT j.status AS job_status, t.status AS team_status, t.credits_available, t.budget_mode
FROM jobs j JOIN teams t ON t.id = j.team_id
WHERE j.id = :job AND j.team_id = :team
""")

# Finishes an in-flight call once: the call row is claimed (locked, still in flight) first, so a second
# finisher (the sweeper, a retry) changes nothing. Then its hold is settled by the ledger, and the call
# records what it was charged and what could not be charged.
#
# Its commit does not wait for the WAL to reach the disk (`async_commit`: synchronous_commit off for this
# statement alone): half of its time and most of its tail. A PostgreSQL crash (not a restart, which
# flushes) can lose the last fraction of a second of outcomes; those calls are then back in flight,
# with their holds, and the sweeper finishes them from LiteLLM's spend log, as after an API crash.
# The admission above, which is what makes a call recoverable, commits durably.
FINISH_CALL = Statement("""
WITH async_commit AS (
    SELECT set_config('synchronous_commit', 'off', true) AS off
), claimed AS (
    SELECT id, hold_id FROM llm_calls WHERE id = :call AND status = :in_flight FOR UPDATE
), settled AS (
    SELECT settle.* FROM claimed CROSS JOIN LATERAL ledger_settle(claimed.hold_id, :charge, :reason) AS settle
    WHERE claimed.hold_id IS NOT NULL
), call AS (
    UPDATE llm_calls
    SET status = :status, prompt_tokens = :prompt_tokens, completion_tokens = :completion_tokens,
        provider_cost_micros = :provider_cost_micros, client_cost_micros = :client_cost_micros,
        cost_source = :cost_source, resolved_model = :resolved_model, latency_ms = :latency_ms,
        cache_hit = :cache_hit, finish_reason = :finish_reason, parsed_ok = :parsed_ok, error_type = :error_type,
        error_message = :error_message, finished_at = now(),
        credits_charged = COALESCE((SELECT charged FROM settled), 0),
        credits_written_off = COALESCE((SELECT written_off FROM settled), 0)
    WHERE id IN (SELECT id FROM claimed)
    RETURNING id
)
SELECT (SELECT count(*) FROM call) AS finished, COALESCE((SELECT written_off FROM settled), 0) AS written_off,
       (SELECT off FROM async_commit) AS async_commit
""")


async def begin_call(
    ticket: CallTicket, organization_id: str, hold_amount: int, *, stream: bool, structured: bool
) -> bool:
    """Record the call in flight and place its hold (if the ticket has one). Returns whether the
    team is past its warning threshold; raises 404/409/403/402 when the call may not start."""
    row = await fetch_one(
        BEGIN_CALL,
        {
            "job": ticket.job_id, "team": ticket.team_id, "call": ticket.call_id, "organization": organization_id,
            "alias": ticket.alias, "model_group": ticket.litellm_model, "stream": stream, "structured": structured,
            "amount": hold_amount, "hold": ticket.hold_id, "open_statuses": [str(s) for s in OPEN_STATUSES],
            "in_progress": JobStatus.IN_PROGRESS, "in_flight": CallStatus.IN_FLIGHT,
        },
    )  # fmt: skip
    if row is None:
        raise await _refusal(ticket, hold_amount)
    return warns(
        row["credits_allocated"], row["credits_available"], row["credits_held"], row["limit_type"],
        row["warn_threshold_percent"],
    )  # fmt: skip


async def _refusal(ticket: CallTicket, hold_amount: int) -> DomainError:
    """Why BEGIN_CALL admitted nothing, in the order the checks apply."""
    row = await fetch_one(REFUSAL, {"job": ticket.job_id, "team": ticket.team_id})
    if row is None:
        return NotFound(f"job '{ticket.job_id}' not found")
    if row["job_status"] not in OPEN_STATUSES:
        return JobNotOpen(f"job '{ticket.job_id}' is {row['job_status']}; it takes no more calls")
    return refusal(ticket.team_id, row["team_status"], row["budget_mode"], row["credits_available"], hold_amount)


def _finish_values(ticket: CallTicket, outcome: CallOutcome) -> dict[str, Any]:
    """FINISH_CALL's parameters, from the ticket and the outcome."""
    billed = bill(ticket, outcome)
    return {
        "call": ticket.call_id, "in_flight": CallStatus.IN_FLIGHT, "status": outcome.status,
        "prompt_tokens": outcome.prompt_tokens, "completion_tokens": outcome.completion_tokens,
        "provider_cost_micros": billed.cost.provider_cost_micros, "client_cost_micros": billed.cost.client_cost_micros,
        "cost_source": billed.cost.cost_source, "resolved_model": outcome.resolved_model,
        "latency_ms": outcome.latency_ms, "cache_hit": outcome.cache_hit, "finish_reason": outcome.finish_reason,
        "parsed_ok": outcome.parsed_ok, "error_type": outcome.error_type, "error_message": outcome.error_message,
        "charge": billed.charge, "reason": f"call {ticket.call_id}",
    }  # fmt: skip


async def finish_call(ticket: CallTicket, outcome: CallOutcome) -> bool:
    """Record a call's outcome and settle its hold, once. False if it was finished already."""
    row = await fetch_one(FINISH_CALL, _finish_values(ticket, outcome))
    if row and row["written_off"]:
        log.warning(
            "call %s of team %s cost %d more than the team could pay; written off and recorded",
            ticket.call_id, ticket.team_id, row["written_off"],
        )  # fmt: skip
    return bool(row and row["finished"])
