"""The fake provider behaves like an OpenAI model where it matters: tool calls, embeddings, image
parts and the Responses API, checked through the real LiteLLM proxy with the official `openai` SDK
(and, for the wire format LiteLLM re-encodes, against the fake directly)."""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import struct
import sys
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import httpx
import openai
import pytest
from helpers import ROOT
from pydantic import BaseModel, Field
from sse import events

MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"


def _load_fake() -> Any:
    spec = importlib.util.spec_from_file_location("fake_provider", ROOT / "litellm" / "fake_provider.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


fake_provider = _load_fake()


class Unit(StrEnum):
    celsius = "celsius"
    fahrenheit = "fahrenheit"


class Place(BaseModel):
    city: str
    country_code: str = Field(min_length=2, max_length=2)


class WeatherQuery(BaseModel):
    """A schema as LangChain and instructor send it: $defs, enums, optionals, lists, bounds."""

    place: Place
    unit: Unit
    days: int = Field(ge=1, le=7)
    alternatives: list[Place] = []
    note: str | None = None
    when: datetime | None = None


class TreeNode(BaseModel):
    label: str
    children: list[TreeNode] = []
    parent: TreeNode | None = None


class Constrained(BaseModel):
    kind: Literal["a", "b"]
    scores: dict[str, float]
    pair: tuple[int, str]
    big: int = Field(gt=100)
    ratio: float = Field(ge=0, lt=1)


def _tool(model: type[BaseModel], name: str | None = None) -> dict[str, Any]:
    name = name or model.__name__.lower()
    return {"type": "function", "function": {"name": name, "parameters": model.model_json_schema()}}


WEATHER = _tool(WeatherQuery, "get_weather")
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
    },
}


@pytest.fixture
def sdk(stack) -> openai.OpenAI:  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=stack.litellm_url, api_key=stack.litellm_master_key, max_retries=0)


@pytest.fixture
def proxy(stack) -> httpx.Client:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {stack.litellm_master_key}"}
    with httpx.Client(base_url=stack.litellm_url, headers=headers, timeout=30) as client:
        yield client


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# -- schema examples (no stack) -----------------------------------------------------------------


@pytest.mark.parametrize("model", [WeatherQuery, TreeNode, Constrained])
def test_tool_arguments_validate_against_pydantic_schemas(model: type[BaseModel]) -> None:
    example = fake_provider._example_for(model.model_json_schema())
    model.model_validate(example)


def test_tool_arguments_respect_bounds_and_formats() -> None:
    schema = {
        "type": "object",
        "properties": {
            "old_style": {"type": "integer", "minimum": 50, "exclusiveMinimum": True},
            "new_style": {"type": "number", "exclusiveMaximum": 1},
            "code": {"type": "string", "minLength": 10, "maxLength": 12},
            "id": {"type": "string", "format": "uuid"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
    }
    example = fake_provider._example_for(schema)
    assert example["old_style"] == 51 and example["new_style"] < 1
    assert 10 <= len(example["code"]) <= 12 and len(example["tags"]) == 2
    assert example["id"] == "00000000-0000-4000-8000-000000000000"


# -- tool calls ---------------------------------------------------------------------------------


def test_a_named_tool_choice_forces_a_call_with_schema_valid_arguments(sdk) -> None:  # type: ignore[no-untyped-def]
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=_user("What's the weather in Paris?"),
        tools=[TIME, WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather" and call.id.startswith("call_")
    WeatherQuery.model_validate_json(call.function.arguments)
    assert completion.usage.completion_tokens > 0
    assert completion.usage.prompt_tokens > len(json.dumps(WEATHER)) // 4  # the tools are prompt tokens


def test_a_streamed_tool_call_assembles_into_the_buffered_arguments(sdk) -> None:  # type: ignore[no-untyped-def]
    request = {"model": MODEL, "messages": _user("weather, streamed"), "tools": [WEATHER], "tool_choice": "required"}
    buffered = sdk.chat.completions.create(**request).choices[0].message.tool_calls[0]
    stream = sdk.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
    calls: dict[int, dict[str, str]] = {}
    finish_reasons, usage = [], None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            finish_reasons.append(choice.finish_reason)
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += delta.id or ""
                call["name"] += (delta.function and delta.function.name) or ""
                call["arguments"] += (delta.function and delta.function.arguments) or ""
    assert list(calls) == [0]
    assert calls[0]["name"] == "get_weather" and calls[0]["id"] == buffered.id
    arguments = json.loads(calls[0]["arguments"])
    assert set(WeatherQuery.model_json_schema()["required"]) <= set(arguments)
    assert arguments == json.loads(buffered.function.arguments)
    assert [r for r in finish_reasons if r] == ["tool_calls"]
    assert usage is not None and usage.completion_tokens > 0


def test_the_fake_streams_tool_calls_in_openais_chunk_format(stack) -> None:  # type: ignore[no-untyped-def]
    body = {
        "model": MODEL,
        "messages": _user("[[fake:tools=all]] both, please"),
        "tools": [WEATHER, TIME],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", f"{stack.fake_url}/v1/chat/completions", json=body, timeout=10) as response:
        chunks = [data for _, data in events(response)]
    assert chunks.pop() == "[DONE]"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert chunks[-2]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    deltas = [d for c in chunks[:-2] for d in c["choices"][0]["delta"]["tool_calls"]]
    openings = [d for d in deltas if "id" in d]
    assert [(d["index"], d["type"], d["function"]) for d in openings] == [
        (0, "function", {"name": "get_weather", "arguments": ""}),
        (1, "function", {"name": "get_time", "arguments": ""}),
    ]
    for fragment in (d for d in deltas if "id" not in d):
        assert set(fragment) == {"index", "function"} and set(fragment["function"]) == {"arguments"}
    json.loads("".join(d["function"]["arguments"] for d in deltas if d["index"] == 1))


def test_parallel_tool_calls_call_every_tool_unless_parallel_calls_are_off(sdk) -> None:  # type: ignore[no-untyped-def]
    request = {"model": MODEL, "messages": _user("[[fake:tools=all]] weather and time"), "tools": [WEATHER, TIME]}
    both = sdk.chat.completions.create(**request).choices[0].message.tool_calls
    assert [c.function.name for c in both] == ["get_weather", "get_time"]
    assert len({c.id for c in both}) == 2
    one = sdk.chat.completions.create(**request, parallel_tool_calls=False).choices[0].message.tool_calls
    assert [c.function.name for c in one] == ["get_weather"]


def test_auto_answers_in_text_after_the_tool_result(sdk) -> None:  # type: ignore[no-untyped-def]
    messages: list[Any] = _user("What time is it in Tokyo?")
    first = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[TIME]).choices[0]
    assert first.finish_reason == "tool_calls"
    [call] = first.message.tool_calls
    messages += [
        first.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"time": "09:30"}'},
    ]
    answer = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[TIME]).choices[0]
    assert answer.finish_reason == "stop" and not answer.message.tool_calls
    assert answer.message.content.startswith('Hello! get_time returned {"time": "09:30"}.')


def test_tool_choice_none_answers_in_text(sdk) -> None:  # type: ignore[no-untyped-def]
    choice = sdk.chat.completions.create(
        model=MODEL, messages=_user("just talk"), tools=[TIME], tool_choice="none"
    ).choices[0]
    assert choice.finish_reason == "stop" and choice.message.content.startswith("Hello!")


def test_a_tool_call_stops_at_max_tokens(sdk) -> None:  # type: ignore[no-untyped-def]
    completion = sdk.chat.completions.create(
        model=MODEL, messages=_user("weather"), tools=[WEATHER], tool_choice="required", max_tokens=5
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens <= 5


# -- embeddings ---------------------------------------------------------------------------------


def test_embeddings_are_deterministic_unit_vectors_of_the_requested_size(sdk) -> None:  # type: ignore[no-untyped-def]
    texts = ["the cat sat", "the dog ran", "the cat sat"]
    full = sdk.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    assert [len(d.embedding) for d in full.data] == [1536] * 3 and [d.index for d in full.data] == [0, 1, 2]
    assert full.data[0].embedding == full.data[2].embedding != full.data[1].embedding
    for item in full.data:
        assert math.isclose(math.fsum(x * x for x in item.embedding), 1.0, rel_tol=1e-5)
    assert full.usage.prompt_tokens == full.usage.total_tokens > 0
    short = sdk.embeddings.create(model=EMBEDDING_MODEL, input="the cat sat", dimensions=256).data[0].embedding
    assert len(short) == 256
    prefix = full.data[0].embedding[:256]  # a shorter embedding is the full one's prefix, renormalized
    norm = math.sqrt(math.fsum(x * x for x in prefix))
    assert all(math.isclose(a, b / norm, rel_tol=1e-5, abs_tol=1e-7) for a, b in zip(short, prefix, strict=True))


def test_base64_embeddings_are_little_endian_float32_and_priced_by_litellm(proxy) -> None:  # type: ignore[no-untyped-def]
    request = {"model": EMBEDDING_MODEL, "input": "price me", "dimensions": 8}
    as_floats = proxy.post("/v1/embeddings", json={**request, "encoding_format": "float"})
    as_base64 = proxy.post("/v1/embeddings", json={**request, "encoding_format": "base64"})
    assert as_floats.status_code == as_base64.status_code == 200, as_base64.text
    decoded = struct.unpack("<8f", base64.b64decode(as_base64.json()["data"][0]["embedding"]))
    assert list(decoded) == as_floats.json()["data"][0]["embedding"]
    assert float(as_floats.headers["x-litellm-response-cost"]) > 0


def test_embedding_faults_are_injected_like_chat_faults(sdk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.RateLimitError):
        sdk.embeddings.create(model=EMBEDDING_MODEL, input=["fine", "[[fake:error=429]] busy"])


# -- images -------------------------------------------------------------------------------------


def _image_message(detail: str) -> list[dict[str, Any]]:
    image = {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": detail}
    parts = [{"type": "text", "text": "What is in these?"}, {"type": "image_url", "image_url": image}]
    parts.append({"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": detail}})
    return [{"role": "user", "content": parts}]


def test_image_parts_are_seen_and_cost_prompt_tokens(sdk) -> None:  # type: ignore[no-untyped-def]
    low = sdk.chat.completions.create(model=MODEL, messages=_image_message("low"))
    high = sdk.chat.completions.create(model=MODEL, messages=_image_message("high"))
    assert low.choices[0].message.content.startswith("Hello! I see 2 images.")
    assert low.usage.prompt_tokens >= 2 * 85
    assert high.usage.prompt_tokens - low.usage.prompt_tokens == 2 * (765 - 85)


# -- the Responses API --------------------------------------------------------------------------


def test_the_responses_api_answers_as_chat_would(sdk, fake) -> None:  # type: ignore[no-untyped-def]
    before = fake.get("/_fake/stats").json().get("responses", 0)
    raw = sdk.responses.with_raw_response.create(model=MODEL, input="Say hello through responses")
    assert fake.get("/_fake/stats").json()["responses"] == before + 1  # LiteLLM called /responses, not a bridge
    assert float(raw.headers["x-litellm-response-cost"]) > 0  # priced from the fake's usage
    response = raw.parse()
    chat = sdk.chat.completions.create(model=MODEL, messages=_user("Say hello through responses"))
    assert response.status == "completed" and response.id.startswith("resp_")
    assert response.output_text == chat.choices[0].message.content
    assert response.usage.input_tokens == chat.usage.prompt_tokens
    assert response.usage.output_tokens == chat.usage.completion_tokens
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_the_responses_api_streams_openais_events(sdk) -> None:  # type: ignore[no-untyped-def]
    stream = sdk.responses.create(model=MODEL, input="[[fake:words=5]] stream through responses", stream=True)
    received = list(stream)
    kinds = [e.type for e in received]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert kinds.count("response.output_text.delta") == 5
    text = "".join(e.delta for e in received if e.type == "response.output_text.delta")
    assert text.startswith("Hello!") and received[-1].response.output_text == text
    assert received[-1].response.usage.output_tokens == 5


def test_the_fake_sends_responses_events_with_event_lines(stack) -> None:  # type: ignore[no-untyped-def]
    body = {"model": MODEL, "input": "[[fake:words=2]] raw", "stream": True}
    with httpx.stream("POST", f"{stack.fake_url}/v1/responses", json=body, timeout=10) as response:
        received = list(events(response))
    assert all(name == data["type"] for name, data in received)
    assert [data["sequence_number"] for _, data in received] == list(range(len(received)))
    assert [name for name, _ in received] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]


def test_the_responses_api_calls_functions_and_reads_their_output(sdk) -> None:  # type: ignore[no-untyped-def]
    tool = {"type": "function", "name": "get_weather", "parameters": WeatherQuery.model_json_schema()}
    first = sdk.responses.create(model=MODEL, input="Weather in Oslo?", tools=[tool], tool_choice="required")
    [call] = first.output
    assert call.type == "function_call" and call.name == "get_weather"
    WeatherQuery.model_validate_json(call.arguments)
    follow_up = [
        {"role": "user", "content": "Weather in Oslo?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
    ]
    second = sdk.responses.create(model=MODEL, input=follow_up, tools=[tool])
    assert second.output_text.startswith("Hello! get_weather returned sunny.")


def test_the_responses_api_streams_function_calls(sdk) -> None:  # type: ignore[no-untyped-def]
    tool = {"type": "function", "name": "get_time", "parameters": TIME["function"]["parameters"]}
    stream = sdk.responses.create(model=MODEL, input="time?", tools=[tool], tool_choice="required", stream=True)
    received = list(stream)
    arguments = "".join(e.delta for e in received if e.type == "response.function_call_arguments.delta")
    assert json.loads(arguments) == {"tz": "example"}
    [item] = received[-1].response.output
    assert item.type == "function_call" and item.arguments == arguments


def test_the_responses_api_stops_at_max_output_tokens(sdk) -> None:  # type: ignore[no-untyped-def]
    response = sdk.responses.create(model=MODEL, input="[[fake:words=100]] go on", max_output_tokens=16)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens == 16
