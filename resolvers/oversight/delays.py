"""Delays (입력지연 자동체크): steps and cases past their due time, and entries made long after the fact.

`check` runs on a schedule in every server process and as `openproc oversight check`. Each delay found is
recorded once (its `subject` is unique) together with a public DelayDetected event, in batches of one
transaction; the watermark row is locked first, so concurrent checkers (replicas) take turns instead of
reporting the same delay twice.

An entry is late when it was recorded more than INPUT_DELAY_WORKING_HOURS working hours after the fact, counted
by the statutory clock's calendar (a step signed Friday 17:50 and entered Monday 08:30 lost ten minutes, not 62
hours). Late entries of one officer recorded less than INPUT_SITTING_GAP_MINUTES apart are one sitting, and a
sitting is one delay per case it touched, listing its entries (each entry is reported once: `delay_entry`).

History imported with the data (the seed) ends at `DelayWatermark.history_until`; a delay due or entered before it is
*historic*: it is recorded and listed like any other, marked `historic`, but announced by one DelaysSummarized event
per rule and day of history instead of a DelayDetected event of its own, so a first round over a year of history
adds about a thousand events to the ledger, not tens of thousands.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    SQLColumnExpression,
    and_,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    CLOCK_RUNNING,
    DECIDED_CASE,
    Case,
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
from resolvers.case import overdue
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput, WorkflowCode, WorkflowError
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset
from resolvers.scope import Scope, scoped
from resolvers.statutory_clock import seoul_date
from resolvers.workflow.access import require_case_handler, require_worker
from resolvers.workflow.checks import Policy, required_public_text
from resolvers.working_time import working_hours

# Appending events holds the event counter's lock until commit: small batches keep signings waiting briefly.
BATCH = 100
# History is summarized a day at a time: a batch holds a few days' delays (and grows to hold one day whole), few
# enough that the event counter is held for a fifth of a second at most (seoul).
HISTORIC_BATCH = 200
# What the delays of one delays_summarized event may take, well below a leaf's 65,535 bytes with its envelope.
SUMMARY_BYTES = 48_000
# Input delays are looked for in windows of this many events, so one transaction stays short.
EVENT_WINDOW = 5_000
EXPLANATION_LIMIT = 1_000


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


def late_now() -> ColumnElement[bool]:
    """A step open past its due time now, while its case's clock runs (over Step joined to its Case)."""
    return and_(Step.status == StepStatus.IN_PROGRESS, Case.status.in_(CLOCK_RUNNING), Step.due_at < func.now())


def holder_department() -> ScalarSelect[int]:
    """The department of the officer holding the step: the unit that answers for a late step."""
    return select(Officer.department_id).where(Officer.id == Step.officer_id).scalar_subquery()


def late_step_criteria(scope: Scope) -> list[ColumnElement[bool]]:
    """What `lateSteps` lists and the dashboards count (over Step joined to its Case): steps late now, the
    scope's department being the holder's."""
    where = [late_now(), *scoped(holder_department(), Case.task_type_id, scope)]
    if scope.officer_id is not None:
        where.append(Step.officer_id == scope.officer_id)
    return where


def _late_step() -> ColumnElement[bool]:
    """Still open past its due time while the clock runs, or signed after it."""
    return or_(late_now(), and_(Step.status == StepStatus.SIGNED, Step.signed_at > Step.due_at))


def _late_case() -> ColumnElement[bool]:
    return or_(overdue(Case.status, Case.due_at), and_(Case.status.in_(DECIDED_CASE), Case.closed_at > Case.due_at))


@dataclass
class Found:
    """A delay ready to record: the row, what the ledger shows of it, and (input delays) its late entries."""

    delay: Delay
    case: Case
    step: Step | None
    shown: payloads.ProcessingDelay | payloads.InputDelay
    entries: list["LateEntry"] = field(default_factory=list)


Rule = Literal["processing_step", "processing_case", "input"]
Item = TypeVar("Item")
Row = TypeVar("Row", Case, Step, Officer)


async def _announce(session: AsyncSession, found: Found) -> None:
    """A live delay: its own DelayDetected event on the case."""
    event = await events.append(
        session,
        payloads.DelayDetected(delay=found.shown),
        case=found.case,
        step=found.step,
        actor=None,
        # When it was detected: the deadline itself is in the details, so the event is never "back-dated".
        occurred_at=found.delay.detected_at,
    )
    found.delay.detected_seq = event.seq


def _in_parts(items: list[payloads.SummarizedDelay]) -> list[list[int]]:
    """The positions of `items` in runs that fit one leaf each."""
    parts: list[list[int]] = [[]]
    size = 0
    for position, item in enumerate(items):
        length = len(item.model_dump_json(by_alias=True).encode()) + 1
        if parts[-1] and size + length > SUMMARY_BYTES:
            parts.append([])
            size = 0
        parts[-1].append(position)
        size += length
    return parts


async def _summarize(session: AsyncSession, rule: Rule, day: date, found: list[Found]) -> None:
    """Historic delays of one rule and day: one DelaysSummarized event for all of them (several, numbered, when
    they do not fit one leaf)."""
    items = [
        payloads.SummarizedDelay(
            receipt_no=one.case.receipt_no,
            step_sequence=None if one.step is None else one.step.sequence,
            delay=one.shown,
        )
        for one in found
    ]
    parts = _in_parts(items)
    for number, part in enumerate(parts, start=1):
        summary = payloads.DelaysSummarized(
            rule=rule, day=day, part=number, parts=len(parts), delays=[items[position] for position in part]
        )
        event = await events.append(session, summary, case=None, actor=None, occurred_at=found[0].delay.detected_at)
        for position in part:
            found[position].delay.detected_seq = event.seq


async def _record(session: AsyncSession, found: list[Found]) -> None:
    """Store the announced delays and their late entries, in two statements (the event counter is held)."""
    if not found:
        return
    # Each row's foreign-key checks reuse the plan the connection made when the delay table was small, a
    # sequential scan: a first round over seoul history spent 15 of its 51 s repeating it. Custom plans see the
    # table as it is.
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    columns = [column.key for column in Delay.__table__.columns if column.key != "id"]
    ids = await session.scalars(
        insert(Delay).returning(Delay.id, sort_by_parameter_order=True),
        [{column: getattr(one.delay, column) for column in columns} for one in found],
    )
    entries = [
        {"event_seq": entry.seq, "delay_id": delay_id, "lag_hours": round(entry.lag_hours, 2)}
        for one, delay_id in zip(found, ids, strict=True)
        for entry in one.entries
    ]
    if entries:
        await session.execute(insert(DelayEntry), entries)


def whole_days(
    items: list[Item], day_of: Callable[[Item], date], open_from: date | None
) -> list[tuple[date, list[Item]]]:
    """`items` (in day order) by day, leaving out the days from `open_from` on: more may still join them."""
    days: dict[date, list[Item]] = {}
    for item in items:
        if open_from is None or day_of(item) < open_from:
            days.setdefault(day_of(item), []).append(item)
    return list(days.items())


async def _announce_all(
    session: AsyncSession, rule: Rule, live: list[Found], historic: list[tuple[date, list[Found]]]
) -> int:
    """Announce live delays one by one and historic ones a day at a time; returns how many were recorded."""
    for one in live:
        await _announce(session, one)
    for day, group in historic:
        await _summarize(session, rule, day, group)
    recorded = live + [one for _, group in historic for one in group]
    await _record(session, recorded)
    return len(recorded)


# The key a processing rule reports in: due time, then the step's (or the case's) id.
Key = tuple[datetime, int]
Fetch = Callable[[int, Key | None], Awaitable[list[Found]]]


@dataclass
class Pass:
    """How far one processing rule (live or historic) has gone within one check: it goes on after the last delay it
    recorded, since those before it are reported (one that turns late behind it meanwhile, a step signed late today
    though due last year, is found by the next check), and stops once it finds fewer than it asked for. Without it
    each batch would step again over every delay already reported: a first round over seoul history spent 12 of its
    51 s doing so."""

    after: Key | None = None
    finished: bool = False


def _key(found: Found) -> Key:
    assert found.delay.due_at is not None, "a processing delay has the due time it missed"
    return found.delay.due_at, found.case.id if found.step is None else found.step.id


async def _processing(session: AsyncSession, rule: Rule, fetch: Fetch, historic: bool, progress: Pass) -> int:
    """The next processing delays `fetch(limit, after)` finds, by due time: live ones up to BATCH; historic ones a
    whole day at a time, the last day of a full batch left for the next one (a batch grows to hold one day whole)."""
    if not historic:
        found = await fetch(BATCH, progress.after)
        progress.finished = len(found) < BATCH
        if found:
            progress.after = _key(found[-1])
        return await _announce_all(session, rule, found, [])
    size = HISTORIC_BATCH
    while len(found := await fetch(size, progress.after)) == size and _due_day(found[0]) == _due_day(found[-1]):
        size *= 2
    progress.finished = len(found) < size
    days = whole_days(found, _due_day, None if progress.finished else _due_day(found[-1]))
    if days:
        progress.after = _key(days[-1][1][-1])
    return await _announce_all(session, rule, [], days)


def _after(
    key: SQLColumnExpression[Any], due_at: SQLColumnExpression[Any], after: Key | None
) -> list[ColumnElement[bool]]:
    return [] if after is None else [tuple_(due_at, key) > tuple_(literal(after[0]), literal(after[1]))]


def _due_in(due_at: SQLColumnExpression[Any], until: datetime | None, historic: bool) -> list[ColumnElement[bool]]:
    """Due before imported history ended (historic) or after it (live)."""
    if until is None:
        return [false()] if historic else []
    return [due_at < until] if historic else [due_at >= until]


def _late_steps(session: AsyncSession, now: datetime, until: datetime | None, historic: bool) -> Fetch:
    async def fetch(limit: int, after: Key | None) -> list[Found]:
        rows = await session.execute(
            select(Step, Case, Officer.department_id)
            .join(Case, Case.id == Step.case_id)
            .join(Officer, Officer.id == Step.officer_id)
            .where(
                _late_step(),
                _not_reported(_step_subject()),
                *_due_in(Step.due_at, until, historic),
                *_after(Step.id, Step.due_at, after),
            )
            .order_by(Step.due_at, Step.id)
            .limit(limit)
        )
        found = []
        for step, case, department_id in rows:
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
                historic=historic,
            )
            found.append(Found(delay, case, step, payloads.ProcessingDelay(kind="processing", due_at=step.due_at)))
        return found

    return fetch


def _late_cases(session: AsyncSession, now: datetime, until: datetime | None, historic: bool) -> Fetch:
    async def fetch(limit: int, after: Key | None) -> list[Found]:
        cases = await session.scalars(
            select(Case)
            .where(
                _late_case(),
                _not_reported(_case_subject()),
                *_due_in(Case.due_at, until, historic),
                *_after(Case.id, Case.due_at, after),
            )
            .order_by(Case.due_at, Case.id)
            .limit(limit)
        )
        return [
            Found(
                Delay(
                    subject=f"case:{case.id}",
                    kind=DelayKind.PROCESSING,
                    case_id=case.id,
                    department_id=case.department_id,
                    due_at=case.due_at,
                    detected_at=now,
                    historic=historic,
                ),
                case,
                None,
                payloads.ProcessingDelay(kind="processing", due_at=case.due_at),
            )
            for case in cases
        ]

    return fetch


PROCESSING_RULES: tuple[tuple[Rule, Callable[[AsyncSession, datetime, datetime | None, bool], Fetch]], ...] = (
    ("processing_step", _late_steps),
    ("processing_case", _late_cases),
)


def _due_day(found: Found) -> date:
    assert found.delay.due_at is not None, "a processing delay has the due time it missed"
    return seoul_date(found.delay.due_at)


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


async def _by_id(session: AsyncSession, model: type[Row], ids: set[int]) -> dict[int, Row]:
    rows = await session.scalars(select(model).where(model.id.in_(ids))) if ids else ()
    return {row.id: row for row in rows}


async def _sitting_delays(
    session: AsyncSession, now: datetime, sittings: list[list[LateEntry]], historic: bool
) -> list[Found]:
    """One delay per case each sitting touched, naming a step only when every entry of it concerns that step."""
    entries = [entry for sitting in sittings for entry in sitting]
    officers = await _by_id(session, Officer, {entry.officer_id for entry in entries})
    cases = await _by_id(session, Case, {entry.case_id for entry in entries})
    steps = await _by_id(session, Step, {entry.step_id for entry in entries if entry.step_id is not None})
    found = []
    for sitting in sittings:
        officer = officers[sitting[0].officer_id]
        by_case: dict[int, list[LateEntry]] = {}
        for entry in sitting:
            by_case.setdefault(entry.case_id, []).append(entry)
        for case_id, late in by_case.items():
            step_ids = {entry.step_id for entry in late}
            step_id = step_ids.pop() if len(step_ids) == 1 else None
            longest = round(max(entry.lag_hours for entry in late), 2)
            delay = Delay(
                subject=f"input:{late[0].seq}",
                kind=DelayKind.INPUT,
                case_id=case_id,
                step_id=step_id,
                late_event_seq=late[0].seq,
                officer_id=officer.id,
                department_id=officer.department_id,
                lag_hours=longest,
                detected_at=now,
                historic=historic,
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
            found.append(Found(delay, cases[case_id], None if step_id is None else steps[step_id], shown, late))
    return found


def _sitting_day(sitting: list[LateEntry]) -> date:
    return seoul_date(sitting[0].recorded_at)


async def _input_batch(session: AsyncSession, now: datetime, policy: Policy, watermark: DelayWatermark) -> int:
    """Input delays among the next window of events, up to BATCH live delays and every whole day of history in
    it; moves the watermark past what is settled. A sitting is settled once no later entry can join it: its last
    entry is a sitting gap before the window's last event (or before now, at the log's end). A day of history is
    whole once none of its sittings waits and the window goes past it (or history ends in it); the window grows
    to hold one day of history whole."""
    start = watermark.last_event_seq
    log_end = await session.scalar(select(func.max(Event.seq))) or 0
    until = watermark.history_until
    size = EVENT_WINDOW
    while True:
        upto = min(start + size, log_end)
        if upto <= start:
            return 0
        horizon = now if upto == log_end else await session.scalar(select(Event.recorded_at).where(Event.seq == upto))
        assert horizon is not None, "events are gapless"
        sittings = sittings_of(await late_entries(session, start, upto, policy), policy.sitting_gap)
        settled: list[list[LateEntry]] = []
        waiting: list[list[LateEntry]] = []
        for sitting in sittings:
            (settled if sitting[-1].recorded_at + policy.sitting_gap <= horizon else waiting).append(sitting)
        if not settled and upto - start == size:
            settled, waiting = waiting, []  # a sitting longer than a whole window: report it rather than wait for ever
        settled.sort(key=lambda sitting: sitting[0].seq)
        historic = [sitting for sitting in settled if until is not None and sitting[0].recorded_at < until]
        live = [sitting for sitting in settled if until is None or sitting[0].recorded_at >= until]
        waiting += live[BATCH:]
        open_days = {_sitting_day(sitting) for sitting in waiting}
        if until is not None and horizon < until:
            open_days.add(seoul_date(horizon))
        open_from = min(open_days, default=None)
        if not (historic and _sitting_day(historic[0]) == open_from and upto - start == size):
            break
        size *= 2
    days = whole_days(historic, _sitting_day, open_from)
    waiting += [sitting for sitting in historic if open_from is not None and _sitting_day(sitting) >= open_from]
    news = await _sitting_delays(session, now, live[:BATCH], False)
    history = [(day, await _sitting_delays(session, now, group, True)) for day, group in days]
    reported = await _announce_all(session, "input", news, history)
    # Everything before the first entry of a sitting still waiting is done (reported entries are skipped later).
    watermark.last_event_seq = min((sitting[0].seq - 1 for sitting in waiting), default=upto)
    return reported


async def check(sessions: Sessions, policy: Policy) -> DelayCheck:
    """Report every delay not reported yet; returns how many of each kind were found.

    Each batch is a transaction of its own that locks the watermark row (concurrent checkers take turns) and
    appends its events last: the event counter, which signings wait for, is held only while they are written."""
    found = DelayCheck(processing=0, input=0)
    passes = {(rule, historic): Pass() for historic in (True, False) for rule, _ in PROCESSING_RULES}
    while True:
        processing = 0
        for historic in (True, False):
            for rule, fetch in PROCESSING_RULES:
                if passes[rule, historic].finished:
                    continue
                async with sessions() as session, session.begin():
                    watermark = await _watermark(session)
                    late = fetch(session, datetime.now(UTC), watermark.history_until, historic)
                    processing += await _processing(session, rule, late, historic, passes[rule, historic])
        async with sessions() as session, session.begin():
            watermark = await _watermark(session)
            before = watermark.last_event_seq
            late_input = await _input_batch(session, datetime.now(UTC), policy, watermark)
            moved = watermark.last_event_seq != before
        found = DelayCheck(found.processing + processing, found.input + late_input)
        if processing == 0 and late_input == 0 and not moved:
            return found


async def _watermark(session: AsyncSession) -> DelayWatermark:
    watermark = await session.get(DelayWatermark, 1, with_for_update=True)
    assert watermark is not None, "the migration creates the watermark row"
    return watermark


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
    historic: bool | None = None

    def __post_init__(self) -> None:
        if self.detected_from and self.detected_to and self.detected_from >= self.detected_to:
            raise InvalidInput("filter.detectedTo", "must be later than filter.detectedFrom")


async def list_delays(context: Context, criteria: DelayFilter, window: Slice) -> Page[Delay]:
    """Delay history, newest first."""
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
    if criteria.historic is not None:
        where.append(Delay.historic.is_(criteria.historic))
    newest_first = (Delay.detected_at, datetime)
    statement = keyset(select(Delay).where(*where), window, "DELAYS", Delay.id, newest_first, ascending=False)
    async with context.sessions() as session:
        rows: Sequence[Delay] = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Delay).where(*where)) or 0

    return build_page(rows, window, lambda row: encode_cursor("DELAYS", row.detected_at, row.id), count)


async def late_steps(context: Context, scope: Scope, window: Slice) -> Page[Step]:
    """Steps open past their due time now, while the statutory clock runs; the longest overdue first."""
    where = late_step_criteria(scope)
    late = select(Step).join(Case, Case.id == Step.case_id).where(*where)
    statement = keyset(late, window, "LATE_STEPS", Step.id, (Step.due_at, datetime))
    async with context.sessions() as session:
        rows: Sequence[Step] = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            counted = select(func.count()).select_from(Step).join(Case, Case.id == Step.case_id).where(*where)
            return await session.scalar(counted) or 0

    def cursor(row: Step) -> str:
        assert row.due_at is not None
        return encode_cursor("LATE_STEPS", row.due_at, row.id)

    return build_page(rows, window, cursor, count)
