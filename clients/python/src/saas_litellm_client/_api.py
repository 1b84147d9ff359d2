"""What each client method sends and how its answer is read, shared by the async and sync clients.

Every POST that the server can deduplicate gets an Idempotency-Key (the caller's, or one made
here) that stays the same across retries, so a retried request never does its work twice.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import from_json

from .errors import APIConnectionError, StructuredOutputError
from .models import (
    CreateAndCallRequest,
    CreateAndCallResult,
    Job,
    JobCompleteRequest,
    JobCreateRequest,
    JobSummary,
    LLMCallRequest,
    LLMCallResult,
    Message,
    ResponseBody,
    StreamResult,
    TeamBalance,
    TeamUsage,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Messages = str | Sequence[Message | Mapping[str, Any]]
JobId = uuid.UUID | str
_JOB_LIST = TypeAdapter(list[Job])
# Calls can take as long as the server's model deadline (60 s by default); streams reset it per chunk.
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


try:
    USER_AGENT = f"saas-litellm-client/{version('saas-litellm-client')}"
except PackageNotFoundError:  # imported from a source tree
    USER_AGENT = "saas-litellm-client"


def default_headers(virtual_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {virtual_key}", "User-Agent": USER_AGENT}


def new_idempotency_key() -> str:
    return f"sdk-{uuid.uuid4()}"


def _none(_: Any) -> None:
    return None


def _team_id(body: Any) -> str:
    return str(body["team_id"])


@dataclass
class ApiRequest(Generic[T]):
    """One logical request: where it goes, its body, and how to read a successful answer."""

    method: Literal["GET", "POST"]
    path: str
    parse: Callable[[Any], T]
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    idempotency_key: str | None = None
    key_generated: bool = False
    stream: bool = False

    @property
    def retry_safe(self) -> bool:
        return self.method == "GET" or self.idempotency_key is not None

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Idempotency-Key": self.idempotency_key} if self.idempotency_key else {}
        return {**headers, "Accept": "text/event-stream"} if self.stream else headers

    def rotate_idempotency_key(self) -> None:
        self.idempotency_key = new_idempotency_key()


WARNING_HEADER = "X-Credits-Warning"


def read_success(request: ApiRequest[T], response: httpx.Response) -> T:
    """The parsed body of a successful answer, flagged when the team is past its warning threshold."""
    result = request.parse(response.json())
    if WARNING_HEADER in response.headers and isinstance(result, ResponseBody):
        result.credits_warning = True
    return result


def connection_error(request: ApiRequest[Any], exc: httpx.TransportError) -> APIConnectionError:
    """The error for a request that got no answer (refused, dropped or timed out)."""
    error = APIConnectionError(f"{request.method} {request.path} got no answer: {type(exc).__name__} {exc}".strip())
    error.__cause__ = exc
    return error


def _keyed(request: ApiRequest[T], key: str | None) -> ApiRequest[T]:
    request.idempotency_key = key or new_idempotency_key()
    request.key_generated = key is None
    return request


def _messages(messages: Messages) -> list[Message]:
    if isinstance(messages, str):
        return [Message(role="user", content=messages)]
    return [m if isinstance(m, Message) else Message.model_validate(dict(m)) for m in messages]


def _params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@dataclass
class JobApi:
    """Builds the requests of one team's client. `team_id` is None until the client learns it
    (`GET /api/me`); the job API takes the team from the key, so only usage needs it."""

    team_id: str | None = None

    def me(self) -> ApiRequest[str]:
        return ApiRequest("GET", "/api/me", _team_id)

    def create_job(self, job_type: str, metadata: dict[str, Any] | None, key: str | None) -> ApiRequest[Job]:
        body = JobCreateRequest(team_id=self.team_id, job_type=job_type, metadata=metadata or {})
        return _keyed(ApiRequest("POST", "/api/jobs/create", Job.model_validate, json=body.body()), key)

    def get_job(self, job_id: JobId) -> ApiRequest[JobSummary]:
        return ApiRequest("GET", f"/api/jobs/{job_id}", JobSummary.model_validate)

    def list_jobs(self, status: str | None, job_type: str | None, limit: int, offset: int) -> ApiRequest[list[Job]]:
        query = _params(status=status, job_type=job_type, limit=limit, offset=offset)
        return ApiRequest("GET", "/api/jobs", _JOB_LIST.validate_python, params=query)

    def llm_call(
        self, job_id: JobId, messages: Messages, model: str | None, params: dict[str, Any], key: str | None
    ) -> ApiRequest[LLMCallResult]:
        body = LLMCallRequest(messages=_messages(messages), model=model, **params)
        request = ApiRequest("POST", f"/api/jobs/{job_id}/llm-call", LLMCallResult.model_validate, json=body.body())
        return _keyed(request, key)

    def llm_call_stream(
        self, job_id: JobId, messages: Messages, model: str | None, params: dict[str, Any]
    ) -> ApiRequest[None]:
        # The server takes no Idempotency-Key on streams, so they are never retried.
        body = LLMCallRequest(messages=_messages(messages), model=model, **params)
        return ApiRequest("POST", f"/api/jobs/{job_id}/llm-call-stream", _none, json=body.body(), stream=True)

    def complete_job(
        self,
        job_id: JobId,
        status: Literal["completed", "failed"],
        metadata: dict[str, Any] | None,
        error_message: str | None,
        key: str | None,
    ) -> ApiRequest[JobSummary]:
        body = JobCompleteRequest(status=status, metadata=metadata, error_message=error_message)
        request = ApiRequest("POST", f"/api/jobs/{job_id}/complete", JobSummary.model_validate, json=body.body())
        return _keyed(request, key)

    def create_and_call(
        self,
        job_type: str,
        messages: Messages,
        model: str | None,
        metadata: dict[str, Any] | None,
        params: dict[str, Any],
        key: str | None,
    ) -> ApiRequest[CreateAndCallResult]:
        body = self._create_and_call_body(job_type, messages, model, metadata, params)
        request = ApiRequest("POST", "/api/jobs/create-and-call", CreateAndCallResult.model_validate, json=body)
        return _keyed(request, key)

    def create_and_call_stream(
        self,
        job_type: str,
        messages: Messages,
        model: str | None,
        metadata: dict[str, Any] | None,
        params: dict[str, Any],
    ) -> ApiRequest[None]:
        body = self._create_and_call_body(job_type, messages, model, metadata, params)
        return ApiRequest("POST", "/api/jobs/create-and-call-stream", _none, json=body, stream=True)

    def get_usage(self, start: datetime | None, end: datetime | None, job_type: str | None) -> ApiRequest[TeamUsage]:
        if self.team_id is None:
            raise ValueError("the team is not known yet: the client learns it first (GET /api/me)")
        query = _params(
            start=start.isoformat() if start else None, end=end.isoformat() if end else None, job_type=job_type
        )
        return ApiRequest("GET", f"/api/teams/{self.team_id}/usage", TeamUsage.model_validate, params=query)

    def get_balance(self, limit: int, before: int | None) -> ApiRequest[TeamBalance]:
        if self.team_id is None:
            raise ValueError("the team is not known yet: the client learns it first (GET /api/me)")
        query = _params(limit=limit, before=before)
        return ApiRequest("GET", f"/api/teams/{self.team_id}/balance", TeamBalance.model_validate, params=query)

    def _create_and_call_body(
        self,
        job_type: str,
        messages: Messages,
        model: str | None,
        metadata: dict[str, Any] | None,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        return CreateAndCallRequest(
            team_id=self.team_id,
            job_type=job_type,
            metadata=metadata or {},
            messages=_messages(messages),
            model=model,
            **params,
        ).body()


# -- structured output --------------------------------------------------------------------------


def response_format_for(response_model: type[BaseModel]) -> dict[str, Any]:
    """An OpenAI `json_schema` response_format built from the model's JSON schema."""
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", response_model.__name__)[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": response_model.model_json_schema()}}


def parse_structured(result: LLMCallResult | StreamResult, response_model: type[M]) -> M:
    """The reply validated as `response_model`; StructuredOutputError if it does not fit."""
    content = result.response.content if isinstance(result, LLMCallResult) else result.content
    parsed = result.response.parsed if isinstance(result, LLMCallResult) else None
    try:
        if parsed is not None:
            return response_model.model_validate(parsed)
        return response_model.model_validate_json(content or "")
    except PydanticValidationError as exc:
        raise StructuredOutputError(
            f"the reply to call {result.call_id} does not match {response_model.__name__}: {exc}", content=content
        ) from exc


def parse_partial(text: str, response_model: type[M]) -> M | None:
    """What a growing JSON reply holds so far, as an unvalidated `response_model` (fields not yet
    arrived are absent: `model_fields_set` names those that are), or None before its first field."""
    try:
        value = from_json(text, allow_partial=True)
    except ValueError:
        return None
    if not isinstance(value, dict) or not value:
        return None
    return response_model.model_construct(**value)
