"""A case from intake to closing through the public API, every change an event."""

import asyncio

from tests.helpers import call
from tests.schema.mutations.workflow import CLOSE, SIGN, Desk, db_id

MY_CASE = """
query($receiptNo: String!, $code: String!) {
  myCase(receiptNo: $receiptNo, accessCode: $code) {
    case { receiptNo status } contact { name phone } documents { title }
  }
}
"""
FEED = """
query($after: Int) { events(after: $after, first: 100) { edges { node { sequence type } } pageInfo { hasNextPage } } }
"""


async def test_a_case_goes_through_its_whole_line(desk: Desk) -> None:
    # Given a case registered at the counter
    registered = await desk.register("BLD-RPT")
    case = registered["case"]
    assert case["status"] == "IN_PROGRESS"
    assert [step["status"] for step in case["steps"]] == ["IN_PROGRESS"] + ["PENDING"] * (len(case["steps"]) - 1)
    assert all(step["dueAt"] for step in case["steps"]), "planned due times come from the standard days"

    # When every step is started and signed by its own officer, and the result recorded
    case = await desk.walk_to(case, len(case["steps"]))
    last = case["steps"][-1]
    case = (await desk.ok(SIGN, db_id(last["officer"]["id"]), input={"stepId": last["id"], "comment": "이상 없음"}))[
        "case"
    ]
    closed = await desk.ok(CLOSE, db_id(last["officer"]["id"]), input={"caseId": case["id"], "result": "신고 수리"})

    # Then the case is closed with its result, and its history tells every change in order
    assert closed["case"]["status"] == "COMPLETED"
    assert closed["case"]["result"] == "신고 수리"
    events = await desk.events_of(case["receiptNo"])
    types = [event["type"] for event in events]
    assert types[0] == "CASE_REGISTERED"
    assert types[-1] == "CASE_CLOSED"
    assert types.count("STEP_SIGNED") == len(case["steps"])
    assert types.count("STEP_STARTED") == len(case["steps"]) - 1
    sequences = [event["sequence"] for event in events]
    assert sequences == sorted(sequences)
    assert events[-1]["payload"]["case"]["status"] == "completed"


async def test_the_applicant_opens_their_own_case_with_the_access_code(desk: Desk) -> None:
    registered = await desk.register("BLD-RPT")
    receipt_no = registered["case"]["receiptNo"]

    own = await call(desk.client, MY_CASE, receiptNo=receipt_no, code=registered["accessCode"])
    wrong = await call(desk.client, MY_CASE, receiptNo=receipt_no, code="0000-0000-0000")

    assert own["data"]["myCase"]["contact"]["name"] == "홍길동"
    assert own["data"]["myCase"]["case"]["receiptNo"] == receipt_no
    assert wrong["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "홍길동" not in str(wrong)


async def test_the_public_feed_is_gapless_and_resumable(desk: Desk) -> None:
    before = await desk.event_count()
    await desk.register("BLD-RPT")
    await desk.register("BLD-RPT")

    body = await call(desk.client, FEED, after=before - 5)
    sequences = [edge["node"]["sequence"] for edge in body["data"]["events"]["edges"]]

    assert sequences == list(range(before - 4, before - 4 + len(sequences)))
    assert sequences[-1] == before + 2


async def test_concurrent_writers_get_gapless_sequences(desk: Desk) -> None:
    before = await desk.event_count()
    clerk = await desk.clerk()
    await desk.token(clerk)

    await asyncio.gather(*(desk.register() for _ in range(8)))

    sequences = [row["seq"] for row in await desk.officers.fetch("SELECT seq FROM event WHERE seq > $1", before)]
    assert sorted(sequences) == list(range(before + 1, before + 9))


async def test_receipt_serials_count_on_past_99999(desk: Desk) -> None:
    """The next serial is the largest one as a number: after …-99999 and …-100000 comes …-100001, not a repeat."""
    first = (await desk.register("FOD-SUS"))["case"]["receiptNo"]
    prefix = first.rsplit("-", 1)[0]
    await desk.officers.fetchval(
        'UPDATE "case" SET receipt_no = $1 WHERE receipt_no = $2 RETURNING id', f"{prefix}-99999", first
    )
    second = (await desk.register("FOD-SUS"))["case"]["receiptNo"]
    third = (await desk.register("FOD-SUS"))["case"]["receiptNo"]
    assert (second, third) == (f"{prefix}-100000", f"{prefix}-100001")
