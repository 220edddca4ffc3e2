"""Signs a new checkpoint as soon as this process commits events (and at least every interval, for events other
replicas committed), in the background of every server process, and hands each to the witnesses' feeds."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from ledger.last_signed import LastSigned
from ledger.note import Signer
from openproc.witness_feed import WitnessFeed
from resolvers import ledger
from resolvers.dataloaders import Sessions
from telemetry import LEDGER_REFUSALS

logger = logging.getLogger("openproc.ledger")


class Checkpointer:
    def __init__(
        self,
        sessions: Sessions,
        signer: Signer,
        last_signed: LastSigned,
        interval_s: float,
        witnesses: Sequence[WitnessFeed],
    ) -> None:
        self.sessions, self.signer, self.last_signed, self.interval_s = sessions, signer, last_signed, interval_s
        # Each submits in its own task: a witness that is down or slow never holds up a signing.
        self.witnesses = witnesses
        # Why the signer last refused to sign (None while it signs): /readyz reports it, the process stays unready.
        self.refusal: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Events were committed: sign soon. Commits during a round start one more round after it, not one each."""
        self._woken.set()

    async def start(self) -> None:
        for witness in self.witnesses:
            await witness.start()
        self._task = asyncio.create_task(self._run(), name="openproc-checkpointer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for witness in self.witnesses:
            await witness.stop()

    async def sign_now(self) -> None:
        """One round: sign the grown tree, or refuse (and say why) if it contradicts what was signed before."""
        try:
            signed = await ledger.sign_checkpoint(self.sessions, self.signer, self.last_signed)
        except ledger.ForkRefused as refused:
            LEDGER_REFUSALS.inc()
            if self.refusal != str(refused):
                # Logged once per reason; the last good checkpoint stays the one served.
                logger.critical("refusing to sign the ledger: %s", refused)
            self.refusal = str(refused)
        else:
            self.refusal = None
            if signed is not None:
                # Every round, the tree grown or not: a feed submits what its witness has not cosigned lately.
                for witness in self.witnesses:
                    witness.offer(signed)

    async def _run(self) -> None:
        while True:
            self._woken.clear()
            try:
                await self.sign_now()
            except Exception:
                logger.exception("signing a checkpoint failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._woken.wait()
