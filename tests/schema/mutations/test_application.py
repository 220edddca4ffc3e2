"""The one-stop service: applicants file online, get a receipt and an access code, and are rate-limited."""

import pytest

from resolvers import access_code
from tests.helpers import call
from tests.schema.mutations.workflow import APPLICANT, ERROR, Desk

SUBMIT = f"""
mutation($input: ApplicationInput!, $key: String) {{
  submitApplication(input: $input, idempotencyKey: $key) {{
    __typename ... on RegisteredCase {{ accessCode case {{ receiptNo status steps {{ status }} }} }} {ERROR}
  }}
}}
"""
MY_CASE = "query($r: String!, $c: String!) { myCase(receiptNo: $r, accessCode: $c) { contact { email } } }"
EVENTS = "query($r: String!) { case(receiptNo: $r) { events { edges { node { type actor { id } } } } } }"


def _application(**overrides: object) -> dict[str, object]:
    return {
        "taskTypeCode": "FOD-RST",
        "title": "한솥식당 일반음식점 영업신고",
        "location": "서울특별시 마포구 양화로 10",
        "applicant": APPLICANT,
        **overrides,
    }


async def test_anyone_can_apply_and_follow_their_case(desk: Desk) -> None:
    body = await call(desk.client, SUBMIT, input=_application())
    receipt = body["data"]["submitApplication"]

    assert receipt["__typename"] == "RegisteredCase"
    assert receipt["case"]["receiptNo"].endswith("FOD-RST-" + receipt["case"]["receiptNo"][-5:])
    own = await call(desk.client, MY_CASE, r=receipt["case"]["receiptNo"], c=receipt["accessCode"])
    assert own["data"]["myCase"]["contact"]["email"] == APPLICANT["email"]
    history = await call(desk.client, EVENTS, r=receipt["case"]["receiptNo"])
    (first,) = [edge["node"] for edge in history["data"]["case"]["events"]["edges"]]
    assert first == {"type": "APPLICATION_SUBMITTED", "actor": None}


ROUTED = """
query($r: String!) {
  case(receiptNo: $r) { department { name parent { name parent { name parent { name } } } } }
}
"""


@pytest.mark.parametrize(
    ("location", "office"),
    [
        ("서울특별시 마포구 양화로 10", "마포구청"),
        ("서울특별시 강남구 테헤란로 7", "강남구청"),
        # No district the data knows: the task type's own receiving unit (the demo's first district).
        ("경기도 성남시 분당구 판교로 1", "종로구청"),
    ],
)
async def test_an_online_application_goes_to_the_unit_of_the_district_its_address_names(
    desk: Desk, location: str, office: str
) -> None:
    body = await call(desk.client, SUBMIT, input=_application(location=location))
    receipt = body["data"]["submitApplication"]["case"]["receiptNo"]
    unit = (await call(desk.client, ROUTED, r=receipt))["data"]["case"]["department"]

    # 일반음식점 신고 is the district's: 보건소 > 위생과 > 식품위생팀 (식품위생법 시행령 제25조).
    names = [unit["name"], unit["parent"]["name"], unit["parent"]["parent"]["name"]]
    assert names == ["식품위생팀", "위생과", "보건소"]
    assert unit["parent"]["parent"]["parent"]["name"] == office


async def test_a_retried_submission_files_once_and_reissues_the_code(desk: Desk) -> None:
    before = await desk.event_count()
    first = (await call(desk.client, SUBMIT, input=_application(), key="apply-1"))["data"]["submitApplication"]
    again = (await call(desk.client, SUBMIT, input=_application(), key="apply-1"))["data"]["submitApplication"]

    assert again["case"]["receiptNo"] == first["case"]["receiptNo"]
    assert await desk.event_count() == before + 1
    # The code is never stored in the clear: the retry gets a fresh one, and only that one opens the case.
    old = await call(desk.client, MY_CASE, r=first["case"]["receiptNo"], c=first["accessCode"])
    new = await call(desk.client, MY_CASE, r=first["case"]["receiptNo"], c=again["accessCode"])
    assert old["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert new["data"]["myCase"]["contact"]["email"] == APPLICANT["email"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"taskTypeCode": "NO-SUCH"}, "NOT_FOUND", "taskTypeCode"),
        ({"title": "가" * 201}, "TOO_LONG", "title"),
        ({"location": " "}, "REQUIRED", "location"),
        # The title is public and enters the ledger: the applicant's contact goes in `applicant`, not there.
        ({"title": "증축 신고 (연락 010 1234 5678)"}, "PERSONAL_DATA", "title"),
        ({"applicant": {**APPLICANT, "email": "x" * 101}}, "TOO_LONG", "applicant.email"),
        # The column holds 20: 21 digits were once accepted by the input and failed in the database (masked).
        ({"applicant": {**APPLICANT, "phone": "0" * 21}}, "TOO_LONG", "applicant.phone"),
    ],
)
async def test_bad_applications_are_refused_and_change_nothing(
    desk: Desk, overrides: dict[str, object], code: str, field: str
) -> None:
    before = await desk.event_count()
    body = await call(desk.client, SUBMIT, input=_application(**overrides))
    assert body["data"]["submitApplication"]["code"] == code
    assert body["data"]["submitApplication"]["field"] == field
    assert await desk.event_count() == before


async def test_submissions_are_rate_limited_per_client(desk: Desk) -> None:
    results = [await call(desk.client, SUBMIT, input=_application()) for _ in range(6)]

    assert all(result["data"]["submitApplication"]["__typename"] == "RegisteredCase" for result in results[:5])
    limited = results[5]["errors"][0]
    assert limited["extensions"]["code"] == "RATE_LIMITED"
    assert limited["extensions"]["retryAfter"] > 0


async def test_guessing_access_codes_is_rate_limited(desk: Desk) -> None:
    codes = [
        (await call(desk.client, MY_CASE, r="2026-FOD-RST-00001", c=f"0000-0000-{n:04d}"))["errors"][0]["extensions"][
            "code"
        ]
        for n in range(21)
    ]
    assert set(codes[:20]) == {"UNAUTHENTICATED"}
    assert codes[20] == "RATE_LIMITED"


async def test_a_receipt_number_with_no_case_is_checked_like_one_with_a_case() -> None:
    """The stand-in hash is made once, off the event loop, and no code matches it."""
    first, second = await access_code.unmatchable_in_thread(), await access_code.unmatchable_in_thread()
    assert first == second
    assert first.startswith(f"scrypt${access_code.N}$")
    assert not access_code.verify("0000-0000-0000", first)
