"""SQLAlchemy tables. Money columns are integer micro-USD (`*_micros`); credits are integers in the
team's budget unit (see `BudgetMode`)."""

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB, uuid.UUID: UUID(as_uuid=True)}


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class TeamStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class BudgetMode(enum.StrEnum):
    JOB_BASED = "job_based"  # 1 credit per completed job; failed jobs are free
    CONSUMPTION_USD = "consumption_usd"  # the balance is micro-USD; each call's client cost is deducted
    CONSUMPTION_TOKENS = "consumption_tokens"  # the balance is tokens; each call's tokens are deducted


class FailedJobPolicy(enum.StrEnum):
    """What a job-based team pays for a job it ends as failed."""

    FREE = "free"  # failed jobs are free (the default)
    CHARGE_IF_ANY_CALL_SUCCEEDED = "charge_if_any_call_succeeded"  # work was delivered: the job's credit


class CacheScope(enum.StrEnum):
    """Who shares an alias's response cache: never two organizations."""

    TEAM = "team"
    ORGANIZATION = "organization"


class AliasMode(enum.StrEnum):
    """What an alias's model answers (LiteLLM's `mode`; its "responses" models answer chat too)."""

    CHAT = "chat"
    EMBEDDING = "embedding"


class LimitType(enum.StrEnum):
    HARD = "hard"  # block at zero
    SOFT = "soft"  # warn at a threshold, allow overage up to an optional ceiling


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


# A job that still takes calls.
OPEN_STATUSES = (JobStatus.PENDING, JobStatus.IN_PROGRESS)


class CallStatus(enum.StrEnum):
    IN_FLIGHT = "in_flight"
    SUCCESS = "success"
    FAILED = "failed"


class EntryKind(enum.StrEnum):
    GRANT = "grant"
    TOPUP = "topup"
    HOLD = "hold"
    SETTLE = "settle"
    RELEASE = "release"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class HoldStatus(enum.StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    RELEASED = "released"


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = _now()


group_aliases = Table(
    "group_aliases",
    Base.metadata,
    Column("group_name", ForeignKey("model_access_groups.group_name", ondelete="CASCADE"), primary_key=True),
    Column("alias", ForeignKey("model_aliases.alias", ondelete="CASCADE"), primary_key=True),
)

team_access_groups = Table(
    "team_access_groups",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("group_name", ForeignKey("model_access_groups.group_name"), primary_key=True),
)


class ModelAccessGroup(Base):
    __tablename__ = "model_access_groups"
    group_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class ModelAlias(Base):
    """A name teams use (`ChatAgent`) for a LiteLLM model, with our price and markup."""

    __tablename__ = "model_aliases"
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)
    litellm_model: Mapped[str] = mapped_column(String(256))
    input_price_micros_per_mtok: Mapped[int] = mapped_column(BigInteger)
    output_price_micros_per_mtok: Mapped[int] = mapped_column(BigInteger)
    markup_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # overrides the team's
    cache_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    cache_scope: Mapped[str] = mapped_column(String(16), default=CacheScope.TEAM)
    max_output_tokens: Mapped[int] = mapped_column(Integer)  # applied when a call sets no max_tokens
    # What its model does, from LiteLLM's model info: chat (also the Responses API) or embedding, and
    # whether it takes images.
    mode: Mapped[str] = mapped_column(String(16), default=AliasMode.CHAT, server_default=AliasMode.CHAT)
    supports_vision: Mapped[bool] = mapped_column(Boolean, default=False, server_default="true")
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    team_alias: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default=TeamStatus.ACTIVE)
    budget_mode: Mapped[str] = mapped_column(String(32), default=BudgetMode.JOB_BASED)
    limit_type: Mapped[str] = mapped_column(String(8), default=LimitType.HARD)
    warn_threshold_percent: Mapped[int] = mapped_column(Integer, default=80)
    overage_ceiling: Mapped[int | None] = mapped_column(BigInteger)  # soft limit: how far below zero it may go
    markup_percent: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    failed_job_policy: Mapped[str] = mapped_column(String(32), default=FailedJobPolicy.FREE)
    default_alias: Mapped[str | None] = mapped_column(String(128))
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # job_based: credits a job of each type holds and pays ({"document_analysis": 5}); other types pay 1.
    job_type_prices: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Balances, kept equal to sums over credit_transactions (amount, held_delta) in the same transaction.
    credits_allocated: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_available: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_held: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = _now()

    @property
    def credits_remaining(self) -> int:
        return self.credits_available + self.credits_held

    @property
    def credits_used(self) -> int:
        return self.credits_allocated - self.credits_remaining


class TeamKey(Base):
    """An API key of a team (the Bearer token of the job API): ours alone, several per team, only its
    sha256 kept. The LiteLLM proxy never sees it; the team's calls go out with its LiteLLMKey."""

    __tablename__ = "team_keys"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(64))  # what the key is for: "production", "staging"
    created_at: Mapped[datetime] = _now()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A key from before 0006 (a LiteLLM key itself) until tenancy/key_migration.py removes it from the proxy.
    in_litellm: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    @property
    def key_id(self) -> str:
        return self.key_hash[:16]


class LiteLLMKey(Base):
    """A team's one LiteLLM virtual key: it carries the team's models and rpm/tpm limits, goes out on
    the team's calls, and is never shown to anyone. Stored encrypted (vault.py) and as the sha256 the
    proxy knows it by (to update, block or delete it there)."""

    __tablename__ = "litellm_keys"
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    encrypted_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    # When the proxy accepted it: stored first, minted after, so a crash in between loses no key.
    minted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    job_type: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    result_metadata: Mapped[dict[str, Any] | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    hold_id: Mapped[uuid.UUID | None]  # job_based teams: the credit held until the job ends
    credits_charged: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_jobs_team_created", "team_id", "created_at"),
        Index("ix_jobs_created", "created_at"),
        Index("ix_jobs_open", "status", "updated_at", postgresql_where="status in ('pending', 'in_progress')"),
    )


class LLMCall(Base):
    """One call to the proxy. Inserted before the provider is asked, finished after."""

    __tablename__ = "llm_calls"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)  # also LiteLLM's call id
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id"))
    team_id: Mapped[str] = mapped_column(String(128))
    organization_id: Mapped[str] = mapped_column(String(128))
    job_type: Mapped[str] = mapped_column(String(128))
    alias: Mapped[str] = mapped_column(String(128))
    model_group: Mapped[str] = mapped_column(String(256))
    resolved_model: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default=CallStatus.IN_FLIGHT)
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    provider_cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    client_cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_charged: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_written_off: Mapped[int] = mapped_column(BigInteger, default=0)  # cost past what the team could pay
    cost_source: Mapped[str | None] = mapped_column(String(16))  # of the provider cost: "proxy", "alias", "cache"
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    structured: Mapped[bool] = mapped_column(Boolean, default=False)
    parsed_ok: Mapped[bool | None] = mapped_column(Boolean)
    error_type: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    hold_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_llm_calls_job", "job_id"),
        Index("ix_llm_calls_team_created", "team_id", "created_at"),
        Index("ix_llm_calls_org_created", "organization_id", "created_at"),
        Index("ix_llm_calls_created", "created_at"),
        Index("ix_llm_calls_in_flight", "created_at", postgresql_where="status = 'in_flight'"),
    )


class JobCostSummary(Base):
    __tablename__ = "job_cost_summaries"
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    total_calls: Mapped[int] = mapped_column(Integer)
    successful_calls: Mapped[int] = mapped_column(Integer)
    failed_calls: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)
    provider_cost_micros: Mapped[int] = mapped_column(BigInteger)
    client_cost_micros: Mapped[int] = mapped_column(BigInteger)
    total_latency_ms: Mapped[int] = mapped_column(BigInteger)
    credits_charged: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = _now()


class DailyCallUsage(Base):
    """Calls summed per UTC day (of creation), team, job type and alias. Usage reports read these
    for whole days before `UsageRollup.rolled_up_to` instead of every call (see analytics/rollup.py)."""

    __tablename__ = "daily_call_usage"
    day: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    job_type: Mapped[str] = mapped_column(String(128), primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(128))
    calls: Mapped[int] = mapped_column(BigInteger)
    successful_calls: Mapped[int] = mapped_column(BigInteger)
    failed_calls: Mapped[int] = mapped_column(BigInteger)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)
    provider_cost_micros: Mapped[int] = mapped_column(BigInteger)
    client_cost_micros: Mapped[int] = mapped_column(BigInteger)
    cache_hits: Mapped[int] = mapped_column(BigInteger)
    credits_written_off: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_ms_sum: Mapped[int] = mapped_column(BigInteger)
    latency_ms_count: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_daily_call_usage_team", "team_id", "day"),
        Index("ix_daily_call_usage_org", "organization_id", "day"),
    )


class DailyJobUsage(Base):
    """Ended jobs counted per UTC day (of creation), team, job type and status."""

    __tablename__ = "daily_job_usage"
    day: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    job_type: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(128))
    jobs: Mapped[int] = mapped_column(BigInteger)
    credits_charged: Mapped[int] = mapped_column(BigInteger)
    uncharged_provider_cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_daily_job_usage_team", "team_id", "day"),
        Index("ix_daily_job_usage_org", "organization_id", "day"),
    )


class UsageRollup(Base):
    """One row: the daily tables hold every call and job created before `rolled_up_to`."""

    __tablename__ = "usage_rollup"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rolled_up_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Hold(Base):
    """Credits set aside before work; resolved exactly once, by a settle or a release."""

    __tablename__ = "credit_holds"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    job_id: Mapped[uuid.UUID | None]
    call_id: Mapped[uuid.UUID | None]
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.OPEN)
    created_at: Mapped[datetime] = _now()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_holds_open", "team_id", postgresql_where="status = 'open'"),)


class CreditTransaction(Base):
    """The ledger: immutable; `amount` changes `credits_available`, `held_delta` changes `credits_held`."""

    __tablename__ = "credit_transactions"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    held_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    charged: Mapped[int] = mapped_column(BigInteger, default=0)  # what a settle consumed
    written_off: Mapped[int] = mapped_column(BigInteger, default=0)  # what a settle could not charge
    balance_after: Mapped[int] = mapped_column(BigInteger)  # credits_remaining after this entry
    job_id: Mapped[uuid.UUID | None]
    call_id: Mapped[uuid.UUID | None]
    hold_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()

    __table_args__ = (Index("ix_credit_transactions_team", "team_id", "id"),)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    response_body: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = _now()


class AdminSession(Base):
    """A login to the admin panel; the token itself is never stored, only its hash."""

    __tablename__ = "admin_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
