"""The in-flight cap: past MAX_IN_FLIGHT a request waits briefly, then gets 503; probes, metrics and sockets pass."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openproc.admission import AdmissionMiddleware
from seed import loader
from seed.generator import Dataset
from tests.subscriptions.servers import Watcher, server

CASE = "query($receiptNo: String!) { case(receiptNo: $receiptNo) { receiptNo status } }"
FEED = "subscription { events { sequence } }"


async def _wait_for_lock_waiter(connection: asyncpg.Connection) -> None:
    """Until some session waits for the lock on "case": the held request is then inside the server."""
    deadline = time.monotonic() + 10
    query = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '\"case\"'::regclass"
    while not await connection.fetchval(query):
        assert time.monotonic() < deadline, "the held request never reached the database"
        await asyncio.sleep(0.02)


async def test_a_full_server_refuses_soon_and_recovers(database_url: str, demo: Dataset) -> None:
    # Given a server that works on one request at a time, held inside PostgreSQL by a lock on the case table
    locker = await asyncpg.connect(loader.libpq(database_url))
    try:
        receipt = await locker.fetchval('SELECT receipt_no FROM "case" ORDER BY id LIMIT 1')
        body = {"query": CASE, "variables": {"receiptNo": receipt}}
        async with (
            server(database_url, MAX_IN_FLIGHT="1", ADMISSION_WAIT_S="0.05") as running,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}", timeout=30) as http,
        ):
            transaction = locker.transaction()
            await transaction.start()
            await locker.execute('LOCK TABLE "case" IN ACCESS EXCLUSIVE MODE')
            held = asyncio.create_task(http.post("/graphql", json=body))
            await _wait_for_lock_waiter(locker)

            # When another request arrives
            refused = await http.post("/graphql", json=body)

            # Then, after its short wait for a place, it is refused in the shape of the API's other errors
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert refused.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
            assert not held.done()
            # and the probes, the metrics and a new WebSocket are not counted against the cap
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/metrics")).status_code == 200
            watcher = await Watcher.open(running.ws, FEED)
            await watcher.close()

            # And once the held request is answered, the next one is admitted
            await transaction.rollback()
            answered = await held
            assert answered.status_code == 200
            assert answered.json()["data"]["case"]["receiptNo"] == receipt
            assert (await http.post("/graphql", json=body)).status_code == 200
    finally:
        await locker.close()


async def test_a_failed_request_frees_its_place() -> None:
    # Given a cap of one and a route that fails
    async def broken(_: Request) -> Response:
        raise RuntimeError("boom")

    admission = AdmissionMiddleware(Starlette(routes=[Route("/broken", broken)]), limit=1)
    transport = httpx.ASGITransport(app=admission)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        # When it fails twice in a row
        for _ in range(2):
            with pytest.raises(RuntimeError):
                await http.get("/broken")

    # Then neither failure kept its place: the second was admitted, and nothing is left in flight
    assert admission.in_flight == 0
    assert admission.refused == 0


@dataclass
class Held:
    """A cap of one, taken by a first request to /held that is answered only once `release` is set."""

    admission: AdmissionMiddleware
    http: httpx.AsyncClient
    first: asyncio.Task[httpx.Response]
    release: asyncio.Event


@asynccontextmanager
async def one_held(wait_s: float) -> AsyncIterator[Held]:
    entered, release = asyncio.Event(), asyncio.Event()

    async def held(_: Request) -> Response:
        entered.set()
        await release.wait()
        return Response("done")

    admission = AdmissionMiddleware(Starlette(routes=[Route("/held", held)]), limit=1, wait_s=wait_s)
    transport = httpx.ASGITransport(app=admission)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        first = asyncio.create_task(http.get("/held"))
        await entered.wait()
        yield Held(admission, http, first, release)


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop until `condition` holds; the other requests run in the same loop."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_a_burst_waits_for_a_place_in_arrival_order() -> None:
    # Given a cap of one, taken by a held request, and a wait long enough for it to finish
    async with one_held(wait_s=30) as held:
        # When a second request arrives, it waits rather than being refused
        second = asyncio.create_task(held.http.get("/held"))
        await _until(lambda: len(held.admission.waiting) == 1)
        assert not second.done()

        # Then both are served once the first is done, and the place is given back
        held.release.set()
        assert (await held.first).status_code == 200
        assert (await second).status_code == 200
    assert held.admission.in_flight == 0
    assert held.admission.refused == 0


async def test_without_a_wait_the_excess_is_refused_at_once() -> None:
    # Given a cap of one, taken, and no wait
    async with one_held(wait_s=0) as held:
        # When another request arrives, then it is refused while the first still runs
        refused = await held.http.get("/held")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert not held.first.done()
        held.release.set()
        assert (await held.first).status_code == 200
    assert held.admission.refused == 1
    assert held.admission.in_flight == 0


async def test_after_a_vain_wait_the_excess_is_refused_without_waiting() -> None:
    # Given a cap of one, taken by a held request, and a short wait
    async with one_held(wait_s=0.01) as held:
        # When one request waits in vain
        assert (await held.http.get("/held")).status_code == 503
        assert held.admission.shedding_until > 0

        # Then the next is refused without joining the queue: were it to wait now, it would wait 30 s
        held.admission.wait_s = 30
        refused = await asyncio.wait_for(held.http.get("/held"), 5)
        assert refused.status_code == 503
        assert not held.admission.waiting
        # and the held one still finishes
        held.release.set()
        assert (await held.first).status_code == 200
    assert held.admission.refused == 2
    assert held.admission.in_flight == 0
