"""Per-key cap on calls in flight, shared by every API process through Redis.

Fail-open: when Redis is down the cap is not enforced (the ledger still guarantees that nobody
spends money they do not have), so a cache outage never stops paying customers.
"""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import Depends, Request
from redis.exceptions import RedisError

from .auth import CurrentTeam
from .errors import RateLimited

log = logging.getLogger(__name__)
_SLOT_TTL_SECONDS = 900  # a process killed mid-call cannot hold a slot longer than this
_WARN_EVERY_SECONDS = 30.0  # while Redis is down, say so this often, not on every call


class ConcurrencyLimiter:
    def __init__(self, redis_url: str, limit: int):
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url, max_connections=100, timeout=1, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._redis = aioredis.Redis(connection_pool=pool)
        self._limit = limit
        self._warned_at = float("-inf")

    async def aclose(self) -> None:
        await self._redis.aclose()

    @asynccontextmanager
    async def slot(self, key_hash: str) -> AsyncIterator[None]:
        """Hold one of the key's call slots for the duration of the block, or refuse with 429."""
        name = f"saas:inflight:{key_hash}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, _SLOT_TTL_SECONDS)
                count, _ = await pipe.execute()
        except RedisError as exc:
            if time.monotonic() - self._warned_at >= _WARN_EVERY_SECONDS:
                self._warned_at = time.monotonic()
                log.warning("concurrency cap not enforced while Redis is unavailable: %s", exc)
            yield
            return
        try:
            if count > self._limit:
                raise RateLimited(f"too many calls in flight for this key (limit {self._limit})")
            yield
        finally:
            try:
                await self._redis.decr(name)
            except RedisError:
                pass  # the TTL clears it


async def call_slot(team: CurrentTeam, request: Request) -> AsyncIterator[None]:
    """Dependency: hold a call slot for the key until the response (a stream included) is sent."""
    limiter: ConcurrencyLimiter = request.app.state.limiter
    async with limiter.slot(team.key_hash):
        yield


CallSlot = Depends(call_slot, scope="request")
