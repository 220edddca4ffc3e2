"""The client examples in examples/ work against a real server."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.async_api import Browser

from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.servers import ServerProcess
from tests.web.conftest import needs_chromium

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def _case(desk: Desk) -> tuple[str, int, dict[str, object]]:
    case = (await desk.register())["case"]
    registered = (await desk.events_of(case["receiptNo"]))[-1]["sequence"]
    return case["receiptNo"], registered, case["steps"][0]


async def test_the_python_example_prints_a_signature(live: ServerProcess, officers: Officers) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        desk = Desk(client, officers)
        receipt_no, registered, step = await _case(desk)
        example = subprocess.Popen(  # noqa: ASYNC220 (a child we wait for below, off the event loop)
            [
                sys.executable,
                str(EXAMPLES / "subscribe.py"),
                receipt_no,
                "--url",
                live.ws,
                "--after",
                str(registered),
                "--count",
                "1",
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        await desk.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})  # type: ignore[index]
        output, _ = await asyncio.to_thread(example.communicate, timeout=60)
    assert example.returncode == 0
    assert "STEP_SIGNED" in output
    assert "1. 접수 SIGNED" in output


@needs_chromium
async def test_the_browser_example_logs_a_signature(
    browser: Browser,
    live: ServerProcess,
    officers: Officers,
) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        desk = Desk(client, officers)
        receipt_no, registered, step = await _case(desk)
        page = await browser.new_page()
        await page.goto(
            f"{(EXAMPLES / 'browser.html').as_uri()}?server={live.ws}&receipt={receipt_no}&after={registered}"
        )
        await desk.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})  # type: ignore[index]
        entry = await page.wait_for_selector('#log li[data-type="STEP_SIGNED"]', timeout=10_000)
        text = await entry.text_content() if entry else ""
    assert "접수 SIGNED" in (text or "")
