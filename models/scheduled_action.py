from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import ActionStatus, RescheduleReason, checked


class ScheduledAction(Base):
    """A next action announced on a case (inspection visit, hearing, decision date)."""

    __tablename__ = "scheduled_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    scheduled_for: Mapped[datetime]
    status: Mapped[ActionStatus] = mapped_column(checked(ActionStatus))
    completed_at: Mapped[datetime | None]


class ScheduledActionChange(Base):
    """A reschedule of an action: the old date is kept with a coded reason, never overwritten silently."""

    __tablename__ = "scheduled_action_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("scheduled_action.id", ondelete="CASCADE"), index=True)
    previous_for: Mapped[datetime]
    new_for: Mapped[datetime]
    reason_code: Mapped[RescheduleReason] = mapped_column(checked(RescheduleReason))
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
