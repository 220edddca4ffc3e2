"""Delays in imported history are historic: on a database of its own, the hand-made history is declared imported
(as the seed declares its own), the check run, and the ledger must hold one summary per rule and day that lists
exactly the delays recorded, while a delay that happens after the history ends is news with its own event."""

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, update

from models import Case, Delay, DelayEntry, DelayWatermark, Event, EventType, Step
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.dataloaders import Sessions
from resolvers.oversight import delays
from resolvers.statutory_clock import seoul_date
from seed import loader
from seed.generator import Dataset
from tests.oversight import history
from tests.oversight.conftest import with_reference_data
from tests.oversight.history import History, append_event

POLICY = Settings().policy()


@pytest.fixture(scope="module")
async def imported(as_of: datetime) -> AsyncIterator[tuple[Sessions, History]]:
    """The hand-made history, declared imported up to now, before any check ran."""
    async for url in with_reference_data("historic", as_of):
        engine = create_engine(url, Settings(db_pool_size=2))
        sessions = create_sessionmaker(engine)
        made = await history.write(sessions)
        async with sessions() as session, session.begin():
            await session.execute(update(DelayWatermark).values(history_until=datetime.now(UTC)))
        yield sessions, made
        await engine.dispose()


def _shown(delay: Delay, case: Case, step: Step | None, entries: list[DelayEntry], seqs: dict[int, Event]) -> Any:
    """What a summary must say of `delay`, rebuilt from the tables."""
    shown: dict[str, Any] = {"receiptNo": case.receipt_no}
    if step is not None:
        shown["stepSequence"] = step.sequence
    if delay.due_at is not None:
        shown["delay"] = {"kind": "processing", "dueAt": delay.due_at.astimezone(UTC).isoformat()}
    else:
        shown["delay"] = {
            "kind": "input",
            "entries": [seqs[entry.event_seq].seq for entry in entries],
        }
    return shown


async def test_history_is_summarized_once_per_rule_and_day(imported: tuple[Sessions, History]) -> None:
    sessions, made = imported
    found = await delays.check(sessions, POLICY)
    assert (found.processing, found.input) == (5, 1)  # the hand-made history's delays (test_delays.py)

    async with sessions() as session:
        recorded = (await session.scalars(select(Delay))).all()
        summaries = (await session.scalars(select(Event).where(Event.type == EventType.DELAYS_SUMMARIZED))).all()
        detected = await session.scalar(select(Event.seq).where(Event.type == EventType.DELAY_DETECTED).limit(1))
        entries = (await session.scalars(select(DelayEntry))).all()
        cases = {row.id: row for row in (await session.scalars(select(Case))).all()}
        steps = {row.id: row for row in (await session.scalars(select(Step))).all()}
        events = {row.seq: row for row in (await session.scalars(select(Event))).all()}

    assert detected is None, "nothing in imported history is announced as news"
    assert all(delay.historic for delay in recorded)
    keys = [(event.payload["rule"], event.payload["day"], event.payload["part"]) for event in summaries]
    assert len(keys) == len(set(keys)), "one summary per rule and day (and part)"
    assert all(event.payload["part"] == event.payload["parts"] == 1 for event in summaries), "short lists: one part"
    assert all(event.case_id is None and event.step_id is None for event in summaries)

    # Each summary lists exactly the delays that name it, as the tables show them.
    for event in summaries:
        listed = [
            {
                **item,
                "delay": {"kind": "processing", "dueAt": item["delay"]["dueAt"]}
                if item["delay"]["kind"] == "processing"
                else {"kind": "input", "entries": [entry["eventSequence"] for entry in item["delay"]["entries"]]},
            }
            for item in event.payload["delays"]
        ]
        mine = [delay for delay in recorded if delay.detected_seq == event.seq]
        expected = [
            _shown(
                delay,
                cases[delay.case_id],
                None if delay.step_id is None else steps[delay.step_id],
                sorted((entry for entry in entries if entry.delay_id == delay.id), key=lambda entry: entry.event_seq),
                events,
            )
            for delay in mine
        ]
        assert sorted(json.dumps(item, sort_keys=True) for item in listed) == sorted(
            json.dumps(item, sort_keys=True) for item in expected
        )
        # The day is the missed due time's, or the late sitting's, in Seoul.
        days = {seoul_date(delay.due_at or events[delay.late_event_seq or 0].recorded_at).isoformat() for delay in mine}
        assert days == {event.payload["day"]}
    assert {delay.detected_seq for delay in recorded} == {event.seq for event in summaries}

    # Once only; and an entry made late after the history ended is news, on its case.
    assert (await delays.check(sessions, POLICY)).total == 0
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        late = await append_event(
            session, EventType.STEP_STARTED, made.cases["c7"], made.officers["O3"], now - timedelta(days=10), now
        )
    # A sitting is reported once the gap has passed with no further entry: with no gap, at once.
    found = await delays.check(sessions, replace(POLICY, sitting_gap=timedelta(0)))
    assert found.input == 1
    async with sessions() as session:
        news = await session.scalar(select(Delay).where(Delay.subject == f"input:{late.seq}"))
        assert news is not None
        assert not news.historic
        announced = await session.get(Event, news.detected_seq)
    assert announced is not None
    assert announced.type == EventType.DELAY_DETECTED
    assert announced.case_id == made.cases["c7"]


async def test_the_seed_declares_where_its_history_ends(database_url: str, demo: Dataset) -> None:
    connection: asyncpg.Connection = await loader.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT history_until FROM delay_watermark), "
            "(SELECT max(recorded_at) FROM event WHERE case_id IS NOT NULL AND seq <= $1)",
            demo.count("event"),  # the seed's events come first, numbered from 1
        )
    finally:
        await connection.close()
    assert row is not None
    assert row[0] is not None
    assert row[0] == row[1]
