"""Ledger benchmark: proof generation at 1,000,000 leaves, and the cost of one append.

    make bench-ledger            # or: .venv/bin/python -m bench.ledger [--leaves 1000000]

Builds a throwaway database (on DATABASE_URL's server, else the embedded one) holding that many events with their
leaves and subtree hashes (generated here, loaded with COPY), then times the server's own proof code
(`resolvers.ledger`, one round trip to PostgreSQL each) and appends through `resolvers.events.append`.
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import leaf, merkle, payloads
from models import Event
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.migrate import upgrade
from openproc.settings import Settings
from resolvers import events, ledger
from seed import loader


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def fill(url: str, count: int) -> None:
    now = datetime.now(UTC)
    started = time.perf_counter()
    rows, leaves, hashes = [], [], []
    for seq in range(1, count + 1):
        payload = {"benchmark": seq}
        rows.append((seq, "document_registered", now, now, json.dumps(payload)))
        content = leaf.encode(leaf.content(seq, "document_registered", None, None, None, now, now, payload))
        leaves.append((seq - 1, seq, content))
        hashes.append(merkle.leaf_hash(content))
    nodes = merkle.build(hashes)
    generated = time.perf_counter()
    connection = await asyncpg.connect(loader.libpq(url))
    try:
        await connection.copy_records_to_table(
            "event", records=rows, columns=["seq", "type", "occurred_at", "recorded_at", "payload"]
        )
        await connection.copy_records_to_table("ledger_leaf", records=leaves, columns=["leaf_index", "seq", "leaf"])
        await connection.copy_records_to_table("ledger_node", records=nodes, columns=["level", "index", "hash"])
        await connection.execute("UPDATE event_counter SET last_seq = $1", count)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    print(
        f"{count:,} leaves and {len(nodes):,} subtree hashes: generated in {generated - started:.1f} s, "
        f"loaded in {time.perf_counter() - generated:.1f} s"
    )


async def measure(url: str, count: int, samples: int) -> None:
    engine = create_engine(url, Settings(db_pool_size=2))
    sessions = create_sessionmaker(engine)
    rng = random.Random(6962)
    inclusion_ms, consistency_ms = [], []
    for _ in range(samples):
        size = rng.randint(count // 2, count)
        index = rng.randrange(size)
        started = time.perf_counter()
        await ledger.inclusion(sessions, index, size)
        inclusion_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await ledger.consistency(sessions, rng.randint(1, size - 1), size)
        consistency_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"inclusion proofs ({samples} at random sizes up to {count:,}): p50 {percentile(inclusion_ms, 0.5):.2f} ms, "
        f"p95 {percentile(inclusion_ms, 0.95):.2f} ms"
    )
    print(
        f"consistency proofs ({samples}): p50 {percentile(consistency_ms, 0.5):.2f} ms, "
        f"p95 {percentile(consistency_ms, 0.95):.2f} ms"
    )

    append_ms, transaction_ms = [], []
    original = ledger.append

    async def timed_append(session: AsyncSession, event: Event) -> None:
        started = time.perf_counter()
        await original(session, event)
        append_ms.append((time.perf_counter() - started) * 1000)

    ledger.append = timed_append
    try:
        for _ in range(samples):
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                await events.append(
                    session,
                    payloads.ReferenceUpdated(changed={"benchmark": ["append"]}),
                    case=None,
                    actor=None,
                    occurred_at=datetime.now(UTC),
                )
            transaction_ms.append((time.perf_counter() - started) * 1000)
    finally:
        ledger.append = original
    print(
        f"append ({samples} events, each its own transaction): ledger part p50 {percentile(append_ms, 0.5):.2f} ms, "
        f"p95 {percentile(append_ms, 0.95):.2f} ms; whole event transaction p50 "
        f"{percentile(transaction_ms, 0.5):.2f} ms"
    )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    server = resolve_url(Settings())
    name = f"openproc_bench_{uuid.uuid4().hex[:8]}"
    admin_url = loader.libpq(make_url(server).set(database="postgres").render_as_string(hide_password=False))
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        await fill(url, args.leaves)
        await measure(url, args.leaves, args.samples)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
