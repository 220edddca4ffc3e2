"""One WebSocket: its `graphql-transport-ws` conversation and its one bounded send queue.

The conversation is the protocol's state machine (connection_init within the deadline, ping/pong, subscribe,
complete), answered with the shapes of `protocol`; subscriptions join the process's `Fanout`, queries and
mutations run through `operations`. Every message out goes through the queue, and a writer task exists only while
it holds something, so an idle socket costs no task. A reader that falls too far behind is told, per subscription,
where to resume, and closed: it comes back with `after`.

This is the one implementation of fan-out's `Outlet`: it imports `fanout`, which knows it only by that protocol.
"""

import asyncio
import contextlib
import logging
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.types import Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.context import ContextFactory
from resolvers.errors import RateLimited
from subscriptions import operations, protocol
from subscriptions.fanout import Fanout, Member
from subscriptions.limits import Limits

logger = logging.getLogger("openproc.subscriptions")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message waiting for the socket, with the watcher and event it carries (if any), and what it holds."""

    text: str
    member: Member | None = None
    sequence: int = 0
    size: int = 0


@dataclass
class Address:
    """One client address's sockets, and the bytes queued on all of them."""

    sockets: int = 0
    queued_bytes: int = 0


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        send: Send,
        address: Address,
        limits: Limits,
        fanout: Fanout,
        context_for: ContextFactory,
        charge: Callable[[str | None, str], Awaitable[None]],
        client_of: Callable[[WebSocket], str],
    ) -> None:
        self.websocket, self.limits, self.fanout = websocket, limits, fanout
        # The socket's raw ASGI send, for the messages the writer sends: Starlette's wrapper re-checks state on
        # every message, thousands of times an event. The handshake and closing go through the wrapper.
        self.send = send
        self.context_for, self.charge, self.client_of = context_for, charge, client_of
        # Messages waiting to be sent; a writer task exists only while there are some, so an idle socket
        # costs no task at all.
        self.queue: deque[Outgoing | None] = deque()
        self.queued_bytes = 0
        self.address = address
        self.writer: asyncio.Task[None] | None = None
        self.members: dict[str, Member] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.token: str | None = None
        self.acknowledged = False
        self.closing = False
        self.close_code = protocol.TOO_FAR_BEHIND
        self.behind = False
        # Set whenever the queue has room again: a catch-up from the log waits for it instead of overflowing.
        self.room = asyncio.Event()

    def offer(self, message: str, member: Member | None = None, sequence: int = 0) -> bool:
        """Queue a message; False if it was not (closing, or the queue is full and the watcher too far behind)."""
        if self.closing:
            return False
        # What the string holds in memory: a shared rendering counts on every socket it waits on, as if each
        # had its own (a subscriber who wants to hold memory chooses a selection no one else shares).
        size = sys.getsizeof(message)
        if (
            len(self.queue) >= self.limits.send_buffer
            or self.queued_bytes + size > self.limits.send_buffer_bytes
            or self.address.queued_bytes + size > self.limits.client_buffer_bytes
        ):
            self.too_far_behind()
            return False
        self._enqueue(Outgoing(message, member, sequence, size))
        return True

    def _enqueue(self, message: Outgoing | None) -> None:
        self.queue.append(message)
        if message is not None:
            self._held(message.size)
        if self.writer is None:
            self.writer = asyncio.create_task(self._write())

    def _held(self, change: int) -> None:
        self.queued_bytes += change
        self.address.queued_bytes += change

    def _drop_queued(self, keep: Callable[[Outgoing | None], bool] = lambda _: False) -> None:
        kept = deque(item for item in self.queue if keep(item))
        self._held(sum(item.size for item in kept if item is not None) - self.queued_bytes)
        self.queue = kept

    def too_far_behind(self) -> None:
        """Drop what is queued, tell every subscription where to resume, and close: the watcher reconnects with
        `after`. The resume points are read when the writer gets there, after the message it may be writing now,
        so each is exactly the last event that subscription was sent."""
        if self.closing:
            return
        self.closing = self.behind = True
        self._drop_queued()
        self._enqueue(None)

    def restart(self) -> None:
        """Close with 1012 (service restart): the client reconnects and subscribes again."""
        if self.closing:
            return
        self.closing = True
        self._drop_queued()
        self.close_code = protocol.LOG_REPLACED
        self._enqueue(None)

    def _resume_points(self) -> list[str]:
        return [protocol.resume_point(member.id, member.sent) for member in self.members.values()]

    async def has_room(self) -> bool:
        """Wait until the queue is at most half full (the reader is keeping up); False once closing."""
        while not self.closing and not self._half_empty():
            self.room.clear()
            await self.room.wait()
        return not self.closing

    def _half_empty(self) -> bool:
        return (
            len(self.queue) <= self.limits.send_buffer // 2 and self.queued_bytes <= self.limits.send_buffer_bytes // 2
        )

    def stop(self, member: Member) -> None:
        """`complete` from the client: nothing more for that operation, not even what was already queued."""
        self._drop_queued(lambda item: item is None or item.member is not member)

    async def close(self, code: int, reason: str) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def serve(self) -> None:
        if protocol.PROTOCOL not in self.websocket.scope.get("subprotocols", []):
            await self.websocket.close(*protocol.SUBPROTOCOL_NOT_ACCEPTABLE)
            return
        await self.websocket.accept(subprotocol=protocol.PROTOCOL)
        # A timer handle, not a task: thousands of idle sockets each keep one until they say hello.
        self.init_timer = asyncio.get_running_loop().call_later(self.limits.init_timeout_s, self._init_expired)
        try:
            while not self.closing:
                text = await self.websocket.receive_text()
                if len(text.encode()) > self.limits.message_bytes:
                    await self.close(*protocol.MESSAGE_TOO_LARGE)
                    break
                await self._handle(text)
        except WebSocketDisconnect:
            pass
        finally:
            self.init_timer.cancel()
            for member in list(self.members.values()):
                self.fanout.leave(member)
            for task in self.tasks.values():
                task.cancel()
            if self.writer is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await self.writer
            # What a gone reader left unsent no longer counts against its address.
            self._drop_queued()

    def _init_expired(self) -> None:
        if not self.acknowledged and not self.closing:
            self.closing = True
            self.close_code = protocol.INIT_TIMEOUT
            self._enqueue(None)

    async def _write(self) -> None:
        send = self.send
        try:
            while self.queue:
                message = self.queue.popleft()
                if message is not None:
                    self._held(-message.size)
                if message is None:
                    for text in self._resume_points() if self.behind else ():
                        await send({"type": "websocket.send", "text": text})
                    await self.close(*self.close_code)
                    return
                await send({"type": "websocket.send", "text": message.text})
                if message.member is not None:
                    message.member.sent = message.sequence
                if self._half_empty():
                    self.room.set()
        except Exception:
            self._drop_queued()
        finally:
            self.writer = None
            self.room.set()

    async def _handle(self, text: str) -> None:
        parsed = protocol.parse(text)
        if parsed is None:
            await self.close(*protocol.INVALID_MESSAGE)
            return
        kind, message = parsed
        if kind == "connection_init":
            if self.acknowledged:
                await self.close(*protocol.TOO_MANY_INITS)
                return
            payload = message.get("payload") or {}
            if not isinstance(payload, dict):  # graphql-transport-ws: an object, or nothing
                await self.close(*protocol.INVALID_INIT_PAYLOAD)
                return
            self.token = protocol.bearer_token(payload)
            self.acknowledged = True
            self.init_timer.cancel()
            self.offer(protocol.CONNECTION_ACK)
        elif kind == "ping":
            self.offer(protocol.PONG)
        elif kind == "pong":
            return
        elif kind == "subscribe":
            if not self.acknowledged:
                await self.close(*protocol.UNAUTHORIZED)
                return
            try:
                await self._subscribe(message)
            except Exception:
                logger.exception("subscribing failed")
                self.error(str(message.get("id")), protocol.internal_error())
        elif kind == "complete":
            operation_id = message.get("id")
            if not isinstance(operation_id, str):
                await self.close(*protocol.INVALID_COMPLETE)
                return
            if operation_id in self.members:
                member = self.members.pop(operation_id)
                self.fanout.leave(member)
                self.stop(member)
            task = self.tasks.pop(operation_id, None)
            if task is not None:
                task.cancel()
        else:
            await self.close(*protocol.unknown_type(kind))

    async def _subscribe(self, message: dict[str, Any]) -> None:
        operation_id, payload = message.get("id"), message.get("payload")
        if not isinstance(operation_id, str) or not isinstance(payload, dict):
            await self.close(*protocol.INVALID_SUBSCRIBE)
            return
        if operation_id in self.members or operation_id in self.tasks:
            await self.close(*protocol.subscriber_exists(operation_id))
            return
        if len(self.members) + len(self.tasks) >= self.limits.subscriptions_per_connection:
            self.error(operation_id, protocol.too_many_subscriptions())
            return
        try:
            # Each operation a socket starts counts like an HTTP request (officers with a live token aside).
            await self.charge(self.token, self.client_of(self.websocket))
        except RateLimited as limited:
            self.error(operation_id, protocol.public_errors([GraphQLError(str(limited), original_error=limited)]))
            return
        operation = operations.prepare_operation(payload)
        if not isinstance(operation, operations.Operation):
            self.error(operation_id, operation)
            return
        if operation.is_subscription:
            await self.fanout.join(self, operation_id, operation)
        else:
            self.tasks[operation_id] = asyncio.create_task(self._execute(operation_id, operation))

    async def _execute(self, operation_id: str, operation: operations.Operation) -> None:
        """Queries and mutations over the socket, as over HTTP (with the token from connection_init)."""
        try:
            context = self.context_for(self.token, self.client_of(self.websocket))
            payload = await operations.execute(operation, context)
            answer = protocol.next_message(operation_id, payload)
            if sys.getsizeof(answer) > self.limits.send_buffer_bytes:
                # It could never be queued: offering it would cut the whole socket off as too far behind.
                self.error(operation_id, protocol.answer_too_large(self.limits.send_buffer_bytes))
                return
            self.offer(answer)
            self.offer(protocol.complete_message(operation_id))
        finally:
            self.tasks.pop(operation_id, None)

    def error(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        self.offer(protocol.error_message(operation_id, errors))
