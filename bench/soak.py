"""Soak: reads, signings and 1,000 subscribers together for ten minutes; error rates, p99s, delivery
completeness, and the server's memory from start to end (it must not grow beyond noise).

    make bench-soak           # or: .venv/bin/python -m bench.soak [--seconds 120]

On a throwaway database with the demo data, one `openproc serve` process on a loopback port:
- reads: the two queries of bench/queries.py (three case pages to one 50-case list), open loop at --read-rate;
- signings: --officers clients walking demo cases step by step (starting and signing) at --action-rate in all;
- subscribers: --subscribers sockets in a separate process (bench/ws_client.py, so their cost is not this
  process's): a tenth follow the public feed, the rest follow one case each (the cases being signed and others,
  so most are idle); all start after the same sequence, reconnect with `after:` if closed, and at the end each
  one's sequences are compared with the database's events it should have received.
The server's RSS is read from /proc every --sample seconds. Exits 1 on an error rate over --max-error-share,
an incomplete or disordered delivery, or memory growth over --max-growth-mib.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

import uvloop

from bench.harness import (
    FEED,
    PROGRESS,
    ROOT,
    Desk,
    Follower,
    RawHttp,
    Server,
    Tokens,
    clerk,
    fetch,
    last_sequence,
    open_cases,
    open_loop,
    percentile,
    raise_file_limit,
    rss_kib,
)
from bench.live import drop, prepare
from bench.overload import bodies, ok
from openproc.database import resolve_url
from openproc.settings import Settings


async def subscribers(port: int, plan: list[dict[str, Any]], out_path: Path) -> None:
    """The child process: open every planned subscription, say `ready`, follow until SIGTERM, write results."""
    raise_file_limit(len(plan) + 1_000)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    followers = [Follower(port, item["query"], item["variables"], item["after"], poll_s=2.0) for item in plan]
    deadline = time.monotonic() + 4 * 3600
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, len(followers), 100):
        # A hundred handshakes at a time: a thousand at once would be a connection storm, not a soak.
        batch = followers[start : start + 100]
        tasks += [asyncio.create_task(follower.run(stop, deadline)) for follower in batch]
        connected_by = time.monotonic() + 30
        while any(f.connects == 0 for f in batch) and time.monotonic() < connected_by:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    print(f"ready {sum(f.connects > 0 for f in followers)}", flush=True)
    await stop.wait()
    await asyncio.wait(tasks, timeout=30)
    results = [{"received": f.received, "connects": f.connects, "errors": f.errors} for f in followers]
    await asyncio.to_thread(out_path.write_text, json.dumps(results))


async def sample_rss(pid: int, every_s: float, stop: asyncio.Event, samples: list[tuple[float, int]]) -> None:
    began = time.monotonic()
    while not stop.is_set():
        samples.append((time.monotonic() - began, rss_kib(pid)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


def slope_kib_per_min(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [s[0] / 60 for s in samples], [float(s[1]) for s in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


async def expected_sequences(database_url: str, plan: list[dict[str, Any]]) -> list[list[int]]:
    events = await fetch(
        database_url,
        'SELECT e.seq, c.receipt_no FROM event e LEFT JOIN "case" c ON c.id = e.case_id WHERE e.seq > $1 ORDER BY seq',
        min(item["after"] for item in plan),
    )
    expected: list[list[int]] = []
    for item in plan:
        receipt = item["variables"].get("receiptNo")
        expected.append(
            [
                int(row["seq"])
                for row in events
                if row["seq"] > item["after"] and (receipt is None or row["receipt_no"] == receipt)
            ]
        )
    return expected


async def run(args: argparse.Namespace) -> int:
    raise_file_limit(args.subscribers + 2_000)
    url = await prepare(resolve_url(Settings()))
    logs = Path(tempfile.mkdtemp(prefix="openproc-soak-"))
    server = Server(url, args.port, logs / "server.log")
    child: asyncio.subprocess.Process | None = None
    failures: list[str] = []
    try:
        await server.start()
        cases = await open_cases(url)
        receipts = {
            int(row["id"]): row["receipt_no"]
            for row in await fetch(url, 'SELECT id, receipt_no FROM "case" WHERE id = ANY($1)', cases)
        }
        start = await last_sequence(url)
        feeds = max(1, args.subscribers // 10)
        # Case watchers over the first cases the officers will walk (active) and the rest of the open ones (idle).
        plan = [{"query": FEED, "variables": {}, "after": start} for _ in range(feeds)] + [
            {"query": PROGRESS, "variables": {"receiptNo": receipts[cases[index % len(cases)]]}, "after": start}
            for index in range(args.subscribers - feeds)
        ]
        plan_path, out_path = logs / "plan.json", logs / "subscribers.json"
        plan_path.write_text(json.dumps(plan))
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.soak",
            "--subscribers-only",
            "--port",
            str(args.port),
            "--plan",
            str(plan_path),
            "--out",
            str(out_path),
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert child.stdout is not None
        ready = (await asyncio.wait_for(child.stdout.readline(), 180)).decode().split()
        print(f"{ready[1] if len(ready) > 1 else 0} of {args.subscribers} subscribers connected", flush=True)
        await asyncio.sleep(5)  # their subscribe messages are in flight; memory is read once they are served

        load = await bodies(url)
        tokens = Tokens(url)
        clerk_id = await clerk(url)
        queues: list[deque[int]] = [deque() for _ in range(args.officers)]
        for index, case_id in enumerate(cases):
            queues[index % args.officers].append(case_id)
        desks = [Desk(number, args.port, url, tokens, queues[number], clerk_id) for number in range(args.officers)]
        stop = asyncio.Event()
        samples: list[tuple[float, int]] = []
        sampler = asyncio.create_task(sample_rss(server.pid, args.sample, stop, samples))
        writers = [asyncio.create_task(desk.run(stop, args.officers / args.action_rate)) for desk in desks]
        client = RawHttp(args.port)
        print(
            f"soak: {args.seconds:.0f} s, reads {args.read_rate:g}/s, officer actions {args.action_rate:g}/s",
            flush=True,
        )
        reads = await open_loop(client, load, args.read_rate, args.seconds)
        stop.set()
        await asyncio.wait([*writers, sampler], timeout=30)
        await client.close()
        target = await last_sequence(url)
        await asyncio.sleep(10)  # the last events reach their watchers
        child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(child.wait(), 60)
        child = None
        delivered: list[dict[str, Any]] = json.loads(out_path.read_text())
        expected = await expected_sequences(url, plan)
    finally:
        if child is not None and child.returncode is None:
            child.kill()
            await child.wait()
        await server.stop()
        await drop(url)

    read_ok = [a.latency_s * 1000 for a in reads if ok(a)]
    read_errors = len(reads) - len(read_ok)
    read_kinds = Counter(a.status for a in reads if not ok(a))
    attempts = [a for desk in desks for a in desk.attempts]
    acked = {
        action: [(a.answered - a.sent) * 1000 for a in attempts if a.action == action and a.outcome == "ack"]
        for action in ("start", "sign")
    }
    failed = [a for a in attempts if a.outcome != "ack"]
    exact = sum(1 for got, want in zip(delivered, expected, strict=True) if got["received"] == want)
    received = sum(len(got["received"]) for got in delivered)
    wanted = sum(len(want) for want in expected)
    disordered = sum(
        1 for got in delivered if any(b <= a for a, b in zip(got["received"], got["received"][1:], strict=False))
    )
    # The samples themselves, for a plot or a second look at a slope.
    (logs / "rss.csv").write_text("seconds,rss_kib\n" + "".join(f"{t:.1f},{kib}\n" for t, kib in samples))
    rss = [kib for _, kib in samples]
    # The first minute (a fifth of a short run) fills caches, plans and the connection pool: growth is judged after.
    warm_s = min(60.0, args.seconds / 5)
    settled = [sample for sample in samples if sample[0] >= warm_s] or samples
    growth_mib = (settled[-1][1] - settled[0][1]) / 1024 if settled else 0.0

    print()
    print(
        f"reads: {len(reads)} ({len(reads) / args.seconds:.1f}/s), errors {read_errors} "
        f"({read_errors / max(1, len(reads)):.3%}) {dict(read_kinds) if read_kinds else ''}, "
        f"p50 {percentile(read_ok, 0.5):.1f} ms, p99 {percentile(read_ok, 0.99):.1f} ms, "
        f"max {max(read_ok, default=0):.0f} ms"
    )
    print(
        f"officer actions: {len(attempts)} ({len(attempts) / args.seconds:.1f}/s), signings acknowledged "
        f"{len(acked['sign'])}, starts {len(acked['start'])}, not acknowledged {len(failed)} "
        f"({len(failed) / max(1, len(attempts)):.3%}) {dict(Counter(a.outcome + ' ' + a.detail for a in failed))}; "
        f"sign p50 {percentile(acked['sign'], 0.5):.1f} ms, p99 {percentile(acked['sign'], 0.99):.1f} ms; "
        f"log {start} → {target}"
    )
    print(
        f"subscribers: {len(delivered)}, {sum(1 for got in delivered if got['received'])} received something; "
        f"{received} of {wanted} expected messages ({received / max(1, wanted):.2%}); exact {exact}/{len(delivered)}; "
        f"out of order {disordered}; reconnects {sum(got['connects'] - 1 for got in delivered)}; "
        f"error messages {sum(len(got['errors']) for got in delivered)}"
    )
    if rss:
        print(
            f"server RSS: start {rss[0] / 1024:.1f} MiB, end {rss[-1] / 1024:.1f} MiB, max {max(rss) / 1024:.1f} MiB, "
            f"slope {slope_kib_per_min(samples):+.0f} KiB/min over {len(samples)} samples every {args.sample:g} s"
        )
        print(
            f"after {warm_s:.0f} s of warm-up: {settled[0][1] / 1024:.1f} → {settled[-1][1] / 1024:.1f} MiB "
            f"({growth_mib:+.1f} MiB), slope {slope_kib_per_min(settled):+.0f} KiB/min"
        )
    if read_errors > len(reads) * args.max_error_share:
        failures.append(f"read error rate {read_errors / len(reads):.3%}")
    if len(failed) > len(attempts) * args.max_error_share:
        failures.append(f"officer error rate {len(failed) / len(attempts):.3%}")
    if exact != len(delivered):
        failures.append(f"{len(delivered) - exact} subscribers did not receive exactly their events")
    if growth_mib > args.max_growth_mib:
        failures.append(f"RSS grew {growth_mib:.1f} MiB")
    print("verdict: " + ("ok" if not failures else "FAILED: " + "; ".join(failures)))
    print(f"logs: {logs}")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--read-rate", type=float, default=40)
    parser.add_argument("--officers", type=int, default=4)
    parser.add_argument("--action-rate", type=float, default=4, help="starts and signings per second, all officers")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--sample", type=float, default=5, help="seconds between RSS samples")
    parser.add_argument("--max-error-share", type=float, default=0.001)
    parser.add_argument("--max-growth-mib", type=float, default=8, help="RSS growth after warm-up")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--subscribers-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        if args.subscribers_only:
            runner.run(subscribers(args.port, json.loads(args.plan.read_text()), args.out))
            return
        sys.exit(runner.run(run(args)))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
