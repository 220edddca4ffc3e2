"""What oversight decides: auditors' dispositions of cyber-audit findings (사이버 감사 처분), and the monthly awards to
officers for timely input (Seoul gave seven a month). Each decision is a public event; what the public learns is
set by the payload classes (a disposition's case, officer and reason stay with auditors)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger import payloads
from models import Department, Disposition, FindingDisposition, InputterAward, Officer, OfficerRole
from resolvers import events
from resolvers.audit import RULES, AuditRule, Thresholds
from resolvers.context import Context
from resolvers.errors import Forbidden, WorkflowCode, WorkflowError
from resolvers.oversight.ranking import MINIMUM_ENTRIES, timely_input_ranking
from resolvers.scope import Scope
from resolvers.statutory_clock import seoul_date
from resolvers.workflow.access import require_role
from resolvers.workflow.checks import required_public_text

REASON_LIMIT = 2_000


async def dispose(
    session: AsyncSession,
    actor: Officer,
    context: Context,
    finding: tuple[AuditRule, int],
    thresholds: Thresholds,
    disposition: Disposition,
    reason: str,
) -> FindingDisposition:
    """An auditor's decision on a finding the rule reports under `thresholds`; a later one replaces it."""
    require_role(actor, OfficerRole.AUDITOR)
    checked_reason = required_public_text(reason, "reason", REASON_LIMIT)
    rule, key = finding
    query, _ = RULES[rule]
    found = query(Scope(), thresholds, context.policy.backdate_limit).subquery("finding")
    row = (await session.execute(select(found.c.case_id, found.c.officer_id).where(found.c.key == key))).first()
    if row is None:
        raise WorkflowError(
            WorkflowCode.NOT_FOUND, "the rule reports no such finding under these thresholds", "findingId"
        )
    now = datetime.now(UTC)
    event = await events.append(
        session,
        payloads.FindingDisposed(rule=rule.value, disposition=disposition),
        case=None,
        actor=actor,
        occurred_at=now,
    )
    decided = await session.scalar(
        select(FindingDisposition)
        .where(FindingDisposition.rule == rule.value, FindingDisposition.finding_key == key)
        .with_for_update()
    )
    if decided is None:
        decided = FindingDisposition(rule=rule.value, finding_key=key)
        session.add(decided)
    decided.case_id, decided.officer_id = row.case_id, row.officer_id
    decided.disposition, decided.reason = disposition, checked_reason
    decided.decided_by_id, decided.decided_at, decided.event_seq = actor.id, now, event.seq
    await session.flush()
    return decided


async def require_audit_office(session: AsyncSession, actor: Officer) -> None:
    """An auditor, or a supervisor heading a unit where auditors work (or one above it): the audit office."""
    if actor.role is OfficerRole.AUDITOR:
        return
    auditor_unit = aliased(Department)
    heads_auditors = exists().where(
        Department.head_id == actor.id,
        Officer.role == OfficerRole.AUDITOR,
        auditor_unit.id == Officer.department_id,
        auditor_unit.path.startswith(Department.path, autoescape=False),
    )
    if actor.role is not OfficerRole.SUPERVISOR or not await session.scalar(select(heads_auditors)):
        raise Forbidden("only the audit office (its auditors and the supervisors over them) may award inputters")


def month_start(instant: datetime) -> date:
    return seoul_date(instant).replace(day=1)


async def award(session: AsyncSession, actor: Officer, context: Context, month: date, officer_id: int) -> InputterAward:
    """Award `officer_id` for timely input in `month`, a month that is over, if the month's ranking has them among
    the first INPUTTER_AWARDS_PER_MONTH."""
    await require_audit_office(session, actor)
    if month >= month_start(datetime.now(UTC)):
        raise WorkflowError(WorkflowCode.INVALID_STATE, "a month is awarded once it is over", "month")
    limit = context.policy.awards_per_month
    ranks = await timely_input_ranking(context, month, context.policy.input_delay_hours, limit, MINIMUM_ENTRIES)
    placed = next((rank for rank in ranks if rank.officer_id == officer_id), None)
    if placed is None:
        raise WorkflowError(
            WorkflowCode.INVALID_VALUE, f"not among the first {limit} of that month's ranking", "officerId"
        )
    if await session.scalar(
        select(exists().where(InputterAward.month == month, InputterAward.officer_id == officer_id))
    ):
        raise WorkflowError(WorkflowCode.CONFLICT, "already awarded for that month", "officerId")
    officer = await session.get(Officer, officer_id)
    assert officer is not None, "the ranking names officers"
    now = datetime.now(UTC)
    event = await events.append(
        session,
        payloads.InputterAwarded(
            month=f"{month:%Y-%m}",
            officer=events.shown(officer),
            rank=placed.rank,
            entries=placed.entries,
            timely_rate=round(placed.timely_rate, 4),
        ),
        case=None,
        actor=actor,
        occurred_at=now,
    )
    row = InputterAward(
        month=month,
        officer_id=officer_id,
        rank=placed.rank,
        entries=placed.entries,
        timely_rate=placed.timely_rate,
        awarded_by_id=actor.id,
        awarded_at=now,
        event_seq=event.seq,
    )
    session.add(row)
    await session.flush()
    return row


async def awards(context: Context, month: date | None) -> Sequence[InputterAward]:
    """The awards of `month` (every month when None), newest month first, by rank."""
    statement = select(InputterAward).order_by(InputterAward.month.desc(), InputterAward.rank)
    if month is not None:
        statement = statement.where(InputterAward.month == month)
    async with context.sessions() as session:
        return (await session.scalars(statement)).all()


@dataclass(frozen=True)
class DispositionCount:
    rule: AuditRule
    disposition: Disposition
    count: int


async def disposition_counts(context: Context, start: datetime, end: datetime) -> list[DispositionCount]:
    """How many findings of each rule were decided which way in [start, end), by their current decision."""
    statement = (
        select(FindingDisposition.rule, FindingDisposition.disposition, func.count())
        .where(FindingDisposition.decided_at >= start, FindingDisposition.decided_at < end)
        .group_by(FindingDisposition.rule, FindingDisposition.disposition)
        .order_by(FindingDisposition.rule, FindingDisposition.disposition)
    )
    async with context.sessions() as session:
        rows = (await session.execute(statement)).all()
    return [DispositionCount(AuditRule(rule), disposition, count) for rule, disposition, count in rows]
