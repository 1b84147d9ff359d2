"""Tool calls, buffered and streamed, through the job API and `/v1/chat/completions`: fragments as
OpenAI streams them, the tool result back in the same job, and every call billed."""

import json
import uuid

import openai
import psycopg2
from sse import events

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "the weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]},
    },
}


def _assemble(fragments: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    calls: dict[int, dict] = {}  # type: ignore[type-arg]
    for fragment in fragments:
        call = calls.setdefault(
            fragment["index"], {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        call["id"] = fragment.get("id") or call["id"]
        call["function"]["name"] = fragment["function"].get("name") or call["function"]["name"]
        call["function"]["arguments"] += fragment["function"].get("arguments") or ""
    return [calls[i] for i in sorted(calls)]


def _call_row(stack, call_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute("select status, finish_reason, completion_tokens from llm_calls where id = %s", (call_id,))
        row = cur.fetchone()
    conn.close()
    return {"status": row[0], "finish_reason": row[1], "completion_tokens": row[2]}


def test_streamed_tool_calls_arrive_as_fragments_that_assemble_to_the_buffered_calls(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    prompt = f"weather and time please {uuid.uuid4()} [[fake:tools=all]]"
    body = {"messages": [{"role": "user", "content": prompt}], "tools": [WEATHER, TIME]}
    with team.client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body) as response:
        assert response.status_code == 200
        received = list(events(response))
    *deltas, (_, final), (_, done) = received
    assert done == "[DONE]"
    fragments = [f for _, data in deltas for f in data.get("tool_calls", [])]
    assert all(data["content"] == "" for _, data in deltas)  # a text-only reader still works
    assert {f["index"] for f in fragments} == {0, 1}
    openings = [f for f in fragments if "id" in f]
    assert [(f["type"], f["function"]["name"]) for f in openings] == [
        ("function", "get_weather"),
        ("function", "get_time"),
    ]
    assert all(
        set(f) == {"index", "function"} and set(f["function"]) == {"arguments"} for f in fragments if "id" not in f
    )
    assembled = _assemble(fragments)
    assert final["finish_reason"] == "tool_calls" and final["tool_calls"] == assembled
    assert json.loads(assembled[0]["function"]["arguments"]).keys() == {"city"}
    buffered = team.client.post(f"/api/jobs/{job_id}/llm-call", json=body).json()["response"]
    assert [(c["id"], c["function"]) for c in buffered["tool_calls"]] == [(c["id"], c["function"]) for c in assembled]
    row = _call_row(stack, final["call_id"])
    assert row["status"] == "success" and row["finish_reason"] == "tool_calls" and row["completion_tokens"] > 0


def test_the_tool_result_goes_back_in_the_same_job_and_every_call_is_billed(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000)
    job_id = team.create_job()
    question = {"role": "user", "content": "what is the weather in Paris?"}
    body = {"messages": [question], "tools": [WEATHER]}
    with team.client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body) as response:
        *_, (_, final), _ = list(events(response))
    [call] = final["tool_calls"]
    result = {"role": "tool", "tool_call_id": call["id"], "content": '{"celsius": 21}'}
    body = {
        "messages": [question, {"role": "assistant", "content": None, "tool_calls": [call]}, result],
        "tools": [WEATHER],
    }
    with team.client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body) as response:
        *deltas, (_, final), _ = list(events(response))
    assert final["finish_reason"] == "stop" and "tool_calls" not in final
    assert "get_weather returned" in "".join(data["content"] for _, data in deltas)
    summary = team.complete(job_id).json()
    assert summary["costs"]["total_calls"] == 2 and summary["costs"]["successful_calls"] == 2
    charged = {e["call_id"] for e in admin.get(f"/api/teams/{team.team_id}/ledger").json()["entries"] if e["call_id"]}
    assert {c["call_id"] for c in summary["calls"]} == charged


def test_v1_streams_parallel_tool_calls_in_openais_chunk_format(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    body = {
        "model": "ChatAgent",
        "messages": [{"role": "user", "content": f"both tools [[fake:tools=all]] {uuid.uuid4()}"}],
        "tools": [WEATHER, TIME],
        "stream": True,
    }
    with team.client.stream("POST", "/v1/chat/completions", json=body) as response:
        chunks = [data for _, data in events(response) if data != "[DONE]"]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0]["role"] == "assistant" and deltas[0]["content"] is None
    assert all("role" not in d for d in deltas[1:])
    opening = deltas[0]["tool_calls"][0]
    assert opening["index"] == 0 and opening["type"] == "function" and opening["id"].startswith("call_")
    assert opening["function"] == {"name": "get_weather", "arguments": ""}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    assert len({c["id"] for c in chunks}) == 1 and all(c["object"] == "chat.completion.chunk" for c in chunks)

    sdk = openai.OpenAI(base_url=f"{stack.api_url}/v1", api_key=team.key, max_retries=0)
    calls: dict[int, dict] = {}  # type: ignore[type-arg]
    finish = None
    for chunk in sdk.chat.completions.create(**body):
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for piece in choice.delta.tool_calls or []:
            call = calls.setdefault(piece.index, {"id": piece.id, "name": piece.function.name, "arguments": ""})
            call["arguments"] += piece.function.arguments or ""
    buffered = sdk.chat.completions.create(**{**body, "stream": False})
    assert finish == "tool_calls" == buffered.choices[0].finish_reason
    assert [(c["id"], c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        (c.id, c.function.name, json.loads(c.function.arguments)) for c in buffered.choices[0].message.tool_calls
    ]
