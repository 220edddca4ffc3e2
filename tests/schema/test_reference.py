"""The task list, the organisation tree, officers and the laws behind the work."""

from typing import Any

from resolvers.context import Context
from seed.catalog import TASKS
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import execute, global_id

TASK_TYPES = """
{ taskTypes { code name category statutoryDays standardDays disclosureReason description
  approvalLine { sequence name role standardDays legalBasis { law article } taskType { code } }
  legalReferences { law article url } } }
"""
TASK_TYPE = """
query TaskType($code: String!) {
  taskType(code: $code) {
    code
    cases(first: 5, orderBy: RECEIVED_AT_ASC) { totalCount edges { node { taskType { code } } } }
  }
}
"""
# Deep enough for a district office's teams: city > district > bureau > division > team.
DEPARTMENTS = """
{ departments { id name level children { id name level children { id name level children { id name level
  children { id name level } } } } } }
"""
OFFICERS = """
query Officers($first: Int, $after: String, $departmentId: ID) {
  officers(first: $first, after: $after, departmentId: $departmentId) {
    totalCount edges { node { id name department { id } } } pageInfo { hasNextPage endCursor }
  }
}
"""
OFFICER_STEPS = """
query OfficerSteps($id: ID!) {
  officer(id: $id) {
    name
    steps(first: 100, status: [SIGNED]) { totalCount edges { node { status officer { id } case { receiptNo } } } }
  }
}
"""
LEGAL_REFERENCES = "{ legalReferences { law article taskTypes { code } stepTemplates { name taskType { code } } } }"


async def test_task_list_and_introductions(context: Context) -> None:
    data = await execute(context, TASK_TYPES)

    task_types = data["taskTypes"]
    assert [task["code"] for task in task_types] == sorted(spec.code for spec in TASKS)
    for task in task_types:
        assert task["standardDays"] <= task["statutoryDays"]
        assert task["description"]
        assert task["disclosureReason"]
        assert [step["sequence"] for step in task["approvalLine"]] == list(range(1, len(task["approvalLine"]) + 1))
        assert 3 <= len(task["approvalLine"]) <= 8
        assert {step["taskType"]["code"] for step in task["approvalLine"]} == {task["code"]}
        assert all(ref["url"].startswith("https://www.law.go.kr/") for ref in task["legalReferences"])


async def test_task_type_lists_its_own_cases(context: Context, demo: Dataset) -> None:
    data = await execute(context, TASK_TYPE, code="BLD-PMT")

    cases = data["taskType"]["cases"]
    assert {edge["node"]["taskType"]["code"] for edge in cases["edges"]} == {"BLD-PMT"}
    task_id = next(row[0] for row in demo.rows["task_type"] if row[1] == "BLD-PMT")
    assert cases["totalCount"] == sum(1 for row in demo.rows["case"] if row[2] == task_id)


async def test_departments_form_a_tree(context: Context, demo: Dataset) -> None:
    data = await execute(context, DEPARTMENTS)

    (city,) = data["departments"]
    assert city["level"] == "CITY"
    assert {unit["level"] for unit in city["children"]} == {"BUREAU", "DISTRICT", "AGENCY"}
    # City Hall's bureaus hold divisions of teams; a district office and an agency hold one more level first.
    teams = [
        team
        for top in city["children"]
        for unit in ([top] if top["level"] == "BUREAU" else top["children"])
        for division in unit["children"]
        for team in division["children"]
    ]
    assert {team["level"] for team in teams} == {"TEAM"}
    leads = {row.department_id for row in demo.rows["officer"] if row.title == "팀장"}  # type: ignore[attr-defined]
    assert all(global_id("Department", unit) in {team["id"] for team in teams} for unit in leads)
    assert len(leads) == len(teams)

    def count(unit: dict[str, Any]) -> int:
        return 1 + sum(count(child) for child in unit.get("children", []))

    assert count(city) == len(demo.rows["department"])


async def test_officers_page_through_everyone(context: Context, demo: Dataset) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await execute(context, OFFICERS, first=100, after=after))["officers"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(demo.rows["officer"]) == page["totalCount"]


async def test_officers_of_one_department(context: Context, demo: Dataset) -> None:
    department_id = demo.rows["officer"][-1][ROW_TYPES["officer"]._fields.index("department_id")]
    data = await execute(context, OFFICERS, first=100, departmentId=global_id("Department", department_id))
    assert {edge["node"]["department"]["id"] for edge in data["officers"]["edges"]} == {
        global_id("Department", department_id)
    }


async def test_officer_with_the_steps_they_hold(context: Context, demo: Dataset) -> None:
    columns = ROW_TYPES["step"]._fields
    officer_id = demo.rows["step"][0][columns.index("officer_id")]
    signed = sum(
        1
        for row in demo.rows["step"]
        if row[columns.index("officer_id")] == officer_id and row[columns.index("status")] == "signed"
    )

    data = await execute(context, OFFICER_STEPS, id=global_id("Officer", officer_id))

    steps = data["officer"]["steps"]
    assert steps["totalCount"] == signed
    assert {edge["node"]["officer"]["id"] for edge in steps["edges"]} == {global_id("Officer", officer_id)}
    assert {edge["node"]["status"] for edge in steps["edges"]} == {"SIGNED"}


async def test_laws_know_who_cites_them(context: Context) -> None:
    data = await execute(context, LEGAL_REFERENCES)

    by_article = {(ref["law"], ref["article"]): ref for ref in data["legalReferences"]}
    building = by_article[("건축법", "제11조")]
    assert "BLD-PMT" in {task["code"] for task in building["taskTypes"]}
    assert any(step["taskType"]["code"] == "BLD-PMT" for step in building["stepTemplates"])
    assert by_article[("민원 처리에 관한 법률", "제9조")]["stepTemplates"], "receipt steps cite the receipt article"
