"""Text with NUL characters (U+0000) is refused before it reaches anything: PostgreSQL cannot store it.

Without this, a NUL in any text argument fails inside the database and surfaces as a masked INTERNAL error. In a
JSON body a NUL can only be written `\\u0000` (also inside a GraphQL string escape, `\\\\u0000`), so looking for those
bytes needs no parsing; GET requests carry it percent-encoded. WebSocket messages are checked by the
subscription server with `has_nul`.
"""

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from readpath.endpoint import read_body, replay

MESSAGE = "text may not contain NUL characters (U+0000)"
ERROR = {"message": MESSAGE, "extensions": {"code": "BAD_USER_INPUT"}}
BODY = json.dumps({"errors": [ERROR]}).encode()


def _nul_in(raw: bytes) -> bool:
    return b"\\u0000" in raw or b"\x00" in raw


def has_nul(value: Any) -> bool:
    """Any NUL in a decoded value: a string, or the strings inside lists and objects."""
    if isinstance(value, str):
        return "\x00" in value or "\\u0000" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


class NulGuardMiddleware:
    """For /graphql over HTTP: a request carrying a NUL gets the usual typed error (HTTP 200), nothing runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        if _nul_in(unquote_to_bytes(scope.get("query_string", b""))):
            await _refuse(send)
            return
        body = await read_body(receive)
        if _nul_in(body):
            await _refuse(send)
            return
        await self.app(scope, replay(body, receive), send)


async def _refuse(send: Send) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
