"""Typed exceptions for the server's errors, chosen by the error's stable code.

Every server error body is `{"error": {"type", "message", "param", "code"}}`; `error_from_body` maps
it to the class for its `code` (docs/api.md lists them), keeping the server's message, so callers
catch what they mean (`except InsufficientCreditsError`, `except JobNotOpenError`) instead of
inspecting status codes. The more specific classes derive from the broader ones
(`JobNotOpenError` is a `ConflictError`), so an `except` on the broad one catches them too.
"""

from __future__ import annotations

import json
from typing import Any


class SaasLiteLLMError(Exception):
    """Base of every error this client raises.

    `code` is the server's stable error code (`"job_not_open"`, `"model_not_allowed"`…; None for
    errors that never reached the server); `status` is the HTTP status (None for errors that never
    had one, such as a dropped connection); `type`, `message` and `param` are the server's own
    fields; `retry_after` is the server's `Retry-After` in seconds, when it sent one.
    """

    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
        replayed: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status if status is not None else self.default_status
        self.type = type
        self.param = param
        self.code = code
        self.retry_after = retry_after
        self.replayed = replayed  # the server replayed a stored response for this Idempotency-Key

    def __str__(self) -> str:
        where = f" (param: {self.param})" if self.param else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{self.type or 'error'}: {self.message}{where}"


class AuthenticationError(SaasLiteLLMError):
    """401: the virtual key is missing or unknown."""

    default_status = 401


class InsufficientCreditsError(SaasLiteLLMError):
    """402: the team has no credits left for this work."""

    default_status = 402


class PermissionDeniedError(SaasLiteLLMError):
    """403: the key may not do this (another team's id, a model outside the team's groups...)."""

    default_status = 403


class TeamSuspendedError(PermissionDeniedError):
    """403 `team_suspended`: the team is suspended; no new work until an admin resumes it."""


class ModelNotAllowedError(PermissionDeniedError):
    """403 `model_not_allowed`: the model alias is outside the team's access groups."""


class NotFoundError(SaasLiteLLMError):
    """404: no such job, team or model alias (or it belongs to another team)."""

    default_status = 404


class ConflictError(SaasLiteLLMError):
    """409: the job has ended, has calls in flight, or an identical request is still running."""

    default_status = 409

    @property
    def idempotency_in_progress(self) -> bool:
        """True when a request with the same Idempotency-Key is still being processed."""
        return self.code == "idempotency_in_progress"


class JobNotOpenError(ConflictError):
    """409 `job_not_open`: the job is completed or failed; it takes no more calls or completion."""


class CallsInFlightError(ConflictError):
    """409 `calls_in_flight`: the job still has calls running; complete it when they finish."""


class IdempotencyInProgressError(ConflictError):
    """409 `idempotency_in_progress`: a request with this Idempotency-Key is still running."""


class InvalidRequestError(SaasLiteLLMError):
    """400/413/422: the request is malformed; `param` names the offending field."""

    default_status = 400


class IdempotencyConflictError(InvalidRequestError):
    """422 `idempotency_conflict`: the Idempotency-Key was used before with a different request."""

    default_status = 422


class RateLimitError(SaasLiteLLMError):
    """429: too many requests; `retry_after` says when to try again."""

    default_status = 429


class UpstreamError(SaasLiteLLMError):
    """502: the model provider failed (also raised mid-stream)."""

    default_status = 502


class ServiceUnavailableError(SaasLiteLLMError):
    """503: the service could not do the work right now; nothing was done. Safe to retry."""

    default_status = 503


class UpstreamTimeoutError(SaasLiteLLMError):
    """504: the model provider did not answer in time."""

    default_status = 504


class APIConnectionError(SaasLiteLLMError):
    """The request never got an answer: connection refused or dropped, or the client timed out."""


class StructuredOutputError(SaasLiteLLMError):
    """The model's reply did not validate against the requested response model."""

    def __init__(self, message: str, *, content: str | None) -> None:
        super().__init__(message, type="structured_output_error")
        self.content = content


# The server's codes (docs/api.md); a code missing here (a newer server's) maps by status instead.
_BY_CODE: dict[str, type[SaasLiteLLMError]] = {
    "invalid_request": InvalidRequestError,
    "authentication_failed": AuthenticationError,
    "insufficient_credits": InsufficientCreditsError,
    "permission_denied": PermissionDeniedError,
    "team_suspended": TeamSuspendedError,
    "model_not_allowed": ModelNotAllowedError,
    "not_found": NotFoundError,
    "method_not_allowed": InvalidRequestError,
    "already_exists": ConflictError,
    "job_not_open": JobNotOpenError,
    "calls_in_flight": CallsInFlightError,
    "idempotency_in_progress": IdempotencyInProgressError,
    "request_too_large": InvalidRequestError,
    "idempotency_conflict": IdempotencyConflictError,
    "rate_limited": RateLimitError,
    "internal_error": SaasLiteLLMError,
    "provider_error": UpstreamError,
    "service_unavailable": ServiceUnavailableError,
    "provider_timeout": UpstreamTimeoutError,
}

_BY_STATUS: dict[int, type[SaasLiteLLMError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: InvalidRequestError,
    409: ConflictError,
    413: InvalidRequestError,
    422: InvalidRequestError,
    429: RateLimitError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: UpstreamTimeoutError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (the delta-seconds form; HTTP dates are ignored)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def error_from_body(
    body: Any, *, status: int | None = None, retry_after: float | None = None, replayed: bool = False
) -> SaasLiteLLMError:
    """The exception for a server error body. `status` is None for a mid-stream `event: error`: the
    exception then has its class's status (502 for an `UpstreamError`)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"message": str(body)[:500] if body else "no error message"}
    kind = error.get("type")
    code = error.get("code")
    cls = _BY_CODE.get(str(code)) or _BY_STATUS.get(status or 0, SaasLiteLLMError)
    return cls(
        str(error.get("message") or "no error message"),
        status=status,
        type=str(kind) if kind else None,
        param=error.get("param"),
        code=str(code) if code is not None else None,
        retry_after=retry_after,
        replayed=replayed,
    )


def error_from_response(status: int, content: bytes, headers: Any) -> SaasLiteLLMError:
    """The exception for an HTTP error response (any body: a proxy in front may send HTML)."""
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = content.decode(errors="replace").strip() or f"HTTP {status}"
    return error_from_body(
        body,
        status=status,
        retry_after=parse_retry_after(headers.get("retry-after")),
        replayed=headers.get("idempotent-replayed") == "true",
    )
