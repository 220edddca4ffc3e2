"""reference data changes are events too

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
)
AFTER = (*BEFORE, "reference_updated")


def _constraint(types: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_event_eventtype"), "event", type_="check")
    op.create_check_constraint("eventtype", "event", "type IN (" + ", ".join(f"'{t}'" for t in types) + ")")


def upgrade() -> None:
    _constraint(AFTER)


def downgrade() -> None:
    _constraint(BEFORE)
