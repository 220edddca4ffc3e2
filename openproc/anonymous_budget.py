"""The anonymous budget at the HTTP door: requests count against their client address unless they carry a token
known to be live."""

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.auth import bearer_token
from resolvers.errors import RateLimited
from resolvers.rate_limit import RateLimiter

# Live tokens remembered at once; past that the oldest are forgotten (and charged once more when they return).
VERIFIED_TOKENS = 10_000


class AnonymousBudget:
    """Requests count against their client address's budget unless they carry a token known to be live; the
    same budget for every door (the HTTP middleware below, the WebSocket server's operations).

    A token is verified after its request was charged, and a live one is then remembered for `verified_for_s`
    seconds: an officer is charged once in that time (or, when the address's budget is spent, not at all), and
    `Authorization: Bearer junk` always. Made-up tokens cost one indexed lookup each, up to the address's
    anonymous budget and then its small `token_check` budget.
    """

    def __init__(self, limiter: RateLimiter, verify: Callable[[str], Awaitable[bool]], verified_for_s: float) -> None:
        self.limiter, self.verify, self.verified_for_s = limiter, verify, verified_for_s
        self.verified: OrderedDict[str, float] = OrderedDict()

    async def charge(self, token: str | None, client: str) -> None:
        """Raises RateLimited when a request without a live token is over its address's budget."""
        if token is not None and self._known(token):
            return
        try:
            await self.limiter.check("anonymous", client)
        except RateLimited:
            # An officer behind the same address as a spent budget is let in once the token proves live.
            if token is None:
                raise
            await self.limiter.check("token_check", client)
            if not await self.verify(token):
                raise
            self._remember(token)
            return
        if token is not None and await self.verify(token):
            self._remember(token)

    def _known(self, token: str) -> bool:
        until = self.verified.get(token)
        return until is not None and until > time.monotonic()

    def _remember(self, token: str) -> None:
        self.verified[token] = time.monotonic() + self.verified_for_s
        self.verified.move_to_end(token)
        while len(self.verified) > VERIFIED_TOKENS:
            self.verified.popitem(last=False)


class AnonymousRateLimitMiddleware:
    """The budget at the HTTP door: excess gets 429 with Retry-After at once."""

    def __init__(self, app: ASGIApp, budget: AnonymousBudget) -> None:
        self.app, self.budget = app, budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            token = bearer_token(dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1"))
            client = scope.get("client")
            try:
                await self.budget.charge(token, client[0] if client else "unknown")
            except RateLimited as limited:
                await _too_many(send, limited)
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, limited: RateLimited) -> None:
    body = json.dumps(
        {
            "errors": [
                {"message": str(limited), "extensions": {"code": "RATE_LIMITED", "retryAfter": limited.retry_after}}
            ]
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", str(limited.retry_after).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
