from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import EventType
from models.vocabulary import looked_up, lookup_table

# One row per kind of event, kept in step with EventType by every upgrade.
event_type = lookup_table(EventType, "event_type")
# The events that end a case.
ENDINGS = (EventType.CASE_REJECTED, EventType.CASE_WITHDRAWN, EventType.CASE_CLOSED)


class Event(Base):
    """The append-only, totally ordered log of every state change: subscriptions, audit and ledger read it.

    `seq` is gapless and assigned from EventCounter inside the writing transaction, so commit order
    equals sequence order (a SEQUENCE would hand out numbers that commit out of order).
    """

    __tablename__ = "event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("step.id"))
    type: Mapped[EventType] = mapped_column(looked_up(EventType), ForeignKey(event_type.c.name))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    # Public content only; this is what watchers and the ledger see.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_event_case_id_seq", "case_id", "seq"),
        # Statistics count one kind of event in a window (returns for supplements) across all cases.
        Index("ix_event_type_occurred_at", "type", "occurred_at"),
        # How long after the fact each event was entered: the audit's back-dating rule finds the few late ones.
        Index("ix_event_entry_lag", text("(recorded_at - occurred_at)")),
        # The audit of repeated returns counts each case's returns from this small index alone.
        Index(
            "ix_event_returns",
            "case_id",
            "seq",
            postgresql_include=["step_id", "actor_officer_id"],
            postgresql_where=text(f"type = '{EventType.STEP_RETURNED.value}'"),
        ),
        # The audit of who ended cases reads every ending: from this small index alone, once vacuumed.
        Index(
            "ix_event_ending",
            "type",
            "seq",
            postgresql_include=["case_id", "actor_officer_id", "occurred_at"],
            postgresql_where=text("type IN (" + ", ".join(f"'{kind.value}'" for kind in ENDINGS) + ")"),
        ),
    )


class EventCounter(Base):
    """A single locked row holding the last assigned event sequence number."""

    __tablename__ = "event_counter"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
