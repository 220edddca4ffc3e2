"""Rate budgets shared by replicas through Redis: a caller spread over two server processes gets one budget, not
two (the anonymous budget and access-code guessing alike); a process whose Redis fails counts in its own memory."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest

from resolvers.errors import RateLimited
from resolvers.rate_limit import Budget, RateLimiter
from tests.subscriptions.servers import ServerProcess, free_port, server

REDIS = "redis://127.0.0.1:6379/0"
MY_CASE = "query($r: String!, $c: String!) { myCase(receiptNo: $r, accessCode: $c) { contact { email } } }"
ANONYMOUS_PER_MINUTE = 25
ACCESS_CODE_ATTEMPTS = 20  # resolvers/rate_limit.py's fixed budget


@asynccontextmanager
async def replicas(write_url: str, **settings: str) -> AsyncIterator[list[ServerProcess]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(server(write_url, **settings)) for _ in range(2)]


async def codes(http: httpx.AsyncClient, replicas: list[ServerProcess], count: int, query: str) -> list[str]:
    """The error code (or "ok") of each of `count` requests, sent to the replicas in turn."""
    found = []
    for n in range(count):
        answer = await http.post(
            replicas[n % 2].http, json={"query": query, "variables": {"r": "2026-BLD-PMT-00001", "c": f"{n:012d}"}}
        )
        errors = answer.json().get("errors")
        found.append(errors[0]["extensions"]["code"] if errors else "ok")
    return found


@pytest.mark.parametrize("shared", [True, False], ids=["shared through Redis", "per process"])
async def test_two_replicas_give_a_caller_one_budget(write_url: str, shared: bool) -> None:
    settings = {"RATE_ANONYMOUS_PER_MINUTE": str(ANONYMOUS_PER_MINUTE)}
    if shared:
        settings |= {"RATE_LIMIT_URL": REDIS, "RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4()}"}
    async with replicas(write_url, **settings) as both, httpx.AsyncClient() as http:
        guesses = await codes(http, both, ACCESS_CODE_ATTEMPTS + 1, MY_CASE)
        plain = await codes(http, both, ANONYMOUS_PER_MINUTE - len(guesses) + 1, "{ ledger { publicKey } }")
    if shared:
        # 20 wrong guesses in all, then the budget is spent on both replicas.
        assert guesses == ["UNAUTHENTICATED"] * ACCESS_CODE_ATTEMPTS + ["RATE_LIMITED"]
        # 25 anonymous requests in all (the guesses included); the 26th is refused at the door.
        assert plain == ["ok"] * (len(plain) - 1) + ["RATE_LIMITED"]
    else:
        # The finding, kept as the contrast: each replica keeps its own budget, so none is spent yet.
        assert set(guesses) == {"UNAUTHENTICATED"}
        assert set(plain) == {"ok"}


async def test_processes_sharing_a_prefix_share_budgets_and_other_prefixes_do_not() -> None:
    prefix = f"test-{uuid.uuid4()}"
    budgets = {"opinion": Budget(requests=3, seconds=600)}
    first, second, elsewhere = limiters = [RateLimiter(budgets, REDIS, p) for p in (prefix, prefix, f"{prefix}-x")]
    try:
        for limiter in (first, second, first):
            await limiter.check("opinion", "10.0.0.1")
        with pytest.raises(RateLimited) as refused:
            await second.check("opinion", "10.0.0.1")
        assert 0 < refused.value.retry_after <= 600
        await elsewhere.check("opinion", "10.0.0.1")
        await first.check("opinion", "10.0.0.2")  # another caller has a budget of its own
        await first.reset()
        await second.check("opinion", "10.0.0.1")
    finally:
        for limiter in limiters:
            await limiter.aclose()


async def test_when_redis_fails_a_process_counts_in_its_own_memory(caplog: pytest.LogCaptureFixture) -> None:
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    limiter = RateLimiter({"opinion": Budget(requests=2, seconds=600)}, nothing_listens, "test")
    try:
        await limiter.check("opinion", "10.0.0.1")
        await limiter.check("opinion", "10.0.0.1")
        with pytest.raises(RateLimited):
            await limiter.check("opinion", "10.0.0.1")
    finally:
        await limiter.aclose()
    assert [record.getMessage() for record in caplog.records] == [
        "rate budgets are kept in this process for 5.0 s: the shared store failed (ConnectionError)"
    ]
