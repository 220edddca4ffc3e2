"""Fixtures on a real PostgreSQL: `DATABASE_URL`'s server when set, else the embedded one.

Each test run creates its own database, migrates it, loads the demo data once (the public API only reads),
and drops it at the end. A missing server is an error, never a skip.
"""

import asyncio
import gc
import io
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from websockets.asyncio.connection import Connection as WebSocketConnection

from openproc.app import create_app
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.migrate import upgrade
from openproc.settings import Settings
from resolvers.context import Context
from schema.time import SEOUL
from seed import generator, loader
from seed.generator import Dataset
from seed.scale import SCALES
from tests.helpers import Officers, StatementCounter
from tests.leaf_format import LEAVES
from tests.privacy_scan import RECORDER, CapturingHandler
from tests.schema.mutations.workflow import Desk

# The scheduled oversight round appends events on its own; tests that compare histories run it explicitly instead.
# Set before any app or server process starts, so subprocesses inherit it too.
os.environ.setdefault("OVERSIGHT_INTERVAL_S", "0")
# The ledger's key and what its signer remembers (DATA_DIR) belong to this run's databases, not to var/.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="openproc-tests-"))

# A test still running after this long gets its unfinished asyncio tasks printed (not stopped): a hang in CI then
# says where it waits, instead of only which test it is.
WATCHDOG_S = 300


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    timer = threading.Timer(WATCHDOG_S, _print_waiting_tasks, args=(item,))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


def _print_waiting_tasks(item: pytest.Item) -> None:
    stacks = io.StringIO()
    for task in [found for found in gc.get_objects() if isinstance(found, asyncio.Task) and not found.done()]:
        task.print_stack(limit=12, file=stacks)
    # Past pytest's output capture, which would hold it until the test ends: never, if it hangs.
    capture = item.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        writer = item.config.get_terminal_writer()
        writer.line(f"\n{item.nodeid} still runs after {WATCHDOG_S} s; where its asyncio tasks wait:")
        writer.line(stacks.getvalue())


@pytest.fixture(scope="session", autouse=True)
def privacy_scan() -> Iterator[None]:
    """Records what every test client receives and every log line; at the end, fails the run on any applicant
    data or resident registration number found there or in a test database's events and ledger leaves."""
    handler = CapturingHandler(RECORDER)
    root = logging.getLogger()
    root.addHandler(handler)
    saved = httpx.AsyncClient.send, httpx.Client.send, WebSocketConnection.recv
    async_send, sync_send, recv = saved

    async def send_async(self: httpx.AsyncClient, request: httpx.Request, **options: Any) -> httpx.Response:
        response = await async_send(self, request, **options)
        if not options.get("stream"):
            RECORDER.response(response.text, _described(request))
        return response

    def send_sync(self: httpx.Client, request: httpx.Request, **options: Any) -> httpx.Response:
        response = sync_send(self, request, **options)
        if not options.get("stream"):
            RECORDER.response(response.text, _described(request))
        return response

    async def receive(self: WebSocketConnection, *args: Any, **options: Any) -> Any:
        message = await recv(self, *args, **options)
        RECORDER.message(message if isinstance(message, str) else bytes(message).decode("utf-8", "replace"), "ws")
        return message

    httpx.AsyncClient.send, httpx.Client.send, WebSocketConnection.recv = send_async, send_sync, receive  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpx.AsyncClient.send, httpx.Client.send, WebSocketConnection.recv = saved  # type: ignore[method-assign]
        root.removeHandler(handler)
    # Session fixtures set up later (the databases) are torn down before this, so every database was read.
    if RECORDER.databases and not RECORDER.secrets:
        pytest.fail("the privacy scan read no applicants: it would pass whatever leaked")
    findings = RECORDER.findings()
    if findings:
        pytest.fail(RECORDER.report(), pytrace=False)
    if LEAVES.failures:
        shown = "\n".join(LEAVES.failures[:20])
        pytest.fail(
            f"{len(LEAVES.failures)} ledger leaves do not follow the published format of their version"
            f" (docs/ledger/):\n{shown}"
        )


def _described(request: httpx.Request) -> str:
    """Where a response came from, for the report; `private:` marks the answers meant for one person (see
    tests/privacy_scan.py)."""
    try:
        body = request.content.decode("utf-8", "replace")
    except httpx.RequestNotRead:
        body = ""
    # The applicant's own view (opened with the access code) and what officers see with their token, such as
    # an opinion held for moderation, are not the public API.
    private = "authorization" in request.headers or "myCase" in body
    return f"{'private: ' if private else ''}{request.method} {request.url} {body[:120]}"


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def fresh_database(purpose: str, *, migrated: bool = True) -> AsyncIterator[str]:
    server = resolve_url(Settings())
    name = f"openproc_test_{purpose}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(loader.libpq(_with_database(server, "postgres")))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(server, name)
        if migrated:
            await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await _scan_before_drop(server, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _scan_before_drop(server: str, name: str) -> None:
    """Hands the database's applicants, events and ledger leaves to the privacy scan before they are gone."""
    try:
        connection = await asyncpg.connect(loader.libpq(_with_database(server, name)))
    except asyncpg.InvalidCatalogNameError:
        return  # a test dropped it itself
    try:
        applicants = await connection.fetch(
            "SELECT name, phone, email, address FROM applicant WHERE case_id < $1",
            RECORDER.generated_from.get(name, 2**31 - 1),
        )
        locations = await connection.fetch('SELECT DISTINCT location FROM "case"')
        events = await connection.fetch("SELECT payload::text FROM event")
        leaves = await connection.fetch("SELECT convert_from(leaf, 'UTF8') FROM ledger_leaf")
        raw_leaves = [row[0] for row in await connection.fetch("SELECT leaf FROM ledger_leaf")]
    except asyncpg.UndefinedTableError:
        return  # migrated down by its test: nothing left to scan
    finally:
        await connection.close()
    RECORDER.database(
        name, applicants, [row[0] for row in events] + [row[0] for row in leaves], [row[0] for row in locations]
    )
    LEAVES.database(name, raw_leaves)


async def load_demo(url: str, as_of: datetime) -> Dataset:
    connection = await loader.connect(url)
    try:
        dataset = generator.generate(SCALES["demo"], as_of, await loader.holidays(connection), seed=7)
        await loader.write(connection, dataset, reset=False)
    finally:
        await connection.close()
    return dataset


@pytest.fixture(scope="module")
async def empty_url() -> AsyncIterator[str]:
    """A database with nothing in it, not even the tables: what a newcomer's first `make run` starts from."""
    async for url in fresh_database("empty", migrated=False):
        yield url


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A database only read by the tests, so they can compare the API against the generated rows."""
    async for url in fresh_database("read"):
        yield url


@pytest.fixture(scope="session")
def as_of() -> datetime:
    return datetime.now(SEOUL).replace(microsecond=0)


@pytest.fixture(scope="session")
async def demo(database_url: str, as_of: datetime) -> Dataset:
    """The demo data set, loaded into the test database; tests read its rows to know what to expect."""
    return await load_demo(database_url, as_of)


@pytest.fixture(scope="session")
async def engine(database_url: str, demo: Dataset) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, Settings(db_pool_size=8))
    yield engine
    await engine.dispose()


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


@pytest.fixture
def context(engine: AsyncEngine) -> Context:
    return Settings().context(create_sessionmaker(engine))


@pytest.fixture(scope="session")
async def client(database_url: str, demo: Dataset) -> AsyncIterator[httpx.AsyncClient]:
    """The whole ASGI app (Starlette + Strawberry) over in-process HTTP."""
    app = create_app(database_url, Settings(db_pool_size=8))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield http


@pytest.fixture(scope="session")
async def write_url(as_of: datetime) -> AsyncIterator[str]:
    """A second database with the demo data, for the tests that change things."""
    async for url in fresh_database("write"):
        await load_demo(url, as_of)
        yield url


@pytest.fixture(scope="session")
async def write_app(write_url: str) -> AsyncIterator[Starlette]:
    # No in-flight cap: the concurrency tests (1,000 signings from 20 clients) test the workflow and the ledger,
    # not admission, which tests/test_admission.py covers against a real server.
    # Webhook receivers in the tests listen on loopback, which only an operator's allow-list opens.
    settings = Settings(
        db_pool_size=12, rate_signings_per_minute=1_000_000, max_in_flight=0, webhook_allowed_hosts="127.0.0.1"
    )
    app = create_app(write_url, settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def writer(write_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the writable app; each test gets its own, so rate limits do not carry over."""
    await write_app.state.limiter.reset()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=write_app), base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
async def officers(write_url: str) -> Officers:
    return Officers(write_url)


@pytest.fixture
def desk(writer: httpx.AsyncClient, officers: Officers) -> Desk:
    """Officers at work on the writable app."""
    return Desk(writer, officers)
