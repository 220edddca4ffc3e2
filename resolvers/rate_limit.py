"""Per-caller request budgets: kept in this process, or shared by every replica through Redis.

In one process a budget is one number per caller (`LocalBudgets`, GCRA). With `RATE_LIMIT_URL` set the budgets
live in Redis, counted by the `limits` library, so that N replicas give a caller one budget rather than N (access
codes guessed across replicas included). If Redis fails, this process falls back to its own budgets for a few
seconds at a time instead of refusing or waving everyone through.
"""

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from resolvers.errors import RateLimited

log = logging.getLogger(__name__)

NS = 1_000_000_000
# Callers whose budget is whole again are forgotten this often: otherwise every address that ever called would
# be remembered, and a spray of addresses would grow the process without bound.
SWEEP_NS = 60 * NS
# A budget check must not cost a request more than a round trip to Redis; past this the store counts as down.
SHARED_TIMEOUT_S = 0.25
# After the shared store failed, budgets are kept in this process for this long before Redis is tried again,
# so an outage costs one timeout per interval, not one per request.
SHARED_RETRY_S = 5.0


@dataclass(frozen=True)
class Budget:
    """`requests` at once, then one more every `seconds / requests` (a token bucket: over any long stretch, at most
    `requests` per `seconds`; within one window, a caller who spent it all at the start gets a refill as well)."""

    requests: int
    seconds: int


@dataclass
class LocalBudgets:
    """The generic cell rate algorithm (GCRA, as in redis-cell): one number per caller and budget, the instant
    at which the caller's budget is whole again, instead of a log of every request in the window (a log of 6,000
    anonymous requests a minute would hold 6,000 timestamps per address). Integer nanoseconds, so that a whole
    budget is exactly `requests` calls however large the clock's value.

    Not `limits`' memory storage: it rescans every caller it holds after each request, which stalled the event
    loop 81 ms with 50,000 addresses (sprayed IPv6 addresses are cheap); this sweeps once a minute."""

    budgets: Mapping[str, Budget]
    clock_ns: Callable[[], int] = time.monotonic_ns
    _whole_at: dict[tuple[str, str], int] = field(default_factory=dict)
    _next_sweep: int = 0

    def take(self, bucket: str, caller: str) -> None:
        """Count one request of `caller` against `bucket`, or refuse it with the seconds to wait."""
        budget = self.budgets[bucket]
        interval = budget.seconds * NS // budget.requests
        now = self.clock_ns()
        key = (bucket, caller)
        whole_at = max(self._whole_at.get(key, now), now) + interval
        if whole_at - now > interval * budget.requests:
            raise RateLimited(retry_after=max(1, math.ceil((whole_at - interval * budget.requests - now) / NS)))
        self._whole_at[key] = whole_at
        if now >= self._next_sweep:
            self._whole_at = {key: at for key, at in self._whole_at.items() if at > now}
            self._next_sweep = now + SWEEP_NS

    def reset(self) -> None:
        self._whole_at.clear()

    @property
    def remembered(self) -> int:
        """Callers held: those whose budget is not whole again (and, until the next sweep, a few more)."""
        return len(self._whole_at)


class SharedBudgets:
    """Budgets in Redis, counted with `limits`' sliding-window counter: two counters per caller and budget, which
    Redis expires itself, and each check one round trip of an atomic script."""

    def __init__(self, budgets: Mapping[str, Budget], url: str, key_prefix: str) -> None:
        self.items = {bucket: RateLimitItemPerSecond(b.requests, b.seconds) for bucket, b in budgets.items()}
        # Our own pool, so that shutting down closes its connections (the storage has no close of its own).
        self.pool = ConnectionPool.from_url(
            url, socket_timeout=SHARED_TIMEOUT_S, socket_connect_timeout=SHARED_TIMEOUT_S
        )
        self.storage = RedisStorage(
            url.replace("redis", "async+redis", 1),
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            # Passed on to redis.asyncio.Redis, which takes a pool; `limits` types its options as scalars only.
            connection_pool=self.pool,  # type: ignore[arg-type]
        )
        self.counter = SlidingWindowCounterRateLimiter(self.storage)

    async def take(self, bucket: str, caller: str) -> None:
        item = self.items[bucket]
        if await self.counter.hit(item, bucket, caller):
            return
        stats = await self.counter.get_window_stats(item, bucket, caller)
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.time())))


class RateLimiter:
    """Every door's budgets: `check` counts one request of a caller against a named budget."""

    def __init__(self, budgets: Mapping[str, Budget], shared_url: str | None = None, key_prefix: str = "") -> None:
        self.local = LocalBudgets(budgets)
        self.shared = SharedBudgets(budgets, shared_url, key_prefix) if shared_url else None
        self._local_until = 0.0

    async def check(self, bucket: str, caller: str) -> None:
        """Raises RateLimited, with the seconds to wait, when `caller` has spent its `bucket`."""
        if self.shared is not None and time.monotonic() >= self._local_until:
            try:
                await self.shared.take(bucket, caller)
                return
            except StorageError as error:
                log.warning(
                    "rate budgets are kept in this process for %s s: the shared store failed (%s)",
                    SHARED_RETRY_S,
                    type(error.storage_error).__name__,
                )
                self._local_until = time.monotonic() + SHARED_RETRY_S
        self.local.take(bucket, caller)

    async def reset(self) -> None:
        """Forget every caller (tests start each client with whole budgets)."""
        self.local.reset()
        if self.shared is not None:
            await self.shared.storage.reset()

    async def aclose(self) -> None:
        if self.shared is not None:
            await self.shared.pool.aclose()


def budgets(anonymous_per_minute: int, signings_per_minute: int) -> dict[str, Budget]:
    return {
        # Online applications: a person files a few a day, not dozens a minute.
        "submit_application": Budget(requests=5, seconds=600),
        # Citizen opinions: enough to take part in a discussion, too few to flood a case page.
        "opinion": Budget(requests=5, seconds=600),
        # Access codes are guessable by brute force only if attempts are cheap.
        "access_code": Budget(requests=20, seconds=600),
        # Anonymous HTTP requests per client address; officers are counted by their own budgets.
        "anonymous": Budget(requests=anonymous_per_minute, seconds=60),
        "signing": Budget(requests=signings_per_minute, seconds=60),
        # Tokens looked up for an address whose anonymous budget is spent: an officer there still gets in,
        # a stream of made-up tokens does not turn into a stream of database lookups.
        "token_check": Budget(requests=30, seconds=60),
        # Views count people reading, not scripts inflating a case's figure.
        "view": Budget(requests=30, seconds=60),
    }
