"""What the fault and load benchmarks (crash, overload, soak) share: real server processes on a throwaway
database, officers' tokens, an open-loop HTTP client, officers signing steps, and subscribers that resume.

Everything here talks to loopback only, and every loop ends on a stop event or a deadline.
"""

import asyncio
import base64
import contextlib
import gc
import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import asyncpg
import httpx
from strawberry.relay import to_base64

from bench import ws_client
from resolvers import auth
from seed import loader

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"

REGISTER = """
mutation($input: RegisterCaseInput!) {
  registerCase(input: $input) { __typename ... on RegisteredCase { case { id } } ... on WorkflowError { code } }
}
"""
START = "mutation($id: ID!) { startStep(input: {stepId: $id}) { __typename ... on WorkflowError { code } } }"
SIGN = "mutation($id: ID!) { signStep(input: {stepId: $id}) { __typename ... on WorkflowError { code } } }"
APPLICANT = {"name": "벤치마크", "phone": "010-0000-0000", "email": "bench@example.com", "address": "서울"}
# The public feed, every event: what a resuming subscriber of the crash check must receive exactly once.
FEED = "subscription($after: Int) { events(after: $after) { sequence } }"
PROGRESS = (
    "subscription($receiptNo: String!, $after: Int) { caseProgress(receiptNo: $receiptNo, after: $after) { sequence } }"
)
# Errors a client sees while a server or the database is down: retried, never fatal.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    # asyncpg's own state machine, left mid-operation by a connection the server cut (a PostgreSQL restart).
    asyncpg.InternalClientError,
    httpx.TransportError,
)
# A subscriber also retries a handshake that was refused or cut short (ws_client asserts on what it reads).
RECONNECT: tuple[type[BaseException], ...] = (*TRANSIENT, AssertionError)


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def raise_file_limit(needed: int) -> None:
    """Every subscriber is a socket on both sides: take every descriptor the machine allows."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < needed:
        raise SystemExit(f"{needed} file descriptors are needed, {hard} are allowed")


def db_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


async def listening(process: subprocess.Popen[bytes], url: str, status: int, what: str, log_path: Path) -> None:
    """Until `url` answers `status` (the child is ready), within 60 s; exits the bench if the child dies first."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as probe:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{what} exited with {process.returncode}; see {log_path}")
            try:
                if (await probe.get(url)).status_code == status:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{what} did not start within 60 s; see {log_path}")


class Server:
    """One `openproc serve --no-demo` process on a loopback port; its output goes to `log`."""

    def __init__(self, database_url: str, port: int, log: Path, **settings: str) -> None:
        self.port, self.log_path = port, log
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
            "OVERSIGHT_INTERVAL_S": "0",
            # Benchmarks sign faster than a person and watch from one address: the per-officer and per-address
            # limits would be what is measured otherwise.
            "RATE_SIGNINGS_PER_MINUTE": "1000000",
            "WS_MAX_CONNECTIONS_PER_CLIENT": "100000",
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log: TextIO | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(  # noqa: ASYNC220 (starting a child does not block; its readiness is polled)
            [sys.executable, "-m", "openproc.cli", "serve", "--no-demo", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        await listening(self.process, f"http://{HOST}:{self.port}/healthz", 200, "the server", self.log_path)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait, 10)
        if self.log is not None:
            self.log.close()


class Tokens:
    """Bearer tokens for officers, written straight into the officer token table (as tests/helpers.py does)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.issued: dict[int, str] = {}

    async def of(self, officer_id: int) -> str:
        if officer_id not in self.issued:
            token = auth.PREFIX + "bench-" + uuid.uuid4().hex
            connection = await asyncpg.connect(loader.libpq(self.database_url))
            try:
                await connection.execute(
                    "INSERT INTO officer_token (officer_id, token_hash, label, created_at, expires_at) "
                    "VALUES ($1, $2, 'bench', now(), now() + interval '1 day')",
                    officer_id,
                    auth.token_hash(token),
                )
            finally:
                await connection.close()
            self.issued[officer_id] = token
        return self.issued[officer_id]


async def fetch(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(loader.libpq(database_url))
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


async def last_sequence(database_url: str) -> int:
    rows = await fetch(database_url, "SELECT coalesce(max(seq), 0) FROM event")
    return int(rows[0][0])


async def open_cases(database_url: str) -> list[int]:
    """The demo cases still moving, whose current step a worker can start or sign."""
    rows = await fetch(
        database_url, """SELECT id FROM "case" WHERE status IN ('received', 'in_progress') ORDER BY id"""
    )
    return [int(row[0]) for row in rows]


async def clerk(database_url: str) -> int:
    """An officer of a team, so that every head of a new case's approval line exists above them."""
    rows = await fetch(
        database_url,
        "SELECT o.id FROM officer o JOIN department d ON d.id = o.department_id "
        "WHERE d.level = 'team' AND o.role = 'officer' AND o.active ORDER BY o.id LIMIT 1",
    )
    return int(rows[0][0])


# --- Open-loop HTTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One request of an open-loop run: its status (0 for a timeout, -1 for a connection error), its latency
    measured from when it was due (so a client falling behind shows as latency, as wrk2 does), the time from
    writing it to reading the whole answer (the server's part, without this client's queue), and its kind."""

    kind: str
    due: float
    status: int
    latency_s: float
    wire_s: float
    graphql_error: bool
    failure: str = ""


class RawHttp:
    """Keep-alive HTTP/1.1 POSTs on asyncio streams: a few times cheaper than httpx per request, so a Python
    client can offer a server on the same two cores several hundred requests a second."""

    def __init__(self, port: int, max_connections: int = 512) -> None:
        self.port = port
        # Past this many connections a due request waits for one to come free, and the wait counts as latency.
        self.slots = asyncio.Semaphore(max_connections)
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = deque()

    def request_bytes(self, body: bytes, method: str = "POST", path: str = "/graphql") -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def post(self, request: bytes) -> tuple[int, bytes]:
        status, body, _ = await self.timed_post(request)
        return status, body

    async def timed_post(self, request: bytes) -> tuple[int, bytes, float]:
        """Status, body, and the seconds from writing the request to reading the whole answer."""
        async with self.slots:
            return await self._post(request)

    async def _post(self, request: bytes) -> tuple[int, bytes, float]:
        reader, writer = self.idle.popleft() if self.idle else await asyncio.open_connection(HOST, self.port)
        try:
            written = time.monotonic()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            headers = head.lower()
            found = headers.find(b"content-length:")
            if found >= 0:
                length = int(headers[found + 15 : headers.find(b"\r\n", found)].strip())
                body = await reader.readexactly(length)
            else:
                body = await self._chunked(reader)
        except BaseException:
            writer.close()
            raise
        if b"connection: close" in headers:
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status, body, time.monotonic() - written

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return body
            body += chunk[:-2]

    async def close(self) -> None:
        while self.idle:
            _, writer = self.idle.popleft()
            writer.close()


async def open_loop(
    client: RawHttp,
    bodies: Sequence[tuple[str, bytes]],
    rate: float,
    seconds: float,
    timeout_s: float = 5.0,
) -> list[Answer]:
    """Offer `rate` requests a second for `seconds`, whatever the answers take (open loop): each due request
    goes out on an idle connection or a new one. Returns every answer once the last one is in or timed out."""
    answers: list[Answer] = []
    tasks: set[asyncio.Task[None]] = set()
    requests = [(kind, client.request_bytes(body)) for kind, body in bodies]

    async def one(kind: str, request: bytes, due: float) -> None:
        status, graphql_error, failure, wire_s = 0, False, "", float("nan")
        try:
            async with asyncio.timeout(timeout_s):
                status, body, wire_s = await client.timed_post(request)
                graphql_error = status == 200 and b'"errors"' in body[:200]
        except TimeoutError:
            status, failure = 0, "timeout"
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
            status, failure = -1, f"{type(error).__name__} {error}"[:80]
        answers.append(Answer(kind, due, status, time.monotonic() - due, wire_s, graphql_error, failure))

    # The client's own full collections, over the answers piling up here, paused it for up to 0.4 s: latency that
    # would be charged to the server. Nothing in a run needs the collector; it is back on (and runs) after.
    gc.disable()
    try:
        started = time.monotonic()
        total = int(rate * seconds)
        sent = 0
        while sent < total:
            now = time.monotonic()
            due_count = min(total, int((now - started) * rate) + 1)
            while sent < due_count:
                kind, request = requests[sent % len(requests)]
                task = asyncio.create_task(one(kind, request, started + sent / rate))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(min(0.002, max(0.0, started + sent / rate - time.monotonic())))
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s + 5)
    finally:
        gc.enable()
        gc.collect()
    return answers


async def probe(port: int, path: str, stop: asyncio.Event, every_s: float = 0.1) -> list[float]:
    """Seconds each GET of `path` took, one at a time until `stop`: how long a probe waits on a busy server."""
    client = RawHttp(port, max_connections=1)
    request = client.request_bytes(b"", "GET", path)
    took: list[float] = []
    while not stop.is_set():
        started = time.monotonic()
        try:
            async with asyncio.timeout(10):
                await client.post(request)
            took.append(time.monotonic() - started)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            took.append(float("inf"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
    await client.close()
    return took


# --- Officers signing ---------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One start or sign request as its client saw it. `outcome`: ack (200 with the step's payload), refused
    (a typed WorkflowError, with its code), error (a top-level GraphQL error or a non-200 status), or unknown
    (no answer: the connection broke or timed out, so the write may or may not have committed)."""

    writer: int
    action: str
    step_id: int
    sent: float
    answered: float
    outcome: str
    detail: str = ""


@dataclass
class Desk:
    """One officer client: walks its cases step by step, asking the database what each case's next step is, so
    an answer lost to a crash never leaves it guessing; signs what is in progress and starts what is pending."""

    number: int
    port: int
    database_url: str
    tokens: Tokens
    cases: deque[int]
    clerk_id: int
    attempts: list[Attempt] = field(default_factory=list)
    registered: int = 0

    async def run(self, stop: asyncio.Event, pause_s: float) -> None:
        connection: asyncpg.Connection | None = None
        current: int | None = None
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{self.port}", timeout=10) as http:
            while not stop.is_set():
                try:
                    if connection is None or connection.is_closed():
                        connection = await asyncpg.connect(loader.libpq(self.database_url), timeout=3)
                    if current is None:
                        current = self.cases.popleft() if self.cases else await self._register(http)
                        if current is None:
                            await asyncio.sleep(0.2)
                            continue
                    row = await connection.fetchrow(
                        "SELECT s.id, s.status, s.officer_id, c.status AS case_status FROM step s "
                        'JOIN "case" c ON c.id = s.case_id WHERE s.case_id = $1 '
                        "AND s.status NOT IN ('signed', 'skipped') ORDER BY s.sequence LIMIT 1",
                        current,
                    )
                    if row is None or row["case_status"] not in ("received", "in_progress"):
                        current = None
                        continue
                    if row["status"] == "pending":
                        await self._act(http, "start", START, row["id"], row["officer_id"])
                    elif row["status"] == "in_progress":
                        await self._act(http, "sign", SIGN, row["id"], row["officer_id"])
                    else:
                        current = None  # returned to the applicant: nothing an officer can sign
                except TRANSIENT:
                    if connection is not None and not connection.is_closed():
                        connection.terminate()
                    connection = None
                    await asyncio.sleep(0.2)
                    continue
                await asyncio.sleep(pause_s)
        if connection is not None and not connection.is_closed():
            await connection.close()

    async def _register(self, http: httpx.AsyncClient) -> int | None:
        token = await self.tokens.of(self.clerk_id)
        variables = {
            "input": {
                "taskTypeCode": "BLD-RPT",
                "title": "벤치마크 건축신고",
                "location": "서울특별시 중구 세종대로 110",
                "applicant": APPLICANT,
            }
        }
        response = await http.post(
            "/graphql", json={"query": REGISTER, "variables": variables}, headers={"authorization": f"Bearer {token}"}
        )
        body = response.json() if response.status_code == 200 else {}
        result = (body.get("data") or {}).get("registerCase") or {}
        if result.get("__typename") != "RegisteredCase":
            return None
        self.registered += 1
        return db_id(result["case"]["id"])

    async def _act(self, http: httpx.AsyncClient, action: str, query: str, step_id: int, officer_id: int) -> None:
        token = await self.tokens.of(officer_id)
        sent = time.monotonic()
        payload = {"query": query, "variables": {"id": to_base64("Step", step_id)}}
        try:
            response = await http.post("/graphql", json=payload, headers={"authorization": f"Bearer {token}"})
        except httpx.TransportError as failure:
            # Refused before a byte was sent (no server listening) is a plain failure; a broken or silent
            # connection after sending leaves the write in doubt.
            not_sent = isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout)
            outcome = "not sent" if not_sent else "unknown"
            self.attempts.append(
                Attempt(self.number, action, step_id, sent, time.monotonic(), outcome, type(failure).__name__)
            )
            raise
        answered = time.monotonic()
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        result = next(iter((body.get("data") or {}).values()), None) or {}
        if response.status_code == 200 and not body.get("errors") and result.get("__typename") == "StepPayload":
            outcome, detail = "ack", ""
        elif result.get("__typename") == "WorkflowError":
            outcome, detail = "refused", str(result.get("code"))
        else:
            errors = body.get("errors") or [{}]
            outcome, detail = "error", f"{response.status_code} {str(errors[0].get('message', ''))[:80]}"
        self.attempts.append(Attempt(self.number, action, step_id, sent, answered, outcome, detail))


# --- Subscribers that resume -------------------------------------------------------------------------------


@dataclass
class Follower:
    """One graphql-transport-ws subscriber (bench/ws_client.py) that reconnects whenever its socket closes,
    passing the last sequence it received as `after`, and records every sequence in arrival order."""

    port: int
    query: str
    variables: dict[str, Any]
    start_after: int
    received: list[int] = field(default_factory=list)
    # How often the received frames are read while the socket stays open; a thousand followers poll slower.
    poll_s: float = 0.25
    connects: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def last(self) -> int:
        return self.received[-1] if self.received else self.start_after

    async def run(self, stop: asyncio.Event, deadline: float) -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                watcher = await asyncio.wait_for(
                    ws_client.open_watcher(HOST, self.port, self.query, {**self.variables, "after": self.last}), 5
                )
            except RECONNECT:
                await asyncio.sleep(0.25)
                continue
            self.connects += 1
            consumed = 0
            try:
                while not stop.is_set() and time.monotonic() < deadline and not watcher.closed.done():
                    consumed = self._consume(watcher, consumed)
                    await asyncio.wait({watcher.closed}, timeout=self.poll_s)
                consumed = self._consume(watcher, consumed)
            finally:
                watcher.close()

    def _consume(self, watcher: ws_client.Watcher, consumed: int) -> int:
        for _, text in watcher.messages[consumed:]:
            message = json.loads(text)
            if message.get("type") == "next":
                (event,) = message["payload"]["data"].values()
                self.received.append(int(event["sequence"]))
            elif message.get("type") in ("error", "complete"):
                # Too far behind, or the stream ended: resume from the last sequence on a new socket.
                self.errors.append(text[:200])
                watcher.close()
        return len(watcher.messages)
