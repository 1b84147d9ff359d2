"""billing rules: alias output caps and cache scope, failed-job policy, hold overruns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_ZERO = sa.text("0")


def upgrade() -> None:
    # Every call gets a bound on its reply; existing aliases take the old default hold bound.
    op.add_column("model_aliases", sa.Column("max_output_tokens", sa.Integer(), nullable=False, server_default="4096"))
    op.add_column("model_aliases", sa.Column("cache_scope", sa.String(16), nullable=False, server_default="team"))
    op.add_column("teams", sa.Column("failed_job_policy", sa.String(32), nullable=False, server_default="free"))
    # A cost past what the hold rule lets a team pay: recorded, never silently dropped.
    for table in ("llm_calls", "daily_call_usage"):
        op.add_column(table, sa.Column("credits_written_off", sa.BigInteger(), nullable=False, server_default=_ZERO))
    op.add_column("credit_transactions", sa.Column("written_off", sa.BigInteger(), nullable=False, server_default=_ZERO))
    # Provider cost of ended jobs that charged nothing (e.g. failed jobs of job-based teams).
    op.add_column("daily_job_usage", sa.Column("uncharged_provider_cost_micros", sa.BigInteger(), nullable=False,
                                               server_default=_ZERO))  # fmt: skip


def downgrade() -> None:
    op.drop_column("daily_job_usage", "uncharged_provider_cost_micros")
    op.drop_column("credit_transactions", "written_off")
    for table in ("daily_call_usage", "llm_calls"):
        op.drop_column(table, "credits_written_off")
    op.drop_column("teams", "failed_job_policy")
    op.drop_column("model_aliases", "cache_scope")
    op.drop_column("model_aliases", "max_output_tokens")
