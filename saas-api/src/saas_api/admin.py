"""Admin session and operations.

Admin panel login: trade the master key for a session token that expires; logout revokes it.

The panel keeps only the token (in sessionStorage), never the master key.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete

from . import sweeper
from .admin_throttle import verify_admin_attempt
from .auth import AdminDep, hash_key, is_master_key
from .config import get_settings
from .db import SessionDep
from .errors import Forbidden
from .models import AdminSession

router = APIRouter(prefix="/api/admin", tags=["admin session"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    master_key: str


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


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


@router.post("/sweep", dependencies=[AdminDep])
async def sweep(request: Request) -> dict[str, int]:
    """Run one pass of the stale-work sweeper now (it also runs on a timer in every API process)."""
    return await sweeper.sweep_once(request.app.state.proxy)


@router.get("/session", dependencies=[AdminDep])
def whoami() -> dict[str, str]:
    """200 while the session (or key) is valid; the panel uses it to check its login."""
    return {"role": "admin"}
