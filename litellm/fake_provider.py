"""An OpenAI-compatible fake LLM provider for demos, tests and benchmarks.

It is the only fake in the stack and sits at its outermost edge, behind the real LiteLLM proxy.
Replies are deterministic (a function of the prompt), `usage` looks real, streams end with a usage
chunk, and faults are injected by directives in the last user message:

    [[fake:error=429]]  [[fake:error=500]]  [[fake:error=503]]   HTTP error with an OpenAI error body
    [[fake:timeout]]                                           never answers (until the client gives up)
    [[fake:malformed]]                                         200 with a body that is not JSON
    [[fake:error_body]]                                        200 whose body is an error object
    [[fake:latency=250]]                                       wait 250 ms before answering
    [[fake:words=40]]                                          reply with 40 words
    [[fake:cut_after=3]]                                       stream 3 chunks, then drop the connection
    [[fake:chunk_delay=50]]                                    wait 50 ms between stream chunks
    [[fake:prompt_tokens=5000]]                                report 5000 prompt tokens (a tokenizer
                                                               that counts more than the text suggests)

Like a real model, a reply stops at the request's `max_tokens` and at the model's own output limit
(`FAKE_MAX_OUTPUT_TOKENS`, default 16384), with finish_reason "length"; the prompt's usage counts
the tools and the response schema sent with it.

`FAKE_LATENCY_MS` sets a default latency. `GET /_fake/stats` counts the calls it saw (for tests that
reconcile the books with the provider), `POST /_fake/reset` clears them.

Run: python litellm/fake_provider.py --port 8010
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import time
import uuid
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

DIRECTIVE = re.compile(r"\[\[fake:(\w+)(?:=([^\]]*))?\]\]")
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]
DEFAULT_WORDS = 12

stats: Counter[str] = Counter()


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _directives(messages: list[dict[str, Any]]) -> dict[str, str]:
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    text = _text_of(last_user.get("content")) if last_user else ""
    return {name: value or "" for name, value in DIRECTIVE.findall(text)}


def _prompt_tokens(body: dict[str, Any]) -> int:
    # Roughly what tiktoken gives: ~4 characters a token plus a few per message; tools and a
    # response schema are prompt tokens too.
    messages = body.get("messages") or []
    extras = [body[name] for name in ("tools", "response_format") if body.get(name)]
    return sum(len(_text_of(m.get("content"))) // 4 + 4 for m in messages) + len(json.dumps(extras)) // 4 + 3


def _output_limit(body: dict[str, Any]) -> int:
    """The reply's bound: the request's max_tokens, within the model's own output limit."""
    model_limit = int(os.environ.get("FAKE_MAX_OUTPUT_TOKENS", "16384"))
    asked = body.get("max_completion_tokens") or body.get("max_tokens")
    return min(int(asked), model_limit) if asked is not None else model_limit


def _example_for(schema: dict[str, Any]) -> Any:
    """A value that validates against a (simple) JSON schema."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _example_for(sub) for name, sub in props.items()}
    if kind == "array":
        return [_example_for(schema.get("items", {"type": "string"}))]
    if kind == "integer":
        return 42
    if kind == "number":
        return 4.2
    if kind == "boolean":
        return True
    if isinstance(kind, list):
        return _example_for({**schema, "type": next(k for k in kind if k != "null")})
    if schema.get("format") == "email":
        return "ada@example.com"
    return "example"


def _reply(body: dict[str, Any], directives: dict[str, str]) -> tuple[str, str]:
    """The reply text and its finish_reason."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = fmt.get("json_schema", {}).get("schema", {})
        return json.dumps(_example_for(schema)), "stop"
    if fmt.get("type") == "json_object":
        return json.dumps({"answer": "example"}), "stop"
    seed = hashlib.sha256(json.dumps(body.get("messages", []), sort_keys=True).encode()).digest()
    count = int(directives.get("words") or DEFAULT_WORDS)
    limit = _output_limit(body)
    words = [WORDS[seed[i % len(seed)] % len(WORDS)] for i in range(min(count, limit))]
    if limit < count:
        return " ".join(words), "length"
    return "Hello! " + " ".join(words[1:]), "stop"


def _error(status: int, message: str, kind: str) -> JSONResponse:
    headers = {"retry-after": "1"} if status == 429 else None
    body = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    return JSONResponse(body, status_code=status, headers=headers)


async def chat_completions(request: Request) -> Response:
    body = await request.json()
    messages = body.get("messages") or []
    directives = _directives(messages)
    stats["calls"] += 1
    latency_ms = int(directives.get("latency") or os.environ.get("FAKE_LATENCY_MS", "0"))
    if latency_ms:
        await asyncio.sleep(latency_ms / 1000)
    if "timeout" in directives:
        stats["timeouts"] += 1
        await asyncio.sleep(3600)
    if "error" in directives:
        stats["errors"] += 1
        status = int(directives["error"])
        return _error(status, f"fake provider error {status}", "rate_limit_error" if status == 429 else "server_error")
    if "malformed" in directives:
        stats["errors"] += 1
        return Response("{not json", media_type="application/json")
    if "error_body" in directives:
        stats["errors"] += 1
        return JSONResponse({"error": {"message": "upstream overloaded", "type": "server_error"}})

    text, finish_reason = _reply(body, directives)
    usage = {
        "prompt_tokens": int(directives.get("prompt_tokens") or _prompt_tokens(body)),
        "completion_tokens": max(1, len(text.split())),
    }
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    model = body.get("model", "fake")
    if body.get("stream"):
        stats["streams"] += 1
        include_usage = (body.get("stream_options") or {}).get("include_usage", False)
        cut_after = int(directives["cut_after"]) if "cut_after" in directives else None
        delay = int(directives.get("chunk_delay") or 0) / 1000
        return StreamingResponse(
            _stream(completion_id, model, text, finish_reason, usage if include_usage else None, cut_after, delay),
            media_type="text/event-stream",
        )
    stats["completions"] += 1
    stats["prompt_tokens"] += usage["prompt_tokens"]
    stats["completion_tokens"] += usage["completion_tokens"]
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": usage,
        }
    )


async def _stream(completion_id, model, text, finish_reason, usage, cut_after, delay):  # type: ignore[no-untyped-def]
    def event(choices: list[dict[str, Any]], **extra: Any) -> str:
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    pieces = text.split(" ")
    yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
    for i, piece in enumerate(pieces):
        if cut_after is not None and i >= cut_after:
            # Let the chunks sent so far arrive before the connection dies, as when a provider fails
            # mid-answer: a reader that gets bytes and the reset in one read may drop the bytes
            # (LiteLLM's aiohttp transport does), which would make "cut after N" timing-dependent.
            await asyncio.sleep(0.05)
            stats["cut_streams"] += 1
            raise ConnectionResetError("fake provider cut the stream")
        delta = piece if i == 0 else " " + piece
        yield event([{"index": 0, "delta": {"content": delta}, "finish_reason": None}])
        await asyncio.sleep(delay)
    yield event([{"index": 0, "delta": {}, "finish_reason": finish_reason}])
    if usage is not None:
        yield event([], usage=usage)
    stats["completions"] += 1
    yield "data: [DONE]\n\n"


async def list_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "fake"}]})


async def get_stats(request: Request) -> Response:
    return JSONResponse(dict(stats))


async def reset_stats(request: Request) -> Response:
    stats.clear()
    return JSONResponse({})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/models", list_models),
        Route("/_fake/stats", get_stats),
        Route("/_fake/reset", reset_stats, methods=["POST"]),
        Route("/health", health),
    ]
)


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKE_PROVIDER_PORT", "8010")))
    args = parser.parse_args()
    # Keep idle connections longer than LiteLLM's HTTP client does, as real providers do.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, timeout_keep_alive=75)
