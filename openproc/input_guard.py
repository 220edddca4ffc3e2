"""The HTTP door's guard for /graphql: text no open-data format can carry (schema/forbidden_text.py) is refused,
and JSON that cannot be read at all is a 400, before anything parses or runs."""

import json
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from readpath.endpoint import read_body, replay
from schema.forbidden_text import ERROR, forbidden_in, unreadable


class TextGuardMiddleware:
    """For /graphql over HTTP: a request carrying a forbidden character gets the usual typed error (HTTP 200), one
    whose JSON cannot be read at all (not UTF-8, nested past what parsers recurse) a 400 `BAD_REQUEST`; nothing
    runs for either."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        query_string = scope.get("query_string", b"")
        if forbidden_in(unquote_to_bytes(query_string)):
            await _refuse(send)
            return
        for name, values in parse_qs(query_string, keep_blank_values=True).items():
            if name in (b"variables", b"extensions") and (why := unreadable(values[-1])) is not None:
                await _bad_request(send, why)
                return
        body = await read_body(receive)
        if body and (why := unreadable(body)) is not None:
            await _bad_request(send, why)
            return
        if forbidden_in(body):
            await _refuse(send)
            return
        await self.app(scope, replay(body, receive), send)


async def errors_answer(send: Send, status: int, error: Mapping[str, object]) -> None:
    """A GraphQL answer with this one error and no data, sent before anything ran."""
    body = json.dumps({"errors": [error]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _bad_request(send: Send, why: str) -> None:
    await errors_answer(send, 400, {"message": why, "extensions": {"code": "BAD_REQUEST"}})


async def _refuse(send: Send) -> None:
    await errors_answer(send, 200, ERROR)
