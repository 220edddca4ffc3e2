"""A PostgreSQL primary and a hot standby of it (streaming replication), made by a test on loopback ports with
Debian's PostgreSQL binaries. PostgreSQL refuses to run as root, so as root they run as the `postgres` user."""

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.subscriptions.servers import free_port

INSTALLED = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))


def binary(name: str) -> str:
    if not INSTALLED:
        raise RuntimeError("the standby tests need Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin)")
    return str(INSTALLED[-1].parent / name)


async def run(*command: str) -> None:
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = await asyncio.to_thread(subprocess.run, [*as_postgres, *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


@dataclass
class Cluster:
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.data.with_suffix(".log")
        await run(binary("pg_ctl"), "-D", str(self.data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")

    async def stop(self) -> None:
        await run(binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def execute(self, statement: str, database: str = "postgres") -> object:
        connection = await asyncpg.connect(self.url(database))
        try:
            return await connection.fetchval(statement)
        finally:
            await connection.close()


@asynccontextmanager
async def primary() -> AsyncIterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="openproc-standby-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root / "primary", free_port())
    try:
        await run(binary("initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "--no-sync")
        await cluster.start()
        try:
            yield cluster
        finally:
            await cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@asynccontextmanager
async def standby_of(source: Cluster) -> AsyncIterator[Cluster]:
    """A hot standby streaming from `source` (pg_basebackup -R), beside it; it may be stopped and started again."""
    cluster = Cluster(source.data.parent / f"standby-{free_port()}", free_port())
    await run(
        binary("pg_basebackup"),
        *("-h", "127.0.0.1", "-p", str(source.port), "-U", "postgres", "-D", str(cluster.data)),
        *("-R", "-X", "stream", "--no-sync", "--checkpoint=fast"),
    )
    await cluster.start()
    try:
        yield cluster
    finally:
        if await asyncio.to_thread((cluster.data / "postmaster.pid").exists):
            await cluster.stop()
