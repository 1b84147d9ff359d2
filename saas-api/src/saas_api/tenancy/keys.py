"""Team API keys: what a team authenticates with.

They are ours (`sk-saas-…`): random tokens stored as sha256 hashes (auth.py looks them up), several
per team (rotation, one per environment), minted and revoked here alone. The LiteLLM proxy does not
know them; the team's calls go out with its LiteLLM key (litellm_sync.py). So nothing a team holds
opens the proxy, and no call can go around billing.
"""

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import forget_key, hash_key
from ..db import run_in_transaction
from ..errors import NotFound
from ..litellm_proxy import LiteLLMProxy
from ..models import TeamKey
from . import schemas
from .key_migration import ensure_own_litellm_key
from .lookups import get_team

API_KEY_PREFIX = "sk-saas-"
_SHOWN_PREFIX_LENGTH = len(API_KEY_PREFIX) + 4  # enough to tell a team's keys apart in a list
_KEY_ID_LENGTH = 16  # TeamKey.key_id: the start of the hash; a shorter start could match several keys


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def add_api_key(session: Session, team_id: str, key: str, label: str | None = None) -> TeamKey:
    """Store a key minted by `new_api_key` (its hash, shown prefix and label) for the team."""
    row = TeamKey(key_hash=hash_key(key), team_id=team_id, key_prefix=key[:_SHOWN_PREFIX_LENGTH], label=label)
    session.add(row)
    session.flush()
    session.refresh(row)
    return row


def newest_key_prefix(session: Session, team_id: str) -> str | None:
    """The prefix of the team's newest key that is not revoked, if any."""
    return session.execute(
        select(TeamKey.key_prefix)
        .where(TeamKey.team_id == team_id, TeamKey.revoked_at.is_(None))
        .order_by(TeamKey.created_at.desc(), TeamKey.key_hash)
        .limit(1)
    ).scalar_one_or_none()


def key_out(key: TeamKey) -> schemas.TeamKeyOut:
    return schemas.TeamKeyOut(
        key_id=key.key_id, key_prefix=key.key_prefix, label=key.label, created_at=key.created_at,
        revoked_at=key.revoked_at,
    )  # fmt: skip


def list_keys(session: Session, team_id: str) -> list[schemas.TeamKeyOut]:
    get_team(session, team_id)
    rows = session.execute(select(TeamKey).where(TeamKey.team_id == team_id).order_by(TeamKey.created_at)).scalars()
    return [key_out(k) for k in rows]


async def create_key(proxy: LiteLLMProxy, team_id: str, label: str | None = None) -> schemas.TeamKeyCreated:
    """Another API key for the team (rotation, or one key per environment). Ours alone: the proxy
    is not asked (but a team from before 0006 is moved to its own LiteLLM key first)."""
    await run_in_transaction(get_team, team_id)
    await ensure_own_litellm_key(proxy, team_id)
    api_key = new_api_key()

    def write(session: Session) -> schemas.TeamKeyCreated:
        row = add_api_key(session, team_id, api_key, label)
        return schemas.TeamKeyCreated(**key_out(row).model_dump(), api_key=api_key, virtual_key=api_key)

    return await run_in_transaction(write)


async def revoke_key(proxy: LiteLLMProxy, team_id: str, key_id: str) -> schemas.TeamKeyOut:
    """Revoke an active key: this process refuses it at once, the others within auth.py's cache TTL.
    A key that is unknown or already revoked is 404."""
    await ensure_own_litellm_key(proxy, team_id)  # so that a key from before 0006 no longer opens the proxy either

    def write(session: Session) -> TeamKey:
        get_team(session, team_id)
        key = session.execute(
            select(TeamKey)
            .where(TeamKey.team_id == team_id, TeamKey.key_hash.startswith(key_id, autoescape=True))
            .with_for_update()
        ).scalar_one_or_none()
        if key is None or len(key_id) < _KEY_ID_LENGTH or key.revoked_at is not None:
            raise NotFound(f"no active key '{key_id}' for team '{team_id}'", param="key_id")
        key.revoked_at = func.now()
        session.flush()
        session.refresh(key)
        return key

    key = await run_in_transaction(write)
    forget_key(key.key_hash)
    return key_out(key)
