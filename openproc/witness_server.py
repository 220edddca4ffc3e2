"""`openproc witness`: a C2SP tlog-witness HTTP service (its logic is ledger/witness.py).

POST /add-checkpoint              old size, consistency proof, blank line, checkpoint → cosignature line(s)
GET  /<sha256(origin), hex>/checkpoint   the last checkpoint cosigned for that log, with the cosignature (monitors)

It reads nothing but the requests, its key and its state file: never the log's database.
"""

import asyncio
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ledger.witness import Rejected, Witness

logger = logging.getLogger("openproc.witness")

# A checkpoint with a few dozen signatures and 63 proof lines is a few kilobytes; anything far larger is no request
# this witness needs to read.
MAX_BODY_BYTES = 64 * 1024
# The size a 409 carries, as c2sp.org/tlog-witness names it (no charset: clients compare the type exactly).
SIZE_TYPE = "text/x.tlog.size"
# In the witness's state directory.
WITNESS_KEY_FILE = "witness.key"
WITNESS_STATE_FILE = "cosigned.json"


class TooLarge(Exception):
    pass


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge
    return body


def create_witness_app(witness: Witness) -> Starlette:
    async def add_checkpoint(request: Request) -> Response:
        try:
            body = await _body(request)
        except TooLarge:
            return PlainTextResponse(f"a request is at most {MAX_BODY_BYTES} bytes\n", status_code=413)
        try:
            # In a thread: the state file is fsync'd before the answer, and the loop keeps serving meanwhile.
            # The witness serialises requests itself, so that a check and its write are one step.
            line = await asyncio.to_thread(witness.add_checkpoint, body)
        except Rejected as rejected:
            if rejected.status == 409:
                return Response(f"{rejected.size}\n", status_code=409, headers={"Content-Type": SIZE_TYPE})
            logger.info("add-checkpoint refused (%d): %s", rejected.status, rejected.reason)
            return PlainTextResponse(rejected.reason + "\n", status_code=rejected.status)
        return PlainTextResponse(line)

    async def checkpoint(request: Request) -> Response:
        found = witness.latest(request.path_params["origin_hash"])
        if found is None:
            return PlainTextResponse("no checkpoint of that log was cosigned here\n", status_code=404)
        return PlainTextResponse(found, headers={"Cache-Control": "no-cache"})

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash:str}/checkpoint", checkpoint, methods=["GET"]),
        ]
    )
