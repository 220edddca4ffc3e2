"""Reading one's own write from a hot standby: what `extensions.readAfter` costs a client (docs/scaling.md).

    make bench-standby        # or: .venv/bin/python -m bench.standby [--rounds 200]

Makes a primary (initdb, the demo data) and a hot standby of it (pg_basebackup) on free loopback ports with
Debian's PostgreSQL binaries (tests/standby.py), and serves them with one `openproc serve` (DATABASE_READ_URLS).
Each round a client records a case view (a mutation, on the primary) and reads the count back three ways, timed
as the client sees them: anonymously with the answer's commit position (a standby that has replayed it, else the
primary after REPLICA_WAIT_S), anonymously without it (any usable standby), and as an officer (the primary). Every
read-back with the position must show the new count; the bench counts which database answered
(openproc_reads_total). Loopback only, bounded by --rounds; everything it started is stopped.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.harness import percentile
from tests.helpers import Officers, bearer
from tests.standby import primary, standby_of
from tests.subscriptions.servers import server

ROOT = Path(__file__).resolve().parents[1]
VIEWS = "query($r: String!) { case(receiptNo: $r) { pageViews } }"
VIEW = "mutation($r: String!) { recordCaseView(receiptNo: $r) { ... on ViewCount { views } } }"


async def reads_by_database(client: httpx.AsyncClient) -> dict[tuple[str, str], float]:
    text = (await client.get("/metrics")).text
    return {
        (sample.labels["database"], sample.labels["reason"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "openproc_reads_total"
    }


def summary(name: str, seconds: list[float]) -> str:
    return (
        f"{name:<46} p50 {percentile(seconds, 0.5) * 1000:6.2f} ms   p99 {percentile(seconds, 0.99) * 1000:6.2f} ms"
        f"   max {max(seconds) * 1000:6.2f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    async with primary() as first:
        await first.execute("CREATE DATABASE openproc")
        url = first.url("openproc")
        seed = [sys.executable, "-m", "openproc.cli", "seed", "--scale", "demo"]
        await asyncio.to_thread(subprocess.run, seed, env={**os.environ, "DATABASE_URL": url}, check=True, cwd=ROOT)
        receipt_no = str(await first.execute('SELECT receipt_no FROM "case" ORDER BY id LIMIT 1', "openproc"))
        officer = int(str(await first.execute("SELECT id FROM officer ORDER BY id LIMIT 1", "openproc")))
        token = await Officers(url).token(officer)
        async with (
            standby_of(first) as second,
            server(url, DATABASE_READ_URLS=second.url("openproc"), RATE_ANONYMOUS_PER_MINUTE="100000000") as openproc,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{openproc.port}") as client,
        ):
            for _ in range(100):  # bounded: the server polls its standby once it has started
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            before = await reads_by_database(client)
            timings: dict[str, list[float]] = {"write": [], "after": [], "any": [], "officer": []}

            async def timed(name: str, query: str, headers: dict[str, str], **extensions: str) -> dict[str, object]:
                started = time.perf_counter()
                request = {"query": query, "variables": {"r": receipt_no}, "extensions": extensions}
                response = await client.post("/graphql", json=request, headers=headers)
                timings[name].append(time.perf_counter() - started)
                body: dict[str, object] = response.json()
                return body

            stale = 0
            for round_no in range(rounds):
                # A view is limited to 30 a minute per client: each round is another applicant (the server
                # trusts X-Forwarded-For from loopback, as from its balancer).
                applicant = {"x-forwarded-for": f"10.0.{round_no // 250}.{round_no % 250 + 1}"}
                written = await timed("write", VIEW, applicant)
                views = written["data"]["recordCaseView"]["views"]  # type: ignore[index]
                position = written["extensions"]["commitPosition"]  # type: ignore[index]
                after = await timed("after", VIEWS, {}, readAfter=position)
                assert after["data"]["case"]["pageViews"] == views, (after, views)  # type: ignore[index]
                seen = await timed("any", VIEWS, {})
                stale += seen["data"]["case"]["pageViews"] != views  # type: ignore[index]
                await timed("officer", VIEWS, bearer(token))
            counted = await reads_by_database(client)
    print(f"{rounds} rounds, load average {os.getloadavg()[0]:.2f} at the end")
    print(summary("the view recorded (mutation, primary)", timings["write"]))
    print(summary("read back with readAfter (anonymous)", timings["after"]))
    print(summary("read back without it (anonymous, standby)", timings["any"]))
    print(summary("read back as an officer (primary)", timings["officer"]))
    print(f"reads without the position that missed the view: {stale} of {rounds}")
    for key in sorted(counted):
        print(f"answered by {key[0]} ({key[1]}): {counted[key] - before.get(key, 0):.0f}")


if __name__ == "__main__":
    asyncio.run(main())
