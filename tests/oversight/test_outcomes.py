"""What oversight decides, end to end through the schema: an auditor's disposition of a cyber-audit finding (kept
with auditors, counted in public, a public event naming only the rule and the decision) and the monthly inputter
award (only from the month's ranking, once, by the audit office, public). On a database of its own holding the
hand-made history, whose January 2025 ranking test_statistics.py works out by hand."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from models import Event, EventType, Officer, OfficerRole
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.auth import create_token
from resolvers.dataloaders import Sessions
from schema import schema
from tests.helpers import global_id
from tests.oversight import history
from tests.oversight.conftest import with_reference_data
from tests.oversight.history import History


@dataclass
class Desk:
    sessions: Sessions
    made: History
    tokens: dict[str, str]


@pytest.fixture(scope="module")
async def desk(as_of: datetime) -> AsyncIterator[Desk]:
    async for url in with_reference_data("outcomes", as_of):
        engine = create_engine(url, Settings(db_pool_size=2))
        sessions = create_sessionmaker(engine)
        made = await history.write(sessions)
        tokens = {}
        async with sessions() as session, session.begin():
            auditor = await session.scalar(select(Officer).where(Officer.role == OfficerRole.AUDITOR).limit(1))
            clerk = await session.get(Officer, made.officers["O1"])
            assert auditor is not None
            assert clerk is not None
            for who, officer in (("auditor", auditor), ("clerk", clerk)):
                tokens[who], _ = await create_token(session, officer.employee_no, days=1, label="outcomes")
        yield Desk(sessions, made, tokens)
        await engine.dispose()


async def call(desk: Desk, query: str, who: str | None = None, **variables: Any) -> Any:
    token = None if who is None else desk.tokens[who]
    return await schema.execute(
        query, variable_values=variables, context_value=Settings().context(desk.sessions, token=token)
    )


FINDINGS = """query ($thresholds: AuditThresholds) {
  auditFindings(rule: BACKDATED, thresholds: $thresholds) { edges { node { id disposition { disposition reason } } } }
}"""
DISPOSE = """mutation ($input: DisposeAuditFindingInput!) {
  disposeAuditFinding(input: $input) {
    __typename
    ... on AuditDispositionPayload {
      disposition { findingId rule disposition reason eventSequence case { receiptNo } }
    }
    ... on WorkflowError { code field }
  }
}"""
COUNTS = """query ($from: DateTime!, $to: DateTime!) {
  auditDispositionCounts(from: $from, to: $to) { rule disposition count }
}"""
AWARD = """mutation ($input: AwardInputterInput!) {
  awardInputter(input: $input) {
    __typename
    ... on InputterAwardPayload { award { month rank entries timelyRate officer { id } eventSequence } }
    ... on WorkflowError { code field }
  }
}"""
AWARDS = """query ($month: String) { inputterAwards(month: $month) { month rank officer { name } awardedBy { id } } }"""
ONE_DAY = {"backdateLimitDays": 1}
TODAY = {"from": "2020-01-01T00:00:00+09:00", "to": "2100-01-01T00:00:00+09:00"}


async def _event(desk: Desk, sequence: int) -> Event:
    async with desk.sessions() as session:
        event = await session.get(Event, sequence)
    assert event is not None
    return event


async def test_an_auditor_disposes_of_a_finding(desk: Desk) -> None:
    # O1's entry made 48 hours after the fact is back-dated under a one-day limit (not under the default seven).
    found = await call(desk, FINDINGS, "auditor", thresholds=ONE_DAY)
    assert found.errors is None, found.errors
    (finding,) = found.data["auditFindings"]["edges"]
    assert finding["node"]["id"].startswith("BACKDATED:")
    assert finding["node"]["disposition"] is None
    asked = {"findingId": finding["node"]["id"], "thresholds": ONE_DAY, "reason": "소급 입력 확인, 징계 요구"}

    referred = await call(desk, DISPOSE, "auditor", input={**asked, "disposition": "REFERRED_FOR_DISCIPLINE"})
    assert referred.errors is None, referred.errors
    decided = referred.data["disposeAuditFinding"]["disposition"]
    assert (decided["rule"], decided["disposition"]) == ("BACKDATED", "REFERRED_FOR_DISCIPLINE")
    assert decided["case"]["receiptNo"]
    event = await _event(desk, decided["eventSequence"])
    # The ledger says which rule and what was decided, by whom; not the case, the officer or the reason.
    assert event.type == EventType.FINDING_DISPOSED
    assert event.case_id is None
    assert {key: value for key, value in event.payload.items() if key != "actor"} == {
        "rule": "backdated",
        "disposition": "referred_for_discipline",
    }
    counted = await call(desk, COUNTS, **TODAY)  # public
    assert counted.data["auditDispositionCounts"] == [
        {"rule": "BACKDATED", "disposition": "REFERRED_FOR_DISCIPLINE", "count": 1}
    ]

    # A later decision replaces it; the counts follow the current one, the log keeps both.
    cleared = await call(desk, DISPOSE, "auditor", input={**asked, "disposition": "NO_ISSUE", "reason": "정정 확인"})
    assert cleared.data["disposeAuditFinding"]["disposition"]["disposition"] == "NO_ISSUE"
    again = await call(desk, FINDINGS, "auditor", thresholds=ONE_DAY)
    assert again.data["auditFindings"]["edges"][0]["node"]["disposition"] == {
        "disposition": "NO_ISSUE",
        "reason": "정정 확인",
    }
    counted = await call(desk, COUNTS, **TODAY)
    assert counted.data["auditDispositionCounts"] == [{"rule": "BACKDATED", "disposition": "NO_ISSUE", "count": 1}]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"thresholds": None}, "NOT_FOUND", "findingId"),  # not a finding under the default seven days
        ({"findingId": "BACKDATED:x"}, "INVALID_VALUE", "findingId"),
        ({"findingId": "NO_SUCH_RULE:1"}, "INVALID_VALUE", "findingId"),
        ({"reason": " "}, "REQUIRED", "reason"),
    ],
)
async def test_a_bad_disposition_is_refused_and_changes_nothing(
    desk: Desk, change: dict[str, Any], code: str, field: str
) -> None:
    found = await call(desk, FINDINGS, "auditor", thresholds=ONE_DAY)
    asked = {
        "findingId": found.data["auditFindings"]["edges"][0]["node"]["id"],
        "thresholds": ONE_DAY,
        "disposition": "REVIEWED",
        "reason": "검토",
        **change,
    }
    before = await _last(desk)
    refused = await call(desk, DISPOSE, "auditor", input=asked)
    assert refused.errors is None, refused.errors
    assert refused.data["disposeAuditFinding"] == {"__typename": "WorkflowError", "code": code, "field": field}
    assert await _last(desk) == before


async def _last(desk: Desk) -> int:
    async with desk.sessions() as session:
        return int(await session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1)) or 0)


async def test_only_auditors_dispose(desk: Desk) -> None:
    asked = {"findingId": "BACKDATED:1", "disposition": "REVIEWED", "reason": "검토"}
    for who in ("clerk", None):
        refused = await call(desk, DISPOSE, who, input=asked)
        assert refused.errors is not None
        assert refused.data is None


async def test_the_audit_office_awards_from_the_ranking_once(desk: Desk) -> None:
    o1, o2, o3 = (global_id("Officer", desk.made.officers[name]) for name in ("O1", "O2", "O3"))
    # January 2025: O2 first (13 of 13 on time), O1 second; O3 entered too little to be ranked.
    awarded = await call(desk, AWARD, "auditor", input={"month": "2025-01", "officerId": o2})
    assert awarded.errors is None, awarded.errors
    award = awarded.data["awardInputter"]["award"]
    assert (award["month"], award["rank"], award["entries"], award["timelyRate"]) == ("2025-01", 1, 13, 1.0)
    event = await _event(desk, award["eventSequence"])
    assert event.type == EventType.INPUTTER_AWARDED
    assert event.payload["officer"]["id"] == desk.made.officers["O2"]
    assert (event.payload["month"], event.payload["rank"]) == ("2025-01", 1)

    this_month = f"{datetime.now(UTC):%Y-%m}"
    for month, officer, code, field in (
        ("2025-01", o2, "CONFLICT", "officerId"),  # once
        ("2025-01", o3, "INVALID_VALUE", "officerId"),  # not in the ranking
        (this_month, o1, "INVALID_STATE", "month"),  # not over
        ("2025-13", o1, "INVALID_VALUE", "month"),
    ):
        refused = await call(desk, AWARD, "auditor", input={"month": month, "officerId": officer})
        assert refused.data["awardInputter"] == {"__typename": "WorkflowError", "code": code, "field": field}

    clerk = await call(desk, AWARD, "clerk", input={"month": "2025-01", "officerId": o1})
    assert clerk.errors is not None
    assert clerk.data is None

    listed = await call(desk, AWARDS, month="2025-01")  # public
    assert listed.errors is None, listed.errors
    assert [(row["month"], row["rank"]) for row in listed.data["inputterAwards"]] == [("2025-01", 1)]
    assert (await call(desk, AWARDS, month="2025-02")).data["inputterAwards"] == []
