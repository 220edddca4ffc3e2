from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Opinion(Base):
    """A citizen's comment on exactly one case, task type or officer, with an officer's answer."""

    __tablename__ = "opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    task_type_id: Mapped[int | None] = mapped_column(ForeignKey("task_type.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    # A pseudonym chosen by the author; no identity or contact of the citizen is stored.
    author_alias: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime]
    published: Mapped[bool] = mapped_column(default=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    __table_args__ = (CheckConstraint("num_nonnulls(case_id, task_type_id, officer_id) = 1", name="one_target"),)
