from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import CaseStatus, checked
from models.search import search_grams_column, search_grams_index


class Case(Base):
    """A disclosed permit or enforcement case. Nothing here identifies the applicant (see Applicant)."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    status: Mapped[CaseStatus] = mapped_column(checked(CaseStatus))
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    # Set while the case waits for the applicant's supplements: the statutory clock does not run.
    clock_paused_at: Mapped[datetime | None]
    # Working hours from receipt to closure, pauses excluded: stored at closure (resolvers.durations).
    working_hours: Mapped[float | None] = mapped_column(Float)
    # Public page views; nothing about the viewer is kept.
    view_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Whether the case was ended by an officer whose turn it was not: the FINISHED_OUT_OF_TURN audit rule's verdict,
    # recorded by the oversight round once the case has ended (null until then), by the unit heads of that day.
    finished_out_of_turn: Mapped[bool | None] = mapped_column(Boolean)
    search_grams: Mapped[list[str] | None] = search_grams_column("receipt_no", "title", "location")

    # Composite indexes serve the keyset pagination of the public case list (value, id).
    __table_args__ = (
        Index("ix_case_received_at_id", "received_at", "id"),
        Index("ix_case_due_at_id", "due_at", "id"),
        Index("ix_case_task_type_id_received_at", "task_type_id", "received_at"),
        Index("ix_case_department_id_received_at", "department_id", "received_at"),
        Index("ix_case_status_received_at", "status", "received_at"),
        search_grams_index("case"),
        Index("ix_case_closed_at", "closed_at"),
        # What the oversight round still has to fill (rows closed before working hours were stored).
        Index(
            "ix_case_working_hours_unfilled", "id", postgresql_where="working_hours IS NULL AND closed_at IS NOT NULL"
        ),
        # The FINISHED_OUT_OF_TURN rule's findings as the round recorded them, and the ended cases it has yet to judge.
        Index("ix_case_finished_out_of_turn", "id", postgresql_where="finished_out_of_turn IS true"),
        Index(
            "ix_case_finished_out_of_turn_unjudged",
            "id",
            postgresql_where="finished_out_of_turn IS NULL AND closed_at IS NOT NULL",
        ),
    )
