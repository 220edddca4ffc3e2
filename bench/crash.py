"""Crash check: no acknowledged signing lost, no event sequence or ledger leaf missing, and every resuming
subscriber receives every event exactly once and in order, through a `kill -9` of the server and a restart of
PostgreSQL. A history checker in the spirit of Jepsen: the clients' records are compared with the database.

    make bench-crash          # or: .venv/bin/python -m bench.crash [--seconds 70 --no-pg-restart]

On a throwaway database (DATABASE_URL's server, else the embedded one) with the demo data, one `openproc serve`
process on a loopback port. Officer clients walk demo cases (then new ones) step by step, recording every start
and sign request and how it was answered; subscribers follow the public feed with `after:` and reconnect
whenever their socket closes. At --kill-at seconds the server gets SIGKILL and a new one starts on the same
port; at --pg-restart-at the machine's PostgreSQL cluster is restarted (`pg_ctlcluster`, loopback-only and ours
here); at --seconds the writers stop, the subscribers get a bounded time to catch up, and every check runs.
It prints a verdict table and exits 1 on any violation.
"""

import argparse
import asyncio
import itertools
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.harness import (
    FEED,
    ROOT,
    Attempt,
    Desk,
    Follower,
    Server,
    Tokens,
    clerk,
    fetch,
    last_sequence,
    open_cases,
    percentile,
    raise_file_limit,
)
from bench.live import drop, prepare
from openproc.database import resolve_url
from openproc.settings import Settings
from seed import loader


@dataclass(frozen=True)
class Verdict:
    check: str
    violations: list[str]

    @property
    def ok(self) -> bool:
        return not self.violations


def pg_cluster() -> tuple[str, str]:
    """The machine's one cluster (`ls /etc/postgresql` → version; its `main`)."""
    versions = (
        sorted(path.name for path in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").exists() else []
    )
    if not versions:
        raise SystemExit("no PostgreSQL cluster under /etc/postgresql to restart: pass --no-pg-restart")
    return versions[-1], "main"


async def restart_postgres(database_url: str) -> float:
    """Restart the cluster and wait until it accepts connections again; returns the seconds it was away."""
    version, name = pg_cluster()
    started = time.monotonic()
    await asyncio.to_thread(
        subprocess.run,
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        timeout=120,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = await asyncpg.connect(loader.libpq(database_url), timeout=2)
            await connection.close()
            return time.monotonic() - started
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await asyncio.sleep(0.2)
    raise SystemExit("PostgreSQL did not come back within 60 s")


async def check(
    database_url: str, attempts: list[Attempt], followers: list[Follower]
) -> tuple[list[Verdict], dict[str, int]]:
    events = await fetch(database_url, "SELECT seq, type, step_id FROM event ORDER BY seq")
    leaves = await fetch(database_url, "SELECT leaf_index, seq FROM ledger_leaf ORDER BY leaf_index")
    counter = await fetch(database_url, "SELECT last_seq FROM event_counter")
    steps = {row["id"]: row["status"] for row in await fetch(database_url, "SELECT id, status FROM step")}
    sequences = [int(row["seq"]) for row in events]
    top = sequences[-1] if sequences else 0
    signed_events = Counter(int(row["step_id"]) for row in events if row["type"] == "step_signed")
    started_events = Counter(int(row["step_id"]) for row in events if row["type"] == "step_started")
    verdicts: list[Verdict] = []

    lost = [
        f"writer {a.writer} sign of step {a.step_id} acknowledged at +{a.answered:.2f} s: "
        f"step is {steps.get(a.step_id)}, {signed_events[a.step_id]} STEP_SIGNED events"
        for a in attempts
        if a.action == "sign"
        and a.outcome == "ack"
        and (steps.get(a.step_id) != "signed" or signed_events[a.step_id] != 1)
    ]
    verdicts.append(Verdict("acknowledged signings present (step signed, one STEP_SIGNED)", lost))
    lost_starts = [
        f"writer {a.writer} start of step {a.step_id}: {started_events[a.step_id]} STEP_STARTED events"
        for a in attempts
        if a.action == "start" and a.outcome == "ack" and started_events[a.step_id] != 1
    ]
    verdicts.append(Verdict("acknowledged starts present (one STEP_STARTED)", lost_starts))
    twice = [f"step {step} has {count} STEP_SIGNED events" for step, count in signed_events.items() if count > 1]
    verdicts.append(Verdict("no step signed twice", twice))

    gaps = [
        f"sequence {expected} missing (found {found})"
        for expected, found in zip(range(1, top + 1), sequences, strict=False)
        if expected != found
    ]
    if len(sequences) != top:
        gaps.append(f"{len(sequences)} events for sequences 1..{top}")
    if not counter or int(counter[0]["last_seq"]) != top:
        gaps.append(f"event counter says {counter[0]['last_seq'] if counter else None}, the log ends at {top}")
    verdicts.append(Verdict(f"event sequences contiguous 1..{top}", gaps[:10]))

    leaf_problems = [
        f"leaf {row['leaf_index']} holds sequence {row['seq']}"
        for row in leaves
        if int(row["leaf_index"]) != int(row["seq"]) - 1
    ]
    indices = [int(row["leaf_index"]) for row in leaves]
    if indices != list(range(len(indices))):
        leaf_problems.append(f"leaf indices are not 0..{len(indices) - 1}")
    if len(indices) != top:
        leaf_problems.append(f"{len(indices)} leaves for {top} events")
    verdicts.append(Verdict("ledger leaf index = sequence − 1, contiguous", leaf_problems[:10]))

    delivery: list[str] = []
    for number, follower in enumerate(followers):
        got = follower.received
        expected = [seq for seq in sequences if seq > follower.start_after]
        out_of_order = [f"{a}→{b}" for a, b in itertools.pairwise(got) if b <= a]
        duplicates = sorted(seq for seq, count in Counter(got).items() if count > 1)
        if out_of_order or duplicates:
            delivery.append(
                f"subscriber {number} (after {follower.start_after}): not strictly increasing at {out_of_order[:5]}, "
                f"duplicates {duplicates[:10]}"
            )
        if got != expected:
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            delivery.append(
                f"subscriber {number} (after {follower.start_after}): received {len(got)} of {len(expected)}; "
                f"missing {missing[:10]}{'…' if len(missing) > 10 else ''}, not in the log {extra[:10]}"
            )
    verdicts.append(Verdict(f"{len(followers)} subscribers: every event after their start, once, in order", delivery))
    # Requests that got no answer may or may not have committed; either is allowed, the log decides.
    doubtful = {a.step_id for a in attempts if a.action == "sign" and a.outcome == "unknown"}
    figures = {
        "events": top,
        "leaves": len(indices),
        "STEP_SIGNED events": sum(signed_events.values()),
        "in-doubt signings that committed": sum(1 for step in doubtful if steps.get(step) == "signed"),
    }
    return verdicts, figures


def monitor(port: int, state: Path) -> Verdict:
    """The independent verifier replays every leaf up to the latest checkpoint and compares the served events."""
    key = httpx.get(f"http://127.0.0.1:{port}/ledger/key", timeout=10).text.strip()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "verifier" / "openproc_verify.py"),
            "--server",
            f"http://127.0.0.1:{port}",
            "--key",
            key,
            "--state",
            str(state),
            "monitor",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return Verdict(
        f"verifier monitor ({lines[-1][:60] if lines else 'no output'})", [] if done.returncode == 0 else lines[-3:]
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="how long the writers run")
    parser.add_argument("--kill-at", type=float, default=15)
    parser.add_argument("--pg-restart-at", type=float, default=35)
    parser.add_argument("--no-pg-restart", action="store_true")
    parser.add_argument("--pause", type=float, default=0.02, help="seconds each writer waits between requests")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    raise_file_limit(args.subscribers + 1_000)
    if not args.no_pg_restart:
        pg_cluster()

    server_url = resolve_url(Settings())
    if not args.no_pg_restart and make_url(server_url).host not in ("127.0.0.1", "localhost"):
        # Restarting the machine's cluster tests nothing if the database lives in the embedded server.
        raise SystemExit("set DATABASE_URL to the machine's PostgreSQL (127.0.0.1:5432), or pass --no-pg-restart")
    url = await prepare(server_url)
    logs = Path(tempfile.mkdtemp(prefix="openproc-crash-"))
    server = Server(url, args.port, logs / "server.log")
    timeline: list[str] = []
    began = time.monotonic()

    def note(what: str) -> None:
        timeline.append(f"+{time.monotonic() - began:5.1f} s  {what}")
        print(timeline[-1], flush=True)

    try:
        await server.start()
        note(f"server {server.pid} up on port {args.port}")
        tokens = Tokens(url)
        clerk_id = await clerk(url)
        queues: list[deque[int]] = [deque() for _ in range(args.writers)]
        for index, case_id in enumerate(await open_cases(url)):
            queues[index % args.writers].append(case_id)
        desks = [Desk(number, args.port, url, tokens, queues[number], clerk_id) for number in range(args.writers)]
        start = await last_sequence(url)
        # Subscribers start at different points of the log, so resuming replays backlogs of different lengths.
        followers = [
            Follower(args.port, FEED, {}, max(0, start - (number * 37) % 400)) for number in range(args.subscribers)
        ]
        writers_stop, followers_stop = asyncio.Event(), asyncio.Event()
        deadline = time.monotonic() + args.seconds + 120
        follow_tasks = [asyncio.create_task(follower.run(followers_stop, deadline)) for follower in followers]
        write_tasks = [asyncio.create_task(desk.run(writers_stop, args.pause)) for desk in desks]
        note(f"{args.writers} writers and {args.subscribers} subscribers started (log at sequence {start})")

        await asyncio.sleep(max(0.0, began + args.kill_at - time.monotonic()))
        old_pid = server.pid
        server.kill9()
        note(f"kill -9 {old_pid}")
        server = Server(url, args.port, logs / "server.log")
        await server.start()
        note(f"new server {server.pid} up")

        if not args.no_pg_restart:
            await asyncio.sleep(max(0.0, began + args.pg_restart_at - time.monotonic()))
            note("PostgreSQL restart")
            away = await restart_postgres(url)
            note(f"PostgreSQL accepts connections again ({away:.1f} s)")

        await asyncio.sleep(max(0.0, began + args.seconds - time.monotonic()))
        writers_stop.set()
        await asyncio.wait(write_tasks, timeout=30)
        note("writers stopped")
        target = await last_sequence(url)
        catch_up = time.monotonic() + 30
        # Polled, not awaited on an event: the followers' progress is plain state, read a few times a second.
        while time.monotonic() < catch_up and any(follower.last < target for follower in followers):  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        followers_stop.set()
        await asyncio.wait(follow_tasks, timeout=10)
        note(f"subscribers stopped (log at {target}; {sum(f.last >= target for f in followers)} caught up)")

        attempts = sorted((a for desk in desks for a in desk.attempts), key=lambda a: a.sent)
        for attempt in attempts:
            attempt.sent -= began
            attempt.answered -= began
        verdicts, figures = await check(url, attempts, followers)
        verdicts.append(await asyncio.to_thread(monitor, args.port, logs / "verifier-state.json"))
    finally:
        await server.stop()
        await drop(url)

    signings = [a for a in attempts if a.action == "sign"]
    outcomes = Counter(a.outcome for a in signings)
    in_doubt = [a for a in signings if a.outcome == "unknown"]
    acked = [a.answered - a.sent for a in signings if a.outcome == "ack"]
    print()
    print(f"signings: {len(signings)} requests; " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(
        f"acknowledged signing latency: p50 {percentile(acked, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(acked, 0.99) * 1000:.0f} ms, max {max(acked, default=0) * 1000:.0f} ms"
    )
    refused = Counter(a.detail for a in signings if a.outcome in ("refused", "error"))
    if refused:
        print("refused or failed: " + "; ".join(f"{k} ×{v}" for k, v in refused.most_common(6)))
    print(f"in doubt (no answer): {len(in_doubt)}; registered new cases: {sum(d.registered for d in desks)}")
    print(
        "subscribers: "
        f"{sum(f.connects for f in followers)} connections in all ({min(f.connects for f in followers)}–"
        f"{max(f.connects for f in followers)} each), {sum(len(f.received) for f in followers)} events received, "
        f"{sum(len(f.errors) for f in followers)} error/complete messages"
    )
    print("database: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    print()
    print(f"{'check':<78}verdict")
    for verdict in verdicts:
        print(f"{verdict.check:<78}{'ok' if verdict.ok else 'VIOLATION'}")
        for line in verdict.violations[:20]:
            print(f"    {line}")
    print(f"server logs: {logs}")
    return 0 if all(verdict.ok for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
