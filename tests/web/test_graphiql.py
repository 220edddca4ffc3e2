"""GraphiQL in a real browser with no route off this machine: its scripts come from OPEN itself, and the page's
"open in GraphiQL" links open it with the query and variables filled in, ready to run."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.subscriptions.servers import ServerProcess
from tests.web.conftest import needs_chromium

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.fixture
async def offline(browser: Browser) -> AsyncIterator[tuple[Page, list[str]]]:
    """A page whose every request off loopback fails (and is recorded), as on a machine without internet."""
    context = await browser.new_context()
    refused: list[str] = []

    async def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_loopback)
    page = await context.new_page()
    yield page, refused
    await context.close()


@needs_chromium
async def test_graphiql_runs_offline(live: ServerProcess, offline: tuple[Page, list[str]]) -> None:
    page, refused = offline

    await page.goto(f"http://127.0.0.1:{live.port}/graphql")
    await page.locator(".graphiql-query-editor").click()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("{ taskTypes { code } }")
    await page.locator("button.graphiql-execute-button").click()

    await expect(page.locator(".graphiql-response")).to_contain_text('"code": "BLD-PMT"', timeout=20_000)
    assert refused == []
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=OUTPUT / "graphiql-offline.png")


@needs_chromium
async def test_the_pages_links_open_graphiql_with_the_query_filled_in(
    live: ServerProcess, offline: tuple[Page, list[str]]
) -> None:
    page, refused = offline
    await page.goto(f"http://127.0.0.1:{live.port}/")
    link = page.locator("#graphiql-statistics")
    await expect(link).to_have_attribute("href", re.compile(r"^/graphql\?query=.+&variables="))

    await link.click()
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("statistics", timeout=20_000)
    await expect(page.locator(".graphiql-editor-tool")).to_contain_text("from")  # the variables came along
    await page.locator("button.graphiql-execute-button").click()

    await expect(page.locator(".graphiql-response")).to_contain_text('"statistics"', timeout=20_000)
    assert "errors" not in (await page.locator(".graphiql-response").text_content() or "")
    assert refused == []
    await page.screenshot(path=OUTPUT / "graphiql-from-the-page.png")
