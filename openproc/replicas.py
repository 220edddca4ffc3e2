"""Hot standbys (DATABASE_READ_URLS) for anonymous reads and subscription catch-ups, with read-your-writes.

One task per process polls every standby's replay position and last event, and the primary's write position, every
REPLICA_POLL_S (every REPLICA_WAIT_POLL_S while a reader waits). A reader is sent to a standby whose last poll
covers what it needs (resolvers/reads.py), in turn; if one is usable but behind, the reader waits up to
REPLICA_WAIT_S for it, then goes to the primary. A standby unreachable, no longer in recovery, or more than
REPLICA_MAX_LAG_S behind is unusable: readers go to the primary at once and /readyz says why.

Lag in seconds is how long ago the primary had written what the standby has now replayed, from the polls (so to
within one poll): a quiet primary with a caught-up standby shows 0, not the time since the last write.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from openproc.database import create_sessionmaker
from resolvers.reads import Position, Target, parse_lsn
from telemetry import READS, REPLICA_LAG, REPLICA_LAG_BYTES

logger = logging.getLogger("openproc.replicas")

# NULL once the server is not (or no longer) a standby: it then serves no reads.
STANDBY_POSITION = text(
    "SELECT pg_last_wal_replay_lsn()::text, (SELECT coalesce(max(seq), 0) FROM event) WHERE pg_is_in_recovery()"
)
PRIMARY_WRITTEN = text("SELECT pg_current_wal_lsn()::text")
# A commit that has returned is flushed, unless synchronous_commit is off; the flush position then covers it, and
# a standby reaches it at once. The insert position covers it in every case, but may lie in WAL that waits for
# the WAL writer (up to wal_writer_delay, 200 ms by default): measured, it made the slowest reads wait that long.
COMMITTED = text(
    "SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn() "
    "ELSE pg_current_wal_flush_lsn() END)::text"
)
# The primary's positions kept for measuring lag in seconds: at one poll every 0.1 s, ten minutes.
HISTORY = 6_000


def target_name(engine: AsyncEngine) -> str:
    """host:port/database, never the credentials."""
    url = engine.url
    return f"{url.host}:{url.port or 5432}/{url.database}"


class Standby:
    def __init__(self, engine: AsyncEngine) -> None:
        self.target = Target(target_name(engine), engine, create_sessionmaker(engine))
        # From the last poll; None while unreachable or not a standby.
        self.position: Position | None = None
        self.problem: str | None = "not polled yet"


class Replicas:
    """The process's `resolvers.reads.Router`."""

    def __init__(
        self,
        primary: AsyncEngine,
        standbys: Sequence[AsyncEngine],
        *,
        poll_s: float,
        wait_poll_s: float,
        wait_s: float,
        max_lag_s: float,
    ) -> None:
        self._primary = Target("primary", primary, create_sessionmaker(primary))
        self.standbys = [Standby(engine) for engine in standbys]
        self.poll_s, self.wait_poll_s, self.wait_s, self.max_lag_s = poll_s, wait_poll_s, wait_s, max_lag_s
        self._written: deque[tuple[float, int]] = deque(maxlen=HISTORY)
        self._turn = 0
        self._waiting = 0
        self._wanted = asyncio.Event()
        self._polled = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @property
    def primary(self) -> Target:
        return self._primary

    async def start(self) -> None:
        if self.standbys:
            self._task = asyncio.create_task(self._run(), name="openproc-replicas")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for standby in self.standbys:
            await standby.target.engine.dispose()

    def problems(self) -> list[str]:
        """Why each unusable standby is unusable, for /readyz."""
        return [f"{standby.target.name}: {standby.problem}" for standby in self.standbys if standby.problem]

    async def reader(self, needed: Position) -> Target:
        if not self.standbys:
            return self._primary
        deadline = time.monotonic() + self.wait_s
        while True:
            usable = [standby for standby in self.standbys if standby.problem is None]
            if not usable:
                return self._counted(self._primary, "unavailable")
            covering = [standby for standby in usable if standby.position and standby.position.covers(needed)]
            if covering:
                self._turn += 1
                return self._counted(covering[self._turn % len(covering)].target, "covered")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._counted(self._primary, "behind")
            await self._next_poll(remaining)

    async def commit_position(self) -> Position:
        async with self._primary.engine.connect() as connection:
            return Position(parse_lsn(await connection.scalar(COMMITTED)))

    def _counted(self, target: Target, reason: str) -> Target:
        READS.labels(target.name, reason).inc()
        return target

    async def _next_poll(self, within: float) -> None:
        self._waiting += 1
        self._wanted.set()
        try:
            async with self._polled:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(within):
                        await self._polled.wait()
        finally:
            self._waiting -= 1

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wanted.wait()
            self._wanted.clear()
            try:
                await self.poll()
            except Exception:
                # Keep polling: readers must not be held to positions that stopped being read.
                logger.exception("polling the standbys failed")
            async with self._polled:
                self._polled.notify_all()
            if self._waiting:
                # Readers wait for a standby to come far enough: poll again soon, not in a tight loop.
                await asyncio.sleep(self.wait_poll_s)

    async def poll(self) -> None:
        """Read every position once (concurrently); a failure marks only its own database."""
        await asyncio.gather(self._poll_primary(), *(self._poll(standby) for standby in self.standbys))
        # What every standby has replayed is never needed again for measuring lag.
        floor = min((standby.position.lsn if standby.position else -1 for standby in self.standbys), default=-1)
        while len(self._written) > 1 and self._written[0][1] <= floor:
            self._written.popleft()

    async def _poll_primary(self) -> None:
        try:
            async with asyncio.timeout(self.max_lag_s), self._primary.engine.connect() as connection:
                self._written.append((time.monotonic(), parse_lsn(await connection.scalar(PRIMARY_WRITTEN))))
        except Exception:
            logger.warning("reading the primary's position failed", exc_info=True)

    async def _poll(self, standby: Standby) -> None:
        try:
            # A standby slower to answer than the lag it may have is unusable anyway.
            async with asyncio.timeout(self.max_lag_s), standby.target.engine.connect() as connection:
                row = (await connection.execute(STANDBY_POSITION)).one_or_none()
        except Exception as error:
            if not (standby.problem or "").startswith("unreachable"):
                logger.warning("standby %s is unreachable: %s", standby.target.name, error)
            self._mark(standby, None, f"unreachable ({type(error).__name__})")
            return
        if row is None or row[0] is None:
            self._mark(standby, None, "not a standby (not in recovery): it serves no reads")
            return
        position = Position(parse_lsn(row[0]), row[1])
        lag_s = self._lag_s(position.lsn)
        written = self._written[-1][1] if self._written else position.lsn
        REPLICA_LAG_BYTES.labels(standby.target.name).set(max(0, written - position.lsn))
        problem = f"behind by {lag_s:.1f} s (REPLICA_MAX_LAG_S={self.max_lag_s:g})" if lag_s > self.max_lag_s else None
        self._mark(standby, position, problem, lag_s)

    def _mark(self, standby: Standby, position: Position | None, problem: str | None, lag_s: float = math.inf) -> None:
        standby.position, standby.problem = position, problem
        REPLICA_LAG.labels(standby.target.name).set(lag_s)

    def _lag_s(self, replayed: int) -> float:
        """Since the earliest poll at which the primary had written past `replayed` (0 if none had)."""
        now = time.monotonic()
        for seen_at, written in self._written:
            if written > replayed:
                return now - seen_at
        return 0.0
