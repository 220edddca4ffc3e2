"""What oversight decided: auditors' dispositions of cyber-audit findings, and the monthly inputter awards."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import Disposition, checked


class FindingDisposition(Base):
    """An auditor's decision on one cyber-audit finding (its rule and key, as `auditFindings` lists it), with the
    reason; a later decision replaces it here, the event log keeps each. The reason and the finding's officer stay
    with auditors: the public event says only the rule and the decision."""

    __tablename__ = "finding_disposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    finding_key: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    disposition: Mapped[Disposition] = mapped_column(checked(Disposition))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime]
    event_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"))

    __table_args__ = (UniqueConstraint("rule", "finding_key"),)


class InputterAward(Base):
    """A monthly award to an officer for timely input (Seoul gave seven a month), taken from that month's ranking
    and recorded by the audit office (an auditor, or a supervisor over auditors); public, with the figures it was
    given for."""

    __tablename__ = "inputter_award"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    rank: Mapped[int] = mapped_column(SmallInteger)
    entries: Mapped[int] = mapped_column(Integer)
    timely_rate: Mapped[float] = mapped_column(Float)
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    awarded_at: Mapped[datetime]
    event_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"))

    __table_args__ = (UniqueConstraint("month", "officer_id"),)
