"""Two replicas behind Debian's nginx on loopback: every watcher gets every event whichever replica it landed
on, and when one replica stops mid-stream its watchers resume on the other without losing anything; nginx caches
public GET answers no longer than their max-age."""

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from bench.queries import CASE_DETAIL
from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, START, Desk, db_id
from tests.subscriptions.servers import ROOT, ServerProcess, free_port, server
from tests.subscriptions.test_live import PROGRESS
from tests.test_persisted_queries import by_hash, persisted

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYED = ROOT / "deploy" / "nginx.conf"


def loopback_config(folder: Path, port: int, replicas: tuple[ServerProcess, ...]) -> str:
    """deploy/nginx.conf itself, with the compose names swapped for loopback replicas and its files in `folder`;
    each swap must find its place once, or the test would be checking some other configuration."""
    upstreams = "".join(f"server 127.0.0.1:{replica.port} max_fails=1 fail_timeout=30s; " for replica in replicas)
    config, swapped = re.subn(
        r"upstream openproc \{[^}]*\}", f"upstream openproc {{ {upstreams}}}", DEPLOYED.read_text()
    )
    files = f"access_log off; client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;"
    places = (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("http {", f"http {{ {files}"),
        ("/var/cache/nginx/openproc", f"{folder}/cache"),
    )
    for place, loopback in places:
        assert config.count(place) == 1, f"deploy/nginx.conf no longer has exactly one `{place}`"
        config = config.replace(place, loopback)
    assert swapped == 1, "deploy/nginx.conf no longer has one `upstream openproc`"
    assert config.count("listen ") == 1, "deploy/nginx.conf listens on more than port 80"
    user = "user root;" if os.geteuid() == 0 else ""
    return f"{user} worker_processes 1; error_log {folder}/logs/error.log warn; pid {folder}/nginx.pid;\n{config}"


@asynccontextmanager
async def balancer(folder: Path, *replicas: ServerProcess) -> AsyncIterator[int]:
    port = free_port()
    (folder / "logs").mkdir()
    config = folder / "nginx.conf"
    config.write_text(loopback_config(folder, port, replicas))
    # Starting a child does not block; we poll it over HTTP below.
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"])  # noqa: ASYNC220
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"nginx did not answer; see {folder}/logs/error.log")
        yield port
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


class ResumingWatcher:
    """A client as a page would be: it remembers the last sequence and reconnects after a 1012 close."""

    def __init__(self, url: str, receipt_no: str, after: int) -> None:
        self.url, self.receipt_no, self.last = url, receipt_no, after
        self.received: list[int] = []
        self.reconnects = 0
        self.socket: Any = None

    async def connect(self) -> None:
        self.socket = await websockets.connect(self.url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        await self.socket.send(json.dumps({"type": "connection_init"}))
        await self.socket.recv()
        await self.socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": PROGRESS, "variables": {"receiptNo": self.receipt_no, "after": self.last}},
                }
            )
        )

    async def take(self) -> int:
        while True:
            try:
                message = json.loads(await asyncio.wait_for(self.socket.recv(), 15))
            except websockets.ConnectionClosed as closed:
                if closed.rcvd is None or closed.rcvd.code != 1012:
                    raise AssertionError(f"closed without a restart code: {closed}") from closed
                self.reconnects += 1
                await self.connect()
                continue
            sequence = int(message["payload"]["data"]["caseProgress"]["sequence"])
            self.received.append(sequence)
            self.last = sequence
            return sequence


@pytest.mark.skipif(
    not Path(NGINX).exists() and not os.environ.get("CI"), reason="needs Debian's nginx (.ci/run installs it)"
)
async def test_watchers_behind_the_balancer_survive_a_replica_stopping(
    write_url: str, officers: Officers, tmp_path: Path
) -> None:
    settings = {
        "BROADCAST_URL": "redis://127.0.0.1:6379/0",
        "BROADCAST_CHANNEL": f"lb_{uuid.uuid4().hex[:8]}",
        "POLL_INTERVAL_S": "60",
    }
    async with (
        server(write_url, **settings) as first,
        server(write_url, **settings) as second,
        balancer(tmp_path, first, second) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        desk = Desk(client, officers)
        case = (await desk.register("BLD-PMT"))["case"]
        registered = (await desk.events_of(case["receiptNo"]))[-1]["sequence"]
        watchers = [ResumingWatcher(f"ws://127.0.0.1:{port}/graphql", case["receiptNo"], registered) for _ in range(6)]
        await asyncio.gather(*(watcher.connect() for watcher in watchers))
        steps = case["steps"]
        actions = [(SIGN, steps[0])] + [(query, step) for step in steps[1:4] for query in (START, SIGN)]
        for index, (query, step) in enumerate(actions):
            if index == 3:
                first.process.send_signal(signal.SIGTERM)  # one replica stops mid-stream
                await asyncio.to_thread(first.process.wait, 15)
            await desk.ok(query, db_id(step["officer"]["id"]), input={"stepId": step["id"]})
            await asyncio.gather(*(watcher.take() for watcher in watchers))
        history = [event["sequence"] for event in await desk.events_of(case["receiptNo"])]
        for watcher in watchers:
            await watcher.socket.close()

    expected = [sequence for sequence in history if sequence > registered]
    assert all(watcher.received == expected for watcher in watchers), [w.received for w in watchers]
    assert sum(watcher.reconnects for watcher in watchers) >= 1, "some watchers were on the stopped replica"


@pytest.mark.skipif(
    not Path(NGINX).exists() and not os.environ.get("CI"), reason="needs Debian's nginx (.ci/run installs it)"
)
async def test_behind_the_balancer_each_client_address_has_its_budget_and_cannot_forge_another(
    write_url: str, tmp_path: Path
) -> None:
    # As docker-compose.yml runs the replicas: they take the client's address from the balancer's address only.
    async with (
        server(write_url, RATE_ANONYMOUS_PER_MINUTE="3", FORWARDED_ALLOW_IPS="127.0.0.1") as replica,
        balancer(tmp_path, replica) as port,
    ):
        url = f"http://127.0.0.1:{port}/graphql"

        async def statuses(source: str, forged: list[str | None]) -> list[int]:
            """Anonymous queries from the loopback address `source`, each claiming to be forwarded for another."""
            transport = httpx.AsyncHTTPTransport(local_address=source)
            async with httpx.AsyncClient(transport=transport) as client:
                return [
                    (
                        await client.post(
                            url,
                            json={"query": "{ __typename }"},
                            headers={"x-forwarded-for": claimed} if claimed else {},
                        )
                    ).status_code
                    for claimed in forged
                ]

        assert await statuses("127.0.0.2", ["203.0.113.1", "127.0.0.3", None, "203.0.113.3"]) == [200, 200, 200, 429]
        # The replica sees each client's own address through the balancer, not the balancer's, and 127.0.0.2's
        # claim to be 127.0.0.3 took nothing from 127.0.0.3's budget.
        assert await statuses("127.0.0.3", [None, None, None, None]) == [200, 200, 200, 429]


CACHED_FOR_S = 2


@pytest.mark.skipif(
    not Path(NGINX).exists() and not os.environ.get("CI"), reason="needs Debian's nginx (.ci/run installs it)"
)
async def test_the_balancer_serves_a_public_answer_no_longer_than_its_max_age_after_an_event(
    write_url: str, officers: Officers, tmp_path: Path
) -> None:
    async with (
        server(write_url, HTTP_CACHE_MAX_AGE_S=str(CACHED_FOR_S)) as replica,
        balancer(tmp_path, replica) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):
        desk = Desk(http, officers)
        case = (await desk.register())["case"]
        receipt_no, first = case["receiptNo"], case["steps"][0]
        registered = await http.post(
            "/graphql", json={"query": CASE_DETAIL, "variables": {"receiptNo": receipt_no}, "extensions": persisted()}
        )
        assert "errors" not in registered.json()

        async def read() -> httpx.Response:
            return await http.get("/graphql", params=by_hash(receipt_no))

        assert (await read()).headers["x-cache-status"] == "MISS"
        assert (await read()).headers["x-cache-status"] == "HIT"
        await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
        signed = asyncio.get_running_loop().time()
        stale_until = signed
        for _ in range(400):  # paced, bounded: at most ~20 s
            answer = await read()
            if answer.json()["data"]["case"]["steps"][0]["status"] == "SIGNED":
                break
            stale_until = asyncio.get_running_loop().time()
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the balancer kept serving the answer from before the signature")
    # A stale copy only while its max-age ran: stored before the signature, expiring within max-age and the whole
    # second nginx rounds to, plus half a second for the last stale answer to reach this client.
    assert stale_until - signed <= CACHED_FOR_S + 1.5
