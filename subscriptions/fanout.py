"""Fan-out: how one event read by the hub reaches thousands of watchers for little.

Watchers of the same operation and variables share one `Group`, registered once with the hub: each event is
rendered once (one execution, one JSON string) and only the operation id differs per watcher. A `Member` is one
watcher in a group, on one socket: it knows what was queued and what was written, so a watcher cut off can
resume exactly. A resuming watcher catches up from the log first, paced by its reader and by the process's one
`CatchUpLane`, so however many replay at once, live pushes keep most of the event loop.

Fan-out needs little of a socket, and says what in `Outlet`: `connection.Connection` is the one, and imports this
module, never the other way round.
"""

import asyncio
import itertools
import json
import logging
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

import graphql
from graphql import DocumentNode, GraphQLError
from strawberry.relay.types import GlobalIDValueError

from resolvers import progress
from resolvers.context import ContextFactory
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput
from resolvers.progress import Snapshot, Watch
from schema import schema
from schema.subscription import CaseProgress
from subscriptions.hub import Hub, Registration
from subscriptions.limits import Limits
from subscriptions.operations import Operation, watch_of
from subscriptions.protocol import bad_input, internal_error, next_message, public_errors
from telemetry import EVENTS_DELIVERED, WATCHERS

logger = logging.getLogger("openproc.subscriptions")

# Seconds of rendering the catch-ups may do before they let the event loop run something else: each step of a
# live push (the hub's read, its statements, the write) waits at most about this long behind them.
CATCH_UP_SLICE_S = 0.002
# After each slice the catch-ups rest this many slices: together they take at most a third of a busy loop.
CATCH_UP_REST = 2


class Outlet(Protocol):
    """The socket a watcher is on, as fan-out sees it: its send queue and its register of operations."""

    limits: Limits
    members: "dict[str, Member]"
    tasks: dict[str, asyncio.Task[None]]

    def offer(self, message: str, member: "Member | None" = None, sequence: int = 0) -> bool:
        """Queue a message; False if it was not (closing, or the queue is full and the watcher too far behind)."""
        ...

    def too_far_behind(self) -> None:
        """Tell every subscription where to resume, and close."""
        ...

    def restart(self) -> None:
        """Close so that the client subscribes again from the start."""
        ...

    async def has_room(self) -> bool:
        """Wait until the reader keeps up; False once closing."""
        ...

    def error(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        """Answer an operation with an `error` message."""
        ...


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


class RenderCache:
    """Rendered payloads, for watchers at different places in the log (catch-ups, late joiners, resumes): one
    cache for the process, bounded in bytes rather than entries since a subscriber chooses each payload's size;
    the least recently used go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.held = max_bytes, 0
        self.entries: OrderedDict[tuple[int, int], str] = OrderedDict()

    def get(self, key: tuple[int, int]) -> str | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[int, int], rendered: str) -> None:
        size = sys.getsizeof(rendered)
        if size > self.max_bytes or key in self.entries:
            return
        self.entries[key] = rendered
        self.held += size
        while self.held > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.held -= sys.getsizeof(dropped)

    def clear(self) -> None:
        self.entries.clear()
        self.held = 0


class Group:
    """Every watcher of one operation with one set of variables."""

    def __init__(
        self,
        cache: RenderCache,
        serial: int,
        context_for: ContextFactory,
        key: tuple[str, ...],
        document: DocumentNode,
        variables: dict[str, Any],
        operation_name: str | None,
        watch: Watch,
    ) -> None:
        self.context_for, self.key, self.document = context_for, key, document
        self.variables, self.operation_name, self.watch = variables, operation_name, watch
        self.members: dict[tuple[int, str], Member] = {}
        self.registration: Registration | None = None
        self.registered: asyncio.Future[None]
        # Its renderings are kept in the process's cache under its serial, unique in the process.
        self.cache, self.serial = cache, serial

    def render(self, snapshot: Snapshot) -> str:
        """The `payload` of a `next` message for this event: executed once, whatever the number of watchers."""
        sequence = snapshot.event.seq
        cached = self.cache.get((self.serial, sequence))
        if cached is not None:
            return cached
        result = graphql.execute(
            schema.graphql_schema,
            self.document,
            root_value=CaseProgress.of(snapshot),
            # A fresh context per event: payloads render from the snapshot, and no loader outlives one event.
            context_value=self.context_for(None, "subscription"),
            variable_values=self.variables,
            operation_name=self.operation_name,
        )
        assert isinstance(result, graphql.ExecutionResult), "subscription payloads render without I/O"
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = public_errors(result.errors)
        rendered = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        self.cache.put((self.serial, sequence), rendered)
        return rendered

    def rewound(self) -> None:
        """The log was replaced: sequence numbers from the old one mean nothing, so every watcher starts over."""
        self.cache.clear()
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
    connection: Outlet
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
        if self.connection.offer(next_message(self.id, payload), self, sequence):
            self.cursor = sequence
            EVENTS_DELIVERED.inc()


class Fanout:
    """The process's groups: watchers join and leave them, and a group lives, registered with the hub, as long as
    it has a member."""

    def __init__(self, hub: Hub, sessions: Sessions, context_for: ContextFactory, render_cache_bytes: int) -> None:
        self.hub, self.sessions, self.context_for = hub, sessions, context_for
        self.groups: dict[tuple[str, ...], Group] = {}
        self.catch_ups = CatchUpLane()
        self.cache = RenderCache(render_cache_bytes)
        self.serials = itertools.count()

    @property
    def watchers(self) -> int:
        return sum(len(group.members) for group in self.groups.values())

    async def join(self, connection: Outlet, operation_id: str, operation: Operation) -> None:
        """A watcher joins the group of its operation and variables; it starts now, or catches up from `after`."""
        variables = operation.variables
        try:
            watch, after, after_variable = watch_of(operation.definition, variables)
            # A watcher of something that does not exist, or of a future the log has not reached, would wait in
            # silence forever: say so instead.
            unknown = await progress.unknown(self.sessions, watch)
            if unknown is not None:
                raise InvalidInput(*unknown)
            end = await progress.last_sequence(self.sessions)
            if after is not None and after > end:
                raise InvalidInput("after", f"the log ends at sequence {end}; pass at most that")
        except (InvalidInput, GraphQLError, GlobalIDValueError) as error:
            connection.error(operation_id, public_errors([bad_input(error)]))
            return
        # `after` only decides where a watcher starts, not what it is sent: resuming watchers share the group.
        shared = {name: value for name, value in variables.items() if name != after_variable}
        key = (operation.query, operation.name or "", json.dumps(shared, sort_keys=True, default=str))
        # "From now" means from the log's end, even if this process's hub has not read that far yet.
        start = after if after is not None else end
        while True:
            group = self.groups.get(key)
            if group is None:
                group = Group(
                    self.cache,
                    next(self.serials),
                    self.context_for,
                    key,
                    operation.document,
                    variables,
                    operation.name,
                    watch,
                )
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
        WATCHERS.inc()
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
            member.connection.error(member.id, internal_error())
        finally:
            member.connection.tasks.pop(member.id, None)

    def leave(self, member: Member) -> None:
        group = member.group
        if group.members.pop((id(member.connection), member.id), None) is not None:
            WATCHERS.dec()
        if not group.members:
            self.groups.pop(group.key, None)
            if group.registration is not None:
                self.hub.remove(group.registration)
