"""Standing inspections end to end: a team kept with the reference data, inspections scheduled twice a month by the
round on working days, cases sampled when the day comes, a member records what each showed; the public sees the
schedule, the sample and the outcomes in aggregate, auditors each case's outcome and officer. On a database of
its own holding the hand-made history (its cases belong to the departments D1 and D2)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from models import Department, Event, EventType, Officer, OfficerRole
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers import reference
from resolvers.auth import create_token
from resolvers.dataloaders import Sessions
from resolvers.oversight import inspections
from schema import schema
from tests.helpers import global_id
from tests.oversight import history
from tests.oversight.conftest import with_reference_data
from tests.oversight.history import History, seoul
from tests.pages import both_ways

POLICY = Settings().policy()  # two inspections a team a month, ten cases each


@dataclass
class Office:
    sessions: Sessions
    made: History
    tokens: dict[str, str]
    auditor: Officer


@pytest.fixture(scope="module")
async def office(as_of: datetime) -> AsyncIterator[Office]:
    async for url in with_reference_data("inspections", as_of):
        engine = create_engine(url, Settings(db_pool_size=2))
        sessions = create_sessionmaker(engine)
        made = await history.write(sessions)
        async with sessions() as session, session.begin():
            auditor = await session.scalar(select(Officer).where(Officer.role == OfficerRole.AUDITOR).limit(1))
            admin = await session.scalar(select(Officer).where(Officer.role == OfficerRole.ADMINISTRATOR).limit(1))
            inspector = await session.get(Officer, made.officers["O3"])
            outsider = await session.get(Officer, made.officers["O1"])
            home = await session.get(Department, made.departments["D2"])
            assert auditor
            assert admin
            assert inspector
            assert outsider
            assert home
            # The team belongs to D2, so of the history's departments it inspects D1 only.
            await reference.apply(
                session,
                admin,
                reference.ReferenceData(
                    inspection_teams=[
                        reference.InspectionTeamEntry(
                            name="상시점검 1반",
                            department=home.code,
                            members=[inspector.employee_no, auditor.employee_no],
                        )
                    ]
                ),
            )
            tokens = {}
            for who, officer in (("inspector", inspector), ("auditor", auditor), ("outsider", outsider)):
                tokens[who], _ = await create_token(session, officer.employee_no, days=1, label="inspections")
        yield Office(sessions, made, tokens, auditor)
        await engine.dispose()


async def call(office: Office, query: str, who: str | None = None, **variables: Any) -> Any:
    token = None if who is None else office.tokens[who]
    return await schema.execute(
        query, variable_values=variables, context_value=Settings().context(office.sessions, token=token)
    )


LISTED = """{
  inspectionTeams { name members { id } department { id } }
  inspections(first: 10) {
    totalCount
    edges { node { id scheduledOn status department { id } team { name } sampledCases { id } outcomes { noIssue } } }
  }
}"""
PAGES = """query ($first: Int, $after: String, $last: Int, $before: String) {
  inspections(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
RECORD = """mutation ($input: RecordInspectionInput!) {
  recordInspection(input: $input) {
    __typename
    ... on InspectionPayload { inspection { status summary eventSequence outcomes { noIssue warning } } }
    ... on WorkflowError { code field }
  }
}"""
FINDINGS = """query ($id: ID!) { node(id: $id) { ... on Inspection { findings { outcome note officer { id } } } } }"""
FIGURES = """{ inspectionFigures(from: "2025-02-01", to: "2025-03-01") {
  scheduled completed casesSampled outcomes { noIssue corrected warning referredForDiscipline } } }"""


def test_inspection_days_are_the_first_working_days_of_each_half() -> None:
    holidays = {date(2025, 3, 3)}  # 삼일절's substitute holiday
    assert inspections.inspection_days(date(2025, 2, 1), 2, holidays) == [date(2025, 2, 3), date(2025, 2, 17)]
    assert inspections.inspection_days(date(2025, 3, 1), 2, holidays) == [date(2025, 3, 4), date(2025, 3, 17)]
    assert len(inspections.inspection_days(date(2025, 3, 1), 4, holidays)) == 4


async def test_the_round_schedules_samples_and_a_member_records(office: Office) -> None:
    async with office.sessions() as session, session.begin():
        done = await inspections.schedule(session, seoul(2, 3, 9), POLICY)
    # February 3 and 17 and March 4 and 17; February 3 has come, so its cases are sampled.
    assert done.scheduled == 4
    assert done.sampled >= 1
    async with office.sessions() as session, session.begin():
        again = await inspections.schedule(session, seoul(2, 3, 10), POLICY)
    assert (again.scheduled, again.sampled) == (0, 0), "scheduled and sampled once"

    listed = await call(office, LISTED)  # public
    assert listed.errors is None, listed.errors
    (team,) = listed.data["inspectionTeams"]
    assert team["name"] == "상시점검 1반"
    assert len(team["members"]) == 2
    nodes = [edge["node"] for edge in listed.data["inspections"]["edges"]]
    assert sorted(node["scheduledOn"] for node in nodes) == ["2025-02-03", "2025-02-17", "2025-03-04", "2025-03-17"]
    assert {node["department"]["id"] for node in nodes} == {global_id("Department", office.made.departments["D1"])}
    (due,) = [node for node in nodes if node["sampledCases"]]
    assert due["scheduledOn"] == "2025-02-03"

    async def fetch(**arguments: Any) -> dict[str, Any]:
        listed = await call(office, PAGES, **arguments)
        assert listed.errors is None, listed.errors
        page: dict[str, Any] = listed.data["inspections"]
        return page

    assert len(await both_ways(fetch, 1)) == 4
    assert due["outcomes"] is None
    sampled = [case["id"] for case in due["sampledCases"]]

    def asked(cases: list[dict[str, Any]]) -> dict[str, Any]:
        return {"inspectionId": due["id"], "cases": cases, "summary": "처리기한 준수 여부를 점검함."}

    answers = [{"caseId": case, "outcome": "NO_ISSUE"} for case in sampled]
    answers[0] = {**answers[0], "outcome": "WARNING", "officerId": global_id("Officer", office.made.officers["O1"]),
                  "note": "보완요구 사유 기재 미흡"}  # fmt: skip
    outsider = await call(office, RECORD, "outsider", input=asked(answers))
    assert outsider.errors is not None, "only members of the team record it"
    missing = await call(office, RECORD, "inspector", input=asked(answers[1:]))
    assert missing.data["recordInspection"] == {
        "__typename": "WorkflowError",
        "code": "INVALID_VALUE",
        "field": "cases",
    }

    recorded = await call(office, RECORD, "inspector", input=asked(answers))
    assert recorded.errors is None, recorded.errors
    inspection = recorded.data["recordInspection"]["inspection"]
    assert inspection["status"] == "COMPLETED"
    assert inspection["outcomes"] == {"noIssue": len(sampled) - 1, "warning": 1}
    async with office.sessions() as session:
        event = await session.get(Event, inspection["eventSequence"])
    assert event is not None
    assert event.type == EventType.INSPECTION_COMPLETED
    assert event.case_id is None
    assert event.payload["outcomes"] == {
        "noIssue": len(sampled) - 1,
        "corrected": 0,
        "warning": 1,
        "referredForDiscipline": 0,
    }
    assert len(event.payload["sampled"]) == len(sampled)
    assert str(office.made.officers["O1"]) not in str(event.payload["outcomes"]), "no officer in public"
    assert "보완요구 사유" not in str(event.payload)
    twice = await call(office, RECORD, "inspector", input=asked(answers))
    assert twice.data["recordInspection"]["code"] == "INVALID_STATE"

    # Each case's outcome, officer and note: auditors only.
    assert (await call(office, FINDINGS, id=due["id"])).errors is not None
    findings = await call(office, FINDINGS, "auditor", id=due["id"])
    assert findings.errors is None, findings.errors
    warned = [row for row in findings.data["node"]["findings"] if row["outcome"] == "WARNING"]
    assert warned == [
        {
            "outcome": "WARNING",
            "note": "보완요구 사유 기재 미흡",
            "officer": {"id": global_id("Officer", office.made.officers["O1"])},
        }
    ]

    figures = await call(office, FIGURES)
    assert figures.errors is None, figures.errors
    assert figures.data["inspectionFigures"] == {
        "scheduled": 2,
        "completed": 1,
        "casesSampled": len(sampled),
        "outcomes": {"noIssue": len(sampled) - 1, "corrected": 0, "warning": 1, "referredForDiscipline": 0},
    }

    # The team goes out and comes back with the reference data.
    async with office.sessions() as session:
        exported = await reference.export(session)
    assert [(team.name, len(team.members)) for team in exported.inspection_teams] == [("상시점검 1반", 2)]
