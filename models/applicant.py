from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Applicant(Base):
    """The applicant of a case: private. No public type, log line or event may ever carry these columns."""

    __tablename__ = "applicant"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    # A slow hash (scrypt) of the one-time access code; the code itself is never stored.
    access_code_hash: Mapped[str] = mapped_column(String(200))
