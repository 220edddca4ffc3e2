"""The budgets kept in one process: a whole budget at once, then one request per interval, and no memory of
callers whose budget is whole again. Budgets shared through Redis: tests/test_shared_budgets.py."""

import pytest

from resolvers.errors import RateLimited
from resolvers.rate_limit import NS, SWEEP_NS, Budget, LocalBudgets


class Clock:
    """A clock the test moves by hand (in nanoseconds), so that refills are checked without waiting for them."""

    def __init__(self, seconds: float = 1_000.0) -> None:
        self.now = round(seconds * NS)

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * NS)


def limiter(clock: Clock, requests: int = 5, seconds: int = 600) -> LocalBudgets:
    return LocalBudgets({"opinion": Budget(requests=requests, seconds=seconds)}, clock_ns=clock)


def spend(budgets: LocalBudgets, caller: str) -> int:
    """Requests `caller` gets before the first refusal, all at one instant."""
    allowed = 0
    while True:
        try:
            budgets.take("opinion", caller)
        except RateLimited:
            return allowed
        allowed += 1


def test_a_whole_budget_is_spent_at_once_then_refused_with_the_wait() -> None:
    clock = Clock()
    budgets = limiter(clock)
    assert spend(budgets, "10.0.0.1") == 5
    with pytest.raises(RateLimited) as refused:
        budgets.take("opinion", "10.0.0.1")
    # One request comes back every 600 / 5 = 120 seconds.
    assert refused.value.retry_after == 120
    budgets.take("opinion", "10.0.0.2")  # another caller has a budget of its own


@pytest.mark.parametrize(("requests", "seconds"), [(6_000, 60), (7, 60), (1_000, 60), (5, 600)])
@pytest.mark.parametrize("start", [12_345.678, 1.7e7, 1.2e8])
def test_a_whole_budget_is_exactly_its_requests_at_any_clock_value(requests: int, seconds: int, start: float) -> None:
    assert spend(limiter(Clock(start), requests, seconds), "10.0.0.1") == requests


def test_one_request_comes_back_per_interval() -> None:
    clock = Clock()
    budgets = limiter(clock)
    spend(budgets, "10.0.0.1")
    clock.advance(119)
    with pytest.raises(RateLimited) as refused:
        budgets.take("opinion", "10.0.0.1")
    assert refused.value.retry_after == 1
    clock.advance(1)
    assert spend(budgets, "10.0.0.1") == 1


def test_a_refusal_does_not_spend_the_budget() -> None:
    clock = Clock()
    budgets = limiter(clock, requests=1, seconds=60)
    budgets.take("opinion", "10.0.0.1")
    for _ in range(100):
        with pytest.raises(RateLimited):
            budgets.take("opinion", "10.0.0.1")
    clock.advance(60)
    budgets.take("opinion", "10.0.0.1")


def test_callers_with_a_whole_budget_are_forgotten_and_the_others_kept() -> None:
    clock = Clock()
    budgets = limiter(clock, requests=100, seconds=60)
    for address in range(10_000):
        budgets.take("opinion", f"2001:db8::{address:x}")
    assert spend(budgets, "10.0.0.1") == 100
    assert budgets.remembered == 10_001
    clock.advance(SWEEP_NS / NS)
    budgets.take("opinion", "10.0.0.2")
    # 10.0.0.1 spent 100 requests; a minute later its budget is whole, like the 10,000 who spent one.
    assert budgets.remembered == 1
    clock.advance(0.3)
    spend(budgets, "10.0.0.2")
    clock.advance(SWEEP_NS / NS - 1)
    budgets.take("opinion", "10.0.0.3")
    # 10.0.0.2, who emptied its budget 59 s ago, is still held: forgotten, it would have all 100 back, not the
    # 98 that 59 s refill at one per 0.6 s (less the 0.7 s it was ahead).
    assert budgets.remembered == 2
    assert spend(budgets, "10.0.0.2") == 98
