"""Embeddings, the Responses API and image parts through `/v1`, driven by clients no one here
wrote (the official `openai` SDK, the `litellm` SDK): each call is billed per call like chat, and
what an alias cannot do is refused before anything is recorded."""

import base64

import httpx
import openai
import pytest
from helpers import unique

import litellm

PIXEL = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()  # an image's bytes, as a data URL carries them


def _sdk(stack, team, **kwargs) -> openai.OpenAI:  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0, **kwargs)


@pytest.fixture
def embed_alias(admin: httpx.Client) -> str:
    """An embedding alias, in an access group of its own; priced so that a short input costs whole micro-USD."""
    name = unique("Embed")
    created = admin.post(
        "/api/model-aliases/create",
        json={"alias": name, "litellm_model": "text-embedding-3-small", "input_price_per_million": 100},
    )
    assert created.status_code == 201, created.text
    assert created.json()["mode"] == "embedding" and created.json()["supports_vision"] is False
    group = admin.post("/api/model-access-groups/create", json={"group_name": name, "model_aliases": [name]})
    assert group.status_code == 201, group.text
    return name


@pytest.fixture
def paying_team(make_team, embed_alias):  # type: ignore[no-untyped-def]
    """A team that pays per call in micro-USD, with the chat aliases and the embedding alias."""
    return make_team(
        budget_mode="consumption_usd", credits_allocated=1_000_000, access_groups=["all-models", embed_alias]
    )


def _settled(admin: httpx.Client, team_id: str) -> list[int]:
    entries = admin.get(f"/api/teams/{team_id}/ledger").json()["entries"]
    return [e["charged"] for e in entries if e["kind"] == "settle"]


def _assert_billed(admin: httpx.Client, team_id: str, calls: int) -> None:
    """Every call is in the team's usage, and the ledger settled exactly its client cost."""
    usage = admin.get(f"/api/teams/{team_id}/usage").json()
    assert usage["costs"]["calls"] == calls == usage["costs"]["successful_calls"]
    charged = _settled(admin, team_id)
    assert len(charged) == calls and all(c > 0 for c in charged)
    assert sum(charged) == usage["costs"]["client_cost_micros"]


def test_embeddings_through_the_sdk_are_single_call_jobs_billed_per_call(
    stack, admin, paying_team, embed_alias
) -> None:  # type: ignore[no-untyped-def]
    client = _sdk(stack, paying_team)
    one = client.embeddings.create(model=embed_alias, input="a sentence")
    assert one.model == embed_alias and len(one.data) == 1 and len(one.data[0].embedding) == 1536
    batch = client.embeddings.create(model=embed_alias, input=["a", "b", "a"])
    assert [d.index for d in batch.data] == [0, 1, 2] and batch.data[0].embedding == batch.data[2].embedding
    short = client.embeddings.create(model=embed_alias, input="a sentence", dimensions=256)
    assert len(short.data[0].embedding) == 256
    jobs = paying_team.client.get("/api/jobs").json()
    assert [(j["status"], j["job_type"]) for j in jobs] == [("completed", "openai_embedding")] * 3
    _assert_billed(admin, paying_team.team_id, calls=3)
    by_model = admin.get(f"/api/teams/{paying_team.team_id}/usage").json()["by_model"]
    assert [b["key"] for b in by_model] == [embed_alias]


def test_job_api_embeddings_join_the_job(admin, paying_team, embed_alias) -> None:  # type: ignore[no-untyped-def]
    job_id = paying_team.create_job("indexing")
    reply = paying_team.client.post(f"/api/jobs/{job_id}/embeddings", json={"model": embed_alias, "input": ["x", "y"]})
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["data"]) == 2 and reply.json()["model"] == embed_alias
    assert paying_team.complete(job_id).json()["costs"]["total_calls"] == 1
    _assert_billed(admin, paying_team.team_id, calls=1)


def test_responses_buffered_and_streamed_through_the_sdk(stack, admin, paying_team) -> None:  # type: ignore[no-untyped-def]
    client = _sdk(stack, paying_team)
    response = client.responses.create(model="ChatAgent", input="Say hello!", instructions="be brief")
    assert response.output_text.startswith("Hello!")
    assert response.model == "ChatAgent" and response.usage is None
    with client.responses.stream(model="ChatAgent", input="Say hello!", instructions="be brief") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == response.output_text
    assert final.model == "ChatAgent" and final.usage is None
    _assert_billed(admin, paying_team.team_id, calls=2)


def test_image_parts_reach_an_alias_that_sees_images(stack, admin, paying_team) -> None:  # type: ignore[no-untyped-def]
    client = _sdk(stack, paying_team)
    parts = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
    ]
    completion = client.chat.completions.create(model="ChatAgent", messages=[{"role": "user", "content": parts}])
    assert "I see 1 image." in completion.choices[0].message.content
    response = client.responses.create(
        model="ChatAgent",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "and this?"},
                                            {"type": "input_image", "image_url": "https://example.com/cat.png"}]}],
    )  # fmt: skip
    assert "I see 1 image." in response.output_text
    _assert_billed(admin, paying_team.team_id, calls=2)


def test_what_an_alias_cannot_do_is_refused_before_anything_is_recorded(stack, admin, paying_team, embed_alias) -> None:  # type: ignore[no-untyped-def]
    blind = unique("Blind")
    created = admin.post(
        "/api/model-aliases/create",
        json={
            "alias": blind,
            "litellm_model": "gpt-4.1-nano",
            "supports_vision": False,
            "access_groups": [embed_alias],
        },
    )
    assert created.status_code == 201 and created.json()["supports_vision"] is False
    client = _sdk(stack, paying_team)
    image = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(model=blind, messages=[{"role": "user", "content": image}])
    assert refused.value.body["param"] == "messages" and "takes no images" in refused.value.body["message"]
    assert refused.value.body["code"] == "invalid_request"
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.embeddings.create(model="ChatAgent", input="x")
    assert refused.value.body["param"] == "model"
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model=embed_alias, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.responses.create(model=embed_alias, input="x")
    assert paying_team.client.get("/api/jobs").json() == []
    assert [e["kind"] for e in admin.get(f"/api/teams/{paying_team.team_id}/ledger").json()["entries"]] == ["grant"]


def test_a_tool_choice_the_provider_rejects_is_a_clear_error_and_free(stack, admin, paying_team) -> None:  # type: ignore[no-untyped-def]
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    with pytest.raises(openai.BadRequestError) as rejected:
        _sdk(stack, paying_team).responses.create(
            model="ChatAgent", input="x", tools=[tool], tool_choice={"type": "function", "name": "missing"}
        )
    assert rejected.value.body["code"] == "invalid_request"
    [job] = paying_team.client.get("/api/jobs").json()
    assert job["status"] == "failed"
    assert sum(_settled(admin, paying_team.team_id)) == 0


def test_the_litellm_sdk_as_a_client_of_our_v1(stack, admin, paying_team, embed_alias) -> None:  # type: ignore[no-untyped-def]
    base = {"api_base": f"{stack.api_url}/v1", "api_key": paying_team.key}
    completion = litellm.completion(
        model="openai/ChatAgent", messages=[{"role": "user", "content": "Say hello!"}], **base
    )
    assert completion.choices[0].message.content.startswith("Hello!")
    embedded = litellm.embedding(model=f"openai/{embed_alias}", input=["one", "two"], **base)
    assert len(embedded.data) == 2
    _assert_billed(admin, paying_team.team_id, calls=2)


def test_a_failed_response_stream_ends_in_an_error_and_bills_only_what_it_delivered(stack, admin, paying_team) -> None:  # type: ignore[no-untyped-def]
    # LiteLLM turns the provider's cut stream into `response.failed`: an HTTP 502 when nothing was sent
    # yet, else an `error` event after what was.
    types = []
    with pytest.raises(openai.APIError):
        for event in _sdk(stack, paying_team).responses.create(
            model="ChatAgent", input="[[fake:cut_after=3]] go", stream=True
        ):
            types.append(event.type)
    assert "response.completed" not in types and "response.failed" not in types
    [job] = paying_team.client.get("/api/jobs").json()
    assert job["status"] == "failed"
    usage = admin.get(f"/api/teams/{paying_team.team_id}/usage").json()
    assert usage["costs"]["failed_calls"] == 1
    assert sum(_settled(admin, paying_team.team_id)) == usage["costs"]["client_cost_micros"]
