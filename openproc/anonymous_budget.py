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


class AnonymousRateLimitMiddleware:
    """HTTP requests count against their client address's budget unless they carry a token known to be live;
    excess gets 429 at once.

    A token is verified after its request was charged, and a live one is then remembered for `verified_for_s`
    seconds: an officer is charged once in that time, `Authorization: Bearer junk` always, and a flood of made-up
    tokens costs one indexed lookup each only until its address's budget is spent.
    """

    def __init__(
        self, app: ASGIApp, limiter: RateLimiter, verify: Callable[[str], Awaitable[bool]], verified_for_s: float
    ) -> None:
        self.app, self.limiter, self.verify, self.verified_for_s = app, limiter, verify, verified_for_s
        self.verified: OrderedDict[str, float] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            token = bearer_token(dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1"))
            if token is None or not self._known(token):
                client = scope.get("client")
                try:
                    self.limiter.check("anonymous", client[0] if client else "unknown")
                except RateLimited as limited:
                    await _too_many(send, limited)
                    return
                if token is not None and await self.verify(token):
                    self._remember(token)
        await self.app(scope, receive, send)

    def _known(self, token: str) -> bool:
        until = self.verified.get(token)
        return until is not None and until > time.monotonic()

    def _remember(self, token: str) -> None:
        self.verified[token] = time.monotonic() + self.verified_for_s
        self.verified.move_to_end(token)
        while len(self.verified) > VERIFIED_TOKENS:
            self.verified.popitem(last=False)


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
