"""The one authentication path: team virtual keys (Bearer) and the admin master key (X-Admin-Key)."""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import get_settings
from .db import run_in_transaction
from .errors import Forbidden, Unauthenticated
from .models import Team

# key hash -> (team, expiry). The mapping never changes for a key; the TTL bounds how long a
# deleted or rotated key keeps resolving. Suspension is checked in the database on every charge.
_KEY_CACHE_TTL_SECONDS = 30.0
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
    row = session.execute(select(Team.id, Team.organization_id).where(Team.key_hash == key_hash)).first()
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


def require_admin(x_admin_key: Annotated[str | None, Header()] = None) -> None:
    if not x_admin_key:
        raise Unauthenticated("missing X-Admin-Key header")
    expected = get_settings().master_key.get_secret_value()
    if not hmac.compare_digest(x_admin_key.encode(), expected.encode()):
        raise Forbidden("invalid admin key")


CurrentTeam = Annotated[TeamPrincipal, Depends(current_team)]
AdminDep = Depends(require_admin)
