"""Input limits: the body size cap (enforced before a body is read into memory) and text that
cannot be stored."""

import json
import re
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import UnprocessableEntity, error_body


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        error_body("invalid_request_error", f"request body exceeds {max_bytes} bytes", None, 413)
    ).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


def _unstorable(value: Any) -> bool:
    """Text PostgreSQL cannot store: NUL characters and unpaired UTF-16 surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


async def reject_invalid_unicode(request: Request) -> None:
    """JSON may escape a NUL or half of a UTF-16 surrogate pair (`"\\u0000"`, `"\\ud800"`), and a URL
    may carry `%00`, which no UTF-8 store or provider accepts: refuse them up front (422) rather than
    fail later. The body is parsed for this only when it has such an escape at all, so ordinary
    requests pay one byte scan."""
    if any("\x00" in str(value) for value in (*request.path_params.values(), *request.query_params.values())):
        raise UnprocessableEntity("the URL contains a NUL character, which cannot be stored")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    body = await request.body()
    if not _UNSTORABLE_ESCAPE.search(body):
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return  # FastAPI reports malformed JSON itself
    if _unstorable(parsed):
        raise UnprocessableEntity("the body contains text that cannot be stored (a NUL or an unpaired surrogate)")
