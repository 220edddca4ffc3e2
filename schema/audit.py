"""Cyber-audit findings (사이버 감사) as GraphQL: auditors only, since each is an unreviewed suspicion about named
officers (a supervisor signing for an assignee, for one, is allowed and still shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from resolvers import audit
from resolvers.pagination import Page, Slice
from resolvers.scope import Scope
from schema.audit_rule import AuditRule
from schema.cost import AGGREGATE_COST, Cost
from schema.ids import optional_db_id_for
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import event as event_schema
from schema.nodes import officer as officer_schema
from schema.nodes import step as step_schema
from schema.outcome import AuditDisposition, finding_id
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument, page_info_of
from schema.permissions import IsAuditor

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.event import Event
    from schema.nodes.officer import Officer
    from schema.nodes.step import Step


@strawberry.input(description="Where to look; every criterion given must hold.")
class AuditFilter:
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only cases handled by this department (and, by default, the units below it)."
    )
    include_subdepartments: bool = strawberry.field(
        default=True, description="With `departmentId`: also look at the units below that department."
    )
    officer_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only findings about this officer: as signer or assignee of the step, as the one who entered "
        "the event, or as one who returned the case.",
    )
    task_type_code: str | None = strawberry.field(default=None, description="Only cases of this task type code.")


@strawberry.input(description="How far is too far; each has a default.")
class AuditThresholds:
    backdate_limit_days: float | None = strawberry.field(
        default=None,
        description="BACKDATED: days an entry may lag the time it gives, at least 0. Default: the workflow's own "
        "back-dating limit.",
    )
    min_returns: int = strawberry.field(
        default=2, description="REPEATED_RETURNS: returns for supplements that make a finding, at least 1."
    )
    held_factor: float = strawberry.field(
        default=2.0, description="HELD_TOO_LONG: multiple of the standard days a step may be held, above 0."
    )


@strawberry.type(description="One suspicion for an auditor to review, linked to the events that show it.")
class AuditFinding:
    rule: AuditRule = strawberry.field(description="The rule that found it.")
    detail: str = strawberry.field(description="What was found, with its figures, in Korean then English.")
    case_id: strawberry.Private[int]
    step_id: strawberry.Private[int | None]
    officer_id: strawberry.Private[int | None]
    event_seqs: strawberry.Private[tuple[int, ...]]
    key: strawberry.Private[int]

    @classmethod
    def from_finding(cls, finding: audit.Finding) -> AuditFinding:
        return cls(
            key=finding.key,
            rule=finding.rule,
            detail=finding.detail,
            case_id=finding.case_id,
            step_id=finding.step_id,
            officer_id=finding.officer_id,
            event_seqs=finding.event_seqs,
        )

    @strawberry.field(
        description="Identifies the finding: its rule and the step, event or case it is about (what "
        "disposeAuditFinding takes)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(finding_id(self.rule, self.key))

    @strawberry.field(description="The case concerned.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")]:
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None, "foreign key guarantees the case"
        return case_schema.Case.from_model(row)

    @strawberry.field(description="The auditors' current decision on it, if any.")
    async def disposition(self, info: Info) -> Annotated["AuditDisposition", strawberry.lazy("schema.outcome")] | None:
        from schema.outcome import AuditDisposition

        row = await info.context.loaders.disposition_by_finding.load((self.rule.value, self.key))
        return None if row is None else AuditDisposition.from_model(row)

    @strawberry.field(description="The step concerned; null for findings about a whole case or case-level events.")
    async def step(self, info: Info) -> Annotated["Step", strawberry.lazy("schema.nodes.step")] | None:
        if self.step_id is None:
            return None
        row = await info.context.loaders.step_by_id.load(self.step_id)
        return None if row is None else step_schema.Step.from_model(row)

    @strawberry.field(description="The officer the finding is about (see the rule); null when there is no one.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        if self.officer_id is None:
            return None
        row = await info.context.loaders.officer_by_id.load(self.officer_id)
        return None if row is None else officer_schema.Officer.from_model(row)

    @strawberry.field(description="The events that show it, in sequence order (check them against the ledger).")
    async def events(self, info: Info) -> list[Annotated["Event", strawberry.lazy("schema.nodes.event")]]:
        rows = await info.context.loaders.event_by_seq.load_many(list(self.event_seqs))
        return [event_schema.Event.from_model(row) for row in rows if row is not None]


@strawberry.type(description="A finding and its place in the list.")
class AuditFindingEdge:
    cursor: str = strawberry.field(description="Pass it as `after` to continue after this finding.")
    node: AuditFinding = strawberry.field(description="The finding.")


@strawberry.type(description="A page of audit findings, in a stable order of the rule's own (Relay connection).")
class AuditFindingConnection:
    page_info: relay.PageInfo = strawberry.field(description="Where this page lies in the list.")
    edges: list[AuditFindingEdge] = strawberry.field(description="The findings of this page.")
    _page: strawberry.Private[Page[audit.Finding]]

    @classmethod
    def from_page(cls, page: Page[audit.Finding]) -> AuditFindingConnection:
        edges = [
            AuditFindingEdge(cursor=cursor, node=AuditFinding.from_finding(finding))
            for finding, cursor in zip(page.rows, page.cursors, strict=True)
        ]
        return cls(page_info=page_info_of(page), edges=edges, _page=page)

    @strawberry.field(description="Number of findings of the rule within the filter, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()


def thresholds_of(given: AuditThresholds | None) -> audit.Thresholds:
    limits = given or AuditThresholds()
    return audit.Thresholds(
        backdate_limit_days=limits.backdate_limit_days, min_returns=limits.min_returns, held_factor=limits.held_factor
    )


AuditRuleArgument = Annotated[AuditRule, strawberry.argument(description="The rule to run.")]
AuditFilterArgument = Annotated[
    AuditFilter | None, strawberry.argument(description="Where to look (default: everywhere).")
]
AuditThresholdsArgument = Annotated[
    AuditThresholds | None, strawberry.argument(description="Limits of the rules (default: each one's default).")
]


async def resolve_audit_findings(
    info: Info,
    rule: AuditRuleArgument,
    filter: AuditFilterArgument = None,
    thresholds: AuditThresholdsArgument = None,
    first: FirstArgument = None,
    after: AfterArgument = None,
    last: LastArgument = None,
    before: BeforeArgument = None,
) -> AuditFindingConnection:
    given = filter or AuditFilter()
    scope = Scope(
        department_id=optional_db_id_for(given.department_id, "Department", "filter.departmentId"),
        include_subdepartments=given.include_subdepartments,
        officer_id=optional_db_id_for(given.officer_id, "Officer", "filter.officerId"),
        task_type_code=given.task_type_code,
    )
    checked = thresholds_of(thresholds)
    page = await audit.audit_findings(info.context, rule, scope, checked, Slice(first, after, last, before))
    return AuditFindingConnection.from_page(page)


# The root field, whole, so that the Query type only names it.
audit_findings_field: AuditFindingConnection = strawberry.field(
    resolver=resolve_audit_findings,
    description="Cyber-audit findings (사이버 감사) of one rule, in pages (Relay connection), each linked to the "
    "events that show it. Auditors only: findings are unreviewed suspicions about named officers.",
    permission_classes=[IsAuditor],
    directives=[Cost(weight=AGGREGATE_COST)],
)
