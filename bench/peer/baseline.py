"""The hand-written limit: the two benchmark queries as one SQL statement each, answered by a bare ASGI app.

    DATABASE_URL=postgresql://… .venv/bin/uvicorn bench.peer.baseline:app --port 8100

PostgreSQL builds the whole response (json_build_object / json_agg) and the body goes out verbatim, so there
is no GraphQL engine, no ORM and no Python serialisation: what is left is HTTP, the pool and the database.
It recognises only the two documents of bench/queries.py (whitespace aside) and reads their variables; the
answer has OPEN's shape and OPEN's values (Relay IDs, upper-case enums, Seoul time), so a test can compare them.
"""

import json
import os
from typing import Any

import asyncpg
from starlette.types import Receive, Scope, Send

from bench.queries import CASE_DETAIL, CASE_LIST
from models.enums import CaseStatus
from seed.loader import libpq

# Every nested list is ordered as OPEN's loaders order it: steps by sequence, legal references by law then ID.
STEPS_DETAIL = """
SELECT coalesce(json_agg(json_build_object(
    'sequence', s.sequence, 'name', s.name, 'status', upper(s.status),
    'startedAt', s.started_at, 'dueAt', s.due_at, 'signedAt', s.signed_at, 'comment', s.comment,
    'officer', json_build_object('name', o.name, 'title', o.title, 'email', o.email, 'phone', o.phone,
                                 'department', json_build_object('name', od.name))
  ) ORDER BY s.sequence), '[]')
FROM step s JOIN officer o ON o.id = s.officer_id JOIN department od ON od.id = o.department_id
WHERE s.case_id = c.id
"""

CASE_DETAIL_SQL = f"""
SELECT json_build_object('data', json_build_object('case', (
  SELECT json_build_object(
    'id', encode(convert_to('Case:' || c.id, 'UTF8'), 'base64'),
    'receiptNo', c.receipt_no, 'title', c.title, 'location', c.location, 'status', upper(c.status),
    'receivedAt', c.received_at, 'dueAt', c.due_at, 'closedAt', c.closed_at, 'result', c.result,
    'taskType', json_build_object(
      'code', t.code, 'name', t.name, 'statutoryDays', t.statutory_days,
      'legalReferences', (
        SELECT coalesce(json_agg(json_build_object('law', r.law, 'article', r.article, 'title', r.title, 'url', r.url)
                                 ORDER BY r.law, r.id), '[]')
        FROM task_type_legal_reference l JOIN legal_reference r ON r.id = l.legal_reference_id
        WHERE l.task_type_id = t.id)),
    'department', json_build_object('name', d.name, 'phone', d.phone),
    'steps', ({STEPS_DETAIL}))
  FROM "case" c JOIN task_type t ON t.id = c.task_type_id JOIN department d ON d.id = c.department_id
  WHERE c.receipt_no = $1)))::text
"""

# The 50 cases are chosen first (index on status, received_at), then decorated; (received_at, id) descending is
# OPEN's keyset order. Two statements rather than one with `$1 IS NULL OR …`, which would plan badly.
CASE_LIST_SQL = """
SELECT json_build_object('data', json_build_object('cases', json_build_object('edges', coalesce(json_agg(
  json_build_object('node', json_build_object(
    'receiptNo', c.receipt_no, 'title', c.title, 'status', upper(c.status),
    'receivedAt', c.received_at, 'dueAt', c.due_at,
    'taskType', json_build_object('code', t.code, 'name', t.name),
    'department', json_build_object('name', d.name),
    'steps', (
      SELECT coalesce(json_agg(json_build_object(
          'sequence', s.sequence, 'name', s.name, 'status', upper(s.status), 'signedAt', s.signed_at,
          'officer', json_build_object('name', o.name)) ORDER BY s.sequence), '[]')
      FROM step s JOIN officer o ON o.id = s.officer_id
      WHERE s.case_id = c.id)))
  ORDER BY c.received_at DESC, c.id DESC), '[]'))))::text
FROM (SELECT * FROM "case" {where} ORDER BY received_at DESC, id DESC LIMIT 50) c
JOIN task_type t ON t.id = c.task_type_id JOIN department d ON d.id = c.department_id
"""
CASE_LIST_BY_STATUS_SQL = CASE_LIST_SQL.format(where="WHERE status = ANY($1::text[])")
CASE_LIST_ALL_SQL = CASE_LIST_SQL.format(where="")


def _document(query: str) -> str:
    return " ".join(query.split())


DETAIL, LIST = _document(CASE_DETAIL), _document(CASE_LIST)


class Baseline:
    """A raw ASGI app with one asyncpg pool; the lifespan opens and closes the pool."""

    def __init__(self, database_url: str, pool_size: int = 16) -> None:
        self.database_url = database_url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(
            libpq(self.database_url),
            min_size=self.pool_size,
            max_size=self.pool_size,
            server_settings={
                # to_json renders timestamptz in the session's zone: Seoul, as OPEN presents them.
                "timezone": "Asia/Seoul",
                "statement_timeout": "10000",
                "application_name": "openproc-bench-baseline",
                # The shared benchmark database must never be written, whatever is sent here.
                "default_transaction_read_only": "on",
            },
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"] == "/readyz":
            await _respond(send, 200, b'{"status":"ok"}')
        elif scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] == "POST":
            await self._graphql(receive, send)
        elif scope["type"] == "http":
            await _respond(send, 404, _errors("only POST /graphql and GET /readyz are served"))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _graphql(self, receive: Receive, send: Send) -> None:
        try:
            request = json.loads(await _body(receive))
            statement, arguments = _statement(_document(request["query"]), request.get("variables") or {})
        except (ValueError, KeyError, TypeError) as error:
            await _respond(send, 400, _errors(f"not one of the two benchmark operations: {error!r}"))
            return
        assert self._pool is not None, "the lifespan opens the pool before any request"
        answer: str = await self._pool.fetchval(statement, *arguments)
        await _respond(send, 200, answer.encode())


def _statement(document: str, variables: dict[str, Any]) -> tuple[str, list[Any]]:
    if document == DETAIL:
        return CASE_DETAIL_SQL, [str(variables["receiptNo"])]
    if document == LIST:
        statuses = variables.get("status")
        if not statuses:
            return CASE_LIST_ALL_SQL, []
        return CASE_LIST_BY_STATUS_SQL, [[CaseStatus[name].value for name in statuses]]
    raise ValueError("unknown document")


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _errors(message: str) -> bytes:
    return json.dumps({"errors": [{"message": message}]}).encode()


app = Baseline(
    os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openproc_seoul"),
    pool_size=int(os.environ.get("DB_POOL_SIZE", "16")),
)
