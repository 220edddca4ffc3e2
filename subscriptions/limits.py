"""What one client may ask of the WebSocket door, in one place: set from `openproc/settings.py`, read by the
ASGI entry (connections per address), the connection (handshake, message size, operations, send buffer) and the
fan-out (live events held back during a catch-up)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # The settings WS_INIT_TIMEOUT_S, WS_MAX_SUBSCRIPTIONS, WS_SEND_BUFFER (messages waiting to be sent on one
    # connection before it counts as too far behind) and WS_MAX_CONNECTIONS_PER_CLIENT.
    init_timeout_s: float
    subscriptions_per_connection: int
    send_buffer: int
    connections_per_client: int
    # Bytes the messages queued on one socket may hold (WS_SEND_BUFFER_BYTES), and on all the sockets of one client
    # address together (WS_CLIENT_BUFFER_BYTES): a subscriber chooses each message's size, so counting messages
    # alone would let a few slow sockets hold hundreds of MiB.
    send_buffer_bytes: int
    client_buffer_bytes: int
    # Bytes of rendered payloads the process keeps for catch-ups and late joiners (WS_RENDER_CACHE_BYTES), over
    # all its groups together.
    render_cache_bytes: int
    # Larger messages close the socket (4413); a subscribe message is a document and its variables.
    message_bytes: int = 64 * 1024
