"""Signs a new checkpoint within a second of the tree growing, in the background of every server process."""

import asyncio
import contextlib
import logging

from ledger.note import Signer
from resolvers import ledger
from resolvers.dataloaders import Sessions

logger = logging.getLogger("openproc.ledger")


class Checkpointer:
    def __init__(self, sessions: Sessions, signer: Signer, interval_s: float = 1.0) -> None:
        self.sessions, self.signer, self.interval_s = sessions, signer, interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="openproc-checkpointer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await ledger.sign_checkpoint(self.sessions, self.signer)
            except Exception:
                logger.exception("signing a checkpoint failed; retrying")
            await asyncio.sleep(self.interval_s)
