"""Working hours counted in SQL (resolvers.working_time) equal the statutory clock's own count in Python, over the
holidays the database holds: on window edges, weekends, holidays, across years, and on random instants; and so do
its working days."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, Float, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP

from resolvers.dataloaders import Sessions
from resolvers.statutory_clock import SEOUL, is_working_day, working_hours_between
from resolvers.workflow.rows import holidays
from resolvers.working_time import working_days, working_hours


def _edges() -> list[tuple[datetime, datetime]]:
    """Instants on and beside every window edge of a week with a holiday in it (삼일절 2025, a Saturday, and
    its substitute Monday), paired with each other."""
    instants = [
        datetime(2025, 2, 28, 0, tzinfo=SEOUL) + timedelta(days=day, hours=hour, minutes=minute)
        for day in range(6)
        for hour in (0, 8, 9, 11, 12, 13, 17, 18, 23)
        for minute in (0, 30)
    ]
    return [(start, end) for start in instants[::3] for end in instants]


def _random(count: int) -> list[tuple[datetime, datetime]]:
    draw = random.Random(17)
    origin = datetime(2024, 1, 1, tzinfo=UTC)
    pairs = []
    for _ in range(count):
        start = origin + timedelta(seconds=draw.randrange(3 * 365 * 86_400))
        pairs.append((start, start + timedelta(seconds=draw.randrange(60 * 86_400))))
    return pairs


async def test_sql_counts_the_working_hours_python_counts(oversight_sessions: Sessions) -> None:
    pairs = [
        *_edges(),
        *_random(2_000),
        (datetime(2025, 12, 31, 17, tzinfo=SEOUL), datetime(2026, 1, 2, 10, tzinfo=SEOUL)),
    ]
    starts = bindparam("starts", [start for start, _ in pairs], type_=ARRAY(TIMESTAMP(timezone=True)))
    ends = bindparam("ends", [end for _, end in pairs], type_=ARRAY(TIMESTAMP(timezone=True)))
    pair = (
        func.unnest(starts, ends)
        .table_valued(column("a", TIMESTAMP(timezone=True)), column("b", TIMESTAMP(timezone=True)))
        .render_derived()
    )
    async with oversight_sessions() as session:
        calendar = await holidays(session)
        counted = (await session.scalars(select(func.cast(working_hours(pair.c.a, pair.c.b), Float)))).all()
    assert calendar, "the reference data holds the public holidays"
    expected = [working_hours_between(start, end, calendar) for start, end in pairs]
    wrong = [
        (pairs[index], sql, python)
        for index, (sql, python) in enumerate(zip(counted, expected, strict=True))
        if abs(sql - python) > 1e-6
    ]
    assert wrong == []
    assert any(0 < hours < 8 for hours in expected), "the pairs cover parts of a day"
    assert max(expected) > 100, "and spans of weeks"


async def test_sql_counts_the_working_days_python_counts(oversight_sessions: Sessions) -> None:
    draw = random.Random(23)
    origin = date(2024, 1, 1)
    pairs = [(origin + timedelta(days=draw.randrange(3 * 365)), draw.randrange(-3, 90)) for _ in range(2_000)]
    pairs += [(date(2025, 2, 27), span) for span in range(10)]  # over 삼일절 and its substitute Monday
    firsts = bindparam("firsts", [first for first, _ in pairs], type_=ARRAY(Date))
    lasts = bindparam("lasts", [first + timedelta(days=span) for first, span in pairs], type_=ARRAY(Date))
    pair = func.unnest(firsts, lasts).table_valued(column("a", Date), column("b", Date)).render_derived()
    async with oversight_sessions() as session:
        calendar = await holidays(session)
        counted = (await session.scalars(select(working_days(pair.c.a, pair.c.b)))).all()
    expected = [
        sum(is_working_day(first + timedelta(days=day), calendar) for day in range(span + 1)) for first, span in pairs
    ]
    assert list(counted) == expected
    assert 0 in expected, "the pairs include spans with no working day"
    assert max(expected) > 40, "and spans of months"
