"""A cache of compiled answers, dropped by the events that change them (RESPONSE_CACHE_S, off by default).

It listens to the process's event hub like any watcher: an event of a case drops the answers that show that case
and every list; a reference-data change drops everything. Answers hold public data only (compiled reads never
reach private fields). Two things change without an event — the `isOverdue` flags as deadlines pass, and view
counts — so answers also expire after the configured seconds. An answer computed while an event arrived is not
stored: it may predate the event.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from models import EventType
from resolvers.progress import Snapshot

Key = tuple[str, str | None, str]
MAX_BYTES = 64 * 1024 * 1024
# Many tiny answers (a missing case is 20 bytes) must not fill memory with their keys either.
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class Entry:
    body: bytes
    receipt_nos: frozenset[str]
    lists: bool
    expires: float


class ResponseCache:
    def __init__(self, ttl_s: float, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s, self.max_bytes, self.max_entries = ttl_s, max_bytes, max_entries
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        # What each event must drop, without scanning every entry.
        self._by_receipt_no: dict[str, set[Key]] = {}
        self._lists: set[Key] = set()
        self._bytes = 0
        # Bumped by every event: an answer is stored only if none arrived while it was computed.
        self.generation = 0
        self.last_sequence = 0
        self.hits = 0
        self._delivered = asyncio.Condition()
        # Nothing is stored before the hub delivers events to the cache: nothing could drop it.
        self.ready = asyncio.Event()

    def get(self, key: Key) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: Key, body: bytes, receipt_nos: frozenset[str], lists: bool, generation: int) -> None:
        if not self.ready.is_set() or generation != self.generation or len(body) > self.max_bytes // 16:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = Entry(body, receipt_nos, lists, time.monotonic() + self.ttl_s)
        self._bytes += _size(key, body)
        for receipt_no in receipt_nos:
            self._by_receipt_no.setdefault(receipt_no, set()).add(key)
        if lists:
            self._lists.add(key)
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def deliver(self, snapshot: Snapshot) -> None:
        """The hub's listener interface: called for every new event, in order, without blocking."""
        self.generation += 1
        self.last_sequence = snapshot.event.seq
        if snapshot.event.type is EventType.REFERENCE_UPDATED:
            for key in list(self._entries):
                self._drop(key)
        elif snapshot.case is not None:
            for key in self._lists | self._by_receipt_no.get(snapshot.case.case.receipt_no, set()):
                self._drop(key)
        asyncio.get_running_loop().create_task(self._notify())

    def rewound(self) -> None:
        """The log was replaced: every stored answer may describe the old database."""
        self.generation += 1
        for key in list(self._entries):
            self._drop(key)

    async def attach(self, register: Callable[["ResponseCache"], Awaitable[object]]) -> None:
        """Start listening (e.g. `lambda cache: hub.add(Watch(), cache)`, which waits for the database)."""
        await register(self)
        self.ready.set()

    async def caught_up(self, sequence: int) -> None:
        """Wait until the event `sequence` has been seen (tests and benchmarks synchronise on it)."""
        async with self._delivered:
            await self._delivered.wait_for(lambda: self.last_sequence >= sequence)

    async def _notify(self) -> None:
        async with self._delivered:
            self._delivered.notify_all()

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key)
        self._bytes -= _size(key, entry.body)
        self._lists.discard(key)
        for receipt_no in entry.receipt_nos:
            keys = self._by_receipt_no[receipt_no]
            keys.discard(key)
            if not keys:
                del self._by_receipt_no[receipt_no]


def _size(key: Key, body: bytes) -> int:
    """What an entry holds: its answer and its key (the document and the variables)."""
    return len(body) + len(key[0]) + len(key[2])
