"""Ends stale work: calls left in flight (a process died mid-call) and jobs left open past their TTL;
then rolls up the usage of days that became final (analytics/rollup.py).

Safe to run in every API process at once: rows are claimed with FOR UPDATE SKIP LOCKED and every
hold resolves at most once. A stale call is finished from LiteLLM's own spend log when the proxy
recorded it (the provider did answer), and failed with its hold released when it did not.
"""

import asyncio
import logging
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .analytics.rollup import roll_up
from .billing import ledger
from .calls import store
from .calls.records import CallTicket, outcome_from_spend_log, recorded_ticket
from .config import get_settings
from .db import run_in_transaction
from .idempotency import purge_expired
from .jobs import service as jobs
from .litellm_proxy import LiteLLMProxy
from .models import CallStatus, Hold, HoldStatus, Job, JobStatus, LLMCall, ModelAlias, Team

log = logging.getLogger(__name__)
BATCH = 100


def _interval(seconds: int) -> Any:
    return text(f"interval '{int(seconds)} seconds'")


def stale_calls(session: Session, ttl_seconds: int, give_up_seconds: int) -> list[tuple[CallTicket, bool]]:
    """Calls in flight past the TTL, each with whether it is past the give-up age too."""
    give_up = (LLMCall.created_at < func.now() - _interval(give_up_seconds)).label("give_up")
    rows = session.execute(
        select(LLMCall, Team, ModelAlias, give_up)
        .join(Team, Team.id == LLMCall.team_id)
        .outerjoin(ModelAlias, ModelAlias.alias == LLMCall.alias)
        .where(LLMCall.status == CallStatus.IN_FLIGHT, LLMCall.created_at < func.now() - _interval(ttl_seconds))
        .limit(BATCH)
    ).all()
    return [
        (
            recorded_ticket(
                call.id, call.job_id, call.team_id, call.alias, call.model_group, call.hold_id, team.budget_mode,
                team.markup_percent,
                None if alias is None else (
                    alias.input_price_micros_per_mtok, alias.output_price_micros_per_mtok, alias.markup_percent
                ),
            ),
            bool(past_give_up),
        )
        for call, team, alias, past_give_up in rows
    ]  # fmt: skip


def expire_jobs(session: Session, ttl_seconds: int) -> int:
    """Fail jobs idle past the TTL and release what they hold."""
    job_ids = (
        session.execute(
            select(Job.id)
            .where(Job.status.in_(jobs.OPEN_STATUSES), Job.updated_at < func.now() - _interval(ttl_seconds))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    for job_id in job_ids:
        job = session.get(Job, job_id)
        assert job is not None
        jobs.complete_job(
            session, job.team_id, job_id, JobStatus.FAILED, None, "expired: no activity within the job TTL",
            allow_in_flight=True,
        )  # fmt: skip
    return len(job_ids)


def release_orphan_holds(session: Session, ttl_seconds: int) -> int:
    """Holds whose job or call ended without resolving them (should not happen; belt and braces)."""
    holds = (
        session.execute(
            select(Hold.id)
            .where(Hold.status == HoldStatus.OPEN, Hold.created_at < func.now() - _interval(ttl_seconds))
            .where(~select(Job.id).where(Job.hold_id == Hold.id, Job.status.in_(jobs.OPEN_STATUSES)).exists())
            .where(
                ~select(LLMCall.id).where(LLMCall.hold_id == Hold.id, LLMCall.status == CallStatus.IN_FLIGHT).exists()
            )
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    for hold_id in holds:
        ledger.release_hold(session, hold_id, reason="orphaned hold released by the sweeper")
    return len(holds)


async def _finish_from_spend_log(proxy: LiteLLMProxy, ticket: CallTicket, give_up: bool) -> None:
    """Finish a stale call from LiteLLM's record of it. LiteLLM writes that record in batches, so a
    call it has not recorded yet is left for a later pass until `give_up`, then failed."""
    entry = await proxy.spend_log(str(ticket.call_id))
    if entry is None and not give_up:
        return
    await store.finish_call(ticket, outcome_from_spend_log(entry))


async def sweep_once(proxy: LiteLLMProxy) -> dict[str, int]:
    settings = get_settings()
    tickets = await run_in_transaction(
        stale_calls, settings.call_ttl_seconds, settings.call_ttl_seconds + settings.spend_log_grace_seconds
    )
    for ticket, give_up in tickets:
        await _finish_from_spend_log(proxy, ticket, give_up)
    expired = await run_in_transaction(expire_jobs, settings.job_ttl_seconds)
    orphans = await run_in_transaction(release_orphan_holds, max(settings.call_ttl_seconds, 60))
    purged = await run_in_transaction(purge_expired, settings.idempotency_ttl_seconds)
    days = await run_in_transaction(roll_up)
    return {
        "calls": len(tickets),
        "jobs": expired,
        "holds": orphans,
        "idempotency_keys": purged,
        "days_rolled_up": days,
    }


async def run_forever(proxy: LiteLLMProxy) -> None:
    interval = get_settings().sweeper_interval_seconds
    while True:
        try:
            swept = await sweep_once(proxy)
            if any(swept.values()):
                log.info("sweeper: %s", swept)
        except Exception:
            log.exception("sweeper pass failed; will retry")
        await asyncio.sleep(interval)
