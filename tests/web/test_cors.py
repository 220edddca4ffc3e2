"""A page on another origin reads the API with fetch() in a real browser, unless CORS leaves that origin out."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.async_api import Browser

from seed.generator import Dataset
from tests.subscriptions.servers import server
from tests.web.conftest import needs_chromium

# A civic-tech page served from its own origin (another port on the loopback): a GraphQL POST with a JSON body
# (preflighted), an Open311 GET (a simple request) and a POST with a bearer token (preflighted for Authorization).
PAGE = b"""<!doctype html>
<meta charset="utf-8">
<title>elsewhere</title>
<script type="module">
const api = new URLSearchParams(location.search).get("api");
const graphql = (headers) => fetch(`${api}/graphql`, {
  method: "POST",
  headers: {"content-type": "application/json", ...headers},
  body: JSON.stringify({query: "{ taskTypes { code } }"}),
});
async function attempt(run) {
  try {
    return {ok: true, value: await run()};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}
window.results = Promise.all([
  attempt(async () => (await (await graphql({})).json()).data.taskTypes.length),
  attempt(async () => (await (await fetch(`${api}/open311/v2/services.json`)).json()).length),
  attempt(async () => (await graphql({authorization: "Bearer not-a-token"})).status),
]);
</script>
"""


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def elsewhere() -> Iterator[str]:
    """The page's own origin: a small server on a free loopback port, until the block ends."""
    host = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{host.server_address[1]}"
    finally:
        host.shutdown()
        host.server_close()
        thread.join()


async def results_in(browser: Browser, origin: str, api: str) -> list[dict[str, Any]]:
    page = await browser.new_page()
    try:
        await page.goto(f"{origin}/?api={api}")
        results: list[dict[str, Any]] = await page.evaluate("() => window.results")
    finally:
        await page.close()
    return results


@needs_chromium
async def test_a_page_on_another_origin_reads_the_api(browser: Browser, database_url: str, demo: Dataset) -> None:
    task_types = len(demo.rows["task_type"])
    with elsewhere() as origin:
        async with server(database_url) as running:
            results = await results_in(browser, origin, f"http://127.0.0.1:{running.port}")

    assert results[0] == {"ok": True, "value": task_types}
    assert results[1] == {"ok": True, "value": task_types}
    # The preflight let Authorization through and the script could read the answer (whatever the token's fate).
    assert results[2]["ok"], results[2]


@needs_chromium
async def test_a_page_on_an_origin_left_out_cannot_read_it(browser: Browser, database_url: str, demo: Dataset) -> None:
    with elsewhere() as origin:
        async with server(database_url, CORS_ALLOW_ORIGINS="https://city.example") as running:
            results = await results_in(browser, origin, f"http://127.0.0.1:{running.port}")

    assert [result["ok"] for result in results] == [False, False, False]
    assert all("Failed to fetch" in result["error"] for result in results)
