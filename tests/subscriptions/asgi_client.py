"""A graphql-transport-ws client that talks to the subscription server over ASGI messages, in the test's own
process, and reads only as far as the test gives it credit: slow readers on demand, without sockets or sleeps."""

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

from subscriptions.protocol import TOO_FAR_BEHIND
from subscriptions.server import Server


class Client:
    """One graphql-transport-ws client over ASGI that reads only as far as it is given credit: `query` is a
    subscription with an `$after: Int` variable, whose payloads carry the event's `sequence`."""

    def __init__(self, server: Server, query: str, variables: dict[str, Any], after: int | None) -> None:
        self.server, self.query, self.variables, self.first_after = server, query, variables, after
        self.received: list[int] = []
        self.payloads: list[dict[str, Any]] = []
        self.messages: list[str] = []
        self.credit = 0
        self.changed = asyncio.Event()
        self.connection: asyncio.Task[None] | None = None
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.resumes = self.cut_off = 0

    async def connect(self, after: int | None) -> None:
        self.incoming = asyncio.Queue()
        scope = {
            "type": "websocket",
            "path": "/graphql",
            "headers": [],
            "client": ("127.0.0.1", 1),
            "subprotocols": ["graphql-transport-ws"],
            "query_string": b"",
            "scheme": "ws",
            "server": None,
        }
        self.connection = asyncio.create_task(self.server(scope, self.incoming.get, self._from_server))
        self.pending_error: dict[str, Any] | None = None
        self.closed: int | None = None
        for message in (
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": json.dumps({"type": "connection_init"})},
            {
                "type": "websocket.receive",
                "text": json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": self.query, "variables": {**self.variables, "after": after}},
                    }
                ),
            },
        ):
            await self.incoming.put(message)

    async def _from_server(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "websocket.close":
            self.closed = message.get("code", 1000)
            self._note()
            return
        if message["type"] != "websocket.send":
            return
        payload = json.loads(message["text"])
        if payload["type"] == "connection_ack":
            return
        # A slow reader: each message waits for the credit the schedule hands out.
        while self.credit <= 0:
            self.changed.clear()
            await self.changed.wait()
        self.credit -= 1
        self.messages.append(payload["type"])
        if payload["type"] == "next":
            (pushed,) = payload["payload"]["data"].values()
            self.payloads.append(pushed)
            self.received.append(pushed["sequence"])
        elif payload["type"] == "error":
            self.pending_error = payload
        self._note()

    async def send(self, message: dict[str, Any]) -> None:
        await self.incoming.put({"type": "websocket.receive", "text": json.dumps(message)})

    def _note(self) -> None:
        self.changed.set()

    def give(self, credit: int) -> None:
        self.credit += credit
        self.changed.set()

    async def settle(self) -> None:
        """If the server cut this client off, check what it said and resume where it says."""
        if self.closed is None:
            return
        assert self.closed == TOO_FAR_BEHIND[0]
        assert self.pending_error is not None, "closed without saying where to resume"
        extensions = self.pending_error["payload"][0]["extensions"]
        assert extensions["code"] == "TOO_FAR_BEHIND"
        expected = self.received[-1] if self.received else self.first_after
        assert extensions["lastSequence"] == expected, "the resume point is the last event received"
        self.cut_off += 1
        await self.resume()

    async def resume(self) -> None:
        await self.hang_up()
        self.resumes += 1
        await self.connect(self.received[-1] if self.received else self.first_after)

    async def hang_up(self) -> None:
        if self.connection is not None and not self.connection.done():
            await self.incoming.put({"type": "websocket.disconnect", "code": 1000})
            self.give(10_000)
            await asyncio.wait_for(self.connection, 30)
