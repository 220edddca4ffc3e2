"""How long a case or a step took in working time, as the statutory clock counts it: time waiting for the
applicant's supplements does not count (the pause `resume` gives back).

Stored when a case closes (`case.working_hours`, receipt to closure) and when a step is signed
(`step.working_hours`, start to signature), so dashboards aggregate a column instead of running the calendar row by
row. Rows from before these columns are filled by the oversight round (`fill`), with the calendar in SQL.

The working days a step was held (`held_days`, what the HELD_TOO_LONG audit rule compares with the step's standard
days) are counted in SQL only and stored by the round: for a signed step the final figure, for an open one the
figure so far, which only grows while it stays open; until the round has counted a step, the rule counts it as it
reads.
"""

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Numeric,
    Select,
    SQLColumnExpression,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from models import Case, Event, EventType, Step, StepStatus
from resolvers.dataloaders import Sessions
from resolvers.statutory_clock import SEOUL, working_hours_between
from resolvers.working_time import working_days, working_hours

# Rows filled per statement: short transactions, whatever the backlog.
FILL_BATCH = 5_000


def _given_back(case_id: Any, step_id: Any = None) -> Select[float]:
    """The working hours resumptions gave back to the case (or to one of its steps), as their events say."""
    hours = func.coalesce(func.sum(Event.payload["pausedWorkingHours"].as_float()), 0.0)
    where = [Event.case_id == case_id, Event.type == EventType.CASE_RESUMED]
    if step_id is not None:
        where.append(Event.step_id == step_id)
    return select(hours).where(*where)


def worked(start: datetime, end: datetime, paused: float, holidays: Collection[date]) -> float:
    """Working hours from `start` to `end` less `paused`, as stored (two decimals)."""
    return round(max(working_hours_between(start, end, holidays) - paused, 0.0), 2)


async def step_hours(session: AsyncSession, step: Step, signed_at: datetime, holidays: Collection[date]) -> float:
    """Working hours from the step's start to `signed_at`, less the pauses it was returned for."""
    assert step.started_at is not None, "only a started step is signed"
    paused = await session.scalar(_given_back(step.case_id, step.id)) or 0.0
    return worked(step.started_at, signed_at, paused, holidays)


async def case_hours(session: AsyncSession, case: Case, closed_at: datetime, holidays: Collection[date]) -> float:
    """Working hours from receipt to `closed_at`, less every pause (one still running at closure included)."""
    paused = await session.scalar(_given_back(case.id)) or 0.0
    if case.clock_paused_at is not None:
        paused += working_hours_between(case.clock_paused_at, closed_at, holidays)
    return worked(case.received_at, closed_at, paused, holidays)


def _seoul_date(instant: SQLColumnExpression[Any]) -> ColumnElement[date]:
    return cast(func.timezone(SEOUL.key, instant), Date)


def held_days() -> ColumnElement[int]:
    """The working days a started step has been held, as the Civil Petitions Act counts days: working days in
    Seoul, the first day included, from the start to the signature (or today while open), less the days wholly
    spent waiting for the applicant's supplements (from the day after each return to the day before the resume
    that ended it, or to the step's end while none did; a return's wait ends at the next return, so no day counts
    twice). That wait is the applicant's, not the officer's."""
    returned = aliased(Event)
    later = aliased(Event)
    end_day = _seoul_date(func.coalesce(Step.signed_at, func.now()))

    def next_day_of(kind: EventType) -> ColumnElement[date]:
        return (
            select(_seoul_date(later.occurred_at))
            .where(later.case_id == returned.case_id, later.step_id == returned.step_id, later.seq > returned.seq)
            .where(later.type == kind)
            .order_by(later.seq)
            .limit(1)
            .scalar_subquery()
        )

    resumed = next_day_of(EventType.CASE_RESUMED)
    returned_again = next_day_of(EventType.STEP_RETURNED)
    last_waiting = func.least(func.coalesce(resumed - 1, end_day), func.coalesce(returned_again, end_day), end_day)
    waiting = (
        select(func.coalesce(func.sum(working_days(_seoul_date(returned.occurred_at) + 1, last_waiting)), 0))
        .where(returned.case_id == Step.case_id, returned.step_id == Step.id, returned.type == EventType.STEP_RETURNED)
        .scalar_subquery()
    )
    return working_days(_seoul_date(Step.started_at), end_day) - waiting


def _rounded(hours: ColumnElement[float]) -> ColumnElement[float]:
    return cast(func.round(cast(func.greatest(hours, 0.0), Numeric), 2), Float)


def _fills() -> tuple[tuple[InstrumentedAttribute[Any], ColumnElement[bool], ColumnElement[Any]], ...]:
    """(column, which rows may have it, its value) for each stored duration."""
    signed = Step.signed_at.is_not(None) & Step.started_at.is_not(None)
    return (
        (
            Case.working_hours,
            Case.closed_at.is_not(None),
            _rounded(working_hours(Case.received_at, Case.closed_at) - _given_back(Case.id).scalar_subquery()),
        ),
        (
            Step.working_hours,
            signed,
            _rounded(
                working_hours(Step.started_at, Step.signed_at) - _given_back(Step.case_id, Step.id).scalar_subquery()
            ),
        ),
        # Not skipped, as the audit's index of steps still to count has it.
        (Step.held_days, signed & (Step.status != StepStatus.SKIPPED), held_days()),
    )


async def fill(sessions: Sessions) -> int:
    """Store the durations of closed cases and signed steps that have none yet, and the held days of open steps so
    far, a batch per transaction; returns how many values."""
    filled = await _count_open_steps(sessions)
    for column, applies, value in _fills():
        table = column.class_
        while True:
            pending = select(table.id).where(column.is_(None), applies).limit(FILL_BATCH).scalar_subquery()
            async with sessions() as session, session.begin():
                result = await session.execute(update(table).where(table.id.in_(pending)).values({column: value}))
            done: int = result.rowcount  # type: ignore[attr-defined]  # an UPDATE answers with a CursorResult
            filled += done
            if done < FILL_BATCH:
                break
    return filled


async def _count_open_steps(sessions: Sessions) -> int:
    """The held days of open steps so far: a lower bound while they stay open (a day of waiting for supplements
    adds nothing, a working day one; signing and returning, after which it may not hold, clear it), so the audit
    finds the steps already over their limit in its index. Written where it changed, a batch per transaction."""
    started = Step.status.in_([StepStatus.IN_PROGRESS, StepStatus.RETURNED])
    async with sessions() as session:
        open_steps = list((await session.scalars(select(Step.id).where(started).order_by(Step.id))).all())
    counted = held_days()
    changed = 0
    for first in range(0, len(open_steps), FILL_BATCH):
        batch = open_steps[first : first + FILL_BATCH]
        async with sessions() as session, session.begin():
            result = await session.execute(
                update(Step)
                .where(Step.id.in_(batch), started, Step.held_days.is_distinct_from(counted))
                .values(held_days=counted)
            )
        changed += result.rowcount  # type: ignore[attr-defined]  # an UPDATE answers with a CursorResult
    return changed
