from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PublicHoliday(Base):
    """A day the statutory clock does not count (Saturdays are excluded by rule, not by row)."""

    __tablename__ = "public_holiday"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
