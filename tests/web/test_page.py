"""The public page at /, in a real browser (Debian's Chromium, driven by Playwright), against a real server.

Screenshots go to test-output/ (ignored by git): the case as looked up, and the same page after a signature
arrived over the live connection, without a reload."""

import os
from pathlib import Path

import httpx
from playwright.async_api import Browser

from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.servers import ServerProcess
from tests.web.conftest import needs_chromium

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


async def test_the_page_is_korean_and_needs_no_build(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    script = await client.get("/static/app.js")
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text
    assert "접수번호" in page.text
    assert "graphql-transport-ws" in script.text


@needs_chromium
async def test_a_signature_appears_on_the_page_without_a_reload(
    browser: Browser, live: ServerProcess, officers: Officers
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        desk = Desk(client, officers)
        case = (await desk.register("BLD-PMT"))["case"]
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        await page.goto(f"http://127.0.0.1:{live.port}/")
        await page.fill("#receipt", case["receiptNo"])
        await page.press("#receipt", "Enter")
        await page.wait_for_selector('#line li[data-sequence="1"][data-status="IN_PROGRESS"]')
        await page.wait_for_selector("#live.on")
        steps = await page.locator("#line li").count()
        await page.screenshot(path=str(OUTPUT / "page-case.png"), full_page=True)

        first = case["steps"][0]
        await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
        await page.wait_for_selector('#line li[data-sequence="1"][data-status="SIGNED"]', timeout=10_000)
        history = await page.locator("#history li").all_text_contents()
        await page.screenshot(path=str(OUTPUT / "page-after-signature.png"), full_page=True)

    assert steps == len(case["steps"])
    assert any("결재" in entry for entry in history)
    assert await page.title() == "OPEN 민원처리 공개"


async def test_the_simulator_moves_demo_cases_forward(live: ServerProcess, officers: Officers) -> None:
    import asyncio
    import subprocess
    import sys

    before = int(await officers.fetchval("SELECT count(*) FROM event"))
    env = {**os.environ, "DATABASE_URL": officers.url}
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "openproc.cli",
            "simulate",
            "--url",
            live.http,
            "--per-minute",
            "6000",
            "--actions",
            "5",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "5 actions" in done.stderr
    assert int(await officers.fetchval("SELECT count(*) FROM event")) >= before + 5
    assert (
        await officers.fetchval(
            "SELECT count(*) FROM officer_token WHERE label = 'openproc demo' AND revoked_at IS NULL"
        )
        == 0
    ), "its tokens are revoked when it ends"
