"""Search benchmark: the search resolver's SQL at the seoul scale (27,000 cases, 5,000 officers).

    .venv/bin/openproc seed --scale seoul --reset                # once, into DATABASE_URL's database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/openproc_seoul .venv/bin/python -m bench.search

Runs a fixed number of searches (200 by default) over a fixed list of realistic queries through
`resolvers.search.search` itself (both round trips: the grams with their frequencies, then the ranked page, and
loading the page's objects), then prints p50/p95/p99 per kind of query, and EXPLAIN ANALYZE of the ranked
statement for one query of each kind, to show that every table is reached through its GIN index. Read-only.
"""

import argparse
import asyncio
import os
import time
from collections import defaultdict

from sqlalchemy import text

from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers import search
from resolvers.context import Context
from resolvers.pagination import Slice

# Query kinds and the queries of each, as people type them: words of titles and addresses, typos, receipt numbers,
# names, laws, and a term in every row (서울: every address), the worst case for the candidate set.
QUERIES: dict[str, tuple[str, ...]] = {
    "korean word": ("건축허가", "옥외광고물", "영업정지", "공동주택", "도로점용", "개발행위허가", "약국 개설"),
    "korean typo": ("건축허기", "옥외광고몰", "영업증지", "공동주텍", "도로잠용"),
    "address": ("종로구 삼청동", "강남구 논현동", "세종대로", "마포구", "신촌로 28"),
    "receipt number": ("2025-BLD-TMP-00001", "2026-FOD-SUS-00001", "BLD-PMT-00012", "2025-ADV-RPT"),
    "name or law": ("김혜진", "박상훈 주무관", "식품위생법", "건축법 제11조", "건축안전국"),
    "common term": ("서울", "서울특별시"),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(context_of: "ContextFactory", total: int) -> dict[str, list[float]]:
    plan = [(kind, query) for kind, queries in QUERIES.items() for query in queries]
    timings: dict[str, list[float]] = defaultdict(list)
    for index in range(total):
        kind, query = plan[index % len(plan)]
        started = time.perf_counter()
        page = await search.search(context_of(), query, None, None, Slice(first=20))
        await page.count()
        timings[kind].append((time.perf_counter() - started) * 1000)
    return timings


class ContextFactory:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, Settings(db_pool_size=2))
        self.sessions = create_sessionmaker(self.engine)

    def __call__(self) -> Context:
        # A new context per search, as per request: loaders must not serve earlier searches from their cache.
        return Settings().context(self.sessions)


async def explain(factory: ContextFactory, query: str) -> str:
    context = factory()
    grams = await search.query_grams(context, search.normalize(query))
    statement, _ = search.ranked(search.normalize(query), grams, frozenset(search.SearchKind), None)
    compiled = statement.limit(21).compile(factory.engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with factory.sessions() as session:
        rows = (await session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {compiled}"))).all()
    lines = [row[0] for row in rows]
    scans = [line.strip() for line in lines if "Index Scan" in line or "Seq Scan" in line or "Execution" in line]
    return "\n    ".join(scans)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200, help="Searches to time (after one warm-up round).")
    parser.add_argument("--explain", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL to the database to measure (e.g. openproc_seoul)")

    factory = ContextFactory(url)
    try:
        async with factory.sessions() as session:
            cases = await session.scalar(text('SELECT count(*) FROM "case"'))
            officers = await session.scalar(text("SELECT count(*) FROM officer"))
        print(f"OPEN search benchmark: {cases:,} cases, {officers:,} officers, {args.queries} searches")
        await run(factory, sum(len(queries) for queries in QUERIES.values()))
        timings = await run(factory, args.queries)
        print(f"{'query kind':<16}{'searches':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for kind, values in timings.items():
            print(
                f"{kind:<16}{len(values):>9}{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
                f"{percentile(values, 0.99):>9.1f}"
            )
        every = [value for values in timings.values() for value in values]
        print(
            f"{'all':<16}{len(every):>9}{percentile(every, 0.5):>9.1f}{percentile(every, 0.95):>9.1f}"
            f"{percentile(every, 0.99):>9.1f}"
        )
        if args.explain:
            for kind, queries in QUERIES.items():
                print(f"\nEXPLAIN ANALYZE, {kind} {queries[0]!r}:\n    {await explain(factory, queries[0])}")
    finally:
        await factory.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
