"""webhook deletion: deleted webhooks keep their row (idempotent replays point at it) and get nothing more

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Deleted webhooks must not start delivering again: they stay, paused.
    op.execute("UPDATE webhook SET active = false WHERE deleted_at IS NOT NULL")
    op.drop_column("webhook", "deleted_at")
