"""The monthly ranking of officers by timely input (Seoul recognised seven officers a month)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Float, cast, func, select

from models import Event
from resolvers.context import Context
from resolvers.errors import InvalidInput
from resolvers.statutory_clock import SEOUL
from resolvers.working_time import working_hours

MAX_RANKED = 100


@dataclass(frozen=True)
class OfficerRank:
    rank: int
    officer_id: int
    entries: int
    timely: int
    median_lag_hours: float

    @property
    def timely_rate(self) -> float:
        return self.timely / self.entries


def month_window(month: date) -> tuple[datetime, datetime]:
    """The month as instants of Seoul's clock."""
    start = datetime(month.year, month.month, 1, tzinfo=SEOUL)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, datetime(following.year, following.month, 1, tzinfo=SEOUL)


async def timely_input_ranking(
    context: Context, month: date, threshold_hours: float, first: int, minimum_entries: int
) -> Sequence[OfficerRank]:
    """Officers with at least `minimum_entries` entries that happened in `month`, by the share they entered within
    `threshold_hours` working hours of the fact, then by how soon they entered them (the median lag, in working
    hours), and only then by how many: among officers who were all on time, the quicker ranks first."""
    if not 1 <= first <= MAX_RANKED:
        raise InvalidInput("first", f"must be between 1 and {MAX_RANKED}, got {first}")
    if minimum_entries < 1:
        raise InvalidInput("minimumEntries", "must be at least 1")
    start, end = month_window(month)
    lag = working_hours(Event.occurred_at, Event.recorded_at)
    entries = func.count().label("entries")
    timely = func.count().filter(lag <= threshold_hours).label("timely")
    share = cast(timely, Float) / entries
    median = func.percentile_cont(0.5).within_group(lag)
    statement = (
        select(Event.actor_officer_id, entries, timely, median)
        .where(Event.actor_officer_id.is_not(None), Event.occurred_at >= start, Event.occurred_at < end)
        .group_by(Event.actor_officer_id)
        .having(func.count() >= minimum_entries)
        .order_by(share.desc(), median, entries.desc(), Event.actor_officer_id)
        .limit(first)
    )
    async with context.sessions() as session:
        rows = (await session.execute(statement)).all()
    return [
        OfficerRank(rank, officer_id, count, on_time, median)
        for rank, (officer_id, count, on_time, median) in enumerate(rows, start=1)
    ]
