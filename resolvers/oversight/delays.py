"""Delays (입력지연 자동체크): steps and cases past their due time, and entries made long after the fact.

`check` runs on a schedule in every server process and as `openproc oversight check`. Each delay found is
recorded once (its `subject` is unique) together with a public DelayDetected event, in batches of one
transaction; the watermark row is locked first, so concurrent checkers (replicas) take turns instead of
reporting the same delay twice.

An entry is late when it was recorded more than INPUT_DELAY_WORKING_HOURS working hours after the fact, counted
by the statutory clock's calendar (a step signed Friday 17:50 and entered Monday 08:30 lost ten minutes, not 62
hours). Late entries of one officer recorded less than INPUT_SITTING_GAP_MINUTES apart are one sitting, and a
sitting is one delay per case it touched, listing its entries (each entry is reported once: `delay_entry`).
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
    DelayEntry,
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
from resolvers.workflow.checks import Policy, required_public_text
from resolvers.working_time import working_hours

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


@dataclass(frozen=True)
class LateEntry:
    """An entry recorded late, as the check reads it (lag in working hours)."""

    seq: int
    case_id: int
    step_id: int | None
    officer_id: int
    occurred_at: datetime
    recorded_at: datetime
    lag_hours: float


def sittings_of(entries: Sequence[LateEntry], gap: timedelta) -> list[list[LateEntry]]:
    """Late entries grouped into sittings: one officer's, each recorded less than `gap` after the one before."""
    sittings: list[list[LateEntry]] = []
    last_of: dict[int, list[LateEntry]] = {}
    for entry in sorted(entries, key=lambda entry: (entry.recorded_at, entry.seq)):
        current = last_of.get(entry.officer_id)
        if current is not None and entry.recorded_at - current[-1].recorded_at < gap:
            current.append(entry)
        else:
            last_of[entry.officer_id] = [entry]
            sittings.append(last_of[entry.officer_id])
    return sittings


async def late_entries(session: AsyncSession, start: int, upto: int, policy: Policy) -> list[LateEntry]:
    """Officers' entries among events (start, upto] recorded more than the threshold in working hours after the
    fact, not reported yet."""
    lag = working_hours(Event.occurred_at, Event.recorded_at)
    rows = await session.execute(
        select(
            Event.seq,
            Event.case_id,
            Event.step_id,
            Event.actor_officer_id,
            Event.occurred_at,
            Event.recorded_at,
            lag,
        )
        .where(
            Event.seq > start,
            Event.seq <= upto,
            Event.actor_officer_id.is_not(None),
            Event.case_id.is_not(None),
            # Working hours never exceed elapsed ones: the cheap test first.
            Event.recorded_at - Event.occurred_at > timedelta(hours=policy.input_delay_hours),
            lag > policy.input_delay_hours,
            ~exists().where(DelayEntry.event_seq == Event.seq),
        )
        .order_by(Event.seq)
    )
    found = []
    for seq, case_id, step_id, officer_id, occurred_at, recorded_at, lag_hours in rows:
        # The query keeps only entries with both.
        assert case_id is not None
        assert officer_id is not None
        found.append(LateEntry(seq, case_id, step_id, officer_id, occurred_at, recorded_at, lag_hours))
    return found


async def _report_sitting(session: AsyncSession, now: datetime, entries: list[LateEntry]) -> int:
    """One delay per case the sitting's entries touched; returns how many."""
    officer = await session.get(Officer, entries[0].officer_id)
    assert officer is not None, "an entry's actor is an officer"
    by_case: dict[int, list[LateEntry]] = {}
    for entry in entries:
        by_case.setdefault(entry.case_id, []).append(entry)
    for case_id, late in by_case.items():
        case = await session.get(Case, case_id)
        assert case is not None, "foreign key guarantees the case"
        # The delay names a step only when every entry concerns it.
        steps = {entry.step_id for entry in late}
        step_id = steps.pop() if len(steps) == 1 else None
        step = None if step_id is None else await session.get(Step, step_id)
        longest = round(max(entry.lag_hours for entry in late), 2)
        delay = Delay(
            subject=f"input:{late[0].seq}",
            kind=DelayKind.INPUT,
            case_id=case_id,
            step_id=step.id if step else None,
            late_event_seq=late[0].seq,
            officer_id=officer.id,
            department_id=officer.department_id,
            lag_hours=longest,
            detected_at=now,
        )
        shown = payloads.InputDelay(
            kind="input",
            officer=events.shown(officer),
            lag_hours=longest,
            entries=[
                payloads.LateEntry(
                    event_sequence=entry.seq,
                    occurred_at=entry.occurred_at,
                    recorded_at=entry.recorded_at,
                    lag_hours=round(entry.lag_hours, 2),
                )
                for entry in late
            ],
        )
        await _record(session, delay, case, step, shown)
        await session.flush()
        session.add_all(
            DelayEntry(event_seq=entry.seq, delay_id=delay.id, lag_hours=round(entry.lag_hours, 2)) for entry in late
        )
    return len(by_case)


async def _input_batch(session: AsyncSession, now: datetime, policy: Policy, watermark: DelayWatermark) -> int:
    """Input delays among the next window of events, a sitting at a time, up to BATCH delays; moves the watermark
    past what is settled. A sitting is settled once no later entry can join it: its last entry is a sitting gap
    before the window's last event (or before now, at the log's end)."""
    start = watermark.last_event_seq
    log_end = await session.scalar(select(func.max(Event.seq))) or 0
    upto = min(start + EVENT_WINDOW, log_end)
    if upto <= start:
        return 0
    horizon = now if upto == log_end else await session.scalar(select(Event.recorded_at).where(Event.seq == upto))
    assert horizon is not None, "events are gapless"
    sittings = sittings_of(await late_entries(session, start, upto, policy), policy.sitting_gap)
    settled: list[list[LateEntry]] = []
    waiting: list[list[LateEntry]] = []
    for sitting in sittings:
        (settled if sitting[-1].recorded_at + policy.sitting_gap <= horizon else waiting).append(sitting)
    if not settled and upto - start == EVENT_WINDOW:
        settled, waiting = waiting, []  # a sitting longer than a whole window: report it rather than wait for ever
    settled.sort(key=lambda sitting: sitting[0].seq)
    reported = 0
    for index, sitting in enumerate(settled):
        if reported >= BATCH:
            waiting += settled[index:]
            break
        reported += await _report_sitting(session, now, sitting)
    # Everything before the first entry of a sitting still waiting is done (reported entries are skipped later).
    watermark.last_event_seq = min((sitting[0].seq - 1 for sitting in waiting), default=upto)
    return reported


async def check(sessions: Sessions, policy: Policy) -> DelayCheck:
    """Report every delay not reported yet; returns how many of each kind were found."""
    found = DelayCheck(processing=0, input=0)
    while True:
        async with sessions() as session, session.begin():
            watermark = await session.get(DelayWatermark, 1, with_for_update=True)
            assert watermark is not None, "the migration creates the watermark row"
            now = datetime.now(UTC)
            processing = await _processing_batch(session, now)
            before = watermark.last_event_seq
            late_input = await _input_batch(session, now, policy, watermark)
            moved = watermark.last_event_seq != before
        found = DelayCheck(found.processing + processing, found.input + late_input)
        if processing < BATCH and late_input == 0 and not moved:
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
