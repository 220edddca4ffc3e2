"""Per-resolver timeouts: a resolver stuck in PostgreSQL is cancelled and masked; subscription streams are not."""

import asyncio
import time
from collections.abc import AsyncGenerator

import asyncpg
import httpx
import pytest
import strawberry
from graphql import ExecutionResult
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from openproc.app import create_app
from openproc.database import create_sessionmaker
from openproc.settings import Settings
from resolvers.context import Context
from schema.errors import MASKED_MESSAGE, ErrorPolicy
from schema.timeouts import ResolverTimedOut, ResolverTimeout
from seed import loader
from telemetry import request_id


async def _sleep_in_postgres(info: strawberry.Info[Context, None], seconds: float) -> float:
    async with info.context.sessions() as session:
        await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    return seconds


@strawberry.type(name="Query")
class SlowQuery:
    @strawberry.field
    async def slow(self, info: strawberry.Info[Context, None], seconds: float) -> float:
        return await _sleep_in_postgres(info, seconds)


@strawberry.type(name="Subscription")
class SlowSubscription:
    @strawberry.subscription
    async def ticks(self, info: strawberry.Info[Context, None], seconds: float) -> AsyncGenerator[float, None]:
        for _ in range(2):
            yield await _sleep_in_postgres(info, seconds)


# Only the two extensions under test: the production schema has no field slow on purpose.
SLOW = strawberry.Schema(query=SlowQuery, subscription=SlowSubscription, extensions=[ErrorPolicy, ResolverTimeout])


async def test_a_resolver_waiting_in_postgres_is_cancelled_and_masked(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a resolver whose statement sleeps 30 s, and a resolver timeout of 0.3 s
    context = Settings(resolver_timeout_s=0.3).context(create_sessionmaker(engine))
    token = request_id.set("req-timeout-1")
    started = time.perf_counter()
    try:
        # When it is queried
        result = await SLOW.execute("{ slow(seconds: 30) }", context_value=context)
    finally:
        request_id.reset(token)
    elapsed = time.perf_counter() - started

    # Then it is given up after the timeout, as the masked error with the request id
    assert elapsed < 5
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == MASKED_MESSAGE
    assert error.extensions == {"code": "INTERNAL", "requestId": "req-timeout-1"}
    # And the log says which resolver ran out of time
    logged = [
        record
        for record in caplog.records
        if record.name == "openproc.graphql" and record.exc_info and record.exc_info[0] is ResolverTimedOut
    ]
    assert len(logged) == 1
    assert "Query.slow took longer than 0.3 s" in str(logged[0].exc_info[1])  # type: ignore[index]


async def test_a_resolver_within_its_time_answers(engine: AsyncEngine) -> None:
    context = Settings(resolver_timeout_s=5).context(create_sessionmaker(engine))
    result = await SLOW.execute("{ slow(seconds: 0.05) }", context_value=context)
    assert result.errors is None
    assert result.data == {"slow": 0.05}


async def test_a_subscription_stream_has_no_resolver_timeout(engine: AsyncEngine) -> None:
    # Given a stream whose every item waits in PostgreSQL longer than the resolver timeout
    context = Settings(resolver_timeout_s=0.05).context(create_sessionmaker(engine))

    # When it is followed
    stream = await SLOW.subscribe("subscription { ticks(seconds: 0.2) }", context_value=context)
    assert not isinstance(stream, ExecutionResult)
    items = [item async for item in stream]

    # Then every item arrives, without an error
    assert [item.errors for item in items] == [None, None]
    assert [item.data for item in items] == [{"ticks": 0.2}, {"ticks": 0.2}]


async def test_the_app_applies_its_resolver_timeout(database_url: str) -> None:
    """Through the whole app: a real query held up by a real lock runs out of RESOLVER_TIMEOUT_S."""
    app = create_app(database_url, Settings(db_pool_size=2, resolver_timeout_s=0.3))
    blocker = await asyncpg.connect(loader.libpq(database_url))
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            # Given another transaction holding the task type table
            async with blocker.transaction():
                await blocker.execute("LOCK TABLE task_type IN ACCESS EXCLUSIVE MODE")
                # When a query needs it
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": "{ taskTypes { code } }"})
                elapsed = time.perf_counter() - started
            # Then the resolver is given up long before the statement timeout, masked, with the request id
            body = response.json()
            assert elapsed < 5
            assert body["errors"][0]["message"] == MASKED_MESSAGE
            assert body["errors"][0]["extensions"] == {
                "code": "INTERNAL",
                "requestId": response.headers["x-request-id"],
            }
            # And once the lock is gone the same query answers again
            again = await http.post("/graphql", json={"query": "{ taskTypes { code } }"})
            assert "errors" not in again.json(), again.json()
    finally:
        await blocker.close()


# The cancelled statement must not linger in PostgreSQL either: asyncpg sends a cancel request with the task's
# cancellation. Checked apart, since it needs the server's own view.
async def test_the_cancelled_statement_stops_in_postgres(engine: AsyncEngine, database_url: str) -> None:
    context = Settings(resolver_timeout_s=0.2).context(create_sessionmaker(engine))
    result = await SLOW.execute("{ slow(seconds: 30.5) }", context_value=context)
    assert result.errors is not None
    observer = await asyncpg.connect(loader.libpq(database_url))
    try:
        for _ in range(50):
            running = await observer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"
            )
            if running == 0:
                break
            await asyncio.sleep(0.1)
        assert running == 0
    finally:
        await observer.close()
