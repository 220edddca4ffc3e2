"""A cap on the HTTP requests one process works on at once; the excess is refused with 503 and Retry-After.

Past the rate the process can serve, queued requests only wait longer (for the event loop, then for a pooled
database connection) until clients time out; a quick 503 tells them to come back instead, and keeps the latency
of the admitted requests bounded. An excess request may wait up to `wait_s` for a place, in arrival order, so
that a burst (or a pause of the event loop, such as a fan-out to a thousand watchers) is served rather than
refused; but once a waiter waited in vain the process counts as overloaded, and for the next `SHED_S` seconds
the excess is refused at once, without waiting (Settings.max_in_flight has the measurements). uvicorn's own
`limit_concurrency` counts WebSocket connections too, so a thousand idle watchers would close the door to every
reader: this counts HTTP requests only, and never refuses the probes and metrics an orchestrator needs to see a
busy process as alive.
"""

import asyncio
import contextlib
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

# Probes and metrics stay answerable under load: a balancer must not take a busy process for a dead one.
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
BODY = b'{"errors":[{"message":"the server is busy: retry shortly","extensions":{"code":"OVERLOADED","retryAfter":1}}]}'
# At most this many waiters per admitted request; more would wait longer than `wait_s` anyway.
QUEUE_FACTOR = 1
# After a waiter timed out, excess requests are refused without waiting for this long: a sustained overload
# would time every waiter out, and make each refusal as slow as the wait.
SHED_S = 2.0


class AdmissionMiddleware:
    """Admits at most `limit` HTTP requests at a time (0: no cap); WebSockets and probes are never counted."""

    def __init__(self, app: ASGIApp, limit: int, wait_s: float = 0.05) -> None:
        self.app, self.limit, self.wait_s = app, limit, wait_s
        self.in_flight = 0
        self.refused = 0
        self.shedding_until = 0.0
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            self.refused += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(BODY)).encode()),
                        (b"retry-after", b"1"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": BODY})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        # One event loop per process: checks and counts cannot interleave with another request's.
        if self.in_flight < self.limit and not self.waiting:
            self.in_flight += 1
            return True
        loop = asyncio.get_running_loop()
        if self.wait_s <= 0 or loop.time() < self.shedding_until or len(self.waiting) >= self.limit * QUEUE_FACTOR:
            return False
        place: asyncio.Future[None] = loop.create_future()
        self.waiting.append(place)
        try:
            async with asyncio.timeout(self.wait_s):
                await asyncio.shield(place)
        except TimeoutError:
            if place.done():
                return True  # handed a place just as the wait ran out: take it
            self.waiting.remove(place)
            place.cancel()
            self.shedding_until = loop.time() + SHED_S
            return False
        except asyncio.CancelledError:
            # The client went away while waiting: give back a place already handed over, or leave the queue.
            if place.done() and not place.cancelled():
                self._release()
            else:
                with contextlib.suppress(ValueError):
                    self.waiting.remove(place)
            raise
        return True

    def _release(self) -> None:
        """A place came free: hand it straight to the longest waiter (the count stays), else give it back."""
        while self.waiting:
            place = self.waiting.popleft()
            if not place.done():
                place.set_result(None)
                return
        self.in_flight -= 1
