"""the ledger as database functions: ledger_hold, ledger_resolve (settle, release), ledger_credit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:30:00

The one implementation of every balance change (saas_api/billing/ledger.sql), called by the call
path's statements and by everything else. A later change to ledger.sql comes with a migration that
installs it again (the functions are CREATE OR REPLACE).
"""

from collections.abc import Sequence

from alembic import op

from saas_api.billing.ledger import ledger_functions_sql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(ledger_functions_sql())


def downgrade() -> None:
    op.execute("DROP FUNCTION ledger_hold(text, bigint, uuid, uuid, uuid)")
    op.execute("DROP FUNCTION ledger_settle(uuid, bigint, text)")
    op.execute("DROP FUNCTION ledger_release(uuid, text)")
    op.execute("DROP FUNCTION ledger_resolve(uuid, text, text, bigint, text)")
    op.execute("DROP FUNCTION ledger_credit(text, text, bigint, text, uuid)")
