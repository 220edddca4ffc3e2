"""What watchers receive: events with the state of their case and step, read in batches.

One read serves every watcher of a process: the hub reads each new event once, with everything its payload
shows (the case, its line, the officers), and every subscription renders from that snapshot without I/O.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from models import Case, Department, Event, EventType, Officer, Step, TaskType
from resolvers.dataloaders import Sessions, any_of

BATCH = 500


@dataclass(frozen=True)
class StepState:
    step: Step
    officer: Officer
    officer_department: str
    signer: Officer | None


@dataclass(frozen=True)
class CaseState:
    case: Case
    task_type_code: str
    department_name: str
    department_path: str
    steps: Sequence[StepState]


@dataclass(frozen=True)
class Snapshot:
    """One event, with its case and the case's line as they were when it was read."""

    event: Event
    case: CaseState | None
    actor: Officer | None
    # The case's previous event: a watcher of one case sees a gap when it is not the last one it received.
    previous_in_case: int | None = None

    @property
    def step(self) -> StepState | None:
        if self.case is None or self.event.step_id is None:
            return None
        return next((state for state in self.case.steps if state.step.id == self.event.step_id), None)


@dataclass(frozen=True)
class Watch:
    """What a subscription follows: one case, or the feed narrowed by task type, department and event type."""

    receipt_no: str | None = None
    task_type_code: str | None = None
    department_id: int | None = None
    event_types: frozenset[EventType] = field(default_factory=frozenset)

    def matches(self, snapshot: Snapshot, department_paths: dict[int, str]) -> bool:
        event, case = snapshot.event, snapshot.case
        if self.event_types and event.type not in self.event_types:
            return False
        if self.receipt_no is not None and (case is None or case.case.receipt_no != self.receipt_no):
            return False
        if self.task_type_code is not None and (case is None or case.task_type_code != self.task_type_code):
            return False
        if self.department_id is not None:
            prefix = department_paths.get(self.department_id)
            return prefix is not None and case is not None and case.department_path.startswith(prefix)
        return True


async def read(
    sessions: Sessions,
    *,
    after: int,
    upto: int | None = None,
    case_receipt_no: str | None = None,
    limit: int = BATCH,
) -> list[Snapshot]:
    """Events after `after` (and up to `upto`), in sequence order, each with its case state: four statements."""
    where: list[ColumnElement[bool]] = [Event.seq > after]
    if upto is not None:
        where.append(Event.seq <= upto)
    if case_receipt_no is not None:
        where.append(Event.case_id == select(Case.id).where(Case.receipt_no == case_receipt_no).scalar_subquery())
    signer = aliased(Officer)
    async with sessions() as session:
        earlier = aliased(Event)
        previous = (
            select(func.max(earlier.seq))
            .where(earlier.case_id == Event.case_id, earlier.seq < Event.seq)
            .scalar_subquery()
        )
        rows = (await session.execute(select(Event, previous).where(*where).order_by(Event.seq).limit(limit))).all()
        events = [row[0] for row in rows]
        previous_of = {row[0].seq: row[1] for row in rows}
        case_ids = sorted({event.case_id for event in events if event.case_id is not None})
        actor_ids = sorted({event.actor_officer_id for event in events if event.actor_officer_id is not None})
        cases = {
            row[0].id: row
            for row in await session.execute(
                select(Case, TaskType.code, Department.name, Department.path)
                .join(TaskType, TaskType.id == Case.task_type_id)
                .join(Department, Department.id == Case.department_id)
                .where(any_of(Case.id)),
                {"keys": case_ids},
            )
        }
        lines: dict[int, list[StepState]] = {case_id: [] for case_id in case_ids}
        for step, officer, department_name, signed_by in await session.execute(
            select(Step, Officer, Department.name, signer)
            .join(Officer, Officer.id == Step.officer_id)
            .join(Department, Department.id == Officer.department_id)
            .outerjoin(signer, signer.id == Step.signed_by_id)
            .where(any_of(Step.case_id))
            .order_by(Step.case_id, Step.sequence),
            {"keys": case_ids},
        ):
            lines[step.case_id].append(StepState(step, officer, department_name, signed_by))
        actors = {
            officer.id: officer
            for officer in await session.scalars(select(Officer).where(any_of(Officer.id)), {"keys": actor_ids})
        }
    snapshots = []
    for event in events:
        state = None
        if event.case_id is not None:
            case, code, department_name, path = cases[event.case_id]
            state = CaseState(case, code, department_name, path, lines[event.case_id])
        snapshots.append(Snapshot(event, state, actors.get(event.actor_officer_id or 0), previous_of[event.seq]))
    return snapshots


async def last_sequence(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1)) or 0)


async def unknown(sessions: Sessions, watch: "Watch") -> tuple[str, str] | None:
    """The argument (and why) naming a case, task type or department that does not exist, if any."""
    checks = [
        ("receiptNo", "no case has this receipt number", Case.receipt_no, watch.receipt_no),
        ("taskTypeCode", "no task type has this code", TaskType.code, watch.task_type_code),
        ("departmentId", "no department has this ID", Department.id, watch.department_id),
    ]
    async with sessions() as session:
        for argument, reason, column, value in checks:
            if value is not None and await session.scalar(select(column).where(column == value).limit(1)) is None:
                return argument, f"{reason}: {value}"
    return None


async def department_paths(sessions: Sessions, department_ids: Sequence[int]) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(Department.id, Department.path).where(any_of(Department.id)), {"keys": list(department_ids)}
        )
        return {department_id: path for department_id, path in rows}
