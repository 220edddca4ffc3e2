"""`openproc serve --workers 2`: two processes on one port that share what replicas must: the bus (both listen on
the database when no BROADCAST_URL is set, so a signature made through another process reaches the watchers with
the log polled once an hour), the callers' budgets (counted in Redis) and the metrics (a scrape of either worker
counts both)."""

import asyncio
import re
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk
from tests.subscriptions.servers import Watcher, server
from tests.subscriptions.test_live import PROGRESS
from tests.subscriptions.test_replicas import REDIS, _line

SUBSCRIPTIONS = re.compile(r'^openproc_subscriptions_open\{pid="(\d+)"\} (\S+)$', re.MULTILINE)
PING = "query Ping { __typename }"
# Multiprocess mode writes the labels in alphabetical order.
PINGS = re.compile(
    r'^openproc_graphql_operation_seconds_count\{operation="Ping",outcome="ok",type="query"\} (\S+)$', re.M
)
T = TypeVar("T")
ANONYMOUS_PER_MINUTE = 300
WATCHERS = 20


async def test_two_workers_share_the_bus_the_budgets_and_the_metrics(write_url: str, officers: Officers) -> None:
    channel, prefix = f"openproc_workers_{uuid.uuid4().hex[:8]}", f"test-{uuid.uuid4()}"
    common = {"BROADCAST_CHANNEL": channel, "POLL_INTERVAL_S": "3600"}
    settings = {
        **common,
        "RATE_LIMIT_URL": REDIS,
        "RATE_LIMIT_KEY_PREFIX": prefix,
        "RATE_ANONYMOUS_PER_MINUTE": str(ANONYMOUS_PER_MINUTE),
    }
    async with (
        server(write_url, "--workers", "2", **settings) as workers,
        server(write_url, BROADCAST_URL=write_url, **common) as other,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{other.port}") as client,
    ):
        metrics_url = f"http://127.0.0.1:{workers.port}/metrics"
        await until(lambda: processes(client, metrics_url), lambda found: len(found) == 2)  # both started

        desk = Desk(client, officers)
        receipt_no, actions = await _line(desk)
        registered = (await desk.events_of(receipt_no))[-1]["sequence"]
        watchers = await asyncio.gather(
            *(Watcher.open(workers.ws, PROGRESS, receiptNo=receipt_no, after=registered) for _ in range(WATCHERS))
        )
        try:
            await until(lambda: processes(client, metrics_url), lambda found: sum(found.values()) == WATCHERS)
            query, officer, step_id = actions[0]
            await desk.ok(query, officer, input={"stepId": step_id})  # through the other server
            seen = [(await watcher.next(within=10))["caseProgress"] for watcher in watchers]
        finally:
            for watcher in watchers:
                await watcher.close()
        assert {(event["type"], event["step"]["sequence"]) for event in seen} == {("STEP_SIGNED", 1)}

        # Anonymous requests from a fresh address, each over a new connection: one budget, kept in Redis.
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(transport=transport) as fresh:
            codes = []
            for _ in range(ANONYMOUS_PER_MINUTE + 5):
                answer = await fresh.post(workers.http, json={"query": PING}, headers={"connection": "close"})
                errors = answer.json().get("errors")
                codes.append(errors[0]["extensions"]["code"] if errors else "ok")
        metrics = (await client.get(metrics_url)).text
    answered = codes.count("ok")
    # One budget (a minute's boundary may let a few more through: the window slides); two would answer them all.
    assert ANONYMOUS_PER_MINUTE <= answered < len(codes)
    kept = subprocess.run(  # noqa: ASYNC221 (a short call, after the servers stopped)
        ["redis-cli", "-p", "6379", "--scan", "--pattern", f"*{prefix}*"], capture_output=True, text=True, timeout=10
    )
    assert kept.stdout.strip(), "the budgets are counted in Redis"
    # Both workers' counts in one scrape: every Ping answered, whichever worker answered it.
    assert sum(float(count) for count in PINGS.findall(metrics)) == answered


async def processes(client: httpx.AsyncClient, metrics_url: str) -> dict[str, float]:
    """Open subscriptions by worker, as a scrape of /metrics (answered by either) gives them."""
    text = (await client.get(metrics_url)).text
    return {pid: float(count) for pid, count in SUBSCRIPTIONS.findall(text)}


async def until(read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """`read()` again until `done` holds (a subscribe is taken in after it is sent; workers start one by one)."""
    for _ in range(300):  # bounded: ~15 s
        found = await read()
        if done(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"still {found}")
