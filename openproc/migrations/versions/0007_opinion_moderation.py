"""opinion_moderation (opinions)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary and targets as they stand in this revision (later revisions change them there, never here).
STATUSES = ("published", "held", "hidden")
TARGETS = ("case_id", "step_id", "task_type_id", "officer_id")
OLD_TARGETS = ("case_id", "task_type_id", "officer_id")


def upgrade() -> None:
    op.add_column("opinion", sa.Column("step_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_opinion_step_id_step"), "opinion", "step", ["step_id"], ["id"], ondelete="CASCADE")
    op.drop_constraint(op.f("ck_opinion_one_target"), "opinion", type_="check")
    op.create_check_constraint("one_target", "opinion", f"num_nonnulls({', '.join(TARGETS)}) = 1")

    op.add_column("opinion", sa.Column("status", sa.String(length=32), nullable=True))
    op.execute("UPDATE opinion SET status = CASE WHEN published THEN 'published' ELSE 'hidden' END")
    op.alter_column("opinion", "status", nullable=False)
    op.create_check_constraint("opinionstatus", "opinion", "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")")
    op.drop_column("opinion", "published")
    op.add_column("opinion", sa.Column("moderation_reason", sa.Text(), nullable=True))
    op.add_column("opinion", sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("opinion", sa.Column("moderated_by_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_opinion_moderated_by_id_officer"), "opinion", "officer", ["moderated_by_id"], ["id"])

    # One index per target for "opinions about X, newest first"; each also serves its foreign key.
    for target in OLD_TARGETS:
        op.drop_index(op.f(f"ix_opinion_{target}"), table_name="opinion")
    for target in TARGETS:
        op.create_index(
            f"ix_opinion_{target}_posted_at",
            "opinion",
            [target, "posted_at", "id"],
            postgresql_where=sa.text(f"{target} IS NOT NULL"),
        )


def downgrade() -> None:
    for target in TARGETS:
        op.drop_index(f"ix_opinion_{target}_posted_at", table_name="opinion")
    for target in OLD_TARGETS:
        op.create_index(op.f(f"ix_opinion_{target}"), "opinion", [target])

    op.drop_constraint(op.f("fk_opinion_moderated_by_id_officer"), "opinion", type_="foreignkey")
    op.drop_column("opinion", "moderated_by_id")
    op.drop_column("opinion", "moderated_at")
    op.drop_column("opinion", "moderation_reason")
    op.add_column("opinion", sa.Column("published", sa.Boolean(), nullable=True))
    # Held opinions were never shown: only published ones stay visible.
    op.execute("UPDATE opinion SET published = (status = 'published')")
    op.alter_column("opinion", "published", nullable=False)
    op.drop_constraint(op.f("ck_opinion_opinionstatus"), "opinion", type_="check")
    op.drop_column("opinion", "status")

    # The old schema has no step target: an opinion on a step becomes one on its case rather than being lost.
    op.execute("UPDATE opinion SET case_id = step.case_id, step_id = NULL FROM step WHERE step.id = opinion.step_id")
    op.drop_constraint(op.f("ck_opinion_one_target"), "opinion", type_="check")
    op.create_check_constraint("one_target", "opinion", f"num_nonnulls({', '.join(OLD_TARGETS)}) = 1")
    op.drop_constraint(op.f("fk_opinion_step_id_step"), "opinion", type_="foreignkey")
    op.drop_column("opinion", "step_id")
