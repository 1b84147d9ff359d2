"""Admin session and operations.

Admin panel login: trade the master key for a session token that expires; logout revokes it.

The panel keeps only the token (in sessionStorage), never the master key.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from . import sweeper
from .admin_throttle import verify_admin_attempt
from .auth import AdminDep, hash_key, is_master_key
from .config import get_settings
from .db import SessionDep
from .errors import Forbidden
from .litellm_proxy import proxy_of
from .models import AdminSession

router = APIRouter(prefix="/api/admin", tags=["admin session"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    master_key: str


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


class WhoAmI(BaseModel):
    role: str


class SweepResult(BaseModel):
    """What one sweeper pass finished."""

    calls: int = Field(description="stale calls looked at (finished from LiteLLM's spend log, or failed)")
    jobs: int = Field(description="jobs failed for inactivity (their holds released)")
    holds: int = Field(description="orphaned holds released")
    idempotency_keys: int = Field(description="expired idempotency keys removed")
    days_rolled_up: int = Field(description="days of calls summed into the daily usage tables")


@router.post("/login", response_model=SessionOut)
def login(data: LoginRequest, session: SessionDep, request: Request) -> SessionOut:
    """Trade the master key for a session token. Failures count towards the client's lockout
    (admin_throttle.py), as do those of X-Admin-Key and X-Admin-Session."""
    if not verify_admin_attempt(request, lambda: is_master_key(data.master_key)):
        raise Forbidden("invalid admin key")
    token = "sess-" + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(seconds=get_settings().admin_session_ttl_seconds)
    session.execute(delete(AdminSession).where(AdminSession.expires_at < datetime.now(UTC)))
    session.add(AdminSession(token_hash=hash_key(token), expires_at=expires_at))
    return SessionOut(token=token, expires_at=expires_at)


@router.post("/logout", status_code=204, dependencies=[AdminDep])
def logout(session: SessionDep, x_admin_session: Annotated[str | None, Header()] = None) -> None:
    if x_admin_session:
        session.execute(delete(AdminSession).where(AdminSession.token_hash == hash_key(x_admin_session)))


@router.post("/sweep", dependencies=[AdminDep], response_model=SweepResult)
async def sweep(request: Request) -> SweepResult:
    """Run one pass of the stale-work sweeper now (it also runs on a timer in every API process)."""
    return SweepResult(**await sweeper.sweep_once(proxy_of(request)))


@router.get("/session", dependencies=[AdminDep], response_model=WhoAmI)
def whoami() -> WhoAmI:
    """200 while the session (or key) is valid; the panel uses it to check its login."""
    return WhoAmI(role="admin")
