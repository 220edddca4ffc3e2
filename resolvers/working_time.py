"""Working hours between two instants, counted in SQL by the statutory clock's calendar (resolvers.statutory_clock).

For aggregates over history (how long steps took), where calling the Python clock row by row would mean reading
every row into the server. An instant's working-hour position is 8 hours for each working day before its Seoul
date (weekdays since a Monday, less the weekday public holidays before it) plus the part of the working windows
(09:00–12:00, 13:00–18:00) already passed on that date if it is a working day; the hours between two instants are
the difference of their positions. Each costs arithmetic and two binary searches, no per-row query.
`tests/oversight/test_working_time.py` holds it equal to `working_hours_between`.
"""

from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Date,
    Float,
    Integer,
    Time,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from models import PublicHoliday
from resolvers.statutory_clock import HOURS_A_DAY, SEOUL, WORKING_WINDOWS

# A Monday before any instant the clock meets: weekdays are counted from it.
EPOCH = date(1970, 1, 5)


def _weekday_holidays() -> ColumnElement[list[date]]:
    """The public holidays that fall on weekdays, sorted: evaluated once per statement (an InitPlan)."""
    days = func.array_agg(aggregate_order_by(PublicHoliday.day, PublicHoliday.day))
    return (
        select(func.coalesce(days, cast(literal([], ARRAY(Date)), ARRAY(Date))))
        .where(extract("isodow", PublicHoliday.day) < 6)
        .scalar_subquery()
    )


def _working_days_before(day: ColumnElement[date]) -> ColumnElement[int]:
    """Working days from EPOCH to the day before `day`: weekdays, less the weekday holidays among them (counted by
    `width_bucket`, a binary search)."""
    days = cast(day - literal(EPOCH, Date), Integer)
    weekdays = 5 * (days // 7) + func.least(days % 7, 5)
    return weekdays - func.width_bucket(day - 1, _weekday_holidays())


def working_days(first: ColumnElement[date], last: ColumnElement[date]) -> ColumnElement[int]:
    """Working days from `first` to `last`, both included, as the Civil Petitions Act counts days (0 when `last`
    is earlier)."""
    return func.greatest(_working_days_before(last + 1) - _working_days_before(first), 0)


def _position(moment: ColumnExpressionArgument[datetime | None]) -> ColumnElement[float]:
    """Working hours from EPOCH to `moment`."""
    local = func.timezone(str(SEOUL), moment)
    day = cast(local, Date)
    holidays = _weekday_holidays()
    before = func.width_bucket(day - 1, holidays)
    working = (extract("isodow", day) < 6) & (func.width_bucket(day, holidays) == before)
    hour = cast(extract("epoch", cast(local, Time)), Float) / 3600
    passed = sum(
        (
            func.least(func.greatest(hour - opens.hour, 0), closes.hour - opens.hour)
            for opens, closes in WORKING_WINDOWS
        ),
        start=literal(0.0),
    )
    return HOURS_A_DAY * cast(_working_days_before(day), Float) + case((working, passed), else_=0.0)


def working_hours(
    start: ColumnExpressionArgument[datetime | None], end: ColumnExpressionArgument[datetime | None]
) -> ColumnElement[float]:
    """Working hours from `start` to `end` (0 when `end` is not later)."""
    return func.greatest(_position(end) - _position(start), 0.0)
