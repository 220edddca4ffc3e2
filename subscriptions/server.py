"""`graphql-transport-ws` on /graphql, built so that thousands of watchers cost little: the ASGI entry of the
WebSocket route, which refuses an address with too many sockets at the handshake and wires the rest.

The work is split by concern, each module importing only those before it:
`protocol` (the wire format) and `limits` (what a client may ask), then `operations` (the schema, as over
HTTP), `fanout` (groups that render each event once for all their watchers, and catch-ups), `connection` (one
socket: its conversation and its bounded send queue), and this module, which owns none of that.
"""

from collections.abc import Awaitable, Callable

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from resolvers.context import ContextFactory
from resolvers.dataloaders import Sessions
from subscriptions.connection import Address, Connection
from subscriptions.fanout import Fanout
from subscriptions.hub import Hub
from subscriptions.limits import Limits


class Server:
    """The process's subscription server: connections, and the groups that share rendering."""

    def __init__(
        self,
        hub: Hub,
        sessions: Sessions,
        context_for: ContextFactory,
        charge: Callable[[str | None, str], Awaitable[None]],
        limits: Limits,
        client_of: Callable[[WebSocket], str] | None = None,
    ) -> None:
        # The process's one context factory and anonymous budget (openproc/app.py), shared with the HTTP door.
        self.hub, self.sessions, self.context_for, self.charge = hub, sessions, context_for, charge
        self.limits = limits
        self.client_of = client_of or (lambda websocket: websocket.client.host if websocket.client else "unknown")
        self.fanout = Fanout(hub, sessions, context_for, limits.render_cache_bytes)
        self.addresses: dict[str, Address] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI endpoint of the WebSocket route."""
        websocket = WebSocket(scope, receive, send)
        client = self.client_of(websocket)
        address = self.addresses.setdefault(client, Address())
        if address.sockets >= self.limits.connections_per_client:
            # Refused at the handshake with an HTTP answer clients understand.
            await websocket.send_denial_response(
                JSONResponse({"errors": [{"message": "too many connections from this address"}]}, status_code=429)
            )
            return
        address.sockets += 1
        try:
            await Connection(
                websocket, send, address, self.limits, self.fanout, self.context_for, self.charge, self.client_of
            ).serve()
        finally:
            address.sockets -= 1
            if not address.sockets:
                del self.addresses[client]

    @property
    def watchers(self) -> int:
        return self.fanout.watchers
