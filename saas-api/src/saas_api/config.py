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
    # Encrypts the teams' LiteLLM virtual keys at rest (vault.py): a Fernet key, 32 url-safe base64
    # bytes. Required to serve; optional here only so that building the OpenAPI spec needs no secrets.
    encryption_key: SecretStr | None = Field(None, alias="SAAS_ENCRYPTION_KEY")
    # Key management requests to the proxy (teams, keys, prices): no answer in this time is a 503.
    litellm_admin_timeout_seconds: float = Field(10.0, gt=0)

    # Calls
    llm_timeout_seconds: float = 60.0  # sent to the proxy with each call: it gives up on the provider then
    # How much longer than that we wait for the proxy's own answer; silence past it means the proxy is
    # not answering (503), unlike a provider timeout that the proxy reports (504).
    litellm_grace_seconds: float = Field(5.0, gt=0)
    max_tokens_limit: int = 32_000  # largest max_tokens a call may ask for
    # An alias's output bound when LiteLLM's cost map gives its model none (see ModelAlias.max_output_tokens).
    default_max_output_tokens: int = 4_096
    # LiteLLM's cache namespace (the same variable as the proxy's): each tenant's cache lives under it.
    litellm_cache_namespace: str = Field("saas-litellm", alias="LITELLM_CACHE_NAMESPACE")
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
    # Brute-force guard (admin_throttle.py): this many failed admin authentications from one client
    # within the window lock that client out of admin authentication until the window ends.
    admin_auth_max_failures: int = Field(10, ge=1)
    admin_auth_window_seconds: int = Field(60, ge=1)

    log_level: str = "INFO"

    cors_origins: list[str] = ["http://localhost:3002", "http://127.0.0.1:3002"]


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
