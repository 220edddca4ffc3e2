"""What oversight decided, as GraphQL: dispositions of audit findings (auditors only, but their counts are public)
and the monthly inputter awards (public)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from resolvers.errors import InvalidInput
from resolvers.oversight import outcomes
from resolvers.oversight.statistics import Window
from schema.audit_rule import AuditRule
from schema.described import described
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import officer as officer_schema
from schema.oversight import parse_month
from schema.time import aware, local

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.officer import Officer

described(
    models.Disposition,
    "What an auditor decided about a cyber-audit finding.",
    {
        models.Disposition.REVIEWED: "Looked into; no decision beyond noting it.",
        models.Disposition.NO_ISSUE: "Explained: nothing was wrong (a supervisor's allowed delegation, say).",
        models.Disposition.REFERRED_FOR_DISCIPLINE: "Sent on for disciplinary proceedings (징계 회부).",
    },
)


def finding_id(rule: AuditRule, key: int) -> str:
    return f"{rule.name}:{key}"


def parse_finding_id(value: str) -> tuple[AuditRule, int]:
    rule, _, key = value.partition(":")
    if rule not in AuditRule.__members__ or not key.isdigit():
        raise InvalidInput("findingId", "must be an AuditFinding id as auditFindings gives it, e.g. BACKDATED:123")
    return AuditRule[rule], int(key)


@strawberry.type(description="An auditor's decision on a cyber-audit finding (auditors only).")
class AuditDisposition:
    finding_id: strawberry.ID = strawberry.field(description="The finding decided on (`AuditFinding.id`).")
    rule: AuditRule = strawberry.field(description="The rule that found it.")
    disposition: models.Disposition = strawberry.field(description="What was decided.")
    reason: str = strawberry.field(description="Why (auditors only; the public event carries no reason).")
    decided_at: datetime = strawberry.field(description="When (Asia/Seoul).")
    event_sequence: int = strawberry.field(description="Sequence of the FINDING_DISPOSED event recording it.")
    case_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.FindingDisposition) -> AuditDisposition:
        rule = AuditRule(row.rule)
        return cls(
            finding_id=strawberry.ID(finding_id(rule, row.finding_key)),
            rule=rule,
            disposition=row.disposition,
            reason=row.reason,
            decided_at=local(row.decided_at),
            event_sequence=row.event_seq,
            case_id=row.case_id,
            decided_by_id=row.decided_by_id,
        )

    @strawberry.field(description="The case the finding is about.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")]:
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None, "foreign key guarantees the case"
        return case_schema.Case.from_model(row)

    @strawberry.field(description="The auditor who decided.")
    async def decided_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.decided_by_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)


@strawberry.type(description="How many findings of one rule were decided one way (public: no case or officer).")
class DispositionCount:
    rule: AuditRule = strawberry.field(description="The audit rule.")
    disposition: models.Disposition = strawberry.field(description="What was decided.")
    count: int = strawberry.field(description="Findings whose current decision this is.")


@strawberry.type(description="A monthly award for timely input (Seoul gave seven a month), from that month's ranking.")
class InputterAward:
    month: str = strawberry.field(description="The month, YYYY-MM (Asia/Seoul).")
    rank: int = strawberry.field(description="The officer's place in that month's ranking.")
    entries: int = strawberry.field(description="Their entries that month.")
    timely_rate: float = strawberry.field(description="The share of them made within the input-delay threshold.")
    awarded_at: datetime = strawberry.field(description="When it was recorded (Asia/Seoul).")
    event_sequence: int = strawberry.field(description="Sequence of the INPUTTER_AWARDED event recording it.")
    officer_id: strawberry.Private[int]
    awarded_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.InputterAward) -> InputterAward:
        return cls(
            month=f"{row.month:%Y-%m}",
            rank=row.rank,
            entries=row.entries,
            timely_rate=row.timely_rate,
            awarded_at=local(row.awarded_at),
            event_sequence=row.event_seq,
            officer_id=row.officer_id,
            awarded_by_id=row.awarded_by_id,
        )

    @strawberry.field(description="The officer awarded.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.officer_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)

    @strawberry.field(description="Who in the audit office recorded it.")
    async def awarded_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.awarded_by_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)


async def inputter_awards(
    info: Info,
    month: Annotated[
        str | None, strawberry.argument(description="The month, YYYY-MM; none: every month, newest first.")
    ] = None,
) -> list[InputterAward]:
    rows = await outcomes.awards(info.context, None if month is None else parse_month(month))
    return [InputterAward.from_model(row) for row in rows]


async def audit_disposition_counts(
    info: Info,
    from_: Annotated[
        datetime,
        strawberry.argument(name="from", description="Decided at or after (inclusive; Seoul time if no offset)."),
    ],
    to: Annotated[datetime, strawberry.argument(description="Decided before (exclusive).")],
) -> list[DispositionCount]:
    window = Window(aware(from_), aware(to))
    counted = await outcomes.disposition_counts(info.context, window.start, window.end)
    return [DispositionCount(rule=one.rule, disposition=one.disposition, count=one.count) for one in counted]
