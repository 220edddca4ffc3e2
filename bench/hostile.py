"""Hostile requests: issue 22's attacks, each run against one server while `/healthz` is probed, to show that none
holds the event loop and that each is refused with a typed error.

    make bench-hostile         # or: .venv/bin/python -m bench.hostile [--rounds 20]

On a throwaway database with the demo data, one `openproc serve` on a loopback port. Each attack sends its request
--rounds times (over HTTP, or over the WebSocket where it says so) from two clients at once, while `/healthz` is
probed every 20 ms (after one ordinary request through each door); the server's RSS is read before and after.
Requires, per attack: `/healthz` p99 ≤ 50 ms, no stall of the server's event loop over 100 ms (its
`openproc_event_loop_lag_seconds`, read from /metrics before and after), RSS growth < 64 MiB, and every answer a
refusal with a code. The open-data exports are not attacks but the heaviest ordinary requests: each file is built
once, cold, and must be served without holding the loop either; `--scale seoul` measures them at the original
system's first-year size. Loopback only; each attack is bounded by its rounds and --limit-s (60 s; an attack
still unanswered then is reported as such). Exits 1 when a requirement fails.
"""

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import websockets
from prometheus_client.parser import text_string_to_metric_families

from bench.harness import HOST, Server, percentile, probe, rss_kib
from bench.live import drop, prepare

HEALTH_P99_MS = 50
LOOP_STALL_S = 0.1
RSS_GROWTH_KIB = 64 * 1024


def nested_fragments(width: int, levels: int) -> str:
    """The attack of issue 22: `levels` fragments, each selecting the next under `width` aliases (spread `...F0`
    on a Case)."""
    fragments = [
        f"fragment F{level} on Case {{ "
        + " ".join(f"a{i}: steps {{ case {{ ...F{level + 1} }} }}" for i in range(width))
        + " }"
        for level in range(levels - 1)
    ]
    fragments.append(f"fragment F{levels - 1} on Case {{ " + " ".join(f"a{i}: title" for i in range(width)) + " }")
    return " ".join(fragments)


def snapshot_fragments(width: int) -> str:
    """The same shape over the subscription's own types: progress > case > steps > officer, `width` aliases each."""
    chain = [("CaseProgress", "case"), ("CaseSnapshot", "steps"), ("StepSnapshot", "officer"), ("OfficerSnapshot", "")]
    fragments = []
    for level, (type_name, field) in enumerate(chain):
        inner = [f"a{i}: {field} {{ ...F{level + 1} }}" if field else f"a{i}: name" for i in range(width)]
        fragments.append(f"fragment F{level} on {type_name} {{ {' '.join(inner)} }}")
    return " ".join(fragments)


HTTP_ATTACKS = {
    "4 nested fragments × 32 aliases": '{ case(receiptNo: "x") { ...F0 } } ' + nested_fragments(32, 4),
    "1,090 × ledger { publicKey }": "{ " + "ledger { publicKey } " * 1_090 + "}",
    # Just under the token limit: validated, not refused while parsing.
    "245 × ledger { publicKey }": "{ " + "ledger { publicKey } " * 245 + "}",
    "cases(100) > … > steps(100) > …": "{ cases(first: 100) { edges { node { steps { officer { steps(first: 100) "
    "{ edges { node { case { steps { name } } } } } } } } } } }",
    "10 × statistics(OFFICER, MONTH)": "{ "
    + " ".join(f"s{i}: statistics(groupBy: OFFICER, period: MONTH) {{ openNow }}" for i in range(10))
    + " }",
    "a chain of 40 fragments": "{ ...F0 } "
    + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    + " fragment F40 on Query { __typename }",
}
SOCKET_ATTACKS = {
    "socket: nested fragments subscription": 'subscription { caseProgress(receiptNo: "x", after: 0) { ...F0 } } '
    + snapshot_fragments(32),
    "socket: 100 aliases from after 0": "subscription { events(after: 0) { "
    + " ".join(f"a{i}: sequence" for i in range(100))
    + " } }",
    "socket: 4,000 × case { title }": "{ " + " ".join('case(receiptNo: "x") { title }' for _ in range(4_000)) + " }",
}

# Sockets from one address that subscribe to a large selection (about 8 KB an event) from the start of the log
# and never read, held HOLD_S: long enough for the kernel's socket buffers to fill and the server's queues to
# grow up to the byte budgets (WS_SEND_BUFFER_BYTES per socket, WS_CLIENT_BUFFER_BYTES per address). Without
# them (--setting WS_SEND_BUFFER_BYTES=… far beyond) the server grew 225 MiB here.
SLOW_READERS = 24
SLOW_SELECTION = (
    "subscription { events(after: 0) { "
    + " ".join(
        f"a{i}: case {{ title receiptNo department steps {{ name status officer {{ name }} }} }}" for i in range(20)
    )
    + " } }"
)
HOLD_S = 30


EXPORTS = ("permits.csv", "permits.json", "permit_status.csv", "permit_status.json")


@dataclass
class Outcome:
    name: str
    answers: Counter[str]
    attacker_p50_ms: float
    health_p99_ms: float
    rss_growth_kib: int
    loop: "LoopLag"

    @property
    def refused(self) -> bool:
        """Every answer a refusal (or, for readers that do not read, being paced or cut off; for an export, served)."""
        return all(answer.startswith(("refused", "paced", "served")) for answer in self.answers)

    @property
    def ok(self) -> bool:
        return (
            self.refused
            and self.health_p99_ms <= HEALTH_P99_MS
            and self.loop.stalls == 0
            and self.rss_growth_kib < RSS_GROWTH_KIB
        )


@dataclass(frozen=True)
class LoopLag:
    """What the server's loop-lag histogram gained during an attack: its longest lag (as the upper bound of the
    highest bucket that gained a sample) and how many samples were later than LOOP_STALL_S."""

    longest_ms: float
    stalls: int


async def loop_lag_buckets(http: httpx.AsyncClient) -> dict[float, float]:
    """The cumulative buckets of openproc_event_loop_lag_seconds: upper bound → samples at or below it."""
    text = (await http.get("/metrics")).text
    return {
        float(sample.labels["le"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "openproc_event_loop_lag_seconds"
        for sample in family.samples
        if sample.name.endswith("_bucket")
    }


def gained(before: dict[float, float], after: dict[float, float]) -> LoopLag:
    new = {bound: after[bound] - before.get(bound, 0.0) for bound in after}
    total = new[float("inf")]
    longest = min((bound for bound, count in new.items() if count == total), default=float("inf"))
    return LoopLag(longest * 1000, int(total - new.get(LOOP_STALL_S, 0.0)))


def http_answer(response: httpx.Response) -> str:
    if response.status_code != 200:
        return (
            f"refused {response.status_code}" if response.status_code in (400, 413, 429) else str(response.status_code)
        )
    errors = response.json().get("errors") or []
    codes = {str((error.get("extensions") or {}).get("code")) for error in errors}
    return f"refused {','.join(sorted(codes))}" if errors and "INTERNAL" not in codes else "answered"


async def socket_answer(port: int, query: str, variables: dict[str, object] | None = None) -> str:
    """The socket's answer: an `error` message's codes, or the close code when the server refuses the frame."""
    async with websockets.connect(f"ws://{HOST}:{port}/graphql", subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        await socket.recv()
        payload = {"query": query, "variables": variables or {}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        try:
            message = json.loads(await asyncio.wait_for(socket.recv(), 30))
        except websockets.ConnectionClosed as closed:
            return f"refused close {closed.rcvd.code if closed.rcvd else '?'}"
    if message["type"] == "error":
        codes = {str((error.get("extensions") or {}).get("code")) for error in message["payload"]}
        return f"refused {','.join(sorted(codes))}"
    return str(message["type"])


async def slow_readers(http: httpx.AsyncClient, pid: int) -> Outcome:
    """SLOW_READERS sockets that never read, held HOLD_S while /healthz is probed; RSS is read while they hold."""
    port = http.base_url.port
    assert port is not None
    before, lag_before = rss_kib(pid), await loop_lag_buckets(http)
    stop = asyncio.Event()
    health = asyncio.create_task(probe(port, "/healthz", stop, 0.02))
    answers: Counter[str] = Counter()
    async with contextlib.AsyncExitStack() as held:
        sockets = []
        for _ in range(SLOW_READERS):
            socket = await held.enter_async_context(
                # The client library buffers one message, then stops reading: the kernel's buffers fill, then
                # the server's queue.
                websockets.connect(f"ws://{HOST}:{port}/graphql", subprotocols=["graphql-transport-ws"], max_queue=1)  # type: ignore[list-item]
            )
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            await socket.recv()
            payload = {"query": SLOW_SELECTION}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            sockets.append(socket)
        await asyncio.sleep(HOLD_S)  # the attack is holding sockets open this long, not waiting for anything
        grown = rss_kib(pid) - before
        for socket in sockets:
            answers["refused close 1013" if socket.close_code == 1013 else "paced"] += 1
    stop.set()
    healthz = [seconds * 1000 for seconds in await health]
    lag = gained(lag_before, await loop_lag_buckets(http))
    name = f"socket: {SLOW_READERS} readers that never read"
    return Outcome(name, answers, 0.0, percentile(healthz, 0.99), grown, lag)


async def attack(
    name: str,
    http: httpx.AsyncClient,
    pid: int,
    rounds: int,
    send: Callable[[], Awaitable[str]],
    limit_s: float = 60,
    clients: int = 2,
) -> Outcome:
    port = http.base_url.port
    assert port is not None
    before, lag_before = rss_kib(pid), await loop_lag_buckets(http)
    stop = asyncio.Event()
    health = asyncio.create_task(probe(port, "/healthz", stop, 0.02))
    answers: Counter[str] = Counter()
    took: list[float] = []

    async def client() -> None:
        for _ in range(rounds):
            started = time.monotonic()
            answers[await send()] += 1
            took.append((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(limit_s):
            await asyncio.gather(*(client() for _ in range(clients)))
    except TimeoutError:
        answers[f"no answer within {limit_s:.0f} s"] += 1
    finally:
        stop.set()
        healthz = [seconds * 1000 for seconds in await health]
    lag = gained(lag_before, await loop_lag_buckets(http))
    return Outcome(name, answers, percentile(took, 0.5), percentile(healthz, 0.99), rss_kib(pid) - before, lag)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--limit-s", type=float, default=60, help="how long one attack may take")
    parser.add_argument("--scale", choices=("demo", "seoul"), default="demo", help="the data set served")
    parser.add_argument(
        "--setting", action="append", default=[], metavar="NAME=VALUE", help="a server setting, e.g. to compare"
    )
    args = parser.parse_args()
    url = await prepare(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"), args.scale)
    # Budgets per address are not what is measured here: the attacks would be refused for their rate instead.
    settings = dict(setting.split("=", 1) for setting in args.setting)
    server = Server(
        url,
        args.port,
        Path(tempfile.gettempdir()) / "openproc-bench-hostile.log",
        **{"RATE_ANONYMOUS_PER_MINUTE": "1000000", **settings},
    )
    outcomes: list[Outcome] = []
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{args.port}", timeout=60) as http:
            # Each door used once first: what a process does on its first request is no attack's doing.
            await http.post("/graphql", json={"query": "{ __typename }"})
            await socket_answer(args.port, "{ __typename }")
            for name, query in HTTP_ATTACKS.items():

                async def over_http(query: str = query) -> str:
                    return http_answer(await http.post("/graphql", json={"query": query}))

                outcomes.append(await attack(name, http, server.pid, args.rounds, over_http, args.limit_s))
            fresh = iter(range(1_000_000))

            async def new_text_each_time() -> str:
                # A comment makes each document new to the server: nothing it parsed before helps.
                query = HTTP_ATTACKS["245 × ledger { publicKey }"] + f" # {next(fresh)}"
                return http_answer(await http.post("/graphql", json={"query": query}))

            name = "245 × ledger, a new text each time"
            outcomes.append(await attack(name, http, server.pid, args.rounds, new_text_each_time, args.limit_s))
            ids = ["Q2FzZTox"] * 40_000

            async def many_ids() -> str:
                body = {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ids}}
                return http_answer(await http.post("/graphql", json=body))

            outcomes.append(
                await attack("nodes(ids:) × 40,000 (a variable)", http, server.pid, args.rounds, many_ids, args.limit_s)
            )
            for name, query in SOCKET_ATTACKS.items():

                async def over_socket(query: str = query) -> str:
                    return await socket_answer(args.port, query)

                outcomes.append(await attack(name, http, server.pid, args.rounds, over_socket, args.limit_s))
            outcomes.append(await slow_readers(http, server.pid))
            for export in EXPORTS:

                async def download(export: str = export) -> str:
                    response = await http.get(f"/exports/blds/{export}")
                    return f"served {len(response.content) / 1e6:.1f} MB" if response.status_code == 200 else "failed"

                # One client, once: the first download builds the file, later ones are served what it built.
                name = f"export {export}, built cold"
                outcomes.append(await attack(name, http, server.pid, 1, download, args.limit_s, clients=1))
    finally:
        await server.stop()
        await drop(url)

    print(
        f"hostile requests, {args.rounds} rounds × 2 clients each, {args.scale} data, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if settings:
        print("server settings:", ", ".join(args.setting))
    print(f"{'attack':<42}{'answers':<44}{'attacker p50':>13}{'/healthz p99':>14}{'loop stall ≤':>14}{'RSS +MiB':>10}")
    failed = False
    for outcome in outcomes:
        answers = ", ".join(f"{answer} ×{count}" for answer, count in outcome.answers.items())
        failed |= not outcome.ok
        print(
            f"{outcome.name:<42}{answers:<44}{outcome.attacker_p50_ms:>10.1f} ms{outcome.health_p99_ms:>11.1f} ms"
            f"{outcome.loop.longest_ms:>11.0f} ms{outcome.rss_growth_kib / 1024:>10.1f}"
            f"{'' if outcome.ok else '  FAIL'}"
        )
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
