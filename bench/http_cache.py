"""The hit path of cacheable public reads: a persisted case detail over GET, through nginx's cache and straight to
OPEN (a full answer, and a 304 to a client that sends the ETag back).

    make bench-http-cache     # or: .venv/bin/python -m bench.http_cache [--seconds 15 --rounds 2]

On a throwaway database with the demo data, one `openproc serve` (HTTP_CACHE_MAX_AGE_S=2, as docker-compose.yml
sets it) behind Debian's nginx with deploy/nginx.conf itself (tests/deploy/test_balancer.py swaps its compose
names for loopback). The case detail of 200 cases is registered as one persisted query (Apollo's APQ), then wrk
asks for the 200 GET URLs in turn, three ways, alternating in each round: through nginx (hits, and each URL
revalidated with OPEN every 2 s), straight to OPEN, and straight to OPEN with `If-None-Match`. Reports requests/s,
p50 and p99 as wrk (the client) sees them, and nginx's hit ratio. Loopback only; needs wrk and nginx; every
process it started is stopped and the database dropped, even on failure.
"""

import argparse
import asyncio
import hashlib
import json
import os
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.live import drop, prepare
from bench.queries import CASE_DETAIL
from bench.wrk import Request, Result, require_wrk, run_wrk_requests
from seed.loader import libpq
from tests.deploy.test_balancer import balancer
from tests.subscriptions.servers import server

SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CASES = 200
HASH = hashlib.sha256(CASE_DETAIL.encode()).hexdigest()
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}


def path_of(receipt_no: str) -> str:
    return "/graphql?" + urlencode(
        {"variables": json.dumps({"receiptNo": receipt_no}), "extensions": json.dumps(PERSISTED)}
    )


def report(result: Result) -> str:
    hits = f"   nginx hits {result.cache_hits / result.requests:6.1%}" if result.cache_hits else ""
    return (
        f"{result.name:<34} {result.requests_per_s:8.0f} req/s   p50 {result.p50_ms:6.2f} ms   "
        f"p99 {result.p99_ms:6.2f} ms   failures {result.failures}{hits}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    require_wrk()
    url = await prepare(SERVER_URL)
    try:
        connection = await asyncpg.connect(libpq(url))
        try:
            rows = await connection.fetch('SELECT receipt_no FROM "case" ORDER BY id LIMIT $1', CASES)
        finally:
            await connection.close()
        paths = [path_of(row["receipt_no"]) for row in rows]
        settings = {"HTTP_CACHE_MAX_AGE_S": "2", "RATE_ANONYMOUS_PER_MINUTE": "100000000", "OVERSIGHT_INTERVAL_S": "0"}
        with tempfile.TemporaryDirectory() as folder:
            async with server(url, **settings) as openproc, balancer(Path(folder), openproc) as nginx_port:
                direct, cached = f"http://127.0.0.1:{openproc.port}", f"http://127.0.0.1:{nginx_port}"
                async with httpx.AsyncClient() as client:
                    registered = await client.post(
                        f"{direct}/graphql",
                        json={"query": CASE_DETAIL, "variables": {"receiptNo": rows[0][0]}, "extensions": PERSISTED},
                    )
                    assert "errors" not in registered.json(), registered.text
                    etags = [(await client.get(f"{direct}{path}")).headers["etag"] for path in paths]
                plain: list[Request] = [("GET", path, {}, None) for path in paths]
                revalidating: list[Request] = [
                    ("GET", path, {"If-None-Match": etag}, None) for path, etag in zip(paths, etags, strict=True)
                ]
                runs = [
                    ("through nginx's cache", cached, plain),
                    ("straight to OPEN", direct, plain),
                    ("straight to OPEN, If-None-Match", direct, revalidating),
                ]
                print(f"{CASES} cases, {args.connections} connections, {args.seconds} s a run")
                for round_no in range(args.rounds):
                    for name, base, requests in runs if round_no % 2 == 0 else runs[::-1]:
                        run_wrk_requests(f"{base}/graphql", name, requests, args.connections, 3)  # warm-up
                        result = run_wrk_requests(f"{base}/graphql", name, requests, args.connections, args.seconds)
                        print(f"round {round_no + 1}, load {os.getloadavg()[0]:.2f}: {report(result)}", flush=True)
    finally:
        await drop(url)


if __name__ == "__main__":
    asyncio.run(main())
