"""a step keeps the standard days it was planned with and, once signed, the working days it was held, so the
HELD_TOO_LONG audit rule looks its findings up in an index instead of running the calendar for every step (the
oversight round fills the steps signed before); the line's unique index carries what the OUT_OF_ORDER rule reads,
and an index of the returns for supplements what REPEATED_RETURNS counts;
the delay check finds late steps through an index of the steps that may be late, in due order

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("step", sa.Column("standard_days", sa.SmallInteger(), nullable=True))
    op.add_column("step", sa.Column("held_days", sa.Integer(), nullable=True))
    op.execute(
        'UPDATE step SET standard_days = t.standard_days FROM "case" AS c, step_template AS t '
        "WHERE c.id = step.case_id AND t.task_type_id = c.task_type_id AND t.sequence = step.sequence"
    )
    op.create_index(
        "ix_step_held_days_pending",
        "step",
        ["id"],
        postgresql_where=sa.text("held_days IS NULL AND started_at IS NOT NULL AND status <> 'skipped'"),
    )
    op.create_index("ix_step_held_standards", "step", [sa.text("(CAST(held_days AS FLOAT) / standard_days)")])
    op.create_index(
        "ix_step_may_be_late",
        "step",
        ["due_at", "id"],
        postgresql_where=sa.text("status = 'in_progress' OR (status = 'signed' AND signed_at > due_at)"),
    )
    op.create_index(
        "ix_event_returns",
        "event",
        ["case_id", "seq"],
        postgresql_include=["step_id", "actor_officer_id"],
        postgresql_where=sa.text("type = 'step_returned'"),
    )
    op.drop_constraint("uq_step_case_id_sequence", "step", type_="unique")
    op.execute(
        "ALTER TABLE step ADD CONSTRAINT uq_step_case_id_sequence UNIQUE (case_id, sequence) "
        "INCLUDE (id, status, signed_at)"
    )


def downgrade() -> None:
    op.drop_constraint("uq_step_case_id_sequence", "step", type_="unique")
    op.create_unique_constraint("uq_step_case_id_sequence", "step", ["case_id", "sequence"])
    op.drop_index("ix_event_returns", table_name="event")
    op.drop_index("ix_step_may_be_late", table_name="step")
    op.drop_index("ix_step_held_standards", table_name="step")
    op.drop_index("ix_step_held_days_pending", table_name="step")
    op.drop_column("step", "held_days")
    op.drop_column("step", "standard_days")
