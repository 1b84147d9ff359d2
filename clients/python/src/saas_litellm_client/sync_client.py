# Generated from client.py by scripts/gen_sync_client.py (make client): edit client.py, not this file.
"""The blocking twin of `SaasLiteLLMClient`, for scripts and code without an event loop.

Same methods, same requests, retries and errors (they are built in `_api`, `_retry` and `_sse`);
only the I/O differs.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, Unpack

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


class LLMStream:
    """A streamed call. `for text in stream` yields the text deltas as they arrive; once the
    stream has ended, `stream.result` holds the final `StreamResult` (whole text, finish_reason,
    call_id, job_id, and the `tool_calls` assembled from their fragments). An error before the first delta raises when iteration (or `with`)
    starts; one mid-stream raises from the loop. Use `with` to stop reading early cleanly."""

    def __init__(self, http: httpx.Client, request: ApiRequest[None]) -> None:
        self._http = http
        self._request = request
        self._assembler = StreamAssembler()
        self._response: httpx.Response | None = None
        self._texts: Generator[str, None] | None = None

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

    def collect(self) -> StreamResult:
        """Read the rest of the stream and return its result."""
        for _ in self:
            pass
        return self.result

    def __iter__(self) -> LLMStream:
        return self

    def __next__(self) -> str:
        if self._texts is None:
            self._texts = self._read()
        return self._texts.__next__()

    def __enter__(self) -> LLMStream:
        self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the call is still recorded and billed by the server)."""
        if self._texts is not None:
            self._texts.close()
        if self._response is not None:
            self._response.close()

    def _open(self) -> httpx.Response:
        if self._response is None:
            request = self._request
            built = self._http.build_request(request.method, request.path, json=request.json, headers=request.headers)
            try:
                response = self._http.send(built, stream=True)
            except httpx.TransportError as exc:
                raise connection_error(request, exc) from exc
            if response.is_error:
                content = response.read()
                response.close()
                raise error_from_response(response.status_code, content, response.headers)
            self._response = response
        return self._response

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls streamed so far (their arguments grow as fragments arrive)."""
        return self._assembler.tool_calls

    def _read(self) -> Generator[str, None]:
        response = self._open()
        try:
            for line in response.iter_lines():
                text = self._assembler.feed(line)
                if text:
                    yield text
            self._assembler.finish()
        except httpx.TransportError as exc:
            raise connection_error(self._request, exc) from exc
        finally:
            response.close()


class StructuredStream(Generic[M]):
    """A streamed call whose reply must fit `response_model`. `for partial in stream` yields
    the object as it grows: unvalidated instances holding the fields that have arrived so far
    (`partial.model_fields_set` names them). Once the stream has ended, `stream.result` is the
    validated object (StructuredOutputError if the whole reply does not fit) and `stream.raw` the
    underlying `LLMStream` (call_id, job_id, finish_reason, credits_warning)."""

    def __init__(self, stream: LLMStream, response_model: type[M]) -> None:
        self.raw = stream
        self._model = response_model
        self._partials: Generator[M, None] | None = None
        self._result: M | None = None

    @property
    def result(self) -> M:
        """The validated object; available once the loop has read the whole stream."""
        if self._result is None:
            raise RuntimeError("the stream has not finished yet; read it to the end first")
        return self._result

    def collect(self) -> M:
        """Read the rest of the stream and return the validated object."""
        for _ in self:
            pass
        return self.result

    def __iter__(self) -> StructuredStream[M]:
        return self

    def __next__(self) -> M:
        if self._partials is None:
            self._partials = self._read()
        return self._partials.__next__()

    def __enter__(self) -> StructuredStream[M]:
        self.raw.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the call is still recorded and billed by the server)."""
        if self._partials is not None:
            self._partials.close()
        self.raw.close()

    def _read(self) -> Generator[M, None]:
        text = ""
        last: M | None = None
        for delta in self.raw:
            text += delta
            partial = parse_partial(text, self._model)
            if partial is not None and partial != last:
                last = partial
                yield partial
        self._result = parse_structured(self.raw.result, self._model)


class SaasLiteLLMSyncClient:
    """Blocking client for one team, authenticated by its virtual key (API key).

    Use it as `with SaasLiteLLMSyncClient(base_url, virtual_key) as client:`; the client learns
    its team from the key (`client.get_team_id()`). The older form
    `SaasLiteLLMSyncClient(base_url, team_id, virtual_key)` still works, and the server refuses a
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
        """`SaasLiteLLMSyncClient(base_url, virtual_key)`, or with the team:
        `SaasLiteLLMSyncClient(base_url, team_id, virtual_key)`. `timeout` is in seconds (or an
        `httpx.Timeout`); `retry_policy`, when given, replaces `max_retries` with a full
        `RetryPolicy` (backoff and Retry-After limits, `on_retry`)."""
        key = virtual_key if virtual_key is not None else team_id  # the two-argument form: (base_url, key)
        if key is None:
            raise TypeError("SaasLiteLLMSyncClient needs the team's virtual_key")
        team_id = team_id if virtual_key is not None else None
        self.team_id = team_id
        self.credits_warning = False
        self._api = JobApi(team_id)
        self._retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self._http = httpx.Client(base_url=base_url, timeout=timeout, headers=default_headers(key))

    def __enter__(self) -> SaasLiteLLMSyncClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_team_id(self) -> str:
        """The key's team, asked of the server once (`GET /api/me`) unless given to the constructor."""
        if self.team_id is None:
            self.team_id = self._api.team_id = self._send(self._api.me())
        return self.team_id

    # -- jobs -----------------------------------------------------------------------------------

    def create_job(
        self, job_type: str, metadata: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Job:
        """Create a job (pending until its first call)."""
        return self._send(self._api.create_job(job_type, metadata, idempotency_key))

    def get_job(self, job_id: JobId) -> JobSummary:
        """The job with its calls and costs."""
        return self._send(self._api.get_job(job_id))

    def list_jobs(
        self, *, status: str | None = None, job_type: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Job]:
        """The team's jobs, newest first."""
        return self._send(self._api.list_jobs(status, job_type, limit, offset))

    def complete_job(
        self,
        job_id: JobId,
        status: Literal["completed", "failed"] = "completed",
        *,
        metadata: dict[str, Any] | None = None,
        error_message: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobSummary:
        """End the job; the summary's `credits_remaining` is the team's balance afterwards."""
        return self._send(self._api.complete_job(job_id, status, metadata, error_message, idempotency_key))

    # -- calls ----------------------------------------------------------------------------------

    def llm_call(
        self,
        job_id: JobId,
        messages: Messages,
        model: str | None = None,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[LLMCallOptions],
    ) -> LLMCallResult:
        """One buffered call in the job. `messages` may be a plain string (one user message)."""
        return self._send(self._api.llm_call(job_id, messages, model, dict(params), idempotency_key))

    def llm_call_stream(
        self, job_id: JobId, messages: Messages, model: str | None = None, **params: Unpack[LLMCallOptions]
    ) -> LLMStream:
        """One streamed call in the job: `for text in client.llm_call_stream(...)`."""
        return LLMStream(self._http, self._api.llm_call_stream(job_id, messages, model, dict(params)))

    def structured_call(
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
        result = self._send(self._api.llm_call(job_id, messages, model, options, idempotency_key))
        return parse_structured(result, response_model)

    def structured_call_stream(
        self,
        job_id: JobId,
        messages: Messages,
        response_model: type[M],
        model: str | None = None,
        **params: Unpack[LLMCallOptions],
    ) -> StructuredStream[M]:
        """A streamed call whose reply must fit `response_model`: `for partial in stream`
        yields the object as it grows, and `stream.result` is the validated one at the end."""
        options: dict[str, Any] = {**params, "response_format": response_format_for(response_model)}
        stream = LLMStream(self._http, self._api.llm_call_stream(job_id, messages, model, options))
        return StructuredStream(stream, response_model)

    def create_and_call(
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
        return self._send(request)

    def create_and_call_stream(
        self,
        job_type: str,
        messages: Messages,
        model: str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        **params: Unpack[CallOptions],
    ) -> LLMStream:
        """A job of one streamed call; it ends when the stream does (`result.job_id` names it)."""
        request = self._api.create_and_call_stream(job_type, messages, model, metadata, dict(params))
        return LLMStream(self._http, request)

    # -- usage ----------------------------------------------------------------------------------

    def get_usage(
        self, *, start: datetime | None = None, end: datetime | None = None, job_type: str | None = None
    ) -> TeamUsage:
        """The team's jobs, calls and credits, optionally for a period or one job type."""
        self.get_team_id()
        return self._send(self._api.get_usage(start, end, job_type))

    def get_balance(self, *, limit: int = 50, before: int | None = None) -> TeamBalance:
        """The team's credits remaining, available and held, in its budget unit, with a page of its
        ledger, newest first (`before`: the previous page's `next_cursor`)."""
        self.get_team_id()
        return self._send(self._api.get_balance(limit, before))

    # -- transport ------------------------------------------------------------------------------

    def _send(self, request: ApiRequest[T]) -> T:
        attempt = 0
        while True:
            error: SaasLiteLLMError
            try:
                response = self._http.request(
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
            time.sleep(wait)
            attempt += 1
