"""witnesses' cosignatures on the ledger's checkpoints

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledger_checkpoint", sa.Column("cosignatures", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("ledger_checkpoint", "cosignatures")
