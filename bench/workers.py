"""Throughput of one and of two OPEN processes on this machine (`openproc serve --workers N`), on the seoul data.

    make bench-workers       # or: DATABASE_URL=… .venv/bin/python -m bench.workers [--duration 15 --rounds 2]

Each round starts OPEN as one process with its budgets in memory (the default), as one process with its budgets
in Redis, and as two processes (which must share their budgets in Redis), one after the other, and loads each
with wrk as `make bench-peer` does (the case detail of 200 sampled cases, the 50-case list). Besides requests/s,
p50 and p99 it reports how much of the machine's cores PostgreSQL and OPEN's processes used during the measured
load (their CPU time from /proc), which says where the ceiling is: the database runs on the same cores. Every
server it started is stopped, even on failure. Loopback only; needs wrk and Redis on 127.0.0.1:6379.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.peer.__main__ import DEFAULT_URL, POOL_SIZE, Server, running, sample_cases
from bench.peer.shape import Dialect
from bench.queries import CASE_DETAIL, CASE_LIST, LIST_STATUSES
from bench.wrk import Result, require_wrk, run_wrk

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/0"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Setup:
    name: str
    workers: int
    shared_budgets: bool


SETUPS = [
    Setup("1 process, budgets in memory", 1, shared_budgets=False),
    Setup("1 process, budgets in Redis", 1, shared_budgets=True),
    Setup("2 processes, budgets in Redis", 2, shared_budgets=True),
]


def server(url: str, setup: Setup) -> Server:
    command = [str(ROOT / ".venv" / "bin" / "openproc"), "serve", "--no-demo", "--host", "127.0.0.1"]
    env = {
        "DATABASE_URL": url,
        "DB_POOL_SIZE": str(POOL_SIZE),
        # As bench.peer: no oversight round, quiet logs, a budget no load here reaches, no response cache.
        "OVERSIGHT_INTERVAL_S": "0",
        "LOG_LEVEL": "warning",
        "RATE_ANONYMOUS_PER_MINUTE": "100000000",
        "RESPONSE_CACHE_S": "0",
    }
    if setup.shared_budgets:
        env |= {"RATE_LIMIT_URL": REDIS, "RATE_LIMIT_KEY_PREFIX": f"bench-workers-{uuid.uuid4()}"}
    return Server(
        setup.name, Dialect.OPEN, [*command, "--port", "{port}", "--workers", str(setup.workers)], env, "/readyz"
    )


def cpu_seconds() -> dict[str, float]:
    """CPU time so far of PostgreSQL's processes and of OPEN's (`openproc` and the workers it spawned)."""
    used = {"postgres": 0.0, "openproc": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone since listed
        # Fields after the command name (which may hold spaces, in parentheses): utime and stime are 14th and 15th.
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        if stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
            used["postgres"] += seconds
        elif "openproc" in command or "multiprocessing" in command:
            used["openproc"] += seconds
    return used


def measured(base: str, name: str, bodies: list[str], args: argparse.Namespace) -> tuple[Result, dict[str, float]]:
    """A wrk run after a warm-up, with the share of the machine's cores each side used during it."""
    run_wrk(f"{base}/graphql", name, bodies, args.connections, args.warmup, args.threads)
    before, started = cpu_seconds(), time.monotonic()
    result = run_wrk(f"{base}/graphql", name, bodies, args.connections, args.duration, args.threads)
    elapsed, after = time.monotonic() - started, cpu_seconds()
    cores = os.cpu_count() or 1
    return result, {side: (after[side] - before[side]) / elapsed / cores for side in before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds of measured load per setup and query")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="each setup this many times, in turn")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    require_wrk()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    numbers = asyncio.run(sample_cases(url, 200, 1999))
    loads = {
        "case detail": [json.dumps({"query": CASE_DETAIL, "variables": {"receiptNo": n}}) for n in numbers],
        "50-case list": [json.dumps({"query": CASE_LIST, "variables": {"status": [s]}}) for s in LIST_STATUSES],
    }
    print(f"wrk {args.connections} connections, {args.threads} threads, {args.duration} s each; {os.cpu_count()} cores")
    print(f"{'setup':32s} {'query':14s} {'req/s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'PG cores':>8s} {'OPEN':>6s} load")
    for _ in range(args.rounds):
        for setup in SETUPS:
            with running(server(url, setup)) as base:
                for name, bodies in loads.items():
                    result, share = measured(base, name, bodies, args)
                    failed = result.non_2xx + result.socket_errors + result.graphql_errors
                    print(
                        f"{setup.name:32s} {name:14s} {result.requests_per_s:8.0f} {result.p50_ms:7.1f} "
                        f"{result.p99_ms:7.1f} {share['postgres']:8.0%} {share['openproc']:6.0%} "
                        f"{os.getloadavg()[0]:.2f}" + (f"  ({failed} failed)" if failed else "")
                    )


if __name__ == "__main__":
    main()
