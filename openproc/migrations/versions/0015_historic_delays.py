"""delays found in imported history are marked historic and summarized per rule and day; the ranking's monthly
figures per officer are kept up to date by the oversight round; the audit gets indexes on entry lags and endings

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
    op.add_column("delay_watermark", sa.Column("ranked_event_seq", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "officer_month",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("threshold_hours", sa.Float(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("timely", sa.Integer(), nullable=False),
        sa.Column("median_lag_hours", sa.Float(), nullable=False),
    )

    op.create_index("ix_event_entry_lag", "event", [sa.text("(recorded_at - occurred_at)")])
    op.create_index(
        "ix_event_ending",
        "event",
        ["type", "seq"],
        postgresql_include=["case_id", "actor_officer_id", "occurred_at"],
        postgresql_where=sa.text("type IN ('case_rejected', 'case_withdrawn', 'case_closed')"),
    )


def downgrade() -> None:
    op.drop_index("ix_event_ending", "event")
    op.drop_index("ix_event_entry_lag", "event")
    op.drop_table("officer_month")
    op.drop_column("delay_watermark", "ranked_event_seq")
    op.drop_column("delay_watermark", "history_until")
    op.drop_column("delay", "historic")
