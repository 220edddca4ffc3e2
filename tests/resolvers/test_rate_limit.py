"""The per-caller budgets: a whole budget at once, then one request per interval, and no memory of callers
whose budget is whole again."""

import pytest

from resolvers.errors import RateLimited
from resolvers.rate_limit import SWEEP_S, Budget, RateLimiter


class Clock:
    """A clock the test moves by hand, so that refills are checked without waiting for them."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, requests: int = 5, seconds: float = 600) -> RateLimiter:
    return RateLimiter({"opinion": Budget(requests=requests, seconds=seconds)}, clock=clock)


def test_a_whole_budget_is_spent_at_once_then_refused_with_the_wait() -> None:
    clock = Clock()
    budgets = limiter(clock)
    for _ in range(5):
        budgets.check("opinion", "10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        budgets.check("opinion", "10.0.0.1")
    # One request comes back every 600 / 5 = 120 seconds.
    assert refused.value.retry_after == 120
    budgets.check("opinion", "10.0.0.2")  # another caller has a budget of its own


def test_one_request_comes_back_per_interval() -> None:
    clock = Clock()
    budgets = limiter(clock)
    for _ in range(5):
        budgets.check("opinion", "10.0.0.1")
    clock.now += 119
    with pytest.raises(RateLimited) as refused:
        budgets.check("opinion", "10.0.0.1")
    assert refused.value.retry_after == 1
    clock.now += 1
    budgets.check("opinion", "10.0.0.1")
    with pytest.raises(RateLimited):
        budgets.check("opinion", "10.0.0.1")


def test_a_refusal_does_not_spend_the_budget() -> None:
    clock = Clock()
    budgets = limiter(clock, requests=1, seconds=60)
    budgets.check("opinion", "10.0.0.1")
    for _ in range(100):
        with pytest.raises(RateLimited):
            budgets.check("opinion", "10.0.0.1")
    clock.now += 60
    budgets.check("opinion", "10.0.0.1")


def test_callers_with_a_whole_budget_are_forgotten() -> None:
    clock = Clock()
    budgets = limiter(clock, requests=100, seconds=60)
    for address in range(10_000):
        budgets.check("opinion", f"2001:db8::{address:x}")
    assert len(budgets) == 10_000
    clock.now += max(60, SWEEP_S)
    budgets.check("opinion", "2001:db8::ffff:1")
    assert len(budgets) == 1
