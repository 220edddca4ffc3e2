"""What the oversight loop records: delays it detected, milestones reached, and historical step durations."""

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import DelayKind, checked


class Delay(Base):
    """A processing delay (a step or case past its due time) or an input delay (entries made late).

    `subject` names what was late ("step:12", "case:7", "input:301" for the sitting on one case whose first late
    entry is event 301; "event:301" in rounds before sittings): each is reported once, however often the check
    runs, so replicas and repeated runs never append a second DelayDetected event for it. An input delay's entries
    are its `DelayEntry` rows.
    """

    __tablename__ = "delay"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[DelayKind] = mapped_column(checked(DelayKind))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("step.id", ondelete="CASCADE"))
    # The first late entry, for input delays.
    late_event_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("event.seq"))
    # Who answers for it: the step's officer or the late event's actor; null for a case past its deadline.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    # Processing delays: the deadline missed. Input delays: the longest lag of its entries, in working hours.
    due_at: Mapped[datetime | None]
    lag_hours: Mapped[float | None] = mapped_column(Float)
    detected_at: Mapped[datetime]
    detected_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"))
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_at: Mapped[datetime | None]
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    # Found in history imported with the data (before `DelayWatermark.history_until`): announced by a day's
    # DelaysSummarized event (`detected_seq`) instead of a DelayDetected event of its own.
    historic: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        Index("ix_delay_detected_at_id", "detected_at", "id"),
        Index("ix_delay_department_id_detected_at", "department_id", "detected_at"),
    )


class DelayEntry(Base):
    """A late entry and the input delay that reports it: each entry is reported once (the primary key)."""

    __tablename__ = "delay_entry"

    event_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"), primary_key=True)
    delay_id: Mapped[int] = mapped_column(ForeignKey("delay.id", ondelete="CASCADE"), index=True)
    # Working hours from when it happened to when it was entered.
    lag_hours: Mapped[float] = mapped_column(Float)


class DelayWatermark(Base):
    """A single row: the last event sequence the input-delay check has looked at, and where imported history ends
    (delays due or entered before it are historic; null when nothing was imported)."""

    __tablename__ = "delay_watermark"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    history_until: Mapped[datetime | None]
    # The last event the ranking's monthly figures (`OfficerMonth`) include.
    ranked_event_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class OfficerMonth(Base):
    """One officer's entries in one month, as the ranking counts them (the threshold in working hours it was
    counted with, how many, how many on time, the median lag): refreshed by the oversight round for each month
    that got new entries, so the ranking reads a few hundred rows instead of working out every entry's lag."""

    __tablename__ = "officer_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    threshold_hours: Mapped[float] = mapped_column(Float)
    entries: Mapped[int] = mapped_column(Integer)
    timely: Mapped[int] = mapped_column(Integer)
    median_lag_hours: Mapped[float] = mapped_column(Float)


class Milestone(Base):
    """A published figure (registered cases, page views…) crossing a round threshold, announced once."""

    __tablename__ = "milestone"

    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    threshold: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    reached_at: Mapped[datetime]
    event_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"))


class ViewTally(Base):
    """Views of case pages or public documents counted by the hour (UTC), for the hour a view milestone was reached.

    Each hour's views are spread over a few rows (`shard`, the database connection's process id modulo a few), so
    that concurrent views rarely queue for one row's lock. The per-row `view_count`s stay the totals.
    """

    __tablename__ = "view_tally"

    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger)


class StepDurationNorm(Base):
    """How long each step of a task type's line has taken, from signed history: the 0th, 5th, …, 100th percentiles
    of the working hours from start to signature (`resolvers.oversight.prediction.QUANTILES`).

    Refreshed by the oversight loop; predictions read it instead of scanning history per request.
    """

    __tablename__ = "step_duration_norm"

    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="CASCADE"), primary_key=True)
    sequence: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    samples: Mapped[int] = mapped_column(Integer)
    quantile_hours: Mapped[list[float]] = mapped_column(ARRAY(Float))
    refreshed_at: Mapped[datetime]
