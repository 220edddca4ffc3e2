"""What the input-delay rule finds in a history, without recording anything: entries late by the old rule (24
calendar hours) and by the current one (INPUT_DELAY_WORKING_HOURS working hours), the sittings they make, and the
delays those become (one per sitting and case).

    make bench-input-delays                       # a fresh demo-scale database, dropped afterwards
    make bench-input-delays ARGS="--scale seoul"  # 27,000 cases, 405,000 events
"""

import argparse
import asyncio
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bench import live
from models import Event
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.settings import Settings
from resolvers.oversight.delays import EVENT_WINDOW, late_entries, sittings_of

OLD_THRESHOLD = timedelta(hours=24)


async def measure(url: str) -> None:
    policy = Settings().policy()
    engine = create_engine(url, Settings(db_pool_size=2))
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            last = await session.scalar(select(func.max(Event.seq))) or 0
            old_rule = await session.scalar(
                select(func.count()).where(
                    Event.actor_officer_id.is_not(None),
                    Event.case_id.is_not(None),
                    Event.recorded_at - Event.occurred_at > OLD_THRESHOLD,
                )
            )
            started = time.perf_counter()
            late = []
            for start in range(0, last, EVENT_WINDOW):
                late += await late_entries(session, start, start + EVENT_WINDOW, policy)
            elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    sittings = sittings_of(late, policy.sitting_gap)
    delays = sum(len({entry.case_id for entry in sitting}) for sitting in sittings)
    sizes = Counter(min(len(sitting), 10) for sitting in sittings)
    print(f"{last:,} events")
    print(f"late by 24 calendar hours, one delay each (the old rule): {old_rule:,}")
    print(
        f"late by {policy.input_delay_hours:g} working hours: {len(late):,} entries in {len(sittings):,} sittings"
        f" (gap {policy.sitting_gap.total_seconds() / 60:g} min) = {delays:,} delays (sitting × case);"
        f" found in {elapsed:.1f} s"
    )
    print(
        "entries per sitting:",
        ", ".join(f"{size}{'+' if size == 10 else ''}: {count:,}" for size, count in sorted(sizes.items())),
    )


async def main(scale: str) -> None:
    url = await live.prepare(resolve_url(Settings()), scale)
    try:
        await measure(url)
    finally:
        await live.drop(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", help="demo or seoul")
    asyncio.run(main(parser.parse_args().scale))
