from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    cast,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import StepRole, StepStatus, checked


class Step(Base):
    """One step of a case's approval line, copied from the task type's template at intake."""

    __tablename__ = "step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StepRole] = mapped_column(checked(StepRole))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    status: Mapped[StepStatus] = mapped_column(checked(StepStatus))
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    # The template's standard days when the case was received (what `due_at` was planned with), by which the
    # HELD_TOO_LONG audit rule judges the step; null only for steps older than the column whose template step was
    # gone by then.
    standard_days: Mapped[int | None] = mapped_column(SmallInteger)
    signed_at: Mapped[datetime | None]
    # Working hours from start to signature, pauses excluded: stored at signing (resolvers.durations).
    working_hours: Mapped[float | None] = mapped_column(Float)
    # Working days held, days spent waiting for supplements excluded, for the HELD_TOO_LONG audit rule
    # (resolvers.durations.held_days): counted by the oversight round, finally once the step is signed, so far (a
    # lower bound) while it is open; signing and returning clear it for the next round to count.
    held_days: Mapped[int | None] = mapped_column(Integer)
    # Whether the step was signed before an earlier step of its line (not skipped) was: the OUT_OF_ORDER audit
    # rule's verdict, recorded by the oversight round once the step is signed (null until then). The workflow
    # refuses such signatures, so a verdict only changes when a step it names is skipped, which the rule checks.
    out_of_order: Mapped[bool | None] = mapped_column(Boolean)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_reference.id"), index=True)

    __table_args__ = (
        # Carries what the OUT_OF_ORDER audit rule reads of each line, so its pass over every line is index-only.
        UniqueConstraint("case_id", "sequence", postgresql_include=["id", "status", "signed_at"]),
        Index("ix_step_officer_id_id", "officer_id", "id"),
        Index("ix_step_status_due_at", "status", "due_at"),
        Index(
            "ix_step_working_hours_unfilled", "id", postgresql_where="working_hours IS NULL AND signed_at IS NOT NULL"
        ),
        # The steps whose held days are counted as the audit reads: open ones, and signed ones the round has not
        # filled yet.
        Index(
            "ix_step_held_days_pending",
            "id",
            postgresql_where="held_days IS NULL AND started_at IS NOT NULL AND status <> 'skipped'",
        ),
        # The OUT_OF_ORDER rule's findings as the round recorded them, and the signed steps it has yet to judge.
        Index("ix_step_out_of_order", "id", postgresql_where="out_of_order IS true"),
        Index(
            "ix_step_out_of_order_unjudged",
            "case_id",
            postgresql_where="out_of_order IS NULL AND signed_at IS NOT NULL",
        ),
        # The steps the delay check looks at, in the order it reports them.
        Index(
            "ix_step_may_be_late",
            "due_at",
            "id",
            postgresql_where="status = 'in_progress' OR (status = 'signed' AND signed_at > due_at)",
        ),
    )


def held_standards() -> ColumnElement[float]:
    """How many times its standard days a step was held, once the round has counted them: the HELD_TOO_LONG audit
    rule looks its findings up in this expression's index, whatever the factor asked for."""
    # The operator itself: SQLAlchemy's division would cast the divisor, and the index would no longer match.
    return cast(Step.held_days, Float).op("/", return_type=Float)(Step.standard_days)


# With the step and the two columns it divides, so that the steps over a factor are counted from the index alone.
Index("ix_step_held_standards", held_standards(), postgresql_include=["id", "held_days", "standard_days"])
# The steps in progress by the same figure: the rule counts those not over their limit yet as it reads.
Index("ix_step_in_progress_standards", held_standards(), postgresql_where="status = 'in_progress'")
