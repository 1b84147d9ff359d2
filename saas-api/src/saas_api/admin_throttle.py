"""Brute-force guard for the admin credentials: X-Admin-Key, X-Admin-Session and the panel login.

Failed attempts are counted per client address in Redis, so every API process adds to one count.
After `admin_auth_max_failures` failures within `admin_auth_window_seconds` (from the first of them)
the client is locked out: every admin authentication from it, the right key included, gets 429 until
the window ends. Locking the client rather than the key means a guess made during the lockout tells
nothing, and an attacker elsewhere cannot lock the real admin out.

The client address is the one uvicorn reports: the TCP peer, or the X-Forwarded-For address when
the peer is a trusted proxy (uvicorn's FORWARDED_ALLOW_IPS, 127.0.0.1 by default). Counts are kept
per deployment (its database name), so deployments sharing one Redis do not lock each other out.

Fail-open, like the concurrency cap: while Redis is down nothing is counted (a warning says so) and
the key comparison alone decides.
"""

import logging
import time
from collections.abc import Callable
from functools import lru_cache

import redis
from fastapi import Request
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from .config import get_settings
from .errors import RateLimited

log = logging.getLogger(__name__)
_WARN_EVERY_SECONDS = 30.0  # while Redis is down, say so this often, not on every attempt


class AdminThrottle:
    def __init__(self, redis_url: str, namespace: str, max_failures: int, window_seconds: int):
        # Synchronous: the admin dependencies run in the thread pool. Short timeouts bound how much
        # a Redis outage slows an admin request before the guard fails open.
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"saas:{namespace}:admin-auth-failures:"
        self._max_failures = max_failures
        self._window_seconds = window_seconds
        self._warned_at = float("-inf")

    def ensure_not_locked_out(self, client: str) -> None:
        """Raise 429 (with Retry-After: the rest of the window) while the client is locked out."""
        name = self._prefix + client
        try:
            failures = self._redis.get(name)
            if failures is None or int(failures) < self._max_failures:
                return
            retry_after = max(int(self._redis.ttl(name)), 1)  # type: ignore[arg-type]
        except RedisError as exc:
            self._warn(exc)
            return
        raise RateLimited(
            "too many failed admin authentications from this client; try again later", retry_after=retry_after
        )

    def record_failure(self, client: str) -> None:
        name = self._prefix + client
        try:
            # The window starts with the first failure (SET NX) and is not extended by later ones.
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(name, 0, ex=self._window_seconds, nx=True)
                pipe.incr(name)
                pipe.ttl(name)
                ttl = pipe.execute()[-1]
            if ttl < 0:  # the count outlived its window between SET and INCR: never lock out for good
                self._redis.expire(name, self._window_seconds)
        except RedisError as exc:
            self._warn(exc)

    def _warn(self, exc: RedisError) -> None:
        if time.monotonic() - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = time.monotonic()
            log.warning("admin brute-force guard not enforced while Redis is unavailable: %s", exc)


@lru_cache
def admin_throttle() -> AdminThrottle:
    settings = get_settings()
    return AdminThrottle(
        settings.redis_url,
        make_url(settings.database_url).database or "saas",
        settings.admin_auth_max_failures,
        settings.admin_auth_window_seconds,
    )


def verify_admin_attempt(request: Request, verify: Callable[[], bool]) -> bool:
    """One admin authentication attempt from the request's client: 429 while the client is locked
    out (the credential is not even checked), else `verify()`, whose failure is counted."""
    client = request.client.host if request.client else "unknown"
    throttle = admin_throttle()
    throttle.ensure_not_locked_out(client)
    if verify():
        return True
    throttle.record_failure(client)
    return False
