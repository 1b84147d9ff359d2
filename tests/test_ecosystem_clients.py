"""Clients no one here wrote, pointed at our `/v1`: the official `openai` SDK, LangChain's
`ChatOpenAI`, `instructor` and the `litellm` SDK. Each call they make is in the team's usage and
ledger, like any other."""

import json

import instructor
import openai
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

import litellm

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int


class Answer(BaseModel):
    answer: str


def _team(make_team):  # type: ignore[no-untyped-def]
    # Consumption budgets settle every call in the ledger, so each call is visible there by its id.
    return make_team(budget_mode="consumption_tokens", credits_allocated=1_000_000)


def _assert_booked(admin, team, calls: int) -> None:  # type: ignore[no-untyped-def]
    """The team's usage counts `calls` calls, and the ledger settled each of them."""
    usage = admin.get(f"/api/teams/{team.team_id}/usage").json()
    assert usage["costs"]["calls"] == calls
    assert usage["costs"]["client_cost_micros"] > 0
    ledger = admin.get(f"/api/teams/{team.team_id}/ledger").json()
    assert len({e["call_id"] for e in ledger["entries"] if e["call_id"]}) == calls


def _sdk(stack, team) -> openai.OpenAI:  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0)


def test_openai_sdk_calls_tools_buffered_and_streamed(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    sdk = _sdk(stack, team)
    messages = [{"role": "user", "content": "weather in Paris?"}]
    reply = sdk.chat.completions.create(model="ChatAgent", messages=messages, tools=[WEATHER])  # type: ignore[arg-type, list-item]
    [call] = reply.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)
    stream = sdk.chat.completions.create(model="ChatAgent", messages=messages, tools=[WEATHER], stream=True)  # type: ignore[arg-type, list-item]
    arguments = "".join(
        piece.function.arguments or ""
        for chunk in stream
        if chunk.choices
        for piece in chunk.choices[0].delta.tool_calls or []
        if piece.function
    )
    assert json.loads(arguments) == json.loads(call.function.arguments)
    _assert_booked(admin, team, 2)


def test_openai_sdk_streams_structured_output(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    messages = [{"role": "user", "content": "Ada is 36."}]
    with _sdk(stack, team).chat.completions.stream(
        model="ChatAgent", messages=messages, response_format=Person
    ) as stream:  # type: ignore[arg-type]
        partials = [event.parsed for event in stream if event.type == "content.delta"]
        person = stream.get_final_completion().choices[0].message.parsed
    assert isinstance(person, Person) and partials and partials[-1] == person.model_dump()
    _assert_booked(admin, team, 1)


def test_langchain_invokes_streams_and_binds_tools(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    llm = ChatOpenAI(model="ChatAgent", base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0)  # type: ignore[arg-type]
    assert str(llm.invoke("Say hello!").content).startswith("Hello!")
    assert "".join(str(chunk.content) for chunk in llm.stream("Say hello!")).startswith("Hello!")
    [tool_call] = llm.bind_tools([WEATHER]).invoke("weather in Paris?").tool_calls  # type: ignore[attr-defined]
    assert tool_call["name"] == "get_weather" and "city" in tool_call["args"]
    _assert_booked(admin, team, 3)


def test_langchain_structured_output_with_json_schema_and_function_calling(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    llm = ChatOpenAI(model="ChatAgent", base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0)  # type: ignore[arg-type]
    for method in ("json_schema", "function_calling"):
        person = llm.with_structured_output(Person, method=method).invoke("Ada is 36.")
        assert isinstance(person, Person)
    _assert_booked(admin, team, 2)


def test_instructor_in_tools_and_json_modes(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    messages = [{"role": "user", "content": "Ada is 36."}]
    tools = instructor.from_openai(_sdk(stack, team), mode=instructor.Mode.TOOLS)
    assert isinstance(
        tools.chat.completions.create(model="ChatAgent", response_model=Person, messages=messages), Person
    )  # type: ignore[arg-type]
    # JSON mode asks for a json_object; the fake provider's is {"answer": "example"}.
    json_mode = instructor.from_openai(_sdk(stack, team), mode=instructor.Mode.JSON)
    answer = json_mode.chat.completions.create(model="ChatAgent", response_model=Answer, messages=messages)  # type: ignore[arg-type]
    assert answer.answer
    _assert_booked(admin, team, 2)


def test_litellm_sdk_as_a_client_of_our_v1(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = _team(make_team)
    target = {"model": "openai/ChatAgent", "api_base": f"{stack.api_url}/v1", "api_key": team.key}
    messages = [{"role": "user", "content": "Say hello!"}]
    reply = litellm.completion(**target, messages=messages)
    assert reply.choices[0].message.content.startswith("Hello!")  # type: ignore[union-attr]
    streamed = "".join(
        c.choices[0].delta.content or "" for c in litellm.completion(**target, messages=messages, stream=True)
    )  # type: ignore[union-attr]
    assert streamed.startswith("Hello!")
    called = litellm.completion(**target, messages=messages, tools=[WEATHER])
    assert called.choices[0].message.tool_calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    _assert_booked(admin, team, 3)
