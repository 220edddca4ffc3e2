"""One hub per process: it reads each new event once and hands it to every matching listener.

The hub is woken by the bus (another process committed), by this process's own writes, and by a slow poll that
bounds the delay when a wake-up is lost. It always reads `seq > last`, in order: sequence numbers commit in
order (see `resolvers/events.py`), so nothing is skipped and nothing is read twice.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from resolvers import progress
from resolvers.dataloaders import Sessions
from resolvers.progress import Snapshot, Watch
from resolvers.reads import Position, Router
from telemetry import BUS_LAG, EVENTS_READ, LOG_REWINDS

logger = logging.getLogger("openproc.subscriptions")


class Listener(Protocol):
    def deliver(self, snapshot: Snapshot) -> None:
        """Take one event; must not block (the hub serves every listener from one task)."""

    def rewound(self) -> None:
        """The log moved backwards (the database was replaced): drop whatever was derived from the old one."""


@dataclass(eq=False)
class Registration:
    watch: Watch
    listener: Listener


# Events a catch-up reads at once: turning a batch into snapshots holds the event loop, so catch-ups, which can be
# far, read small ones (the live hub keeps progress.BATCH: it reads what just happened, usually a few events).
BACKLOG_BATCH = 50


class Hub:
    def __init__(self, sessions: Sessions, router: Router | None, poll_interval: float) -> None:
        # The live stream reads the primary, which announced the event; catch-ups may read a standby.
        self.sessions, self.router = sessions, router
        self.poll_interval = poll_interval
        self.last_sequence = 0
        self.reads = 0
        # Set from the moment the log is found to have moved backwards until a read of the new log went through.
        self.resyncing = False
        self._rounds = asyncio.Condition()
        self._rounds_started = self._rounds_done = 0
        self._registrations: set[Registration] = set()
        self._paths: dict[int, str] = {}
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start serving; the position in the log is read in the background, so a database that is still
        starting does not stop the server from starting."""
        self._task = asyncio.create_task(self._run(), name="openproc-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def read_now(self) -> None:
        """Wake the hub and wait until it has read the log once more, from after this call."""
        target = self._rounds_started + 1
        self.wake()
        async with self._rounds:
            await self._rounds.wait_for(lambda: self._rounds_done >= target)

    async def add(self, watch: Watch, listener: Listener) -> tuple[Registration, int]:
        """Register a listener; it receives every event after the returned sequence number."""
        await self._ready.wait()
        if watch.department_id is not None and watch.department_id not in self._paths:
            self._paths.update(await progress.department_paths(self.sessions, [watch.department_id]))
        registration = Registration(watch, listener)
        # No await between registering and reading the position: the hub cannot dispatch in between.
        self._registrations.add(registration)
        return registration, self.last_sequence

    def remove(self, registration: Registration) -> None:
        self._registrations.discard(registration)

    @property
    def listeners(self) -> int:
        return len(self._registrations)

    async def backlog(self, watch: Watch, after: int, upto: int) -> AsyncIterator[Snapshot]:
        """The events a resuming watcher missed, from the log, in order: from a standby only if it holds `upto`
        (sequence numbers commit in order, so it then holds every event before it)."""
        sessions = self.sessions if self.router is None else (await self.router.reader(Position(seq=upto))).sessions
        cursor = after
        while cursor < upto:
            batch = await progress.read(
                sessions, after=cursor, upto=upto, case_receipt_no=watch.receipt_no, limit=BACKLOG_BATCH
            )
            if not batch:
                return
            for snapshot in batch:
                cursor = snapshot.event.seq
                if watch.matches(snapshot, self._paths):
                    yield snapshot

    async def _run(self) -> None:
        while not self._ready.is_set():
            try:
                self.last_sequence = await progress.last_sequence(self.sessions)
                self._ready.set()
            except Exception:
                logger.exception("reading the log's position failed; retrying")
                await asyncio.sleep(1.0)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            self._rounds_started += 1
            try:
                await self._drain()
            except Exception:
                # The database may be restarting: keep the position and try again at the next wake-up.
                logger.exception("reading new events failed; retrying")
                await asyncio.sleep(min(self.poll_interval, 1.0))
            async with self._rounds:
                self._rounds_done = self._rounds_started
                self._rounds.notify_all()

    async def _rewound(self) -> bool:
        """Whether the log now ends before what this hub has read: then it re-syncs to the new log, tells every
        listener, and stays unready until a read of the new log has gone through."""
        end = await progress.last_sequence(self.sessions)
        if end >= self.last_sequence:
            return False
        logger.error(
            "the event log moved backwards, from %s to %s: was the database replaced? re-syncing",
            self.last_sequence,
            end,
        )
        LOG_REWINDS.inc()
        self.resyncing = True
        self.last_sequence = end
        for registration in list(self._registrations):
            registration.listener.rewound()
        return True

    async def _drain(self) -> None:
        if not await self._rewound():
            self.resyncing = False
        while True:
            batch = await progress.read(self.sessions, after=self.last_sequence)
            self.reads += 1
            if batch:
                EVENTS_READ.inc(len(batch))
                now = time.time()
                for snapshot in batch:
                    BUS_LAG.observe(max(0.0, now - snapshot.event.recorded_at.timestamp()))
            for snapshot in batch:
                for registration in list(self._registrations):
                    if registration.watch.matches(snapshot, self._paths):
                        try:
                            registration.listener.deliver(snapshot)
                        except Exception:
                            # One broken listener must not hold back every other watcher of the process.
                            logger.exception("a listener failed on event %s", snapshot.event.seq)
                self.last_sequence = snapshot.event.seq
            if len(batch) < progress.BATCH:
                return
