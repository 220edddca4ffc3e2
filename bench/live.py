"""Subscription benchmark: sign-to-push latency, fan-out to 1,000–10,000 watchers, memory per watcher.

    make bench-live            # or: .venv/bin/python -m bench.live [--watchers 1000 5000 10000]

It creates a throwaway database (on DATABASE_URL's server, else the embedded one) with the demo data, starts
one `openproc serve` process on a loopback port, and drives it from this process: HTTP for signing, raw
graphql-transport-ws for watching. Times are taken against the event's `recordedAt`, stamped by the server in
the signing transaction just before it commits (same machine, same clock).
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import websockets
from sqlalchemy.engine import make_url

from bench import ws_client
from bench.harness import Tokens, db_id, percentile, raise_file_limit, rss_kib
from openproc.database import resolve_url
from openproc.migrate import upgrade
from openproc.settings import Settings
from seed import generator, loader
from seed.scale import SCALES

ROOT = Path(__file__).resolve().parents[1]
FEED = "subscription { events(filter: {types: [STEP_SIGNED]}) { sequence recordedAt step { sequence } } }"
PROGRESS = """
subscription($receiptNo: String!) {
  caseProgress(receiptNo: $receiptNo) {
    sequence type recordedAt case { status currentStep { sequence name officer { name } } }
    step { sequence status signedAt officer { name title } }
  }
}
"""
REGISTER = """
mutation($input: RegisterCaseInput!) {
  registerCase(input: $input) { ... on RegisteredCase { case { receiptNo steps { id status officer { id } } } } }
}
"""
START = "mutation($id: ID!) { startStep(input: {stepId: $id}) { __typename } }"
SIGN = "mutation($id: ID!) { signStep(input: {stepId: $id}) { __typename } }"
APPLICANT = {"name": "벤치마크", "phone": "010-0000-0000", "email": "bench@example.com", "address": "서울"}


class Bench:
    def __init__(self, url: str, port: int, pid: int) -> None:
        self.db_url, self.port, self.pid = url, port, pid
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
        self.officers = Tokens(url)

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    async def token(self, officer_gid: str) -> str:
        return await self.officers.of(db_id(officer_gid))

    async def call(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body = (await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return dict(body["data"])

    async def register(self, clerk_token: str) -> dict[str, Any]:
        data = await self.call(
            REGISTER,
            clerk_token,
            input={
                "taskTypeCode": "BLD-RPT",
                "title": "벤치마크 건축신고",
                "location": "서울특별시 중구 세종대로 110",
                "applicant": APPLICANT,
            },
        )
        return dict(data["registerCase"]["case"])

    async def clerk_token(self) -> str:
        connection = await asyncpg.connect(loader.libpq(self.db_url))
        try:
            officer_id = await connection.fetchval(
                "SELECT o.id FROM officer o JOIN department d ON d.id = o.department_id "
                "WHERE d.level = 'team' AND o.role = 'officer' ORDER BY o.id LIMIT 1"
            )
        finally:
            await connection.close()
        return await self.officers.of(officer_id)


async def watcher(url: str, query: str, variables: dict[str, Any]) -> Any:
    connection = await websockets.connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=None,
        max_queue=4,
    )
    await connection.send(json.dumps({"type": "connection_init"}))
    await connection.recv()
    await connection.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
    )
    return connection


async def latency(bench: Bench, signings: int) -> None:
    clerk = await bench.clerk_token()
    socket = await watcher(bench.ws, FEED, {})
    await asyncio.sleep(0.3)
    push_ms: list[float] = []
    round_trip_ms: list[float] = []
    while len(push_ms) < signings:
        case = await bench.register(clerk)
        for index, step in enumerate(case["steps"]):
            token = await bench.token(step["officer"]["id"])
            if index:
                await bench.call(START, token, id=step["id"])
            sent = time.time()
            await bench.call(SIGN, token, id=step["id"])
            message = json.loads(await asyncio.wait_for(socket.recv(), 10))
            received = time.time()
            if message["type"] != "next":
                raise RuntimeError(f"the watcher got {message}")
            recorded = datetime.fromisoformat(message["payload"]["data"]["events"]["recordedAt"]).timestamp()
            push_ms.append((received - recorded) * 1000)
            round_trip_ms.append((received - sent) * 1000)
    await socket.close()
    print(
        f"single watcher, {len(push_ms)} signings: commit→push p50 {percentile(push_ms, 0.5):.1f} ms, "
        f"p99 {percentile(push_ms, 0.99):.1f} ms; sign request→push p50 {percentile(round_trip_ms, 0.5):.1f} ms, "
        f"p99 {percentile(round_trip_ms, 0.99):.1f} ms"
    )


async def fan_out(bench: Bench, watchers: int) -> None:
    clerk = await bench.clerk_token()
    case = await bench.register(clerk)
    baseline = rss_kib(bench.pid)
    started = time.time()
    sockets: list[ws_client.Watcher] = []
    for start in range(0, watchers, 250):
        sockets += await asyncio.gather(
            *(
                ws_client.open_watcher("127.0.0.1", bench.port, PROGRESS, {"receiptNo": case["receiptNo"]})
                for _ in range(min(250, watchers - start))
            )
        )
    connect_s = time.time() - started
    await asyncio.sleep(2)  # the subscribe messages are in flight; let the server settle before reading its memory
    per_watcher = (rss_kib(bench.pid) - baseline) * 1024 / watchers

    step = case["steps"][0]
    await bench.call(SIGN, await bench.token(step["officer"]["id"]), id=step["id"])
    await asyncio.wait_for(asyncio.gather(*(socket.arrived.wait() for socket in sockets)), 60)
    recorded = await asyncpg_recorded(bench.db_url, case["receiptNo"])
    arrivals = [socket.messages[0][0] for socket in sockets]
    assert all('"STEP_SIGNED"' in socket.messages[0][1] for socket in sockets), sockets[0].messages[0][1][:300]
    first, last = min(arrivals) - recorded, max(arrivals) - recorded
    print(
        f"{watchers:>6} watchers of one case: commit→first {first * 1000:.0f} ms, commit→last {last * 1000:.0f} ms; "
        f"server memory {per_watcher / 1024:.1f} KB per idle watcher (connected in {connect_s:.1f} s)"
    )
    for socket in sockets:
        socket.close()
    await asyncio.sleep(1)


async def asyncpg_recorded(db_url: str, receipt_no: str) -> float:
    connection = await asyncpg.connect(loader.libpq(db_url))
    try:
        recorded = await connection.fetchval(
            'SELECT recorded_at FROM event e JOIN "case" c ON c.id = e.case_id WHERE c.receipt_no = $1 '
            "AND e.type = 'step_signed' ORDER BY seq DESC LIMIT 1",
            receipt_no,
        )
    finally:
        await connection.close()
    return float(recorded.timestamp())


async def prepare(server_url: str, scale: str = "demo") -> str:
    """A new database beside `server_url`'s, migrated and seeded at `scale` (as of now); returns its URL."""
    name = f"openproc_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(loader.libpq(make_url(server_url).set(database="postgres").render_as_string(False)))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    connection = await loader.connect(url)
    try:
        from schema.time import SEOUL

        dataset = generator.generate(SCALES[scale], datetime.now(SEOUL), await loader.holidays(connection))
        await loader.write(connection, dataset, reset=False)
    finally:
        await connection.close()
    return url


async def drop(url: str) -> None:
    admin = await asyncpg.connect(loader.libpq(make_url(url).set(database="postgres").render_as_string(False)))
    await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    await admin.close()


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "warning",
        "RATE_SIGNINGS_PER_MINUTE": "100000",
        "WS_MAX_CONNECTIONS_PER_CLIENT": "100000",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "openproc.cli", "serve", "--no-demo", "--port", str(port)], cwd=ROOT, env=env
    )


async def wait_until_up(port: int) -> None:
    async with httpx.AsyncClient() as probe:
        for _ in range(300):
            try:
                if (await probe.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def on_fresh_server(url: str, port: int, scenario: str, size: int) -> None:
    """Each scenario gets its own server process, so memory figures start from a clean heap."""
    server = start_server(url, port)
    try:
        await wait_until_up(port)
        bench = Bench(url, port, server.pid)
        if scenario == "latency":
            await latency(bench, size)
        else:
            await fan_out(bench, size)
        await bench.http.aclose()
    finally:
        server.send_signal(signal.SIGINT)  # a clean exit, so a profile (BENCH_PROFILE=file) gets written
        await asyncio.to_thread(server.wait, 30)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signings", type=int, default=200)
    parser.add_argument("--watchers", type=int, nargs="*", default=[1_000, 5_000, 10_000])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    raise_file_limit(max(args.watchers, default=0) + 1_000)

    url = await prepare(resolve_url(Settings()))
    try:
        await on_fresh_server(url, args.port, "latency", args.signings)
        for watchers in args.watchers:
            await on_fresh_server(url, args.port, "fan-out", watchers)
    finally:
        await drop(url)


if __name__ == "__main__":
    asyncio.run(main())
