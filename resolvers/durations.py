"""How long a case or a step took in working time, as the statutory clock counts it: time waiting for the
applicant's supplements does not count (the pause `resume` gives back).

Stored when a case closes (`case.working_hours`, receipt to closure) and when a step is signed
(`step.working_hours`, start to signature), so dashboards aggregate a column instead of running the calendar row by
row. Rows from before these columns are filled by the oversight round (`fill`), with the calendar in SQL.
"""

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Numeric, Select, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Event, EventType, Step
from resolvers.dataloaders import Sessions
from resolvers.statutory_clock import working_hours_between
from resolvers.working_time import working_hours

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


async def fill(sessions: Sessions) -> int:
    """Store the working hours of closed cases and signed steps that have none yet, a batch per transaction;
    returns how many rows."""
    filled = 0
    for table, start, end in ((Case, Case.received_at, Case.closed_at), (Step, Step.started_at, Step.signed_at)):
        given_back = _given_back(Case.id) if table is Case else _given_back(Step.case_id, Step.id)
        while True:
            pending = (
                select(table.id)
                .where(table.working_hours.is_(None), end.is_not(None), start.is_not(None))
                .limit(FILL_BATCH)
                .scalar_subquery()
            )
            worked = func.greatest(working_hours(start, end) - given_back.scalar_subquery(), 0.0)
            async with sessions() as session, session.begin():
                result = await session.execute(
                    update(table)
                    .where(table.id.in_(pending))
                    .values(working_hours=cast(func.round(cast(worked, Numeric), 2), Float))
                )
            done: int = result.rowcount  # type: ignore[attr-defined]  # an UPDATE answers with a CursorResult
            filled += done
            if done < FILL_BATCH:
                break
    return filled
