"""Input limits: the body size cap (enforced before a body is read into memory) and input that
cannot be stored (NUL, unpaired surrogates, NaN and Infinity). Metadata has its own: metadata.py."""

import json
import re
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import RequestTooLarge, UnprocessableEntity


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
    error = RequestTooLarge(f"request body exceeds {max_bytes} bytes")
    body = json.dumps(error.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


def _worth_parsing(body: bytes) -> bool:
    """An escaped NUL or half of a UTF-16 surrogate pair, or a NaN/Infinity, which Python's JSON
    parser accepts and no JSON store or provider does. (Three plain scans: one regex alternation
    would be ten times slower on a large body.)"""
    return b"NaN" in body or b"Infinity" in body or _UNSTORABLE_ESCAPE.search(body) is not None


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(name)


def _unstorable(value: Any) -> bool:
    """Text PostgreSQL cannot store: NUL characters and unpaired UTF-16 surrogates. Iterative, so no
    nesting depth can exhaust the stack."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, dict):
            pending += node.keys()
            pending += node.values()
        elif isinstance(node, list):
            pending += node
    return False


async def reject_unstorable_input(request: Request) -> None:
    """JSON may escape a NUL or half of a UTF-16 surrogate pair (`"\\u0000"`, `"\\ud800"`), Python's
    parser accepts `NaN` and `Infinity`, and a URL may carry `%00`: no UTF-8 store, JSON column or
    provider accepts them, so refuse them up front (422) rather than fail later. The body is parsed
    for this only when it has such a token at all, so ordinary requests pay one byte scan."""
    if any("\x00" in str(value) for value in (*request.path_params.values(), *request.query_params.values())):
        raise UnprocessableEntity("the URL contains a NUL character, which cannot be stored")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    body = await request.body()
    if not _worth_parsing(body):
        return
    try:
        parsed = json.loads(body, parse_constant=_refuse_constant)
    except _NotFinite as exc:
        raise UnprocessableEntity(f"the body contains {exc}, which is not valid JSON: numbers must be finite") from None
    except (ValueError, RecursionError):
        return  # FastAPI reports malformed JSON itself
    if _unstorable(parsed):
        raise UnprocessableEntity("the body contains text that cannot be stored (a NUL or an unpaired surrogate)")
