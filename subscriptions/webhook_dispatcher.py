"""Delivers webhooks in the background of every server process (rows are locked, so replicas share the work)."""

import asyncio
import contextlib
import logging

import httpx

from resolvers import webhooks
from resolvers.dataloaders import Sessions
from resolvers.webhook_targets import Targets

logger = logging.getLogger("openproc.webhooks")


class Dispatcher:
    def __init__(self, sessions: Sessions, targets: Targets, *, backoff_s: float, interval_s: float = 1.0) -> None:
        self.sessions, self.targets, self.interval_s, self.backoff_s = sessions, targets, interval_s, backoff_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="openproc-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.interval_s):
                        await self._wake.wait()
                self._wake.clear()
                try:
                    await webhooks.deliver_due(self.sessions, client, self.backoff_s, self.targets)
                except Exception:
                    logger.exception("a webhook round failed; retrying")
