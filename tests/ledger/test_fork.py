"""The signer never signs a rewritten history: the attack of issue 17 (one event and its leaf changed, every
ancestor hash recomputed, one honest event added) done in PostgreSQL under a running server, then again after a
restart with the checkpoint table emptied to hide the earlier signature."""

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
import rfc8785
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from ledger import merkle
from ledger.leaf import instant
from openproc.app import create_app
from openproc.settings import Settings
from seed import loader
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk


@pytest.fixture
async def forkable(as_of: datetime) -> AsyncIterator[str]:
    async for url in fresh_database("fork"):
        await load_demo(url, as_of)
        yield url


@contextlib.asynccontextmanager
async def serving(url: str, data_dir: Path) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with its signer driven by the test alone: the background rounds (woken by every commit) are
    stopped, so each `sign_now` is the only signing there is."""
    app = create_app(url, Settings(db_pool_size=2, data_dir=data_dir))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        await app.state.checkpointer.stop()
        yield app, http


def _refusals() -> float:
    return REGISTRY.get_sample_value("openproc_ledger_signing_refusals_total") or 0.0


def _root_of(leaves: list[bytes]) -> bytes:
    """RFC 6962's MTH over the leaves, computed from nothing but them."""
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    middle = merkle.split(len(leaves))
    return merkle.node_hash(_root_of(leaves[:middle]), _root_of(leaves[middle:]))


def _size(note: str) -> int:
    return int(note.splitlines()[1])


async def _rewrite_leaf(database: asyncpg.Connection, index: int) -> None:
    """Change event index+1 and its leaf, and recompute every stored ancestor hash, as an attacker would."""
    # A plausible forgery (the leaf still follows the published format): the event happened an hour earlier.
    moment = await database.fetchval(
        "UPDATE event SET occurred_at = occurred_at - interval '1 hour' WHERE seq = $1 RETURNING occurred_at", index + 1
    )
    leaf = await database.fetchval("SELECT leaf FROM ledger_leaf WHERE leaf_index = $1", index)
    content = json.loads(leaf)
    content["occurredAt"] = instant(moment)
    forged = rfc8785.dumps(content)
    await database.execute("UPDATE ledger_leaf SET leaf = $1 WHERE leaf_index = $2", forged, index)
    current, level, position = merkle.leaf_hash(forged), 0, index
    while True:
        updated = await database.execute(
            'UPDATE ledger_node SET hash = $1 WHERE level = $2 AND "index" = $3', current, level, position
        )
        if updated == "UPDATE 0":
            return
        sibling = await database.fetchval(
            'SELECT hash FROM ledger_node WHERE level = $1 AND "index" = $2', level, position ^ 1
        )
        if sibling is None:
            return
        current = merkle.node_hash(sibling, current) if position % 2 else merkle.node_hash(current, sibling)
        level, position = level + 1, position // 2


async def test_a_rewritten_history_is_never_signed(forkable: str, tmp_path: Path) -> None:
    database = await asyncpg.connect(loader.libpq(forkable))
    try:
        async with serving(forkable, tmp_path) as (app, http):
            checkpointer = app.state.checkpointer
            await checkpointer.sign_now()
            signed = (await http.get("/ledger/checkpoint")).text
            size = _size(signed)
            assert checkpointer.refusal is None

            await _rewrite_leaf(database, 10)
            await Desk(http, Officers(forkable)).register()
            refusals = _refusals()
            await checkpointer.sign_now()

            # The forged tree is whole (its stored hashes are those of its leaves), and it is still refused.
            leaves = [row["leaf"] for row in await database.fetch("SELECT leaf FROM ledger_leaf ORDER BY leaf_index")]
            stored = {
                (row[0], row[1]): row[2] for row in await database.fetch('SELECT level, "index", hash FROM ledger_node')
            }
            assert merkle.root(len(leaves), lambda level, index: stored[(level, index)]) == _root_of(leaves)
            expected = f"the tree of {size + 1} leaves does not extend the one of {size} signed before"
            assert checkpointer.refusal == expected
            assert _refusals() == refusals + 1
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["ledger"].startswith("refusing to sign: the tree of")
            # The last good checkpoint is still the one served.
            assert (await http.get("/ledger/checkpoint")).text == signed

        # Restarted, with the checkpoint table emptied so that the database no longer shows what was signed:
        await database.execute("TRUNCATE ledger_checkpoint")
        async with serving(forkable, tmp_path) as (app, _):
            await app.state.checkpointer.sign_now()
            assert app.state.checkpointer.refusal is not None
            assert await database.fetchval("SELECT count(*) FROM ledger_checkpoint") == 0
    finally:
        await database.close()


async def test_an_honest_tree_keeps_being_signed_across_restarts(forkable: str, tmp_path: Path) -> None:
    for _ in range(2):
        async with serving(forkable, tmp_path) as (app, http):
            await app.state.checkpointer.sign_now()
            before = _size((await http.get("/ledger/checkpoint")).text)
            await Desk(http, Officers(forkable)).register()
            await app.state.checkpointer.sign_now()
            assert app.state.checkpointer.refusal is None
            assert _size((await http.get("/ledger/checkpoint")).text) == before + 1
            assert (await http.get("/readyz")).json()["ledger"] == "ok"


async def test_proofs_default_to_the_latest_checkpoint_not_the_growing_tree(forkable: str, tmp_path: Path) -> None:
    async with serving(forkable, tmp_path) as (app, http):
        await app.state.checkpointer.sign_now()  # and the tree grows past this checkpoint, unsigned
        checkpoint = await http.get("/ledger/checkpoint")
        size = _size(checkpoint.text)
        await Desk(http, Officers(forkable)).register()

        implicit = await http.get("/ledger/proof/inclusion", params={"leaf_index": 0})
        explicit = await http.get("/ledger/proof/inclusion", params={"leaf_index": 0, "tree_size": size})
        grown = await http.get("/ledger/proof/inclusion", params={"leaf_index": 0, "tree_size": size + 1})

    assert checkpoint.headers["cache-control"] == "no-cache"
    assert implicit.json()["tree_size"] == size
    assert implicit.headers["cache-control"] == "no-cache"
    assert explicit.json() == implicit.json()
    assert explicit.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert grown.json()["tree_size"] == size + 1, "a size the tree has reached may still be asked for"
