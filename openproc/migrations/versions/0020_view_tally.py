"""views of case pages and public documents are also counted by the hour, so a view milestone is dated by the hour
its views reached it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "view_tally",
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("metric", "hour", "shard", name=op.f("pk_view_tally")),
    )


def downgrade() -> None:
    op.drop_table("view_tally")
