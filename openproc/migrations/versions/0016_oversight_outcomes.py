"""what oversight decided: dispositions of audit findings, monthly inputter awards, standing inspections

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

    op.create_table(
        "inspection_team",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "inspection_team_member",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("inspection_team.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), primary_key=True),
    )
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("inspection_team.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled", "completed", name="inspectionstatus", native_enum=False, length=32, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column("event_seq", sa.BigInteger(), sa.ForeignKey("event.seq"), nullable=True),
        sa.UniqueConstraint("team_id", "scheduled_on"),
    )
    op.create_index("ix_inspection_department_id", "inspection", ["department_id"])
    op.create_index("ix_inspection_scheduled_on", "inspection", ["scheduled_on"])
    op.create_table(
        "inspected_case",
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "no_issue",
                "corrected",
                "warning",
                "referred_for_discipline",
                name="inspectionoutcome",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("inspected_case")
    op.drop_table("inspection")
    op.drop_table("inspection_team_member")
    op.drop_table("inspection_team")
    op.drop_table("inputter_award")
    op.drop_table("finding_disposition")
