"""Every mutation refuses callers without the right: anonymous, unknown, expired or revoked tokens, and roles
that do not work cases. Nothing changes on any refusal."""

from typing import Any

import pytest

from tests.helpers import global_id
from tests.schema.mutations.test_documents_and_actions import COMPLETE, REGISTER_DOCUMENT, RESCHEDULE, SCHEDULE
from tests.schema.mutations.workflow import (
    CLOSE,
    REASSIGN,
    REGISTER,
    REJECT,
    RESUME,
    RETURN,
    SIGN,
    START,
    WITHDRAW,
    Desk,
)

CASE, STEP, ACTION, OFFICER = (
    global_id("Case", 1),
    global_id("Step", 1),
    global_id("ScheduledAction", 1),
    global_id("Officer", 1),
)
MUTATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "registerCase": (
        REGISTER,
        {
            "taskTypeCode": "BLD-RPT",
            "title": "t",
            "location": "l",
            "applicant": {"name": "n", "phone": "p", "email": "e", "address": "a"},
        },
    ),
    "startStep": (START, {"stepId": STEP}),
    "signStep": (SIGN, {"stepId": STEP}),
    "returnStep": (RETURN, {"stepId": STEP, "reason": "r"}),
    "reassignStep": (REASSIGN, {"stepId": STEP, "officerId": OFFICER}),
    "resumeCase": (RESUME, {"caseId": CASE}),
    "rejectCase": (REJECT, {"caseId": CASE, "reason": "r"}),
    "withdrawCase": (WITHDRAW, {"caseId": CASE}),
    "closeCase": (CLOSE, {"caseId": CASE, "result": "r"}),
    "registerDocument": (REGISTER_DOCUMENT, {"caseId": CASE, "title": "t", "kind": "OTHER", "isPublic": True}),
    "scheduleAction": (SCHEDULE, {"caseId": CASE, "description": "d", "scheduledFor": "2099-01-01T09:00:00+09:00"}),
    "rescheduleAction": (
        RESCHEDULE,
        {"actionId": ACTION, "scheduledFor": "2099-01-01T09:00:00+09:00", "reason": "OTHER"},
    ),
    "completeAction": (COMPLETE, {"actionId": ACTION}),
}


async def _token_of_role(desk: Desk, role: str) -> str:
    officer_id = int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = $1 LIMIT 1", role))
    return await desk.officers.token(officer_id)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_every_mutation_refuses_callers_without_the_right(desk: Desk, name: str) -> None:
    query, input = MUTATIONS[name]
    clerk = await desk.clerk()
    expired = await desk.officers.token(clerk, expires_in_days=-1)
    revoked = await desk.officers.token(clerk)
    await desk.officers.fetch(
        "UPDATE officer_token SET revoked_at = now() WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
        revoked,
    )
    before = await desk.event_count()

    attempts = {
        "anonymous": await desk.error_code(query, None, input=input),
        "garbage": await desk.error_code(query, None, token="opn_not-a-token", input=input),
        "expired": await desk.error_code(query, None, token=expired, input=input),
        "revoked": await desk.error_code(query, None, token=revoked, input=input),
        "administrator": await desk.error_code(
            query, None, token=await _token_of_role(desk, "administrator"), input=input
        ),
        "auditor": await desk.error_code(query, None, token=await _token_of_role(desk, "auditor"), input=input),
    }

    assert attempts == {
        "anonymous": "UNAUTHENTICATED",
        "garbage": "UNAUTHENTICATED",
        "expired": "UNAUTHENTICATED",
        "revoked": "UNAUTHENTICATED",
        "administrator": "FORBIDDEN",
        "auditor": "FORBIDDEN",
    }
    assert await desk.event_count() == before


async def test_an_officer_cannot_touch_another_teams_case(desk: Desk) -> None:
    case = (await desk.register())["case"]
    outsider = int(
        await desk.officers.fetchval("SELECT id FROM officer WHERE role = 'officer' ORDER BY id DESC LIMIT 1")
    )
    before = await desk.event_count()
    targets = {"caseId": case["id"], "stepId": case["steps"][0]["id"]}
    codes = {
        name: await desk.error_code(
            query, outsider, input={key: targets.get(key, value) for key, value in input.items()}
        )
        for name, (query, input) in MUTATIONS.items()
        if name not in ("registerCase", "rescheduleAction", "completeAction", "reassignStep")
    }
    assert set(codes.values()) == {"FORBIDDEN"}, codes
    assert await desk.event_count() == before
