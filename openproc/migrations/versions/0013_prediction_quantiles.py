"""step duration norms as working-hour quantiles

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERCENTILES = ("p10_hours", "p50_hours", "p90_hours")


def upgrade() -> None:
    # The norms are derived data in calendar hours: the next oversight round computes them again, in working hours.
    op.execute("DELETE FROM step_duration_norm")
    for column in PERCENTILES:
        op.drop_column("step_duration_norm", column)
    op.add_column("step_duration_norm", sa.Column("quantile_hours", sa.ARRAY(sa.Float()), nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM step_duration_norm")
    op.drop_column("step_duration_norm", "quantile_hours")
    for column in PERCENTILES:
        op.add_column("step_duration_norm", sa.Column(column, sa.Float(), nullable=False))
