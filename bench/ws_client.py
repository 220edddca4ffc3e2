"""A minimal graphql-transport-ws client on asyncio protocols, for benchmarks only.

Ten thousand `websockets` connections cost the client process more than the server spends delivering to them,
which would make the client the thing measured. Here each connection is one protocol object with no task:
it records when each text frame arrives, and parses nothing else.
"""

import asyncio
import base64
import json
import os
import struct
import time
from typing import Any, cast


def _frame(text: str | bytes, opcode: int = 0x1) -> bytes:
    """A masked, final frame, text unless told (clients must mask)."""
    payload = text.encode() if isinstance(text, str) else text
    mask = os.urandom(4)
    header = bytearray([0x80 | opcode])
    if len(payload) < 126:
        header.append(0x80 | len(payload))
    elif len(payload) < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes(header) + mask + masked


class Watcher(asyncio.Protocol):
    def __init__(self, host: str, port: int, query: str, variables: dict[str, Any]) -> None:
        self.request = (
            f"GET /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        ).encode()
        self.subscribe = {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        self.buffer = b""
        self.upgraded = False
        self.acknowledged = asyncio.get_running_loop().create_future()
        self.messages: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()
        self.transport: asyncio.Transport | None = None
        # Set when the connection ends, whoever ended it: a resuming client reconnects then.
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have the same methods without subclassing asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                # Refused at the handshake (a limit, a restarting server): the caller decides whether to retry.
                if not self.acknowledged.done():
                    self.acknowledged.set_exception(ConnectionError(self.buffer[:200].decode(errors="replace")))
                assert self.transport is not None
                self.transport.close()
                return
            self.buffer = self.buffer[end + 4 :]
            self.upgraded = True
            assert self.transport is not None
            self.transport.write(_frame(json.dumps({"type": "connection_init"})))
        while len(self.buffer) >= 2:
            length = self.buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, offset = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, offset = struct.unpack("!Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < offset + length:
                return
            opcode, raw = self.buffer[0] & 0x0F, self.buffer[offset : offset + length]
            text = raw.decode(errors="replace")
            self.buffer = self.buffer[offset + length :]
            if opcode == 0x9:
                # uvicorn closes a socket whose keepalive pings go unanswered for 20 s: soaks outlast that.
                assert self.transport is not None
                self.transport.write(_frame(raw, 0xA))
                continue
            if opcode == 0x8:
                assert self.transport is not None
                self.transport.close()
                return
            if opcode != 0x1:
                continue
            if not self.acknowledged.done():
                self.acknowledged.set_result(None)
                assert self.transport is not None
                self.transport.write(_frame(json.dumps(self.subscribe)))
            else:
                self.messages.append((arrived, text))
                self.arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.acknowledged.done():
            self.acknowledged.set_exception(ConnectionError("closed before connection_ack"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_watcher(host: str, port: int, query: str, variables: dict[str, Any]) -> Watcher:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: Watcher(host, port, query, variables), host, port)
    await asyncio.wait_for(protocol.acknowledged, 30)
    return protocol
