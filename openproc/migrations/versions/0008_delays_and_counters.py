"""delays, milestones, step duration norms and case page views (oversight)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration must not follow later changes of the live vocabulary.
BEFORE = (
    "case_registered",
    "application_submitted",
    "step_started",
    "step_signed",
    "step_returned",
    "step_reassigned",
    "case_resumed",
    "case_rejected",
    "case_withdrawn",
    "case_closed",
    "document_registered",
    "action_scheduled",
    "action_rescheduled",
    "action_completed",
    "reference_updated",
)
AFTER = (*BEFORE, "delay_detected", "delay_explained", "milestone_reached")


def _event_types(types: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_event_eventtype"), "event", type_="check")
    op.create_check_constraint("eventtype", "event", "type IN (" + ", ".join(f"'{t}'" for t in types) + ")")


def upgrade() -> None:
    _event_types(AFTER)
    op.add_column("case", sa.Column("view_count", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "delay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("processing", "input", name="delaykind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("late_event_seq", sa.BigInteger(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lag_hours", sa.Float(), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_seq", sa.BigInteger(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("explained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("explained_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_delay_case_id_case"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["step.id"], name=op.f("fk_delay_step_id_step"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["late_event_seq"], ["event.seq"], name=op.f("fk_delay_late_event_seq_event")),
        sa.ForeignKeyConstraint(["detected_seq"], ["event.seq"], name=op.f("fk_delay_detected_seq_event")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_delay_officer_id_officer")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], name=op.f("fk_delay_department_id_department")),
        sa.ForeignKeyConstraint(["explained_by_id"], ["officer.id"], name=op.f("fk_delay_explained_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delay")),
        sa.UniqueConstraint("subject", name=op.f("uq_delay_subject")),
    )
    op.create_index(op.f("ix_delay_case_id"), "delay", ["case_id"])
    op.create_index(op.f("ix_delay_officer_id"), "delay", ["officer_id"])
    op.create_index("ix_delay_detected_at_id", "delay", ["detected_at", "id"])
    op.create_index("ix_delay_department_id_detected_at", "delay", ["department_id", "detected_at"])
    op.create_table(
        "delay_watermark",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("last_event_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_delay_watermark_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delay_watermark")),
    )
    op.execute("INSERT INTO delay_watermark (id, last_event_seq) VALUES (1, 0)")
    op.create_table(
        "milestone",
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_seq"], ["event.seq"], name=op.f("fk_milestone_event_seq_event")),
        sa.PrimaryKeyConstraint("metric", "threshold", name=op.f("pk_milestone")),
    )
    op.create_table(
        "step_duration_norm",
        sa.Column("task_type_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.SmallInteger(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("p10_hours", sa.Float(), nullable=False),
        sa.Column("p50_hours", sa.Float(), nullable=False),
        sa.Column("p90_hours", sa.Float(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_type_id"],
            ["task_type.id"],
            name=op.f("fk_step_duration_norm_task_type_id_task_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_type_id", "sequence", name=op.f("pk_step_duration_norm")),
    )
    # Statistics and late-step queries filter on these; without them each is a scan of 130k steps.
    op.create_index("ix_step_status_due_at", "step", ["status", "due_at"])
    op.create_index("ix_case_closed_at", "case", ["closed_at"])
    op.create_index("ix_event_type_occurred_at", "event", ["type", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_event_type_occurred_at", table_name="event")
    op.drop_index("ix_case_closed_at", table_name="case")
    op.drop_index("ix_step_status_due_at", table_name="step")
    op.drop_table("step_duration_norm")
    op.drop_table("milestone")
    op.drop_table("delay_watermark")
    op.drop_table("delay")
    op.drop_column("case", "view_count")
    _event_types(BEFORE)
