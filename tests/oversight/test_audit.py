"""Cyber-audit rules on a small, hand-checked history in a database of its own.

The anomalies cannot be made through the API (it refuses them), so the rows are written directly. Events go
through the same counter and ledger as `resolvers.events.append`, but with the time each was entered, so that
only the events meant to be back-dated look back-dated and the ledger stays consistent.

All times are Asia/Seoul in July–September 2024; 2024-08-15 is the only public holiday among them.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Case,
    CaseStatus,
    Department,
    DepartmentLevel,
    Event,
    EventCounter,
    EventType,
    LedgerLeaf,
    Officer,
    OfficerRole,
    Step,
    StepRole,
    StepStatus,
    StepTemplate,
    TaskCategory,
    TaskType,
)
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers import audit, durations, events, ledger
from resolvers.dataloaders import Sessions
from schema import schema
from schema.time import SEOUL
from tests.conftest import fresh_database
from tests.helpers import Officers, global_id
from tests.oversight.history import details
from tests.pages import both_ways
from tests.schema.mutations.workflow import db_id

FINDINGS = """
query(
  $rule: AuditRule!, $filter: AuditFilter, $thresholds: AuditThresholds,
  $first: Int, $after: String, $last: Int, $before: String
) {
  auditFindings(
    rule: $rule, filter: $filter, thresholds: $thresholds, first: $first, after: $after, last: $last, before: $before
  ) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        rule detail
        case { receiptNo }
        step { sequence officer { id } signer { id } }
        officer { id }
        events { sequence type }
      }
    }
  }
}
"""
CASES_CURSOR = "query { cases(first: 1) { pageInfo { endCursor } } }"


ENDED_AS = {
    EventType.CASE_CLOSED: CaseStatus.COMPLETED,
    EventType.CASE_REJECTED: CaseStatus.REJECTED,
    EventType.CASE_WITHDRAWN: CaseStatus.WITHDRAWN,
}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=SEOUL)


@dataclass
class History:
    """What was written: rows by short name, and event sequences by (case, step, what)."""

    sessions: Sessions
    url: str
    code: str
    other_code: str
    officers: dict[str, Officer] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    receipts: dict[str, str] = field(default_factory=dict)
    seqs: dict[tuple[str, int, str], int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Planned:
    recorded: datetime
    case: str
    sequence: int
    what: str
    type: EventType
    actor: str
    occurred: datetime


class Builder:
    def __init__(self, session: AsyncSession, history: History) -> None:
        self.session, self.history = session, history
        self.cases: dict[str, Case] = {}
        self.steps: dict[tuple[str, int], Step] = {}
        self.planned: list[Planned] = []
        self.standard_days: dict[int, list[int]] = {}

    async def department(self, name: str, level: DepartmentLevel, parent: Department | None) -> Department:
        row = Department(
            code=f"A{uuid.uuid4().hex[:10]}",
            name=name,
            level=level,
            parent_id=parent.id if parent else None,
            path="",
            phone="02-120",
        )
        self.session.add(row)
        await self.session.flush()
        row.path = f"{parent.path if parent else '/'}{row.id}/"
        self.history.departments[name] = row
        return row

    async def officer(self, name: str, department: Department, role: OfficerRole) -> Officer:
        row = Officer(
            employee_no=f"E{uuid.uuid4().hex[:12]}",
            name=name,
            title="주무관",
            department_id=department.id,
            email=f"{uuid.uuid4().hex[:8]}@seoul.go.kr",
            phone="02-120-0000",
            role=role,
        )
        self.session.add(row)
        await self.session.flush()
        self.history.officers[name] = row
        return row

    async def task_type(self, code: str, standard_days: list[int]) -> TaskType:
        row = TaskType(
            code=code,
            name="감사 시험 업무",
            category=TaskCategory.PERMIT,
            description="시험",
            disclosure_reason="시험",
            statutory_days=20,
            standard_days=sum(standard_days),
        )
        self.session.add(row)
        await self.session.flush()
        self.standard_days[row.id] = standard_days
        for sequence, days in enumerate(standard_days, start=1):
            self.session.add(
                StepTemplate(
                    task_type_id=row.id,
                    sequence=sequence,
                    name=f"{sequence}단계",
                    role=StepRole.REVIEW,
                    standard_days=days,
                )
            )
        return row

    async def case(
        self, name: str, task_type: TaskType, department: Department, received: datetime, *steps: dict[str, Any]
    ) -> None:
        """Each step: officer, and optionally started, signed, by (the signer), skipped, and its events."""
        receipt = f"AUD-{name}-{uuid.uuid4().hex[:8]}"
        row = Case(
            receipt_no=receipt,
            task_type_id=task_type.id,
            department_id=department.id,
            title=f"감사 시험 {name}",
            location="서울특별시 중구 세종대로 110",
            status=CaseStatus.IN_PROGRESS,
            received_at=received,
            due_at=received + timedelta(days=28),
        )
        self.session.add(row)
        await self.session.flush()
        self.cases[name] = row
        self.history.receipts[name] = receipt
        for sequence, spec in enumerate(steps, start=1):
            officers = self.history.officers
            status = (
                StepStatus.SKIPPED
                if spec.get("skipped")
                else StepStatus.SIGNED
                if "signed" in spec
                else StepStatus.IN_PROGRESS
                if "started" in spec
                else StepStatus.PENDING
            )
            step = Step(
                case_id=row.id,
                sequence=sequence,
                name=f"{sequence}단계",
                role=StepRole.REVIEW,
                officer_id=officers[spec["officer"]].id,
                status=status,
                standard_days=self.standard_days[task_type.id][sequence - 1],
                started_at=spec.get("started"),
                signed_at=spec.get("signed"),
                signed_by_id=officers[spec.get("by", spec["officer"])].id if "signed" in spec else None,
            )
            self.session.add(step)
            await self.session.flush()
            self.steps[(name, sequence)] = step
            if "started" in spec:
                self.plan(name, sequence, "started", EventType.STEP_STARTED, spec["officer"], spec["started"])
            for what, event_type, actor, occurred in spec.get("events", ()):
                self.plan(name, sequence, what, event_type, actor, occurred)
            if "signed" in spec:
                by = spec.get("by", spec["officer"])
                recorded = spec.get("signed_recorded", spec["signed"])
                self.plan(name, sequence, "signed", EventType.STEP_SIGNED, by, spec["signed"], recorded)
        # An ending closes the case, as the workflow's does.
        for spec in steps:
            for _, kind, _, occurred in spec.get("events", ()):
                if kind in ENDED_AS:
                    row.status, row.closed_at = ENDED_AS[kind], occurred

    def plan(
        self,
        case: str,
        sequence: int,
        what: str,
        type: EventType,
        actor: str,
        occurred: datetime,
        recorded: datetime | None = None,
    ) -> None:
        self.planned.append(Planned(recorded or occurred, case, sequence, what, type, actor, occurred))

    async def write_events(self) -> None:
        """In the order they were entered, through the counter and the ledger, as `events.append` does."""
        for item in sorted(self.planned, key=lambda planned: planned.recorded):
            case, step = self.cases[item.case], self.steps[(item.case, item.sequence)]
            actor = self.history.officers[item.actor]
            seq = await self.session.scalar(
                update(EventCounter)
                .where(EventCounter.id == 1)
                .values(last_seq=EventCounter.last_seq + 1)
                .returning(EventCounter.last_seq)
            )
            assert seq is not None
            event = Event(
                seq=seq,
                case_id=case.id,
                step_id=step.id,
                type=item.type,
                occurred_at=item.occurred,
                recorded_at=item.recorded,
                actor_officer_id=actor.id,
                payload=payloads.payload(
                    details(item.type),
                    actor=events.shown(actor),
                    case=events.shown_case(case),
                    step=events.shown_step(step),
                ),
            )
            self.session.add(event)
            await ledger.append(self.session, event)
            self.history.seqs[(item.case, item.sequence, item.what)] = seq


async def build(session: AsyncSession, history: History) -> None:
    b = Builder(session, history)
    city = await b.department("city", DepartmentLevel.CITY, None)
    division = await b.department("division", DepartmentLevel.DIVISION, city)
    team = await b.department("team", DepartmentLevel.TEAM, division)
    other = await b.department("other", DepartmentLevel.DIVISION, city)
    await b.officer("A", team, OfficerRole.OFFICER)
    await b.officer("B", team, OfficerRole.OFFICER)
    head = await b.officer("H", division, OfficerRole.SUPERVISOR)
    division.head_id = head.id
    await b.officer("X", other, OfficerRole.OFFICER)
    await b.officer("O", other, OfficerRole.OFFICER)
    await b.officer("U", city, OfficerRole.AUDITOR)
    audited = await b.task_type(history.code, [1, 3, 1])
    elsewhere = await b.task_type(history.other_code, [1])

    # Clean: in order, by the assignees, promptly entered, within the standard days (step 3: 2 days ≤ 2 × 1).
    await b.case(
        "C1",
        audited,
        team,
        at(7, 1, 9),
        {"officer": "A", "started": at(7, 1, 9, 10), "signed": at(7, 1, 10)},
        {"officer": "B", "started": at(7, 1, 10), "signed": at(7, 3, 16)},
        {"officer": "H", "started": at(7, 3, 16), "signed": at(7, 4, 11)},
    )
    # Step 3 signed while step 2 was never even started.
    await b.case(
        "C2",
        audited,
        team,
        at(7, 1, 9),
        {"officer": "A", "started": at(7, 1, 9), "signed": at(7, 1, 10)},
        {"officer": "B"},
        {"officer": "H", "started": at(7, 2, 9), "signed": at(7, 2, 15)},
    )
    # Step 3 signed on the 9th, step 2 only on the 10th — by H, head of the division, for B.
    await b.case(
        "C3",
        audited,
        team,
        at(7, 8, 9),
        {"officer": "A", "started": at(7, 8, 9), "signed": at(7, 8, 10)},
        {"officer": "B", "started": at(7, 8, 10), "signed": at(7, 10, 15), "by": "H"},
        {"officer": "H", "started": at(7, 9, 9), "signed": at(7, 9, 11)},
    )
    # Signed by X, who works in another division and heads nothing.
    await b.case(
        "C4",
        audited,
        team,
        at(7, 15, 9),
        {"officer": "A", "started": at(7, 15, 9), "signed": at(7, 15, 10), "by": "X"},
        {"officer": "B"},
        {"officer": "H"},
    )
    # A signature entered 11 days after the time it gives.
    await b.case(
        "C5",
        audited,
        team,
        at(7, 22, 9),
        {"officer": "A", "started": at(7, 22, 9), "signed": at(7, 22, 10), "signed_recorded": at(8, 2, 10)},
        {"officer": "B"},
        {"officer": "H"},
    )
    # 6 days 23 hours: inside the 7-day policy limit, outside a 6-day one.
    await b.case(
        "C6",
        audited,
        team,
        at(7, 24, 9),
        {"officer": "A", "started": at(7, 24, 9), "signed": at(7, 24, 10), "signed_recorded": at(7, 31, 9)},
        {"officer": "B"},
        {"officer": "H"},
    )
    # Returned twice (by B, then by H for B); step 2 held 1–5 and 8 July: 6 working days ≤ 2 × 3.
    await b.case(
        "C7",
        audited,
        team,
        at(7, 1, 9),
        {"officer": "A", "started": at(7, 1, 9), "signed": at(7, 1, 10)},
        {
            "officer": "B",
            "started": at(7, 1, 11),
            "signed": at(7, 8, 10),
            "events": [
                ("returned-1", EventType.STEP_RETURNED, "B", at(7, 2, 10)),
                ("resumed-1", EventType.CASE_RESUMED, "B", at(7, 3, 10)),
                ("returned-2", EventType.STEP_RETURNED, "H", at(7, 4, 10)),
                ("resumed-2", EventType.CASE_RESUMED, "B", at(7, 5, 10)),
            ],
        },
        {"officer": "H"},
    )
    # Returned once and waiting 3–14 July: those days are the applicant's, so step 2 counts 1, 2, 15, 16, 17 July
    # (5 working days ≤ 6), not 13.
    await b.case(
        "C8",
        audited,
        team,
        at(7, 1, 9),
        {"officer": "A", "started": at(7, 1, 9), "signed": at(7, 1, 10)},
        {
            "officer": "B",
            "started": at(7, 1, 10),
            "signed": at(7, 17, 16),
            "events": [
                ("returned-1", EventType.STEP_RETURNED, "B", at(7, 2, 11)),
                ("resumed-1", EventType.CASE_RESUMED, "B", at(7, 15, 10)),
            ],
        },
        {"officer": "H"},
    )
    # 12–20 August without the weekend and 15 August (광복절): 6 working days ≤ 6.
    await b.case(
        "C9",
        audited,
        team,
        at(8, 12, 9),
        {"officer": "A", "started": at(8, 12, 9), "signed": at(8, 12, 10)},
        {"officer": "B", "started": at(8, 12, 10), "signed": at(8, 20, 16)},
        {"officer": "H"},
    )
    # One day more: 7 working days > 6.
    await b.case(
        "C10",
        audited,
        team,
        at(8, 12, 9),
        {"officer": "A", "started": at(8, 12, 9), "signed": at(8, 12, 10)},
        {"officer": "B", "started": at(8, 12, 10), "signed": at(8, 21, 16)},
        {"officer": "H"},
    )
    # Open since 2 September 2024.
    await b.case("C11", audited, team, at(9, 2, 9), {"officer": "A", "started": at(9, 2, 9)}, {"officer": "B"})
    # A skipped step is no gap in the order.
    await b.case(
        "C12",
        audited,
        team,
        at(7, 1, 9),
        {"officer": "A", "started": at(7, 1, 9), "signed": at(7, 1, 10)},
        {"officer": "B", "skipped": True},
        {"officer": "H", "started": at(7, 1, 10), "signed": at(7, 1, 11)},
    )
    # Another task type and division: signed by A for O.
    await b.case(
        "C13",
        elsewhere,
        other,
        at(7, 1, 9),
        {"officer": "O", "started": at(7, 1, 9), "signed": at(7, 1, 10), "by": "A"},
    )
    # Endings: withdrawn by A while it was B's turn (step 2); rejected by B on B's turn; rejected by H, head of the
    # division, on B's turn; closed with every step signed by X, while the last step was H's.
    for name, actor, ending in (
        ("C15", "A", EventType.CASE_WITHDRAWN),
        ("C16", "B", EventType.CASE_REJECTED),
        ("C17", "H", EventType.CASE_REJECTED),
    ):
        await b.case(
            name,
            audited,
            team,
            at(9, 9, 9),
            {
                "officer": "A",
                "started": at(9, 9, 9),
                "signed": at(9, 9, 10),
                "events": [("ended", ending, actor, at(9, 10, 10))],
            },
            {"officer": "B", "skipped": True},
            {"officer": "H", "skipped": True},
        )
    await b.case(
        "C18",
        audited,
        team,
        at(9, 9, 9),
        {"officer": "A", "started": at(9, 9, 9), "signed": at(9, 9, 10)},
        {"officer": "B", "started": at(9, 9, 10), "signed": at(9, 9, 11)},
        {
            "officer": "H",
            "started": at(9, 9, 11),
            "signed": at(9, 9, 12),
            "events": [("ended", EventType.CASE_CLOSED, "X", at(9, 9, 13))],
        },
    )
    # Started an hour ago: at most two working days, within 2 × 1.
    just_now = datetime.now(UTC) - timedelta(hours=1)
    await b.case("C14", audited, team, just_now, {"officer": "A", "started": just_now}, {"officer": "B"})
    await b.write_events()


@pytest.fixture(scope="module")
async def history() -> AsyncIterator[History]:
    async for url in fresh_database("audit"):
        engine = create_engine(url, Settings(db_pool_size=4))
        try:
            sessions = create_sessionmaker(engine)
            suffix = uuid.uuid4().hex[:6]
            made = History(sessions, url, code=f"AUD1-{suffix}", other_code=f"AUD2-{suffix}")
            async with sessions() as session, session.begin():
                await build(session, made)
            tokens = Officers(url)
            for name in ("A", "H", "U"):
                made.tokens[name] = await tokens.token(made.officers[name].id)
            yield made
        finally:
            await engine.dispose()


async def run(history: History, token: str | None, **variables: Any) -> Any:
    return await schema.execute(
        FINDINGS, variable_values=variables, context_value=Settings().context(history.sessions, token=token)
    )


async def findings(history: History, rule: str, **variables: Any) -> dict[str, Any]:
    result = await run(history, history.tokens["U"], rule=rule, **variables)
    assert result.errors is None, result.errors
    connection: dict[str, Any] = result.data["auditFindings"]
    return connection


async def audited(history: History, rule: str, **variables: Any) -> list[tuple[str, int | None, str | None, list[int]]]:
    """(case, step sequence, officer, event sequences) of each finding within the audited task type."""
    variables.setdefault("filter", {})["taskTypeCode"] = history.code
    connection = await findings(history, rule, **variables)
    by_receipt = {receipt: name for name, receipt in history.receipts.items()}
    by_id = {officer.id: name for name, officer in history.officers.items()}
    summary = []
    for edge in connection["edges"]:
        node = edge["node"]
        assert node["rule"] == rule
        sequences = [event["sequence"] for event in node["events"]]
        assert sequences == sorted(sequences)
        summary.append(
            (
                by_receipt[node["case"]["receiptNo"]],
                node["step"]["sequence"] if node["step"] else None,
                by_id[db_id(node["officer"]["id"])] if node["officer"] else None,
                sequences,
            )
        )
    assert connection["totalCount"] == len(summary)
    return summary


async def test_history_keeps_the_ledger_consistent(history: History) -> None:
    # Given the written history, when each leaf is compared with its event, then they agree.
    async with history.sessions() as session:
        rows = (await session.execute(select(Event, LedgerLeaf).join(LedgerLeaf, LedgerLeaf.seq == Event.seq))).all()
    assert len(rows) == len(history.seqs)
    assert all(ledger.leaf_bytes(event) == leaf.leaf for event, leaf in rows)


async def test_out_of_order_finds_signatures_before_an_earlier_step(history: History) -> None:
    s = history.seqs
    found = await audited(history, "OUT_OF_ORDER")
    assert found == [
        ("C2", 3, "H", [s[("C2", 3, "signed")]]),
        ("C3", 3, "H", sorted([s[("C3", 3, "signed")], s[("C3", 2, "signed")]])),
    ]
    details = [edge["node"]["detail"] for edge in (await findings(history, "OUT_OF_ORDER"))["edges"]]
    assert "2단계 미서명" in details[0]
    assert "2단계 2024-07-10 15:00 서명" in details[1]


async def test_signed_by_other_names_signer_and_assignee(history: History) -> None:
    s = history.seqs
    found = await audited(history, "SIGNED_BY_OTHER")
    assert found == [("C3", 2, "H", [s[("C3", 2, "signed")]]), ("C4", 1, "X", [s[("C4", 1, "signed")]])]
    connection = await findings(history, "SIGNED_BY_OTHER", filter={"taskTypeCode": history.code})
    delegated, stranger = (edge["node"] for edge in connection["edges"])
    assert db_id(delegated["step"]["officer"]["id"]) == history.officers["B"].id
    assert db_id(delegated["step"]["signer"]["id"]) == history.officers["H"].id
    assert "acting for them" in delegated["detail"]
    assert "not a head over" in stranger["detail"]


async def test_filters_by_department_subtree_officer_and_task_type(history: History) -> None:
    def department(name: str) -> str:
        return global_id("Department", history.departments[name].id)

    def officer(name: str) -> str:
        return global_id("Officer", history.officers[name].id)

    async def cases(**criteria: Any) -> list[str]:
        connection = await findings(history, "SIGNED_BY_OTHER", filter=criteria)
        by_receipt = {receipt: name for name, receipt in history.receipts.items()}
        return [by_receipt[edge["node"]["case"]["receiptNo"]] for edge in connection["edges"]]

    assert await cases() == ["C3", "C4", "C13"]
    assert await cases(departmentId=department("division")) == ["C3", "C4"]
    assert await cases(departmentId=department("division"), includeSubdepartments=False) == []
    assert await cases(departmentId=department("other")) == ["C13"]
    # As signer (C13) or as assignee (C4).
    assert await cases(officerId=officer("A")) == ["C4", "C13"]
    assert await cases(officerId=officer("X")) == ["C4"]
    assert await cases(taskTypeCode=history.other_code) == ["C13"]
    assert await cases(taskTypeCode="NO-SUCH-TYPE") == []


async def test_backdated_uses_the_policy_limit_unless_given_one(history: History) -> None:
    s = history.seqs
    assert await audited(history, "BACKDATED") == [("C5", 1, "A", [s[("C5", 1, "signed")]])]
    wider = await audited(history, "BACKDATED", thresholds={"backdateLimitDays": 6})
    # In sequence order: C6's signature was entered on 31 July, C5's on 2 August.
    assert wider == [("C6", 1, "A", [s[("C6", 1, "signed")]]), ("C5", 1, "A", [s[("C5", 1, "signed")]])]
    detail = (await findings(history, "BACKDATED", filter={"taskTypeCode": history.code}))["edges"][0]["node"]["detail"]
    assert "11.0" in detail
    assert "7.0" in detail


async def test_repeated_returns_counts_return_events(history: History) -> None:
    s = history.seqs
    twice = [s[("C7", 2, "returned-1")], s[("C7", 2, "returned-2")]]
    # Two officers returned C7, so nobody is named.
    assert await audited(history, "REPEATED_RETURNS") == [("C7", None, None, twice)]
    assert await audited(history, "REPEATED_RETURNS", thresholds={"minReturns": 1}) == [
        ("C7", None, None, twice),
        ("C8", None, "B", [s[("C8", 2, "returned-1")]]),
    ]
    assert await audited(history, "REPEATED_RETURNS", thresholds={"minReturns": 3}) == []
    by_h = await audited(
        history, "REPEATED_RETURNS", filter={"officerId": global_id("Officer", history.officers["H"].id)}
    )
    assert by_h == [("C7", None, None, twice)]


async def test_held_too_long_counts_working_days_without_supplement_waits(history: History) -> None:
    s = history.seqs
    c10 = ("C10", 2, "B", [s[("C10", 2, "started")], s[("C10", 2, "signed")]])
    c11 = ("C11", 1, "A", [s[("C11", 1, "started")]])
    # Not C7 (6 days), C8 (5 once the wait is left out), C9 (6 with the holiday left out), C14 (just started).
    assert await audited(history, "HELD_TOO_LONG") == [c10, c11]
    assert await audited(history, "HELD_TOO_LONG", thresholds={"heldFactor": 3}) == [c11]
    connection = await findings(history, "HELD_TOO_LONG", filter={"taskTypeCode": history.code})
    assert "7 working days" in connection["edges"][0]["node"]["detail"]
    assert "limit 2× = 6" in connection["edges"][0]["node"]["detail"]
    # At 1× the standard C8's 5 days are too long, and its events show the return and the resume.
    one_day = await audited(history, "HELD_TOO_LONG", thresholds={"heldFactor": 1})
    c8 = next(found for found in one_day if found[0] == "C8")
    assert c8[3] == [s[("C8", 2, what)] for what in ("started", "returned-1", "resumed-1", "signed")]


async def test_held_too_long_reads_the_working_days_the_round_stored(history: History) -> None:
    """Once the round has stored signed steps' held days the rule reads them, with the findings it counted before;
    a stored figure is what the rule believes (C10's step 2, told 0 days, is no longer found)."""
    factors = (1, 2, 3)
    counted = [await audited(history, "HELD_TOO_LONG", thresholds={"heldFactor": factor}) for factor in factors]
    assert await durations.fill(history.sessions) > 0
    stored = [await audited(history, "HELD_TOO_LONG", thresholds={"heldFactor": factor}) for factor in factors]
    assert stored == counted
    everywhere = await findings(history, "HELD_TOO_LONG")
    assert {history.receipts["C10"], history.receipts["C11"]} <= {
        edge["node"]["case"]["receiptNo"] for edge in everywhere["edges"]
    }
    by_b = await audited(history, "HELD_TOO_LONG", filter={"officerId": global_id("Officer", history.officers["B"].id)})
    assert [found[0] for found in by_b] == ["C10"]
    async with history.sessions() as session, session.begin():
        c10 = await session.scalar(select(Case.id).where(Case.receipt_no == history.receipts["C10"]))
        step = (Step.case_id == c10) & (Step.sequence == 2)
        assert await session.scalar(select(Step.held_days).where(step)) == 7
        await session.execute(update(Step).where(step).values(held_days=0))
    try:
        assert [found[0] for found in await audited(history, "HELD_TOO_LONG")] == ["C11"]
    finally:
        async with history.sessions() as session, session.begin():
            await session.execute(update(Step).where(step).values(held_days=7))


async def test_held_too_long_trusts_an_open_steps_count_so_far(history: History) -> None:
    """For an open step the round stores the held days so far, a lower bound: over the limit, the step is found
    from the index (C14's step 1, started an hour ago, told 100 days), and a page shows the days counted now."""
    await durations.fill(history.sessions)
    async with history.sessions() as session, session.begin():
        c14 = await session.scalar(select(Case.id).where(Case.receipt_no == history.receipts["C14"]))
        step = (Step.case_id == c14) & (Step.sequence == 1)
        so_far = await session.scalar(select(Step.held_days).where(step))
        assert so_far is not None
        assert so_far <= 2
        await session.execute(update(Step).where(step).values(held_days=100))
    try:
        found = await findings(history, "HELD_TOO_LONG", filter={"taskTypeCode": history.code})
        c14_page = [
            edge["node"] for edge in found["edges"] if edge["node"]["case"]["receiptNo"] == history.receipts["C14"]
        ]
        assert len(c14_page) == 1
        assert f"held {so_far} working days" in c14_page[0]["detail"]
    finally:
        async with history.sessions() as session, session.begin():
            await session.execute(update(Step).where(step).values(held_days=so_far))


async def test_finished_out_of_turn_finds_endings_by_whoever_it_was_not(history: History) -> None:
    s = history.seqs
    found = await audited(history, "FINISHED_OUT_OF_TURN")
    # C16 was B's own turn and H heads B's division: neither is a finding.
    assert found == [("C18", 3, "X", [s[("C18", 3, "ended")]]), ("C15", 2, "A", [s[("C15", 1, "ended")]])]
    details = [edge["node"]["detail"] for edge in (await findings(history, "FINISHED_OUT_OF_TURN"))["edges"]]
    assert "while it was step 2's turn, held by B" in details[1]


async def test_the_rounds_verdicts_are_what_the_history_rules_read(history: History) -> None:
    """Once the round has judged the signed steps and the ended cases, OUT_OF_ORDER and FINISHED_OUT_OF_TURN read
    its verdicts, with the findings they judged before; a recorded verdict is what the rules believe (C2's step 3,
    told it was signed in turn, is no longer found; C16, told it was ended out of turn, is)."""
    rules = ("OUT_OF_ORDER", "FINISHED_OUT_OF_TURN")
    judged_live = [await audited(history, rule) for rule in rules]
    assert await audit.judge(history.sessions) > 0
    assert await audit.judge(history.sessions) == 0
    assert [await audited(history, rule) for rule in rules] == judged_live
    async with history.sessions() as session, session.begin():
        c2 = select(Case.id).where(Case.receipt_no == history.receipts["C2"]).scalar_subquery()
        c2_step_3 = await session.scalar(select(Step.id).where(Step.case_id == c2, Step.sequence == 3))
        c16 = await session.scalar(select(Case.id).where(Case.receipt_no == history.receipts["C16"]))
        assert await session.scalar(select(Step.out_of_order).where(Step.id == c2_step_3)) is True
        assert await session.scalar(select(Case.finished_out_of_turn).where(Case.id == c16)) is False
        await session.execute(update(Step).where(Step.id == c2_step_3).values(out_of_order=False))
        await session.execute(update(Case).where(Case.id == c16).values(finished_out_of_turn=True))
    try:
        assert [found[0] for found in await audited(history, "OUT_OF_ORDER")] == ["C3"]
        assert "C16" in [found[0] for found in await audited(history, "FINISHED_OUT_OF_TURN")]
    finally:
        async with history.sessions() as session, session.begin():
            await session.execute(update(Step).where(Step.id == c2_step_3).values(out_of_order=True))
            await session.execute(update(Case).where(Case.id == c16).values(finished_out_of_turn=False))


async def test_pages_follow_the_cursor(history: History) -> None:
    first = await findings(history, "SIGNED_BY_OTHER", first=2)
    assert len(first["edges"]) == 2
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await findings(history, "SIGNED_BY_OTHER", first=2, after=first["pageInfo"]["endCursor"])
    assert [edge["node"]["case"]["receiptNo"] for edge in rest["edges"]] == [history.receipts["C13"]]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True


async def test_pages_go_backward_too(history: History) -> None:
    async def fetch(**arguments: Any) -> dict[str, Any]:
        return await findings(history, "SIGNED_BY_OTHER", **arguments)

    assert len(await both_ways(fetch, 2)) == 3


@pytest.mark.parametrize(("who", "code"), [(None, "UNAUTHENTICATED"), ("A", "FORBIDDEN"), ("H", "FORBIDDEN")])
async def test_only_auditors_see_findings(history: History, who: str | None, code: str) -> None:
    result = await run(history, history.tokens[who] if who else None, rule="SIGNED_BY_OTHER")
    assert result.data is None
    assert result.errors is not None
    assert [error.extensions["code"] for error in result.errors] == [code]


async def test_bad_input_names_the_argument(history: History) -> None:
    other_rule = (await findings(history, "SIGNED_BY_OTHER", first=1))["pageInfo"]["endCursor"]
    cases_result = await schema.execute(CASES_CURSOR, context_value=Settings().context(history.sessions))
    assert cases_result.data is not None
    case_cursor = cases_result.data["cases"]["pageInfo"]["endCursor"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"thresholds": {"minReturns": 0}}, "thresholds.minReturns"),
        ({"thresholds": {"heldFactor": -1}}, "thresholds.heldFactor"),
        ({"thresholds": {"backdateLimitDays": -0.5}}, "thresholds.backdateLimitDays"),
        ({"thresholds": {"backdateLimitDays": 1e9}}, "thresholds.backdateLimitDays"),
        ({"filter": {"departmentId": global_id("Officer", history.officers["A"].id)}}, "filter.departmentId"),
        ({"filter": {"officerId": global_id("Department", history.departments["team"].id)}}, "filter.officerId"),
        ({"first": -1}, "first"),
        ({"after": other_rule}, "after"),
        ({"after": case_cursor}, "after"),
        ({"after": "not a cursor"}, "after"),
    ]
    for variables, argument in cases:
        result = await run(history, history.tokens["U"], rule="OUT_OF_ORDER", **variables)
        assert result.errors is not None, variables
        (error,) = result.errors
        assert error.extensions == {"code": "BAD_USER_INPUT", "argument": argument}, (variables, error)
