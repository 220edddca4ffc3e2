"""How long the event loop was held: a sampler sleeps a fixed interval and records how late it woke.

Every request of every transport shares one loop, so a render, a validation or an export that holds it delays
everyone; the histogram shows such stalls whatever caused them (an alert on its upper buckets catches them in
production, and bench/hostile.py reads it around each attack). A stall of S seconds is recorded as at least
S − interval_s, so the interval bounds the error; waking 100 times a second costs well under 1 % of a core.
"""

import asyncio
import contextlib

from telemetry import LOOP_LAG


class LoopLagSampler:
    """Records `LOOP_LAG` every `interval_s` seconds while started; `interval_s` 0 turns it off."""

    def __init__(self, *, interval_s: float) -> None:
        self.interval_s = interval_s
        # The last lag recorded, and an event set at each sample, for whoever waits for the next one.
        self.last_s = 0.0
        self.sampled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="openproc-loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval_s)
            self.last_s = max(0.0, loop.time() - started - self.interval_s)
            LOOP_LAG.observe(self.last_s)
            self.sampled.set()
