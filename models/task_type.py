from sqlalchemy import CheckConstraint, Column, ForeignKey, SmallInteger, String, Table, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import StepRole, TaskCategory, checked
from models.search import search_grams_column, search_grams_index

task_type_legal_reference = Table(
    "task_type_legal_reference",
    Base.metadata,
    Column("task_type_id", ForeignKey("task_type.id", ondelete="CASCADE"), primary_key=True),
    Column("legal_reference_id", ForeignKey("legal_reference.id"), primary_key=True, index=True),
)


class TaskType(Base):
    """A kind of permit or enforcement work whose cases are disclosed, with its "task introduction"."""

    __tablename__ = "task_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[TaskCategory] = mapped_column(checked(TaskCategory))
    description: Mapped[str] = mapped_column(Text)
    disclosure_reason: Mapped[str] = mapped_column(Text)
    statutory_days: Mapped[int] = mapped_column(SmallInteger)
    # False where no law sets a processing period (enforcement the city starts itself): statutory_days is then the
    # city's own limit, and nothing may call it the law's.
    period_in_law: Mapped[bool] = mapped_column(server_default=true())
    standard_days: Mapped[int] = mapped_column(SmallInteger)
    # What an applicant pays, in the words of the law or ordinance that sets it; null where none is published.
    fee: Mapped[str | None] = mapped_column(Text)
    # Where online applications of this type are received.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    search_grams: Mapped[list[str] | None] = search_grams_column("code", "name")

    __table_args__ = (
        CheckConstraint("standard_days > 0 AND standard_days <= statutory_days", name="days"),
        search_grams_index("task_type"),
    )


class StepTemplate(Base):
    """One step of a task type's approval line; cases copy these into their own steps at intake."""

    __tablename__ = "step_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StepRole] = mapped_column(checked(StepRole))
    standard_days: Mapped[int] = mapped_column(SmallInteger)
    legal_reference_id: Mapped[int | None] = mapped_column(ForeignKey("legal_reference.id"), index=True)

    __table_args__ = (UniqueConstraint("task_type_id", "sequence"),)
