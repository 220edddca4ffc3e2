"""Automatic persisted queries, as Apollo's clients send them (APQ, version 1), over GET and POST on /graphql.

A client sends `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}` without the document;
when the server does not know the hash it answers the error `PersistedQueryNotFound` (code
`PERSISTED_QUERY_NOT_FOUND`), and the client sends the document once with its hash, which the server checks and
keeps. A GET then carries only the hash and the variables, short enough for any URL and for caches in front
(openproc/http_cache.py). The request is rewritten here into an ordinary one (the document in place of the hash)
and goes on through the one pipeline: compiled reads, Strawberry, every limit.
"""

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from openproc.input_guard import errors_answer
from readpath.endpoint import read_body, replay

HASH = re.compile(r"[0-9a-f]{64}")


class PersistedQueries:
    """Documents by the SHA-256 (lower-case hex) of their text, the most recently used `limit` kept: a client that
    finds its document forgotten sends it again, as the protocol expects."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: str) -> None:
        self._documents[sha256] = document
        self._documents.move_to_end(sha256)
        if len(self._documents) > self.limit:
            self._documents.popitem(last=False)


class Refusal(Exception):
    """What the client gets instead of an answer: an HTTP status and a GraphQL error."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def resolved(store: PersistedQueries, request: dict[str, Any]) -> dict[str, Any]:
    """The request with its document in place of the hash (and the hash registered when both came)."""
    extensions = request.get("extensions")
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return request
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise Refusal(400, "PersistedQueryNotSupported: only version 1 is known", "PERSISTED_QUERY_NOT_SUPPORTED")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not HASH.fullmatch(sha256):
        raise Refusal(400, "sha256Hash must be 64 lower-case hexadecimal digits", "BAD_REQUEST")
    document = request.get("query")
    if isinstance(document, str):
        if hashlib.sha256(document.encode()).hexdigest() != sha256:
            raise Refusal(400, "provided sha does not match query", "BAD_REQUEST")
        store.put(sha256, document)
    else:
        known = store.get(sha256)
        if known is None:
            # 200, as Apollo's servers answer it: clients read the code and send the document.
            raise Refusal(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        document = known
    rest = {key: value for key, value in extensions.items() if key != "persistedQuery"}
    plain = {key: value for key, value in request.items() if key != "extensions"}
    return {**plain, "query": document, **({"extensions": rest} if rest else {})}


class PersistedQueryMiddleware:
    """Resolves persisted queries on /graphql before anything else reads the request."""

    def __init__(self, app: ASGIApp, store: PersistedQueries) -> None:
        self.app, self.store = app, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                scope = self._get(scope)
            elif scope["method"] == "POST":
                body = await read_body(receive)
                receive = replay(self._post(body), receive)
        except Refusal as refusal:
            error = {"message": refusal.message, "extensions": {"code": refusal.code}}
            await errors_answer(send, refusal.status, error)
            return
        await self.app(scope, receive, send)

    def _get(self, scope: Scope) -> Scope:
        query_string: bytes = scope.get("query_string", b"")
        if b"persistedQuery" not in query_string:
            return scope
        params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8"))
        try:
            extensions = json.loads(params["extensions"])
        except (KeyError, ValueError):
            return scope  # not a persisted query after all; the rest of the pipeline reports what is wrong
        request = resolved(self.store, {**params, "extensions": extensions})
        if "extensions" in request:
            request["extensions"] = json.dumps(request["extensions"])
        return {**scope, "query_string": urlencode(request).encode()}

    def _post(self, body: bytes) -> bytes:
        if b"persistedQuery" not in body:
            return body
        try:
            request = json.loads(body)
        except ValueError:
            return body
        if not isinstance(request, dict):
            return body
        return json.dumps(resolved(self.store, request), ensure_ascii=False).encode()
