"""Job API bodies. Teams see jobs, calls and credits; never models, providers, tokens or our costs."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..metadata import Metadata


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JobCreate(Strict):
    team_id: str | None = Field(None, description="optional; must be the key's own team")
    job_type: str = Field(min_length=1, max_length=128, examples=["document_analysis"])
    metadata: Metadata = Field(default_factory=dict)


class JobOut(BaseModel):
    job_id: uuid.UUID
    team_id: str
    job_type: str
    status: str
    metadata: dict[str, Any]
    result_metadata: dict[str, Any] | None = Field(None, description="the metadata given when the job was completed")
    error_message: str | None = Field(None, description="why the job failed, when it did")
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


class Message(BaseModel):
    """An OpenAI chat message."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = Field(None, max_length=256)
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = Field(None, max_length=256)

    @model_validator(mode="after")
    def _shape_fits_role(self) -> "Message":
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.role == "assistant" and self.content is None and not self.tool_calls:
            raise ValueError("an assistant message needs content or tool_calls")
        if self.role in ("system", "developer", "user") and not self.content:
            raise ValueError(f"a {self.role} message needs content")
        if self.tool_calls is not None and self.role != "assistant":
            raise ValueError("only assistant messages carry tool_calls")
        return self


class CallParams(Strict):
    """What a team may ask of a model. Anything else (api_base, api_key, mock_response...) is refused."""

    messages: list[Message] = Field(min_length=1, max_length=1000)
    model: str | None = Field(None, max_length=128, description="a model alias; default: the team's")
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    user: str | None = Field(None, max_length=256)

    def provider_params(self) -> dict[str, Any]:
        """The body for LiteLLM, minus the alias (resolved by us)."""
        return self.model_dump(exclude_none=True, exclude={"model", "purpose", "job_type", "team_id", "metadata"})


class LLMCallRequest(CallParams):
    purpose: str | None = Field(None, max_length=256, description="a label for this call within the job")


class CreateAndCallRequest(CallParams):
    team_id: str | None = None
    job_type: str = Field(min_length=1, max_length=128)
    metadata: Metadata = Field(default_factory=dict)


class CallReply(BaseModel):
    content: str | None
    finish_reason: str | None
    tool_calls: list[dict[str, Any]] | None = None
    parsed: Any | None = Field(None, description="the reply as JSON, when response_format asked for JSON")


class LLMCallResponse(BaseModel):
    call_id: uuid.UUID
    job_id: uuid.UUID
    model: str = Field(description="the alias that answered")
    response: CallReply
    cache_hit: bool = False


class JobComplete(Strict):
    status: Literal["completed", "failed"]
    metadata: Metadata | None = None
    error_message: str | None = Field(None, max_length=2000)


class JobCosts(BaseModel):
    total_calls: int
    successful_calls: int
    failed_calls: int
    credits_applied: int
    credits_remaining: int
    budget_unit: str


class JobCallOut(BaseModel):
    call_id: uuid.UUID
    model: str
    status: str
    stream: bool
    finish_reason: str | None
    created_at: datetime


class JobSummary(JobOut):
    costs: JobCosts
    calls: list[JobCallOut] = []


class CreateAndCallResponse(LLMCallResponse):
    job: JobSummary
