"""When a failed request may be sent again, and how long to wait first.

Only requests that cannot do the work twice are retried: GETs, and POSTs that carry an
Idempotency-Key (the server runs each key's work at most once and replays its answer).
"""

from __future__ import annotations

import random
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


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: about `backoff_base * 2**attempt` seconds, at most
    `backoff_max`; a server's `Retry-After` is honoured instead, up to `max_retry_after`."""

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2**attempt) * random.uniform(0.5, 1.0))

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
