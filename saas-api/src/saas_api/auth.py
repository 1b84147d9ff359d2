"""The one authentication path: team API keys (Bearer) and the admin master key (X-Admin-Key).

A team's API key is ours (tenancy/keys.py): it finds the team, whose LiteLLM virtual key, kept
encrypted, is what goes to the proxy. Both are cached together, so a call decrypts nothing and
reads nothing for its key while the entry is fresh.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import vault
from .admin_throttle import verify_admin_attempt
from .config import get_settings
from .db import new_session, run_in_transaction
from .errors import Forbidden, ServiceUnavailable, Unauthenticated
from .models import AdminSession, LiteLLMKey, Team, TeamKey

# API key hash -> (team, expiry). The TTL bounds how long another process keeps accepting a revoked
# key (the process that revokes it forgets it at once). Suspension is checked in the database on
# every charge, and the team's LiteLLM key is blocked at once.
_KEY_CACHE_TTL_SECONDS = 5.0
_key_cache: dict[str, tuple["TeamPrincipal", float]] = {}


def hash_key(key: str) -> str:
    """sha256 hex of a key: how we store API keys (never the key itself), and how LiteLLM names its keys."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class TeamPrincipal:
    team_id: str
    organization_id: str
    key_hash: str  # of the API key the request came with: the per-key cap on calls in flight counts by it
    virtual_key: str  # the team's LiteLLM key, forwarded to the proxy, which applies its models and limits


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing Authorization header; send 'Authorization: Bearer <API key>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <API key>'")
    return token.strip()


def _team_for_hash(session: Session, key_hash: str) -> tuple[str, str, str | None, bool] | None:
    """(team, organization, the team's encrypted LiteLLM key once minted, whether this key is one from
    before 0006 that the proxy still knows) for an active API key."""
    row = session.execute(
        select(Team.id, Team.organization_id, LiteLLMKey.encrypted_key, TeamKey.in_litellm)
        .join(TeamKey, TeamKey.team_id == Team.id)
        .outerjoin(LiteLLMKey, (LiteLLMKey.team_id == Team.id) & LiteLLMKey.minted_at.is_not(None))
        .where(TeamKey.key_hash == key_hash, TeamKey.revoked_at.is_(None))
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


async def current_team(authorization: Annotated[str | None, Header()] = None) -> TeamPrincipal:
    key = _bearer(authorization)
    key_hash = hash_key(key)
    cached = _key_cache.get(key_hash)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    # The lookup is by hash through a unique index: no timing difference reveals a partial match.
    found = await run_in_transaction(_team_for_hash, key_hash)
    if found is None:
        raise Unauthenticated("invalid API key")
    team_id, organization_id, encrypted_key, in_litellm = found
    if encrypted_key is None:
        if not in_litellm:
            raise ServiceUnavailable("this team's keys are being set up; retry shortly")
        # A team from before 0006 whose own LiteLLM key the key migration has not minted yet: its
        # key is still a LiteLLM key, so it goes out as it is, uncached, until the switch.
        return TeamPrincipal(team_id=team_id, organization_id=organization_id, key_hash=key_hash, virtual_key=key)
    principal = TeamPrincipal(
        team_id=team_id, organization_id=organization_id, key_hash=key_hash, virtual_key=vault.decrypt(encrypted_key)
    )
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


def _admin_session_valid(token: str) -> bool:
    with new_session() as session:
        return _session_valid(session, hash_key(token))


def require_admin(
    request: Request,
    x_admin_key: Annotated[str | None, Header()] = None,
    x_admin_session: Annotated[str | None, Header()] = None,
) -> None:
    """The master key (X-Admin-Key) or an admin panel session (X-Admin-Session); a client that
    fails too often is locked out for a while (admin_throttle.py)."""
    if x_admin_key:
        if not verify_admin_attempt(request, lambda: is_master_key(x_admin_key)):
            raise Forbidden("invalid admin key")
        return
    if x_admin_session:
        if not verify_admin_attempt(request, lambda: _admin_session_valid(x_admin_session)):
            raise Unauthenticated("the admin session has expired; log in again")
        return
    raise Unauthenticated("missing X-Admin-Key header")


CurrentTeam = Annotated[TeamPrincipal, Depends(current_team)]
AdminDep = Depends(require_admin)
