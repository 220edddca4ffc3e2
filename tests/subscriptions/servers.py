"""Real server processes for the subscription tests, and a raw `graphql-transport-ws` client."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@asynccontextmanager
async def server(database_url: str, *arguments: str, **settings: str) -> AsyncIterator[ServerProcess]:
    """`openproc serve [arguments]` in its own process, on a free loopback port, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
        "RATE_SIGNINGS_PER_MINUTE": "100000",
        **settings,
    }
    process = subprocess.Popen(  # noqa: ASYNC220 (starting a child does not block; waiting for it is polled)
        [sys.executable, "-m", "openproc.cli", "serve", "--port", str(port), "--no-demo", *arguments],
        cwd=ROOT,
        env=env,
    )
    running = ServerProcess(process, port)
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited with {process.returncode}")
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start within 30 s")
                await asyncio.sleep(0.1)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()  # reaped, so nothing is left running behind the test


class Watcher:
    """One raw graphql-transport-ws connection with one subscription."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, url: str, query: str, **variables: Any) -> "Watcher":
        connection = await websockets.connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init"}))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ack == {"type": "connection_ack"}
        await connection.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
        )
        return cls(connection)

    async def next(self, within: float = 10) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.connection.recv(), within))
        assert message["type"] == "next", message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def close(self) -> None:
        await self.connection.close()
