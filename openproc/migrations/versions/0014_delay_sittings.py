"""input delays list their entries: one delay per officer's sitting on a case

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delay_entry",
        sa.Column("event_seq", sa.BigInteger(), sa.ForeignKey("event.seq"), primary_key=True),
        sa.Column("delay_id", sa.Integer(), sa.ForeignKey("delay.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lag_hours", sa.Float(), nullable=False),
    )
    op.create_index("ix_delay_entry_delay_id", "delay_entry", ["delay_id"])
    # Input delays reported before sittings had one entry each, its lag in calendar hours.
    op.execute(
        "INSERT INTO delay_entry (event_seq, delay_id, lag_hours) "
        "SELECT late_event_seq, id, lag_hours FROM delay WHERE late_event_seq IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("delay_entry")
