"""closed cases and signed steps keep the working hours they took, pauses for supplements excluded, so dashboards
count processing times in working days; the oversight round fills the rows closed before this

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDS = {"case": "closed_at", "step": "signed_at"}


def upgrade() -> None:
    for table, end in ENDS.items():
        op.add_column(table, sa.Column("working_hours", sa.Float(), nullable=True))
        op.create_index(
            f"ix_{table}_working_hours_unfilled",
            table,
            ["id"],
            postgresql_where=sa.text(f"working_hours IS NULL AND {end} IS NOT NULL"),
        )


def downgrade() -> None:
    for table in ENDS:
        op.drop_index(f"ix_{table}_working_hours_unfilled", table_name=table)
        op.drop_column(table, "working_hours")
