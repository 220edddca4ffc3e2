from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from models import Officer
from resolvers.auth import officer_for_token
from resolvers.dataloaders import Loaders, Sessions
from resolvers.errors import Unauthenticated
from resolvers.rate_limit import RateLimiter
from resolvers.reads import Router, Target
from resolvers.workflow.checks import Policy


class Headers(Protocol):
    """Where an answer's HTTP headers are set (Starlette's MutableHeaders)."""

    def __setitem__(self, key: str, value: str) -> None: ...


class ContextFactory(Protocol):
    """The one way every door (HTTP, compiled reads' fallback, the WebSocket) makes a request's context: what the
    process shares (sessions, policy, limiter, commit hook, ledger key, timeout) and who is asking."""

    def __call__(self, token: str | None, client: str, response_headers: Headers | None = None) -> "Context": ...


@dataclass
class Context:
    """Per-request state: a session factory (never a shared session), the request's loaders and caller."""

    sessions: Sessions
    # The bearer token sent, if any; checked only when an operation needs an officer.
    token: str | None = None
    # The caller's network address, for rate limits.
    client: str = "unknown"
    # Shared by the process; built from Settings (openproc/settings.py), which holds every default.
    limiter: RateLimiter = field(kw_only=True)
    policy: Policy = field(kw_only=True)
    # The ledger's published verifier key.
    ledger_key: str = ""
    # Called after a write commits: wakes this process's watchers and rings the bus for the others.
    on_commit: Callable[[], Awaitable[None]] | None = None
    # Seconds a query or mutation resolver may run (schema/timeouts.py).
    resolver_timeout_s: float = field(kw_only=True)
    # The HTTP answer's headers, when there is one (a refusal's Retry-After goes there); None over the socket.
    response_headers: "Headers | None" = None
    # Chooses a standby for anonymous queries (schema/read_routing.py); None: everything on `sessions`.
    reads: Router | None = field(kw_only=True, default=None)
    loaders: Loaders = field(init=False)
    _officer: Officer | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Loaders cache for one request only; a new Context is built for each request.
        self.loaders = Loaders(self.sessions)

    def use(self, target: Target) -> None:
        """Read from `target` from now on (before anything ran: the loaders are made anew for it)."""
        if target.sessions is not self.sessions:
            self.sessions = target.sessions
            self.loaders = Loaders(self.sessions)

    async def committed(self) -> None:
        if self.on_commit is not None:
            await self.on_commit()

    async def officer(self) -> Officer:
        """The authenticated officer; public reads never call this, so they never touch the token table."""
        if self._officer is None:
            if self.token is None:
                raise Unauthenticated("sign in: send `Authorization: Bearer <token>`")
            self._officer = await officer_for_token(self.sessions, self.token)
            if self._officer is None:
                raise Unauthenticated("the token is unknown, expired or revoked")
        return self._officer
