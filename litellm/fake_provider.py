"""An OpenAI-compatible fake LLM provider for demos, tests and benchmarks.

It is the only fake in the stack and sits at its outermost edge, behind the real LiteLLM proxy. It
speaks chat completions, embeddings and the Responses API; it needs only the standard library,
Starlette and uvicorn, so the demo image copies this one file.

Replies are deterministic (a function of the conversation), `usage` looks real (about 4 characters
a token; tools, response schemas and images count as prompt tokens), streams are OpenAI's SSE, and
faults are injected by directives in the last user message (or in an embedding's input):

    [[fake:error=429]]  [[fake:error=500]]  [[fake:error=503]]   HTTP error with an OpenAI error body
    [[fake:timeout]]                                           never answers (until the client gives up)
    [[fake:malformed]]                                         200 with a body that is not JSON
    [[fake:error_body]]                                        200 whose body is an error object
    [[fake:latency=250]]                                       wait 250 ms before answering
    [[fake:words=40]]                                          reply with 40 words
    [[fake:cut_after=3]]                                       stream 3 chunks after the opening one(s),
                                                               then drop the connection
    [[fake:chunk_delay=50]]                                    wait 50 ms between stream chunks
    [[fake:prompt_tokens=5000]]                                report 5000 prompt tokens (a tokenizer
                                                               that counts more than the text suggests)
    [[fake:tools=all]]  [[fake:tools=a,b]]  [[fake:tools=none]]   which tools a tool call picks (below)

Text: "Hello!", what it remarks on (tool results, images), then seeded words. Like a real model, a
reply (text or tool arguments) stops at the request's `max_tokens` and at the model's own output
limit (`FAKE_MAX_OUTPUT_TOKENS`, default 16384), with finish_reason "length"; the cut reply is a
prefix of the whole one. A `json_schema`/`json_object` response format gets a schema-valid example.

Tool calls (`tools` given, `tool_choice` not "none"): "required" always calls, a named function
calls that function, "auto" (the default) calls when the last message is the user's and answers in
text otherwise, e.g. after the `tool` results, which the text then quotes ("Hello! get_weather
returned {...}."). A call picks the first tool, or the tools a [[fake:tools=...]] directive names
(one call each, only the first when `parallel_tool_calls` is false; "none" makes "auto" answer in
text). Arguments are an example of the tool's `parameters` schema: every property, enums, formats,
bounds, nested objects and arrays, `$ref`/`$defs`, `anyOf`/`oneOf`/`allOf` as Pydantic writes them.
A named function that is not among the tools is a 400, as at OpenAI.

Images: `image_url` parts (and the Responses API's `input_image`) cost 85 prompt tokens at detail
"low" and 765 otherwise (a 1024x1024 image at OpenAI); the reply says "I see N image(s)." for the
images in the last user message.

Embeddings: a unit-length float32 vector per input (string or token array), seeded by its text, so
equal texts get equal vectors and a shorter `dimensions` is a prefix of the full vector,
renormalized (as OpenAI's). The size is `dimensions`, else 3072 for a "-large" model, else
`FAKE_EMBEDDING_DIMENSIONS` (default 1536). `encoding_format` "base64" is little-endian float32.

Responses API (`/v1/responses`): `input` (a string or items: messages with input_text/input_image
parts, function_call and function_call_output), `instructions`, flat function `tools`,
`tool_choice`, `max_output_tokens` and `text.format` answer as the same conversation would in chat
completions; `output` holds a message or function_call items; `status` is "incomplete" at the
output limit; streams send OpenAI's events (`event:` lines) from response.created to
response.completed (or response.incomplete). `previous_response_id` is accepted, not looked up.

`FAKE_LATENCY_MS` sets a default latency. `GET /_fake/stats` counts what it saw (for tests that
reconcile the books with the provider): `calls` on every endpoint, then `completions`, `streams`,
`responses`, `embeddings`, `errors`...; `POST /_fake/reset` clears them.

Run: python litellm/fake_provider.py --port 8010
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import math
import os
import random
import re
import struct
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

DIRECTIVE = re.compile(r"\[\[fake:(\w+)(?:=([^\]]*))?\]\]")
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
         "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"]  # fmt: skip
DEFAULT_WORDS = 12
IMAGE_TOKENS = {"low": 85, "high": 765}
SCHEMA_DEPTH = 6  # past this depth an example keeps only required fields, empty arrays and nulls
ARGUMENT_FRAGMENT = 8  # characters per streamed tool-argument chunk, about two tokens
STRING_FORMATS = {
    "email": "ada@example.com",
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}

stats: Counter[str] = Counter()


class BadRequest(Exception):
    """A request OpenAI would refuse with 400."""


# -- the model: a deterministic turn for a chat-shaped request ----------------------------------


@dataclass
class Turn:
    """What the model says: text, or tool calls ({"id", "name", "arguments"})."""

    text: str | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    tool_calls: list[dict[str, str]] = field(default_factory=list)

    def usage(self) -> dict[str, int]:
        total = self.prompt_tokens + self.completion_tokens
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens, "total_tokens": total}


def _approx_tokens(text: str) -> int:
    return (len(text) + 3) // 4


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _image_details(content: Any) -> list[str]:
    """The detail level of each image part in a message's content."""
    if not isinstance(content, list):
        return []
    details = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            image = part.get("image_url")
            details.append(image.get("detail", "auto") if isinstance(image, dict) else "auto")
    return details


def _directives_in(text: str) -> dict[str, str]:
    return {name: value or "" for name, value in DIRECTIVE.findall(text)}


def _directives(messages: list[dict[str, Any]]) -> dict[str, str]:
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    return _directives_in(_text_of(last_user.get("content")) if last_user else "")


def _prompt_tokens(body: dict[str, Any]) -> int:
    # Roughly what tiktoken gives: ~4 characters a token plus a few per message; tools, a response
    # schema, earlier tool calls and images are prompt tokens too.
    messages = body.get("messages") or []
    extras = [body[name] for name in ("tools", "response_format") if body.get(name)]
    text = sum(len(_text_of(m.get("content"))) // 4 + 4 for m in messages)
    calls = sum(len(json.dumps(m["tool_calls"])) // 4 for m in messages if m.get("tool_calls"))
    images = sum(IMAGE_TOKENS.get(d, IMAGE_TOKENS["high"]) for m in messages for d in _image_details(m.get("content")))
    return text + calls + images + len(json.dumps(extras)) // 4 + 3


def _output_limit(body: dict[str, Any]) -> int:
    """The reply's bound: the request's max_tokens, within the model's own output limit."""
    model_limit = int(os.environ.get("FAKE_MAX_OUTPUT_TOKENS", "16384"))
    asked = body.get("max_completion_tokens") or body.get("max_tokens")
    return min(int(asked), model_limit) if asked is not None else model_limit


def _resolve_ref(root: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = root
    for key in ref.removeprefix("#/").split("/"):
        node = node.get(key.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _example_for(schema: Any, root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """A value that validates against a JSON schema (the subset tools and response formats use)."""
    if not isinstance(schema, dict):
        return "example"
    root = schema if root is None else root
    if "$ref" in schema:
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return _example_for({**_resolve_ref(root, schema["$ref"]), **siblings}, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [s for s in schema[key] if not (isinstance(s, dict) and s.get("type") == "null")]
            if not options or (depth >= SCHEMA_DEPTH and len(options) < len(schema[key])):
                return None
            return _example_for(options[0], root, depth)
    if schema.get("allOf"):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve_ref(root, part["$ref"]) if isinstance(part, dict) and "$ref" in part else part
            merged = _merge_schemas(merged, part if isinstance(part, dict) else {})
        return _example_for(merged, root, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if not kinds or (depth >= SCHEMA_DEPTH and "null" in kind):
            return None
        return _example_for({**schema, "type": kinds[0]}, root, depth)
    if kind == "object" or "properties" in schema:
        return _object_example(schema, root, depth)
    if kind == "array":
        return _array_example(schema, root, depth)
    if kind == "integer":
        return int(_bounded(42, schema, step=1))
    if kind == "number":
        return _bounded(4.2, schema, step=0.1)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string_example(schema)


def _merge_schemas(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    merged = {**left, **right}
    merged["properties"] = {**left.get("properties", {}), **right.get("properties", {})}
    merged["required"] = [*left.get("required", []), *right.get("required", [])]
    return merged if merged["properties"] else {k: v for k, v in merged.items() if k not in ("properties", "required")}


def _object_example(schema: dict[str, Any], root: dict[str, Any], depth: int) -> dict[str, Any]:
    props = schema.get("properties", {})
    required = set(schema.get("required", props))
    if depth >= SCHEMA_DEPTH:  # deep (often recursive) schemas: only what must be there
        props = {name: sub for name, sub in props.items() if name in required}
    value = {name: _example_for(sub, root, depth + 1) for name, sub in props.items()}
    extra = schema.get("additionalProperties")
    if not props and isinstance(extra, dict) and depth < SCHEMA_DEPTH:  # dict[str, X]
        value["key"] = _example_for(extra, root, depth + 1)
    return value


def _array_example(schema: dict[str, Any], root: dict[str, Any], depth: int) -> list[Any]:
    if schema.get("prefixItems"):  # a tuple
        return [_example_for(item, root, depth + 1) for item in schema["prefixItems"]]
    count = max(int(schema.get("minItems", 0)), 0 if depth >= SCHEMA_DEPTH else 1)
    count = min(count, int(schema.get("maxItems", count)))
    return [_example_for(schema.get("items", {"type": "string"}), root, depth + 1) for _ in range(count)]


def _bounded(value: float, schema: dict[str, Any], step: float) -> float:
    low = _closest_allowed(schema, "minimum", "exclusiveMinimum", step)
    high = _closest_allowed(schema, "maximum", "exclusiveMaximum", -step)
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _closest_allowed(schema: dict[str, Any], inclusive: str, exclusive: str, step: float) -> float | None:
    """The allowed value nearest a bound: draft-4 boolean or 2020-12 numeric exclusive bounds."""
    bound, strict = schema.get(inclusive), schema.get(exclusive)
    if isinstance(strict, bool):
        return None if bound is None else bound + (step if strict else 0)
    return strict + step if strict is not None else bound


def _string_example(schema: dict[str, Any]) -> str:
    text = STRING_FORMATS.get(schema.get("format", ""), "example")
    text = text.ljust(int(schema.get("minLength", 0)), "x")
    return text[: int(schema["maxLength"])] if "maxLength" in schema else text


def _seed(messages: list[dict[str, Any]]) -> bytes:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()


def _last_turn_role(messages: list[dict[str, Any]]) -> str | None:
    return next((m.get("role") for m in reversed(messages) if m.get("role") not in ("system", "developer")), None)


def _tools_to_call(body: dict[str, Any], directives: dict[str, str]) -> list[dict[str, Any]]:
    """The functions this turn calls (empty: answer in text), per the module docstring's rules."""
    functions = [t["function"] for t in body.get("tools") or [] if isinstance(t, dict) and "function" in t]
    choice = body.get("tool_choice") or "auto"
    if not functions or choice == "none":
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        named = [f for f in functions if f.get("name") == name]
        if not named:
            raise BadRequest(f"Invalid value for 'tool_choice': function '{name}' not found in 'tools'.")
        return named
    wanted = directives.get("tools", "")
    if choice == "auto" and (wanted == "none" or _last_turn_role(body.get("messages") or []) != "user"):
        return []
    if wanted == "all":
        picked = functions
    else:
        picked = [f for f in functions if f.get("name") in wanted.split(",")] or functions[:1]
    return picked[:1] if body.get("parallel_tool_calls") is False else picked


def _tool_calls(functions: list[dict[str, Any]], seed: bytes, limit: int) -> tuple[list[dict[str, str]], int, bool]:
    """The calls, their completion tokens, and whether the output limit cut them short."""
    calls, tokens = [], 0
    for index, function in enumerate(functions):
        name = function.get("name", "")
        arguments = json.dumps(_example_for(function.get("parameters") or {"type": "object"}))
        cost = _approx_tokens(name + arguments) + 3
        call_id = "call_" + hashlib.sha256(seed + f"{index}:{name}".encode()).hexdigest()[:24]
        if tokens + cost > limit:  # a real model's arguments stop mid-JSON at the limit
            room = max(0, limit - tokens - 3 - _approx_tokens(name))
            calls.append({"id": call_id, "name": name, "arguments": arguments[: room * 4]})
            return calls, max(1, limit), True
        calls.append({"id": call_id, "name": name, "arguments": arguments})
        tokens += cost
    return calls, tokens, False


def _mentions(messages: list[dict[str, Any]]) -> list[str]:
    """What the reply remarks on: the tool results it answers and the images it was shown."""
    said: list[str] = []
    if messages and messages[-1].get("role") == "tool":
        names = {c.get("id"): c.get("function", {}).get("name") for m in messages for c in m.get("tool_calls") or []}
        results: list[str] = []
        for message in reversed(messages):
            if message.get("role") != "tool":
                break
            excerpt = " ".join(_text_of(message.get("content")).split())
            excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
            results.insert(0, f"{names.get(message.get('tool_call_id')) or 'the tool'} returned {excerpt}.")
        said += results
    last_user: dict[str, Any] = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    if images := len(_image_details(last_user.get("content"))):
        said.append(f"I see {images} image{'s' if images > 1 else ''}.")
    return said


def _reply(body: dict[str, Any], directives: dict[str, str]) -> tuple[str, str]:
    """The reply text and its finish_reason."""
    limit = _output_limit(body)
    fmt = body.get("response_format") or {}
    if fmt.get("type") in ("json_schema", "json_object"):
        schema = fmt.get("json_schema", {}).get("schema", {})
        text = json.dumps(_example_for(schema) if fmt["type"] == "json_schema" else {"answer": "example"})
        pieces = text.split(" ")
        return (text, "stop") if len(pieces) <= limit else (" ".join(pieces[:limit]), "length")
    messages = body.get("messages", [])
    seed = _seed(messages)
    count = int(directives.get("words") or DEFAULT_WORDS)
    said = ["Hello!", *" ".join(_mentions(messages)).split()]
    # Never build more words than the limit lets out (a [[fake:words=100000]] reply is cut anyway).
    words = said + [WORDS[seed[i % len(seed)] % len(WORDS)] for i in range(1, min(count, limit + 1))]
    if len(words) > limit:
        return " ".join(words[:limit]), "length"
    return " ".join(words), "stop"


def answer(body: dict[str, Any], directives: dict[str, str]) -> Turn:
    """The model's turn for a chat-completions-shaped request."""
    prompt_tokens = int(directives.get("prompt_tokens") or _prompt_tokens(body))
    functions = _tools_to_call(body, directives)
    if functions:
        calls, tokens, cut = _tool_calls(functions, _seed(body.get("messages", [])), _output_limit(body))
        return Turn(None, "length" if cut else "tool_calls", prompt_tokens, tokens, calls)
    text, finish_reason = _reply(body, directives)
    return Turn(text, finish_reason, prompt_tokens, max(1, len(text.split())))


# -- shared HTTP behaviour: faults and paced streams --------------------------------------------


def _error(status: int, message: str, kind: str) -> JSONResponse:
    headers = {"retry-after": "1"} if status == 429 else None
    body = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    return JSONResponse(body, status_code=status, headers=headers)


def _bad_request(message: str) -> JSONResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    return JSONResponse(body, status_code=400)


async def _fault(directives: dict[str, str]) -> Response | None:
    """Wait the injected latency, then the injected fault's response (None: answer normally)."""
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
    return None


def _pieces(text: str) -> list[str]:
    return [piece if i == 0 else " " + piece for i, piece in enumerate(text.split(" "))]


def _fragments(arguments: str) -> list[str]:
    return [arguments[i : i + ARGUMENT_FRAGMENT] for i in range(0, len(arguments), ARGUMENT_FRAGMENT)]


async def _paced(
    head: Iterable[str], body: Iterable[str], tail: Iterable[str], directives: dict[str, str]
) -> AsyncIterator[str]:
    """Send a stream's events: the body's are counted by [[fake:cut_after]] and paced by [[fake:chunk_delay]]."""
    cut_after = int(directives["cut_after"]) if "cut_after" in directives else None
    delay = int(directives.get("chunk_delay") or 0) / 1000
    for event in head:
        yield event
    for i, event in enumerate(body):
        if cut_after is not None and i >= cut_after:
            # Let the chunks sent so far arrive before the connection dies, as when a provider fails
            # mid-answer: a reader that gets bytes and the reset in one read may drop the bytes
            # (LiteLLM's aiohttp transport does), which would make "cut after N" timing-dependent.
            await asyncio.sleep(0.05)
            stats["cut_streams"] += 1
            raise ConnectionResetError("fake provider cut the stream")
        yield event
        await asyncio.sleep(delay)
    for event in tail:
        yield event


# -- chat completions ---------------------------------------------------------------------------


async def chat_completions(request: Request) -> Response:
    body = await request.json()
    directives = _directives(body.get("messages") or [])
    if (fault := await _fault(directives)) is not None:
        return fault
    try:
        turn = answer(body, directives)
    except BadRequest as refusal:
        return _bad_request(str(refusal))
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    model = body.get("model", "fake")
    if body.get("stream"):
        stats["streams"] += 1
        include_usage = (body.get("stream_options") or {}).get("include_usage", False)
        return StreamingResponse(
            _chat_stream(completion_id, model, turn, include_usage, directives), media_type="text/event-stream"
        )
    stats["completions"] += 1
    stats["prompt_tokens"] += turn.prompt_tokens
    stats["completion_tokens"] += turn.completion_tokens
    message: dict[str, Any] = {"role": "assistant", "content": turn.text, "refusal": None}
    if turn.tool_calls:
        message["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in turn.tool_calls
        ]
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": turn.finish_reason}],
            "usage": turn.usage(),
        }
    )


async def _chat_stream(
    completion_id: str, model: str, turn: Turn, include_usage: bool, directives: dict[str, str]
) -> AsyncIterator[str]:
    def event(delta: dict[str, Any] | None, finish_reason: str | None = None, **extra: Any) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    if turn.tool_calls:
        # As OpenAI streams calls: a call's first chunk has its index, id, type and name; the rest
        # carry only the index and a fragment of the arguments.
        deltas: list[dict[str, Any]] = []
        for index, call in enumerate(turn.tool_calls):
            opening = {"index": index, "id": call["id"], "type": "function"}
            deltas.append({"tool_calls": [{**opening, "function": {"name": call["name"], "arguments": ""}}]})
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": f}}]} for f in _fragments(call["arguments"])
            ]
        head = [event({"role": "assistant", "content": None, **deltas[0], "refusal": None})]
        body = [event(delta) for delta in deltas[1:]]
    else:
        head = [event({"role": "assistant", "content": "", "refusal": None})]
        body = [event({"content": piece}) for piece in _pieces(turn.text or "")]
    tail = [event({}, turn.finish_reason)]
    if include_usage:
        tail.append(event(None, usage=turn.usage()))
    async for chunk in _paced(head, body, tail, directives):
        yield chunk
    stats["completions"] += 1
    yield "data: [DONE]\n\n"


# -- embeddings ---------------------------------------------------------------------------------


def _embedding_inputs(raw: Any) -> list[str | list[int]]:
    """OpenAI's four input shapes (text, texts, tokens, token lists) as a list of inputs."""
    if isinstance(raw, str) or (isinstance(raw, list) and raw and all(isinstance(t, int) for t in raw)):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(i, (str, list)) for i in raw):
        return raw
    raise BadRequest("'input' must be a non-empty string, array of strings, or array of token arrays.")


def _embedding_dimensions(model: str, asked: Any) -> int:
    native = 3072 if "large" in model else int(os.environ.get("FAKE_EMBEDDING_DIMENSIONS", "1536"))
    if asked is None:
        return native
    if not isinstance(asked, int) or not 1 <= asked <= native:
        raise BadRequest(f"'dimensions' must be an integer between 1 and {native} for {model}.")
    return asked


def _embedding(key: str, dimensions: int) -> list[float]:
    """A unit vector seeded by the input: the same text, the same vector; fewer dimensions, a prefix."""
    rng = random.Random(hashlib.sha256(key.encode()).digest())
    vector = [rng.random() * 2 - 1 for _ in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(x / norm for x in vector))  # float32, as OpenAI sends
    return list(struct.unpack(f"<{dimensions}f", packed))


async def embeddings(request: Request) -> Response:
    body = await request.json()
    raw = body.get("input")
    directives = _directives_in(" ".join(i for i in (raw if isinstance(raw, list) else [raw]) if isinstance(i, str)))
    if (fault := await _fault(directives)) is not None:
        return fault
    model = str(body.get("model", "fake-embedding"))
    encoding = body.get("encoding_format") or "float"
    try:
        inputs = _embedding_inputs(raw)
        dimensions = _embedding_dimensions(model, body.get("dimensions"))
        if encoding not in ("float", "base64"):
            raise BadRequest("'encoding_format' must be 'float' or 'base64'.")
    except BadRequest as refusal:
        return _bad_request(str(refusal))
    data = []
    for index, item in enumerate(inputs):
        vector = _embedding(item if isinstance(item, str) else json.dumps(item), dimensions)
        encoded: Any = vector
        if encoding == "base64":
            encoded = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(max(1, _approx_tokens(i)) if isinstance(i, str) else len(i) for i in inputs)
    stats["embeddings"] += 1
    stats["embedding_tokens"] += tokens
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return JSONResponse({"object": "list", "data": data, "model": model, "usage": usage})


# -- the Responses API --------------------------------------------------------------------------


def _chat_content(content: Any) -> Any:
    """Responses content parts as chat content parts (text stays text, images stay images)."""
    if not isinstance(content, list):
        return content
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            url = part.get("image_url") or part.get("file_id") or ""
            parts.append({"type": "image_url", "image_url": {"url": url, "detail": part.get("detail", "auto")}})
    return parts


def _chat_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation a Responses request describes, as chat messages."""
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else items or []:
        kind = item.get("type", "message")
        if kind == "message":
            messages.append({"role": item.get("role", "user"), "content": _chat_content(item.get("content"))})
        elif kind == "function_call":
            function = {"name": item.get("name"), "arguments": item.get("arguments", "")}
            call = {"id": item.get("call_id"), "type": "function", "function": function}
            if messages and messages[-1].get("role") == "assistant" and messages[-1].get("tool_calls"):
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            content = output if isinstance(output, str) else _chat_content(output)
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": content})
    return messages


def _chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """A Responses request as the chat-completions request that asks the same thing."""
    tools = [
        {"type": "function", "function": {k: v for k, v in tool.items() if k != "type"}}
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and tool.get("type") == "function"
    ]
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        choice = {"type": "function", "function": {"name": choice.get("name")}}
    fmt = (body.get("text") or {}).get("format") or {}
    response_format = None
    if fmt.get("type") == "json_schema":
        response_format = {"type": "json_schema", "json_schema": {"name": fmt.get("name"), "schema": fmt.get("schema")}}
    elif fmt.get("type") == "json_object":
        response_format = {"type": "json_object"}
    chat = {
        "messages": _chat_messages(body),
        "tools": tools or None,
        "tool_choice": choice,
        "parallel_tool_calls": body.get("parallel_tool_calls"),
        "max_tokens": body.get("max_output_tokens"),
        "response_format": response_format,
    }
    return {name: value for name, value in chat.items() if value is not None}


def _output_items(turn: Turn, response_id: str) -> list[dict[str, Any]]:
    status = "incomplete" if turn.finish_reason == "length" else "completed"
    if turn.tool_calls:
        return [
            {"id": "fc_" + c["id"].removeprefix("call_"), "type": "function_call", "status": status}
            | {"call_id": c["id"], "name": c["name"], "arguments": c["arguments"]}
            for c in turn.tool_calls
        ]
    text_part: dict[str, Any] = {"type": "output_text", "text": turn.text, "annotations": [], "logprobs": []}
    message_id = "msg_" + response_id.removeprefix("resp_")
    return [{"id": message_id, "type": "message", "status": status, "role": "assistant", "content": [text_part]}]


def _response_object(body: dict[str, Any], response_id: str, turn: Turn | None) -> dict[str, Any]:
    """The Response resource: in progress (no turn yet), completed, or incomplete at the output limit."""
    incomplete = turn is not None and turn.finish_reason == "length"
    usage = None
    if turn is not None:
        usage = {
            "input_tokens": turn.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": turn.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": turn.prompt_tokens + turn.completion_tokens,
        }
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress" if turn is None else "incomplete" if incomplete else "completed",
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body.get("model", "fake"),
        "output": [] if turn is None else _output_items(turn, response_id),
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": usage,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


async def responses(request: Request) -> Response:
    body = await request.json()
    chat = _chat_body(body)
    directives = _directives(chat["messages"])
    if (fault := await _fault(directives)) is not None:
        return fault
    try:
        turn = answer(chat, directives)
    except BadRequest as refusal:
        return _bad_request(str(refusal))
    response_id = f"resp_{uuid.uuid4().hex}"
    if body.get("stream"):
        stats["streams"] += 1
        return StreamingResponse(_responses_stream(body, response_id, turn, directives), media_type="text/event-stream")
    stats["responses"] += 1
    return JSONResponse(_response_object(body, response_id, turn))


async def _responses_stream(
    body: dict[str, Any], response_id: str, turn: Turn, directives: dict[str, str]
) -> AsyncIterator[str]:
    sequence = iter(range(1_000_000))

    def event(kind: str, **fields: Any) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, 'sequence_number': next(sequence), **fields})}\n\n"

    started = _response_object(body, response_id, None)
    head = [event("response.created", response=started), event("response.in_progress", response=started)]
    deltas: list[str] = []
    for index, item in enumerate(_output_items(turn, response_id)):
        at = {"item_id": item["id"], "output_index": index}
        opened = {**item, "status": "in_progress"}
        if item["type"] == "function_call":
            deltas.append(event("response.output_item.added", output_index=index, item={**opened, "arguments": ""}))
            deltas += [
                event("response.function_call_arguments.delta", **at, delta=f) for f in _fragments(item["arguments"])
            ]
            deltas.append(
                event("response.function_call_arguments.done", **at, name=item["name"], arguments=item["arguments"])
            )
        else:
            part = item["content"][0]
            deltas.append(event("response.output_item.added", output_index=index, item={**opened, "content": []}))
            deltas.append(event("response.content_part.added", **at, content_index=0, part={**part, "text": ""}))
            deltas += [
                event("response.output_text.delta", **at, content_index=0, delta=piece, logprobs=[])
                for piece in _pieces(part["text"])
            ]
            deltas.append(event("response.output_text.done", **at, content_index=0, text=part["text"], logprobs=[]))
            deltas.append(event("response.content_part.done", **at, content_index=0, part=part))
        deltas.append(event("response.output_item.done", output_index=index, item=item))
    finished = _response_object(body, response_id, turn)
    tail = [event(f"response.{finished['status']}", response=finished)]
    async for chunk in _paced(head, deltas, tail, directives):
        yield chunk
    stats["responses"] += 1


# -- the app ------------------------------------------------------------------------------------


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
        *(Route(f"{prefix}/chat/completions", chat_completions, methods=["POST"]) for prefix in ("/v1", "")),
        *(Route(f"{prefix}/embeddings", embeddings, methods=["POST"]) for prefix in ("/v1", "")),
        *(Route(f"{prefix}/responses", responses, methods=["POST"]) for prefix in ("/v1", "")),
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
