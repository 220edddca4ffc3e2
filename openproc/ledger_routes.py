"""The ledger as plain HTTP GETs, in the spirit of the Certificate Transparency API, for tools without GraphQL.

GET /ledger/key                                   the Ed25519 verifier key (signed-note format)
GET /ledger/checkpoint                            the latest signed checkpoint (text)
GET /ledger/proof/inclusion?leaf_index=&tree_size=
GET /ledger/proof/consistency?first=&second=
GET /ledger/leaves?start=&end=                    raw leaves, base64, at most 1,000
GET /ledger/events?start=&end=                    the same range of events as the event table holds them now
"""

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

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
        return PlainTextResponse(row.note)

    async def inclusion(request: Request) -> Response:
        index = _required(request, "leaf_index")
        size, path = await ledger.inclusion(sessions, index, _int(request, "tree_size"))
        return JSONResponse({"leaf_index": index, "tree_size": size, "audit_path": [_b64(node) for node in path]})

    async def consistency(request: Request) -> Response:
        first = _required(request, "first")
        second, proof = await ledger.consistency(sessions, first, _int(request, "second"))
        return JSONResponse({"first": first, "second": second, "consistency": [_b64(node) for node in proof]})

    async def leaves(request: Request) -> Response:
        rows = await ledger.leaves(sessions, _required(request, "start"), _required(request, "end"))
        return JSONResponse({"leaves": [{"leaf_index": row.leaf_index, "leaf_input": _b64(row.leaf)} for row in rows]})

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
        return JSONResponse({"events": shown})

    return [
        Route("/ledger/key", endpoint(key)),
        Route("/ledger/checkpoint", endpoint(checkpoint)),
        Route("/ledger/proof/inclusion", endpoint(inclusion)),
        Route("/ledger/proof/consistency", endpoint(consistency)),
        Route("/ledger/leaves", endpoint(leaves)),
        Route("/ledger/events", endpoint(events)),
    ]
