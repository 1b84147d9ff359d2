"""The Python client (clients/python) against the real stack: jobs, calls, streams, structured
output, typed errors, retries that never double-charge, the sync twin, and the docs' examples."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from pydantic import BaseModel
from saas_litellm_client import (
    APIConnectionError,
    AuthenticationError,
    CallsInFlightError,
    ConflictError,
    IdempotencyConflictError,
    IdempotencyInProgressError,
    InsufficientCreditsError,
    InvalidRequestError,
    JobNotOpenError,
    ModelNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    SaasLiteLLMClient,
    SaasLiteLLMError,
    SaasLiteLLMSyncClient,
    ServiceUnavailableError,
    StreamResult,
    TeamSuspendedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from saas_litellm_client.errors import error_from_body, error_from_response

if TYPE_CHECKING:  # only for annotations: another conftest module may shadow this name at run time
    from helpers import TeamCtx

DOCS = Path(__file__).resolve().parent.parent / "docs" / "client.md"
FAST_RETRIES = RetryPolicy(max_retries=0)


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


@pytest.fixture
async def client(stack, team: TeamCtx) -> AsyncIterator[SaasLiteLLMClient]:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.team_id, team.key) as client:
        yield client


def provider_calls(fake: httpx.Client) -> int:
    return int(fake.get("/_fake/stats").json().get("calls", 0))


# -- the happy paths ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_seed_example_creates_calls_and_completes_a_job(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(base_url=stack.api_url, team_id=team.team_id, virtual_key=team.key) as client:
        job = await client.create_job("document_analysis")
        response = await client.llm_call(job_id=job.job_id, messages=[{"role": "user", "content": "Analyze..."}])
        result = await client.complete_job(job.job_id, "completed")
    assert job.status == "pending" and job.team_id == team.team_id
    assert response.job_id == job.job_id and response.response.content is not None
    assert response.content == response.response.content and response.content.startswith("Hello!")
    assert result.status == "completed" and result.costs.total_calls == 1
    assert result.credits_remaining == 99


@pytest.mark.anyio
async def test_streamed_deltas_join_to_the_full_reply_and_end_with_a_summary(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("stream")
    prompt = "tell me a story [[fake:words=40]]"
    stream = client.llm_call_stream(job.job_id, prompt)
    deltas = [text async for text in stream]
    buffered = await client.llm_call(job.job_id, prompt)  # the fake's reply is a function of the prompt
    assert len(deltas) > 1
    assert "".join(deltas) == stream.result.content == buffered.content
    assert stream.result.finish_reason == "stop" and stream.result.job_id == job.job_id
    summary = await client.complete_job(job.job_id)
    streamed = [call for call in summary.calls if call.stream]
    assert [call.call_id for call in streamed] == [stream.result.call_id]


@pytest.mark.anyio
async def test_create_and_call_stream_runs_a_whole_job_in_one_stream(client: SaasLiteLLMClient) -> None:
    async with client.create_and_call_stream("quick", "Say hello!") as stream:
        result = await stream.collect()
    assert isinstance(result, StreamResult) and result.content.startswith("Hello!")
    job = await client.get_job(result.job_id)
    assert job.status == "completed" and job.credits_remaining == 99


@pytest.mark.anyio
async def test_create_and_call_returns_the_completed_job(client: SaasLiteLLMClient) -> None:
    result = await client.create_and_call("quick", "one shot", metadata={"source": "test"})
    assert result.content and result.content.startswith("Hello!")
    assert result.job.status == "completed" and result.job.metadata == {"source": "test"}
    assert result.credits_remaining == 99


@pytest.mark.anyio
async def test_structured_call_returns_a_validated_model_instance(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("extraction")
    person = await client.structured_call(
        job_id=job.job_id,
        messages=[{"role": "user", "content": "Extract: Ada Lovelace, 36, ada@example.com"}],
        response_model=Person,
    )
    assert person == Person(name="example", age=42, email="example")  # the fake's schema-valid example
    await client.complete_job(job.job_id)


@pytest.mark.anyio
async def test_get_job_list_jobs_and_usage_show_the_teams_work(client: SaasLiteLLMClient, team: TeamCtx) -> None:
    job = await client.create_job("report", {"doc": "d1"})
    await client.llm_call(job.job_id, "summarize d1", purpose="summary")
    summary = await client.get_job(job.job_id)
    assert summary.status == "in_progress" and summary.metadata == {"doc": "d1"}
    assert [job.job_id for job in await client.list_jobs(job_type="report")] == [job.job_id]
    await client.complete_job(job.job_id)
    usage = await client.get_usage()
    assert usage.team_id == team.team_id and usage.jobs.completed == 1 and usage.calls == 1
    assert usage.credits_remaining == 99 and usage.jobs_by_type == {"report": 1}


# -- errors: each server error type is its own exception, with the server's message -------------


@pytest.mark.anyio
async def test_unknown_virtual_key_raises_authentication_error(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.team_id, "sk-not-a-real-key") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.create_job("x")
    assert (caught.value.status, caught.value.type, caught.value.message) == (
        401,
        "authentication_error",
        "invalid API key",
    )


@pytest.mark.anyio
async def test_team_without_credits_raises_insufficient_credits(stack, make_team) -> None:  # type: ignore[no-untyped-def]
    broke = make_team(credits_allocated=0)
    async with SaasLiteLLMClient(stack.api_url, broke.team_id, broke.key) as client:
        with pytest.raises(InsufficientCreditsError) as caught:
            await client.create_job("x")
    raw = broke.client.post("/api/jobs/create", json={"job_type": "x"}).json()["error"]
    assert caught.value.status == 402 and caught.value.message == raw["message"]


@pytest.mark.anyio
async def test_suspended_team_raises_team_suspended(client: SaasLiteLLMClient, team: TeamCtx, admin) -> None:  # type: ignore[no-untyped-def]
    assert admin.post(f"/api/teams/{team.team_id}/suspend").status_code == 200
    with pytest.raises(TeamSuspendedError) as caught:
        await client.create_job("x")
    assert isinstance(caught.value, PermissionDeniedError)
    assert caught.value.status == 403 and caught.value.message == f"team '{team.team_id}' is suspended"


@pytest.mark.anyio
async def test_another_teams_id_raises_permission_denied(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, "someone-else", team.key) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.create_job("x")
    assert caught.value.param == "team_id" and "does not match" in caught.value.message


@pytest.mark.anyio
async def test_another_teams_job_raises_not_found(client: SaasLiteLLMClient, make_team) -> None:  # type: ignore[no-untyped-def]
    other = make_team()
    job_id = other.create_job()
    with pytest.raises(NotFoundError) as caught:
        await client.get_job(job_id)
    assert caught.value.status == 404 and caught.value.message == f"job '{job_id}' not found"
    other.complete(job_id)


@pytest.mark.anyio
async def test_completing_a_job_twice_raises_conflict(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    await client.complete_job(job.job_id)
    with pytest.raises(ConflictError) as caught:
        await client.complete_job(job.job_id)
    assert caught.value.message == f"job '{job.job_id}' is already completed"


@pytest.mark.anyio
async def test_out_of_range_parameter_raises_invalid_request_naming_it(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    with pytest.raises(InvalidRequestError) as caught:
        await client.llm_call(job.job_id, "hi", temperature=7)
    assert caught.value.status == 422 and caught.value.param == "temperature"
    await client.complete_job(job.job_id)


@pytest.mark.anyio
async def test_provider_rate_limit_raises_rate_limit_error_with_retry_after(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.team_id, team.key, retry_policy=FAST_RETRIES) as client:
        job = await client.create_job("x")
        with pytest.raises(RateLimitError) as caught:
            await client.llm_call(job.job_id, "[[fake:error=429]]")
        await client.complete_job(job.job_id, "failed")
    assert caught.value.status == 429 and caught.value.retry_after is not None and caught.value.retry_after >= 1
    assert caught.value.message == "rate limit reached; retry later"


@pytest.mark.anyio
async def test_provider_failure_raises_upstream_error(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    with pytest.raises(UpstreamError) as caught:
        await client.llm_call(job.job_id, "[[fake:error=500]]")
    assert caught.value.status == 502 and caught.value.message == "the model provider failed to answer"
    await client.complete_job(job.job_id, "failed")


@pytest.mark.anyio
async def test_provider_timeout_raises_upstream_timeout(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    with pytest.raises(UpstreamTimeoutError) as caught:
        await client.llm_call(job.job_id, "[[fake:timeout]]")
    assert caught.value.status == 504
    await client.complete_job(job.job_id, "failed")


@pytest.mark.anyio
async def test_stream_that_fails_before_output_raises_when_iteration_starts(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    with pytest.raises(UpstreamError):
        async for _ in client.llm_call_stream(job.job_id, "[[fake:error=500]]"):
            pytest.fail("no text expected")
    await client.complete_job(job.job_id, "failed")


@pytest.mark.anyio
async def test_mid_stream_error_raises_from_the_iterator_after_the_text_so_far(client: SaasLiteLLMClient) -> None:
    job = await client.create_job("x")
    received: list[str] = []
    with pytest.raises(UpstreamError) as caught:
        async for text in client.llm_call_stream(job.job_id, "go on [[fake:cut_after=3]]"):
            received.append(text)
    assert received and caught.value.status == 502 and caught.value.message
    summary = await client.complete_job(job.job_id, "failed")
    assert summary.costs.failed_calls == 1


# -- retries: only where safe, and never twice the work -----------------------------------------


@pytest.mark.anyio
async def test_timed_out_create_and_call_is_retried_with_its_key_and_charged_once(
    stack, team: TeamCtx, fake: httpx.Client
) -> None:  # type: ignore[no-untyped-def]
    before = provider_calls(fake)
    retries = RetryPolicy(max_retries=6, backoff_base=0.5, backoff_max=1.0)
    # The client gives up on each attempt after 1 s; the provider takes 2 s to answer the first.
    async with SaasLiteLLMClient(stack.api_url, team.team_id, team.key, timeout=1.0, retry_policy=retries) as client:
        result = await client.create_and_call("slow", "take your time [[fake:latency=2000]]")
        jobs = await client.list_jobs()
    assert result.content and result.credits_remaining == 99
    assert [job.job_id for job in jobs] == [result.job_id]
    assert provider_calls(fake) - before == 1


@pytest.mark.anyio
async def test_same_idempotency_key_replays_the_first_call(client: SaasLiteLLMClient, fake: httpx.Client) -> None:
    job = await client.create_job("x")
    before = provider_calls(fake)
    first = await client.llm_call(job.job_id, "once", idempotency_key="call-1")
    again = await client.llm_call(job.job_id, "once", idempotency_key="call-1")
    assert again == first and provider_calls(fake) - before == 1
    with pytest.raises(InvalidRequestError) as caught:
        await client.llm_call(job.job_id, "a different body", idempotency_key="call-1")
    assert caught.value.param == "Idempotency-Key"
    assert (await client.complete_job(job.job_id)).costs.total_calls == 1


@pytest.mark.anyio
async def test_rate_limit_is_retried_after_retry_after_and_costs_nothing(
    stack, team: TeamCtx, fake: httpx.Client
) -> None:  # type: ignore[no-untyped-def]
    async with SaasLiteLLMClient(stack.api_url, team.team_id, team.key, max_retries=1) as client:
        job = await client.create_job("x")
        before, started = provider_calls(fake), time.monotonic()
        with pytest.raises(RateLimitError) as caught:
            await client.llm_call(job.job_id, "[[fake:error=429]]")
        elapsed = time.monotonic() - started
        summary = await client.complete_job(job.job_id, "failed")
    assert caught.value.retry_after is not None and elapsed >= caught.value.retry_after
    assert provider_calls(fake) - before == 2  # the first try and one retry
    assert summary.costs.failed_calls == 2 and summary.credits_remaining == 100


@pytest.mark.anyio
async def test_other_errors_are_not_retried(client: SaasLiteLLMClient, fake: httpx.Client) -> None:
    job = await client.create_job("x")
    before = provider_calls(fake)
    with pytest.raises(UpstreamError):
        await client.llm_call(job.job_id, "[[fake:error=500]]")
    assert provider_calls(fake) - before == 1
    await client.complete_job(job.job_id, "failed")


@pytest.mark.anyio
async def test_unreachable_server_raises_connection_error_after_retries() -> None:
    retries = RetryPolicy(max_retries=2, backoff_base=0.01)
    async with SaasLiteLLMClient("http://127.0.0.1:9", "t", "sk-x", retry_policy=retries) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.get_job(uuid.uuid4())
    assert caught.value.status is None and isinstance(caught.value.__cause__, httpx.ConnectError)


# -- the sync client ----------------------------------------------------------------------------


def test_sync_client_runs_a_job_with_buffered_streamed_and_structured_calls(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    with SaasLiteLLMSyncClient(stack.api_url, team.team_id, team.key) as client:
        job = client.create_job("sync", {"via": "sync"})
        reply = client.llm_call(job.job_id, "Say hello!")
        stream = client.llm_call_stream(job.job_id, "Say hello!")
        deltas = list(stream)
        person = client.structured_call(job.job_id, "Extract: Ada, 36", response_model=Person)
        result = client.complete_job(job.job_id)
        usage = client.get_usage()
    assert reply.content and "".join(deltas) == reply.content == stream.result.content
    assert person.age == 42
    assert result.costs.total_calls == 3 and result.credits_remaining == 99 == usage.credits_remaining


def test_sync_client_raises_the_same_typed_errors(stack, team: TeamCtx) -> None:  # type: ignore[no-untyped-def]
    with SaasLiteLLMSyncClient(stack.api_url, team.team_id, "sk-wrong") as client, pytest.raises(AuthenticationError):
        client.create_job("x")
    with SaasLiteLLMSyncClient(stack.api_url, team.team_id, team.key) as client:
        job = client.create_job("x")
        with pytest.raises(UpstreamError), client.llm_call_stream(job.job_id, "[[fake:cut_after=2]]") as stream:
            for _ in stream:
                pass
        client.complete_job(job.job_id, "failed")


# -- error mapping (no server needed) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "code", "expected"),
    [
        (401, "authentication_error", "authentication_failed", AuthenticationError),
        (402, "insufficient_credits", "insufficient_credits", InsufficientCreditsError),
        (403, "permission_denied", "permission_denied", PermissionDeniedError),
        (403, "team_suspended", "team_suspended", TeamSuspendedError),
        (403, "permission_denied", "model_not_allowed", ModelNotAllowedError),
        (404, "not_found", "not_found", NotFoundError),
        (409, "conflict", "already_exists", ConflictError),
        (409, "conflict", "job_not_open", JobNotOpenError),
        (409, "conflict", "calls_in_flight", CallsInFlightError),
        (409, "idempotency_in_progress", "idempotency_in_progress", IdempotencyInProgressError),
        (400, "invalid_request_error", "invalid_request", InvalidRequestError),
        (422, "invalid_request_error", "invalid_request", InvalidRequestError),
        (422, "invalid_request_error", "idempotency_conflict", IdempotencyConflictError),
        (429, "rate_limit_error", "rate_limited", RateLimitError),
        (502, "upstream_error", "provider_error", UpstreamError),
        (503, "service_unavailable", "service_unavailable", ServiceUnavailableError),
        (504, "upstream_timeout", "provider_timeout", UpstreamTimeoutError),
        (500, "something_new", "something_new", SaasLiteLLMError),
    ],
)
def test_each_error_code_maps_to_its_exception(
    status: int, kind: str, code: str, expected: type[SaasLiteLLMError]
) -> None:
    body = f'{{"error": {{"type": "{kind}", "message": "why", "param": "p", "code": "{code}"}}}}'.encode()
    error = error_from_response(status, body, httpx.Headers({"Retry-After": "2"}))
    assert type(error) is expected
    fields = (error.status, error.type, error.code, error.message, error.param, error.retry_after)
    assert fields == (status, kind, code, "why", "p", 2)


def test_a_mid_stream_error_has_the_status_of_its_code() -> None:
    error = error_from_body(
        {"error": {"type": "upstream_error", "message": "cut", "param": None, "code": "provider_error"}}
    )
    assert type(error) is UpstreamError and (error.status, error.code) == (502, "provider_error")


def test_a_non_json_error_body_still_maps_by_status() -> None:
    error = error_from_response(503, b"<html>bad gateway</html>", httpx.Headers())
    assert isinstance(error, ServiceUnavailableError) and "bad gateway" in error.message


# -- the docs page ------------------------------------------------------------------------------


def _doc_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_every_docs_example_runs_as_written(stack, make_team, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The examples target `make up` (localhost:8003, demo-team, .run/demo-team.key); here they
    run unchanged against the test stack, with a fresh team standing in for the demo team."""
    examples = _doc_examples()
    assert len(examples) >= 4
    demo = make_team(credits_allocated=1000)
    (tmp_path / ".run").mkdir()
    (tmp_path / ".run" / "demo-team.key").write_text(demo.key + "\n")
    monkeypatch.chdir(tmp_path)
    for example in examples:
        code = example.replace("http://localhost:8003", stack.api_url).replace('"demo-team"', f'"{demo.team_id}"')
        exec(compile(code, str(DOCS), "exec"), {"__name__": "__main__"})
