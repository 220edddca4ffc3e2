"""The monthly ranking of officers by timely input (Seoul recognised seven officers a month).

Ranking a month means working out the lag of every entry made in it (tens of thousands at seoul scale), so the
oversight round keeps each officer's monthly figures in `officer_month` (`refresh`), recounting only the months
that got new entries; the ranking reads those rows, and counts a month live only when the round has not (yet)
counted it with the threshold asked for.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Float, Select, cast, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import DelayWatermark, Event, OfficerMonth
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput
from resolvers.statutory_clock import SEOUL
from resolvers.working_time import working_hours

MAX_RANKED = 100
# New events read per transaction of a refresh: at 1,000,000 cases, finding the months of all 15 million events of a
# history the ranking had not kept yet passed the statement timeout.
REFRESH_BATCH = 500_000
# Officers with fewer entries in the month are not ranked unless asked (too few to judge).
MINIMUM_ENTRIES = 10


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


def _counted(month: date, threshold_hours: float) -> Select[tuple[int, int, int, float]]:
    """Per officer who entered anything that happened in `month`: entries, those within the threshold, the median
    lag in working hours. Each lag is worked out once (a materialized CTE), then aggregated."""
    start, end = month_window(month)
    entry = (
        select(
            Event.actor_officer_id.label("officer_id"),
            working_hours(Event.occurred_at, Event.recorded_at).label("lag"),
        )
        .where(Event.actor_officer_id.is_not(None), Event.occurred_at >= start, Event.occurred_at < end)
        .cte("entry")
        .prefix_with("MATERIALIZED")
    )
    return select(
        entry.c.officer_id,
        func.count().label("entries"),
        func.count().filter(entry.c.lag <= threshold_hours).label("timely"),
        func.percentile_cont(0.5).within_group(entry.c.lag).label("median"),
    ).group_by(entry.c.officer_id)


async def refresh(sessions: Sessions, threshold_hours: float, batch: int = REFRESH_BATCH) -> int:
    """Recount the months that got entries since the last refresh (all of them when the threshold changed), reading
    at most `batch` new events per transaction, so a long history is caught up in steps; returns how many month
    counts were made."""
    recounted = 0
    while True:
        async with sessions() as session, session.begin():
            caught_up, months = await _refresh_step(session, threshold_hours, batch)
        recounted += months
        if caught_up:
            return recounted


async def _refresh_step(session: AsyncSession, threshold_hours: float, batch: int) -> tuple[bool, int]:
    watermark = await session.get(DelayWatermark, 1, with_for_update=True)
    assert watermark is not None, "the migration creates the watermark row"
    newest = await session.scalar(select(func.max(Event.seq))) or 0
    last = min(newest, watermark.ranked_event_seq + batch)
    recount = (
        select(func.date_trunc("month", func.timezone(SEOUL.key, Event.occurred_at)).cast(Date).label("month"))
        .where(Event.seq > watermark.ranked_event_seq, Event.seq <= last, Event.actor_officer_id.is_not(None))
        .distinct()
    )
    stale = select(OfficerMonth.month).where(OfficerMonth.threshold_hours != threshold_hours).distinct()
    months = sorted(set((await session.scalars(recount)).all()) | set((await session.scalars(stale)).all()))
    for month in months:
        await session.execute(delete(OfficerMonth).where(OfficerMonth.month == month))
        counted = _counted(month, threshold_hours).subquery()
        await session.execute(
            insert(OfficerMonth).from_select(
                ["month", "officer_id", "threshold_hours", "entries", "timely", "median_lag_hours"],
                select(
                    literal(month),
                    counted.c.officer_id,
                    literal(threshold_hours),
                    *counted.c["entries", "timely"],
                    counted.c.median,
                ),
            )
        )
    watermark.ranked_event_seq = last
    return last == newest, len(months)


async def timely_input_ranking(
    context: Context, month: date, threshold_hours: float, first: int, minimum_entries: int
) -> Sequence[OfficerRank]:
    """Officers with at least `minimum_entries` entries that happened in `month`, by the share they entered within
    `threshold_hours` working hours of the fact, then by how soon they entered them (the median lag, in working
    hours), and only then by how many: among officers who were all on time, the quicker ranks first. As of the
    last oversight round when it counted the month."""
    if not 1 <= first <= MAX_RANKED:
        raise InvalidInput("first", f"must be between 1 and {MAX_RANKED}, got {first}")
    if minimum_entries < 1:
        raise InvalidInput("minimumEntries", "must be at least 1")
    kept = select(
        OfficerMonth.officer_id.label("officer_id"),
        OfficerMonth.entries,
        OfficerMonth.timely,
        OfficerMonth.median_lag_hours.label("median"),
    ).where(OfficerMonth.month == month, OfficerMonth.threshold_hours == threshold_hours)
    async with context.sessions() as session:
        counted = (
            kept.subquery()
            if await session.scalar(select(kept.exists()))
            else _counted(month, threshold_hours).subquery()
        )
        share = cast(counted.c.timely, Float) / counted.c.entries
        statement = (
            select(counted.c.officer_id, counted.c.entries, counted.c.timely, counted.c.median)
            .where(counted.c.entries >= minimum_entries)
            .order_by(share.desc(), counted.c.median, counted.c.entries.desc(), counted.c.officer_id)
            .limit(first)
        )
        rows = (await session.execute(statement)).all()
    return [
        OfficerRank(rank, officer_id, count, on_time, median)
        for rank, (officer_id, count, on_time, median) in enumerate(rows, start=1)
    ]
