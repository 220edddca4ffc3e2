"""Headers every answer carries for browsers: no content sniffing, no referrer leaving the site, and on the
public page a content security policy that lets it load only its own scripts, styles and connections.

The page has no inline script or style, so the policy needs no hash or nonce; its live updates use a WebSocket to
the same origin, which `connect-src 'self'` covers. GraphiQL's page keeps an inline script and is left without one.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PAGES = ("/", "/static/index.html")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page = scope["path"] in PAGES

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERYWHERE.items():
                    headers.setdefault(name, value)
                if page:
                    headers.setdefault("content-security-policy", PAGE_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)
