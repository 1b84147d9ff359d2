"""Moving teams from before migration 0006 to a LiteLLM key of their own.

Those teams held LiteLLM keys. `run_key_migration`, started by every API process, gives each such
team its own LiteLLM key (as litellm_sync.py mints for a new team) and then deletes the old keys
from the proxy; the old keys keep working here (auth.py forwards the team's own key). Every step is
idempotent and the new key is stored before the proxy sees it, so a crash or a second process at
any point only repeats work. Until a team's own key is minted, its old keys are forwarded as they
are. A change to a team's keys moves the team first (`ensure_own_litellm_key`), as at startup.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy import Connection, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from .. import vault
from ..auth import hash_key
from ..db import get_engine, run_in_transaction
from ..errors import UpstreamError
from ..litellm_proxy import LiteLLMProxy
from ..models import LiteLLMKey, Team, TeamKey, TeamStatus
from .litellm_sync import litellm_metadata, new_litellm_key, team_litellm_models

log = logging.getLogger(__name__)

_MIGRATION_LOCK_ID = 20261202_0006  # pg advisory lock: one process migrates at a time
_MIGRATION_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class _Migration:
    key_hash: str
    encrypted_key: str
    minted: bool
    organization_id: str
    models: list[str]
    rpm_limit: int | None
    tpm_limit: int | None
    suspended: bool
    legacy_key_hashes: list[str]


def _needs_migration(session: Session, team_id: str) -> bool:
    pending = select(LiteLLMKey.team_id).where(LiteLLMKey.team_id == team_id, LiteLLMKey.minted_at.is_(None))
    legacy = select(TeamKey.team_id).where(TeamKey.team_id == team_id, TeamKey.in_litellm)
    return session.execute(pending.union_all(legacy).limit(1)).first() is not None


def _teams_to_migrate(session: Session) -> list[str]:
    """Teams with keys from before 0006 still in the proxy, or with a key stored but not yet minted."""
    pending = select(LiteLLMKey.team_id).where(LiteLLMKey.minted_at.is_(None))
    legacy = select(TeamKey.team_id).where(TeamKey.in_litellm)
    return list(session.execute(select(Team.id).where(or_(Team.id.in_(pending), Team.id.in_(legacy)))).scalars())


def _store_key(session: Session, team_id: str) -> _Migration | None:
    """The team's LiteLLM key, stored (encrypted) first if it has none yet; None if nothing is left to do."""
    if not _needs_migration(session, team_id):
        return None
    team = session.get(Team, team_id)
    assert team is not None  # teams are never deleted
    row = session.get(LiteLLMKey, team_id)
    if row is None:
        # A concurrent run may store one at the same moment: the first wins and both go on with it.
        key = new_litellm_key()
        session.execute(
            pg_insert(LiteLLMKey)
            .values(team_id=team_id, key_hash=hash_key(key), encrypted_key=vault.encrypt(key))
            .on_conflict_do_nothing(index_elements=["team_id"])
        )
        row = session.execute(select(LiteLLMKey).where(LiteLLMKey.team_id == team_id)).scalar_one()
    legacy = select(TeamKey.key_hash).where(TeamKey.team_id == team_id, TeamKey.in_litellm)
    return _Migration(
        key_hash=row.key_hash,
        encrypted_key=row.encrypted_key,
        minted=row.minted_at is not None,
        organization_id=team.organization_id,
        models=team_litellm_models(session, team_id),
        rpm_limit=team.rpm_limit,
        tpm_limit=team.tpm_limit,
        suspended=team.status == TeamStatus.SUSPENDED,
        legacy_key_hashes=list(session.execute(legacy).scalars()),
    )


def _mark_minted(session: Session, team_id: str) -> tuple[list[str], int | None, int | None, bool]:
    """Record the mint; return the team's models, limits and suspension as they are now."""
    session.execute(
        update(LiteLLMKey)
        .where(LiteLLMKey.team_id == team_id, LiteLLMKey.minted_at.is_(None))
        .values(minted_at=func.now())
    )
    team = session.get(Team, team_id)
    assert team is not None
    models = team_litellm_models(session, team_id)
    return models, team.rpm_limit, team.tpm_limit, team.status == TeamStatus.SUSPENDED


def _mark_out_of_litellm(session: Session, key_hash: str) -> None:
    session.execute(update(TeamKey).where(TeamKey.key_hash == key_hash).values(in_litellm=False))


async def ensure_own_litellm_key(proxy: LiteLLMProxy, team_id: str) -> None:
    """Give a team from before 0006 its own LiteLLM key, then delete its old keys from the proxy.
    A no-op for a team that has moved already (or does not exist); safe to repeat from any point."""
    state = await run_in_transaction(_store_key, team_id)
    if state is None:
        return
    if not state.minted:
        metadata = litellm_metadata(state.organization_id, team_id)
        try:
            await proxy.generate_key(
                team_id, vault.decrypt(state.encrypted_key), state.models, state.rpm_limit, state.tpm_limit,
                metadata, blocked=state.suspended,
            )  # fmt: skip
        except UpstreamError:
            # A run that died after minting it, or another process minting it now: the key is there.
            if not await proxy.key_is_live(state.key_hash):
                raise
        models, rpm_limit, tpm_limit, suspended = await run_in_transaction(_mark_minted, team_id)
        # Changes to the team while the key was minted reached only the keys known to be minted.
        await proxy.update_key(state.key_hash, models=models, rpm_limit=rpm_limit, tpm_limit=tpm_limit)
        if suspended != state.suspended:
            await proxy.set_key_blocked(state.key_hash, suspended)
    # The old keys keep working here (auth.py forwards the team's own key now) but no longer open the proxy.
    for key_hash in state.legacy_key_hashes:
        await proxy.delete_key(key_hash)
        await run_in_transaction(_mark_out_of_litellm, key_hash)
    log.info("team %s now calls the proxy with its own LiteLLM key; its old keys no longer open it", team_id)


@asynccontextmanager
async def _migration_lock() -> AsyncIterator[None]:
    """Held by one process at a time, in a transaction left open meanwhile: PostgreSQL releases it
    when the transaction ends, and when the process dies."""
    conn = await to_thread.run_sync(get_engine().connect)

    def try_lock(conn: Connection) -> bool:
        return bool(conn.execute(text("select pg_try_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}).scalar())

    try:
        while not await to_thread.run_sync(try_lock, conn):
            await to_thread.run_sync(conn.rollback)
            await asyncio.sleep(0.5)
        yield
    finally:
        await to_thread.run_sync(conn.close)  # rolls back, which releases the lock


async def migrate_legacy_teams(proxy: LiteLLMProxy) -> list[str]:
    """Move every team that needs it to its own LiteLLM key; returns the teams that failed."""
    if not await run_in_transaction(_teams_to_migrate):
        return []
    failed = []
    async with _migration_lock():
        # Read again under the lock: a process that held it before may have done them all.
        for team_id in await run_in_transaction(_teams_to_migrate):
            try:
                await ensure_own_litellm_key(proxy, team_id)
            except Exception:
                log.warning("team %s: could not move to its own LiteLLM key", team_id, exc_info=True)
                failed.append(team_id)
    return failed


async def run_key_migration(proxy: LiteLLMProxy) -> None:
    """Every API process runs this at startup, in the background, until no team is left to move."""
    while True:
        try:
            failed = await migrate_legacy_teams(proxy)
            if not failed:
                return
            log.warning("key migration: %d team(s) left, retrying in %.0f s", len(failed), _MIGRATION_RETRY_SECONDS)
        except Exception:  # the database may not be up yet
            log.warning("key migration failed; retrying in %.0f s", _MIGRATION_RETRY_SECONDS, exc_info=True)
        await asyncio.sleep(_MIGRATION_RETRY_SECONDS)
