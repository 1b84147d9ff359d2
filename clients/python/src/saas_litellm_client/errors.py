"""Typed exceptions, one per error type the server sends.

Every server error body is `{"error": {"type", "message", "param", "code"}}`; `error_from_body` maps
it to the matching class here, keeping the server's message, so callers catch what they mean
(`except InsufficientCreditsError`) instead of inspecting status codes.
"""

from __future__ import annotations

import json
from typing import Any


class SaasLiteLLMError(Exception):
    """Base of every error this client raises.

    `status` is the HTTP status (None for errors that never had one, such as a dropped
    connection); `type`, `message`, `param` and `code` are the server's own fields; `retry_after`
    is the server's `Retry-After` in seconds, when it sent one.
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
    """403: the team is suspended; no new work until an admin resumes it."""


class NotFoundError(SaasLiteLLMError):
    """404: no such job, team or model alias (or it belongs to another team)."""

    default_status = 404


class ConflictError(SaasLiteLLMError):
    """409: the job has ended, has calls in flight, or an identical request is still running."""

    default_status = 409

    @property
    def idempotency_in_progress(self) -> bool:
        """True when a request with the same Idempotency-Key is still being processed."""
        # The server gives this case no code of its own; its message is the only signal.
        return "idempotency-key" in self.message.lower()


class InvalidRequestError(SaasLiteLLMError):
    """400/422: the request is malformed; `param` names the offending field."""

    default_status = 400


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


_BY_TYPE: dict[str, type[SaasLiteLLMError]] = {
    "authentication_error": AuthenticationError,
    "insufficient_credits": InsufficientCreditsError,
    "team_suspended": TeamSuspendedError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "invalid_request_error": InvalidRequestError,
    "rate_limit_error": RateLimitError,
    "upstream_error": UpstreamError,
    "service_unavailable": ServiceUnavailableError,
    "upstream_timeout": UpstreamTimeoutError,
}

_BY_STATUS: dict[int, type[SaasLiteLLMError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
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
    """The exception for a server error body; `status` is None for a mid-stream `event: error`."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"message": str(body)[:500] if body else "no error message"}
    kind = error.get("type")
    code = error.get("code")
    if status is None and isinstance(code, str) and code.isdigit():
        status = int(code)  # a mid-stream error carries its would-be status as the code
    cls = _BY_TYPE.get(str(kind)) or _BY_STATUS.get(status or 0, SaasLiteLLMError)
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
