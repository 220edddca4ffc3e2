"""the oversight round records the verdicts of the audit rules whose findings only history holds (the workflow
refuses them now): OUT_OF_ORDER on each signed step, FINISHED_OUT_OF_TURN on each ended case, so the rules read
the few findings and the rows signed or ended since the last round instead of every line and every ending;
the index of held ÷ standard days carries the step and the two columns, so that HELD_TOO_LONG counts from it
alone, and a partial one of the steps in progress finds those it counts as it reads

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_step_held_standards", table_name="step")
    op.create_index(
        "ix_step_held_standards",
        "step",
        [sa.text("(CAST(held_days AS FLOAT) / standard_days)")],
        postgresql_include=["id", "held_days", "standard_days"],
    )
    op.create_index(
        "ix_step_in_progress_standards",
        "step",
        [sa.text("(CAST(held_days AS FLOAT) / standard_days)")],
        postgresql_where=sa.text("status = 'in_progress'"),
    )
    op.add_column("step", sa.Column("out_of_order", sa.Boolean(), nullable=True))
    op.add_column("case", sa.Column("finished_out_of_turn", sa.Boolean(), nullable=True))
    op.create_index("ix_step_out_of_order", "step", ["id"], postgresql_where=sa.text("out_of_order IS true"))
    op.create_index(
        "ix_step_out_of_order_unjudged",
        "step",
        ["case_id"],
        postgresql_where=sa.text("out_of_order IS NULL AND signed_at IS NOT NULL"),
    )
    op.create_index(
        "ix_case_finished_out_of_turn", "case", ["id"], postgresql_where=sa.text("finished_out_of_turn IS true")
    )
    op.create_index(
        "ix_case_finished_out_of_turn_unjudged",
        "case",
        ["id"],
        postgresql_where=sa.text("finished_out_of_turn IS NULL AND closed_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_finished_out_of_turn_unjudged", table_name="case")
    op.drop_index("ix_case_finished_out_of_turn", table_name="case")
    op.drop_index("ix_step_out_of_order_unjudged", table_name="step")
    op.drop_index("ix_step_out_of_order", table_name="step")
    op.drop_column("case", "finished_out_of_turn")
    op.drop_column("step", "out_of_order")
    op.drop_index("ix_step_in_progress_standards", table_name="step")
    op.drop_index("ix_step_held_standards", table_name="step")
    op.create_index("ix_step_held_standards", "step", [sa.text("(CAST(held_days AS FLOAT) / standard_days)")])
