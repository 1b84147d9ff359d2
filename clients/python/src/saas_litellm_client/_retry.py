"""When a failed request may be sent again, and how long to wait first.

Only requests that cannot do the work twice are retried: GETs, and POSTs that carry an
Idempotency-Key (the server runs each key's work at most once and replays its answer).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._api import ApiRequest
from .errors import (
    APIConnectionError,
    ConflictError,
    RateLimitError,
    SaasLiteLLMError,
    ServiceUnavailableError,
)

log = logging.getLogger("saas_litellm_client")


@dataclass(frozen=True)
class RetryNotice:
    """A retry about to happen: what failed, how long the client waits, and why that long."""

    method: str
    path: str
    attempt: int  # 1 for the first retry
    wait: float  # seconds
    reason: str  # "Retry-After" when the server said how long, else "backoff"
    error: SaasLiteLLMError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: about `backoff_base * 2**attempt` seconds, at most
    `backoff_max`; a server's `Retry-After` is honoured instead, up to `max_retry_after`."""

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    on_retry: Callable[[RetryNotice], None] | None = None

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2**attempt) * random.uniform(0.5, 1.0))

    def announce(self, request: ApiRequest[Any], attempt: int, error: SaasLiteLLMError, wait: float) -> None:
        """Say that the client waits before a retry: a log line (logger `saas_litellm_client`,
        WARNING when the server's Retry-After sets the wait, else INFO) and `on_retry`, if set."""
        told = getattr(error, "retry_after", None) is not None and isinstance(
            error, RateLimitError | ServiceUnavailableError
        )
        notice = RetryNotice(
            request.method, request.path, attempt + 1, wait, "Retry-After" if told else "backoff", error
        )
        log.log(
            logging.WARNING if told else logging.INFO,
            "retrying %s %s in %.1f s (%s; retry %d of %d) after %s: %s",
            request.method, request.path, wait, notice.reason, notice.attempt, self.max_retries,
            type(error).__name__, error,
        )  # fmt: skip
        if self.on_retry is not None:
            self.on_retry(notice)

    def plan_retry(self, request: ApiRequest[Any], attempt: int, error: SaasLiteLLMError) -> float | None:
        """Seconds to wait before sending `request` again after `error` (attempt 0 is the first
        send), or None to raise the error. May give the request a fresh idempotency key."""
        if attempt >= self.max_retries or not request.retry_safe:
            return None
        if isinstance(error, APIConnectionError):
            return self.backoff(attempt)
        if isinstance(error, ConflictError):
            # Our own generated key in progress can only be our earlier attempt, still running:
            # wait for it, then the server replays its answer.
            if request.key_generated and error.idempotency_in_progress:
                return self.backoff(attempt)
            return None
        if isinstance(error, RateLimitError) and request.idempotency_key is not None and error.code == "rate_limited":
            # The server stores its 429 as the key's answer, so the same key would only replay it.
            # That 429 means this key did no work and charged nothing (work still running would
            # answer 409), so a fresh key is safe; a caller's own key is theirs to manage.
            if not request.key_generated:
                return None
            request.rotate_idempotency_key()
        if isinstance(error, RateLimitError | ServiceUnavailableError):
            wait = error.retry_after if error.retry_after is not None else self.backoff(attempt)
            return wait if wait <= self.max_retry_after else None
        return None
