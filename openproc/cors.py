"""CORS for the API: pages on any origin (or on the configured ones) may call it with fetch().

Only the API answers cross-origin (/graphql, /open311/…, /exports/…, /ledger/…); the page and its files serve
their own origin. Wrapped around the whole stack: a preflight is answered before admission and the rate limits
(it costs nothing worth counting), a real request still passes both, and their refusals (429, 503) carry the
CORS headers, so the calling script can read Retry-After instead of seeing a network error.

`Authorization` is allowed: a bearer token is a header the calling script sets itself, never one a browser adds
on its own, so a page can send only a token its user gave it, and officers' tools on other origins work.
Credentials in the CORS sense (cookies, HTTP authentication, client certificates), which a browser does attach
by itself, are not allowed unless configured, and never for every origin: the API reads none of them.
"""

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

GRAPHQL = "/graphql"
PREFIXES = ("/open311/", "/exports/", "/ledger/")
METHODS = ("GET", "POST")
# Beyond the safelisted ones (Content-Type among them): the token, and a request id to find the log line by.
REQUEST_HEADERS = ("authorization", "x-request-id")
# Beyond the safelisted ones: when to retry after a 429 or 503, the request id a masked error names, and an
# export's file name.
RESPONSE_HEADERS = ("retry-after", "x-request-id", "content-disposition")


def origins(setting: str) -> list[str]:
    """CORS_ALLOW_ORIGINS: `*`, or origins separated by commas."""
    return [origin.strip() for origin in setting.split(",") if origin.strip()]


class APICORSMiddleware:
    """Starlette's CORSMiddleware, for the API's paths only."""

    def __init__(self, app: ASGIApp, allow_origins: str, allow_credentials: bool = False) -> None:
        allowed = origins(allow_origins)
        if allow_credentials and "*" in allowed:
            # Starlette would echo every caller's origin with credentials: any site could act as its visitors.
            raise ValueError("CORS_ALLOW_CREDENTIALS needs CORS_ALLOW_ORIGINS to list origins, not *")
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=allowed,
            allow_methods=METHODS,
            allow_headers=REQUEST_HEADERS,
            allow_credentials=allow_credentials,
            expose_headers=RESPONSE_HEADERS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] == GRAPHQL or scope["path"].startswith(PREFIXES)):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
