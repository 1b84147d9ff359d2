"""Domain errors and their one mapping to HTTP.

Every error body has one shape, which is also OpenAI's, so the official SDK raises its usual
exceptions: {"error": {"type", "message", "param", "code"}}. That includes errors nothing here
expected: they are a 500 with a request id (see UnexpectedErrors), never a plain-text page.
"""

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.type, self.message, self.param, self.status_code)


class InvalidRequest(DomainError):
    status_code = 400


class Unauthenticated(DomainError):
    status_code = 401
    type = "authentication_error"


class InsufficientCredits(DomainError):
    status_code = 402
    type = "insufficient_credits"


class Forbidden(DomainError):
    status_code = 403
    type = "permission_denied"


class TeamSuspended(Forbidden):
    type = "team_suspended"


class NotFound(DomainError):
    status_code = 404
    type = "not_found"


class Conflict(DomainError):
    status_code = 409
    type = "conflict"


class IdempotencyInProgress(Conflict):
    type = "idempotency_in_progress"

    def __init__(self, message: str):
        super().__init__(message, param="Idempotency-Key", headers={"Retry-After": "1"})


class UnprocessableEntity(DomainError):
    status_code = 422
    type = "invalid_request_error"


class RateLimited(DomainError):
    status_code = 429
    type = "rate_limit_error"

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class UpstreamError(DomainError):
    status_code = 502
    type = "upstream_error"


class ServiceUnavailable(DomainError):
    status_code = 503
    type = "service_unavailable"

    def __init__(self, message: str, retry_after: int = 2):
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class UpstreamTimeout(DomainError):
    status_code = 504
    type = "upstream_timeout"


class ErrorDetail(BaseModel):
    type: str
    message: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """The one error shape (OpenAI's): every non-2xx response has it."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Bad request",
        401: "Missing or invalid key",
        402: "Insufficient credits",
        403: "Forbidden: wrong key, suspended team, or alias outside the team's groups",
        404: "Not found (or another tenant's)",
        409: "Conflict: ended job, duplicate, or idempotent request in flight",
        413: "Request body too large",
        422: "Invalid request: the message names the field",
        429: "Rate limited; see Retry-After",
        500: "Unexpected error; quote the X-Request-Id when reporting it",
        502: "The model provider failed",
        503: "Temporarily unavailable; see Retry-After",
        504: "The model provider timed out",
    }.items()
}


def error_body(kind: str, message: str, param: str | None = None, code: int | str | None = None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "param": param, "code": str(code) if code else None}}


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
        return JSONResponse(error_body("invalid_request_error", message, param, 422), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {401: "authentication_error", 403: "permission_denied", 404: "not_found"}.get(
            exc.status_code, "invalid_request_error"
        )
        return JSONResponse(
            error_body(kind, str(exc.detail), None, exc.status_code),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


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
    return JSONResponse(
        error_body("api_error", message, None, 500), status_code=500, headers={"X-Request-Id": request_id}
    )


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
