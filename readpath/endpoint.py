"""POST /graphql for compiled reads: parse and validate once per document, then one statement per request.

Sits in front of Strawberry's view. A request it cannot answer — not JSON, not a compilable query, invalid,
variables or arguments Strawberry would refuse, a database error — is replayed to Strawberry untouched, so every
error still has one shape and one log line.
"""

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from graphql import GraphQLError, GraphQLSchema
from graphql.execution.values import get_variable_values
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readpath.cache import ResponseCache
from readpath.compiler import Plan, Unsupported, plan
from resolvers.auth import bearer_token
from resolvers.errors import InvalidInput
from resolvers.reads import READ_AFTER, Position, Router, requested
from schema.validation import LONG_DOCUMENT, oversized_list, prepare

logger = logging.getLogger("openproc.readpath")

# Documents remembered, compiled or not; dashboards send a handful of documents over and over. Long documents
# (schema/validation.py) are left to Strawberry uncached, so the memory this takes stays bounded whatever clients
# send, and none is parsed twice.
CACHE_SIZE = 512
Observe = Callable[[str, float], None]


class Plans:
    """Parsed, validated and compiled documents by (query, operation name); None for those left to Strawberry."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._known: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def get(self, query: str, operation_name: str | None) -> Plan | None:
        if len(query) >= LONG_DOCUMENT:
            return None
        key = (query, operation_name)
        if key in self._known:
            self._known.move_to_end(key)
            return self._known[key]
        compiled = self._compile(query, operation_name)
        self._known[key] = compiled
        if len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
        return compiled

    def _compile(self, query: str, operation_name: str | None) -> Plan | None:
        # Parsed and validated as every door does; a refused document is left to Strawberry to answer.
        found = prepare(self.schema, query)
        if found.document is None or found.errors:
            return None
        try:
            return plan(self.schema, found.document, operation_name)
        except Unsupported:
            return None


class CompiledReads:
    def __init__(
        self, reads: Router, plans: Plans, observe: Observe, timeout_s: float, cache: ResponseCache | None = None
    ) -> None:
        self.reads, self.plans, self.observe, self.cache = reads, plans, observe, cache
        # RESOLVER_TIMEOUT_S, as Strawberry's resolvers have it: a statement still running then is cancelled and
        # the request handed to Strawberry, whose own timeout answers it with the one masked error and log line.
        self.timeout_s = timeout_s
        # Requests answered here, not by Strawberry (tests check that the fast path really ran).
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send, fallback: ASGIApp) -> None:
        if scope["method"] == "GET" and "text/html" not in Headers(scope=scope).get("accept", ""):
            # A query in the URL (a browser's GET, asking for HTML, gets GraphiQL from Strawberry).
            params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), encoding="utf-8"))
            try:
                request = {
                    name: value if name in ("query", "operationName") else json.loads(value)
                    for name, value in params.items()
                }
            except ValueError:
                request = None
            body = b"" if request is None else json.dumps(request).encode()
        elif scope["method"] == "POST" and _content_type(scope) == b"application/json":
            body = await read_body(receive)
            receive = replay(body, receive)
        else:
            await fallback(scope, receive, send)
            return
        started = time.perf_counter()
        # Public data either way, but an officer reads the primary, as schema/read_routing.py decides for the
        # other doors: what they just wrote is there.
        answer = await self._answer(body, officer=bearer_token(Headers(scope=scope).get("authorization")) is not None)
        if answer is None:
            await fallback(scope, receive, send)
            return
        name, data = answer
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})
        self.answered += 1
        self.observe(name, time.perf_counter() - started)

    async def _answer(self, body: bytes, officer: bool) -> tuple[str, bytes] | None:
        try:
            request = json.loads(body)
        except ValueError:
            return None
        if not isinstance(request, dict) or set(request) - {"query", "variables", "operationName", "extensions"}:
            return None
        extensions = request.get("extensions") or {}
        if not isinstance(extensions, dict) or set(extensions) - {READ_AFTER}:
            return None
        try:
            needed = requested(extensions)
        except InvalidInput:
            return None  # Strawberry answers with the refusal
        query, raw_variables, operation_name = (
            request.get("query"),
            request.get("variables"),
            request.get("operationName"),
        )
        if not isinstance(query, str) or not isinstance(raw_variables, dict | None):
            return None
        if not isinstance(operation_name, str | None) or oversized_list(raw_variables or {}) is not None:
            return None  # Strawberry answers with the refusal
        compiled = self.plans.get(query, operation_name)
        if compiled is None:
            return None
        name = compiled.name or "anonymous"
        key = (query, operation_name, json.dumps(raw_variables, sort_keys=True))
        # A reader after its own write skips the cache: the write's event may not have reached this process yet.
        if self.cache is not None and needed == Position() and (cached := self.cache.get(key)) is not None:
            return name, cached
        generation = self.cache.generation if self.cache is not None else 0
        if self.cache is not None:
            # What is stored must hold every event the cache has dropped answers for; a standby behind that would
            # refill it with an answer from before one.
            needed = Position(needed.lsn, self.cache.last_sequence)
        variables = get_variable_values(
            self.plans.schema, compiled.operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(variables, list):
            return None
        try:
            statement = compiled.statement(variables)
        except (InvalidInput, ValueError, GraphQLError):
            return None
        try:
            target = self.reads.primary if officer else await self.reads.reader(needed)
            async with asyncio.timeout(self.timeout_s), target.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                data: str = await driver.fetchval(statement.sql, *statement.params)
        except Exception:
            logger.warning("a compiled read failed; Strawberry answers it instead", exc_info=True)
            return None
        body = b'{"data":' + data.encode() + b"}"
        if self.cache is not None:
            self.cache.put(key, body, frozenset(statement.receipt_nos), statement.lists, generation)
        return name, body


def _content_type(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).split(b";")[0].strip().lower()
    return b""


async def read_body(receive: Receive) -> bytes:
    """The whole request body (BodyLimitMiddleware, upstream, caps its size)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already read body over again, then defers to the original (for disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
