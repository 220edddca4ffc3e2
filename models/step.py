from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
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
    signed_at: Mapped[datetime | None]
    # Working hours from start to signature, pauses excluded: stored at signing (resolvers.durations).
    working_hours: Mapped[float | None] = mapped_column(Float)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_reference.id"), index=True)

    __table_args__ = (
        UniqueConstraint("case_id", "sequence"),
        Index("ix_step_officer_id_id", "officer_id", "id"),
        Index("ix_step_status_due_at", "status", "due_at"),
        Index(
            "ix_step_working_hours_unfilled", "id", postgresql_where="working_hours IS NULL AND signed_at IS NOT NULL"
        ),
    )
