"""Keeping LiteLLM's teams and keys in step with ours.

Each team is a LiteLLM team with one LiteLLM virtual key, generated here and kept server-side
(stored encrypted, vault.py; forwarded on the team's calls, auth.py). The key's model list is the
LiteLLM models behind the aliases of the team's access groups; it carries the team's rpm/tpm limits
and is blocked while the team is suspended. Every change to those goes through this module, so
LiteLLM enforces the same models and limits as we do. (Teams from before migration 0006 are moved
to such a key by key_migration.py.)
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .. import vault
from ..auth import hash_key
from ..db import run_in_transaction
from ..litellm_proxy import AdminRequestRefused, LiteLLMProxy
from ..models import LiteLLMKey, ModelAlias, TeamKey, group_aliases, team_access_groups

# -- what the keys carry --------------------------------------------------------------------------


def litellm_models(session: Session, groups: Iterable[str] | Select[Any]) -> list[str]:
    """The LiteLLM models behind the aliases of these groups: the model list of a team's key."""
    rows = session.execute(
        select(ModelAlias.litellm_model)
        .join(group_aliases, group_aliases.c.alias == ModelAlias.alias)
        .where(group_aliases.c.group_name.in_(groups))
        .distinct()
    )
    # An empty list would mean "every model" to LiteLLM; a team without aliases gets none.
    return sorted(rows.scalars()) or ["no-models"]


def team_litellm_models(session: Session, team_id: str) -> list[str]:
    groups = select(team_access_groups.c.group_name).where(team_access_groups.c.team_id == team_id)
    return litellm_models(session, groups)


def litellm_key_hashes(session: Session, team_id: str) -> list[str]:
    """Every key of this team the proxy knows: its own LiteLLM key once minted, and until the key
    migration has run, its keys from before 0006."""
    own = select(LiteLLMKey.key_hash).where(LiteLLMKey.team_id == team_id, LiteLLMKey.minted_at.is_not(None))
    legacy = select(TeamKey.key_hash).where(TeamKey.team_id == team_id, TeamKey.in_litellm)
    return list(session.execute(own.union_all(legacy)).scalars())


def litellm_metadata(organization_id: str, team_id: str) -> dict[str, str]:
    return {"saas_organization_id": organization_id, "saas_team_id": team_id}


def new_litellm_key() -> str:
    return "sk-" + secrets.token_urlsafe(32)  # LiteLLM takes only keys that start with sk-


# -- a new team -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MintedKey:
    key_hash: str
    encrypted_key: str

    def row(self, team_id: str) -> LiteLLMKey:
        return LiteLLMKey(
            team_id=team_id, key_hash=self.key_hash, encrypted_key=self.encrypted_key, minted_at=func.now()
        )


async def register_team(
    proxy: LiteLLMProxy,
    team_id: str,
    team_alias: str | None,
    organization_id: str,
    models: list[str],
    rpm_limit: int | None,
    tpm_limit: int | None,
) -> MintedKey:
    """Create a new team's LiteLLM team and mint its LiteLLM key; the caller stores `row()` with
    the team, or calls `discard_team` if it cannot."""
    metadata = litellm_metadata(organization_id, team_id)
    try:
        # An empty list would mean "every model" to LiteLLM; the team's key carries its models.
        await proxy.create_team(team_id, team_alias, [], metadata)
    except AdminRequestRefused as exc:
        # Left by an attempt that timed out before recording the team (we have none by this id): reuse it.
        if exc.status != 400 or "already exists" not in exc.message:
            raise
    key = new_litellm_key()
    try:
        await proxy.generate_key(team_id, key, models, rpm_limit, tpm_limit, metadata)
    except Exception:
        await discard_team(proxy, team_id)
        raise
    return MintedKey(key_hash=hash_key(key), encrypted_key=vault.encrypt(key))


async def discard_team(proxy: LiteLLMProxy, team_id: str) -> None:
    """Delete a LiteLLM team (and its keys) that we did not record."""
    await proxy.delete_team(team_id)


# -- changes to a team ----------------------------------------------------------------------------


async def update_team_keys(proxy: LiteLLMProxy, team_id: str, **changes: object) -> None:
    """Set `models`, `rpm_limit` or `tpm_limit` on every key of the team the proxy knows."""
    for key_hash in await run_in_transaction(litellm_key_hashes, team_id):
        await proxy.update_key(key_hash, **changes)


async def sync_team_models(proxy: LiteLLMProxy, team_ids: list[str]) -> None:
    """Make the LiteLLM keys of these teams allow exactly their groups' models."""

    def load(session: Session) -> list[tuple[str, list[str]]]:
        return [
            (key_hash, team_litellm_models(session, team_id))
            for team_id in team_ids
            for key_hash in litellm_key_hashes(session, team_id)
        ]

    for key_hash, models in await run_in_transaction(load):
        await proxy.update_key(key_hash, models=models)


async def block_team_keys(proxy: LiteLLMProxy, team_id: str, blocked: bool) -> None:
    """Block (suspension) or unblock (resumption) every key of the team the proxy knows."""
    for key_hash in await run_in_transaction(litellm_key_hashes, team_id):
        await proxy.set_key_blocked(key_hash, blocked)
