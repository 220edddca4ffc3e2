from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import DepartmentLevel, checked
from models.search import search_grams_column, search_grams_index


class Department(Base):
    """A unit of the city's organisation tree: city → bureau → division → team."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[DepartmentLevel] = mapped_column(checked(DepartmentLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # Materialised ancestry ("/1/7/42/") so "this department and everything below it" is one
    # indexed prefix match instead of a recursive query.
    path: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    # The head signs the unit's approval steps and may reassign work inside it. The FK is added after
    # both tables exist (department and officer refer to each other).
    head_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", use_alter=True))
    search_grams: Mapped[list[str] | None] = search_grams_column("code", "name")

    __table_args__ = (
        Index("ix_department_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        search_grams_index("department"),
    )
