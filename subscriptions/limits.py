"""What one client may ask of the WebSocket door, in one place: set from `openproc/settings.py`, read by the
ASGI entry (connections per address), the connection (handshake, message size, operations, send buffer) and the
fan-out (live events held back during a catch-up)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    init_timeout_s: float = 10.0
    subscriptions_per_connection: int = 50
    message_bytes: int = 64 * 1024
    # Messages waiting to be sent on one connection before it counts as too far behind.
    send_buffer: int = 1_000
    connections_per_client: int = 500
