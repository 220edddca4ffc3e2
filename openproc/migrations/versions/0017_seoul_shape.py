"""departments may be district offices (자치구청) and agencies with offices across the districts (소방재난본부,
교육청), as the Seoul-shaped demo data has them; a task type says whether a law sets its processing period

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = ("city", "district", "agency", "bureau", "division", "team")
OLD_LEVELS = ("city", "bureau", "division", "team")


def _levels(levels: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_department_departmentlevel"), "department", type_="check")
    op.create_check_constraint("departmentlevel", "department", f"level IN ({', '.join(repr(v) for v in levels)})")


def upgrade() -> None:
    _levels(LEVELS)
    op.add_column("task_type", sa.Column("period_in_law", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("task_type", "period_in_law")
    _levels(OLD_LEVELS)
