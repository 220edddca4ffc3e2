"""Figures for dashboards, computed by PostgreSQL (aggregates and percentiles), never by loading rows.

A case counts as received in the period of its `received_at`, and as closed, decided and on time (or not) in the
period of its `closed_at`; processing time is counted from receipt to closure of decided cases, in calendar days
and in working days (the working hours stored at closure, pauses for supplements excluded: resolvers.durations);
a step's duration likewise from start to signature, in calendar hours and in working hours.
Grouped by officer, a case belongs to every officer holding a step of it. Steps late now are counted as `lateSteps`
lists them: grouped by department, under the department of the officer holding the step. A series has a point for
every period the window touches, zeros where nothing happened, so a chart's axis is the calendar's.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    Subquery,
    and_,
    cast,
    extract,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import DECIDED_CASE, OPEN_CASE, Case, Event, EventType, Step, StepRole, StepStatus
from resolvers.case import overdue
from resolvers.context import Context
from resolvers.errors import InvalidInput
from resolvers.oversight.delays import holder_department, late_step_criteria
from resolvers.scope import Scope, scoped
from resolvers.statutory_clock import HOURS_A_DAY

T = TypeVar("T")
MAX_GROUPS = 500
MAX_POINTS = 600


class Grouping(Enum):
    CITY = "city"
    TASK_TYPE = "task_type"
    DEPARTMENT = "department"
    OFFICER = "officer"


class Period(Enum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Window:
    """[start, end): the instants the figures cover."""

    start: datetime
    end: datetime
    period: Period | None = None

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise InvalidInput("to", "must be later than `from`")
        if self.period is not None:
            days = {Period.WEEK: 7, Period.MONTH: 28, Period.YEAR: 365}[self.period]
            if (self.end - self.start) / timedelta(days=days) > MAX_POINTS:
                raise InvalidInput("period", f"gives more than {MAX_POINTS} points over this window")


@dataclass(frozen=True)
class Figures:
    """One group's figures over the whole window (`period_start` None) or over one period of it."""

    period_start: date | None
    received: int = 0
    closed: int = 0
    decided: int = 0
    on_time: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    median_working_days: float | None = None
    p90_working_days: float | None = None
    returns: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if self.decided == 0 else self.on_time / self.decided


@dataclass(frozen=True)
class StepDuration:
    role: StepRole
    signed: int
    median_hours: float
    p90_hours: float
    median_working_hours: float | None
    p90_working_hours: float | None


@dataclass
class GroupFigures:
    """`key` is the task type, department or officer id of the group (None for the whole city)."""

    key: int | None
    open_now: int = 0
    overdue_now: int = 0
    late_steps_now: int = 0
    totals: Figures = field(default_factory=lambda: Figures(None))
    series: list[Figures] = field(default_factory=list)
    step_durations: list[StepDuration] = field(default_factory=list)


# What a case is grouped by; officers are found through the steps they hold.
CASE_KEYS: dict[Grouping, Any] = {
    # A typed null: PostgreSQL refuses a bare constant in GROUP BY.
    Grouping.CITY: cast(null(), Integer),
    Grouping.TASK_TYPE: Case.task_type_id,
    Grouping.DEPARTMENT: Case.department_id,
}


def _scoped_cases(grouping: Grouping, scope: Scope, window: Window) -> Subquery:
    """The cases in scope with their group key `g` (one row per officer and case when grouped by officer)."""
    columns = (Case.id, Case.received_at, Case.closed_at, Case.due_at, Case.status, Case.working_hours)
    where = scoped(Case.department_id, Case.task_type_id, scope)
    if grouping is Grouping.OFFICER:
        # Only the cases some figure counts: the officers of every case ever were 4.8 million steps to sort at
        # 1,000,000 cases, past the statement timeout.
        returned = select(Event.case_id).where(_returned_in(window))
        counted = or_(
            _within(Case.received_at, window),
            _within(Case.closed_at, window),
            Case.status.in_(OPEN_CASE),
            Case.id.in_(returned),
        )
        holders = select(Step.case_id, Step.officer_id).where(Step.case_id.in_(select(Case.id).where(counted)))
        if scope.officer_id is not None:
            holders = holders.where(Step.officer_id == scope.officer_id)
        held = holders.distinct().subquery()
        by_officer = select(*columns, held.c.officer_id.label("g")).join(held, held.c.case_id == Case.id)
        return by_officer.where(*where).subquery("scoped")
    key = CASE_KEYS[grouping]
    if scope.officer_id is not None:
        where.append(Case.id.in_(select(Step.case_id).where(Step.officer_id == scope.officer_id)))
    return select(*columns, key.label("g")).where(*where).subquery("scoped")


def _bucket(instant: Any, period: Period | None) -> ColumnElement[Any]:
    """The local (Asia/Seoul) date starting the instant's period; null for window totals."""
    if period is None:
        return cast(null(), Date)
    return cast(func.date_trunc(period.value, func.timezone("Asia/Seoul", instant)), Date)


def _days(interval: Any) -> ColumnElement[Any]:
    return cast(extract("epoch", interval), Float) / 86_400


def _within(instant: Any, window: Window) -> ColumnElement[bool]:
    return and_(instant >= window.start, instant < window.end)


def _returned_in(window: Window) -> ColumnElement[bool]:
    """The events that count as a return for supplements in the window."""
    return and_(Event.type == EventType.STEP_RETURNED, _within(Event.occurred_at, window))


async def _period_figures(
    session: AsyncSession, scoped: Subquery, window: Window, period: Period | None
) -> dict[tuple[int | None, date | None], Figures]:
    c = scoped.c
    received_bucket = _bucket(c.received_at, period).label("p")
    received = await session.execute(
        select(c.g, received_bucket, func.count()).where(_within(c.received_at, window)).group_by(c.g, received_bucket)
    )
    figures: dict[tuple[int | None, date | None], Figures] = {
        (g, start): Figures(start, received=n) for g, start, n in received
    }

    decided = c.status.in_(DECIDED_CASE)
    processing = _days(c.closed_at - c.received_at)
    working = c.working_hours / HOURS_A_DAY
    closed_bucket = _bucket(c.closed_at, period).label("p")
    closed = await session.execute(
        select(
            c.g,
            closed_bucket,
            func.count(),
            func.count().filter(decided),
            func.count().filter(and_(decided, c.closed_at <= c.due_at)),
            func.percentile_cont(0.5).within_group(processing).filter(decided),
            func.percentile_cont(0.9).within_group(processing).filter(decided),
            func.percentile_cont(0.5).within_group(working).filter(decided),
            func.percentile_cont(0.9).within_group(working).filter(decided),
        )
        .where(_within(c.closed_at, window))
        .group_by(c.g, closed_bucket)
    )
    for g, start, count, decided_count, on_time, median, p90, working_median, working_p90 in closed:
        figures[(g, start)] = replace(
            figures.get((g, start), Figures(start)),
            closed=count,
            decided=decided_count,
            on_time=on_time,
            median_days=median,
            p90_days=p90,
            median_working_days=working_median,
            p90_working_days=working_p90,
        )

    returned_bucket = _bucket(Event.occurred_at, period).label("p")
    returns = await session.execute(
        select(c.g, returned_bucket, func.count())
        .join(Event, Event.case_id == c.id)
        .where(_returned_in(window))
        .group_by(c.g, returned_bucket)
    )
    for g, start, count in returns:
        figures[(g, start)] = replace(figures.get((g, start), Figures(start)), returns=count)
    return figures


async def _series(
    session: AsyncSession, scoped: Subquery, window: Window, period: Period
) -> tuple[dict[tuple[int | None, date | None], Figures], list[date]]:
    """Each group's figures period by period, and the start of every period the window touches (by `_bucket`, as
    the figures are), quiet ones included."""

    def period_of(instant: datetime) -> ColumnElement[Any]:
        return cast(_bucket(literal(instant, DateTime(timezone=True)), period), DateTime())

    every = func.generate_series(
        period_of(window.start),
        period_of(window.end - timedelta(microseconds=1)),
        cast(literal(f"1 {period.value}"), Interval),
    )
    starts = list((await session.scalars(select(cast(every, Date)))).all())
    return await _period_figures(session, scoped, window, period), starts


async def _step_durations(
    session: AsyncSession, grouping: Grouping, scope: Scope, window: Window
) -> dict[int | None, list[StepDuration]]:
    hours = cast(extract("epoch", Step.signed_at - Step.started_at), Float) / 3_600
    key = {**CASE_KEYS, Grouping.OFFICER: Step.officer_id}[grouping].label("g")
    where = [
        Step.status == StepStatus.SIGNED,
        Step.started_at.is_not(None),
        _within(Step.signed_at, window),
        *scoped(Case.department_id, Case.task_type_id, scope),
    ]
    if scope.officer_id is not None:
        where.append(Step.officer_id == scope.officer_id)
    rows = await session.execute(
        select(
            key,
            Step.role,
            func.count(),
            func.percentile_cont(0.5).within_group(hours),
            func.percentile_cont(0.9).within_group(hours),
            func.percentile_cont(0.5).within_group(Step.working_hours),
            func.percentile_cont(0.9).within_group(Step.working_hours),
        )
        .join(Case, Case.id == Step.case_id)
        .where(*where)
        .group_by(key, Step.role)
        .order_by(key, Step.role)
    )
    durations: dict[int | None, list[StepDuration]] = {}
    for g, role, count, *percentiles in rows:
        durations.setdefault(g, []).append(StepDuration(role, count, *percentiles))
    return durations


async def _current(session: AsyncSession, scoped: Subquery) -> dict[int | None, tuple[int, int]]:
    """Open and overdue cases per group now."""
    c = scoped.c
    rows = await session.execute(
        select(
            c.g, func.count().filter(c.status.in_(OPEN_CASE)), func.count().filter(overdue(c.status, c.due_at))
        ).group_by(c.g)
    )
    return {g: (open_now, overdue_now) for g, open_now, overdue_now in rows}


async def _late_steps(session: AsyncSession, grouping: Grouping, scope: Scope) -> dict[int | None, int]:
    """Steps late now per group, as `lateSteps` finds them: by department, the holder's department answers."""
    key = {
        Grouping.CITY: CASE_KEYS[Grouping.CITY],
        Grouping.TASK_TYPE: Case.task_type_id,
        Grouping.DEPARTMENT: holder_department(),
        Grouping.OFFICER: Step.officer_id,
    }[grouping].label("g")
    late = select(key, func.count()).select_from(Step).join(Case, Case.id == Step.case_id)
    late = late.where(*late_step_criteria(scope))
    return {g: count for g, count in await session.execute(late.group_by(key))}


async def statistics(
    context: Context, grouping: Grouping, scope: Scope, window: Window, first: int
) -> Sequence[GroupFigures]:
    """Each group's figures, the groups with most cases received first."""
    if not 1 <= first <= MAX_GROUPS:
        raise InvalidInput("first", f"must be between 1 and {MAX_GROUPS}, got {first}")
    scoped = _scoped_cases(grouping, scope, window)

    async def in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with context.sessions() as session:
            return await work(session)

    async def no_series() -> tuple[dict[tuple[int | None, date | None], Figures], list[date]]:
        return {}, []

    period = window.period
    # Independent statements on their own connections: PostgreSQL runs them side by side.
    totals, (series, starts), current, late, durations = await asyncio.gather(
        in_session(lambda session: _period_figures(session, scoped, window, None)),
        in_session(lambda session: _series(session, scoped, window, period)) if period else no_series(),
        in_session(lambda session: _current(session, scoped)),
        in_session(lambda session: _late_steps(session, grouping, scope)),
        in_session(lambda session: _step_durations(session, grouping, scope, window)),
    )

    keys = {g for g, _ in totals} | {g for g, (open_now, _) in current.items() if open_now} | late.keys()
    # Each group's points, gathered in one pass: looking them up per group took 4.8 s of the event loop for 5,000
    # officers' monthly series.
    series_of: dict[int | None, dict[date | None, Figures]] = {}
    for (g, start), figures in series.items():
        series_of.setdefault(g, {})[start] = figures
    groups = []
    for key in keys:
        open_now, overdue_now = current.get(key, (0, 0))
        groups.append(
            GroupFigures(
                key=key,
                open_now=open_now,
                overdue_now=overdue_now,
                late_steps_now=late.get(key, 0),
                totals=totals.get((key, None), Figures(None)),
                step_durations=durations.get(key, []),
            )
        )
    groups.sort(key=lambda group: (-group.totals.received, -group.open_now, -group.late_steps_now, group.key or 0))
    shown = groups[:first]
    # Every period for the groups shown only (up to 600 each), the quiet ones sharing one frozen value.
    quiet = {start: Figures(start) for start in starts}
    for group in shown:
        points = series_of.get(group.key, {})
        group.series = [points.get(start, nothing) for start, nothing in quiet.items()]
    return shown
