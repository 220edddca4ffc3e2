"""A tlog-tiles client written apart from OPEN (tlog-scales, from PyPI) follows the served log: it verifies the
checkpoint's signature, rebuilds the root from tiles and proves leaves from entry bundles, through a real server
process over HTTP as any monitor would."""

import asyncio
import random
import time
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from tlog_scales import tiles
from tlog_scales.backend import HttpBackend
from tlog_scales.reader import TilesReader
from tlog_scales.signing import Vkey

from tests.conftest import fresh_database, load_demo
from tests.subscriptions.servers import ServerProcess, server

SAMPLES = 8


@pytest.fixture(scope="module")
async def serving(as_of: datetime) -> AsyncIterator[ServerProcess]:
    async for url in fresh_database("tiles_interop"):
        await load_demo(url, as_of)
        async with server(url) as running:
            yield running


async def signed(base: str) -> None:
    """Until the server's signer has signed the demo's log (it signs at start), within 30 s."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base) as http:
        while (await http.get("/checkpoint")).text.split("\n")[1] in ("", "0"):
            assert time.monotonic() < deadline, "no checkpoint of the demo's log was signed"
            await asyncio.sleep(0.1)  # polling the public endpoint, as a monitor does


def follow(base: str, key: str) -> tuple[int, int]:
    """What the outside client checks; returns (the checkpoint's size, leaves proven)."""
    reader = TilesReader(HttpBackend(base))
    checkpoint = reader.get_checkpoint()
    checkpoint.verify(Vkey.from_string(key))
    assert reader.calculate_root_hash() == checkpoint.root_hash
    picks = random.Random(6962).sample(range(checkpoint.size), SAMPLES)
    for index in picks:
        proof = reader.get_inclusion_proof(index, checkpoint.size)
        proof.check(tiles.leaf_hash(reader.get_entry(index)), checkpoint.root_hash)
    return checkpoint.size, len(picks)


async def test_an_outside_tlog_tiles_client_follows_the_log(serving: ServerProcess) -> None:
    base = f"http://127.0.0.1:{serving.port}/ledger"
    await signed(base)
    async with httpx.AsyncClient() as http:
        key = (await http.get(f"{base}/key")).text.strip()

    # The library is synchronous (requests): it runs in a thread, as it would in a monitor of its own.
    size, proven = await asyncio.to_thread(follow, base, key)

    assert size > 256, "full tiles and partial ones were read"
    assert proven == SAMPLES
