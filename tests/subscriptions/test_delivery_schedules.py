"""Nothing lost, nothing doubled: seeded random schedules of events, slow readers, joins while a group registers,
closes and resumes, against the real log in PostgreSQL.

The subscription server runs in this process with its own hub on the writable database; its clients speak
graphql-transport-ws over ASGI messages, and each reads only when the schedule gives it credit, so the server's
small send buffer overflows for real. Whatever happens, every client's received sequences, joined across its
reconnections, must equal the log's after the point it first asked for — and a client cut off for being too far
behind must be told exactly the last sequence it received.
"""

import asyncio
import random

import pytest
from strawberry.relay import to_base64

from openproc.settings import Settings
from resolvers.context import Context, Headers
from subscriptions.hub import Hub
from subscriptions.server import Server
from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.asgi_client import Client

FEED = """
subscription($department: ID, $after: Int) { events(filter: {departmentId: $department}, after: $after) { sequence } }
"""
SEND_BUFFER = 4


async def unlimited(token: str | None, client: str) -> None:
    """No anonymous budget: these clients test delivery, not rate limits."""


def server_on(hub: Hub, settings: Settings | None = None) -> Server:
    sessions = hub.sessions
    settings = settings or Settings(ws_send_buffer=SEND_BUFFER, ws_init_timeout_s=60)

    def context_for(token: str | None, client: str, response_headers: Headers | None = None) -> Context:
        return Settings().context(sessions, token=token, client=client, response_headers=response_headers)

    return Server(
        hub,
        sessions,
        context_for,
        unlimited,
        settings.socket_limits(),
    )


async def test_nothing_is_sent_for_an_operation_after_its_complete(hub: Hub, officers: Officers, desk: Desk) -> None:
    await desk.register()
    end = int(await officers.fetchval("SELECT max(seq) FROM event"))
    city = to_base64(
        "Department", await officers.fetchval("SELECT id FROM department ORDER BY length(path), id LIMIT 1")
    )
    # Given a reader that has taken one event of a long replay and holds the rest in the server's queue,
    client = Client(server_on(hub), FEED, {"department": city}, end - 50)
    await client.connect(end - 50)
    client.give(1)
    async with asyncio.timeout(30):
        while not client.received:
            await client.changed.wait()
            client.changed.clear()

    # when it completes the operation and pings,
    await client.send({"id": "1", "type": "complete"})
    await client.send({"type": "ping"})
    client.give(10_000)
    async with asyncio.timeout(30):
        while "pong" not in client.messages:
            await client.changed.wait()
            client.changed.clear()
    await client.hang_up()

    # then at most the one message the server was already writing came before the pong, and nothing after.
    before_pong = client.messages[1 : client.messages.index("pong")]
    assert len(before_pong) <= 1
    assert client.messages[-1] == "pong"


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_client_receives_exactly_the_log(seed: int, hub: Hub, desk: Desk, officers: Officers) -> None:
    rng = random.Random(seed)
    server = server_on(hub)
    city = to_base64(
        "Department", await officers.fetchval("SELECT id FROM department ORDER BY length(path), id LIMIT 1")
    )
    clients: list[Client] = []
    open_steps: list[tuple[int, str]] = []

    async def event() -> None:
        if open_steps and rng.random() < 0.6:
            officer, step = open_steps.pop(rng.randrange(len(open_steps)))
            await desk.ok(SIGN, officer, input={"stepId": step})
        else:
            case = (await desk.register())["case"]
            first = case["steps"][0]
            open_steps.append((db_id(first["officer"]["id"]), first["id"]))
        hub.wake()

    async def log_end() -> int:
        return int(await officers.fetchval("SELECT coalesce(max(seq), 0) FROM event"))

    try:
        for _ in range(60):
            roll = rng.random()
            if roll < 0.35:
                await event()
            elif roll < 0.5 or not clients:
                # Joins land together, often on a group still registering, sometimes with an event in flight.
                end = await log_end()
                joining = [
                    Client(server, FEED, {"department": city}, rng.choice([None, end, max(0, end - rng.randrange(8))]))
                    for _ in range(rng.randint(1, 3))
                ]
                clients += joining
                await asyncio.gather(
                    *(client.connect(client.first_after) for client in joining),
                    *([event()] if rng.random() < 0.5 else []),
                )
            elif roll < 0.8:
                rng.choice(clients).give(rng.randint(0, 3))
            elif roll < 0.88:
                await rng.choice(clients).resume()
            for _ in range(rng.randint(0, 5)):
                await asyncio.sleep(0)
            for client in clients:
                await client.settle()

        # Then one more event, which every client must get (those that joined "from now" too), and every reader
        # catches up to the end of the log.
        await event()
        end = await log_end()
        for client in clients:
            client.give(10_000_000)
        async with asyncio.timeout(60):
            while any(client.closed is not None or (client.received or [0])[-1] < end for client in clients):
                for client in clients:
                    await client.settle()
                    client.give(10_000_000)
                await asyncio.sleep(0.01)

        for client in clients:
            first = client.first_after if client.first_after is not None else client.received[0] - 1
            log = [
                row["seq"] for row in await officers.fetch("SELECT seq FROM event WHERE seq > $1 ORDER BY seq", first)
            ]
            assert client.received == log, (
                f"seed {seed}: a client after {client.first_after} ({client.resumes} resumes)"
            )
        assert any(client.cut_off for client in clients), "the schedule never cut a slow reader off"
    finally:
        for client in clients:
            await client.hang_up()
