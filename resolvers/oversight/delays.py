"""Delays (입력지연 자동체크): steps and cases past their due time, and entries made long after the fact.

`check` runs on a schedule in every server process and as `openproc oversight check`. Each delay found is
recorded once (its `subject` is unique) together with a public DelayDetected event, in batches of one
transaction; the watermark row is locked first, so concurrent checkers (replicas) take turns instead of
reporting the same delay twice.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Case,
    CaseStatus,
    Delay,
    DelayKind,
    DelayWatermark,
    Event,
    Officer,
    Step,
    StepStatus,
)
from resolvers import events
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput, WorkflowCode, WorkflowError
from resolvers.pagination import Page, build_page, decode_cursor, encode_cursor, page_size
from resolvers.scope import Scope, scoped
from resolvers.workflow.access import require_case_handler, require_worker
from resolvers.workflow.checks import required_public_text

# Appending events holds the event counter's lock until commit: small batches keep signings waiting briefly.
BATCH = 100
# Input delays are looked for in windows of this many events, so one transaction stays short.
EVENT_WINDOW = 5_000
EXPLANATION_LIMIT = 1_000
RUNNING_CASE = (CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS)
DECIDED_CASE = (CaseStatus.COMPLETED, CaseStatus.REJECTED)


@dataclass(frozen=True)
class DelayCheck:
    """What one check found."""

    processing: int
    input: int

    @property
    def total(self) -> int:
        return self.processing + self.input


def _not_reported(subject: ColumnElement[str]) -> ColumnElement[bool]:
    return ~exists().where(Delay.subject == subject)


def _step_subject() -> ColumnElement[str]:
    return func.concat("step:", Step.id)


def _case_subject() -> ColumnElement[str]:
    return func.concat("case:", Case.id)


def _late_step() -> ColumnElement[bool]:
    """Still open past its due time while the clock runs, or signed after it."""
    return or_(
        and_(Step.status == StepStatus.IN_PROGRESS, Case.status.in_(RUNNING_CASE), Step.due_at < func.now()),
        and_(Step.status == StepStatus.SIGNED, Step.signed_at > Step.due_at),
    )


def _late_case() -> ColumnElement[bool]:
    return or_(
        and_(Case.status.in_(RUNNING_CASE), Case.due_at < func.now()),
        and_(Case.status.in_(DECIDED_CASE), Case.closed_at > Case.due_at),
    )


async def _record(
    session: AsyncSession,
    delay: Delay,
    case: Case,
    step: Step | None,
    shown: payloads.ProcessingDelay | payloads.InputDelay,
) -> None:
    event = await events.append(
        session,
        payloads.DelayDetected(delay=shown),
        case=case,
        step=step,
        actor=None,
        # When it was detected: the deadline itself is in the details, so the event is never "back-dated".
        occurred_at=delay.detected_at,
    )
    delay.detected_seq = event.seq
    session.add(delay)


async def _processing_batch(session: AsyncSession, now: datetime) -> int:
    steps = (
        await session.execute(
            select(Step, Case, Officer.department_id)
            .join(Case, Case.id == Step.case_id)
            .join(Officer, Officer.id == Step.officer_id)
            .where(_late_step(), _not_reported(_step_subject()))
            .order_by(Step.due_at, Step.id)
            .limit(BATCH)
        )
    ).all()
    for step, case, department_id in steps:
        assert step.due_at is not None
        delay = Delay(
            subject=f"step:{step.id}",
            kind=DelayKind.PROCESSING,
            case_id=case.id,
            step_id=step.id,
            officer_id=step.officer_id,
            department_id=department_id,
            due_at=step.due_at,
            detected_at=now,
        )
        await _record(session, delay, case, step, payloads.ProcessingDelay(kind="processing", due_at=step.due_at))
    cases = (
        await session.scalars(
            select(Case).where(_late_case(), _not_reported(_case_subject())).order_by(Case.due_at, Case.id).limit(BATCH)
        )
    ).all()
    for case in cases:
        delay = Delay(
            subject=f"case:{case.id}",
            kind=DelayKind.PROCESSING,
            case_id=case.id,
            department_id=case.department_id,
            due_at=case.due_at,
            detected_at=now,
        )
        await _record(session, delay, case, None, payloads.ProcessingDelay(kind="processing", due_at=case.due_at))
    return len(steps) + len(cases)


async def _input_batch(session: AsyncSession, now: datetime, threshold: timedelta, watermark: DelayWatermark) -> int:
    """Officers' entries recorded more than `threshold` after they happened, in the next window of events."""
    upto = watermark.last_event_seq + EVENT_WINDOW
    late = (
        await session.execute(
            select(Event, Case, Officer)
            .join(Case, Case.id == Event.case_id)
            .join(Officer, Officer.id == Event.actor_officer_id)
            .where(
                Event.seq > watermark.last_event_seq,
                Event.seq <= upto,
                Event.recorded_at - Event.occurred_at > threshold,
                _not_reported(func.concat("event:", Event.seq)),
            )
            .order_by(Event.seq)
            .limit(BATCH)
        )
    ).all()
    if len(late) == BATCH:
        # More may follow in this window: resume right after the last one reported.
        highest: int | None = late[-1][0].seq
    else:
        highest = await session.scalar(select(func.max(Event.seq)).where(Event.seq <= upto))
    for event, case, officer in late:
        lag = (event.recorded_at - event.occurred_at).total_seconds() / 3600
        delay = Delay(
            subject=f"event:{event.seq}",
            kind=DelayKind.INPUT,
            case_id=case.id,
            step_id=event.step_id,
            late_event_seq=event.seq,
            officer_id=officer.id,
            department_id=officer.department_id,
            lag_hours=round(lag, 2),
            detected_at=now,
        )
        shown = payloads.InputDelay(
            kind="input",
            event_sequence=event.seq,
            occurred_at=event.occurred_at,
            recorded_at=event.recorded_at,
            lag_hours=round(lag, 2),
            officer=events.shown(officer),
        )
        await _record(session, delay, case, None, shown)
    watermark.last_event_seq = max(watermark.last_event_seq, highest or 0)
    return len(late)


async def check(sessions: Sessions, input_threshold: timedelta) -> DelayCheck:
    """Report every delay not reported yet; returns how many of each kind were found."""
    found = DelayCheck(processing=0, input=0)
    while True:
        async with sessions() as session, session.begin():
            watermark = await session.get(DelayWatermark, 1, with_for_update=True)
            assert watermark is not None, "the migration creates the watermark row"
            now = datetime.now(UTC)
            processing = await _processing_batch(session, now)
            last_seq = await session.scalar(select(func.max(Event.seq))) or 0
            scanned_all = watermark.last_event_seq >= last_seq
            late_input = 0 if scanned_all else await _input_batch(session, now, input_threshold, watermark)
        found = DelayCheck(found.processing + processing, found.input + late_input)
        if processing < BATCH and scanned_all:
            return found


async def explain(session: AsyncSession, actor: Officer, delay_id: int, explanation: str) -> Delay:
    """The department's public explanation of a delay; a later one replaces it, the events keep both."""
    require_worker(actor)
    delay = await session.get(Delay, delay_id, with_for_update=True)
    if delay is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such delay", "delayId")
    case = await session.get(Case, delay.case_id)
    assert case is not None
    if delay.officer_id != actor.id:
        await require_case_handler(session, actor, case)
    delay.explanation = required_public_text(explanation, "explanation", EXPLANATION_LIMIT)
    delay.explained_at, delay.explained_by_id = datetime.now(UTC), actor.id
    step = None if delay.step_id is None else await session.get(Step, delay.step_id)
    await events.append(
        session,
        payloads.DelayExplained(
            delay=payloads.DelayShown(id=delay.id, kind=delay.kind.value), explanation=delay.explanation
        ),
        case=case,
        step=step,
        actor=actor,
        occurred_at=delay.explained_at,
    )
    return delay


@dataclass(frozen=True)
class DelayFilter:
    scope: Scope = field(default_factory=Scope)
    kind: DelayKind | None = None
    detected_from: datetime | None = None
    detected_to: datetime | None = None

    def __post_init__(self) -> None:
        if self.detected_from and self.detected_to and self.detected_from >= self.detected_to:
            raise InvalidInput("filter.detectedTo", "must be later than filter.detectedFrom")


async def list_delays(context: Context, criteria: DelayFilter, first: int | None, after: str | None) -> Page[Delay]:
    """Delay history, newest first."""
    size = page_size(first)
    scope = criteria.scope
    task_type = select(Case.task_type_id).where(Case.id == Delay.case_id).scalar_subquery()
    where = scoped(Delay.department_id, task_type, scope)
    if scope.officer_id is not None:
        where.append(Delay.officer_id == scope.officer_id)
    if criteria.kind is not None:
        where.append(Delay.kind == criteria.kind)
    if criteria.detected_from is not None:
        where.append(Delay.detected_at >= criteria.detected_from)
    if criteria.detected_to is not None:
        where.append(Delay.detected_at < criteria.detected_to)
    statement = select(Delay).where(*where)
    if after is not None:
        value, row_id = decode_cursor(after, "DELAYS", datetime)
        statement = statement.where(tuple_(Delay.detected_at, Delay.id) < tuple_(literal(value), row_id))
    statement = statement.order_by(Delay.detected_at.desc(), Delay.id.desc()).limit(size + 1)
    async with context.sessions() as session:
        rows: Sequence[Delay] = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Delay).where(*where)) or 0

    return build_page(rows, size, after, lambda row: encode_cursor("DELAYS", row.detected_at, row.id), count)


async def late_steps(context: Context, scope: Scope, first: int | None, after: str | None) -> Page[Step]:
    """Steps open past their due time now, while the statutory clock runs; the longest overdue first."""
    size = page_size(first)
    holder_department = select(Officer.department_id).where(Officer.id == Step.officer_id).scalar_subquery()
    where = [
        Step.status == StepStatus.IN_PROGRESS,
        Step.due_at < func.now(),
        Case.status.in_(RUNNING_CASE),
        *scoped(holder_department, Case.task_type_id, scope),
    ]
    if scope.officer_id is not None:
        where.append(Step.officer_id == scope.officer_id)
    statement = select(Step).join(Case, Case.id == Step.case_id).where(*where)
    if after is not None:
        value, row_id = decode_cursor(after, "LATE_STEPS", datetime)
        statement = statement.where(tuple_(Step.due_at, Step.id) > tuple_(literal(value), row_id))
    statement = statement.order_by(Step.due_at, Step.id).limit(size + 1)
    async with context.sessions() as session:
        rows: Sequence[Step] = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            counted = select(func.count()).select_from(Step).join(Case, Case.id == Step.case_id).where(*where)
            return await session.scalar(counted) or 0

    def cursor(row: Step) -> str:
        assert row.due_at is not None
        return encode_cursor("LATE_STEPS", row.due_at, row.id)

    return build_page(rows, size, after, cursor, count)
