"""Domain errors and their one mapping to HTTP.

Every error body has one shape, which is also OpenAI's, so the official SDK raises its usual
exceptions: {"error": {"type", "message", "param", "code"}}. `code` is stable and names the case
(ERROR_CODES lists them all, as does docs/api.md); `type` is OpenAI's broader family. That includes
errors nothing here expected: they are a 500 with a request id (see UnexpectedErrors), never a
plain-text page.
"""

import logging
import secrets
from typing import Any, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An error a client can act on. `code` is stable (clients switch on it, docs/api.md lists it);
    `type` is OpenAI's broader family, so the official SDKs raise their usual exceptions."""

    status_code = 400
    type = "invalid_request_error"
    code = "invalid_request"

    def __init__(self, message: str, *, param: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message, "param": self.param, "code": self.code}}


class InvalidRequest(DomainError):
    status_code = 400


class Unauthenticated(DomainError):
    status_code = 401
    type = "authentication_error"
    code = "authentication_failed"


class InsufficientCredits(DomainError):
    status_code = 402
    type = "insufficient_credits"
    code = "insufficient_credits"


class Forbidden(DomainError):
    status_code = 403
    type = "permission_denied"
    code = "permission_denied"


class TeamSuspended(Forbidden):
    type = "team_suspended"
    code = "team_suspended"


class ModelNotAllowed(Forbidden):
    """The alias exists but is outside the team's access groups (or its key may not use the model)."""

    code = "model_not_allowed"


class NotFound(DomainError):
    status_code = 404
    type = "not_found"
    code = "not_found"


class Conflict(DomainError):
    """The 409s. Raise a subclass: each case has a code of its own."""

    status_code = 409
    type = "conflict"
    code = "conflict"


class AlreadyExists(Conflict):
    """A create whose id is taken by a different resource (an identical repeat is not an error)."""

    code = "already_exists"


class JobNotOpen(Conflict):
    """A call or a completion on a job that is completed or failed."""

    code = "job_not_open"


class CallsInFlight(Conflict):
    """A job completed while some of its calls are still running."""

    code = "calls_in_flight"


class IdempotencyInProgress(Conflict):
    type = "idempotency_in_progress"
    code = "idempotency_in_progress"

    def __init__(self, message: str):
        super().__init__(message, param="Idempotency-Key", headers={"Retry-After": "1"})


class MethodNotAllowed(DomainError):
    status_code = 405
    code = "method_not_allowed"


class RequestTooLarge(DomainError):
    status_code = 413
    code = "request_too_large"


class UnprocessableEntity(DomainError):
    status_code = 422
    type = "invalid_request_error"


class IdempotencyConflict(UnprocessableEntity):
    """An Idempotency-Key reused with a different request."""

    code = "idempotency_conflict"


class RateLimited(DomainError):
    status_code = 429
    type = "rate_limit_error"
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class InternalError(DomainError):
    """A bug: sent by UnexpectedErrors with a request id, never raised on purpose."""

    status_code = 500
    type = "api_error"
    code = "internal_error"


class UpstreamError(DomainError):
    status_code = 502
    type = "upstream_error"
    code = "provider_error"


class ServiceUnavailable(DomainError):
    status_code = 503
    type = "service_unavailable"
    code = "service_unavailable"

    def __init__(self, message: str, retry_after: int = 2):
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class UpstreamTimeout(DomainError):
    status_code = 504
    type = "upstream_timeout"
    code = "provider_timeout"


class ErrorCode(NamedTuple):
    code: str
    status: int
    meaning: str


# Every `error.code` the API sends, with its status: one class above each (tests check that, and
# that docs/api.md's table lists the same rows). A code keeps its meaning for good: a new case gets
# a new code. `invalid_request` is the one code with two statuses, kept from before codes existed.
ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode("invalid_request", 400, "the provider rejected the request, or the body could not be parsed"),
    ErrorCode("authentication_failed", 401, "missing, unknown or revoked API key; missing or expired admin credential"),
    ErrorCode("insufficient_credits", 402, "not enough credits for the job or the call"),
    ErrorCode("permission_denied", 403, "the key may not do this (another team's id, a wrong admin key)"),
    ErrorCode("team_suspended", 403, "the team is suspended"),
    ErrorCode("model_not_allowed", 403, "the model alias is outside the team's access groups"),
    ErrorCode("not_found", 404, "no such resource (or another team's), or no such route"),
    ErrorCode("method_not_allowed", 405, "the route does not take this HTTP method"),
    ErrorCode("already_exists", 409, "an id taken by a different resource"),
    ErrorCode("job_not_open", 409, "a call or completion on a job that is completed or failed"),
    ErrorCode("calls_in_flight", 409, "completing a job whose calls are still running"),
    ErrorCode("idempotency_in_progress", 409, "a request with this Idempotency-Key is still running"),
    ErrorCode("request_too_large", 413, "the body is larger than MAX_BODY_BYTES"),
    ErrorCode("invalid_request", 422, "a value fails validation (`param` names it)"),
    ErrorCode("idempotency_conflict", 422, "an Idempotency-Key reused with a different request"),
    ErrorCode("rate_limited", 429, "too many requests; see Retry-After"),
    ErrorCode("internal_error", 500, "an unexpected error; quote the X-Request-Id when reporting it"),
    ErrorCode("provider_error", 502, "the model provider failed"),
    ErrorCode("service_unavailable", 503, "temporarily unavailable, nothing was done; see Retry-After"),
    ErrorCode("provider_timeout", 504, "the model provider did not answer in time"),
)


class ErrorDetail(BaseModel):
    type: str
    message: str
    param: str | None = None
    code: str = Field(description="Stable: one of the codes docs/api.md lists; switch on it, not on `message`.")


class ErrorResponse(BaseModel):
    """The one error shape (OpenAI's): every non-2xx response has it."""

    error: ErrorDetail


def _describe(status: int) -> str:
    return "; ".join(f"`{row.code}`: {row.meaning}" for row in ERROR_CODES if row.status == status)


# The error responses of every operation (a 405 answers a method that no operation has).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": _describe(status)}
    for status in sorted({row.status for row in ERROR_CODES} - {MethodNotAllowed.status_code})
}

# Errors Starlette and FastAPI raise themselves (no route, wrong method, unparsable body), by status.
_HTTP_ERRORS: dict[int, type[DomainError]] = {
    400: InvalidRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: RequestTooLarge,
    422: UnprocessableEntity,
}


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    param = ".".join(loc) or None
    message = first.get("msg", "invalid request")
    return (f"{param}: {message}" if param else message), param


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the one shape: domain errors, validation, HTTP errors, and (as Starlette's
    last resort, for an error in a middleware outside UnexpectedErrors) anything else."""

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _unexpected_response(_log_unexpected(request.scope, exc))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        return JSONResponse(UnprocessableEntity(message, param=param).body(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        fallback = InternalError if exc.status_code >= 500 else InvalidRequest
        error = _HTTP_ERRORS.get(exc.status_code, fallback)(str(exc.detail))
        return JSONResponse(error.body(), status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _log_unexpected(scope: Scope, exc: BaseException) -> str:
    """Log an unmapped exception with its traceback under a new request id, and return the id."""
    request_id = "req_" + secrets.token_hex(12)
    log.error(
        "unexpected error, request id %s: %s %s", request_id, scope.get("method"), scope.get("path"), exc_info=exc
    )
    return request_id


def _unexpected_response(request_id: str) -> JSONResponse:
    # The exception's text stays in the log: it may name tables, models or values.
    message = f"an unexpected error occurred; quote request id {request_id} when you report it"
    return JSONResponse(InternalError(message).body(), status_code=500, headers={"X-Request-Id": request_id})


class UnexpectedErrors:
    """The last resort for exceptions no handler maps: logged with their traceback under a request id,
    answered with the one error shape, status 500 and the id in `X-Request-Id`.

    Pure ASGI, so the call path pays one try block. Unlike Starlette's own last resort it does not
    re-raise, so the server keeps the connection open for the client's next request. A response
    already started (a stream) can only be cut short; the client sees it end early.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request_id = _log_unexpected(scope, exc)
            if not started:
                await _unexpected_response(request_id)(scope, receive, send)
