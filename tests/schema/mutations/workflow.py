"""Operations and helpers shared by the write-side tests."""

import base64
from typing import Any

import httpx

from tests.helpers import Officers, call

ERROR = "... on WorkflowError { code message field }"
CASE_FIELDS = "id receiptNo status dueAt closedAt result steps { id sequence name status dueAt officer { id } }"

REGISTER = f"""
mutation Register($input: RegisterCaseInput!, $key: String) {{
  registerCase(input: $input, idempotencyKey: $key) {{
    __typename ... on RegisteredCase {{ accessCode case {{ {CASE_FIELDS} }} }} {ERROR}
  }}
}}
"""
STEP_RESULT = f"""__typename ... on StepPayload {{
  step {{ id sequence status startedAt signedAt comment dueAt officer {{ id }} signer {{ id }} }}
  case {{ {CASE_FIELDS} }}
}} {ERROR}"""
START = f"""mutation($input: StartStepInput!, $key: String) {{
  startStep(input: $input, idempotencyKey: $key) {{ {STEP_RESULT} }}
}}"""
SIGN = f"""mutation($input: SignStepInput!, $key: String) {{
  signStep(input: $input, idempotencyKey: $key) {{ {STEP_RESULT} }}
}}"""
RETURN = f"mutation($input: ReturnStepInput!) {{ returnStep(input: $input) {{ {STEP_RESULT} }} }}"
REASSIGN = f"mutation($input: ReassignStepInput!) {{ reassignStep(input: $input) {{ {STEP_RESULT} }} }}"
CASE_RESULT = f"__typename ... on CasePayload {{ case {{ {CASE_FIELDS} }} }} {ERROR}"
RESUME = f"mutation($input: ResumeCaseInput!) {{ resumeCase(input: $input) {{ {CASE_RESULT} }} }}"
REJECT = f"mutation($input: RejectCaseInput!) {{ rejectCase(input: $input) {{ {CASE_RESULT} }} }}"
WITHDRAW = f"mutation($input: WithdrawCaseInput!) {{ withdrawCase(input: $input) {{ {CASE_RESULT} }} }}"
CLOSE = f"mutation($input: CloseCaseInput!) {{ closeCase(input: $input) {{ {CASE_RESULT} }} }}"
CASE_EVENTS = """
query($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    events(first: 100) { edges { node { sequence type occurredAt recordedAt payload actor { id } step { sequence } } } }
  }
}
"""

APPLICANT = {
    "name": "홍길동",
    "phone": "010-1234-5678",
    "email": "gildong@example.com",
    "address": "서울특별시 중구 세종대로 110",
}


def db_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


class Desk:
    """An officer's seat in the tests: tokens per officer, and the calls they make."""

    def __init__(self, client: httpx.AsyncClient, officers: Officers) -> None:
        self.client, self.officers = client, officers
        self.tokens: dict[int, str] = {}

    async def token(self, officer_id: int) -> str:
        if officer_id not in self.tokens:
            self.tokens[officer_id] = await self.officers.token(officer_id)
        return self.tokens[officer_id]

    async def call(self, query: str, officer_id: int | None, **variables: Any) -> dict[str, Any]:
        return await call(self.client, query, await self.token(officer_id) if officer_id else None, **variables)

    async def ok(self, query: str, officer_id: int | None, **variables: Any) -> dict[str, Any]:
        """The operation's single result, which must be a success."""
        body = await self.call(query, officer_id, **variables)
        assert "errors" not in body, body["errors"]
        (result,) = body["data"].values()
        assert result["__typename"] != "WorkflowError", result
        return dict(result)

    async def refused(self, query: str, officer_id: int | None, **variables: Any) -> dict[str, Any]:
        """The operation's single result, which must be a typed refusal."""
        body = await self.call(query, officer_id, **variables)
        assert "errors" not in body, body["errors"]
        (result,) = body["data"].values()
        assert result["__typename"] == "WorkflowError", result
        return dict(result)

    async def error_code(self, query: str, officer_id: int | None, token: str | None = None, **variables: Any) -> str:
        """The code of the top-level error the operation must raise (authentication, permission)."""
        chosen = token if token is not None else (await self.token(officer_id) if officer_id else None)
        body = await call(self.client, query, chosen, **variables)
        assert body.get("errors"), body
        assert body["data"] is None or all(value is None for value in body["data"].values())
        return str(body["errors"][0]["extensions"]["code"])

    async def clerk(self) -> int:
        """An officer of a team (so every head of the line exists above them)."""
        return int(
            await self.officers.fetchval(
                "SELECT o.id FROM officer o JOIN department d ON d.id = o.department_id "
                "WHERE d.level = 'team' AND o.role = 'officer' ORDER BY o.id LIMIT 1"
            )
        )

    async def register(self, task: str = "BLD-RPT", **extra: Any) -> dict[str, Any]:
        clerk = await self.clerk()
        result = await self.ok(
            REGISTER,
            clerk,
            input={
                "taskTypeCode": task,
                "title": "시험 건축신고",
                "location": "서울특별시 중구 세종대로 110",
                "applicant": APPLICANT,
                **extra,
            },
        )
        return dict(result)

    async def walk_to(self, case: dict[str, Any], sequence: int) -> dict[str, Any]:
        """Sign every step before `sequence` and start that one; returns the case as it then is."""
        for step in case["steps"]:
            if step["sequence"] >= sequence:
                break
            officer = db_id(step["officer"]["id"])
            if step["status"] == "PENDING":
                await self.ok(START, officer, input={"stepId": step["id"]})
            case = (await self.ok(SIGN, officer, input={"stepId": step["id"]}))["case"]
        target = next(step for step in case["steps"] if step["sequence"] == sequence)
        if target["status"] == "PENDING":
            case = (await self.ok(START, db_id(target["officer"]["id"]), input={"stepId": target["id"]}))["case"]
        return case

    async def events_of(self, receipt_no: str) -> list[dict[str, Any]]:
        body = await call(self.client, CASE_EVENTS, receiptNo=receipt_no)
        return [edge["node"] for edge in body["data"]["case"]["events"]["edges"]]

    async def event_count(self) -> int:
        return int(await self.officers.fetchval("SELECT count(*) FROM event"))
