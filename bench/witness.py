"""Witness freshness: how long after an event is committed does `/ledger/checkpoint` serve a checkpoint that covers
it *and* carries a witness's cosignature (C2SP tlog-witness, tlog-cosignature)?

    make bench-witness     # or: .venv/bin/python -m bench.witness [--commits 100 --pace 0.1 --seconds 60]

On a throwaway database with the demo data: `openproc witness` (its own state directory, in a temporary folder)
and one `openproc serve` whose LEDGER_WITNESS_URLS names it, each on a loopback port. An officer client starts and
signs demo steps every --pace seconds until --commits of its writes were acknowledged (or --seconds passed), while
a client polls the checkpoint every 10 ms and notes when each size was first served signed, and first served with
a valid cosignature. Each event's delay is that moment minus its `recorded_at` (both clocks are this machine's).
Loopback only, bounded in commits and time. Exits 1 when an event was never covered by a cosigned checkpoint.
"""

import argparse
import asyncio
import base64
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.harness import (
    HOST,
    ROOT,
    Desk,
    Server,
    Tokens,
    clerk,
    fetch,
    last_sequence,
    listening,
    open_cases,
    percentile,
)
from bench.live import drop, prepare
from ledger.cosignature import CosignatureKey, load_cosigner
from ledger.note import Signer
from openproc.witness_server import WITNESS_KEY_FILE

POLL_S = 0.01
ORIGIN = "bench.openproc.example/ledger"
WITNESS_NAME = "bench.openproc.example/witness"
# After the last commit, how long the poller may wait for a cosigned checkpoint covering it.
SETTLE_S = 10.0


class Witness:
    """`openproc witness` on a loopback port, its output in `log`."""

    def __init__(self, state_dir: Path, log_key: str, port: int, log: Path) -> None:
        self.state_dir, self.log_key, self.port, self.log_path = state_dir, log_key, port, log
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        arguments = ["--state-dir", str(self.state_dir), "--name", WITNESS_NAME, "--log", self.log_key]
        with self.log_path.open("a") as output:
            self.process = subprocess.Popen(  # noqa: ASYNC220 (starting a child does not block; readiness is polled)
                [sys.executable, "-m", "openproc.cli", "witness", *arguments, "--port", str(self.port)],
                cwd=ROOT,
                env={**os.environ, "LOG_LEVEL": "warning"},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        # Any answer from the monitoring route (404: no log cosigned yet) says the witness is listening.
        monitor = f"http://{HOST}:{self.port}/{'0' * 64}/checkpoint"
        await listening(self.process, monitor, 404, "the witness", self.log_path)

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait, 10)


class Poller:
    """When each checkpoint size was first served, signed and cosigned; `covered` is set once a cosigned
    checkpoint reaches `wanted`."""

    def __init__(self, port: int, witness: CosignatureKey) -> None:
        self.port, self.witness = port, witness
        self.signed: dict[int, float] = {}
        self.cosigned: dict[int, float] = {}
        self.wanted: int | None = None
        self.covered = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{self.port}", timeout=5) as http:
            while not stop.is_set():
                response = await http.get("/ledger/checkpoint")
                seen = time.time()
                if response.status_code == 200:
                    size = int(response.text.splitlines()[1])
                    self.signed.setdefault(size, seen)
                    try:
                        self.witness.timestamp(response.text)
                    except ValueError:
                        pass  # not cosigned yet
                    else:
                        self.cosigned.setdefault(size, seen)
                        if self.wanted is not None and size >= self.wanted:
                            self.covered.set()
                await asyncio.sleep(POLL_S)


def delays_ms(events: list[tuple[int, float]], first_seen: dict[int, float]) -> list[float]:
    """For each (sequence, recorded at), how long until the first served checkpoint covering it."""
    sizes = sorted(first_seen)
    delays = []
    for sequence, recorded in events:
        covering = [first_seen[size] for size in sizes if size >= sequence]
        if covering:
            delays.append((min(covering) - recorded) * 1000)
    return delays


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=100, help="acknowledged writes to measure (at most)")
    parser.add_argument("--seconds", type=float, default=60, help="the writing phase ends after this at the latest")
    parser.add_argument("--pace", type=float, default=0.1, help="seconds between one officer's writes")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--witness-port", type=int, default=8794)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="openproc-bench-witness-"))
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    log_key = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(seed)).verifier_key
    witness_key = load_cosigner(folder / "witness" / WITNESS_KEY_FILE, WITNESS_NAME).verifier_key
    url = await prepare(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    witness = Witness(folder / "witness", log_key, args.witness_port, folder / "witness.log")
    server = Server(
        url,
        args.port,
        folder / "server.log",
        DATA_DIR=str(folder / "log"),
        LEDGER_ORIGIN=ORIGIN,
        LEDGER_SIGNING_KEY=base64.b64encode(seed).decode(),
        LEDGER_WITNESS_URLS=f"http://{HOST}:{args.witness_port}",
        LEDGER_WITNESS_KEYS=witness_key,
    )
    poller = Poller(args.port, CosignatureKey(witness_key))
    try:
        await witness.start()
        await server.start()
        start = await last_sequence(url)
        stop_writing, stop_polling = asyncio.Event(), asyncio.Event()
        desk = Desk(0, args.port, url, Tokens(url), deque(await open_cases(url)), await clerk(url))
        polling = asyncio.create_task(poller.run(stop_polling))
        writing = asyncio.create_task(desk.run(stop_writing, args.pace))
        began = time.monotonic()
        while time.monotonic() - began < args.seconds:
            if sum(attempt.outcome == "ack" for attempt in desk.attempts) >= args.commits:
                break
            await asyncio.sleep(0.05)
        stop_writing.set()
        await writing
        written = time.monotonic() - began
        poller.wanted = await last_sequence(url)
        if max(poller.cosigned, default=0) >= poller.wanted:
            poller.covered.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(poller.covered.wait(), SETTLE_S)
        stop_polling.set()
        await polling
        rows = await fetch(url, "SELECT seq, extract(epoch FROM recorded_at) AS at FROM event WHERE seq > $1", start)
        events = [(int(row["seq"]), float(row["at"])) for row in rows]
        commits = sum(attempt.outcome == "ack" for attempt in desk.attempts)
    finally:
        await server.stop()
        await witness.stop()
        await drop(url)

    signed, cosigned = poller.signed, poller.cosigned
    to_signed, to_cosigned = delays_ms(events, signed), delays_ms(events, cosigned)
    uncovered = len(events) - len(to_cosigned)
    load = os.getloadavg()
    print(
        f"witness freshness, {commits} acknowledged commits ({len(events)} events) over {written:.0f} s,"
        f" load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(
        f"committed → served signed:   p50 {percentile(to_signed, 0.5):.1f} ms,"
        f" p99 {percentile(to_signed, 0.99):.1f} ms, max {max(to_signed, default=float('nan')):.1f} ms"
    )
    print(
        f"committed → served cosigned: p50 {percentile(to_cosigned, 0.5):.1f} ms,"
        f" p99 {percentile(to_cosigned, 0.99):.1f} ms, max {max(to_cosigned, default=float('nan')):.1f} ms"
    )
    print(f"checkpoints seen signed: {len(signed)}, cosigned: {len(cosigned)}; events never cosigned: {uncovered}")
    if uncovered or not events:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
