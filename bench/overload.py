"""Overload: at twice the rate a server sustains, the excess gets fast 503/429 answers (not timeouts, not a
crash), and the server is back to normal as soon as the load stops.

    make bench-overload       # or: .venv/bin/python -m bench.overload [--threshold-ms 250 --seconds 30]

On a throwaway database with the demo data, one `openproc serve` process on a loopback port, loaded by an
open-loop client in this process (requests go out on schedule whatever the answers take, as wrk2 does; latency
is counted from when a request was due): three case pages to one 50-case list (bench/queries.py).
1. The sustainable rate: rising rates, --step-seconds each, until one has a failure or a p99 over
   --threshold-ms; the last rate before it is sustainable.
2. --factor times that rate for --seconds: the share of 2xx, 429, 503, other statuses, timeouts and connection
   errors, and the latency of answers and of refusals (the refusals' p99 must stay under --refusal-ms).
3. Recovery: half the sustainable rate, second by second, until a whole second succeeds under the threshold.
The per-address limit (RATE_ANONYMOUS_PER_MINUTE) is lifted: all the load comes from one loopback address, and
what is measured is the process-wide cap, MAX_IN_FLIGHT (openproc/admission.py). Exits 1 if a check fails.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import uvloop

from bench.harness import (
    Answer,
    RawHttp,
    Server,
    fetch,
    open_loop,
    percentile,
    probe,
    raise_file_limit,
    rss_kib,
)
from bench.live import drop, prepare
from bench.queries import CASE_DETAIL, CASE_LIST, LIST_STATUSES
from openproc.database import resolve_url
from openproc.settings import Settings


def ok(answer: Answer) -> bool:
    return 200 <= answer.status < 300 and not answer.graphql_error


def summary(answers: Sequence[Answer]) -> str:
    good = [a.latency_s * 1000 for a in answers if ok(a)]
    return (
        f"{len(answers):>6} {sum(map(ok, answers)) / max(1, len(answers)):>8.1%} "
        f"{percentile(good, 0.5):>8.0f} {percentile(good, 0.99):>8.0f}"
    )


async def bodies(database_url: str) -> list[tuple[str, bytes]]:
    numbers = [
        row[0] for row in await fetch(database_url, 'SELECT receipt_no FROM "case" ORDER BY md5(receipt_no) LIMIT 200')
    ]
    detail = [
        ("detail", json.dumps({"query": CASE_DETAIL, "variables": {"receiptNo": number}}).encode())
        for number in numbers
    ]
    listing = [
        ("list", json.dumps({"query": CASE_LIST, "variables": {"status": [status]}}).encode())
        for status in LIST_STATUSES
    ]
    mixed: list[tuple[str, bytes]] = []
    for index, item in enumerate(detail):
        mixed.append(item)
        if index % 3 == 2:
            mixed.append(listing[(index // 3) % len(listing)])
    return mixed


async def run(args: argparse.Namespace) -> int:
    raise_file_limit(4_000)
    url = await prepare(resolve_url(Settings()))
    logs = Path(tempfile.mkdtemp(prefix="openproc-overload-"))
    settings = {"RATE_ANONYMOUS_PER_MINUTE": "100000000"}
    if args.max_in_flight is not None:
        settings["MAX_IN_FLIGHT"] = str(args.max_in_flight)
    if args.admission_wait is not None:
        settings["ADMISSION_WAIT_S"] = str(args.admission_wait)
    server = Server(url, args.port, logs / "server.log", **settings)
    failures: list[str] = []
    try:
        await server.start()
        load = await bodies(url)
        client = RawHttp(args.port)
        await open_loop(client, load, args.start_rate, 3)  # warm caches, plans and the connection pool

        print(f"sustainable rate: open loop, {args.step_seconds:.0f} s per rate, p99 threshold {args.threshold_ms} ms")
        print(f"{'rate/s':>8} {'sent':>6} {'ok':>8} {'p50 ms':>8} {'p99 ms':>8}")
        rate, sustainable = args.start_rate, args.rate or 0.0
        while not args.rate and rate <= args.max_rate:
            answers = await open_loop(client, load, rate, args.step_seconds)
            good = [a.latency_s * 1000 for a in answers if ok(a)]
            print(f"{rate:>8.0f} {summary(answers)}", flush=True)
            if len(good) < len(answers) or percentile(good, 0.99) > args.threshold_ms:
                break
            sustainable = rate
            rate *= args.growth
            await asyncio.sleep(1)  # let the previous step's stragglers finish before the next one is timed
        if not sustainable:
            raise SystemExit(f"not even {args.start_rate}/s is sustainable under {args.threshold_ms} ms")
        print(f"sustainable: {sustainable:.0f} requests/s")
        await asyncio.sleep(2)

        overload = sustainable * args.factor
        rss_before = rss_kib(server.pid)
        stop_probe = asyncio.Event()
        probing = asyncio.create_task(probe(args.port, "/healthz", stop_probe))
        started = time.monotonic()
        answers = await open_loop(client, load, overload, args.seconds, timeout_s=args.timeout)
        elapsed = time.monotonic() - started
        stop_probe.set()
        health = [seconds * 1000 for seconds in await probing]
        alive = server.process is not None and server.process.poll() is None
        rss_after = rss_kib(server.pid) if alive else 0
        kinds = Counter(
            "2xx"
            if ok(a)
            else "200 with GraphQL errors"
            if a.status == 200
            else "timeout"
            if a.status == 0
            else "connection error"
            if a.status < 0
            else str(a.status)
            for a in answers
        )
        broken = Counter(a.failure for a in answers if a.status < 0)
        served = [a.latency_s * 1000 for a in answers if ok(a)]
        refused = [a.latency_s * 1000 for a in answers if a.status in (429, 503)]
        refused_wire = [a.wire_s * 1000 for a in answers if a.status in (429, 503)]
        print()
        print(
            f"overload: {overload:.0f} requests/s offered ({args.factor:g}× sustainable) for {args.seconds:.0f} s "
            f"({len(answers)} requests, done in {elapsed:.1f} s)"
        )
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
            print(f"  {kind:<24}{count:>7}  {count / len(answers):>6.1%}")
        if broken:
            print("  connection errors: " + "; ".join(f"{k} ×{v}" for k, v in broken.most_common(3)))
        print(
            f"  served:  {len(served) / args.seconds:.0f}/s, p50 {percentile(served, 0.5):.0f} ms, "
            f"p99 {percentile(served, 0.99):.0f} ms, max {max(served, default=0):.0f} ms"
        )
        print(
            f"  refused, from when due: p50 {percentile(refused, 0.5):.1f} ms, p99 {percentile(refused, 0.99):.1f} ms, "
            f"max {max(refused, default=0):.1f} ms"
        )
        print(
            f"  refused, from the request's write: p50 {percentile(refused_wire, 0.5):.1f} ms, "
            f"p99 {percentile(refused_wire, 0.99):.1f} ms, max {max(refused_wire, default=0):.1f} ms"
        )
        print(
            f"  /healthz meanwhile: {len(health)} probes, p50 {percentile(health, 0.5):.1f} ms, "
            f"p99 {percentile(health, 0.99):.1f} ms, max {max(health, default=0):.1f} ms"
        )
        print(f"  server: {'alive' if alive else 'DEAD'}, RSS {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MiB")
        if not alive:
            failures.append("the server died under overload")
        stuck = kinds["timeout"] + kinds["connection error"]
        if stuck > len(answers) * args.stuck_share:
            failures.append(f"{stuck} timeouts or connection errors (over {args.stuck_share:.1%})")
        # Judged from the write: time this client spent behind schedule is its own, not the server's.
        if refused and percentile(refused_wire, 0.99) > args.refusal_ms:
            failures.append(f"refusals' p99 {percentile(refused_wire, 0.99):.0f} ms is over {args.refusal_ms} ms")
        if not refused:
            failures.append("nothing was refused: the overload did not overload")

        print()
        recovery_rate = sustainable / 2
        print(f"recovery at {recovery_rate:.0f} requests/s, second by second after the load stopped:")
        print(f"{'second':>8} {'sent':>6} {'ok':>8} {'p50 ms':>8} {'p99 ms':>8}")
        recovered_at = None
        for second in range(1, args.recovery_seconds + 1):
            window = await open_loop(client, load, recovery_rate, 1)
            good = [a.latency_s * 1000 for a in window if ok(a)]
            print(f"{second:>8} {summary(window)}", flush=True)
            if len(good) == len(window) and percentile(good, 0.99) <= args.threshold_ms:
                recovered_at = second
                break
        if recovered_at is None or recovered_at > args.recover_within:
            failures.append(f"not back to normal within {args.recover_within} s")
        else:
            print(f"back to normal in second {recovered_at}")
        await client.close()
    finally:
        await server.stop()
        await drop(url)
    print()
    print("verdict: " + ("ok" if not failures else "FAILED: " + "; ".join(failures)))
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--start-rate", type=float, default=50)
    parser.add_argument("--growth", type=float, default=1.25)
    parser.add_argument("--max-rate", type=float, default=3_000)
    parser.add_argument("--step-seconds", type=float, default=4)
    parser.add_argument("--threshold-ms", type=float, default=250)
    parser.add_argument("--factor", type=float, default=2)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=10, help="a request unanswered this long is a timeout")
    parser.add_argument("--refusal-ms", type=float, default=100)
    parser.add_argument("--stuck-share", type=float, default=0.001, help="tolerated share of timeouts")
    parser.add_argument("--recovery-seconds", type=int, default=15)
    parser.add_argument("--recover-within", type=int, default=5)
    parser.add_argument("--rate", type=float, default=None, help="take this as the sustainable rate (no search)")
    parser.add_argument("--max-in-flight", type=int, default=None, help="MAX_IN_FLIGHT for the server (0: no cap)")
    parser.add_argument("--admission-wait", type=float, default=None, help="ADMISSION_WAIT_S for the server")
    args = parser.parse_args()
    # uvloop: the client shares two cores with the server, and should cost it as little as it can.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        sys.exit(runner.run(run(args)))


if __name__ == "__main__":
    main()
