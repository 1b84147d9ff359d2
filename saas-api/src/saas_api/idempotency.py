"""Idempotency keys (`Idempotency-Key` header), Stripe-style.

The first request with a key claims it and its response (success or error) is stored; a retry with
the same key and body replays that response without doing the work again; the same key with a
different body is refused (422, `idempotency_conflict`); a retry while the first is still running
gets 409 (`idempotency_in_progress`). A claim whose request died (process killed) is taken over
once it is older than `STALE_CLAIM_SECONDS`.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .db import run_in_transaction
from .errors import DomainError, IdempotencyConflict, IdempotencyInProgress, UnprocessableEntity
from .models import IdempotencyRecord

STALE_CLAIM_SECONDS = 600
MAX_KEY_LENGTH = 256


def request_hash(route: str, body: Any) -> str:
    canonical = json.dumps({"route": route, "body": jsonable_encoder(body)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(session: Session, team_id: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Claim the key; None if we own it now, else the existing record."""
    claimed = session.execute(
        insert(IdempotencyRecord)
        .values(team_id=team_id, key=key, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key)
    ).first()
    if claimed is not None:
        return None
    record = session.execute(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.team_id == team_id, IdempotencyRecord.key == key)
        .with_for_update()
    ).scalar_one()
    age = datetime.now(UTC) - record.created_at
    stale = age > timedelta(seconds=STALE_CLAIM_SECONDS)
    if record.status_code is None and stale and record.request_hash == digest:
        record.created_at = func.now()  # take over a dead request's claim
        return None
    return record


def _store(session: Session, team_id: str, key: str, status_code: int, body: Any) -> None:
    record = session.get(IdempotencyRecord, (team_id, key))
    if record is not None:
        record.status_code = status_code
        record.response_body = body


def _release(session: Session, team_id: str, key: str) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.team_id == team_id, IdempotencyRecord.key == key))


async def idempotent(
    team_id: str, key: str | None, route: str, body: Any, work: Callable[[], Awaitable[tuple[int, Any]]]
) -> JSONResponse:
    """Run `work` (returning status and JSON body) at most once per (team, key)."""
    if key is None:
        status_code, payload = await work()
        return JSONResponse(jsonable_encoder(payload), status_code=status_code)
    if not key or len(key) > MAX_KEY_LENGTH:
        raise UnprocessableEntity(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", param="Idempotency-Key")
    digest = request_hash(route, body)
    existing = await run_in_transaction(_claim, team_id, key, digest)
    if existing is not None:
        if existing.request_hash != digest:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request", param="Idempotency-Key")
        if existing.status_code is None:
            raise IdempotencyInProgress("a request with this Idempotency-Key is still in progress; retry shortly")
        return JSONResponse(
            existing.response_body, status_code=existing.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        status_code, payload = await work()
    except DomainError as exc:
        if exc.status_code in (429, 503):
            # Nothing ran or was charged (rate limited, or a dependency unreachable): the retry may run.
            await run_in_transaction(_release, team_id, key)
        else:
            await run_in_transaction(_store, team_id, key, exc.status_code, exc.body())
        raise
    except BaseException:
        await run_in_transaction(_release, team_id, key)
        raise
    encoded = jsonable_encoder(payload)
    await run_in_transaction(_store, team_id, key, status_code, encoded)
    return JSONResponse(encoded, status_code=status_code)


def purge_expired(session: Session, ttl_seconds: int) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < func.now() - text(f"interval '{int(ttl_seconds)} seconds'")
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
