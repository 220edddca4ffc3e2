"""The public page at /, in a real browser (Debian's Chromium, driven by Playwright), against a real server.

Screenshots go to test-output/ (ignored by git): the case as looked up, the same page after a signature
arrived over the live connection without a reload, a case with its statutory clock and delays, and a department
with its late steps and charts, all at a phone's width."""

import asyncio
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from graphql import parse, validate
from playwright.async_api import Browser, Page, ViewportSize, expect

from schema import schema
from tests.helpers import Officers, global_id, post
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.servers import ServerProcess
from tests.web.conftest import needs_chromium

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
WEB = Path(__file__).resolve().parents[2] / "openproc" / "web"
OPERATION = re.compile(r"\s*(query|mutation|subscription)\b|\s*\{")
SEOUL = ZoneInfo("Asia/Seoul")
RUNNING_CLOCK = re.compile(
    r"법정 처리기간 \d+일 중 \d+\.\d일 경과, (\d+\.\d일 남음|기한 (\d+\.\d일|\d+분|\d+시간 \d+분) 초과)"
)
PHONE: ViewportSize = {"width": 420, "height": 900}

# Steps late now, as the lateSteps resolver defines them: in progress, past due, on a case whose clock runs,
# held by an officer of the department or a unit below it.
LATE_IN = """
SELECT s.id, c.receipt_no
FROM step s
JOIN "case" c ON c.id = s.case_id
JOIN officer o ON o.id = s.officer_id
JOIN department u ON u.id = o.department_id
WHERE s.status = 'in_progress' AND s.due_at < now() AND c.status IN ('received', 'in_progress')
  AND u.path LIKE (SELECT path FROM department WHERE id = $1) || '%'
"""
# The department (any level) with the most late steps that still fit one page, and no step about to become
# late while the test looks (so SQL and page agree).
BUSIEST_LATE_UNIT = """
SELECT d.id, d.name
FROM department d
JOIN department u ON u.path LIKE d.path || '%'
JOIN officer o ON o.department_id = u.id
JOIN step s ON s.officer_id = o.id AND s.status = 'in_progress'
JOIN "case" c ON c.id = s.case_id AND c.status IN ('received', 'in_progress')
GROUP BY d.id
HAVING count(*) FILTER (WHERE s.due_at < now()) BETWEEN 2 AND 20
   AND count(*) FILTER (WHERE s.due_at BETWEEN now() - interval '1 minute' AND now() + interval '10 minutes') = 0
ORDER BY count(*) FILTER (WHERE s.due_at < now()) DESC, d.id
LIMIT 1
"""
# A running case the oversight round found late, so the page has a clock, delays and (often) a prediction.
DELAYED_CASE = """
SELECT c.receipt_no, c.view_count, count(d.id) AS delays
FROM "case" c JOIN delay d ON d.case_id = c.id
WHERE c.status = 'in_progress'
GROUP BY c.id
ORDER BY count(d.id) DESC, c.id
LIMIT 1
"""
SERIES = """
query Series($from: DateTime!, $to: DateTime!, $departmentId: ID) {
  statistics(groupBy: CITY, from: $from, to: $to, period: MONTH, filter: { departmentId: $departmentId }) {
    series { periodStart onTimeRate medianProcessingDays }
  }
}
"""
CLOCK = "query Clock($receiptNo: String!) { case(receiptNo: $receiptNo) { prediction { samples } predictionOutlook } }"
# The page's words for each PredictionOutlook (openproc/web/app.js), for the cases without a range.
NO_RANGE = {
    "AWAITING_APPLICANT": "민원인의 보완 제출을 기다리는 중이라 예상할 수 없음",
    "TOO_LITTLE_HISTORY": "같은 업무의 과거 처리 기록이 적어 예상하지 않음",
    "BEYOND_HISTORY": "현재 단계가 과거 사례 대부분보다 오래 걸려 믿을 만한 예상이 없음",
}
# A case waiting for the applicant's supplements, with the reason its officer gave.
AWAITING = """
SELECT c.receipt_no, s.comment, s.name
FROM "case" c JOIN step s ON s.case_id = c.id AND s.status = 'returned'
WHERE c.status = 'awaiting_supplement'
ORDER BY c.id LIMIT 1
"""


def last_twelve_months() -> dict[str, str]:
    """The window the page asks for: the current Seoul month and the eleven before it."""
    now = datetime.now(SEOUL)

    def start(offset: int) -> str:
        year, month = divmod(now.year * 12 + now.month - 1 + offset, 12)
        return f"{year}-{month + 1:02d}-01T00:00:00+09:00"

    return {"from": start(-11), "to": start(1)}


def is_view_count(response: Any) -> bool:
    return "recordCaseView" in (response.request.post_data or "")


async def look_up(page: Page, receipt_no: str) -> None:
    """Type the receipt number and press Enter; returns once the page's view count has been answered."""
    async with page.expect_response(is_view_count):
        await page.fill("#receipt", receipt_no)
        await page.press("#receipt", "Enter")


async def test_the_page_is_korean_and_needs_no_build(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    script = await client.get("/static/app.js")
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text
    assert "접수번호" in page.text
    assert "graphql-transport-ws" in script.text
    department = await client.get("/static/department.js")
    assert department.status_code == 200
    assert "lateSteps" in department.text


def test_every_operation_the_page_sends_is_valid_against_the_schema() -> None:
    """The schema grows in parallel with the page: a renamed field must fail here, not in a reader's browser."""
    scripts = "".join((WEB / name).read_text() for name in ("app.js", "department.js"))
    operations = [text for text in re.findall(r"`([^`]*)`", scripts) if OPERATION.match(text)]
    assert len(operations) >= 7
    for operation in operations:
        assert validate(schema.graphql_schema, parse(operation)) == [], operation


@needs_chromium
async def test_a_signature_appears_on_the_page_without_a_reload(
    browser: Browser, live: ServerProcess, officers: Officers
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        desk = Desk(client, officers)
        case = (await desk.register("BLD-PMT"))["case"]
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"http://127.0.0.1:{live.port}/")
        await look_up(page, case["receiptNo"])
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
    views = await officers.fetchval('SELECT view_count FROM "case" WHERE receipt_no = $1', case["receiptNo"])
    assert views == 1, "counted once per lookup, not again when a live update redraws the case"


@needs_chromium
async def test_the_case_shows_its_statutory_clock_and_delays_and_counts_the_view(
    browser: Browser, live: ServerProcess, officers: Officers
) -> None:
    # given: an oversight round has run (it finds the delays and refreshes the norms behind predictions)
    await run_cli(officers, "oversight")
    found = await officers.fetch(DELAYED_CASE)
    assert found, "the demo data has running cases the oversight round finds late"
    receipt_no, views_before, delays = found[0]["receipt_no"], found[0]["view_count"], found[0]["delays"]
    OUTPUT.mkdir(exist_ok=True)

    # when: someone looks the case up on a phone
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"http://127.0.0.1:{live.port}/")
    await look_up(page, receipt_no)
    await expect(page.locator("#clock")).to_contain_text("법정 처리기간")
    clock = await page.locator("#clock").inner_text()
    delay_rows = await page.locator("#delays li").all_text_contents()
    prediction_text = await page.locator("#prediction").inner_text()
    await page.screenshot(path=str(OUTPUT / "page-case-clock.png"), full_page=True)
    views_after = await officers.fetchval('SELECT view_count FROM "case" WHERE receipt_no = $1', receipt_no)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        outlook = (await post(client, CLOCK, receiptNo=receipt_no))["case"]

    # then
    assert RUNNING_CLOCK.fullmatch(clock), clock
    assert len(delay_rows) == delays
    assert all("지연" in row for row in delay_rows)
    if outlook["prediction"] is None:
        assert prediction_text == NO_RANGE[outlook["predictionOutlook"]], "no invented date: the reason instead"
    else:
        assert "전후" in prediction_text
        assert f"과거 결재 {outlook['prediction']['samples']}건" in prediction_text
    assert views_after == views_before + 1


@needs_chromium
async def test_a_department_shows_its_late_steps_and_monthly_charts(
    browser: Browser, live: ServerProcess, officers: Officers
) -> None:
    # given: a department with steps late now
    busiest = await officers.fetch(BUSIEST_LATE_UNIT)
    assert busiest, "the demo data has late steps"
    unit_id, name = busiest[0]["id"], busiest[0]["name"]
    unit = global_id("Department", unit_id)
    window = last_twelve_months()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        statistics = (await post(client, SERIES, **window, departmentId=unit))["statistics"]
    series = statistics[0]["series"]
    OUTPUT.mkdir(exist_ok=True)

    # when: a reader picks it with the keyboard, on a phone
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"http://127.0.0.1:{live.port}/")
    await page.locator(f'#unit option[value="{unit}"]').wait_for(state="attached")
    await page.focus("#unit")
    await page.select_option("#unit", unit)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator("#unit-title")).to_contain_text(name)
    late_links = await page.locator("#late li a").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    late_count = await page.locator("#late-count").inner_text()
    time_rows = await page.locator("#chart-time tbody tr").count()
    rate_rows = await page.locator("#chart-rate tbody tr").count()
    medians = await page.locator("#chart-time .bar.median").count()
    rates = await page.locator("#chart-rate .bar.rate").count()
    first_row = await page.locator("#chart-time tbody tr").first.inner_text()
    await page.screenshot(path=str(OUTPUT / "page-department.png"), full_page=True)
    late = await officers.fetch(LATE_IN, unit_id)

    # then
    assert page.url.endswith(f"#/department/{unit}")
    assert len(late_links) == len(late)
    assert sorted(late_links) == sorted(f"#/case/{row['receipt_no']}" for row in late)
    assert late_count == f"{len(late)}건"
    assert series, "the department decided cases in the last twelve months"
    assert time_rows == rate_rows == len(series)
    assert medians == sum(1 for point in series if point["medianProcessingDays"] is not None)
    assert rates == sum(1 for point in series if point["onTimeRate"] is not None)
    first = series[0]
    assert first_row.startswith(f"{first['periodStart'][:4]}년 {int(first['periodStart'][5:7])}월")
    if first["medianProcessingDays"] is not None:
        assert f"{first['medianProcessingDays']:.1f}" in first_row


async def run_cli(officers: Officers, *arguments: str) -> str:
    """`openproc <arguments>` against the writable database, off the event loop; its output."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "openproc.cli", *arguments],
        env={**os.environ, "DATABASE_URL": officers.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


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


@needs_chromium
async def test_an_applicant_asked_for_supplements_sees_what_is_missing(
    browser: Browser, live: ServerProcess, officers: Officers
) -> None:
    # given: a case waiting for its applicant's supplements
    found = await officers.fetch(AWAITING)
    assert found, "the demo data has cases returned for supplements"
    receipt_no, reason, step = found[0]["receipt_no"], found[0]["comment"], found[0]["name"]

    # when: the applicant looks it up
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"http://127.0.0.1:{live.port}/")
    await look_up(page, receipt_no)
    await expect(page.locator("#supplement")).to_be_visible()
    supplement = await page.locator("#supplement").inner_text()
    state = await page.locator("#state").inner_text()
    prediction = await page.locator("#prediction").inner_text()
    returned_step = await page.locator('#line li[data-status="RETURNED"]').inner_text()
    await page.screenshot(path=str(OUTPUT / "page-case-supplement.png"), full_page=True)

    # then: the reason is where the case waits on them, said once, and no date is invented meanwhile
    assert supplement.startswith(f"{reason} ({step}, ")
    assert state.startswith("보완 대기")
    assert f"보완 요청: {reason}" in returned_step
    assert prediction == NO_RANGE["AWAITING_APPLICANT"]
