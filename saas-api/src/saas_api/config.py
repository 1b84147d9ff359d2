"""All settings in one typed object, read from the environment (and `.env`)."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field("postgresql+psycopg2://postgres@127.0.0.1:5432/saas_litellm", alias="SAAS_DATABASE_URL")
    # Per API process; keep (pool + overflow) x processes well under PostgreSQL's max_connections.
    db_pool_size: int = 10
    db_pool_overflow: int = 5
    db_call_pool_size: int = 10  # asyncpg connections for the call path's statements
    master_key: SecretStr = Field(alias="MASTER_KEY")
    litellm_proxy_url: str = "http://127.0.0.1:8002"
    litellm_master_key: SecretStr = Field(alias="LITELLM_MASTER_KEY")

    # Calls
    llm_timeout_seconds: float = 60.0
    max_tokens_limit: int = 32_000  # largest max_tokens a call may ask for
    hold_max_tokens_default: int = 4_096  # the cap a hold assumes when a call gives no max_tokens
    max_body_bytes: int = 2_000_000
    max_concurrent_calls_per_key: int = 64  # across all API processes, counted in Redis
    redis_url: str = "redis://127.0.0.1:6379/0"

    # Stale work
    job_ttl_seconds: int = 3_600
    call_ttl_seconds: int = 900
    spend_log_grace_seconds: int = 300  # how long to wait for LiteLLM's batched spend log of a stale call
    sweeper_interval_seconds: float = 30.0
    idempotency_ttl_seconds: int = 86_400

    admin_session_ttl_seconds: int = 8 * 3600

    log_level: str = "INFO"

    cors_origins: list[str] = ["http://localhost:3002", "http://127.0.0.1:3002"]


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
