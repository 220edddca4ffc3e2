"""Citizen opinions (시민의견): anyone leaves one, rate-limited and length-capped; personal data is held; the
department concerned moderates in public and answers; nothing identifies the author."""

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.helpers import call, global_id
from tests.pages import both_ways
from tests.schema.mutations.workflow import ERROR, Desk, db_id

OPINION = (
    "id alias body postedAt status moderationReason moderatedAt moderatedBy { id } "
    "answer answeredAt answeredBy { id name title }"
)
RESULT = f"__typename ... on OpinionPayload {{ opinion {{ {OPINION} }} }} {ERROR}"
LEAVE = f"""mutation($input: LeaveOpinionInput!, $key: String) {{
  leaveOpinion(input: $input, idempotencyKey: $key) {{ {RESULT} }}
}}"""
MODERATE = f"""mutation($input: ModerateOpinionInput!, $key: String) {{
  moderateOpinion(input: $input, idempotencyKey: $key) {{ {RESULT} }}
}}"""
ANSWER = f"""mutation($input: AnswerOpinionInput!, $key: String) {{
  answerOpinion(input: $input, idempotencyKey: $key) {{ {RESULT} }}
}}"""
OPINIONS = f"""query($about: OpinionSubjectInput!, $first: Int, $after: String, $last: Int, $before: String) {{
  opinions(about: $about, first: $first, after: $after, last: $last, before: $before) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ {OPINION} }} }}
  }}
}}"""
# Every field a client can ask of an opinion: none of them may say who wrote it.
PUBLIC_FIELDS = {
    "id",
    "alias",
    "body",
    "postedAt",
    "status",
    "moderationReason",
    "moderatedAt",
    "moderatedBy",
    "answer",
    "answeredAt",
    "answeredBy",
}
OPINION_FIELDS = '{ __type(name: "Opinion") { fields { name } } }'
ADDRESS = "203.0.113.77"


class Subject:
    """A freshly registered case, its department, and officers in and around it."""

    def __init__(self, receipt_no: str, case: dict[str, Any], department_id: int) -> None:
        self.receipt_no, self.case, self.department_id = receipt_no, case, department_id

    @property
    def about(self) -> dict[str, str]:
        return {"caseReceiptNo": self.receipt_no}


async def _subject(desk: Desk) -> Subject:
    case = (await desk.register())["case"]
    department_id = await desk.officers.fetchval('SELECT department_id FROM "case" WHERE id = $1', db_id(case["id"]))
    return Subject(case["receiptNo"], case, int(department_id))


async def _head(desk: Desk, department_id: int) -> int:
    return int(await desk.officers.fetchval("SELECT head_id FROM department WHERE id = $1", department_id))


async def _parent_head(desk: Desk, department_id: int) -> int:
    return int(
        await desk.officers.fetchval(
            "SELECT p.head_id FROM department d JOIN department p ON p.id = d.parent_id WHERE d.id = $1", department_id
        )
    )


async def _colleague(desk: Desk, department_id: int) -> int:
    return int(
        await desk.officers.fetchval(
            "SELECT id FROM officer WHERE department_id = $1 AND role = 'officer' ORDER BY id LIMIT 1", department_id
        )
    )


async def _outsiders(desk: Desk, department_id: int) -> tuple[int, int]:
    """An officer and a supervisor with no part in the department: elsewhere, and heading nothing above it."""
    path = await desk.officers.fetchval("SELECT path FROM department WHERE id = $1", department_id)
    officer = await desk.officers.fetchval(
        "SELECT o.id FROM officer o JOIN department d ON d.id = o.department_id "
        "WHERE o.role = 'officer' AND NOT d.path LIKE $1 || '%' AND NOT $1 LIKE d.path || '%' ORDER BY o.id LIMIT 1",
        path,
    )
    supervisor = await desk.officers.fetchval(
        "SELECT d.head_id FROM department d WHERE d.head_id IS NOT NULL AND NOT $1 LIKE d.path || '%' "
        "ORDER BY d.id LIMIT 1",
        path,
    )
    return int(officer), int(supervisor)


async def _of_role(desk: Desk, role: str) -> int:
    return int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = $1 ORDER BY id LIMIT 1", role))


async def _leave(desk: Desk, about: dict[str, str], body: str, **extra: Any) -> dict[str, Any]:
    opinion = (await desk.ok(LEAVE, None, input={"about": about, "body": body, **extra}))["opinion"]
    return dict(opinion)


async def _listed(desk: Desk, about: dict[str, str], token: str | None = None, **page: Any) -> dict[str, Any]:
    body = await call(desk.client, OPINIONS, token, about=about, **page)
    assert "errors" not in body, body["errors"]
    return dict(body["data"]["opinions"])


async def _row(desk: Desk, opinion_id: str) -> dict[str, Any]:
    (row,) = await desk.officers.fetch("SELECT * FROM opinion WHERE id = $1", db_id(opinion_id))
    return dict(row)


async def _count(desk: Desk) -> int:
    return int(await desk.officers.fetchval("SELECT count(*) FROM opinion"))


async def an_opinion(desk: Desk) -> str:
    """A fresh published opinion on a case whose department and task type exist; returns its global ID."""
    return str(
        (await _leave(desk, {"caseReceiptNo": (await _subject(desk)).receipt_no}, "처리가 빨라 좋았습니다."))["id"]
    )


async def test_an_opinion_is_published_at_once_and_listed_newest_first(desk: Desk) -> None:
    subject = await _subject(desk)
    before = await desk.event_count()

    first = await _leave(desk, subject.about, "  접수 창구 안내가 친절했습니다.  ")
    longest = "가" * 1_000
    second = await _leave(desk, subject.about, longest, alias="마포구 주민")

    assert first["status"] == "PUBLISHED"
    assert first["body"] == "접수 창구 안내가 친절했습니다.", "trimmed"
    assert first["alias"] == "시민", "the default alias"
    assert first["moderationReason"] is None
    assert datetime.fromisoformat(first["postedAt"]).second == 0, "kept to the minute"
    assert second["body"] == longest
    assert second["alias"] == "마포구 주민"
    page = await _listed(desk, subject.about, first=1)
    assert page["totalCount"] == 2
    assert [edge["node"]["id"] for edge in page["edges"]] == [second["id"]], "newest first"
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await _listed(desk, subject.about, first=1, after=page["pageInfo"]["endCursor"])
    assert [edge["node"]["id"] for edge in rest["edges"]] == [first["id"]]
    assert rest["pageInfo"]["hasNextPage"] is False
    third = await _leave(desk, subject.about, "세 번째 의견입니다.")
    fourth = await _leave(desk, subject.about, "네 번째 의견입니다.")

    async def fetch(**arguments: Any) -> dict[str, Any]:
        return await _listed(desk, subject.about, **arguments)

    walked = await both_ways(fetch, 1)
    listed = (await fetch(first=4))["edges"]
    assert [edge["cursor"] for edge in listed] == walked
    assert [edge["node"]["id"] for edge in listed] == [fourth["id"], third["id"], second["id"], first["id"]]
    assert await desk.event_count() == before, "opinions are not events"


async def test_a_retry_with_the_same_key_leaves_one_opinion(desk: Desk) -> None:
    subject = await _subject(desk)
    input = {"about": subject.about, "body": "주차 안내가 필요합니다."}

    once = await desk.ok(LEAVE, None, input=input, key="opinion-retry-1")
    again = await desk.ok(LEAVE, None, input=input, key="opinion-retry-1")

    assert once["opinion"]["id"] == again["opinion"]["id"]
    assert (await _listed(desk, subject.about))["totalCount"] == 1


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("담당자님 010-1234-5678로 연락 주세요", "전화번호"),
        ("연락처 ０２‐２１３３‐１２３４ 입니다", "전화번호"),
        ("회신은 gildong@example.com 으로 부탁드립니다", "전자우편 주소"),
        ("신청인 900101-1234567 본인입니다", "주민등록번호"),
    ],
)
async def test_text_that_looks_like_personal_data_is_held_with_a_public_reason(
    desk: Desk, text: str, kind: str
) -> None:
    subject = await _subject(desk)

    held = await _leave(desk, subject.about, text)

    assert held["status"] == "HELD"
    assert held["body"] is None
    assert kind in held["moderationReason"]
    (listed,) = [edge["node"] for edge in (await _listed(desk, subject.about))["edges"]]
    assert (listed["status"], listed["body"], listed["moderationReason"]) == ("HELD", None, held["moderationReason"])
    head = await desk.token(await _head(desk, subject.department_id))
    (for_moderator,) = [edge["node"] for edge in (await _listed(desk, subject.about, head))["edges"]]
    assert for_moderator["body"] == text.strip(), "the moderator reads what they decide on"


async def test_ordinary_numbers_are_not_mistaken_for_personal_data(desk: Desk) -> None:
    subject = await _subject(desk)

    opinion = await _leave(
        desk, subject.about, "2026년 3월 5일 접수했는데 처리기간 14일이 지났습니다. 수수료 40,000원."
    )

    assert opinion["status"] == "PUBLISHED"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"body": "가" * 1_001}, "TOO_LONG", "body"),
        ({"body": " \n\t "}, "REQUIRED", "body"),
        ({"alias": "가" * 31}, "TOO_LONG", "alias"),
        ({"alias": "010-9876-5432"}, "INVALID_VALUE", "alias"),
        ({"about": {"caseReceiptNo": "NO-SUCH-RECEIPT"}}, "NOT_FOUND", "about.caseReceiptNo"),
        ({"about": {"stepId": global_id("Case", 1)}}, "INVALID_VALUE", "about.stepId"),
        ({"about": {"taskTypeCode": "NOPE"}}, "NOT_FOUND", "about.taskTypeCode"),
    ],
)
async def test_bad_input_gets_a_typed_error_and_stores_nothing(
    desk: Desk, change: dict[str, Any], code: str, field: str
) -> None:
    subject = await _subject(desk)
    before = await _count(desk)

    refusal = await desk.refused(LEAVE, None, input={"about": subject.about, "body": "좋은 의견", **change})

    assert (refusal["code"], refusal["field"]) == (code, field)
    assert await _count(desk) == before


async def test_the_subject_names_exactly_one_thing(desk: Desk) -> None:
    subject = await _subject(desk)
    before = await _count(desk)

    both = {"caseReceiptNo": subject.receipt_no, "taskTypeCode": "BLD-RPT"}
    body = await call(desk.client, LEAVE, input={"about": both, "body": "의견"})

    assert body.get("errors"), body
    assert await _count(desk) == before


async def test_opinions_are_rate_limited_per_client_address(desk: Desk, write_app: Starlette) -> None:
    subject = await _subject(desk)
    for n in range(5):
        await _leave(desk, subject.about, f"의견 {n}")
    before = await _count(desk)

    over = await call(desk.client, LEAVE, input={"about": subject.about, "body": "하나 더"})

    assert over["data"] is None
    assert over["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert over["errors"][0]["extensions"]["retryAfter"] > 0
    assert await _count(desk) == before
    async with _client_at(write_app, ADDRESS) as elsewhere:
        other = await call(elsewhere, LEAVE, input={"about": subject.about, "body": "다른 곳에서"})
    assert other["data"]["leaveOpinion"]["opinion"]["status"] == "PUBLISHED", "another address has its own budget"


def _client_at(app: Starlette, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_the_supervisors_of_the_department_moderate_in_public(desk: Desk) -> None:
    subject = await _subject(desk)
    opinion = await _leave(desk, subject.about, "담당 공무원이 불친절합니다.")
    held = await _leave(desk, subject.about, "제 번호는 010-2222-3333 입니다. 사무실 번호였습니다.")
    head, above = await _head(desk, subject.department_id), await _parent_head(desk, subject.department_id)

    hidden = await desk.ok(
        MODERATE, head, input={"opinionId": opinion["id"], "decision": "HIDE", "reason": "욕설이 포함되어 가립니다."}
    )
    published = await desk.ok(
        MODERATE, above, input={"opinionId": held["id"], "decision": "PUBLISH", "reason": "공개된 사무실 번호입니다."}
    )

    assert hidden["opinion"]["status"] == "HIDDEN"
    assert hidden["opinion"]["moderationReason"] == "욕설이 포함되어 가립니다."
    assert hidden["opinion"]["moderatedBy"] == {"id": global_id("Officer", head)}
    assert hidden["opinion"]["moderatedAt"] is not None
    assert published["opinion"]["status"] == "PUBLISHED"
    public = {edge["node"]["id"]: edge["node"] for edge in (await _listed(desk, subject.about))["edges"]}
    assert (public[opinion["id"]]["status"], public[opinion["id"]]["body"]) == ("HIDDEN", None)
    assert public[opinion["id"]]["moderationReason"] == "욕설이 포함되어 가립니다."
    assert public[held["id"]]["body"] == "제 번호는 010-2222-3333 입니다. 사무실 번호였습니다."
    administrator = await _of_role(desk, "administrator")
    again = await desk.ok(
        MODERATE, administrator, input={"opinionId": opinion["id"], "decision": "PUBLISH", "reason": "재검토 결과 공개"}
    )
    assert again["opinion"]["status"] == "PUBLISHED"


async def test_moderation_by_anyone_else_is_refused_and_changes_nothing(desk: Desk) -> None:
    subject = await _subject(desk)
    opinion = await _leave(desk, subject.about, "처리가 늦습니다.")
    outsider, other_supervisor = await _outsiders(desk, subject.department_id)
    colleague, auditor = await _colleague(desk, subject.department_id), await _of_role(desk, "auditor")
    input = {"opinionId": opinion["id"], "decision": "HIDE", "reason": "숨김"}
    before = await _row(desk, opinion["id"])

    codes = {
        "anonymous": await desk.error_code(MODERATE, None, input=input),
        "officer elsewhere": await desk.error_code(MODERATE, outsider, input=input),
        "supervisor elsewhere": await desk.error_code(MODERATE, other_supervisor, input=input),
        "officer of the department": await desk.error_code(MODERATE, colleague, input=input),
        "auditor": await desk.error_code(MODERATE, auditor, input=input),
    }

    assert codes == {
        "anonymous": "UNAUTHENTICATED",
        "officer elsewhere": "FORBIDDEN",
        "supervisor elsewhere": "FORBIDDEN",
        "officer of the department": "FORBIDDEN",
        "auditor": "FORBIDDEN",
    }
    assert await _row(desk, opinion["id"]) == before


async def test_moderation_needs_a_reason_and_a_change(desk: Desk) -> None:
    subject = await _subject(desk)
    opinion = await _leave(desk, subject.about, "의견입니다.")
    head = await _head(desk, subject.department_id)
    before = await _row(desk, opinion["id"])

    blank = await desk.refused(MODERATE, head, input={"opinionId": opinion["id"], "decision": "HIDE", "reason": " "})
    same = await desk.refused(
        MODERATE, head, input={"opinionId": opinion["id"], "decision": "PUBLISH", "reason": "그대로"}
    )

    assert (blank["code"], blank["field"]) == ("REQUIRED", "reason")
    assert (same["code"], same["field"]) == ("INVALID_STATE", "decision")
    assert await _row(desk, opinion["id"]) == before


async def test_an_officer_of_the_department_answers_in_public_once(desk: Desk) -> None:
    subject = await _subject(desk)
    opinion = await _leave(desk, subject.about, "현장조사 일정이 궁금합니다.")
    colleague = await _colleague(desk, subject.department_id)
    name, title = (await desk.officers.fetch("SELECT name, title FROM officer WHERE id = $1", colleague))[0]

    answered = await desk.ok(ANSWER, colleague, input={"opinionId": opinion["id"], "answer": "다음 주 화요일입니다."})

    assert answered["opinion"]["answer"] == "다음 주 화요일입니다."
    assert answered["opinion"]["answeredBy"] == {"id": global_id("Officer", colleague), "name": name, "title": title}
    (listed,) = [edge["node"] for edge in (await _listed(desk, subject.about))["edges"]]
    assert listed["answer"] == "다음 주 화요일입니다."
    assert listed["answeredAt"] is not None
    assert listed["answeredBy"]["id"] == global_id("Officer", colleague)
    twice = await desk.refused(ANSWER, colleague, input={"opinionId": opinion["id"], "answer": "정정합니다."})
    assert twice["code"] == "CONFLICT"
    assert (await _row(desk, opinion["id"]))["answer"] == "다음 주 화요일입니다."


async def test_answers_from_outside_the_department_are_refused(desk: Desk) -> None:
    subject = await _subject(desk)
    opinion = await _leave(desk, subject.about, "서류 보완 요청이 이해되지 않습니다.")
    outsider, other_supervisor = await _outsiders(desk, subject.department_id)
    input = {"opinionId": opinion["id"], "answer": "답변"}
    before = await _row(desk, opinion["id"])

    codes = {
        "anonymous": await desk.error_code(ANSWER, None, input=input),
        "officer elsewhere": await desk.error_code(ANSWER, outsider, input=input),
        "supervisor elsewhere": await desk.error_code(ANSWER, other_supervisor, input=input),
        "auditor": await desk.error_code(ANSWER, await _of_role(desk, "auditor"), input=input),
        "administrator": await desk.error_code(ANSWER, await _of_role(desk, "administrator"), input=input),
    }

    assert set(codes.values()) == {"FORBIDDEN", "UNAUTHENTICATED"}
    assert codes["anonymous"] == "UNAUTHENTICATED"
    assert [who for who, code in codes.items() if code != "FORBIDDEN"] == ["anonymous"]
    assert await _row(desk, opinion["id"]) == before
    above = await _parent_head(desk, subject.department_id)
    assert (await desk.ok(ANSWER, above, input=input))["opinion"]["answer"] == "답변", "a supervisor above answers"


async def test_steps_officers_and_task_types_have_opinions_of_their_own(desk: Desk) -> None:
    subject = await _subject(desk)
    step = subject.case["steps"][0]
    task_code, task_department = (
        await desk.officers.fetch(
            'SELECT t.code, t.department_id FROM "case" c JOIN task_type t ON t.id = c.task_type_id WHERE c.id = $1',
            db_id(subject.case["id"]),
        )
    )[0]
    officer = step["officer"]["id"]
    abouts = {
        "step": {"stepId": step["id"]},
        "officer": {"officerId": officer},
        "task type": {"taskTypeCode": task_code},
    }
    before = {name: (await _listed(desk, about))["totalCount"] for name, about in abouts.items()}

    left = {name: await _leave(desk, about, f"{name}에 대한 의견") for name, about in abouts.items()}

    for name, about in abouts.items():
        page = await _listed(desk, about)
        assert page["totalCount"] == before[name] + 1
        assert page["edges"][0]["node"]["id"] == left[name]["id"]
    assert (await _listed(desk, subject.about))["totalCount"] == 0, "a step's opinion is not the case's"
    colleague = await _colleague(desk, subject.department_id)
    on_step = await desk.ok(ANSWER, colleague, input={"opinionId": left["step"]["id"], "answer": "확인했습니다."})
    assert on_step["opinion"]["answer"] == "확인했습니다.", "a step belongs to its case's department"
    task_head = await _head(desk, int(task_department))
    on_task = await desk.ok(
        MODERATE, task_head, input={"opinionId": left["task type"]["id"], "decision": "HIDE", "reason": "중복"}
    )
    assert on_task["opinion"]["status"] == "HIDDEN"


@pytest.fixture
async def elsewhere(write_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    await write_app.state.limiter.reset()
    async with _client_at(write_app, ADDRESS) as client:
        yield client


async def test_nothing_identifies_the_author(
    desk: Desk, elsewhere: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    subject = await _subject(desk)
    events = await desk.event_count()
    secret = "제 번호는 010-4321-8765, 메일은 citizen77@example.org 입니다"
    caplog.set_level(logging.DEBUG)

    response = await elsewhere.post(
        "/graphql",
        json={"query": LEAVE, "variables": {"input": {"about": subject.about, "body": secret}, "key": "who-am-i"}},
        headers={"user-agent": "citizen-browser/1.0"},
    )

    opinion = response.json()["data"]["leaveOpinion"]["opinion"]
    assert opinion["status"] == "HELD"
    assert ADDRESS not in response.text
    stored = await desk.officers.fetchval(
        "SELECT row_to_json(o)::text FROM opinion o WHERE id = $1", db_id(opinion["id"])
    )
    assert ADDRESS not in stored
    assert "citizen-browser" not in stored
    keys = await desk.officers.fetch("SELECT scope, result::text FROM idempotency_record WHERE key = 'who-am-i'")
    assert [row["scope"] for row in keys] == ["citizen"], "the retry record holds no address either"
    assert await desk.event_count() == events, "no event, so no ledger leaf and no push"
    assert "010-4321-8765" not in caplog.text
    assert "citizen77" not in caplog.text
    fields = await call(desk.client, OPINION_FIELDS)
    assert {field["name"] for field in fields["data"]["__type"]["fields"]} == PUBLIC_FIELDS
