"""Peer comparison: OPEN against PostGraphile v5 and a hand-written asyncpg baseline, on the `seoul` data.

    make bench-peer                                   # or: .venv/bin/python -m bench.peer --duration 30

Starts each server alone on a free loopback port over DATABASE_URL, checks that all three return the same data
for every sampled case and status (bench/peer/shape.py), then loads each in turn with wrk (same connections,
threads and duration, after a warm-up) and prints requests/s, p50, p99, failures and the ratio to PostGraphile.
The table is also written to bench/results/peer-<time>.json. Every server it started is stopped, even on failure.
The database is only read: OPEN and the baseline send no writes for these queries, PostGraphile has no mutations
and its sessions and the baseline's are read only.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from bench.peer.shape import Dialect, Query, first_difference, normalise
from bench.queries import CASE_DETAIL, CASE_LIST, LIST_STATUSES, POSTGRAPHILE_CASE_DETAIL, POSTGRAPHILE_CASE_LIST
from bench.wrk import Result, require_wrk, run_wrk
from models.enums import CaseStatus
from seed.loader import libpq

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT / "bench" / "peer"
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/openproc_seoul"
POOL_SIZE = 16
OPEN, POSTGRAPHILE, BASELINE = "OPEN", "PostGraphile", "asyncpg baseline"


@dataclass(frozen=True)
class Server:
    name: str
    dialect: Dialect
    command: list[str]
    env: dict[str, str]
    # GET answered with 200 once the server takes requests; None: POST a trivial operation instead.
    ready_path: str | None


@dataclass(frozen=True)
class Sample:
    """One variable set of one query, as each dialect spells it."""

    query: Query
    variables: dict[str, Any]
    postgraphile_variables: dict[str, Any]

    def body(self, dialect: Dialect) -> str:
        if dialect is Dialect.OPEN:
            document = CASE_DETAIL if self.query is Query.CASE_DETAIL else CASE_LIST
            return json.dumps({"query": document, "variables": self.variables})
        document = POSTGRAPHILE_CASE_DETAIL if self.query is Query.CASE_DETAIL else POSTGRAPHILE_CASE_LIST
        return json.dumps({"query": document, "variables": self.postgraphile_variables})


@dataclass(frozen=True)
class Row:
    server: str
    query: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    graphql_errors: int
    ratio_to_postgraphile: float | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds of measured load per server and query")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=200, help="in-progress cases sampled for the case detail")
    parser.add_argument("--seed", type=int, default=1999)
    args = parser.parse_args()
    # A SIGTERM must run the `finally` blocks that stop the servers, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    require_wrk()
    receipt_numbers = asyncio.run(sample_cases(url, args.cases, args.seed))
    node = _install_postgraphile()
    servers = _servers(url, node)
    checked = [
        *(Sample(Query.CASE_DETAIL, {"receiptNo": number}, {"receiptNo": number}) for number in receipt_numbers),
        *(Sample(Query.CASE_LIST, {"status": [status.name]}, {"status": status.value}) for status in CaseStatus),
    ]
    loads = {
        Query.CASE_DETAIL: [sample for sample in checked if sample.query is Query.CASE_DETAIL],
        Query.CASE_LIST: [
            sample
            for sample in checked
            if sample.query is Query.CASE_LIST and sample.variables["status"][0] in LIST_STATUSES
        ],
    }

    print(f"checking {len(checked)} answers of each server ({len(receipt_numbers)} cases, {len(CaseStatus)} statuses)")
    _check(servers, checked)

    print(
        f"loading each server alone: {args.connections} connections, {args.threads} wrk threads, "
        f"{args.warmup} s warm-up then {args.duration} s per query"
    )
    results: dict[tuple[str, Query], Result] = {}
    for server in servers:
        with running(server) as base:
            for query, samples in loads.items():
                bodies = [sample.body(server.dialect) for sample in samples]
                run_wrk(f"{base}/graphql", query.value, bodies, args.connections, args.warmup, args.threads)
                results[server.name, query] = run_wrk(
                    f"{base}/graphql", query.value, bodies, args.connections, args.duration, args.threads
                )
                print(f"  {server.name}, {query.value}: {results[server.name, query].requests_per_s:.0f} requests/s")

    rows = _rows(results)
    _print_table(rows)
    saved = _save(rows, args, url, node, len(receipt_numbers))
    print(f"saved {saved.relative_to(ROOT)}")
    if any(row.non_2xx or row.socket_errors or row.graphql_errors for row in rows):
        sys.exit("some requests failed under load: the numbers above are not comparable")


async def sample_cases(url: str, count: int, seed: int) -> list[str]:
    seed_hint = f"DATABASE_URL={url} .venv/bin/openproc seed --scale seoul --reset"
    try:
        connection = await asyncpg.connect(libpq(url))
    except (OSError, asyncpg.PostgresError) as error:
        sys.exit(f"cannot open {url} ({error}); create the database, then load it with: {seed_hint}")
    try:
        has_table = await connection.fetchval("SELECT to_regclass('public.case') IS NOT NULL")
        numbers: list[str] = []
        if has_table:
            rows = await connection.fetch(
                "SELECT receipt_no FROM \"case\" WHERE status = 'in_progress' ORDER BY receipt_no"
            )
            numbers = [row["receipt_no"] for row in rows]
    finally:
        await connection.close()
    if not numbers:
        sys.exit(f"{url} has no cases in progress; load the seoul data with: {seed_hint}")
    # Sorted before sampling, so the same seed picks the same cases on every machine.
    return random.Random(seed).sample(numbers, min(count, len(numbers)))


def _install_postgraphile() -> str:
    """The peer's Node: bench/peer pins Node 22 from npm, because PostGraphile v5 needs 22 and Debian has 20."""
    node = PEER / "node_modules" / ".bin" / "node"
    if not node.exists():
        print("installing PostGraphile into bench/peer/node_modules (npm ci)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True, timeout=600)
    return str(node)


def _servers(url: str, node: str) -> list[Server]:
    database = {"DATABASE_URL": url, "DB_POOL_SIZE": str(POOL_SIZE)}
    return [
        Server(
            POSTGRAPHILE,
            Dialect.POSTGRAPHILE,
            [node, str(PEER / "postgraphile.mjs"), "{port}"],
            {**database, "DATABASE_URL": libpq(url), "GRAPHILE_ENV": "production", "NODE_ENV": "production"},
            None,
        ),
        Server(
            OPEN,
            Dialect.OPEN,
            [str(ROOT / ".venv" / "bin" / "openproc"), "serve", "--no-demo", "--host", "127.0.0.1", "--port", "{port}"],
            {
                **database,
                # No scheduled oversight round (it would write and compete for the CPU), quiet logs, no rate limit.
                "OVERSIGHT_INTERVAL_S": "0",
                "LOG_LEVEL": "warning",
                "RATE_ANONYMOUS_PER_MINUTE": "100000000",
                # Measure answering, not remembering: an inherited response cache would serve the 200 bodies again.
                "RESPONSE_CACHE_S": "0",
            },
            "/readyz",
        ),
        Server(
            BASELINE,
            Dialect.OPEN,
            [
                *(str(ROOT / ".venv" / "bin" / "uvicorn"), "bench.peer.baseline:app", "--host", "127.0.0.1"),
                *("--port", "{port}", "--log-level", "warning", "--no-access-log"),
            ],
            database,
            "/readyz",
        ),
    ]


def _check(servers: list[Server], samples: list[Sample]) -> None:
    answers: dict[str, list[Any]] = {}
    for server in servers:
        with running(server) as base, httpx.Client(base_url=base, timeout=30) as client:
            answers[server.name] = [_answer(client, server, sample) for sample in samples]
    differences = [
        f"{sample.query.value} {json.dumps(sample.variables, ensure_ascii=False)}, {server} against {OPEN}: {found}"
        for server in (POSTGRAPHILE, BASELINE)
        for sample, expected, actual in zip(samples, answers[OPEN], answers[server], strict=True)
        if (found := first_difference(expected, actual))
    ]
    if differences:
        print("\n".join(differences), file=sys.stderr)
        sys.exit(f"{len(differences)} answers differ: the servers do not return the same data")
    print(f"  all three agree on all {len(samples)} answers")


def _answer(client: httpx.Client, server: Server, sample: Sample) -> Any:
    response = client.post(
        "/graphql", content=sample.body(server.dialect), headers={"Content-Type": "application/json"}
    )
    payload = response.json()
    if response.status_code != 200 or payload.get("errors"):
        sys.exit(f"{server.name} failed {sample.query.value} {sample.variables}: {response.status_code} {payload}")
    return normalise(sample.query, server.dialect, payload["data"])


@contextmanager
def running(server: Server) -> Iterator[str]:
    """The server's base URL while it runs alone, in its own process group; stopped on the way out, whatever."""
    port = _free_port()
    command = [part.replace("{port}", str(port)) for part in server.command]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **server.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(server, base, process, log)
            yield base
        finally:
            _stop(process)


def _wait_ready(server: Server, base: str, process: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            sys.exit(f"{server.name} exited with {process.returncode} before it was ready:\n{log.read()[-4000:]}")
        try:
            if server.ready_path is not None:
                response = httpx.get(f"{base}{server.ready_path}", timeout=2)
            else:
                response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    log.seek(0)
    sys.exit(f"{server.name} was not ready within 120 s:\n{log.read()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (npm-free, so the group is just the server), then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _rows(results: dict[tuple[str, Query], Result]) -> list[Row]:
    rows = []
    for (server, query), result in results.items():
        peer = results[POSTGRAPHILE, query].requests_per_s
        rows.append(
            Row(
                server,
                query.value,
                round(result.requests_per_s, 1),
                round(result.p50_ms, 2),
                round(result.p99_ms, 2),
                result.non_2xx,
                result.socket_errors,
                result.graphql_errors,
                round(result.requests_per_s / peer, 2) if peer else None,
            )
        )
    return sorted(rows, key=lambda row: (row.query, [POSTGRAPHILE, OPEN, BASELINE].index(row.server)))


def _print_table(rows: list[Row]) -> None:
    print(
        f"\n{'server':<18}{'query':<14}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx/errors':>16}{'× PostGraphile':>16}"
    )
    for row in rows:
        failures = f"{row.non_2xx}/{row.socket_errors + row.graphql_errors}"
        ratio = "-" if row.ratio_to_postgraphile is None else f"{row.ratio_to_postgraphile:.2f}"
        print(
            f"{row.server:<18}{row.query:<14}{row.requests_per_s:>12.1f}{row.p50_ms:>9.2f}{row.p99_ms:>9.2f}"
            f"{failures:>16}{ratio:>16}"
        )


def _save(rows: list[Row], args: argparse.Namespace, url: str, node: str, cases: int) -> Path:
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"peer-{now:%Y%m%dT%H%M%SZ}.json"
    postgraphile = json.loads((PEER / "node_modules" / "postgraphile" / "package.json").read_text())["version"]
    run = {
        "measured_at": now.isoformat(),
        "database": url.rsplit("/", 1)[-1],
        "connections": args.connections,
        "threads": args.threads,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "sampled_cases": cases,
        "list_statuses": list(LIST_STATUSES),
        "pool_size": POOL_SIZE,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "node": subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip(),
        "postgraphile": postgraphile,
        # Which OPEN was measured; a dirty tree means the numbers belong to uncommitted changes.
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    return path


def _git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
