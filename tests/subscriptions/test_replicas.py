"""Two server processes on one database: a watcher on one sees what is signed through the other, over
Redis or LISTEN/NOTIFY, and keeps every event in order when the bus connection dies or Redis restarts.

The servers poll the log only once a minute here, so anything delivered sooner came through the bus.
"""

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, START, Desk, db_id
from tests.subscriptions.servers import ServerProcess, Watcher, server
from tests.subscriptions.test_live import PROGRESS

REDIS = "redis://127.0.0.1:6379/0"


def bus_url(kind: str, write_url: str, name: str) -> str:
    if kind == "redis":
        return REDIS
    # The application name lets the fault test find (and kill) exactly these LISTEN connections.
    return make_url(write_url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


@asynccontextmanager
async def replicas(write_url: str, kind: str) -> AsyncIterator[tuple[ServerProcess, ServerProcess, str]]:
    name = f"openproc_bus_{uuid.uuid4().hex[:8]}"
    settings = {"BROADCAST_URL": bus_url(kind, write_url, name), "BROADCAST_CHANNEL": name, "POLL_INTERVAL_S": "60"}
    async with server(write_url, **settings) as first, server(write_url, **settings) as second:
        yield first, second, name


@asynccontextmanager
async def desk_on(replica: ServerProcess, officers: Officers) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{replica.port}") as client:
        yield Desk(client, officers)


async def _line(desk: Desk) -> tuple[str, list[tuple[str, int, str]]]:
    """A new case and the actions that take its first three steps forward: (operation, officer, step id)."""
    case = (await desk.register())["case"]
    steps = case["steps"]
    actions = [(SIGN, steps[0])]
    for step in steps[1:3]:
        actions += [(START, step), (SIGN, step)]
    return case["receiptNo"], [(query, db_id(step["officer"]["id"]), step["id"]) for query, step in actions]


@pytest.mark.parametrize("kind", ["redis", "postgres"])
async def test_a_watcher_on_one_replica_sees_a_signature_on_the_other(
    write_url: str, officers: Officers, kind: str
) -> None:
    async with replicas(write_url, kind) as (first, second, _), desk_on(second, officers) as desk:
        receipt_no, actions = await _line(desk)
        # `after` pins where the stream starts: a subscribe message and a signature race otherwise.
        registered = (await desk.events_of(receipt_no))[-1]["sequence"]
        watcher = await Watcher.open(first.ws, PROGRESS, receiptNo=receipt_no, after=registered)
        query, officer, step_id = actions[0]
        await desk.ok(query, officer, input={"stepId": step_id})

        event = (await watcher.next(within=5))["caseProgress"]
        await watcher.close()
    assert (event["type"], event["step"]["sequence"]) == ("STEP_SIGNED", 1)


async def _kill_listeners(officers: Officers, name: str) -> int:
    killed = await officers.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", name
    )
    return len(killed)


def _restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True, timeout=10)
    folder = "/var/lib/redis" if Path("/var/lib/redis").is_dir() else "/tmp"
    log = "/var/log/redis/ci.log" if Path("/var/log/redis").is_dir() else "/tmp/openproc-redis.log"
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
            "--logfile",
            log,
        ],
        check=True,
        timeout=10,
    )
    for _ in range(50):
        if (
            subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, timeout=5).stdout.strip()
            == b"PONG"
        ):
            return
        subprocess.run(["sleep", "0.1"], check=True)
    raise RuntimeError("redis did not come back")


@pytest.mark.parametrize("kind", ["redis", "postgres"])
async def test_every_event_arrives_in_order_through_bus_failures(write_url: str, officers: Officers, kind: str) -> None:
    async with replicas(write_url, kind) as (first, second, name), desk_on(second, officers) as desk:
        receipt_no, actions = await _line(desk)
        registered = (await desk.events_of(receipt_no))[-1]["sequence"]
        watcher = await Watcher.open(first.ws, PROGRESS, receiptNo=receipt_no, after=registered)
        received: list[int] = []
        for index, (query, officer, step_id) in enumerate(actions):
            if index == 1:
                # Mid-stream, the bus goes away under both replicas.
                if kind == "redis":
                    await asyncio.to_thread(_restart_redis)
                else:
                    assert await _kill_listeners(officers, name) >= 2
            await desk.ok(query, officer, input={"stepId": step_id})
            received.append((await watcher.next(within=15))["caseProgress"]["sequence"])
        await watcher.close()
        history = [event["sequence"] for event in await desk.events_of(receipt_no)]

    assert received == history[1:], "every event after registration, in order, none twice"
