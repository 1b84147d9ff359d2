"""What an alias's model can do: LiteLLM's `mode` (chat, embedding, responses) and `supports_vision`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing aliases are chat aliases (the only kind there was) and keep passing images on, as they
    # did; new aliases take both from LiteLLM's model info when they are created.
    op.add_column("model_aliases", sa.Column("mode", sa.String(16), nullable=False, server_default="chat"))
    op.add_column("model_aliases", sa.Column("supports_vision", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("model_aliases", "supports_vision")
    op.drop_column("model_aliases", "mode")
