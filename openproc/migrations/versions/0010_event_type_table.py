"""event kinds in a lookup table: a new kind is a row `openproc migrate` adds, not a re-listed CHECK

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, the kinds 0008 allowed: later kinds are added by models.vocabulary.sync after every upgrade.
KINDS = (
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
    "delay_detected",
    "delay_explained",
    "milestone_reached",
)


def upgrade() -> None:
    table = op.create_table(
        "event_type",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_type")),
    )
    op.bulk_insert(table, [{"name": kind} for kind in KINDS])
    op.drop_constraint(op.f("ck_event_eventtype"), "event", type_="check")
    op.create_foreign_key(op.f("fk_event_type_event_type"), "event", "event_type", ["type"], ["name"])


def downgrade() -> None:
    op.drop_constraint(op.f("fk_event_type_event_type"), "event", type_="foreignkey")
    # Fails, as it must, if events of a kind 0008 did not know exist: they cannot be expressed before this.
    op.create_check_constraint("eventtype", "event", "type IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")")
    op.drop_table("event_type")
