"""Standing inspections (상시 점검): each active team inspects a department INSPECTIONS_PER_MONTH times a month.

The oversight round schedules the current and the next month (`schedule`): each inspection day is the first
working day on or after the month's 1st, 16th, … (the month split evenly), and each inspection goes to the
department with cases that was inspected least recently (never first), outside the team's own unit. When the day
comes the round samples INSPECTION_SAMPLE_SIZE of the department's cases with work in the period before it, in an
order fixed by the inspection's id (reproducible, not chosen by anyone). A member of the team records what each
sampled case showed (`record`): the public learns the sample and the outcomes in aggregate (an
INSPECTION_COMPLETED event); the outcome per case, the officer it concerns and the notes stay with auditors.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Case,
    DelayWatermark,
    Department,
    Event,
    InspectedCase,
    Inspection,
    InspectionOutcome,
    InspectionStatus,
    InspectionTeam,
    InspectionTeamMember,
    Officer,
)
from resolvers import events
from resolvers.context import Context
from resolvers.errors import Forbidden, InvalidInput, WorkflowCode, WorkflowError
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset
from resolvers.statutory_clock import SEOUL, is_working_day, seoul_date
from resolvers.workflow.checks import Policy, public_text, required_public_text
from resolvers.workflow.rows import holidays

SUMMARY_LIMIT = 2_000
NOTE_LIMIT = 1_000


def inspection_days(month: date, per_month: int, calendar_days: set[date]) -> list[date]:
    """The month split into `per_month` even parts; in each, the first working day from its start."""
    length = calendar.monthrange(month.year, month.month)[1]
    days = []
    for part in range(per_month):
        day = month.replace(day=1 + part * length // per_month)
        while not is_working_day(day, calendar_days):
            day += timedelta(days=1)
        if day.month == month.month and day not in days:
            days.append(day)
    return days


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Scheduled:
    scheduled: int
    sampled: int


async def schedule(session: AsyncSession, now: datetime, policy: Policy) -> Scheduled:
    """Schedule this month's and next month's inspections for every active team with members, and sample the cases
    of every inspection whose day has come."""
    # Replicas run rounds too: the watermark row makes them take turns.
    await session.get(DelayWatermark, 1, with_for_update=True)
    today = seoul_date(now)
    calendar_days = await holidays(session)
    teams = (
        await session.scalars(
            select(InspectionTeam)
            .where(InspectionTeam.active, exists().where(InspectionTeamMember.team_id == InspectionTeam.id))
            .order_by(InspectionTeam.id)
        )
    ).all()
    upcoming = select(Inspection.team_id, Inspection.scheduled_on).where(Inspection.scheduled_on >= today)
    taken = {(team_id, day) for team_id, day in await session.execute(upcoming)}
    scheduled = 0
    for month in (today.replace(day=1), _next_month(today.replace(day=1))):
        for day in inspection_days(month, policy.inspections_per_month, calendar_days):
            if day < today:
                continue
            for team in teams:
                if (team.id, day) in taken:
                    continue
                department_id = await _least_recently_inspected(session, team, day)
                if department_id is not None:
                    session.add(Inspection(team_id=team.id, department_id=department_id, scheduled_on=day))
                    await session.flush()
                    scheduled += 1
    sampled = 0
    due = await session.scalars(
        select(Inspection).where(
            Inspection.status == InspectionStatus.SCHEDULED,
            Inspection.scheduled_on <= today,
            ~exists().where(InspectedCase.inspection_id == Inspection.id),
        )
    )
    for inspection in due.all():
        sampled += await _sample(session, inspection, policy)
    return Scheduled(scheduled, sampled)


async def _least_recently_inspected(session: AsyncSession, team: InspectionTeam, day: date) -> int | None:
    """A department with cases, outside the team's unit, not inspected that day, inspected least recently."""
    home = select(Department.path).where(Department.id == team.department_id).scalar_subquery()
    last = (
        select(func.max(Inspection.scheduled_on))
        .where(Inspection.department_id == Department.id)
        .correlate(Department)
        .scalar_subquery()
    )
    return await session.scalar(
        select(Department.id)
        .where(
            exists().where(Case.department_id == Department.id),
            ~Department.path.startswith(home, autoescape=False),
            ~exists().where(Inspection.department_id == Department.id, Inspection.scheduled_on == day),
        )
        .order_by(last.asc().nulls_first(), Department.id)
        .limit(1)
    )


async def _sample(session: AsyncSession, inspection: Inspection, policy: Policy) -> int:
    """The inspected department's cases with work in the period before the day (the month's share of it), or its
    latest cases when there were none, in an order fixed by the inspection."""
    start = datetime.combine(inspection.scheduled_on, datetime.min.time(), SEOUL)
    period = timedelta(days=31 // policy.inspections_per_month)
    worked = exists().where(Event.case_id == Case.id, Event.occurred_at >= start - period, Event.occurred_at < start)
    shuffled = func.md5(func.concat(literal(inspection.id), ":", Case.id))
    chosen = (
        await session.scalars(
            select(Case.id)
            .where(Case.department_id == inspection.department_id, worked)
            .order_by(shuffled)
            .limit(policy.inspection_sample_size)
        )
    ).all()
    if not chosen:
        chosen = (
            await session.scalars(
                select(Case.id)
                .where(Case.department_id == inspection.department_id, Case.received_at < start)
                .order_by(Case.received_at.desc(), Case.id)
                .limit(policy.inspection_sample_size)
            )
        ).all()
    session.add_all(InspectedCase(inspection_id=inspection.id, case_id=case_id) for case_id in chosen)
    await session.flush()
    return len(chosen)


@dataclass(frozen=True)
class CaseOutcome:
    """What an inspection found in one sampled case."""

    case_id: int
    outcome: InspectionOutcome
    officer_id: int | None = None
    note: str | None = None


async def record(
    session: AsyncSession, actor: Officer, inspection_id: int, found: Sequence[CaseOutcome], summary: str
) -> Inspection:
    """A member of the team records the inspection: an outcome for every sampled case, and a public summary."""
    inspection = await session.get(Inspection, inspection_id, with_for_update=True)
    if inspection is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such inspection", "inspectionId")
    member = exists().where(
        InspectionTeamMember.team_id == inspection.team_id, InspectionTeamMember.officer_id == actor.id
    )
    if not await session.scalar(select(member)):
        raise Forbidden("only a member of the inspecting team may record its inspection")
    if inspection.status is InspectionStatus.COMPLETED:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "the inspection is already recorded", "inspectionId")
    sampled = {
        row.case_id: row
        for row in (
            await session.scalars(select(InspectedCase).where(InspectedCase.inspection_id == inspection.id))
        ).all()
    }
    if not sampled:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "its cases are sampled when its day comes", "inspectionId")
    given = [one.case_id for one in found]
    if sorted(given) != sorted(sampled):
        raise WorkflowError(
            WorkflowCode.INVALID_VALUE, "give one outcome for each sampled case, and only those", "cases"
        )
    checked_summary = required_public_text(summary, "summary", SUMMARY_LIMIT)
    for index, one in enumerate(found):
        if one.officer_id is not None and await session.get(Officer, one.officer_id) is None:
            raise WorkflowError(WorkflowCode.NOT_FOUND, "no such officer", f"cases.{index}.officerId")
        row = sampled[one.case_id]
        row.outcome, row.officer_id = one.outcome, one.officer_id
        row.note = public_text(one.note, f"cases.{index}.note", NOTE_LIMIT, required=False)
    team = await session.get(InspectionTeam, inspection.team_id)
    assert team is not None, "foreign key guarantees the team"
    receipts = {
        case_id: receipt_no
        for case_id, receipt_no in await session.execute(
            select(Case.id, Case.receipt_no).where(Case.id.in_(list(sampled)))
        )
    }
    counts = {outcome: sum(one.outcome is outcome for one in found) for outcome in InspectionOutcome}
    now = datetime.now(UTC)
    event = await events.append(
        session,
        payloads.InspectionCompleted(
            inspection=payloads.InspectionShown(
                id=inspection.id,
                team=team.name,
                department_id=inspection.department_id,
                scheduled_on=inspection.scheduled_on,
            ),
            sampled=sorted(receipts[case_id] for case_id in sampled),
            outcomes=payloads.OutcomeCounts(**{outcome.value: count for outcome, count in counts.items()}),
            summary=checked_summary,
        ),
        case=None,
        actor=actor,
        occurred_at=now,
    )
    inspection.status, inspection.summary = InspectionStatus.COMPLETED, checked_summary
    inspection.completed_at, inspection.recorded_by_id, inspection.event_seq = now, actor.id, event.seq
    await session.flush()
    return inspection


@dataclass(frozen=True)
class InspectionFilter:
    team: str | None = None
    department_id: int | None = None
    status: InspectionStatus | None = None
    scheduled_from: date | None = None
    scheduled_to: date | None = None

    def __post_init__(self) -> None:
        if self.scheduled_from and self.scheduled_to and self.scheduled_from >= self.scheduled_to:
            raise InvalidInput("filter.scheduledTo", "must be later than filter.scheduledFrom")


async def list_inspections(context: Context, criteria: InspectionFilter, window: Slice) -> Page[Inspection]:
    """Inspections, the latest scheduled first."""
    where = []
    if criteria.team is not None:
        where.append(
            Inspection.team_id
            == select(InspectionTeam.id).where(InspectionTeam.name == criteria.team).scalar_subquery()
        )
    if criteria.department_id is not None:
        where.append(Inspection.department_id == criteria.department_id)
    if criteria.status is not None:
        where.append(Inspection.status == criteria.status)
    if criteria.scheduled_from is not None:
        where.append(Inspection.scheduled_on >= criteria.scheduled_from)
    if criteria.scheduled_to is not None:
        where.append(Inspection.scheduled_on < criteria.scheduled_to)
    statement = keyset(select(Inspection).where(*where), window, "INSPECTIONS", Inspection.id, ascending=False)
    async with context.sessions() as session:
        rows: Sequence[Inspection] = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Inspection).where(*where)) or 0

    return build_page(rows, window, lambda row: encode_cursor("INSPECTIONS", row.id, row.id), count)


async def teams(context: Context) -> Sequence[InspectionTeam]:
    async with context.sessions() as session:
        return (await session.scalars(select(InspectionTeam).order_by(InspectionTeam.name))).all()


@dataclass(frozen=True)
class InspectionFigures:
    """Public figures over inspections scheduled in a window."""

    scheduled: int
    completed: int
    cases_sampled: int
    outcomes: dict[InspectionOutcome, int]


async def figures(context: Context, start: date, end: date) -> InspectionFigures:
    if start >= end:
        raise InvalidInput("to", "must be later than `from`")
    window = [Inspection.scheduled_on >= start, Inspection.scheduled_on < end]
    async with context.sessions() as session:
        scheduled, completed = (
            await session.execute(
                select(func.count(), func.count().filter(Inspection.status == InspectionStatus.COMPLETED)).where(
                    *window
                )
            )
        ).one()
        counted = (
            await session.execute(
                select(InspectedCase.outcome, func.count())
                .join(Inspection, Inspection.id == InspectedCase.inspection_id)
                .where(*window, Inspection.status == InspectionStatus.COMPLETED)
                .group_by(InspectedCase.outcome)
            )
        ).all()
    outcomes = {outcome: 0 for outcome in InspectionOutcome}
    for outcome, count in counted:
        if outcome is not None:
            outcomes[outcome] = count
    return InspectionFigures(scheduled, completed, sum(outcomes.values()), outcomes)
