"""The Starlette application: GraphQL (with GraphiQL) on /graphql, a health probe, and a redirect from /."""

import asyncio
import gc
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from sqlalchemy import make_url, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.base import BaseRequestProtocol

from ledger.last_signed import LastSigned
from ledger.note import Signer, load_signer
from openproc import exports, ledger_routes, open311_routes
from openproc.admission import AdmissionMiddleware
from openproc.anonymous_budget import AnonymousBudget, AnonymousRateLimitMiddleware
from openproc.checkpointer import Checkpointer
from openproc.cors import APICORSMiddleware
from openproc.database import create_engine
from openproc.http_cache import HttpCacheMiddleware
from openproc.input_guard import TextGuardMiddleware
from openproc.loop_lag import LoopLagSampler
from openproc.observability import BodyLimitMiddleware, RequestIdMiddleware, durability_warnings, metrics_route
from openproc.oversight import OversightLoop
from openproc.persisted_queries import PersistedQueries, PersistedQueryMiddleware
from openproc.replicas import Replicas
from openproc.security_headers import SecurityHeadersMiddleware
from openproc.settings import Settings
from openproc.witness_feed import WitnessFeed
from readpath.cache import ResponseCache
from readpath.endpoint import CompiledReads, Plans
from resolvers.auth import bearer_token, officer_for_token
from resolvers.context import Context, ContextFactory, Headers
from resolvers.progress import Watch
from schema import schema
from subscriptions.bus import Bus
from subscriptions.hub import Hub
from subscriptions.server import Server
from subscriptions.webhook_dispatcher import Dispatcher
from telemetry import EVENTS_PUBLISHED, observe_operation

logger = logging.getLogger("openproc")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's HTTP view, with a per-request Context from the process's one context factory."""

    def __init__(self, context_for: ContextFactory) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.context_for = context_for

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A browser following a link (/graphql?query=…, as the page's "open in GraphiQL" links are) gets GraphiQL
        # with the query filled in; a client asking for JSON, or curl's */* with a query, gets it executed.
        accept = request.headers.get("accept", "")
        return request.method == "GET" and ("text/html" in accept or super().should_render_graphql_ide(request))

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_HTML)

    def encode_json(self, data: object) -> str:
        # Korean text as UTF-8 rather than \uXXXX escapes: half the bytes, and readable.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        return self.context_for(
            bearer_token(request.headers.get("authorization")),
            request.client.host if request.client else "unknown",
            response.headers if isinstance(response, Response) else None,
        )


# The public page: plain files, no build step, shipped inside the package (so an installed wheel has them).
WEB = ("openproc", "web")
# GraphiQL, on its own assets (see Makefile: graphiql) rather than Strawberry's CDN links.
GRAPHIQL_HTML = resources.files(WEB[0]).joinpath(WEB[1], "graphiql.html").read_text()
# GraphQL documents and reference-data imports fit well within this.
MAX_BODY_BYTES = 1024 * 1024


class OpenApp(Starlette):
    """Starlette, with the subscription socket taken straight off the ASGI scope: thousands of idle watchers
    should not each hold the middleware stack's frames."""

    def __init__(
        self, settings: Settings, live: Server, budget: AnonymousBudget, reads: CompiledReads | None, **options: Any
    ) -> None:
        super().__init__(**options)
        self.live, self.reads = live, reads
        inner = RequestIdMiddleware(
            SecurityHeadersMiddleware(
                BodyLimitMiddleware(
                    AnonymousRateLimitMiddleware(
                        TextGuardMiddleware(
                            HttpCacheMiddleware(
                                PersistedQueryMiddleware(self._dispatch, PersistedQueries(settings.persisted_queries)),
                                settings.http_cache_max_age_s,
                            )
                        ),
                        budget,
                    ),
                    MAX_BODY_BYTES,
                )
            )
        )
        # Outermost but for CORS, so an excess request is refused before anything parses or counts it
        # (openproc/admission.py); CORS around even that: preflights are answered uncounted, and refusals are
        # readable cross-origin (openproc/cors.py).
        self.entry = APICORSMiddleware(
            AdmissionMiddleware(inner, settings.max_in_flight, settings.admission_wait_s),
            settings.cors_allow_origins,
            settings.cors_allow_credentials,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/graphql":
            await self.live(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == "/graphql" and self.reads is not None:
            await self.reads(scope, receive, send, super().__call__)
            return
        await super().__call__(scope, receive, send)


def ledger_signer(settings: Settings) -> Signer:
    """The checkpoints' key: LEDGER_SIGNING_KEY, else the one kept in DATA_DIR (made there the first time)."""
    return load_signer(
        settings.origin,
        settings.ledger_signing_key.get_secret_value() if settings.ledger_signing_key else None,
        settings.data_dir / "ledger-signing.key",
    )


def last_signed(settings: Settings, database_url: str, signer: Signer) -> LastSigned:
    """Where the signer remembers its last checkpoint for the log in this database: in DATA_DIR, beside the key,
    one file per database (named by a hash of its URL without the password)."""
    where = make_url(database_url).render_as_string(hide_password=True)
    name = hashlib.sha256(f"{signer.name}\n{where}".encode()).hexdigest()[:16]
    return LastSigned(settings.data_dir / "ledger-signed" / f"{name}.checkpoint", signer.verifier_key)


def create_app(database_url: str, settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    engine = create_engine(database_url, settings)
    replicas = Replicas(
        engine,
        [create_engine(url, settings) for url in settings.read_urls()],
        poll_s=settings.replica_poll_s,
        wait_poll_s=settings.replica_wait_poll_s,
        wait_s=settings.replica_wait_s,
        max_lag_s=settings.replica_max_lag_s,
    )
    sessions = replicas.primary.sessions
    hub = Hub(sessions, replicas, poll_interval=settings.poll_interval_s)
    bus = Bus(settings.broadcast_url.get_secret_value(), settings.broadcast_channel, hub.wake)

    async def on_commit() -> None:
        EVENTS_PUBLISHED.inc()
        hub.wake()
        dispatcher.wake()
        checkpointer.wake()
        await bus.publish()

    signer = ledger_signer(settings)
    policy, limiter = settings.policy(), settings.rate_limiter()

    def context_for(token: str | None, client: str, response_headers: Headers | None = None) -> Context:
        return settings.context(
            sessions,
            limiter=limiter,
            policy=policy,
            token=token,
            client=client,
            response_headers=response_headers,
            on_commit=on_commit,
            ledger_key=signer.verifier_key,
            reads=replicas,
        )

    graphql = GraphQLApp(context_for)

    async def live_token(token: str) -> bool:
        return await officer_for_token(sessions, token) is not None

    budget = AnonymousBudget(limiter, live_token, settings.token_verified_for_s)
    live = Server(hub, sessions, context_for, budget.charge, settings.socket_limits())
    witnesses = [
        WitnessFeed(sessions, url, key, settings.ledger_witness_timeout_s, settings.ledger_witness_refresh_s)
        for url, key in settings.witnesses()
    ]
    checkpointer = Checkpointer(
        sessions, signer, last_signed(settings, database_url, signer), settings.ledger_checkpoint_interval_s, witnesses
    )
    dispatcher = Dispatcher(sessions, policy.webhook_targets, backoff_s=settings.webhook_backoff_s)
    oversight = OversightLoop(
        sessions,
        interval_s=settings.oversight_interval_s,
        policy=policy,
        min_samples=settings.prediction_min_samples,
        on_events=on_commit,
    )
    loop_lag = LoopLagSampler(interval_s=settings.loop_lag_sample_s)

    async def check_durability() -> None:
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', "
                        "'full_page_writes')"
                    )
                )
                found = {name: setting for name, setting in rows}
        except Exception:
            logger.warning("could not read PostgreSQL's durability settings", exc_info=True)
            return
        for warning in durability_warnings(found):
            logger.warning("unsafe PostgreSQL setting: %s", warning)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await check_durability()
        # What start-up built (modules, the schema, the mappers) lives as long as the process: the collector need
        # not look at it again. Without this, each full collection walked all of it while holding the interpreter,
        # stalling every request on the loop for up to 107 ms during an oversight round (0 stalls over 50 ms with
        # it, demo data); admission control sheds requests after such a stall.
        gc.freeze()
        await replicas.start()
        await hub.start()
        if cache is not None:
            # Every event this process learns of reaches the cache, as it reaches watchers; in the background,
            # since the hub waits for the database, and the cache stores nothing until then.
            attaching = asyncio.create_task(cache.attach(lambda listener: hub.add(Watch(), listener)))
        await bus.start()
        await checkpointer.start()
        await dispatcher.start()
        await oversight.start()
        await loop_lag.start()
        yield
        await loop_lag.stop()
        if cache is not None:
            attaching.cancel()
        await oversight.stop()
        await dispatcher.stop()
        await checkpointer.stop()
        await bus.stop()
        await hub.stop()
        await replicas.stop()
        await limiter.aclose()
        await engine.dispose()

    async def health(_: Request) -> Response:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        """Readiness: the database answers and the bus is connected; a balancer sends traffic only then."""
        checks = {
            "database": "ok",
            "bus": "ok",
            "log": "resyncing" if hub.resyncing else "ok",
            # A signer that found the tree contradicting what it signed before keeps the process unready.
            "ledger": "ok" if checkpointer.refusal is None else f"refusing to sign: {checkpointer.refusal}",
            # A standby down or too far behind serves nothing (the primary answers instead) but is reported, so
            # a balancer can prefer processes whose standbys are current.
            "replicas": "; ".join(replicas.problems()) or "ok",
        }
        try:
            # A bus between two heartbeats of a reconnect is given a moment before it counts as down.
            async with asyncio.timeout(settings.ready_timeout_s):
                await bus.connected.wait()
        except TimeoutError:
            checks["bus"] = "down"

        async def select_one() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            async with asyncio.timeout(settings.ready_timeout_s):
                await select_one()
        except Exception:
            checks["database"] = "down"
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse(checks, status_code=200 if healthy else 503)

    index_html = resources.files(WEB[0]).joinpath(WEB[1], "index.html").read_bytes()

    async def home(_: Request) -> Response:
        return Response(index_html, media_type="text/html")

    cache = ResponseCache(settings.response_cache_s) if settings.response_cache_s > 0 else None
    open_data = exports.Exports(replicas, settings.export_max_age_s)
    reads = (
        CompiledReads(
            replicas,
            Plans(schema.graphql_schema),
            lambda name, seconds: observe_operation(name, "query", "ok", seconds),
            settings.resolver_timeout_s,
            cache,
        )
        if settings.compiled_reads
        else None
    )
    app = OpenApp(
        settings,
        live,
        budget,
        reads,
        routes=[
            Route("/", home),
            Mount("/static", StaticFiles(packages=[WEB]), name="static"),
            Route("/healthz", health),
            Route("/readyz", ready),
            Route("/metrics", metrics_route(settings.metrics_networks())),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *ledger_routes.routes(sessions, signer.verifier_key),
            *open311_routes.routes(sessions),
            *open_data.routes(),
        ],
        lifespan=lifespan,
    )
    app.state.limiter = limiter
    app.state.hub, app.state.bus, app.state.live, app.state.reads = hub, bus, live, reads
    app.state.checkpointer, app.state.exports = checkpointer, open_data
    return app
