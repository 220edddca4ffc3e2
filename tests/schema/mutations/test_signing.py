"""Signing rules: the right officer, the right turn, exactly once, even under concurrent attempts."""

import asyncio
from datetime import UTC, datetime, timedelta

from tests.schema.mutations.workflow import SIGN, START, Desk, db_id


async def test_only_the_assigned_officer_signs(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    stranger = db_id(case["steps"][-1]["officer"]["id"])  # the team lead: not the assignee of step 1
    other_clerk = int(
        await desk.officers.fetchval(
            "SELECT id FROM officer WHERE role = 'officer' AND department_id <> "
            "(SELECT department_id FROM officer WHERE id = $1) LIMIT 1",
            db_id(step["officer"]["id"]),
        )
    )
    before = await desk.event_count()

    assert await desk.error_code(SIGN, other_clerk, input={"stepId": step["id"]}) == "FORBIDDEN"
    # The team lead supervises the clerk's team: signing for them is allowed, and recorded as such.
    signed = await desk.ok(SIGN, stranger, input={"stepId": step["id"]})

    assert db_id(signed["step"]["signer"]["id"]) == stranger
    events = await desk.events_of(case["receiptNo"])
    assert events[-1]["payload"]["actingFor"] == db_id(step["officer"]["id"])
    assert await desk.event_count() == before + 1


async def test_not_out_of_turn_and_not_before_starting(desk: Desk) -> None:
    case = (await desk.register())["case"]
    second = case["steps"][1]
    officer = db_id(second["officer"]["id"])

    refused = await desk.refused(START, officer, input={"stepId": second["id"]})
    assert refused["code"] == "NOT_CURRENT_STEP"

    case = (await desk.ok(SIGN, db_id(case["steps"][0]["officer"]["id"]), input={"stepId": case["steps"][0]["id"]}))[
        "case"
    ]
    unstarted = await desk.refused(SIGN, officer, input={"stepId": second["id"]})
    assert unstarted["code"] == "INVALID_STATE"


async def test_ten_concurrent_signatures_one_wins(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    officer = db_id(step["officer"]["id"])
    await desk.token(officer)
    before = await desk.event_count()

    bodies = await asyncio.gather(*(desk.call(SIGN, officer, input={"stepId": step["id"]}) for _ in range(10)))

    results = [body["data"]["signStep"] for body in bodies]
    assert sum(result["__typename"] == "StepPayload" for result in results) == 1
    assert (
        sorted(result.get("code") for result in results if result["__typename"] == "WorkflowError") == ["CONFLICT"] * 9
    )
    assert await desk.event_count() == before + 1


async def test_a_retry_with_the_same_key_changes_nothing_more(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    officer = db_id(step["officer"]["id"])
    before = await desk.event_count()
    request = {"stepId": step["id"], "comment": "확인"}

    first = await desk.ok(SIGN, officer, input=request, key="sign-1")
    again = await desk.ok(SIGN, officer, input=request, key="sign-1")
    concurrent = await asyncio.gather(*(desk.call(SIGN, officer, input=request, key="sign-1") for _ in range(5)))
    reused = await desk.refused(SIGN, officer, input={**request, "comment": "다른 내용"}, key="sign-1")

    assert again["step"] == first["step"]
    assert all(body["data"]["signStep"]["step"] == first["step"] for body in concurrent)
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await desk.event_count() == before + 1


async def test_concurrent_first_attempts_with_one_key_apply_once(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    officer = db_id(step["officer"]["id"])
    await desk.token(officer)
    before = await desk.event_count()

    bodies = await asyncio.gather(
        *(desk.call(SIGN, officer, input={"stepId": step["id"]}, key="same-key") for _ in range(6))
    )

    assert {body["data"]["signStep"]["__typename"] for body in bodies} == {"StepPayload"}
    assert await desk.event_count() == before + 1


async def test_when_it_happened_is_checked(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    officer = db_id(step["officer"]["id"])
    now = datetime.now(UTC)
    before = await desk.event_count()

    future = await desk.refused(
        SIGN, officer, input={"stepId": step["id"], "occurredAt": (now + timedelta(hours=1)).isoformat()}
    )
    ancient = await desk.refused(
        SIGN, officer, input={"stepId": step["id"], "occurredAt": (now - timedelta(days=30)).isoformat()}
    )
    too_long = await desk.refused(SIGN, officer, input={"stepId": step["id"], "comment": "가" * 1001})
    # Officer text is public and permanent in the ledger: it passes the opinions' personal-data screen.
    contact = await desk.refused(
        SIGN, officer, input={"stepId": step["id"], "comment": "신청인 확인 (gildong 골뱅이 example 닷 com)"}
    )

    assert (future["code"], future["field"]) == ("IN_FUTURE", "occurredAt")
    assert (ancient["code"], ancient["field"]) == ("BACKDATED_TOO_FAR", "occurredAt")
    assert (too_long["code"], too_long["field"]) == ("TOO_LONG", "comment")
    assert (contact["code"], contact["field"]) == ("PERSONAL_DATA", "comment")
    assert "gildong" not in contact["message"], "the refusal names the kind, never the text"
    assert await desk.event_count() == before

    backdated = await desk.ok(SIGN, officer, input={"stepId": step["id"], "occurredAt": now.isoformat()})
    events = await desk.events_of(case["receiptNo"])
    assert backdated["step"]["signedAt"] == events[-1]["occurredAt"]
    assert events[-1]["recordedAt"] >= events[-1]["occurredAt"]


async def test_unknown_and_wrong_type_ids_are_refused(desk: Desk) -> None:
    clerk = await desk.clerk()
    missing = await desk.refused(SIGN, clerk, input={"stepId": "U3RlcDo5OTk5OTk5"})  # Step:9999999
    wrong = await desk.refused(SIGN, clerk, input={"stepId": "Q2FzZTox"})  # Case:1
    assert missing["code"] == "NOT_FOUND"
    assert (wrong["code"], wrong["field"]) == ("INVALID_VALUE", "stepId")
