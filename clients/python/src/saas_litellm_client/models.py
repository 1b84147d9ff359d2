"""Pydantic models for every request and response of the job API.

Responses ignore fields they do not know, so a newer server does not break an older client.
Requests allow extra fields and leave range checks to the server, which answers with an
`InvalidRequestError` naming the field: one set of rules, kept in one place.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

# -- requests -----------------------------------------------------------------------------------


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    def body(self) -> dict[str, Any]:
        """The JSON body, without unset optional fields."""
        return self.model_dump(mode="json", exclude_none=True)


class Message(BaseModel):
    """An OpenAI chat message; tool-call fields (`tool_calls`, `tool_call_id`, `name`) pass through."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class JobCreateRequest(RequestBody):
    team_id: str | None = None
    job_type: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class CallParams(RequestBody):
    """What a call may ask of the model; `model` is one of the team's aliases."""

    messages: list[Message]
    model: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    user: str | None = None


class LLMCallRequest(CallParams):
    purpose: str | None = None


class CallOptions(TypedDict, total=False):
    """The keyword arguments a call takes besides `messages` and `model` (types for editors)."""

    temperature: float
    top_p: float
    max_tokens: int
    stop: str | list[str]
    presence_penalty: float
    frequency_penalty: float
    seed: int
    response_format: dict[str, Any]
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    user: str


class LLMCallOptions(CallOptions, total=False):
    purpose: str  # a label for the call within its job


class CreateAndCallRequest(CallParams):
    team_id: str | None = None
    job_type: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class JobCompleteRequest(RequestBody):
    status: Literal["completed", "failed"]
    metadata: dict[str, Any] | None = None
    error_message: str | None = None


# -- responses ----------------------------------------------------------------------------------


class ResponseBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Set by the client from the response's X-Credits-Warning header, not sent in the body.
    credits_warning: bool = Field(
        default=False, exclude=True, description="the team is past its credit warning threshold"
    )


class Job(ResponseBody):
    job_id: uuid.UUID
    team_id: str
    job_type: str
    status: str  # pending | in_progress | completed | failed
    metadata: dict[str, Any]
    result_metadata: dict[str, Any] | None = None  # given when the job was completed
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


class JobCosts(ResponseBody):
    total_calls: int
    successful_calls: int
    failed_calls: int
    credits_applied: int
    credits_remaining: int
    budget_unit: str


class JobCall(ResponseBody):
    call_id: uuid.UUID
    model: str
    status: str
    stream: bool
    finish_reason: str | None
    created_at: datetime


class JobSummary(Job):
    """A job with its calls and what it cost (what `get_job` and `complete_job` return)."""

    costs: JobCosts
    calls: list[JobCall] = Field(default_factory=list)

    @property
    def credits_remaining(self) -> int:
        """The team's credits left, as of this summary."""
        return self.costs.credits_remaining


class CallReply(ResponseBody):
    content: str | None
    finish_reason: str | None
    tool_calls: list[dict[str, Any]] | None = None
    parsed: Any | None = None  # the reply as JSON, when response_format asked for JSON


class LLMCallResult(ResponseBody):
    call_id: uuid.UUID
    job_id: uuid.UUID
    model: str  # the alias that answered
    response: CallReply
    cache_hit: bool = False

    @property
    def content(self) -> str | None:
        """The reply text (shortcut for `response.content`)."""
        return self.response.content


class CreateAndCallResult(LLMCallResult):
    job: JobSummary

    @property
    def credits_remaining(self) -> int:
        return self.job.costs.credits_remaining


class StreamResult(ResponseBody):
    """The end of a streamed call: the whole text and the server's final event."""

    content: str
    finish_reason: str | None
    call_id: uuid.UUID
    job_id: uuid.UUID
    tool_calls: list[dict[str, Any]] | None = Field(
        None, description="the tool calls the model made, assembled from their streamed fragments"
    )


class JobCounts(ResponseBody):
    total: int
    pending: int
    in_progress: int
    completed: int
    failed: int
    credits_charged: int


class TeamUsage(ResponseBody):
    """What a team may see about its own usage: jobs, calls and credits."""

    team_id: str
    start: datetime | None
    end: datetime | None
    jobs: JobCounts
    calls: int
    jobs_by_type: dict[str, int]
    credits_allocated: int
    credits_remaining: int
    credits_used: int
    budget_unit: str


class TeamLedgerEntry(ResponseBody):
    """One change to the team's balance, as the team sees it (amounts in its budget unit)."""

    id: int
    kind: str
    amount: int
    held_delta: int
    balance_after: int
    job_id: uuid.UUID | None
    reason: str | None
    created_at: datetime


class TeamBalance(ResponseBody):
    """What an app shows its customer: credits remaining, available and held, and the team's ledger."""

    team_id: str
    budget_mode: str
    budget_unit: str
    credits_remaining: int
    credits_available: int
    credits_held: int
    limit_type: str
    period: str | None = None
    next_renewal_at: datetime | None = None
    job_type_prices: dict[str, int]
    entries: list[TeamLedgerEntry]
    next_cursor: int | None
