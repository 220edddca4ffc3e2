from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import OfficerRole, checked
from models.search import search_grams_column, search_grams_index


class Officer(Base):
    """A public official; name, title and work contacts are public by law, nothing else is stored."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    email: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[OfficerRole] = mapped_column(
        checked(OfficerRole), default=OfficerRole.OFFICER, server_default=OfficerRole.OFFICER.value
    )
    search_grams: Mapped[list[str] | None] = search_grams_column("name", "title")

    __table_args__ = (search_grams_index("officer"),)
