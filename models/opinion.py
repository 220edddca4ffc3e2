from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import OpinionStatus, checked

# Exactly one of these says what an opinion is about.
TARGETS = ("case_id", "step_id", "task_type_id", "officer_id")


def _newest_first(target: str) -> Index:
    """Serves "opinions about X, newest first" (read backwards); partial, since three targets of four are null."""
    return Index(f"ix_opinion_{target}_posted_at", target, "posted_at", "id", postgresql_where=f"{target} IS NOT NULL")


class Opinion(Base):
    """A citizen's comment on exactly one case, step, task type or officer, moderated in public, with an officer's
    answer. Nothing identifies the author: no account, no address, only the alias they chose."""

    __tablename__ = "opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("step.id", ondelete="CASCADE"))
    task_type_id: Mapped[int | None] = mapped_column(ForeignKey("task_type.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    # A pseudonym chosen by the author; no identity or contact of the citizen is stored.
    author_alias: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime]
    status: Mapped[OpinionStatus] = mapped_column(checked(OpinionStatus))
    # Public, like the status: why the opinion is held or hidden (or published again).
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    __table_args__ = (
        CheckConstraint(f"num_nonnulls({', '.join(TARGETS)}) = 1", name="one_target"),
        *(_newest_first(target) for target in TARGETS),
    )
