"""The cross-process doorbell, on broadcaster: `memory://`, `postgres://` (LISTEN/NOTIFY) or `redis://`.

A message only says "there are new events"; the hub then reads them from the table, so a lost message costs
latency, never data. broadcaster has no reconnect and can die silently (a dropped LISTEN connection just goes
quiet), so this wrapper sends itself a heartbeat, treats a missing echo or any error as a dead connection,
reconnects with backoff, and wakes the hub after every reconnect to catch up from the log.
"""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Protocol

from broadcaster import Broadcast, Event

from subscriptions.redis_backend import RedisPubSubBackend
from telemetry import BUS_RECONNECTS

logger = logging.getLogger("openproc.bus")

WAKE = "wake"
# Heartbeats that may go unanswered before the connection counts as dead. Counted in beats sent, not in seconds:
# a stalled event loop sends no beats, so a stall cannot make a working connection look dead.
MISSED_HEARTBEATS = 5


class Subscription(Protocol):
    """What `Broadcast.subscribe()` yields; broadcaster does not export its class."""

    async def get(self) -> Event: ...


class Bus:
    def __init__(
        self,
        url: str,
        channel: str,
        on_wake: Callable[[], None],
        *,
        heartbeat_s: float = 1.0,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.url, self.channel, self.on_wake = url, channel, on_wake
        self.heartbeat_s, self.max_backoff_s = heartbeat_s, max_backoff_s
        self.reconnects = 0
        self.connected = asyncio.Event()
        self._identity = f"hb:{os.getpid()}:{id(self)}"
        self._broadcast: Broadcast | None = None
        self._publish_lock = asyncio.Lock()
        self._last_echo = 0.0
        self._unanswered = 0
        self._failures = 0
        self._owed = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect in the background; a bus that is down at start does not keep the server from serving."""
        self._task = asyncio.create_task(self._run(), name="openproc-bus")
        try:
            async with asyncio.timeout(3):
                await self.connected.wait()
        except TimeoutError:
            logger.warning("the bus is not reachable yet; other processes' events arrive by polling until it is")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def publish(self) -> None:
        """Ring the doorbell for every process. If the bus is down, the ring is owed and sent as soon as it is
        back, so other processes learn of the new events then rather than at their next poll."""
        if not await self._send(WAKE):
            self._owed = True

    async def _send(self, message: str) -> bool:
        broadcast = self._broadcast
        if broadcast is None:
            return False
        try:
            # One connection serves publishing for the postgres backend: publishes must not overlap.
            async with self._publish_lock:
                async with asyncio.timeout(self.heartbeat_s):
                    await broadcast.publish(self.channel, message)
        except Exception as error:
            logger.warning("publishing to the bus failed: %s", error)
            return False
        return True

    async def _settle_debt(self) -> None:
        if self._owed:
            self._owed = False
            await self.publish()

    async def _run(self) -> None:
        while True:
            broadcast = self._broadcast_for(self.url)
            try:
                await broadcast.connect()
                async with broadcast.subscribe(self.channel) as subscriber:
                    self._broadcast = broadcast
                    self._last_echo, self._unanswered = time.monotonic(), 0
                    # Whatever was published while we were away is in the log: read it now.
                    self.on_wake()
                    await self._listen(subscriber)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("bus connection lost (%s); reconnecting", error)
            finally:
                self._broadcast = None
                self.connected.clear()
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await broadcast.disconnect()
            self.reconnects += 1
            BUS_RECONNECTS.inc()
            await asyncio.sleep(self._backoff())

    @staticmethod
    def _broadcast_for(url: str) -> Broadcast:
        if url.startswith(("redis://", "rediss://")):
            return Broadcast(backend=RedisPubSubBackend(url))
        return Broadcast(url)

    def _backoff(self) -> float:
        """Doubling from 0.1 s while failures follow each other; back to 0.1 s after a working spell."""
        working = time.monotonic() - self._last_echo < MISSED_HEARTBEATS * self.heartbeat_s
        self._failures = 0 if working else self._failures + 1
        return float(min(0.1 * 2**self._failures, self.max_backoff_s))

    async def _listen(self, subscriber: Subscription) -> None:
        heartbeat = asyncio.create_task(self._heartbeat())
        get: asyncio.Task[Event] | None = None
        try:
            while True:
                get = asyncio.create_task(subscriber.get())
                done, _ = await asyncio.wait({get, heartbeat}, return_when=asyncio.FIRST_COMPLETED)
                if heartbeat in done:
                    heartbeat.result()
                event = get.result()
                if event.message == self._identity:
                    # Our own heartbeat came back: the connection works both ways.
                    self._last_echo, self._unanswered = time.monotonic(), 0
                    if not self.connected.is_set():
                        self.connected.set()
                        await self._settle_debt()
                elif not event.message.startswith("hb:"):
                    self.on_wake()
        finally:
            for task in (heartbeat, get):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task

    async def _heartbeat(self) -> None:
        """Fails when our own heartbeats stop coming back: the connection is dead even if nothing said so."""
        while True:
            await self._send(self._identity)
            self._unanswered += 1
            await asyncio.sleep(self.heartbeat_s)
            if self._unanswered > MISSED_HEARTBEATS:
                raise ConnectionError("no heartbeat echo from the bus")
