"""team API keys of our own; LiteLLM virtual keys kept server-side, encrypted

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:41:00

The schema only. Every key that exists now was a LiteLLM virtual key as well; it is marked
`in_litellm` and keeps working against the SaaS API. Giving each team its own LiteLLM key and deleting
the old ones from the proxy needs the proxy, so the API does it when it starts (tenancy/key_migration.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "litellm_keys",
        sa.Column("team_id", sa.String(128), sa.ForeignKey("teams.id"), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("encrypted_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("minted_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Existing rows are LiteLLM keys (true); keys made from now on are ours alone (false).
    op.add_column("team_keys", sa.Column("in_litellm", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.alter_column("team_keys", "in_litellm", server_default=sa.false())
    # A team's key prefix is its newest active key's, read from team_keys.
    op.drop_column("teams", "key_prefix")


def downgrade() -> None:
    # Schema only: keys made after 0006 are unknown to the proxy, so code from before 0006 (which
    # forwards the team's key to the proxy) works only for the keys still marked in_litellm.
    op.add_column("teams", sa.Column("key_prefix", sa.String(16), nullable=False, server_default=""))
    op.execute(
        "update teams set key_prefix = coalesce((select k.key_prefix from team_keys k where k.team_id = teams.id "
        "order by k.created_at limit 1), '')"
    )
    op.alter_column("teams", "key_prefix", server_default=None)
    op.drop_column("team_keys", "in_litellm")
    op.drop_table("litellm_keys")
