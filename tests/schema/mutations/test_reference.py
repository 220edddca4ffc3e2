"""Administrators keep reference data as documents: a new task type is data, not code."""

import json

from sqlalchemy.ext.asyncio import async_sessionmaker

from openproc.database import create_engine
from openproc.settings import Settings
from resolvers import reference
from tests.helpers import call
from tests.schema.mutations.workflow import APPLICANT, ERROR, REGISTER, Desk

IMPORT = f"""
mutation($document: String!, $key: String) {{
  importReferenceData(document: $document, idempotencyKey: $key) {{
    __typename ... on ReferenceImport {{ legalReferences departments officers taskTypes }} {ERROR}
  }}
}}
"""
FEE = "query($r: String!) { case(receiptNo: $r) { taskType { fee } } }"
NEW_TASK = """
legal_references:
  - law: 건축법
    article: 제83조
    title: 옹벽 등의 공작물에의 준용
    excerpt: 대지를 조성하기 위한 옹벽, 굴뚝, 광고탑 등 공작물을 축조하려면 신고하여야 한다.
task_types:
  - code: BLD-WRK
    name: 공작물 축조신고
    category: registration
    description: 옹벽·광고탑 등 공작물 축조신고를 접수하여 처리합니다.
    disclosure_reason: 신고 빈도가 높은 업무로 처리과정을 공개합니다.
    statutory_days: 5
    standard_days: 3
    fee: 공작물 축조신고 수수료는 시 조례가 정한 금액을 냅니다.
    laws: [건축법 제83조]
    approval_line:
      - {name: 접수, role: receipt, standard_days: 1, law: 민원 처리에 관한 법률 제9조}
      - {name: 검토, role: review, standard_days: 1, law: 건축법 제83조}
      - {name: 팀장 결재, role: team_lead, standard_days: 1}
"""


async def _administrator(desk: Desk) -> int:
    return int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = 'administrator' LIMIT 1"))


async def test_a_new_task_type_is_imported_and_takes_cases(desk: Desk) -> None:
    administrator = await _administrator(desk)
    before = await desk.event_count()

    imported = await desk.ok(IMPORT, administrator, document=NEW_TASK, key="import-bld-wrk")
    again = await desk.ok(IMPORT, administrator, document=NEW_TASK, key="import-bld-wrk")
    case = (
        await desk.ok(
            REGISTER,
            await desk.clerk(),
            input={
                "taskTypeCode": "BLD-WRK",
                "title": "옹벽 축조신고",
                "location": "서울특별시 종로구 세종대로 1",
                "applicant": APPLICANT,
            },
        )
    )["case"]

    # A public read of the new type: the compiled path answers it, from the column the model declares.
    shown = await call(desk.client, FEE, r=case["receiptNo"])

    assert imported["taskTypes"] == ["BLD-WRK"]
    assert again == imported
    assert await desk.event_count() == before + 2, "one import event, one registration"
    assert [step["name"] for step in case["steps"]] == ["접수", "검토", "팀장 결재"]
    assert shown["data"]["case"]["taskType"]["fee"] == "공작물 축조신고 수수료는 시 조례가 정한 금액을 냅니다."


async def test_bad_documents_are_refused_with_the_path_at_fault(desk: Desk) -> None:
    administrator = await _administrator(desk)
    before = await desk.event_count()

    too_slow = await desk.refused(
        IMPORT, administrator, document=NEW_TASK.replace("standard_days: 3", "standard_days: 9")
    )
    unknown_law = await desk.refused(
        IMPORT, administrator, document=NEW_TASK.replace("laws: [건축법 제83조]", "laws: [없는법 제1조]")
    )
    not_yaml = await desk.refused(IMPORT, administrator, document="task_types: [")

    assert (too_slow["code"], too_slow["field"]) == ("INVALID_VALUE", "task_types.0")
    assert (unknown_law["code"], unknown_law["field"]) == ("NOT_FOUND", "task_types.0.laws.0")
    assert (not_yaml["code"], not_yaml["field"]) == ("INVALID_VALUE", "document")
    assert await desk.event_count() == before


async def test_only_administrators_import(desk: Desk) -> None:
    assert await desk.error_code(IMPORT, await desk.clerk(), document=NEW_TASK) == "FORBIDDEN"
    assert await desk.error_code(IMPORT, None, document=NEW_TASK) == "UNAUTHENTICATED"


async def test_export_and_import_round_trip(write_url: str, desk: Desk) -> None:
    engine = create_engine(write_url, Settings(db_pool_size=1))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            exported = reference.dump(await reference.export(session))
        result = await desk.ok(IMPORT, await _administrator(desk), document=exported)
        async with sessions() as session:
            again = reference.dump(await reference.export(session))
    finally:
        await engine.dispose()
    assert len(result["officers"]) > 100
    assert again == exported
    assert "fee: 관계 법령과 시 조례가" in exported, "the demo's fees travel with the task types"


def test_a_large_import_is_recorded_in_parts_that_each_fit_a_leaf() -> None:
    changed = {
        "legalReferences": ["건축법 제11조"],
        "departments": [],
        "officers": [f"S{number:06d}" for number in range(5_000)],
        "taskTypes": ["BLD-PMT"],
    }

    parts = reference.recorded_in_parts(changed, 10_000)

    assert len(parts) > 1
    assert all(set(part) == set(changed) for part in parts), "every part names every kind"
    assert all(len(json.dumps(part, ensure_ascii=False).encode()) < 12_000 for part in parts)
    assert {kind: [name for part in parts for name in part[kind]] for kind in changed} == changed, "all, in order"
    assert reference.recorded_in_parts({"officers": []}, 10_000) == [{"officers": []}], "an empty import: one event"
