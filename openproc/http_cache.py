"""HTTP caching of GraphQL reads over GET (RFC 9110 validators, RFC 9111 Cache-Control), for caches in front.

A GET /graphql answer (a query: GET never runs a mutation) gets a strong `ETag`, the SHA-256 of its body, and a
request whose `If-None-Match` names it gets `304 Not Modified` without the body. An anonymous answer without errors
is `public, max-age=HTTP_CACHE_MAX_AGE_S`: a cache may serve it that long, so no answer outlives the event that
changes it by more than that, and revalidates it afterwards (cheap when the response cache, readpath/cache.py,
holds it: it drops an answer the moment an event changes it). An answer to an officer's token, or with errors,
is `no-store`. `Vary: Accept, Authorization`, since a browser's GET gets GraphiQL and a token may see more.
"""

import hashlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VARY = b"Accept, Authorization"


class HttpCacheMiddleware:
    def __init__(self, app: ASGIApp, max_age_s: int) -> None:
        self.app, self.max_age_s = app, max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        start: Message = {}
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if not _json_answer(message):
                    await send(message)  # GraphiQL's page, an error status, a stream: passed on as it comes
                return
            if not _json_answer(start):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._answer(request, start, b"".join(chunks), send)

        await self.app(scope, receive, held)

    async def _answer(self, request: Headers, start: Message, body: bytes, send: Send) -> None:
        headers = [(name, value) for name, value in start["headers"] if name.lower() != b"content-length"]
        tag = f'"{hashlib.sha256(body).hexdigest()}"'
        # A GraphQL error key can only appear as a key: inside a string its quotes would be escaped.
        public = "authorization" not in request and b'"errors":' not in body
        control = f"public, max-age={self.max_age_s}" if public else "no-store"
        headers += [(b"etag", tag.encode()), (b"cache-control", control.encode()), (b"vary", VARY)]
        if public and _matches(request.get("if-none-match", ""), tag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _json_answer(start: Message) -> bool:
    """A whole GraphQL answer: 200 and JSON, which a cache may keep."""
    content_type = Headers(raw=start.get("headers", [])).get("content-type", "")
    return bool(start.get("status") == 200 and content_type.startswith("application/json"))


def _matches(header: str, tag: str) -> bool:
    """If-None-Match names the tag (weak ones compare by their opaque part, RFC 9110 §13.1.2), or is `*`."""
    return header.strip() == "*" or tag in {named.strip().removeprefix("W/") for named in header.split(",")}
