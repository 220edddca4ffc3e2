"""Background loops stop when told, whatever they were doing: a wake-up landing in the same turn of the event loop
as the stop once made Python 3.11's `asyncio.wait_for` swallow the cancellation (cpython#86296), and an app's
shutdown then waited for ever (seen twice in CI, in tests that end right after a write woke the hub)."""

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from openproc.database import create_sessionmaker
from resolvers.webhook_targets import Targets
from subscriptions.hub import Hub
from subscriptions.webhook_dispatcher import Dispatcher

# Turns of the event loop between the wake-up and the stop: the cancellation was lost at 0, 1 and 2.
OFFSETS = range(4)


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)  # one turn of the loop: what the offset counts, not a wait for anything


@pytest.mark.parametrize("offset", OFFSETS)
async def test_a_woken_hub_stops(write_engine: AsyncEngine, offset: int) -> None:
    hub = Hub(create_sessionmaker(write_engine), None, poll_interval=60)
    await hub.start()
    await hub.read_now()  # it has read the log and waits for the next wake-up
    hub.wake()
    await _turns(offset)
    async with asyncio.timeout(10):
        await hub.stop()


@pytest.mark.parametrize("offset", OFFSETS)
async def test_a_woken_webhook_dispatcher_stops(write_engine: AsyncEngine, offset: int) -> None:
    dispatcher = Dispatcher(create_sessionmaker(write_engine), Targets(), backoff_s=1, interval_s=60)
    await dispatcher.start()
    await _turns(3)
    dispatcher.wake()
    await _turns(offset)
    async with asyncio.timeout(10):
        await dispatcher.stop()
