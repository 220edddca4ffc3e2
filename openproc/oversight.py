"""The oversight round, run on a schedule in every server process and by `openproc oversight check`.

A round reports new delays, refreshes the step duration norms behind predictions and the ranking's monthly
figures, schedules and samples standing inspections, stores the durations and audit verdicts of the steps signed
and the cases ended since the last round, and announces milestones.
Replicas may run rounds at the same time: each part takes a lock, so nothing is reported twice.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers import audit, durations
from resolvers.dataloaders import Sessions
from resolvers.oversight import counters, delays, inspections, prediction, ranking
from resolvers.workflow.checks import Policy

logger = logging.getLogger("openproc.oversight")


@dataclass(frozen=True)
class Round:
    delays: delays.DelayCheck
    milestones: int

    @property
    def events(self) -> int:
        return self.delays.total + self.milestones


async def run_round(sessions: Sessions, policy: Policy, min_samples: int) -> Round:
    found = await delays.check(sessions, policy)
    async with sessions() as session, session.begin():
        await prediction.refresh_norms(session, min_samples)
    await ranking.refresh(sessions, policy.input_delay_hours)
    async with sessions() as session, session.begin():
        await inspections.schedule(session, datetime.now(UTC), policy)
    await durations.fill(sessions)
    await audit.judge(sessions)
    return Round(found, await counters.check_milestones(sessions))


class OversightLoop:
    """One round at start, then one every `interval_s` seconds; `interval_s` 0 turns the loop off."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        interval_s: float,
        policy: Policy,
        min_samples: int,
        on_events: Callable[[], Awaitable[None]],
    ) -> None:
        self.sessions, self.interval_s, self.policy = sessions, interval_s, policy
        self.min_samples = min_samples
        self.on_events = on_events
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="openproc-oversight")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                done = await run_round(self.sessions, self.policy, self.min_samples)
                if done.events:
                    logger.info(
                        "oversight round: %d processing and %d input delays, %d milestones",
                        done.delays.processing,
                        done.delays.input,
                        done.milestones,
                    )
                    await self.on_events()
            except Exception:
                logger.exception("an oversight round failed; the next one retries")
            await asyncio.sleep(self.interval_s)
