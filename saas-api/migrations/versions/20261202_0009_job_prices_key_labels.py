"""per-job-type prices on teams (teams.job_type_prices) and a label on team API keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:10:00

`job_type_prices` maps a job type to the credits a job of that type holds and pays; a type not in it
costs the default of 1. `label` names what a key is for (`production`, `staging`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("teams", sa.Column("job_type_prices", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.add_column("team_keys", sa.Column("label", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("team_keys", "label")
    op.drop_column("teams", "job_type_prices")
