"""Cyber-audit rules (사이버 감사): what auditors look for in the recorded work, each rule one SQL statement.

Every rule is computed in PostgreSQL and paged by a key of its own (the step id, the event sequence or the case
id, ascending), so a page costs one statement whatever the size of the history. Each finding names the events
that show it; the schema loads them by sequence.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Float,
    RowMapping,
    Select,
    SQLColumnExpression,
    Update,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, array
from sqlalchemy.orm import aliased

from models import (
    ENDINGS,
    Case,
    Department,
    Event,
    EventType,
    Officer,
    OfficerRole,
    Step,
    StepStatus,
    held_standards,
)
from resolvers import durations
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset
from resolvers.scope import Scope, scoped
from resolvers.statutory_clock import SEOUL

# The events whose `occurred_at` an officer chooses (back-dating is only possible there); system events such as
# detected delays or milestones are dated by what they report and would otherwise all look back-dated.
OFFICER_DATED = (
    EventType.CASE_REGISTERED,
    EventType.STEP_STARTED,
    EventType.STEP_SIGNED,
    EventType.STEP_RETURNED,
    EventType.CASE_RESUMED,
    EventType.CASE_REJECTED,
    EventType.CASE_WITHDRAWN,
    EventType.CASE_CLOSED,
    EventType.DOCUMENT_REGISTERED,
    EventType.ACTION_COMPLETED,
)
# The events that show how long a step was held, and why some of that time did not count.
HOLDING_EVENTS = (EventType.STEP_STARTED, EventType.STEP_SIGNED, EventType.STEP_RETURNED, EventType.CASE_RESUMED)


class AuditRule(Enum):
    OUT_OF_ORDER = "out_of_order"
    SIGNED_BY_OTHER = "signed_by_other"
    BACKDATED = "backdated"
    REPEATED_RETURNS = "repeated_returns"
    HELD_TOO_LONG = "held_too_long"
    FINISHED_OUT_OF_TURN = "finished_out_of_turn"


# Longer than any real back-dating window; also keeps the figure inside what an interval can hold.
MAX_BACKDATE_DAYS = 3650


@dataclass(frozen=True)
class Thresholds:
    """How far is too far. `backdate_limit_days` None means the workflow policy's own limit."""

    backdate_limit_days: float | None = None
    min_returns: int = 2
    held_factor: float = 2.0

    def __post_init__(self) -> None:
        if self.backdate_limit_days is not None and not 0 <= self.backdate_limit_days <= MAX_BACKDATE_DAYS:
            raise InvalidInput("thresholds.backdateLimitDays", f"must be between 0 and {MAX_BACKDATE_DAYS}")
        if self.min_returns < 1:
            raise InvalidInput("thresholds.minReturns", "must be at least 1")
        if not self.held_factor > 0:
            raise InvalidInput("thresholds.heldFactor", "must be greater than 0")

    def backdate_limit(self, policy_limit: timedelta) -> timedelta:
        return policy_limit if self.backdate_limit_days is None else timedelta(days=self.backdate_limit_days)


@dataclass(frozen=True)
class Finding:
    """One suspicion for an auditor to review, with the events that show it (by sequence, ascending)."""

    rule: AuditRule
    key: int
    case_id: int
    step_id: int | None
    officer_id: int | None
    event_seqs: tuple[int, ...]
    detail: str


Row = RowMapping
# A rule's statement: key, case_id, step_id, officer_id and events first, then the figures its detail shows.
Findings = Select[*tuple[Any, ...]]


def _shown(instant: datetime | None) -> str:
    return "-" if instant is None else instant.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def _events_of(
    case_id: SQLColumnExpression[int], step_id: SQLColumnExpression[int], *types: EventType
) -> ColumnElement[Any]:
    """The sequences of one step's events of these types, ascending (null when there are none); found through
    the case's events, which are indexed."""
    return (
        select(func.array_agg(aggregate_order_by(Event.seq, Event.seq)))
        .where(Event.case_id == case_id, Event.step_id == step_id, Event.type.in_(types))
        .scalar_subquery()
    )


def _case_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's department subtree and task type, on the finding's case."""
    return scoped(Case.department_id, Case.task_type_id, scope)


def _actor(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's officer, as the one who entered the finding's event."""
    return [] if scope.officer_id is None else [Event.actor_officer_id == scope.officer_id]


def _one_event(step_id: SQLColumnExpression[int | None]) -> tuple[ColumnElement[Any], ...]:
    """The columns of a finding that is one event (its sequence is the key), about the step `step_id`."""
    return (
        Event.seq.label("key"),
        Event.case_id.label("case_id"),
        step_id.label("step_id"),
        Event.actor_officer_id.label("officer_id"),
        array([Event.seq]).label("events"),
        Event.type.label("type"),
        Event.occurred_at.label("occurred_at"),
    )


def _step_officer(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.officer_id is None:
        return []
    return [or_(Step.officer_id == scope.officer_id, Step.signed_by_id == scope.officer_id)]


def out_of_order(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Signed steps with an earlier step of the same line (not skipped) unsigned, or signed only later.

    The steps the round found (`step.out_of_order`) and those signed since that it has not judged yet are the
    candidates; each is checked against its line as it stands, so a step whose jumped steps were skipped since is
    no longer found."""
    unjudged_lines = select(Step.case_id).where(Step.out_of_order.is_(None), Step.signed_at.is_not(None))
    candidates = union_all(
        select(Step.id).where(Step.out_of_order.is_(True)), _signed_before_their_turn(Step.case_id.in_(unjudged_lines))
    )
    return _out_of_order(candidates, scope)


def _out_of_order(candidates: CompoundSelect[int] | Select[int], scope: Scope) -> Findings:
    """Those of the `candidates` (step ids) signed before an earlier step of their line, with what they jumped."""
    earlier = aliased(Step)
    later_signed = aliased(Step)
    blocking = and_(
        earlier.case_id == Step.case_id,
        earlier.sequence < Step.sequence,
        earlier.status != StepStatus.SKIPPED,
        or_(earlier.signed_at.is_(None), earlier.signed_at > Step.signed_at),
    )
    # The step's own signature and the later signatures of the earlier steps it jumped.
    signatures = (
        select(func.array_agg(aggregate_order_by(Event.seq, Event.seq)))
        .where(
            Event.case_id == Step.case_id,
            Event.type == EventType.STEP_SIGNED,
            Event.step_id.in_(
                select(later_signed.id)
                .where(
                    later_signed.case_id == Step.case_id,
                    or_(
                        later_signed.id == Step.id,
                        and_(later_signed.sequence < Step.sequence, later_signed.signed_at > Step.signed_at),
                    ),
                )
                # Two levels down, automatic correlation would not reach the outer step.
                .correlate(Step)
            ),
        )
        .scalar_subquery()
    )
    return (
        select(
            Step.id.label("key"),
            Step.case_id.label("case_id"),
            Step.id.label("step_id"),
            Step.signed_by_id.label("officer_id"),
            signatures.label("events"),
            Step.sequence.label("sequence"),
            Step.name.label("name"),
            Step.signed_at.label("signed_at"),
            func.array_agg(aggregate_order_by(earlier.sequence, earlier.sequence)).label("earlier_sequences"),
            func.array_agg(aggregate_order_by(earlier.signed_at, earlier.sequence)).label("earlier_signed_at"),
        )
        .join(Case, Case.id == Step.case_id)
        .join(earlier, blocking)
        .where(Step.id.in_(candidates), *_case_scope(scope), *_step_officer(scope))
        .group_by(Step.id)
    )


def _signed_before_their_turn(lines: ColumnElement[bool]) -> Select[int]:
    """The ids of the steps of these `lines` signed before an earlier step of their line (not skipped) was: one
    ordered pass over each line, each step compared with the latest signature before it (an unsigned step counts
    as signed never)."""
    latest_before = (
        func.max(
            case(
                (Step.status == StepStatus.SKIPPED, null()),
                else_=func.coalesce(Step.signed_at, cast(literal("infinity"), DateTime(timezone=True))),
            )
        )
        .over(partition_by=Step.case_id, order_by=Step.sequence, rows=(None, -1))
        .label("latest_before")
    )
    line = select(Step.id, Step.signed_at, latest_before).where(lines).subquery("line")
    return select(line.c.id).where(line.c.signed_at < line.c.latest_before)


def _out_of_order_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    jumped = ", ".join(
        f"{sequence}단계 {'미서명' if signed is None else _shown(signed) + ' 서명'}"
        for sequence, signed in zip(row["earlier_sequences"], row["earlier_signed_at"], strict=True)
    )
    return (
        f"{row['sequence']}단계({row['name']})가 {_shown(row['signed_at'])}에 서명되었으나 앞 단계가 끝나지 않았음: "
        f"{jumped}. / Step {row['sequence']} was signed at {_shown(row['signed_at'])} (Asia/Seoul) while "
        f"{len(row['earlier_sequences'])} earlier step(s) were not yet signed."
    )


def signed_by_other(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Signed steps whose signer is not the assigned officer; whether the signer heads the assignee's unit
    (a delegation the workflow allows) is reported, not excused."""
    signer = aliased(Officer)
    assignee = aliased(Officer)
    assignee_unit = aliased(Department)
    heads_assignee = exists().where(
        Department.head_id == signer.id, assignee_unit.path.startswith(Department.path, autoescape=False)
    )
    return (
        select(
            Step.id.label("key"),
            Step.case_id.label("case_id"),
            Step.id.label("step_id"),
            Step.signed_by_id.label("officer_id"),
            _events_of(Step.case_id, Step.id, EventType.STEP_SIGNED).label("events"),
            Step.sequence.label("sequence"),
            Step.name.label("name"),
            Step.signed_at.label("signed_at"),
            signer.name.label("signer_name"),
            assignee.name.label("assignee_name"),
            and_(signer.role == OfficerRole.SUPERVISOR, heads_assignee).label("supervisor"),
        )
        .join(Case, Case.id == Step.case_id)
        .join(signer, signer.id == Step.signed_by_id)
        .join(assignee, assignee.id == Step.officer_id)
        .join(assignee_unit, assignee_unit.id == assignee.department_id)
        .where(Step.signed_by_id != Step.officer_id, *_case_scope(scope), *_step_officer(scope))
    )


def _signed_by_other_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    if row["supervisor"]:
        why_ko, why_en = "담당자 부서의 상급 부서장으로서 대리 서명", "a head over the assignee's unit, acting for them"
    else:
        why_ko, why_en = "담당자의 상급 부서장이 아님", "not a head over the assignee's unit"
    return (
        f"{row['sequence']}단계({row['name']})를 담당자 {row['assignee_name']} 대신 {row['signer_name']}이(가) "
        f"{_shown(row['signed_at'])}에 서명({why_ko}). / Step {row['sequence']} was signed by {row['signer_name']} "
        f"({why_en}), not by the assignee {row['assignee_name']}."
    )


def backdated(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Officer-dated events of a case entered longer after they say they happened than the limit allows."""
    limit = thresholds.backdate_limit(policy_limit)
    lag = Event.recorded_at - Event.occurred_at
    return (
        select(*_one_event(Event.step_id), Event.recorded_at.label("recorded_at"))
        .join(Case, Case.id == Event.case_id)
        .where(Event.type.in_(OFFICER_DATED), lag > limit, *_case_scope(scope), *_actor(scope))
    )


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86400:.1f}"


def _backdated_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    limit = thresholds.backdate_limit(policy_limit)
    lag: timedelta = row["recorded_at"] - row["occurred_at"]
    kind = row["type"].value if isinstance(row["type"], EventType) else str(row["type"])
    return (
        f"{kind} 기록이 발생 시각({_shown(row['occurred_at'])}) {_days(lag)}일 뒤({_shown(row['recorded_at'])})에 "
        f"입력됨, 허용 {_days(limit)}일 초과. / Entered {_days(lag)} days after the time it gives "
        f"(limit {_days(limit)} days)."
    )


def repeated_returns(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Cases returned for supplements at least `min_returns` times; the officer is named when one did them all.

    The cases are found first, from the returns' own index alone; their figures are read for those cases only."""
    returned = Event.type == EventType.STEP_RETURNED
    having = [func.count() >= thresholds.min_returns]
    if scope.officer_id is not None:
        having.append(func.bool_or(Event.actor_officer_id == scope.officer_id))
    repeated = select(Event.case_id).where(returned).group_by(Event.case_id).having(*having).subquery("repeated")
    actors = func.count(func.distinct(Event.actor_officer_id))
    return (
        select(
            Case.id.label("key"),
            Case.id.label("case_id"),
            null().label("step_id"),
            case((actors == 1, func.min(Event.actor_officer_id)), else_=null()).label("officer_id"),
            func.array_agg(aggregate_order_by(Event.seq, Event.seq)).label("events"),
            func.count().label("returns"),
            func.array_agg(aggregate_order_by(Step.sequence, Event.seq)).label("sequences"),
        )
        .select_from(repeated)
        .join(Case, Case.id == repeated.c.case_id)
        .join(Event, and_(Event.case_id == Case.id, returned))
        # An outer join, so that a count, which reads no sequence, drops it.
        .outerjoin(Step, Step.id == Event.step_id)
        .where(*_case_scope(scope))
        .group_by(Case.id)
    )


def _repeated_returns_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    steps = ", ".join(str(sequence) for sequence in row["sequences"])
    return (
        f"보완요구로 {row['returns']}회 반려됨(기준 {thresholds.min_returns}회), 단계: {steps}. / Returned for "
        f"supplements {row['returns']} times (threshold {thresholds.min_returns}), at steps {steps}."
    )


def held_too_long(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Started steps held more than `held_factor` × their standard days, in working days with the days spent
    waiting for the applicant's supplements left out (`resolvers.durations.held_days`).

    The held days the oversight round stored are looked up in an index of held ÷ standard days: final for a signed
    step, a lower bound for an open one (so over the limit there means over it now). The others (open steps not
    yet over, and steps signed or returned since the last round) are counted as the rule reads, the calendar run
    only for those that lasted long enough in calendar days to be over."""
    factor = thresholds.held_factor
    limit_days = cast(Step.standard_days, Float) * factor
    # More than the limit means at least floor(limit) + 1 working days, so as many calendar days touched: more than
    # floor(limit) - 1 days elapsed.
    long_enough = func.coalesce(Step.signed_at, func.now()) - Step.started_at > (func.floor(limit_days) - 1) * literal(
        timedelta(days=1)
    )
    live = durations.held_days()
    case_scope = _case_scope(scope)
    in_scope = [*case_scope, *([Step.officer_id == scope.officer_id] if scope.officer_id is not None else [])]

    def over_limit(*condition: ColumnElement[bool]) -> Select[int]:
        found = select(Step.id).where(*condition, *in_scope)
        return found.join(Case, Case.id == Step.case_id) if case_scope else found

    counted = [Step.started_at.is_not(None), Step.status != StepStatus.SKIPPED, long_enough, live > limit_days]
    over = union_all(
        over_limit(held_standards() > factor),
        over_limit(Step.held_days.is_(None), *counted),
        # A step waiting for supplements holds its count (returning cleared it, the round counted it again).
        over_limit(Step.status == StepStatus.IN_PROGRESS, held_standards() <= factor, *counted),
    ).subquery("over")
    found = over.c.id

    def of_step(column: SQLColumnExpression[Any]) -> ColumnElement[Any]:
        # Correlated to the finding however deep it sits (the events' subquery holds the case's).
        return select(column).where(Step.id == found).correlate_except(Step).scalar_subquery()

    # The steps are found by id alone, so a count of the stored findings reads their index only; what a finding
    # shows is looked up for a page's rows only, after the sort and the limit (the planner would join every step
    # before sorting), the held days so far of an open step included.
    case_id = of_step(Step.case_id)
    return select(
        found.label("key"),
        case_id.label("case_id"),
        found.label("step_id"),
        of_step(Step.officer_id).label("officer_id"),
        of_step(Step.sequence).label("sequence"),
        of_step(Step.name).label("name"),
        of_step(Step.started_at).label("started_at"),
        of_step(Step.signed_at).label("signed_at"),
        of_step(Step.standard_days).label("standard_days"),
        of_step(case((Step.signed_at.is_(None) | Step.held_days.is_(None), live), else_=Step.held_days)).label(
            "held_days"
        ),
        of_step(limit_days).label("limit_days"),
        _events_of(case_id, found, *HOLDING_EVENTS).label("events"),
    )


def _held_too_long_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    until = "서명까지" if row["signed_at"] is not None else "현재까지"
    until_en = f"until signed at {_shown(row['signed_at'])}" if row["signed_at"] is not None else "and still open"
    limit = row["limit_days"]
    return (
        f"{row['sequence']}단계({row['name']})를 {_shown(row['started_at'])}부터 {until} 근무일 {row['held_days']}일 "
        f"보유, 표준 {row['standard_days']}일의 {thresholds.held_factor:g}배({limit:g}일) 초과. / Step "
        f"{row['sequence']} held {row['held_days']} working days from {_shown(row['started_at'])} {until_en}; "
        f"standard {row['standard_days']}, limit {thresholds.held_factor:g}× = {limit:g} (days awaiting the "
        f"applicant's supplements not counted)."
    )


def finished_out_of_turn(scope: Scope, thresholds: Thresholds, policy_limit: timedelta) -> Findings:
    """Cases ended (rejected, withdrawn, closed) by an officer who neither held the step whose turn it was — the
    first step the ending skipped, else the last step — nor heads that step's unit or the case's department (or a
    unit above either): the workflow refuses such endings now; this finds them in the history.

    The round's verdicts stand (`case.finished_out_of_turn`, judged by the unit heads of its day); the cases
    ended since, which it has not judged yet, are judged as the rule reads."""
    unjudged = Case.finished_out_of_turn.is_(None) & Case.closed_at.is_not(None)
    judged = Case.finished_out_of_turn.is_(True)
    return _finished_out_of_turn(scope, judged | unjudged, judged)


def _finished_out_of_turn(scope: Scope, cases: ColumnElement[bool], judged: ColumnElement[bool]) -> Findings:
    """The endings of these `cases` that are out of turn: those `judged` so, and the others as the unit heads are."""
    actor = aliased(Officer)
    holder = aliased(Officer)
    case_unit = aliased(Department)
    holder_unit = aliased(Department)

    def heads(officer_id: SQLColumnExpression[int | None], unit: type[Department]) -> ColumnElement[bool]:
        return exists().where(Department.head_id == officer_id, unit.path.startswith(Department.path, autoescape=False))

    # Most endings are by a head of the case's department: those are set aside first, once, so the step whose
    # turn it was is looked up only for the few left (the planner cannot tell how few).
    suspect = (
        select(Event.seq, Event.case_id, Event.actor_officer_id, Event.type, Event.occurred_at, judged.label("judged"))
        .select_from(Case)
        .join(Event, and_(Event.case_id == Case.id, Event.type.in_(ENDINGS)))
        .join(case_unit, case_unit.id == Case.department_id)
        .where(cases, or_(judged, ~heads(Event.actor_officer_id, case_unit)), *_case_scope(scope), *_actor(scope))
        .cte("suspect")
        .prefix_with("MATERIALIZED")
    )
    ending = suspect.c
    skipped = Step.status == StepStatus.SKIPPED
    # The step whose turn it was, looked up by index for each suspect ending: skipped steps first, lowest sequence
    # first; with none skipped, the highest sequence.
    turn = (
        select(Step.id, Step.sequence, Step.officer_id)
        .where(Step.case_id == ending.case_id)
        .order_by(~skipped, case((skipped, Step.sequence), else_=-Step.sequence))
        .limit(1)
        .lateral("turn")
    )
    return (
        select(
            ending.seq.label("key"),
            ending.case_id.label("case_id"),
            turn.c.id.label("step_id"),
            ending.actor_officer_id.label("officer_id"),
            array([ending.seq]).label("events"),
            ending.type.label("type"),
            ending.occurred_at.label("occurred_at"),
            turn.c.sequence.label("sequence"),
            actor.name.label("actor_name"),
            holder.name.label("holder_name"),
        )
        .select_from(suspect)
        .join(turn, true())
        .join(actor, actor.id == ending.actor_officer_id)
        .join(holder, holder.id == turn.c.officer_id)
        .join(holder_unit, holder_unit.id == holder.department_id)
        .where(
            or_(
                ending.judged,
                and_(ending.actor_officer_id != turn.c.officer_id, ~heads(ending.actor_officer_id, holder_unit)),
            )
        )
    )


def _finished_out_of_turn_detail(row: Row, thresholds: Thresholds, policy_limit: timedelta) -> str:
    kind = row["type"].value if isinstance(row["type"], EventType) else str(row["type"])
    return (
        f"{row['actor_name']}이(가) {_shown(row['occurred_at'])}에 사건을 종결({kind})했으나 차례는 "
        f"{row['sequence']}단계 담당 {row['holder_name']}였고, 부서장도 아님. / {row['actor_name']} ended the case "
        f"({kind}) at {_shown(row['occurred_at'])} while it was step {row['sequence']}'s turn, held by "
        f"{row['holder_name']}, without heading that step's unit or the case's department."
    )


# Rows judged per transaction: short transactions, whatever the backlog.
JUDGE_BATCH = 5_000


async def judge(sessions: Sessions) -> int:
    """The oversight round's part: record the verdicts of the rules whose findings only history holds, on the steps
    signed (OUT_OF_ORDER) and the cases ended (FINISHED_OUT_OF_TURN) since the last round, by the rules' own
    queries, a batch per transaction; returns how many rows were judged."""
    unjudged_signatures = Step.out_of_order.is_(None) & Step.signed_at.is_not(None)
    unjudged_endings = Case.finished_out_of_turn.is_(None) & Case.closed_at.is_not(None)
    return await _judge(
        sessions,
        select(Step.case_id).where(unjudged_signatures).distinct(),
        lambda lines: _signed_before_their_turn(Step.case_id.in_(lines)),
        lambda lines, found: (
            update(Step).where(Step.case_id.in_(lines), unjudged_signatures).values(out_of_order=Step.id.in_(found))
        ),
    ) + await _judge(
        sessions,
        select(Case.id).where(unjudged_endings),
        lambda cases: select(_finished_out_of_turn(Scope(), Case.id.in_(cases), false()).subquery().c.case_id),
        lambda cases, found: update(Case).where(Case.id.in_(cases)).values(finished_out_of_turn=Case.id.in_(found)),
    )


async def _judge(
    sessions: Sessions,
    pending: Select[int],
    findings: Callable[[list[int]], Select[int]],
    record: Callable[[list[int], list[int]], Update],
) -> int:
    """Judge the `pending` cases a batch at a time: `record` the ids `findings` gives as found, the rest as not."""
    judged = 0
    while True:
        async with sessions() as session, session.begin():
            batch = list((await session.scalars(pending.limit(JUDGE_BATCH))).all())
            if batch:
                found = list((await session.scalars(findings(batch))).all())
                result = await session.execute(record(batch, found))
                judged += result.rowcount  # type: ignore[attr-defined]  # an UPDATE answers with a CursorResult
        if len(batch) < JUDGE_BATCH:
            return judged


Query = Callable[[Scope, Thresholds, timedelta], Findings]
Describe = Callable[[Row, Thresholds, timedelta], str]

RULES: dict[AuditRule, tuple[Query, Describe]] = {
    AuditRule.OUT_OF_ORDER: (out_of_order, _out_of_order_detail),
    AuditRule.SIGNED_BY_OTHER: (signed_by_other, _signed_by_other_detail),
    AuditRule.BACKDATED: (backdated, _backdated_detail),
    AuditRule.REPEATED_RETURNS: (repeated_returns, _repeated_returns_detail),
    AuditRule.HELD_TOO_LONG: (held_too_long, _held_too_long_detail),
    AuditRule.FINISHED_OUT_OF_TURN: (finished_out_of_turn, _finished_out_of_turn_detail),
}


def _ordering(rule: AuditRule) -> str:
    # A cursor names its rule, so a cursor of one rule (or of another list) is refused by another.
    return f"AUDIT_{rule.name}"


async def audit_findings(
    context: Context,
    rule: AuditRule,
    scope: Scope,
    thresholds: Thresholds,
    window: Slice,
) -> Page[Finding]:
    query, describe = RULES[rule]
    policy_limit = context.policy.backdate_limit
    findings = query(scope, thresholds, policy_limit).subquery("finding")
    statement = keyset(select(findings), window, _ordering(rule), findings.c.key)

    async with context.sessions() as session:
        rows: Sequence[Row] = (await session.execute(statement)).mappings().all()
    found = [
        Finding(
            rule=rule,
            key=row["key"],
            case_id=row["case_id"],
            step_id=row["step_id"],
            officer_id=row["officer_id"],
            event_seqs=tuple(row["events"] or ()),
            detail=describe(row, thresholds, policy_limit),
        )
        for row in rows
    ]

    async def count() -> int:
        counted = select(func.count()).select_from(query(scope, thresholds, policy_limit).subquery())
        async with context.sessions() as session:
            return await session.scalar(counted) or 0

    return build_page(found, window, lambda finding: encode_cursor(_ordering(rule), finding.key, finding.key), count)
