"""Per-caller request budgets, kept in this process.

Several replicas behind a balancer each keep their own (docs/operations.md, Scaling out).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from resolvers.errors import RateLimited

NS = 1_000_000_000
# Callers whose budget is whole again are forgotten this often: otherwise every address that ever called would
# be remembered, and a spray of addresses would grow the process without bound.
SWEEP_NS = 60 * NS


@dataclass(frozen=True)
class Budget:
    """`requests` at once, then one more every `seconds / requests` (a token bucket: over any long stretch, at most
    `requests` per `seconds`; within one window, a caller who spent it all at the start gets a refill as well)."""

    requests: int
    seconds: float


@dataclass
class RateLimiter:
    """The generic cell rate algorithm (GCRA, as in redis-cell): one number per caller and budget, the instant
    at which the caller's budget is whole again, instead of a log of every request in the window (a log of 6,000
    anonymous requests a minute would hold 6,000 timestamps per address). Integer nanoseconds, so that a whole
    budget is exactly `requests` calls however large the clock's value."""

    budgets: dict[str, Budget]
    clock_ns: Callable[[], int] = time.monotonic_ns
    _whole_at: dict[tuple[str, str], int] = field(default_factory=dict)
    _next_sweep: int = 0

    def check(self, bucket: str, caller: str) -> None:
        """Count one request of `caller` against `bucket`, or refuse it with the seconds to wait."""
        budget = self.budgets[bucket]
        interval = round(budget.seconds * NS) // budget.requests
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


def default_limiter(anonymous_per_minute: int = 6_000, signings_per_minute: int = 120) -> RateLimiter:
    return RateLimiter(
        {
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
    )
