"""Input delays count working hours and group an officer's sitting: on a database of its own (the shared oversight
history's figures stay as other tests expect them), late entries are appended and the check run."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Delay, DelayEntry, DelayKind, Event, EventType
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.dataloaders import Sessions
from resolvers.oversight import delays
from tests.oversight import history
from tests.oversight.conftest import with_reference_data
from tests.oversight.history import History, append_event, seoul

POLICY = Settings().policy()  # eight working hours; late entries less than 30 minutes apart are one sitting


@pytest.fixture(scope="module")
async def quiet(as_of: datetime) -> AsyncIterator[tuple[Sessions, History]]:
    """The hand-made history with its own delays already reported: what a test appends is all that is new."""
    async for url in with_reference_data("sittings", as_of):
        engine = create_engine(url, Settings(db_pool_size=2))
        sessions = create_sessionmaker(engine)
        made = await history.write(sessions)
        await delays.check(sessions, POLICY)
        yield sessions, made
        await engine.dispose()


async def _append(sessions: Sessions, case: int, officer: int, *entries: tuple[datetime, datetime]) -> list[int]:
    async with sessions() as session, session.begin():
        return [
            (await append_event(session, EventType.STEP_STARTED, case, officer, occurred, recorded)).seq
            for occurred, recorded in entries
        ]


async def _input_delays(sessions: Sessions, after: int) -> dict[str, list[int]]:
    """The input delays reported for entries after sequence `after`: subject → the entries it lists."""
    async with sessions() as session:
        rows = await session.execute(
            select(Delay.subject, DelayEntry.event_seq)
            .join(DelayEntry, DelayEntry.delay_id == Delay.id)
            .where(Delay.kind == DelayKind.INPUT, DelayEntry.event_seq > after)
            .order_by(DelayEntry.event_seq)
        )
        found: dict[str, list[int]] = {}
        for subject, sequence in rows:
            found.setdefault(subject, []).append(sequence)
        return found


async def _last_seq(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1)) or 0)


async def test_a_weekend_is_not_an_input_delay(quiet: tuple[Sessions, History]) -> None:
    sessions, made = quiet
    after = await _last_seq(sessions)
    # Signed Friday 7 March 2025 at 17:50, entered Monday 10 March at 08:30: ten working minutes (62 hours).
    # Signed Tuesday 11 March at 10:00, entered Thursday 13 March at 11:00: 17 working hours, late.
    _, late = await _append(
        sessions,
        made.cases["c4"],
        made.officers["O3"],
        (seoul(3, 7, 17).replace(minute=50), seoul(3, 10, 8).replace(minute=30)),
        (seoul(3, 11, 10), seoul(3, 13, 11)),
    )
    found = await delays.check(sessions, POLICY)
    assert found.input == 1
    assert await _input_delays(sessions, after) == {f"input:{late}": [late]}
    async with sessions() as session:
        delay = await session.scalar(select(Delay).where(Delay.subject == f"input:{late}"))
    assert delay is not None
    assert delay.lag_hours == 17.0


async def test_one_sitting_is_one_delay_per_case(quiet: tuple[Sessions, History]) -> None:
    sessions, made = quiet
    after = await _last_seq(sessions)
    officer, c4, c7 = made.officers["O2"], made.cases["c4"], made.cases["c7"]
    happened = seoul(3, 17, 10)  # a Monday; entered from Wednesday 14:00 on, over two working days later
    sitting = [(happened, seoul(3, 19, 14) + timedelta(minutes=minutes)) for minutes in (0, 10, 25, 50)]
    # Four entries 10, 15 and 25 minutes apart are one sitting: three on c4, then one on c7.
    on_c4 = await _append(sessions, c4, officer, *sitting[:3])
    on_c7 = await _append(sessions, c7, officer, sitting[3])
    # Two hours later the same officer sits down again: a second sitting.
    (again,) = await _append(sessions, c4, officer, (happened, seoul(3, 19, 16) + timedelta(minutes=50)))

    found = await delays.check(sessions, POLICY)

    assert await _input_delays(sessions, after) == {
        f"input:{on_c4[0]}": on_c4,
        f"input:{on_c7[0]}": on_c7,
        f"input:{again}": [again],
    }
    assert found.input == 3
    async with sessions() as session:
        announced = await session.scalar(
            select(Event).where(Event.type == EventType.DELAY_DETECTED, Event.case_id == c4).order_by(Event.seq.desc())
        )
    assert announced is not None
    assert announced.payload["delay"]["entries"][0]["eventSequence"] == again
    assert (await delays.check(sessions, POLICY)).input == 0, "each entry is reported once"


async def test_a_sitting_is_reported_once_no_entry_can_join_it(quiet: tuple[Sessions, History]) -> None:
    sessions, made = quiet
    after = await _last_seq(sessions)
    now = datetime.now(UTC)
    # Two late entries, made 20 and 12 minutes ago: with a 30-minute gap the officer may still be at it.
    first, second = await _append(
        sessions,
        made.cases["c4"],
        made.officers["O1"],
        (now - timedelta(days=5), now - timedelta(minutes=20)),
        (now - timedelta(days=5), now - timedelta(minutes=12)),
    )
    assert (await delays.check(sessions, POLICY)).input == 0
    assert await _input_delays(sessions, after) == {}
    # With a 10-minute gap they are still one sitting (8 minutes apart), and it is over (12 minutes ago).
    assert (await delays.check(sessions, replace(POLICY, sitting_gap=timedelta(minutes=10)))).input == 1
    assert await _input_delays(sessions, after) == {f"input:{first}": [first, second]}


def test_the_calendar_hours_setting_is_read_as_working_hours_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert Settings(input_delay_working_hours=6).policy().input_delay_hours == 6
    assert not caplog.records
    # INPUT_DELAY_HOURS=24 (a day) was the default: a working day.
    assert Settings(input_delay_hours=24).policy().input_delay_hours == 8
    assert "INPUT_DELAY_HOURS is deprecated" in caplog.text
