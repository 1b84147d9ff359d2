"""Typed Python client for the SaaS LiteLLM job API.

async with SaasLiteLLMClient("http://localhost:8003", "demo-team", virtual_key) as client:
    job = await client.create_job("document_analysis")
    reply = await client.llm_call(job.job_id, "Say hello!")
    summary = await client.complete_job(job.job_id)
    print(reply.content, summary.credits_remaining)
"""

from ._retry import RetryPolicy
from .client import AsyncLLMStream, SaasLiteLLMClient
from .errors import (
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
    SaasLiteLLMError,
    ServiceUnavailableError,
    StructuredOutputError,
    TeamSuspendedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from .models import (
    CallOptions,
    CallReply,
    CreateAndCallRequest,
    CreateAndCallResult,
    Job,
    JobCall,
    JobCompleteRequest,
    JobCosts,
    JobCounts,
    JobCreateRequest,
    JobSummary,
    LLMCallOptions,
    LLMCallRequest,
    LLMCallResult,
    Message,
    StreamResult,
    TeamUsage,
)
from .sync_client import LLMStream, SaasLiteLLMSyncClient

__all__ = [
    "APIConnectionError",
    "AsyncLLMStream",
    "AuthenticationError",
    "CallOptions",
    "CallReply",
    "CallsInFlightError",
    "ConflictError",
    "CreateAndCallRequest",
    "CreateAndCallResult",
    "IdempotencyConflictError",
    "IdempotencyInProgressError",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "Job",
    "JobCall",
    "JobCompleteRequest",
    "JobCosts",
    "JobCounts",
    "JobCreateRequest",
    "JobNotOpenError",
    "JobSummary",
    "LLMCallOptions",
    "LLMCallRequest",
    "LLMCallResult",
    "LLMStream",
    "Message",
    "ModelNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "SaasLiteLLMClient",
    "SaasLiteLLMError",
    "SaasLiteLLMSyncClient",
    "ServiceUnavailableError",
    "StreamResult",
    "StructuredOutputError",
    "TeamSuspendedError",
    "TeamUsage",
    "UpstreamError",
    "UpstreamTimeoutError",
]
