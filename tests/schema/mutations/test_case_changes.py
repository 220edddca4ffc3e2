"""Supplements stop the clock; rejection, withdrawal and closing end the case; supervisors reassign."""

from datetime import datetime

from resolvers.statutory_clock import working_hours_between
from tests.helpers import global_id
from tests.schema.mutations.workflow import (
    CLOSE,
    REASSIGN,
    REJECT,
    RESUME,
    RETURN,
    SIGN,
    START,
    WITHDRAW,
    Desk,
    db_id,
)


async def test_supplements_pause_the_clock_and_resuming_gives_the_time_back(desk: Desk) -> None:
    case = await desk.walk_to((await desk.register("BLD-PMT"))["case"], 2)
    step = case["steps"][1]
    officer = db_id(step["officer"]["id"])

    returned = await desk.ok(RETURN, officer, input={"stepId": step["id"], "reason": "배치도 보완 필요"})
    refused_sign = await desk.refused(SIGN, officer, input={"stepId": step["id"]})
    # The pause began a working day ago (backdated), so resuming now gives the deadline that time back.
    await desk.officers.fetch(
        "UPDATE \"case\" SET clock_paused_at = clock_paused_at - interval '1 day' WHERE receipt_no = $1",
        case["receiptNo"],
    )
    resumed = await desk.ok(RESUME, officer, input={"caseId": case["id"]})

    assert returned["case"]["status"] == "AWAITING_SUPPLEMENT"
    assert returned["step"]["status"] == "RETURNED"
    assert refused_sign["code"] == "INVALID_STATE"
    assert resumed["case"]["status"] == "IN_PROGRESS"
    assert datetime.fromisoformat(resumed["case"]["dueAt"]) > datetime.fromisoformat(case["dueAt"])
    # Every due time still ahead moves: the returned step's and those registration planned after it.
    before = {row["sequence"]: datetime.fromisoformat(row["dueAt"]) for row in case["steps"]}
    after = {row["sequence"]: datetime.fromisoformat(row["dueAt"]) for row in resumed["case"]["steps"]}
    assert all(after[sequence] > before[sequence] for sequence in before if sequence >= step["sequence"])
    assert all(after[sequence] == before[sequence] for sequence in before if sequence < step["sequence"])
    history = await desk.events_of(case["receiptNo"])
    assert [event["type"] for event in history[-2:]] == ["STEP_RETURNED", "CASE_RESUMED"]
    # The resumption's event says where the later steps' due times went, so the ledger covers them.
    moved = {row["sequence"]: datetime.fromisoformat(row["dueAt"]) for row in history[-1]["payload"]["laterSteps"]}
    assert moved == {sequence: due for sequence, due in after.items() if sequence > step["sequence"]}
    assert moved
    # Signed, the step keeps the working hours it took, less the pause it was returned for.
    await desk.ok(SIGN, officer, input={"stepId": step["id"]})
    ((started, signed, worked),) = await desk.officers.fetch(
        "SELECT started_at, signed_at, working_hours FROM step WHERE id = $1", db_id(step["id"])
    )
    paused = history[-1]["payload"]["pausedWorkingHours"]
    calendar = {row["day"] for row in await desk.officers.fetch("SELECT day FROM public_holiday")}
    assert paused > 0
    assert worked == round(max(working_hours_between(started, signed, calendar) - paused, 0.0), 2)


async def test_resuming_a_case_that_waits_for_nothing_is_refused(desk: Desk) -> None:
    case = (await desk.register())["case"]
    refused = await desk.refused(RESUME, db_id(case["steps"][0]["officer"]["id"]), input={"caseId": case["id"]})
    assert refused["code"] == "INVALID_STATE"


async def test_rejecting_ends_the_case_and_skips_what_is_left(desk: Desk) -> None:
    case = (await desk.register())["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])

    blank = await desk.refused(REJECT, clerk, input={"caseId": case["id"], "reason": "   "})
    rejected = await desk.ok(REJECT, clerk, input={"caseId": case["id"], "reason": "시설기준 미달"})
    after = await desk.refused(SIGN, clerk, input={"stepId": case["steps"][0]["id"]})

    assert (blank["code"], blank["field"]) == ("REQUIRED", "reason")
    assert rejected["case"]["status"] == "REJECTED"
    assert rejected["case"]["closedAt"]
    assert {step["status"] for step in rejected["case"]["steps"]} == {"SKIPPED"}
    assert after["code"] == "INVALID_STATE"


async def test_withdrawal_is_recorded_with_its_note(desk: Desk) -> None:
    case = (await desk.register())["case"]
    withdrawn = await desk.ok(
        WITHDRAW, db_id(case["steps"][0]["officer"]["id"]), input={"caseId": case["id"], "note": "전화 요청"}
    )
    assert withdrawn["case"]["status"] == "WITHDRAWN"
    assert withdrawn["case"]["result"] == "민원인 취하 (전화 요청)"


async def test_closing_needs_every_step_signed(desk: Desk) -> None:
    case = (await desk.register())["case"]
    refused = await desk.refused(
        CLOSE, db_id(case["steps"][0]["officer"]["id"]), input={"caseId": case["id"], "result": "수리"}
    )
    assert refused["code"] == "INVALID_STATE"


async def test_supervisors_reassign_inside_their_departments(desk: Desk) -> None:
    case = (await desk.register())["case"]
    step = case["steps"][0]
    clerk = db_id(step["officer"]["id"])
    lead = db_id(case["steps"][-1]["officer"]["id"])
    colleague = int(
        await desk.officers.fetchval(
            "SELECT id FROM officer WHERE department_id = (SELECT department_id FROM officer WHERE id = $1) "
            "AND id <> $1 AND role = 'officer' LIMIT 1",
            clerk,
        )
    )
    outsider = int(
        await desk.officers.fetchval(
            "SELECT id FROM officer WHERE role = 'officer' AND department_id <> "
            "(SELECT department_id FROM officer WHERE id = $1) ORDER BY id DESC LIMIT 1",
            clerk,
        )
    )

    by_clerk = await desk.error_code(
        REASSIGN, clerk, input={"stepId": step["id"], "officerId": global_id("Officer", colleague)}
    )
    outside = await desk.refused(
        REASSIGN, lead, input={"stepId": step["id"], "officerId": global_id("Officer", outsider)}
    )
    moved = await desk.ok(
        REASSIGN,
        lead,
        input={"stepId": step["id"], "officerId": global_id("Officer", colleague), "reason": "업무 분장 조정"},
    )
    signed_by_old = await desk.error_code(SIGN, clerk, input={"stepId": step["id"]})
    signed_by_new = await desk.ok(SIGN, colleague, input={"stepId": step["id"]})

    assert by_clerk == "FORBIDDEN"
    assert (outside["code"], outside["field"]) == ("INVALID_VALUE", "officerId")
    assert db_id(moved["step"]["officer"]["id"]) == colleague
    assert signed_by_old == "FORBIDDEN"
    assert signed_by_new["step"]["status"] == "SIGNED"


async def test_starting_waits_for_the_previous_signature(desk: Desk) -> None:
    case = (await desk.register())["case"]
    first, second = case["steps"][0], case["steps"][1]
    await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    started = await desk.ok(START, db_id(second["officer"]["id"]), input={"stepId": second["id"]})
    again = await desk.refused(START, db_id(second["officer"]["id"]), input={"stepId": second["id"]})
    assert started["step"]["status"] == "IN_PROGRESS"
    assert again["code"] == "INVALID_STATE"


async def test_only_whose_turn_it_is_may_end_the_case(desk: Desk) -> None:
    case = (await desk.register("BLD-PMT"))["case"]
    clerk = db_id(case["steps"][0]["officer"]["id"])
    later = next(step for step in case["steps"] if db_id(step["officer"]["id"]) != clerk)
    case = await desk.walk_to(case, later["sequence"])
    holder = db_id(later["officer"]["id"])
    before = await desk.event_count()

    # The clerk held step 1, signed long ago: that is not enough to end the case now.
    for mutation, extra in ((REJECT, {"reason": "시설기준 미달"}), (WITHDRAW, {}), (CLOSE, {"result": "수리"})):
        assert await desk.error_code(mutation, clerk, input={"caseId": case["id"], **extra}) == "FORBIDDEN"
    assert await desk.event_count() == before

    withdrawn = await desk.ok(WITHDRAW, holder, input={"caseId": case["id"]})
    assert withdrawn["case"]["status"] == "WITHDRAWN"
    ending = (await desk.events_of(case["receiptNo"]))[-1]
    assert (ending["type"], db_id(ending["actor"]["id"])) == ("CASE_WITHDRAWN", holder)


async def test_a_supervisor_of_the_department_may_end_the_case_on_anyones_turn(desk: Desk) -> None:
    case = (await desk.register("BLD-PMT"))["case"]
    head = await desk.officers.fetchval(
        'SELECT head_id FROM department WHERE id = (SELECT department_id FROM "case" WHERE receipt_no = $1)',
        case["receiptNo"],
    )
    assert head is not None
    assert head != db_id(case["steps"][0]["officer"]["id"])
    rejected = await desk.ok(REJECT, head, input={"caseId": case["id"], "reason": "시설기준 미달"})
    assert rejected["case"]["status"] == "REJECTED"


async def test_returning_and_signing_leave_the_held_days_for_the_round_to_count_again(desk: Desk) -> None:
    """What the oversight round stored while a step was open is a lower bound of its held days (the HELD_TOO_LONG
    audit rule trusts it); a return, which may be dated before that count, and the signature clear it."""
    case = await desk.walk_to((await desk.register("BLD-PMT"))["case"], 2)
    step = case["steps"][1]
    officer = db_id(step["officer"]["id"])

    async def counted_so_far(days: int | None = None) -> int | None:
        if days is not None:
            await desk.officers.fetch("UPDATE step SET held_days = $2 WHERE id = $1", db_id(step["id"]), days)
        ((held,),) = await desk.officers.fetch("SELECT held_days FROM step WHERE id = $1", db_id(step["id"]))
        return held  # type: ignore[no-any-return]

    assert await counted_so_far(3) == 3
    await desk.ok(RETURN, officer, input={"stepId": step["id"], "reason": "배치도 보완 필요"})
    assert await counted_so_far() is None
    assert await counted_so_far(3) == 3
    await desk.ok(RESUME, officer, input={"caseId": case["id"]})
    assert await counted_so_far() == 3
    await desk.ok(SIGN, officer, input={"stepId": step["id"]})
    assert await counted_so_far() is None
