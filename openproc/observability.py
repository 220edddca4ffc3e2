"""Request ids, structured logs and Prometheus metrics. None of them ever carries applicant data: logs hold ids,
operation names and errors; metrics hold counts and durations."""

import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry import request_id


class RequestIdMiddleware:
    """Gives every HTTP request and socket an id (the caller's X-Request-ID, else a new one), logged and returned."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        current = given if given.isascii() and 0 < len(given) <= 64 else uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", current.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str, json_format: bool) -> None:
    """Root logging for the server (uvicorn's loggers included): JSON lines with the request id, or plain text."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if json_format:
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


Networks = Sequence[IPv4Network | IPv6Network]
# prometheus_client's multiprocess mode: set for the worker processes that serve one port (openproc/serving.py),
# where each writes its metrics to files there and a scrape of any of them sums them all.
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


def _registry() -> CollectorRegistry:
    if METRICS_DIRECTORY not in os.environ:
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
    return merged


def metrics_route(allowed: Networks | None) -> Callable[[Request], Awaitable[Response]]:
    """`/metrics` for scrapers in `allowed` (None: anyone); others get 403, so a public balancer in front does not
    publish the process's internals."""

    async def metrics(request: Request) -> Response:
        if allowed is not None and not _within(request.client.host if request.client else "", allowed):
            error = {
                "message": "metrics are served to the operator's networks only",
                "extensions": {"code": "FORBIDDEN"},
            }
            return JSONResponse({"errors": [error]}, status_code=403)
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    return metrics


def _within(host: str, networks: Networks) -> bool:
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


class BodyLimitMiddleware:
    """Refuses HTTP request bodies over `limit` bytes with 413, before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await _too_large(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"errors":[{"message":"request body too large"}]}'})


def durability_warnings(settings: dict[str, str]) -> list[str]:
    """What in PostgreSQL's settings could lose an acknowledged write."""
    warnings = []
    if settings.get("fsync") != "on":
        warnings.append("fsync is off: a crash can lose or corrupt committed data")
    if settings.get("synchronous_commit") == "off":
        warnings.append("synchronous_commit is off: a crash can lose the last acknowledged writes")
    if settings.get("full_page_writes") != "on":
        warnings.append("full_page_writes is off: a crash can leave torn pages")
    return warnings
