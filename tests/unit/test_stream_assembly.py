"""Streamed tool calls put back together, on the server and in the typed client, and the typed
client's partial structured objects."""

import json
import uuid

from pydantic import BaseModel
from saas_api.calls.streaming import _fragment, assemble_tool_calls
from saas_litellm_client._api import parse_partial
from saas_litellm_client._sse import StreamAssembler

# As LiteLLM relays OpenAI's fragments: nulls where OpenAI leaves a field out.
RAW = [
    {"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}},
    {"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": ""}},
    {"index": 0, "id": None, "type": "function", "function": {"name": None, "arguments": '{"city": '}},
    {"index": 1, "id": None, "type": None, "function": {"name": None, "arguments": '{"tz": "UTC"}'}},
    {"index": 0, "id": None, "type": "function", "function": {"name": None, "arguments": '"Paris"}'}},
]
WHOLE = [
    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
    {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": '{"tz": "UTC"}'}},
]


def test_fragments_are_normalized_to_openais_shape_and_assemble_by_index() -> None:
    fragments = [_fragment(raw) for raw in RAW]
    assert fragments[0] == RAW[0]
    assert fragments[2] == {"index": 0, "function": {"arguments": '{"city": '}}
    assert assemble_tool_calls(fragments) == WHOLE


def test_the_client_assembles_tool_call_events_into_its_result() -> None:
    assembler = StreamAssembler()
    final = {"content": "", "finish_reason": "tool_calls", "call_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4())}
    for payload in [*({"content": "", "tool_calls": [fragment]} for fragment in RAW), final]:
        assembler.feed(f"data: {json.dumps(payload)}")
        assembler.feed("")
    assert assembler.finish().tool_calls == WHOLE


class Person(BaseModel):
    name: str
    age: int


def test_a_partial_object_holds_the_fields_that_have_arrived() -> None:
    assert parse_partial('{"na', Person) is None
    partial = parse_partial('{"name": "Ada", "ag', Person)
    assert partial is not None and partial.model_fields_set == {"name"} and partial.name == "Ada"
    whole = parse_partial('{"name": "Ada", "age": 36}', Person)
    assert whole == Person(name="Ada", age=36)
