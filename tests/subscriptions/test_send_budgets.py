"""What a slow reader may hold: its queued messages are bounded in bytes per socket and per client address, not
only in number, and rendered payloads kept for catch-ups are bounded in bytes for the whole process. A subscriber
chooses how large each message is; without these, three slow sockets with a 6 KB selection held 167 MiB."""

import asyncio
import sys
from collections.abc import Callable

from strawberry.relay import to_base64

from openproc.settings import Settings
from subscriptions.fanout import RenderCache
from subscriptions.hub import Hub
from subscriptions.server import Server
from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk
from tests.subscriptions.asgi_client import Client
from tests.subscriptions.test_delivery_schedules import FEED, server_on

EVENTS = 40
ADDRESS = "127.0.0.1"  # every asgi_client.Client's address


async def until(client: Client, condition: Callable[[], bool]) -> None:
    """Wait for what `client` sees to meet `condition` (it notes every message and its close)."""
    async with asyncio.timeout(30):
        while True:
            client.changed.clear()
            if condition():
                return
            await client.changed.wait()


async def answered_ping(client: Client, credit: int) -> None:
    """Ping with `credit` to read, and wait for the pong or the close: the server answers a client's messages in
    order, so every operation it sent before has been taken up."""
    pongs = client.messages.count("pong")
    await client.send({"type": "ping"})
    client.give(credit)
    await until(client, lambda: client.closed is not None or client.messages.count("pong") > pongs)


async def watchers_from_now(server: Server, officers: Officers, count: int) -> list[Client]:
    city = to_base64(
        "Department", await officers.fetchval("SELECT id FROM department ORDER BY length(path), id LIMIT 1")
    )
    end = int(await officers.fetchval("SELECT max(seq) FROM event"))
    clients = [Client(server, FEED, {"department": city}, end) for _ in range(count)]
    for client in clients:
        await client.connect(end)
        await answered_ping(client, 1)
    assert server.watchers == count
    return clients


async def held_while_events_arrive(server: Server, hub: Hub, desk: Desk, officers: Officers) -> list[int]:
    """Bytes the address holds after each event the hub hands out, until EVENTS more are in the log."""
    held: list[int] = []
    start = int(await officers.fetchval("SELECT max(seq) FROM event"))
    while int(await officers.fetchval("SELECT max(seq) FROM event")) < start + EVENTS:
        await desk.register()
        await hub.read_now()
        held.append(server.addresses[ADDRESS].queued_bytes)
    return held


async def cut_off_and_resumed_exactly(client: Client) -> bool:
    """Let the reader read: True if it had been cut off, after checking it was told its exact resume point."""
    await answered_ping(client, 10_000)
    if client.closed is None:
        return False
    await client.settle()  # asserts code 1013, TOO_FAR_BEHIND and lastSequence == the last event received
    return True


async def test_a_slow_socket_is_cut_off_by_the_bytes_it_holds(hub: Hub, desk: Desk, officers: Officers) -> None:
    budget = 1_024  # about eight `next` messages of this feed; the count limit (1,000) is far off
    server = server_on(hub, Settings(ws_send_buffer=1_000, ws_send_buffer_bytes=budget, ws_init_timeout_s=60))
    (reader,) = await watchers_from_now(server, officers, 1)
    try:
        held = await held_while_events_arrive(server, hub, desk, officers)
        assert max(held) <= budget
        assert max(held) > budget // 2, "the queue filled up to the budget"
        assert held[-1] == 0, "what was queued was dropped when the reader was cut off"
        assert await cut_off_and_resumed_exactly(reader)
    finally:
        await reader.hang_up()
    assert ADDRESS not in server.addresses


async def test_the_sockets_of_one_address_share_a_budget(hub: Hub, desk: Desk, officers: Officers) -> None:
    budget = 1_024
    settings = Settings(ws_send_buffer_bytes=1024 * 1024, ws_client_buffer_bytes=budget, ws_init_timeout_s=60)
    server = server_on(hub, settings)
    readers = await watchers_from_now(server, officers, 3)
    try:
        held = await held_while_events_arrive(server, hub, desk, officers)
        assert max(held) <= budget
        cut = [await cut_off_and_resumed_exactly(reader) for reader in readers]
        assert any(cut), "no socket of the address was cut off"
    finally:
        for reader in readers:
            await reader.hang_up()


def test_the_render_cache_holds_at_most_its_bytes_least_recently_used_out_first() -> None:
    payload = "x" * 1_000
    size = sys.getsizeof(payload)
    cache = RenderCache(max_bytes=3 * size)
    for sequence in range(3):
        cache.put((1, sequence), payload)
    assert cache.get((1, 0)) == payload  # used: now the most recent
    cache.put((2, 0), payload)
    assert cache.held == 3 * size
    assert cache.get((1, 1)) is None, "the least recently used went first"
    assert cache.get((1, 0)) == payload
    assert cache.get((2, 0)) == payload
    cache.put((3, 0), "y" * (4 * size))  # larger than the whole cache: not kept, nothing evicted for it
    assert cache.get((3, 0)) is None
    assert cache.held == 3 * size
    cache.clear()
    assert cache.held == 0
    assert cache.get((1, 0)) is None
