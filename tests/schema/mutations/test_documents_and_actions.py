"""Documents (public or private) and scheduled next actions with their reschedule history."""

from datetime import UTC, datetime, timedelta

from tests.helpers import call
from tests.schema.mutations.workflow import ERROR, Desk, db_id

REGISTER_DOCUMENT = f"""
mutation($input: RegisterDocumentInput!) {{
  registerDocument(input: $input) {{ __typename ... on DocumentPayload {{ document {{ id title kind }} }} {ERROR} }}
}}
"""
ACTION_RESULT = (
    "__typename ... on ScheduledActionPayload { action { id description scheduledFor status completedAt } } " + ERROR
)
SCHEDULE = f"mutation($input: ScheduleActionInput!) {{ scheduleAction(input: $input) {{ {ACTION_RESULT} }} }}"
RESCHEDULE = f"mutation($input: RescheduleActionInput!) {{ rescheduleAction(input: $input) {{ {ACTION_RESULT} }} }}"
COMPLETE = f"mutation($input: CompleteActionInput!) {{ completeAction(input: $input) {{ {ACTION_RESULT} }} }}"
CANCEL = f"mutation($input: CancelActionInput!) {{ cancelAction(input: $input) {{ {ACTION_RESULT} }} }}"
PUBLIC_CASE = """
query($receiptNo: String!) { case(receiptNo: $receiptNo) { documents { title } nextActions { description status } } }
"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_private_documents_stay_private(desk: Desk) -> None:
    registered = await desk.register()
    case = registered["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])

    await desk.ok(
        REGISTER_DOCUMENT,
        clerk,
        input={"caseId": case["id"], "title": "검토 의견서", "kind": "REVIEW_REPORT", "isPublic": True},
    )
    private = await desk.ok(
        REGISTER_DOCUMENT,
        clerk,
        input={"caseId": case["id"], "title": "홍길동 신분증 사본", "kind": "OTHER", "isPublic": False},
    )

    shown = await call(desk.client, PUBLIC_CASE, receiptNo=case["receiptNo"])
    by_node = await call(desk.client, NODE, id=private["document"]["id"])
    events = await desk.events_of(case["receiptNo"])

    assert [doc["title"] for doc in shown["data"]["case"]["documents"]] == ["검토 의견서"]
    assert by_node["data"]["node"] is None
    assert "신분증" not in str(events), "a private document's title never enters an event"
    assert events[-1]["payload"]["document"] == {
        "id": db_id(private["document"]["id"]),
        "kind": "other",
        "public": False,
    }


async def test_actions_are_scheduled_moved_with_a_reason_and_completed(desk: Desk) -> None:
    case = (await desk.register())["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])
    soon = datetime.now(UTC) + timedelta(days=3)

    past = await desk.refused(
        SCHEDULE,
        clerk,
        input={
            "caseId": case["id"],
            "description": "현장조사",
            "scheduledFor": (soon - timedelta(days=10)).isoformat(),
        },
    )
    scheduled = await desk.ok(
        SCHEDULE, clerk, input={"caseId": case["id"], "description": "현장조사", "scheduledFor": soon.isoformat()}
    )
    action_id = scheduled["action"]["id"]
    moved = await desk.ok(
        RESCHEDULE,
        clerk,
        input={"actionId": action_id, "scheduledFor": (soon + timedelta(days=2)).isoformat(), "reason": "WEATHER"},
    )
    done = await desk.ok(COMPLETE, clerk, input={"actionId": action_id})
    again = await desk.refused(COMPLETE, clerk, input={"actionId": action_id})

    assert past["code"] == "INVALID_VALUE"
    assert datetime.fromisoformat(moved["action"]["scheduledFor"]) > datetime.fromisoformat(
        scheduled["action"]["scheduledFor"]
    )
    assert done["action"]["status"] == "DONE"
    assert again["code"] == "INVALID_STATE"
    history = await desk.officers.fetch(
        "SELECT previous_for, new_for, reason_code FROM scheduled_action_change WHERE action_id = $1",
        db_id(action_id),
    )
    assert [row["reason_code"] for row in history] == ["weather"]
    types = [event["type"] for event in await desk.events_of(case["receiptNo"])]
    assert types[-3:] == ["ACTION_SCHEDULED", "ACTION_RESCHEDULED", "ACTION_COMPLETED"]


async def test_an_action_is_called_off_with_a_public_reason_and_stays_listed(desk: Desk) -> None:
    case = (await desk.register())["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])
    soon = datetime.now(UTC) + timedelta(days=3)
    scheduled = await desk.ok(
        SCHEDULE, clerk, input={"caseId": case["id"], "description": "현장조사", "scheduledFor": soon.isoformat()}
    )
    action_id = scheduled["action"]["id"]

    blank = await desk.refused(CANCEL, clerk, input={"actionId": action_id, "reason": "  "})
    cancelled = await desk.ok(CANCEL, clerk, input={"actionId": action_id, "reason": "신청인 요청으로 생략"})
    again = await desk.refused(CANCEL, clerk, input={"actionId": action_id, "reason": "다시"})
    not_after = await desk.refused(COMPLETE, clerk, input={"actionId": action_id})
    shown = await call(desk.client, PUBLIC_CASE, receiptNo=case["receiptNo"])
    last = (await desk.events_of(case["receiptNo"]))[-1]

    assert (blank["code"], again["code"], not_after["code"]) == ("REQUIRED", "INVALID_STATE", "INVALID_STATE")
    assert cancelled["action"]["status"] == "CANCELLED"
    assert {"description": "현장조사", "status": "CANCELLED"} in shown["data"]["case"]["nextActions"]
    assert last["type"] == "ACTION_CANCELLED"
    assert last["payload"]["reason"] == "신청인 요청으로 생략"
    assert last["payload"]["action"]["id"] == db_id(action_id)


AUDIT = "query($r: String!) { case(receiptNo: $r) { auditDocuments { title } } }"


async def test_auditors_alone_read_private_documents(desk: Desk) -> None:
    case = (await desk.register())["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])
    await desk.ok(
        REGISTER_DOCUMENT,
        clerk,
        input={"caseId": case["id"], "title": "감사용 내부 문서", "kind": "OTHER", "isPublic": False},
    )
    auditor = int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = 'auditor' LIMIT 1"))

    seen = await desk.call(AUDIT, auditor, r=case["receiptNo"])
    by_clerk = await desk.call(AUDIT, clerk, r=case["receiptNo"])
    anonymous = await desk.call(AUDIT, None, r=case["receiptNo"])

    assert "감사용 내부 문서" in [doc["title"] for doc in seen["data"]["case"]["auditDocuments"]]
    assert by_clerk["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
