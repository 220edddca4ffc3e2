"""`graphql-transport-ws` on /graphql, built so that thousands of watchers cost little.

Watchers of the same operation and variables share one `Group`: each event is rendered once (one execution,
one JSON string) and only the operation id differs per watcher. Each connection has one bounded send queue;
a connection that falls too far behind is told so, per subscription, and closed: it can resume with `after`.
Queries and mutations sent over the socket run through the schema as over HTTP.
"""

import asyncio
import contextlib
import json
import logging
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.values import get_argument_values, get_variable_values
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.relay.types import GlobalIDValueError

from openproc import input_guard
from openproc.observability import EVENTS_DELIVERED
from resolvers import progress
from resolvers.context import ContextFactory
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput, RateLimited
from resolvers.progress import Snapshot, Watch
from schema import schema
from schema.errors import public
from schema.subscription import WATCHES, CaseProgress
from schema.validation import oversized_list, prepare
from subscriptions.hub import Hub, Registration

logger = logging.getLogger("openproc.subscriptions")

PROTOCOL = "graphql-transport-ws"


@dataclass(frozen=True)
class Limits:
    init_timeout_s: float = 10.0
    subscriptions_per_connection: int = 50
    message_bytes: int = 64 * 1024
    # Messages waiting to be sent on one connection before it counts as too far behind.
    send_buffer: int = 1_000
    connections_per_client: int = 500


# Close code for a watcher too far behind: RFC 6455's "try again later", which graphql-transport-ws leaves free
# and its reference client retries (its 4400-4499 codes are fatal there).
TOO_FAR_BEHIND = (1013, "Too far behind; resume with after")
# Close code when the event log moved backwards under the socket (the database was replaced): RFC 6455's
# "service restart"; the old sequence numbers mean nothing in the new log.
LOG_REPLACED = (1012, "The event log was replaced; subscribe again without after")
# Seconds of rendering the catch-ups may do before they let the event loop run something else: each step of a
# live push (the hub's read, its statements, the write) waits at most about this long behind them.
CATCH_UP_SLICE_S = 0.002
# After each slice the catch-ups rest this many slices: together they take at most a third of a busy loop.
CATCH_UP_REST = 2


class CatchUpLane:
    """One lane for every catch-up of the process: they render by turns, in short slices, and rest between them,
    so however many replay the log at once, live pushes and other requests keep most of the event loop."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.slice_ends = 0.0

    async def turn(self) -> None:
        """Wait for the right to render one more event."""
        loop = asyncio.get_running_loop()
        if loop.time() <= self.slice_ends:
            return
        async with self.lock:
            if loop.time() > self.slice_ends:
                await asyncio.sleep(CATCH_UP_SLICE_S * CATCH_UP_REST)
                self.slice_ends = loop.time() + CATCH_UP_SLICE_S


def _bad_input(error: Exception) -> GraphQLError:
    """A refusal of the subscription's arguments, in the shape the HTTP door gives it."""
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def _errors(errors: Any) -> list[dict[str, Any]]:
    """The HTTP door's error path: expected errors keep their message and get a code, others are masked and
    logged with the request id."""
    return [dict(public(error).formatted) for error in errors]


class Group:
    """Every watcher of one operation with one set of variables."""

    def __init__(
        self,
        server: "Server",
        key: tuple[str, ...],
        document: DocumentNode,
        variables: dict[str, Any],
        operation_name: str | None,
        watch: Watch,
    ) -> None:
        self.server, self.key, self.document = server, key, document
        self.variables, self.operation_name, self.watch = variables, operation_name, watch
        self.members: dict[tuple[int, str], Member] = {}
        self.registration: Registration | None = None
        self.registered: asyncio.Future[None]
        self._rendered: OrderedDict[int, str] = OrderedDict()

    def render(self, snapshot: Snapshot) -> str:
        """The `payload` of a `next` message for this event: executed once, whatever the number of watchers."""
        sequence = snapshot.event.seq
        cached = self._rendered.get(sequence)
        if cached is not None:
            return cached
        result = graphql.execute(
            schema._schema,
            self.document,
            root_value=CaseProgress.of(snapshot),
            # A fresh context per event: payloads render from the snapshot, and no loader outlives one event.
            context_value=self.server.context_for(None, "subscription"),
            variable_values=self.variables,
            operation_name=self.operation_name,
        )
        assert isinstance(result, graphql.ExecutionResult), "subscription payloads render without I/O"
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = _errors(result.errors)
        rendered = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        self._rendered[sequence] = rendered
        if len(self._rendered) > 256:
            self._rendered.popitem(last=False)
        return rendered

    def rewound(self) -> None:
        """The log was replaced: sequence numbers from the old one mean nothing, so every watcher starts over."""
        for member in list(self.members.values()):
            member.connection.restart()

    def deliver(self, snapshot: Snapshot) -> None:
        if not self.members:
            return
        payload = self.render(snapshot)
        for member in list(self.members.values()):
            member.push(snapshot.event.seq, payload)


@dataclass(eq=False)
class Member:
    connection: "Connection"
    id: str
    group: Group
    # The last sequence queued for this watcher, and the last one written to its socket: the resume point.
    cursor: int
    sent: int
    ready: bool = False
    pending: list[tuple[int, str]] = field(default_factory=list)

    def push(self, sequence: int, payload: str) -> None:
        """A live event; held back while the member still catches up from the log."""
        if not self.ready:
            if len(self.pending) >= self.connection.limits.send_buffer:
                self.connection.too_far_behind()
            else:
                self.pending.append((sequence, payload))
            return
        self.send(sequence, payload)

    def send(self, sequence: int, payload: str) -> None:
        if sequence <= self.cursor:
            return
        # Only what was queued counts as delivered: a full queue drops it, and the resume point stays behind it.
        if self.connection.offer(self.connection.next_message(self.id, payload), self, sequence):
            self.cursor = sequence
            EVENTS_DELIVERED.inc()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message waiting for the socket, with the watcher and event it carries (if any)."""

    text: str
    member: Member | None = None
    sequence: int = 0


class Connection:
    def __init__(self, websocket: WebSocket, server: "Server") -> None:
        self.websocket, self.server, self.limits = websocket, server, server.limits
        # Messages waiting to be sent; a writer task exists only while there are some, so an idle socket
        # costs no task at all.
        self.queue: deque[Outgoing | None] = deque()
        self.writer: asyncio.Task[None] | None = None
        self.members: dict[str, Member] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.token: str | None = None
        self.acknowledged = False
        self.closing = False
        self.close_code = TOO_FAR_BEHIND
        self.behind = False
        # Set whenever the queue has room again: a catch-up from the log waits for it instead of overflowing.
        self.room = asyncio.Event()

    @staticmethod
    def next_message(operation_id: str, payload: str) -> str:
        return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload}}}'

    def offer(self, message: str, member: Member | None = None, sequence: int = 0) -> bool:
        """Queue a message; False if it was not (closing, or the queue is full and the watcher too far behind)."""
        if self.closing:
            return False
        if len(self.queue) >= self.limits.send_buffer:
            self.too_far_behind()
            return False
        self._enqueue(Outgoing(message, member, sequence))
        return True

    def _enqueue(self, message: Outgoing | None) -> None:
        self.queue.append(message)
        if self.writer is None:
            self.writer = asyncio.create_task(self._write())

    def too_far_behind(self) -> None:
        """Drop what is queued, tell every subscription where to resume, and close: the watcher reconnects with
        `after`. The resume points are read when the writer gets there, after the message it may be writing now,
        so each is exactly the last event that subscription was sent."""
        if self.closing:
            return
        self.closing = self.behind = True
        self.queue.clear()
        self._enqueue(None)

    def restart(self) -> None:
        """Close with 1012 (service restart): the client reconnects and subscribes again."""
        if self.closing:
            return
        self.closing = True
        self.queue.clear()
        self.close_code = LOG_REPLACED
        self._enqueue(None)

    def _resume_points(self) -> list[str]:
        messages = []
        for member in self.members.values():
            error = {
                "message": f"too far behind: resume with after: {member.sent}",
                "extensions": {"code": "TOO_FAR_BEHIND", "lastSequence": member.sent},
            }
            messages.append(json.dumps({"id": member.id, "type": "error", "payload": [error]}))
        return messages

    async def has_room(self) -> bool:
        """Wait until the queue is at most half full (the reader is keeping up); False once closing."""
        while len(self.queue) > self.limits.send_buffer // 2 and not self.closing:
            self.room.clear()
            await self.room.wait()
        return not self.closing

    def stop(self, member: Member) -> None:
        """`complete` from the client: nothing more for that operation, not even what was already queued."""
        self.queue = deque(item for item in self.queue if item is None or item.member is not member)

    async def close(self, code: int, reason: str) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def serve(self) -> None:
        if PROTOCOL not in self.websocket.scope.get("subprotocols", []):
            await self.websocket.close(4406, "Subprotocol not acceptable")
            return
        await self.websocket.accept(subprotocol=PROTOCOL)
        # A timer handle, not a task: thousands of idle sockets each keep one until they say hello.
        self.init_timer = asyncio.get_running_loop().call_later(self.limits.init_timeout_s, self._init_expired)
        try:
            while not self.closing:
                text = await self.websocket.receive_text()
                if len(text.encode()) > self.limits.message_bytes:
                    await self.close(4413, "Message too large")
                    break
                await self._handle(text)
        except WebSocketDisconnect:
            pass
        finally:
            self.init_timer.cancel()
            for member in list(self.members.values()):
                self.server.leave(member)
            for task in self.tasks.values():
                task.cancel()
            if self.writer is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.writer, timeout=1)

    def _init_expired(self) -> None:
        if not self.acknowledged and not self.closing:
            self.closing = True
            self.close_code = (4408, "Connection initialisation timeout")
            self._enqueue(None)

    async def _write(self) -> None:
        # The raw ASGI send: Starlette's wrapper re-checks state on every message, thousands of times an event.
        send = self.websocket._send
        try:
            while self.queue:
                message = self.queue.popleft()
                if message is None:
                    for text in self._resume_points() if self.behind else ():
                        await send({"type": "websocket.send", "text": text})
                    await self.close(*self.close_code)
                    return
                await send({"type": "websocket.send", "text": message.text})
                if message.member is not None:
                    message.member.sent = message.sequence
                if len(self.queue) < self.limits.send_buffer // 2:
                    self.room.set()
        except Exception:
            self.queue.clear()
        finally:
            self.writer = None
            self.room.set()

    async def _handle(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["type"]
        except (ValueError, KeyError, TypeError, RecursionError):
            # RecursionError: JSON nested deeper than the parser recurses (over HTTP the same is a 400).
            await self.close(4400, "Invalid message")
            return
        if kind == "connection_init":
            if self.acknowledged:
                await self.close(4429, "Too many initialisation requests")
                return
            payload = message.get("payload") or {}
            if not isinstance(payload, dict):  # graphql-transport-ws: an object, or nothing
                await self.close(4400, "Invalid connection_init payload")
                return
            authorization = payload.get("authorization") or payload.get("Authorization")
            if isinstance(authorization, str) and authorization.lower().startswith("bearer "):
                self.token = authorization[7:].strip()
            self.acknowledged = True
            self.init_timer.cancel()
            self.offer('{"type":"connection_ack"}')
        elif kind == "ping":
            self.offer('{"type":"pong"}')
        elif kind == "pong":
            return
        elif kind == "subscribe":
            if not self.acknowledged:
                await self.close(4401, "Unauthorized")
                return
            try:
                await self._subscribe(message)
            except Exception:
                logger.exception("subscribing failed")
                self.error(
                    str(message.get("id")), [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}]
                )
        elif kind == "complete":
            operation_id = message.get("id")
            if not isinstance(operation_id, str):
                await self.close(4400, "Invalid complete message")
                return
            if operation_id in self.members:
                member = self.members.pop(operation_id)
                self.server.leave(member)
                self.stop(member)
            task = self.tasks.pop(operation_id, None)
            if task is not None:
                task.cancel()
        else:
            await self.close(4400, f"Unknown message type {kind!r}")

    async def _subscribe(self, message: dict[str, Any]) -> None:
        operation_id, payload = message.get("id"), message.get("payload")
        if not isinstance(operation_id, str) or not isinstance(payload, dict):
            await self.close(4400, "Invalid subscribe message")
            return
        if operation_id in self.members or operation_id in self.tasks:
            await self.close(4409, f"Subscriber for {operation_id} already exists")
            return
        if len(self.members) + len(self.tasks) >= self.limits.subscriptions_per_connection:
            self.error(
                operation_id,
                [
                    {
                        "message": "too many subscriptions on this connection",
                        "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"},
                    }
                ],
            )
            return
        try:
            # Each operation a socket starts counts like an HTTP request (officers with a live token aside).
            await self.server.charge(self.token, self.server.client_of(self.websocket))
        except RateLimited as limited:
            self.error(operation_id, _errors([GraphQLError(str(limited), original_error=limited)]))
            return
        query, variables = payload.get("query"), payload.get("variables") or {}
        operation_name = payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict):
            self.error(operation_id, [{"message": "query must be a string, variables an object"}])
            return
        if input_guard.has_forbidden(query) or input_guard.has_forbidden(variables):
            self.error(operation_id, [input_guard.ERROR])
            return
        # Parsed and validated as over HTTP (schema/validation.py): the same limits, the same cache.
        document, errors = prepare(schema._schema, query)
        if errors or document is None:
            self.error(operation_id, _errors(errors))
            return
        operation = graphql.get_operation_ast(document, operation_name)
        if operation is None:
            self.error(operation_id, [{"message": "no operation to run (give operationName)"}])
            return
        if operation.operation is OperationType.SUBSCRIPTION:
            await self.server.join(self, operation_id, query, document, operation, variables, operation_name)
        else:
            self.tasks[operation_id] = asyncio.create_task(
                self._execute(operation_id, query, variables, operation_name)
            )

    async def _execute(self, operation_id: str, query: str, variables: dict[str, Any], name: str | None) -> None:
        """Queries and mutations over the socket, as over HTTP (with the token from connection_init)."""
        try:
            context = self.server.context_for(self.token, self.server.client_of(self.websocket))
            result = await schema.execute(query, variable_values=variables, context_value=context, operation_name=name)
            body: dict[str, Any] = {"data": result.data}
            if result.errors:
                body["errors"] = [dict(error.formatted) for error in result.errors]  # schema.execute applied the policy
            self.offer(self.next_message(operation_id, json.dumps(body, ensure_ascii=False)))
            self.offer(json.dumps({"id": operation_id, "type": "complete"}))
        finally:
            self.tasks.pop(operation_id, None)

    def error(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        self.offer(json.dumps({"id": operation_id, "type": "error", "payload": errors}, ensure_ascii=False))


class Server:
    """The process's subscription server: connections, and the groups that share rendering."""

    def __init__(
        self,
        hub: Hub,
        sessions: Sessions,
        context_for: ContextFactory,
        charge: Callable[[str | None, str], Awaitable[None]],
        limits: Limits | None = None,
        client_of: Callable[[WebSocket], str] | None = None,
    ) -> None:
        # The process's one context factory and anonymous budget (openproc/app.py), shared with the HTTP door.
        self.hub, self.sessions, self.context_for, self.charge = hub, sessions, context_for, charge
        self.limits = limits or Limits()
        self.client_of = client_of or (lambda websocket: websocket.client.host if websocket.client else "unknown")
        self.groups: dict[tuple[str, ...], Group] = {}
        self.catch_ups = CatchUpLane()
        self.per_client: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI endpoint of the WebSocket route."""
        websocket = WebSocket(scope, receive, send)
        client = self.client_of(websocket)
        if self.per_client[client] >= self.limits.connections_per_client:
            # Refused at the handshake with an HTTP answer clients understand.
            await websocket.send_denial_response(
                JSONResponse({"errors": [{"message": "too many connections from this address"}]}, status_code=429)
            )
            return
        self.per_client[client] += 1
        try:
            await Connection(websocket, self).serve()
        finally:
            self.per_client[client] -= 1
            if not self.per_client[client]:
                del self.per_client[client]

    @property
    def watchers(self) -> int:
        return sum(len(group.members) for group in self.groups.values())

    async def join(
        self,
        connection: Connection,
        operation_id: str,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        name: str | None,
    ) -> None:
        try:
            watch, after, after_variable = self._watch_of(operation, variables)
            # A watcher of something that does not exist, or of a future the log has not reached, would wait in
            # silence forever: say so instead.
            unknown = await progress.unknown(self.sessions, watch)
            if unknown is not None:
                raise InvalidInput(*unknown)
            end = await progress.last_sequence(self.sessions)
            if after is not None and after > end:
                raise InvalidInput("after", f"the log ends at sequence {end}; pass at most that")
        except (InvalidInput, GraphQLError, GlobalIDValueError) as error:
            connection.error(operation_id, _errors([_bad_input(error)]))
            return
        # `after` only decides where a watcher starts, not what it is sent: resuming watchers share the group.
        shared = {name: value for name, value in variables.items() if name != after_variable}
        key = (query, name or "", json.dumps(shared, sort_keys=True, default=str))
        # "From now" means from the log's end, even if this process's hub has not read that far yet.
        start = after if after is not None else end
        while True:
            group = self.groups.get(key)
            if group is None:
                group = Group(self, key, document, variables, name, watch)
                self.groups[key] = group
                group.registered = asyncio.ensure_future(self._register(group))
            # Every joiner waits for the group's registration with the hub, not only the one that started it:
            # reading the hub's position before then could skip an event dispatched in between.
            await asyncio.shield(group.registered)
            if self.groups.get(key) is group:
                break
        # Nothing awaits between reading the hub's position and joining: no event can fall in between.
        live_from = self.hub.last_sequence
        cursor = start if after is not None else max(start, live_from)
        member = Member(connection, operation_id, group, cursor=cursor, sent=cursor)
        group.members[(id(connection), operation_id)] = member
        connection.members[operation_id] = member
        if after is not None and after < live_from:
            connection.tasks[operation_id] = asyncio.create_task(self._catch_up(member, after, live_from))
        else:
            member.ready = True

    async def _register(self, group: Group) -> None:
        try:
            group.registration, _ = await self.hub.add(group.watch, group)
        except BaseException:
            self.groups.pop(group.key, None)
            raise

    async def _catch_up(self, member: Member, after: int, live_from: int) -> None:
        """A resuming watcher: the missed events from the log first, then what arrived meanwhile."""
        try:
            async for snapshot in self.hub.backlog(member.group.watch, after, live_from):
                # Paced by the reader: a far catch-up never fills the queue, only live events can.
                if not await member.connection.has_room():
                    return
                await self.catch_ups.turn()
                member.send(snapshot.event.seq, member.group.render(snapshot))
            member.cursor = max(member.cursor, live_from)
            # No await from here on: the held-back live events go out before any newer one can arrive.
            for sequence, payload in member.pending:
                member.send(sequence, payload)
            member.pending.clear()
            member.ready = True
        except Exception:
            logger.exception("catching up a watcher failed")
            member.connection.error(member.id, [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}])
        finally:
            member.connection.tasks.pop(member.id, None)

    def leave(self, member: Member) -> None:
        group = member.group
        group.members.pop((id(member.connection), member.id), None)
        if not group.members:
            self.groups.pop(group.key, None)
            if group.registration is not None:
                self.hub.remove(group.registration)

    def _watch_of(
        self, operation: OperationDefinitionNode, variables: dict[str, Any]
    ) -> tuple[Watch, int | None, str | None]:
        """What the operation follows, where it starts, and which variable (if any) says where."""
        (selection,) = operation.selection_set.selections  # validation allows one root field
        assert isinstance(selection, graphql.FieldNode)
        subscription_type = schema._schema.subscription_type
        assert subscription_type is not None
        oversized = oversized_list(variables)
        if oversized is not None:
            raise oversized
        coerced = get_variable_values(schema._schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            raise coerced[0]
        definition = subscription_type.fields[selection.name.value]
        arguments = get_argument_values(definition, selection, coerced)
        after = arguments.get("after")
        after_node = next((argument for argument in selection.arguments or () if argument.name.value == "after"), None)
        after_variable = (
            after_node.value.name.value if after_node and isinstance(after_node.value, graphql.VariableNode) else None
        )
        return WATCHES[selection.name.value](arguments), after, after_variable
