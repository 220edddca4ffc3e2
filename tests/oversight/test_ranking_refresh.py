"""The ranking reads the monthly figures the oversight round keeps (`ranking.refresh`): on a database of its own,
they must rank exactly as counting the month live does, be recounted when a month gets a new entry, and be
recounted whole when the threshold changes."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, select, update

from models import DelayWatermark, Event, EventType, OfficerMonth
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.dataloaders import Sessions
from resolvers.oversight import ranking
from tests.oversight import history
from tests.oversight.conftest import with_reference_data
from tests.oversight.history import History, append_event, seoul

THRESHOLD = Settings().policy().input_delay_hours
JANUARY = date(2025, 1, 1)


@pytest.fixture(scope="module")
async def ranked(as_of: datetime) -> AsyncIterator[tuple[Sessions, History]]:
    async for url in with_reference_data("ranking", as_of):
        engine = create_engine(url, Settings(db_pool_size=2))
        sessions = create_sessionmaker(engine)
        yield sessions, await history.write(sessions)
        await engine.dispose()


async def _ranking(sessions: Sessions, threshold: float = THRESHOLD) -> list[tuple[int, int, int, float]]:
    context = Settings().context(sessions)
    ranks = await ranking.timely_input_ranking(context, JANUARY, threshold, 100, 1)
    return [(rank.officer_id, rank.entries, rank.timely, rank.median_lag_hours) for rank in ranks]


async def _refresh(sessions: Sessions, threshold: float = THRESHOLD) -> int:
    return await ranking.refresh(sessions, threshold)


async def test_kept_figures_rank_as_the_live_count(ranked: tuple[Sessions, History]) -> None:
    sessions, made = ranked
    live = await _ranking(sessions)
    assert len(live) == 3, "O1, O2 and O3 entered January's work"

    assert await _refresh(sessions) >= 1
    async with sessions() as session:
        months = set((await session.scalars(select(OfficerMonth.month))).all())
    assert JANUARY in months
    assert await _ranking(sessions) == live

    # A late entry of O3's about January: the kept figures stay as the last round counted them until the next.
    async with sessions() as session, session.begin():
        await append_event(
            session, EventType.STEP_STARTED, made.cases["c4"], made.officers["O3"], seoul(1, 20, 10), datetime.now(UTC)
        )
    assert await _ranking(sessions) == live
    assert await _refresh(sessions) == 1, "only January got a new entry"
    recounted = await _ranking(sessions)
    assert recounted != live

    # Another threshold: every kept month is recounted with it.
    assert await _refresh(sessions, THRESHOLD + 100_000) == len(months)
    lenient = await _ranking(sessions, THRESHOLD + 100_000)
    assert all(timely == entries for _, entries, timely, _ in lenient)

    # Counted live, without the kept figures, the month ranks the same.
    async with sessions() as session, session.begin():
        await session.execute(delete(OfficerMonth))
    assert await _ranking(sessions) == recounted
    assert await _ranking(sessions, THRESHOLD + 100_000) == lenient


async def test_a_long_history_is_caught_up_in_steps(ranked: tuple[Sessions, History]) -> None:
    """A refresh reads a batch of new events per transaction: kept from nothing two events at a time, the figures
    rank as counting the month live does, and the watermark ends at the newest event."""
    sessions, _ = ranked
    async with sessions() as session, session.begin():
        await session.execute(delete(OfficerMonth))
        await session.execute(update(DelayWatermark).values(ranked_event_seq=0))
    live = await _ranking(sessions)
    assert await ranking.refresh(sessions, THRESHOLD, batch=2) > 1
    async with sessions() as session:
        assert await session.scalar(select(DelayWatermark.ranked_event_seq)) == await session.scalar(
            select(func.max(Event.seq))
        )
        assert JANUARY in set((await session.scalars(select(OfficerMonth.month))).all())
    assert await _ranking(sessions) == live
