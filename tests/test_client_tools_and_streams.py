"""The typed client's side of the OpenAI door: it learns its team from its key, assembles streamed
tool calls, streams structured output as growing objects, and says when it waits on Retry-After."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pydantic import BaseModel
from saas_litellm_client import (
    RateLimitError,
    RetryNotice,
    RetryPolicy,
    SaasLiteLLMClient,
    SaasLiteLLMSyncClient,
)

if TYPE_CHECKING:
    from helpers import TeamCtx

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class Person(BaseModel):
    name: str
    age: int
    email: str


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def team(make_team: Callable[..., TeamCtx]) -> TeamCtx:
    return make_team()


def test_api_me_names_the_keys_team(team: TeamCtx) -> None:
    assert team.client.get("/api/me").json() == {"team_id": team.team_id, "organization_id": team.organization_id}


@pytest.mark.anyio
async def test_a_client_given_only_its_key_learns_its_team(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.key) as client:
        job = await client.create_job("keyed")
        assert job.team_id == team.team_id
        await client.llm_call(job.job_id, "Say hello!")
        await client.complete_job(job.job_id)
        assert (await client.get_usage()).jobs.completed == 1
        assert client.team_id == team.team_id
    with SaasLiteLLMSyncClient(stack.api_url, virtual_key=team.key) as sync:
        assert sync.get_team_id() == team.team_id


@pytest.mark.anyio
async def test_streamed_tool_calls_are_assembled_and_the_result_goes_back_in_the_job(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    question = {"role": "user", "content": f"weather in Paris? {uuid.uuid4()}"}
    async with SaasLiteLLMClient(stack.api_url, team.key) as client:
        job = await client.create_job("agent")
        stream = client.llm_call_stream(job.job_id, [question], tools=[WEATHER])
        assert [text async for text in stream] == []
        assert stream.result.finish_reason == "tool_calls"
        [call] = stream.result.tool_calls or []
        buffered = await client.llm_call(job.job_id, [question], tools=[WEATHER])
        assert buffered.response.tool_calls == [call]
        result = {"role": "tool", "tool_call_id": call["id"], "content": '{"celsius": 21}'}
        messages = [question, {"role": "assistant", "content": None, "tool_calls": [call]}, result]
        answer = await client.llm_call_stream(job.job_id, messages, tools=[WEATHER]).collect()
        assert answer.finish_reason == "stop" and "get_weather returned" in answer.content
        summary = await client.complete_job(job.job_id)
    assert summary.costs.total_calls == 3 and summary.costs.successful_calls == 3


@pytest.mark.anyio
async def test_a_structured_stream_yields_growing_objects_then_a_validated_one(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.key) as client:
        job = await client.create_job("extraction")
        stream = client.structured_call_stream(job.job_id, "Extract: Ada, 36, ada@example.com", response_model=Person)
        partials = [partial async for partial in stream]
        person = stream.result
        summary = await client.complete_job(job.job_id)
    assert isinstance(person, Person) and person.age == 42  # the fake provider's schema-valid example
    assert len(partials) >= 2 and all(isinstance(p, Person) for p in partials)
    seen = [p.model_fields_set for p in partials]
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False)) and seen[-1] == {"name", "age", "email"}
    assert [c.stream for c in summary.calls] == [True] and summary.costs.successful_calls == 1


@pytest.mark.anyio
async def test_the_client_says_when_it_waits_on_retry_after(stack, team: TeamCtx, caplog) -> None:  # type: ignore[no-untyped-def]
    notices: list[RetryNotice] = []
    policy = RetryPolicy(max_retries=1, on_retry=notices.append)
    caplog.set_level(logging.INFO, logger="saas_litellm_client")
    async with SaasLiteLLMClient(stack.api_url, team.key, retry_policy=policy) as client:
        job = await client.create_job("x")
        with pytest.raises(RateLimitError) as caught:
            await client.llm_call(job.job_id, "[[fake:error=429]]")
        await client.complete_job(job.job_id, "failed")
    [notice] = notices
    assert notice.reason == "Retry-After" and notice.wait == caught.value.retry_after and notice.attempt == 1
    [record] = [r for r in caplog.records if r.name == "saas_litellm_client"]
    assert record.levelno == logging.WARNING and "Retry-After" in record.getMessage()
    assert f"/api/jobs/{job.job_id}/llm-call" in record.getMessage()
