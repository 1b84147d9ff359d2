"""Streaming calls (SSE): order, final event, usage and billing, disconnects and cut streams."""

import time
import uuid

import psycopg2
from sse import events


def _stream(team, job_id: str, content: str, **extra):  # type: ignore[no-untyped-def]
    body = {"messages": [{"role": "user", "content": content}], **extra}
    return team.client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body)


def _call_row(stack, call_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute("select * from llm_calls where id = %s", (call_id,))
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
    conn.close()
    return dict(zip(names, row, strict=True)) if row else {}


def _wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_stream_deltas_join_to_the_buffered_reply_and_end_with_a_final_event(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    prompt = f"tell me a story {uuid.uuid4()}"
    with _stream(team, job_id, prompt) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        received = list(events(response))
    *deltas, final, done = received
    assert done == ("message", "[DONE]")
    assert final[1]["finish_reason"] == "stop" and final[1]["call_id"] and final[1]["job_id"] == job_id
    assert len(deltas) > 3 and all(name == "message" for name, _ in deltas)
    text = "".join(data["content"] for _, data in deltas)
    assert text == team.call(job_id, prompt).json()["response"]["content"]
    row = _call_row(stack, final[1]["call_id"])
    assert row["status"] == "success" and row["stream"] is True
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] == len(text.split())
    assert row["provider_cost_micros"] > 0 and row["cost_source"] == "proxy"  # LiteLLM's cost, in the usage chunk
    team.complete(job_id)


def test_streamed_tokens_are_billed_like_a_buffered_call(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000)
    job_id = team.create_job()
    with _stream(team, job_id, "count my tokens") as response:
        list(events(response))
    streamed_cost = 100_000 - team.client.get(f"/api/jobs/{job_id}").json()["costs"]["credits_remaining"]
    team.call(job_id, "count my tokens")
    buffered_cost = (
        100_000 - streamed_cost - team.client.get(f"/api/jobs/{job_id}").json()["costs"]["credits_remaining"]
    )
    assert streamed_cost == buffered_cost > 0
    team.complete(job_id)


def test_client_leaving_mid_stream_is_still_recorded_and_billed_in_full(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000)
    job_id = team.create_job()
    with _stream(team, job_id, "[[fake:chunk_delay=100]] [[fake:words=30]] go slowly") as response:
        iterator = events(response)
        next(iterator)
        next(iterator)  # two deltas, then the client goes away
    summary = _wait_for(
        lambda: (s := team.client.get(f"/api/jobs/{job_id}").json())["calls"][0]["status"] == "success" and s
    )
    [call] = summary["calls"]
    row = _call_row(stack, call["call_id"])
    assert row["completion_tokens"] == 30  # the whole reply the provider produced, from its final usage
    assert summary["costs"]["credits_applied"] == row["prompt_tokens"] + 30
    team.complete(job_id)


def test_provider_cutting_the_stream_sends_an_error_event_and_records_a_failed_call(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000)
    job_id = team.create_job()
    with _stream(team, job_id, "[[fake:cut_after=3]] [[fake:words=20]] cut me") as response:
        assert response.status_code == 200
        received = list(events(response))
    assert [name for name, _ in received[:3]] == ["message"] * 3
    name, data = received[-1]
    assert name == "error" and data["error"]["type"] == "upstream_error", received
    summary = team.client.get(f"/api/jobs/{job_id}").json()
    assert summary["costs"]["failed_calls"] == 1
    row = _call_row(stack, summary["calls"][0]["call_id"])
    assert row["status"] == "failed" and row["completion_tokens"] > 0  # billed for what arrived
    team.complete(job_id, "failed")


def test_errors_before_the_first_chunk_are_plain_http_errors(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    job_id = team.create_job()
    with _stream(team, job_id, "hi", model="SmartAgent") as response:
        assert response.status_code == 403
    with _stream(team, job_id, "[[fake:error=429]]") as response:
        assert response.status_code == 429
        assert response.headers["retry-after"]
    team.complete(job_id, "failed")


def test_create_and_call_stream_completes_its_job(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=2)
    body = {"job_type": "chat", "messages": [{"role": "user", "content": "stream once"}]}
    with team.client.stream("POST", "/api/jobs/create-and-call-stream", json=body) as response:
        received = list(events(response))
    job_id = received[-2][1]["job_id"]
    job = _wait_for(lambda: (j := team.client.get(f"/api/jobs/{job_id}").json())["status"] == "completed" and j)
    assert job["costs"]["credits_applied"] == 1
