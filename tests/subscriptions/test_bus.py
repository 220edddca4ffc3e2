"""The doorbell's own liveness check: a dead connection is noticed, a busy event loop is not mistaken for one."""

import asyncio
import time

from subscriptions.bus import MISSED_HEARTBEATS, Bus

HEARTBEAT_S = 0.02


async def test_a_stalled_event_loop_does_not_count_as_a_dead_bus() -> None:
    woken = asyncio.Event()
    bus = Bus("memory://", "test_bus_stall", woken.set, heartbeat_s=HEARTBEAT_S)
    await bus.start()
    try:
        await asyncio.wait_for(bus.connected.wait(), timeout=30)

        # Given a loop held far longer than every missed heartbeat together (what a slow request or a loaded
        # machine does), when it runs again and a wake-up goes round the bus,
        time.sleep(4 * MISSED_HEARTBEATS * HEARTBEAT_S)  # noqa: ASYNC251 (the stall is what this test makes)
        for _ in range(2):  # the second round trip comes after the heartbeat has looked at the first
            woken.clear()
            await bus.publish()
            await asyncio.wait_for(woken.wait(), timeout=30)

        # then the connection was kept: no reconnect, still ready.
        assert bus.reconnects == 0
        assert bus.connected.is_set()
    finally:
        await bus.stop()
