"""The app factory: routers, the error mapping, and the pools that live as long as the process."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from . import admin, sweeper, vault
from .analytics.router import router as analytics_router
from .concurrency import ConcurrencyLimiter
from .config import get_settings
from .db import close_call_pool, get_engine
from .errors import ERROR_RESPONSES, UnexpectedErrors, install_error_handlers
from .identity import router as identity_router
from .jobs.embeddings_router import router as job_embeddings_router
from .jobs.router import router as jobs_router
from .limits import BodySizeLimit, reject_unstorable_input
from .litellm_proxy import LiteLLMProxy
from .openai_compat.embeddings import router as openai_embeddings_router
from .openai_compat.responses import router as openai_responses_router
from .openai_compat.router import router as openai_router
from .tenancy.key_migration import run_key_migration
from .tenancy.router import router as tenancy_router

DESCRIPTION = """
Job-based cost tracking, credits and multi-tenancy in front of the LiteLLM proxy.

* **Job API** — header `Authorization: Bearer <team API key>`.
* **Admin API** — header `X-Admin-Key: <MASTER_KEY>`.

Errors always have the shape `{"error": {"type", "message", "param", "code"}}`, where `code` is a
stable name for the case (`job_not_open`, `model_not_allowed`…; each response below lists its
codes); an unexpected error is a 500 (`internal_error`) with a request id in its message and in the
`X-Request-Id` header.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    vault.check_configured()
    app.state.proxy = LiteLLMProxy(
        settings.litellm_proxy_url,
        settings.litellm_master_key.get_secret_value(),
        settings.llm_timeout_seconds,
        grace_seconds=settings.litellm_grace_seconds,
        admin_timeout_seconds=settings.litellm_admin_timeout_seconds,
    )
    app.state.limiter = ConcurrencyLimiter(settings.redis_url, settings.max_concurrent_calls_per_key)
    sweeper_task = (
        asyncio.create_task(sweeper.run_forever(app.state.proxy)) if settings.sweeper_interval_seconds > 0 else None
    )
    key_migration_task = asyncio.create_task(run_key_migration(app.state.proxy))  # teams from before 0006
    # Everything loaded so far lives as long as the process: keep it out of the collector's full
    # passes, which otherwise walk it all and stall requests for milliseconds (the latency tail).
    gc.freeze()
    try:
        yield
    finally:
        if sweeper_task is not None:
            sweeper_task.cancel()
        key_migration_task.cancel()
        await app.state.proxy.aclose()
        await app.state.limiter.aclose()
        await close_call_pool()
        get_engine().dispose()


class Health(BaseModel):
    status: str


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):  # a line per proxied stream is noise, and slow
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = FastAPI(
        title="SaaS LiteLLM API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(reject_unstorable_input)],
    )
    install_error_handlers(app)
    # The last added runs first: CORS, then UnexpectedErrors (so a 500 still gets CORS headers), then
    # the body cap (whose own refusal is not an unexpected error).
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Credits-Warning", "Idempotent-Replayed", "Retry-After", "X-Request-Id"],
    )
    app.include_router(admin.router, responses=ERROR_RESPONSES)
    app.include_router(tenancy_router, responses=ERROR_RESPONSES)
    app.include_router(identity_router, responses=ERROR_RESPONSES)
    app.include_router(jobs_router, responses=ERROR_RESPONSES)
    app.include_router(job_embeddings_router, responses=ERROR_RESPONSES)
    app.include_router(analytics_router, responses=ERROR_RESPONSES)
    app.include_router(openai_router, responses=ERROR_RESPONSES)
    app.include_router(openai_embeddings_router, responses=ERROR_RESPONSES)
    app.include_router(openai_responses_router, responses=ERROR_RESPONSES)

    @app.get("/health", tags=["health"], response_model=Health)
    async def health() -> Health:
        return Health(status="ok")

    return app


app = create_app()
