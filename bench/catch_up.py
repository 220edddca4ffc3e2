"""Catch-up stall: does a far catch-up — an anonymous `events(after: 0)` replaying the whole log — move other
watchers' push latency or `/healthz`? Target: neither p99 beyond 2× its value without the catch-up.

    make bench-catch-up        # or: .venv/bin/python -m bench.catch_up [--seconds 15 --catch-ups 2]

On a throwaway database with the demo data (about 30,000 events), one `openproc serve` on a loopback port:
officers sign demo steps at a steady pace, --watchers sockets follow the public feed from now and time each push
from the event's `recordedAt` to its arrival, and `/healthz` is probed every 50 ms. First --seconds without a
catch-up, then --seconds with --catch-ups sockets replaying the log from sequence 0 (each starting over when it
has caught up). Loopback only; every loop ends with its phase. Exits 1 when a p99 more than doubles.
"""

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections import deque
from datetime import datetime
from pathlib import Path

from bench.harness import Desk, Server, Tokens, clerk, last_sequence, open_cases, percentile, probe
from bench.live import drop, prepare
from bench.ws_client import Watcher, open_watcher

HOST = "127.0.0.1"
TIMED = "subscription($after: Int) { events(after: $after) { sequence recordedAt } }"
# What the reproduction replayed: each event with its case and step as they stand.
REPLAY = """
subscription($after: Int) {
  events(after: $after) {
    sequence type occurredAt
    case { receiptNo title status currentStep { name officer { name title } } }
    step { name status signedAt signer { name } }
  }
}
"""


def pushes_ms(watchers: list[Watcher], since: float, until: float) -> list[float]:
    """Arrival minus recordedAt, for every push that arrived in [since, until)."""
    took = []
    for watcher in watchers:
        for arrived, text in watcher.messages:
            if since <= arrived < until:
                message = json.loads(text)
                if message.get("type") == "next":
                    recorded = datetime.fromisoformat(message["payload"]["data"]["events"]["recordedAt"])
                    took.append((arrived - recorded.timestamp()) * 1000)
    return took


async def replay(port: int, url: str, stop: asyncio.Event, replayed: list[int]) -> None:
    """Catch up from sequence 0 to the live end, again and again, reading as fast as the socket delivers; each
    replay's count of events goes to `replayed` when it ends (complete or cut short by the phase's end)."""
    while not stop.is_set():
        end = await last_sequence(url)
        socket = await open_watcher(HOST, port, REPLAY, {"after": 0})
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(socket.arrived.wait(), 1)
                socket.arrived.clear()
                if not socket.messages:
                    continue
                last = json.loads(socket.messages[-1][1])
                if last.get("type") != "next":
                    raise SystemExit(f"the replay got {last}")
                if last["payload"]["data"]["events"]["sequence"] >= end:
                    break
        finally:
            replayed.append(len(socket.messages))
            socket.close()


async def phase(
    port: int, url: str, watchers: list[Watcher], seconds: float, catch_ups: int
) -> tuple[list[float], list[float], list[int]]:
    stop = asyncio.Event()
    desk = Desk(0, port, url, Tokens(url), deque(await open_cases(url)), await clerk(url))
    replayed: list[int] = []
    started = time.time()
    tasks = [asyncio.create_task(desk.run(stop, 0.2)), asyncio.create_task(probe(port, "/healthz", stop, 0.05))]
    tasks += [asyncio.create_task(replay(port, url, stop, replayed)) for _ in range(catch_ups)]
    await asyncio.sleep(seconds)
    stop.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    health = [took * 1000 for took in results[1]]  # type: ignore[union-attr]
    return pushes_ms(watchers, started, time.time()), health, replayed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--watchers", type=int, default=20)
    parser.add_argument("--catch-ups", type=int, default=1)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    url = await prepare(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    server = Server(url, args.port, Path(tempfile.gettempdir()) / "openproc-bench-catch-up.log")
    try:
        await server.start()
        end = await last_sequence(url)
        watchers = [await open_watcher(HOST, args.port, TIMED, {"after": end}) for _ in range(args.watchers)]
        quiet = await phase(args.port, url, watchers, args.seconds, 0)
        busy = await phase(args.port, url, watchers, args.seconds, args.catch_ups)
        for watcher in watchers:
            watcher.close()
    finally:
        await server.stop()
        await drop(url)

    load = os.getloadavg()[0]
    print(f"catch-up stall, {args.watchers} watchers, {args.seconds:.0f} s a phase, load average {load:.2f}")
    print(f"{'phase':<24}{'pushes':>8}{'push p50':>10}{'push p99':>10}{'/healthz p50':>14}{'/healthz p99':>14}")
    verdicts = []
    for name, (push, health, _) in (("without catch-up", quiet), (f"{args.catch_ups} far catch-up(s)", busy)):
        print(
            f"{name:<24}{len(push):>8}{percentile(push, 0.5):>10.1f}{percentile(push, 0.99):>10.1f}"
            f"{percentile(health, 0.5):>14.1f}{percentile(health, 0.99):>14.1f}"
        )
    print(f"events replayed by the catch-ups: {sum(busy[2]):,} in {len(busy[2])} replays")
    for what, index in (("push", 0), ("/healthz", 1)):
        before, during = percentile(quiet[index], 0.99), percentile(busy[index], 0.99)
        ratio = during / before if before else float("inf")
        verdicts.append(ratio <= 2)
        print(f"{what} p99: {before:.1f} → {during:.1f} ms, {ratio:.2f}× ({'ok' if ratio <= 2 else 'over 2×'})")
    if not all(verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
