"""Per-caller request budgets in a sliding window, kept in this process.

Enough for one replica; several replicas behind a balancer each keep their own budget (the hardening issue
moves the counters to a shared store).
"""

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from resolvers.errors import RateLimited


@dataclass(frozen=True)
class Budget:
    requests: int
    seconds: float


@dataclass
class RateLimiter:
    budgets: dict[str, Budget]
    _seen: defaultdict[tuple[str, str], deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, bucket: str, caller: str) -> None:
        """Count one request of `caller` against `bucket`, or refuse it with the seconds to wait."""
        budget = self.budgets[bucket]
        now = time.monotonic()
        seen = self._seen[(bucket, caller)]
        while seen and seen[0] <= now - budget.seconds:
            seen.popleft()
        if len(seen) >= budget.requests:
            raise RateLimited(retry_after=max(1, int(seen[0] + budget.seconds - now) + 1))
        seen.append(now)

    def reset(self) -> None:
        self._seen.clear()


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
            # Views count people reading, not scripts inflating a case's figure.
            "view": Budget(requests=30, seconds=60),
        }
    )
