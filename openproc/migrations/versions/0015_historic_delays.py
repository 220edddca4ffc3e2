"""delays found in imported history are marked historic and summarized per rule and day

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("delay", sa.Column("historic", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("delay_watermark", sa.Column("history_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("delay_watermark", "history_until")
    op.drop_column("delay", "historic")
