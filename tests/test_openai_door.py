"""The OpenAI-compatible door, driven by the official `openai` SDK."""

import openai
import pytest


def _sdk(stack, team, **kwargs) -> openai.OpenAI:  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0, **kwargs)


def test_models_lists_the_teams_aliases(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    assert [m.id for m in _sdk(stack, team).models.list()] == ["NanoAgent"]


def test_buffered_call_without_a_job_header_is_its_own_completed_job(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    completion = _sdk(stack, team).chat.completions.create(
        model="ChatAgent", messages=[{"role": "user", "content": "Say hello!"}]
    )
    assert completion.choices[0].message.content.startswith("Hello!")
    assert completion.model == "ChatAgent"
    [job] = team.client.get("/api/jobs").json()
    assert job["status"] == "completed" and job["job_type"] == "openai_chat"
    assert team.client.get(f"/api/jobs/{job['job_id']}").json()["costs"]["credits_remaining"] == 4


def test_calls_with_x_job_id_join_that_job(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job("agent_run")
    client = _sdk(stack, team, default_headers={"X-Job-Id": job_id})
    for turn in ("one", "two"):
        client.chat.completions.create(model="ChatAgent", messages=[{"role": "user", "content": turn}])
    summary = team.complete(job_id).json()
    assert summary["costs"]["total_calls"] == 2


def test_streaming_through_the_sdk(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    client = _sdk(stack, team)
    stream = client.chat.completions.create(
        model="ChatAgent", messages=[{"role": "user", "content": "stream via sdk"}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Hello!")
    assert chunks[-1].choices[0].finish_reason == "stop"
    buffered = client.chat.completions.create(
        model="ChatAgent", messages=[{"role": "user", "content": "stream via sdk"}]
    )
    assert buffered.choices[0].message.content == text


def test_sdk_raises_its_usual_exceptions(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    client = _sdk(stack, team)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="Ghost", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="SmartAgent", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="NanoAgent", messages=[{"role": "user", "content": "[[fake:error=429]]"}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="NanoAgent", messages=[{"role": "user", "content": "x"}], temperature=9)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{stack.api_url}/v1", api_key="sk-nope", max_retries=0).models.list()
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="NanoAgent", messages=[{"role": "user", "content": "[[fake:error=500]]"}])


def test_structured_output_through_the_sdk(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    team = make_team()
    parsed = _sdk(stack, team).beta.chat.completions.parse(
        model="ChatAgent", messages=[{"role": "user", "content": "Ada, 36"}], response_format=Person
    )
    assert parsed.choices[0].message.parsed == Person(name="example", age=42)
