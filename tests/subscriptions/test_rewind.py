"""A log that moves backwards under a running process (its database replaced, or restored from an older backup):
the process notices at its next read, stays unready until it has read the new log once, and closes every socket
with 1012 so that watchers subscribe again, instead of waiting in silence for sequence numbers that never come."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
import httpx
import pytest
from strawberry.relay import to_base64

from openproc.app import create_app
from openproc.settings import Settings
from seed import loader
from subscriptions.protocol import LOG_REPLACED
from tests.conftest import fresh_database, load_demo
from tests.subscriptions.asgi_client import Client
from tests.subscriptions.test_delivery_schedules import FEED


@pytest.fixture
async def replaceable(as_of: datetime) -> AsyncIterator[str]:
    async for url in fresh_database("rewind"):
        await load_demo(url, as_of)
        yield url


async def test_a_replaced_log_is_noticed_and_every_watcher_starts_over(replaceable: str) -> None:
    # Reads happen only when this test wakes the hub (no poll in between), so each step can be looked at.
    app = create_app(replaceable, Settings(db_pool_size=2, poll_interval_s=3600))
    database = await asyncpg.connect(loader.libpq(replaceable))
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            await app.state.checkpointer.stop()  # the test signs when it looks
            end = int(await database.fetchval("SELECT max(seq) FROM event"))
            root = await database.fetchval("SELECT id FROM department ORDER BY length(path), id LIMIT 1")
            watcher = Client(app.state.live, FEED, {"department": to_base64("Department", root)}, end)
            await watcher.connect(end)
            watcher.give(100)
            await asyncio.wait_for(app.state.hub.read_now(), 30)
            await app.state.checkpointer.sign_now()
            before = await http.get("/readyz")

            # When the log is replaced by an empty one and the hub next reads it,
            await database.execute("TRUNCATE event CASCADE")
            await database.execute("UPDATE event_counter SET last_seq = 0")
            await asyncio.wait_for(app.state.hub.read_now(), 30)
            during = await http.get("/readyz")
            async with asyncio.timeout(30):
                while watcher.closed is None:
                    await watcher.changed.wait()
                    watcher.changed.clear()
            await asyncio.wait_for(app.state.hub.read_now(), 30)
            after = await http.get("/readyz")
            # For the ledger a replaced log is a fork: its signer refuses to sign the new tree (tests/ledger).
            await app.state.checkpointer.sign_now()
            unsigned = await http.get("/readyz")
    finally:
        await database.close()

    # then the watcher was told to start over, and the process was unready until it had read the new log.
    assert (before.status_code, before.json()["log"]) == (200, "ok")
    assert watcher.closed == LOG_REPLACED[0]
    assert (during.status_code, during.json()["log"]) == (503, "resyncing")
    assert (after.status_code, after.json()["log"]) == (200, "ok")
    assert unsigned.status_code == 503
    assert unsigned.json()["ledger"].startswith("refusing to sign: the tree has 0 leaves, fewer than the")
    assert app.state.hub.last_sequence == 0
