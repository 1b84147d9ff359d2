"""The one authentication path: team virtual keys (Bearer) and the admin master key (X-Admin-Key)."""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .config import get_settings
from .db import new_session, run_in_transaction
from .errors import Forbidden, Unauthenticated
from .models import AdminSession, Team, TeamKey

# key hash -> (team, expiry). The mapping never changes for a key; the TTL bounds how long another
# process keeps accepting a revoked key (the proxy refuses it at once). Suspension is checked in the
# database on every charge.
_KEY_CACHE_TTL_SECONDS = 5.0
_key_cache: dict[str, tuple["TeamPrincipal", float]] = {}


def hash_key(key: str) -> str:
    """sha256 hex of a virtual key: how we and LiteLLM store it; the key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class TeamPrincipal:
    team_id: str
    organization_id: str
    key_hash: str
    virtual_key: str  # forwarded to LiteLLM so the proxy applies the key's own limits


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing Authorization header; send 'Authorization: Bearer <virtual key>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <virtual key>'")
    return token.strip()


def _team_for_hash(session: Session, key_hash: str) -> tuple[str, str] | None:
    row = session.execute(
        select(Team.id, Team.organization_id)
        .join(TeamKey, TeamKey.team_id == Team.id)
        .where(TeamKey.key_hash == key_hash, TeamKey.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


async def current_team(authorization: Annotated[str | None, Header()] = None) -> TeamPrincipal:
    key = _bearer(authorization)
    key_hash = hash_key(key)
    cached = _key_cache.get(key_hash)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    # The lookup is by hash through a unique index: no timing difference reveals a partial match.
    found = await run_in_transaction(_team_for_hash, key_hash)
    if found is None:
        raise Unauthenticated("invalid virtual key")
    principal = TeamPrincipal(team_id=found[0], organization_id=found[1], key_hash=key_hash, virtual_key=key)
    _key_cache[key_hash] = (principal, time.monotonic() + _KEY_CACHE_TTL_SECONDS)
    return principal


def forget_key(key_hash: str) -> None:
    _key_cache.pop(key_hash, None)


def is_master_key(candidate: str) -> bool:
    expected = get_settings().master_key.get_secret_value()
    return hmac.compare_digest(candidate.encode(), expected.encode())


def _session_valid(session: Session, token_hash: str) -> bool:
    found = session.execute(
        select(AdminSession.token_hash).where(
            AdminSession.token_hash == token_hash, AdminSession.expires_at > func.now()
        )
    ).first()
    return found is not None


def require_admin(
    x_admin_key: Annotated[str | None, Header()] = None,
    x_admin_session: Annotated[str | None, Header()] = None,
) -> None:
    """The master key (X-Admin-Key) or an admin panel session (X-Admin-Session)."""
    if x_admin_key:
        if not is_master_key(x_admin_key):
            raise Forbidden("invalid admin key")
        return
    if x_admin_session:
        with new_session() as session:
            if not _session_valid(session, hash_key(x_admin_session)):
                raise Unauthenticated("the admin session has expired; log in again")
        return
    raise Unauthenticated("missing X-Admin-Key header")


CurrentTeam = Annotated[TeamPrincipal, Depends(current_team)]
AdminDep = Depends(require_admin)
