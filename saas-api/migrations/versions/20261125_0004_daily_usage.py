"""daily usage rollups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CALL_SUMS = (
    "calls", "successful_calls", "failed_calls", "prompt_tokens", "completion_tokens", "provider_cost_micros",
    "client_cost_micros", "cache_hits", "latency_ms_sum", "latency_ms_count",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "daily_call_usage",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("job_type", sa.String(length=128), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("organization_id", sa.String(length=128), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _CALL_SUMS),
        sa.PrimaryKeyConstraint("day", "team_id", "job_type", "alias"),
    )
    op.create_index("ix_daily_call_usage_team", "daily_call_usage", ["team_id", "day"])
    op.create_index("ix_daily_call_usage_org", "daily_call_usage", ["organization_id", "day"])
    op.create_table(
        "daily_job_usage",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("job_type", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("organization_id", sa.String(length=128), nullable=False),
        sa.Column("jobs", sa.BigInteger(), nullable=False),
        sa.Column("credits_charged", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "team_id", "job_type", "status"),
    )
    op.create_index("ix_daily_job_usage_team", "daily_job_usage", ["team_id", "day"])
    op.create_index("ix_daily_job_usage_org", "daily_job_usage", ["organization_id", "day"])
    op.create_table(
        "usage_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_up_to", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO usage_rollup (id, rolled_up_to) VALUES (1, NULL)")
    # Reports read the jobs created since the last rollup across all teams.
    op.create_index("ix_jobs_created", "jobs", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_created", table_name="jobs")
    op.drop_table("usage_rollup")
    op.drop_index("ix_daily_job_usage_org", table_name="daily_job_usage")
    op.drop_index("ix_daily_job_usage_team", table_name="daily_job_usage")
    op.drop_table("daily_job_usage")
    op.drop_index("ix_daily_call_usage_org", table_name="daily_call_usage")
    op.drop_index("ix_daily_call_usage_team", table_name="daily_call_usage")
    op.drop_table("daily_call_usage")
