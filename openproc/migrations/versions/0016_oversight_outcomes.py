"""what oversight decided: dispositions of audit findings and monthly inputter awards

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_disposition",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("finding_key", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column(
            "disposition",
            sa.Enum(
                "reviewed",
                "no_issue",
                "referred_for_discipline",
                name="disposition",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), sa.ForeignKey("event.seq"), nullable=False),
        sa.UniqueConstraint("rule", "finding_key"),
    )
    op.create_table(
        "inputter_award",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("timely_rate", sa.Float(), nullable=False),
        sa.Column("awarded_by_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), sa.ForeignKey("event.seq"), nullable=False),
        sa.UniqueConstraint("month", "officer_id"),
    )


def downgrade() -> None:
    op.drop_table("inputter_award")
    op.drop_table("finding_disposition")
