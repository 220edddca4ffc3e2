"""The ledger as plain HTTP GETs, in the spirit of the Certificate Transparency API, for tools without GraphQL.

GET /ledger/key                                   the Ed25519 verifier key (signed-note format)
GET /ledger/checkpoint                            the latest signed checkpoint (text)
GET /ledger/proof/inclusion?leaf_index=&tree_size=   tree_size defaults to the latest checkpoint's size
GET /ledger/proof/consistency?first=&second=        and so does second
GET /ledger/leaves?start=&end=                    raw leaves, base64, at most 1,000
GET /ledger/events?start=&end=                    the same range of events as the event table holds them now
GET /ledger/tile/<L>/<N>[.p/<W>]                  C2SP tlog-tiles: hashes of tree level 8·L (prefix: /ledger)
GET /ledger/tile/entries/<N>[.p/<W>]              and the leaves, as entry bundles
"""

import base64
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ledger import tiles
from ledger.leaf import instant
from resolvers import ledger
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdecimal():
        raise InvalidInput(name, "must be a whole number")
    return int(raw)


def _required(request: Request, name: str) -> int:
    value = _int(request, name)
    if value is None:
        raise InvalidInput(name, "is required")
    return value


# What a cache in front may keep: the checkpoint changes with every signing, so it is revalidated each time;
# leaves and proofs between given sizes never change (a tree only grows), so they are kept.
FRESH = {"Cache-Control": "no-cache"}
FOREVER = {"Cache-Control": "public, max-age=31536000, immutable"}
OCTETS = "application/octet-stream"


def _bundle(request: Request, body: bytes) -> Response:
    """tlog-tiles asks for entry bundles compressed at the HTTP layer (leaves are JSON, they shrink several times);
    gzip when the client accepts it, and caches keep both forms apart."""
    headers = {**FOREVER, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = gzip.compress(body, compresslevel=6, mtime=0), "gzip"
    return Response(body, media_type=OCTETS, headers=headers)


def routes(sessions: Sessions, verifier_key: str) -> list[Route]:
    def endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidInput as error:
                return JSONResponse({"error": str(error)}, status_code=400)

        return guarded

    async def key(_: Request) -> Response:
        return PlainTextResponse(verifier_key + "\n")

    async def checkpoint(_: Request) -> Response:
        row = await ledger.latest_checkpoint(sessions)
        if row is None:
            return PlainTextResponse("no checkpoint yet\n", status_code=404)
        return PlainTextResponse(row.note, headers=FRESH)

    async def inclusion(request: Request) -> Response:
        index, given = _required(request, "leaf_index"), _int(request, "tree_size")
        size, path = await ledger.inclusion(sessions, index, given)
        body = {"leaf_index": index, "tree_size": size, "audit_path": [_b64(node) for node in path]}
        return JSONResponse(body, headers=FRESH if given is None else FOREVER)

    async def consistency(request: Request) -> Response:
        first, given = _required(request, "first"), _int(request, "second")
        second, proof = await ledger.consistency(sessions, first, given)
        body = {"first": first, "second": second, "consistency": [_b64(node) for node in proof]}
        return JSONResponse(body, headers=FRESH if given is None else FOREVER)

    async def leaves(request: Request) -> Response:
        start, end = _required(request, "start"), _required(request, "end")
        rows = await ledger.leaves(sessions, start, end)
        body = {"leaves": [{"leaf_index": row.leaf_index, "leaf_input": _b64(row.leaf)} for row in rows]}
        return JSONResponse(body, headers=FOREVER if len(rows) == end - start else FRESH)

    async def events(request: Request) -> Response:
        rows = await ledger.events(sessions, _required(request, "start"), _required(request, "end"))
        shown: list[dict[str, Any]] = [
            {
                "seq": row.seq,
                "type": row.type.value,
                "case": row.case_id,
                "step": row.step_id,
                "actor": row.actor_officer_id,
                "occurredAt": instant(row.occurred_at),
                "recordedAt": instant(row.recorded_at),
                "payload": row.payload,
            }
            for row in rows
        ]
        # The events as the table holds them now: what a monitor compares with the leaves, never cached.
        return JSONResponse({"events": shown}, headers=FRESH)

    async def tile(request: Request) -> Response:
        wanted = tiles.parse(request.path_params["path"])
        if wanted is None:
            raise InvalidInput("path", "not a tile path of c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>] or tile/entries/…")
        found = await ledger.tile(sessions, wanted)
        if found is None:
            # Not in the latest checkpoint's tree (or no such tile at all); it may be there after the next signing.
            return PlainTextResponse("no such tile in the latest checkpoint's tree\n", status_code=404, headers=FRESH)
        if wanted.level is None:
            return _bundle(request, tiles.bundle(found))
        # Full and partial alike: a tile's path fixes its bytes (a partial one is a prefix that never changes).
        return Response(b"".join(found), media_type=OCTETS, headers=FOREVER)

    return [
        Route("/ledger/key", endpoint(key)),
        Route("/ledger/checkpoint", endpoint(checkpoint)),
        Route("/ledger/proof/inclusion", endpoint(inclusion)),
        Route("/ledger/proof/consistency", endpoint(consistency)),
        Route("/ledger/leaves", endpoint(leaves)),
        Route("/ledger/events", endpoint(events)),
        Route("/ledger/tile/{path:path}", endpoint(tile)),
    ]
