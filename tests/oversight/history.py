"""A small, hand-checked history for the oversight tests, written into a database of its own.

Every instant is fixed (early 2025, Asia/Seoul) so the expected figures can be worked out by hand; the
comments next to the tests show the arithmetic. Events are appended the way the server appends them (gapless
sequence, ledger leaf), only with the recording time chosen, because input delays are exactly that gap.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Case,
    CaseStatus,
    Department,
    Event,
    EventCounter,
    EventType,
    Officer,
    OfficerRole,
    Step,
    StepRole,
    StepStatus,
    TaskType,
)
from resolvers import ledger
from resolvers.dataloaders import Sessions
from schema.time import SEOUL


def seoul(month: int, day: int, hour: int = 9, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SEOUL)


FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


@dataclass
class History:
    """What the tests need to name: the rows' ids, by the labels the arithmetic uses."""

    task_types: dict[str, int] = field(default_factory=dict)
    task_codes: dict[str, str] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    officers: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)


# What the workflow records with each kind of event (docs/ledger.md), so that the leaves of a history written
# directly follow the published format like any other.
EXAMPLES: dict[EventType, payloads.Details] = {
    EventType.STEP_SIGNED: payloads.StepSigned(comment=None),
    EventType.STEP_RETURNED: payloads.StepReturned(reason="보완 요구"),
    EventType.CASE_RESUMED: payloads.CaseResumed(paused_working_hours=0, later_steps=[]),
    EventType.CASE_REJECTED: payloads.CaseRejected(result="시설기준 미달"),
    EventType.CASE_WITHDRAWN: payloads.CaseWithdrawn(result="민원인 취하"),
    EventType.CASE_CLOSED: payloads.CaseClosed(result="수리"),
}


def details(type: EventType) -> payloads.Details:
    """An example of what the workflow records with an event of `type` (kinds without members need none)."""
    return EXAMPLES.get(type) or payloads.KINDS[type]()


async def append_event(
    session: AsyncSession,
    type: EventType,
    case_id: int,
    actor_id: int | None,
    occurred_at: datetime,
    recorded_at: datetime,
    step_id: int | None = None,
) -> Event:
    sequence = await session.scalar(
        update(EventCounter).values(last_seq=EventCounter.last_seq + 1).returning(EventCounter.last_seq)
    )
    assert sequence is not None
    event = Event(
        seq=sequence,
        case_id=case_id,
        step_id=step_id,
        type=type,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        actor_officer_id=actor_id,
        payload=payloads.payload(details(type), actor=None, case=None, step=None),
    )
    session.add(event)
    await session.flush()
    await ledger.append(session, event)
    return event


async def _reference(session: AsyncSession, history: History) -> None:
    task_types = (await session.scalars(select(TaskType).order_by(TaskType.id).limit(2))).all()
    for label, row in zip(("A", "B"), task_types, strict=True):
        history.task_types[label], history.task_codes[label] = row.id, row.code
    # Two teams of different divisions, so a department filter can tell them apart: the best-staffed team (two of
    # its officers work the history) and the best-staffed one of another division.
    staff = func.count(Officer.id).filter(Officer.role == OfficerRole.OFFICER)
    teams = (
        await session.execute(
            select(Department.id, Department.parent_id)
            .join(Officer, Officer.department_id == Department.id)
            .where(Department.level == "team")
            .group_by(Department.id)
            .order_by(staff.desc(), Department.id)
        )
    ).all()
    first, second = teams[0], next(team for team in teams if team.parent_id != teams[0].parent_id)
    history.departments["D1"], history.departments["D2"] = first.id, second.id
    officers = (
        await session.scalars(
            select(Officer.id)
            .where(Officer.role == OfficerRole.OFFICER, Officer.department_id.in_([first.id, second.id]))
            .order_by(Officer.department_id != first.id, Officer.id)
        )
    ).all()
    history.officers["O1"], history.officers["O2"], history.officers["O3"] = officers[0], officers[1], officers[-1]


async def write(sessions: Sessions) -> History:
    history = History()
    async with sessions() as session, session.begin():
        await _reference(session, history)
        A, B = history.task_types["A"], history.task_types["B"]  # noqa: N806 (the arithmetic's names)
        D1, D2 = history.departments["D1"], history.departments["D2"]  # noqa: N806
        O1, O2, O3 = (history.officers[name] for name in ("O1", "O2", "O3"))  # noqa: N806

        async def case(
            label: str,
            task: int,
            department: int,
            received: datetime,
            due: datetime,
            status: CaseStatus,
            closed: datetime | None = None,
        ) -> int:
            row = Case(
                receipt_no=f"TEST-{label}",
                task_type_id=task,
                department_id=department,
                title=f"시험 사건 {label}",
                location="서울특별시 중구 세종대로 110",
                status=status,
                received_at=received,
                due_at=due,
                closed_at=closed,
            )
            session.add(row)
            await session.flush()
            history.cases[label] = row.id
            return row.id

        async def step(
            label: str,
            case_id: int,
            sequence: int,
            role: StepRole,
            officer: int,
            status: StepStatus,
            started: datetime,
            due: datetime,
            signed: datetime | None = None,
        ) -> int:
            row = Step(
                case_id=case_id,
                sequence=sequence,
                name=role.value,
                role=role,
                officer_id=officer,
                status=status,
                started_at=started,
                due_at=due,
                signed_at=signed,
                signed_by_id=officer if signed else None,
            )
            session.add(row)
            await session.flush()
            history.steps[label] = row.id
            return row.id

        done, open_ = CaseStatus.COMPLETED, CaseStatus.IN_PROGRESS
        signed, working = StepStatus.SIGNED, StepStatus.IN_PROGRESS
        c1 = await case("c1", A, D1, seoul(1, 6), seoul(1, 16, 18), done, seoul(1, 10))
        await step("c1.s1", c1, 1, StepRole.RECEIPT, O1, signed, seoul(1, 6), seoul(1, 6, 18), seoul(1, 6, 13))
        await step("c1.s2", c1, 2, StepRole.REVIEW, O2, signed, seoul(1, 6, 13), seoul(1, 10, 18), seoul(1, 9, 13))
        c2 = await case("c2", A, D1, seoul(1, 13), seoul(1, 20, 18), done, seoul(2, 3))
        await step("c2.s1", c2, 1, StepRole.RECEIPT, O1, signed, seoul(1, 13), seoul(1, 13, 18), seoul(1, 13, 11))
        await step("c2.s2", c2, 2, StepRole.REVIEW, O2, signed, seoul(1, 13, 11), seoul(1, 17, 18), seoul(1, 31, 11))
        await case("c3", A, D2, seoul(2, 3), seoul(2, 10, 18), CaseStatus.REJECTED, seoul(2, 4))
        c4 = await case("c4", B, D2, seoul(2, 10), seoul(2, 20, 18), open_)
        await step("c4.s1", c4, 1, StepRole.RECEIPT, O1, signed, seoul(2, 10), seoul(2, 10, 18), seoul(2, 10, 10))
        await step("c4.s2", c4, 2, StepRole.REVIEW, O3, working, seoul(2, 10, 10), seoul(2, 14, 18))
        await case("c5", B, D1, seoul(2, 17), seoul(2, 27, 18), CaseStatus.WITHDRAWN, seoul(2, 18))
        await case("c6", A, D1, seoul(12, 20, year=2024), seoul(1, 5, 18), done, seoul(1, 8))
        c7 = await case("c7", A, D1, seoul(2, 24), FAR_FUTURE, open_)
        await step("c7.s1", c7, 1, StepRole.RECEIPT, O1, signed, seoul(2, 24), seoul(2, 24, 18), seoul(2, 24, 12))
        now = datetime.now(UTC)
        await step("c7.s2", c7, 2, StepRole.REVIEW, O2, working, now - timedelta(hours=10), FAR_FUTURE)

        # One return for supplements, entered an hour after it happened.
        await append_event(session, EventType.STEP_RETURNED, c2, O2, seoul(1, 15, 10), seoul(1, 15, 11))
        # January's entries for the ranking: O1 ten (one entered two days late), O2 twelve, O3 three, all on time.
        for day in range(1, 11):
            lag = timedelta(hours=48 if day == 10 else 1)
            await append_event(session, EventType.STEP_STARTED, c1, O1, seoul(1, day + 10), seoul(1, day + 10) + lag)
        for day in range(1, 13):
            await append_event(session, EventType.STEP_STARTED, c1, O2, seoul(1, day + 10), seoul(1, day + 10, 10))
        for day in range(1, 4):
            await append_event(session, EventType.STEP_STARTED, c4, O3, seoul(1, day + 10), seoul(1, day + 10, 10))
    return history


async def decided_a_year_late(sessions: Sessions, history: History, label: str) -> Case:
    """One more processing delay for the check to find, outside every window the statistics tests look at."""
    async with sessions() as session, session.begin():
        late = Case(
            receipt_no=f"TEST-{label}",
            task_type_id=history.task_types["B"],
            department_id=history.departments["D2"],
            title=f"시험 사건 {label}",
            location="서울특별시 중구",
            status=CaseStatus.COMPLETED,
            received_at=seoul(1, 2, year=2023),
            due_at=seoul(1, 9, year=2023),
            closed_at=seoul(1, 9, year=2024),
        )
        session.add(late)
        await session.flush()
        history.cases[label] = late.id
    return late
