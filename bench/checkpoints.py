"""Checkpoint freshness: how long after an event is recorded does a signed checkpoint cover it, as a client polling
`/ledger/checkpoint` sees it? Target (issue 17): p99 within 250 ms under normal load.

    make bench-checkpoints     # or: .venv/bin/python -m bench.checkpoints [--seconds 20 --pace 0.1]

On a throwaway database with the demo data, one `openproc serve` on a loopback port: an officer client signs
demo steps every --pace seconds for --seconds, while a client polls the checkpoint every 10 ms and notes when each
size was first served. Each event's delay is that moment minus its `recorded_at` (both clocks are this machine's).
Loopback only; both loops end with the phase. Exits 1 when the p99 is over the target.
"""

import argparse
import asyncio
import os
import tempfile
import time
from collections import deque
from pathlib import Path

import httpx

from bench.harness import HOST, Desk, Server, Tokens, clerk, fetch, last_sequence, open_cases, percentile
from bench.live import drop, prepare

TARGET_MS = 250
POLL_S = 0.01


async def poll(port: int, stop: asyncio.Event, first_seen: dict[int, float]) -> None:
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=5) as http:
        while not stop.is_set():
            response = await http.get("/ledger/checkpoint")
            if response.status_code == 200:
                first_seen.setdefault(int(response.text.splitlines()[1]), time.time())
            await asyncio.sleep(POLL_S)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--pace", type=float, default=0.1, help="seconds between one officer's signings")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    url = await prepare(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    server = Server(url, args.port, Path(tempfile.gettempdir()) / "openproc-bench-checkpoints.log")
    first_seen: dict[int, float] = {}
    try:
        await server.start()
        start = await last_sequence(url)
        stop = asyncio.Event()
        desk = Desk(0, args.port, url, Tokens(url), deque(await open_cases(url)), await clerk(url))
        tasks = [asyncio.create_task(desk.run(stop, args.pace)), asyncio.create_task(poll(args.port, stop, first_seen))]
        await asyncio.sleep(args.seconds)
        # The last events get a moment to be signed before the poller stops.
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*tasks)
        events = await fetch(url, "SELECT seq, extract(epoch FROM recorded_at) AS at FROM event WHERE seq > $1", start)
    finally:
        await server.stop()
        await drop(url)

    sizes = sorted(first_seen)
    delays = []
    for event in events:
        covering = next((size for size in sizes if size >= event["seq"]), None)
        if covering is not None:
            delays.append((first_seen[covering] - float(event["at"])) * 1000)
    uncovered = len(events) - len(delays)
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    print(
        f"checkpoint freshness, {len(events)} events over {args.seconds:.0f} s, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"recorded → covered by a served checkpoint: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(delays):.1f} ms")
    print(f"checkpoints seen: {len(sizes)}; events never covered: {uncovered}")
    if uncovered or p99 > TARGET_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
