"""Standing inspections (상시 점검): inspection teams, their twice-monthly inspections of a department, and what each
inspection found in the cases it sampled."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import InspectionOutcome, InspectionStatus, checked


class InspectionTeam(Base):
    """A standing inspection team (Seoul ran 25 teams of 50 inspectors), kept with the reference data."""

    __tablename__ = "inspection_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The unit the team belongs to: it never inspects that unit or the units below it.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)


class InspectionTeamMember(Base):
    __tablename__ = "inspection_team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("inspection_team.id", ondelete="CASCADE"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), primary_key=True)


class Inspection(Base):
    """One team's inspection of one department on one day, scheduled by the oversight round (INSPECTIONS_PER_MONTH
    a team), its cases sampled when the day comes, and recorded by a member of the team."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("inspection_team.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    scheduled_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[InspectionStatus] = mapped_column(checked(InspectionStatus), default=InspectionStatus.SCHEDULED)
    summary: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    event_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("event.seq"))

    __table_args__ = (UniqueConstraint("team_id", "scheduled_on"),)


class InspectedCase(Base):
    """A case an inspection sampled, and what the inspectors found in it: the outcome is public in aggregate, the
    officer it concerns and the note only to auditors."""

    __tablename__ = "inspected_case"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[InspectionOutcome | None] = mapped_column(checked(InspectionOutcome))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    note: Mapped[str | None] = mapped_column(Text)
