"""The async client: one team's jobs, calls (buffered, streamed, structured) and usage.

The blocking client in sync_client.py is generated from this file (`make client`, with unasync), so
changes go here; write them so that dropping `async`/`await` leaves the blocking version.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, Unpack

import anyio
import httpx
from pydantic import BaseModel

from ._api import (
    DEFAULT_TIMEOUT,
    WARNING_HEADER,
    ApiRequest,
    JobApi,
    JobId,
    Messages,
    connection_error,
    default_headers,
    parse_partial,
    parse_structured,
    read_success,
    response_format_for,
)
from ._retry import RetryPolicy
from ._sse import StreamAssembler
from .errors import SaasLiteLLMError, error_from_response
from .models import (
    CallOptions,
    CreateAndCallResult,
    Job,
    JobSummary,
    LLMCallOptions,
    LLMCallResult,
    StreamResult,
    TeamBalance,
    TeamUsage,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class AsyncLLMStream:
    """A streamed call. `async for text in stream` yields the text deltas as they arrive; once the
    stream has ended, `stream.result` holds the final `StreamResult` (whole text, finish_reason,
    call_id, job_id, and the `tool_calls` assembled from their fragments). An error before the first delta raises when iteration (or `async with`)
    starts; one mid-stream raises from the loop. Use `async with` to stop reading early cleanly."""

    def __init__(self, http: httpx.AsyncClient, request: ApiRequest[None]) -> None:
        self._http = http
        self._request = request
        self._assembler = StreamAssembler()
        self._response: httpx.Response | None = None
        self._texts: AsyncGenerator[str, None] | None = None

    @property
    def result(self) -> StreamResult:
        """The final summary; available once the loop has read the whole stream."""
        if self._assembler.result is None:
            raise RuntimeError("the stream has not finished yet; read it to the end first")
        result = self._assembler.result
        result.credits_warning = self.credits_warning
        return result

    @property
    def credits_warning(self) -> bool:
        """The team is past its credit warning threshold (known once the stream has started)."""
        return self._response is not None and WARNING_HEADER in self._response.headers

    async def collect(self) -> StreamResult:
        """Read the rest of the stream and return its result."""
        async for _ in self:
            pass
        return self.result

    def __aiter__(self) -> AsyncLLMStream:
        return self

    async def __anext__(self) -> str:
        if self._texts is None:
            self._texts = self._read()
        return await self._texts.__anext__()

    async def __aenter__(self) -> AsyncLLMStream:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection (the call is still recorded and billed by the server)."""
        if self._texts is not None:
            await self._texts.aclose()
        if self._response is not None:
            await self._response.aclose()

    async def _open(self) -> httpx.Response:
        if self._response is None:
            request = self._request
            built = self._http.build_request(request.method, request.path, json=request.json, headers=request.headers)
            try:
                response = await self._http.send(built, stream=True)
            except httpx.TransportError as exc:
                raise connection_error(request, exc) from exc
            if response.is_error:
                content = await response.aread()
                await response.aclose()
                raise error_from_response(response.status_code, content, response.headers)
            self._response = response
        return self._response

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls streamed so far (their arguments grow as fragments arrive)."""
        return self._assembler.tool_calls

    async def _read(self) -> AsyncGenerator[str, None]:
        response = await self._open()
        try:
            async for line in response.aiter_lines():
                text = self._assembler.feed(line)
                if text:
                    yield text
            self._assembler.finish()
        except httpx.TransportError as exc:
            raise connection_error(self._request, exc) from exc
        finally:
            await response.aclose()


class AsyncStructuredStream(Generic[M]):
    """A streamed call whose reply must fit `response_model`. `async for partial in stream` yields
    the object as it grows: unvalidated instances holding the fields that have arrived so far
    (`partial.model_fields_set` names them). Once the stream has ended, `stream.result` is the
    validated object (StructuredOutputError if the whole reply does not fit) and `stream.raw` the
    underlying `AsyncLLMStream` (call_id, job_id, finish_reason, credits_warning)."""

    def __init__(self, stream: AsyncLLMStream, response_model: type[M]) -> None:
        self.raw = stream
        self._model = response_model
        self._partials: AsyncGenerator[M, None] | None = None
        self._result: M | None = None

    @property
    def result(self) -> M:
        """The validated object; available once the loop has read the whole stream."""
        if self._result is None:
            raise RuntimeError("the stream has not finished yet; read it to the end first")
        return self._result

    async def collect(self) -> M:
        """Read the rest of the stream and return the validated object."""
        async for _ in self:
            pass
        return self.result

    def __aiter__(self) -> AsyncStructuredStream[M]:
        return self

    async def __anext__(self) -> M:
        if self._partials is None:
            self._partials = self._read()
        return await self._partials.__anext__()

    async def __aenter__(self) -> AsyncStructuredStream[M]:
        await self.raw.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection (the call is still recorded and billed by the server)."""
        if self._partials is not None:
            await self._partials.aclose()
        await self.raw.aclose()

    async def _read(self) -> AsyncGenerator[M, None]:
        text = ""
        last: M | None = None
        async for delta in self.raw:
            text += delta
            partial = parse_partial(text, self._model)
            if partial is not None and partial != last:
                last = partial
                yield partial
        self._result = parse_structured(self.raw.result, self._model)


class SaasLiteLLMClient:
    """Async client for one team, authenticated by its virtual key (API key).

    Use it as `async with SaasLiteLLMClient(base_url, virtual_key) as client:`; the client learns
    its team from the key (`await client.get_team_id()`). The older form
    `SaasLiteLLMClient(base_url, team_id, virtual_key)` still works, and the server refuses a
    team_id that is not the key's. GETs and POSTs that carry an Idempotency-Key (one is made per
    call unless you pass `idempotency_key`) are retried up to `max_retries` times on connection
    errors, 429 and 503; nothing else is. Each wait before a retry is logged (logger
    `saas_litellm_client`; WARNING when the server's `Retry-After` sets it) and passed to
    `RetryPolicy.on_retry`. `credits_warning` is True when the last answer said the team is past
    its credit warning threshold (each result carries its own flag too).
    """

    def __init__(
        self,
        base_url: str,
        team_id: str | None = None,
        virtual_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        """`SaasLiteLLMClient(base_url, virtual_key)`, or with the team:
        `SaasLiteLLMClient(base_url, team_id, virtual_key)`. `timeout` is in seconds (or an
        `httpx.Timeout`); `retry_policy`, when given, replaces `max_retries` with a full
        `RetryPolicy` (backoff and Retry-After limits, `on_retry`)."""
        key = virtual_key if virtual_key is not None else team_id  # the two-argument form: (base_url, key)
        if key is None:
            raise TypeError("SaasLiteLLMClient needs the team's virtual_key")
        team_id = team_id if virtual_key is not None else None
        self.team_id = team_id
        self.credits_warning = False
        self._api = JobApi(team_id)
        self._retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, headers=default_headers(key))

    async def __aenter__(self) -> SaasLiteLLMClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_team_id(self) -> str:
        """The key's team, asked of the server once (`GET /api/me`) unless given to the constructor."""
        if self.team_id is None:
            self.team_id = self._api.team_id = await self._send(self._api.me())
        return self.team_id

    # -- jobs -----------------------------------------------------------------------------------

    async def create_job(
        self, job_type: str, metadata: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Job:
        """Create a job (pending until its first call)."""
        return await self._send(self._api.create_job(job_type, metadata, idempotency_key))

    async def get_job(self, job_id: JobId) -> JobSummary:
        """The job with its calls and costs."""
        return await self._send(self._api.get_job(job_id))

    async def list_jobs(
        self, *, status: str | None = None, job_type: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Job]:
        """The team's jobs, newest first."""
        return await self._send(self._api.list_jobs(status, job_type, limit, offset))

    async def complete_job(
        self,
        job_id: JobId,
        status: Literal["completed", "failed"] = "completed",
        *,
        metadata: dict[str, Any] | None = None,
        error_message: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobSummary:
        """End the job; the summary's `credits_remaining` is the team's balance afterwards."""
        return await self._send(self._api.complete_job(job_id, status, metadata, error_message, idempotency_key))

    # -- calls ----------------------------------------------------------------------------------

    async def llm_call(
        self,
        job_id: JobId,
        messages: Messages,
        model: str | None = None,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[LLMCallOptions],
    ) -> LLMCallResult:
        """One buffered call in the job. `messages` may be a plain string (one user message)."""
        return await self._send(self._api.llm_call(job_id, messages, model, dict(params), idempotency_key))

    def llm_call_stream(
        self, job_id: JobId, messages: Messages, model: str | None = None, **params: Unpack[LLMCallOptions]
    ) -> AsyncLLMStream:
        """One streamed call in the job: `async for text in client.llm_call_stream(...)`."""
        return AsyncLLMStream(self._http, self._api.llm_call_stream(job_id, messages, model, dict(params)))

    async def structured_call(
        self,
        job_id: JobId,
        messages: Messages,
        response_model: type[M],
        model: str | None = None,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[LLMCallOptions],
    ) -> M:
        """A call whose reply must fit `response_model` (a Pydantic model): its JSON schema is sent
        as `response_format`, and the reply comes back as a validated instance."""
        options: dict[str, Any] = {**params, "response_format": response_format_for(response_model)}
        result = await self._send(self._api.llm_call(job_id, messages, model, options, idempotency_key))
        return parse_structured(result, response_model)

    def structured_call_stream(
        self,
        job_id: JobId,
        messages: Messages,
        response_model: type[M],
        model: str | None = None,
        **params: Unpack[LLMCallOptions],
    ) -> AsyncStructuredStream[M]:
        """A streamed call whose reply must fit `response_model`: `async for partial in stream`
        yields the object as it grows, and `stream.result` is the validated one at the end."""
        options: dict[str, Any] = {**params, "response_format": response_format_for(response_model)}
        stream = AsyncLLMStream(self._http, self._api.llm_call_stream(job_id, messages, model, options))
        return AsyncStructuredStream(stream, response_model)

    async def create_and_call(
        self,
        job_type: str,
        messages: Messages,
        model: str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        **params: Unpack[CallOptions],
    ) -> CreateAndCallResult:
        """A job of one call, completed (or failed) in one request; `result.job` is its summary."""
        request = self._api.create_and_call(job_type, messages, model, metadata, dict(params), idempotency_key)
        return await self._send(request)

    def create_and_call_stream(
        self,
        job_type: str,
        messages: Messages,
        model: str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        **params: Unpack[CallOptions],
    ) -> AsyncLLMStream:
        """A job of one streamed call; it ends when the stream does (`result.job_id` names it)."""
        request = self._api.create_and_call_stream(job_type, messages, model, metadata, dict(params))
        return AsyncLLMStream(self._http, request)

    # -- usage ----------------------------------------------------------------------------------

    async def get_usage(
        self, *, start: datetime | None = None, end: datetime | None = None, job_type: str | None = None
    ) -> TeamUsage:
        """The team's jobs, calls and credits, optionally for a period or one job type."""
        await self.get_team_id()
        return await self._send(self._api.get_usage(start, end, job_type))

    async def get_balance(self, *, limit: int = 50, before: int | None = None) -> TeamBalance:
        """The team's credits remaining, available and held, in its budget unit, with a page of its
        ledger, newest first (`before`: the previous page's `next_cursor`)."""
        await self.get_team_id()
        return await self._send(self._api.get_balance(limit, before))

    # -- transport ------------------------------------------------------------------------------

    async def _send(self, request: ApiRequest[T]) -> T:
        attempt = 0
        while True:
            error: SaasLiteLLMError
            try:
                response = await self._http.request(
                    request.method, request.path, json=request.json, params=request.params, headers=request.headers
                )
            except httpx.TransportError as exc:
                error = connection_error(request, exc)
            else:
                self.credits_warning = WARNING_HEADER in response.headers
                if response.is_success:
                    return read_success(request, response)
                error = error_from_response(response.status_code, response.content, response.headers)
            wait = self._retry.plan_retry(request, attempt, error)
            if wait is None:
                raise error
            self._retry.announce(request, attempt, error, wait)
            await anyio.sleep(wait)
            attempt += 1
