from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers.case import CaseOrder, case_by_receipt_no
from resolvers.department import root_departments
from resolvers.events import list_events
from resolvers.legal_reference import all_legal_references
from resolvers.officer import list_officers
from resolvers.own_case import open_own_case
from resolvers.pagination import Slice
from resolvers.task_type import all_task_types, task_type_by_code
from schema import inspection, outcome, oversight
from schema.audit import AuditFindingConnection, audit_findings_field
from schema.case_filter import CaseFilterArgument, CaseOrderArgument
from schema.cost import AGGREGATE_COST, MAX_NODE_IDS, AtMost, Cost, ListSize
from schema.counters import PublicCounters
from schema.event_arguments import AfterSequenceArgument
from schema.ids import db_id_for, optional_db_id_for
from schema.info import Info
from schema.inspection import InspectionConnection, InspectionFigures, InspectionTeam
from schema.ledger import Ledger
from schema.nodes.case import Case, CaseConnection, resolve_cases
from schema.nodes.delay import DelayConnection
from schema.nodes.department import Department
from schema.nodes.event import EventConnection
from schema.nodes.legal_reference import LegalReference
from schema.nodes.officer import Officer, OfficerConnection
from schema.nodes.step import StepConnection
from schema.nodes.task_type import TaskType
from schema.opinion import OpinionConnection, OpinionSubjectArgument, resolve_opinions
from schema.outcome import DispositionCount, InputterAward
from schema.own_case import OwnCase
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument
from schema.search import SearchConnection, resolve_search
from schema.statistics import GroupStatistics, OfficerRanking
from schema.webhook import Webhook, webhooks_field


@strawberry.type(description="The public, read-only entry points of OPEN.")
class Query:
    node: relay.Node | None = relay.node(description="Any object by its global ID; null if there is none.")
    nodes: list[relay.Node | None] = relay.node(
        description=f"Several objects by global ID (at most {MAX_NODE_IDS}), in the order asked; null where there "
        "is none.",
        directives=[ListSize(slicing_arguments=["ids"], assumed_size=MAX_NODE_IDS)],
        extensions=[AtMost("ids", MAX_NODE_IDS)],
    )

    @strawberry.field(description="A case by its public receipt number; null if there is none.")
    async def case(
        self, info: Info, receipt_no: Annotated[str, strawberry.argument(description="The receipt number (접수번호).")]
    ) -> Case | None:
        row = await case_by_receipt_no(info.context, receipt_no)
        return None if row is None else Case.from_model(row)

    @strawberry.field(description="Cases matching a filter, in pages (Relay connection).")
    async def cases(
        self,
        info: Info,
        filter: CaseFilterArgument = None,
        order_by: CaseOrderArgument = CaseOrder.RECEIVED_AT_DESC,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> CaseConnection:
        return await resolve_cases(info, filter, order_by, Slice(first, after, last, before))

    @strawberry.field(
        description="Every disclosed task type (the task list), by code.", directives=[ListSize(assumed_size=60)]
    )
    async def task_types(self, info: Info) -> list[TaskType]:
        return [TaskType.from_model(row) for row in await all_task_types(info.context)]

    @strawberry.field(description="A task type by its code; null if there is none.")
    async def task_type(
        self, info: Info, code: Annotated[str, strawberry.argument(description="The task type's code.")]
    ) -> TaskType | None:
        row = await task_type_by_code(info.context, code)
        return None if row is None else TaskType.from_model(row)

    @strawberry.field(
        description="The top of the organisation tree; follow `children` for the units below.",
        directives=[ListSize(assumed_size=1)],
    )
    async def departments(self, info: Info) -> list[Department]:
        return [Department.from_model(row) for row in await root_departments(info.context)]

    @strawberry.field(description="A department by its ID; null if there is none.")
    async def department(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="The department's ID.")]
    ) -> Department | None:
        row = await info.context.loaders.department_by_id.load(db_id_for(id, "Department", "id"))
        return None if row is None else Department.from_model(row)

    @strawberry.field(description="Officers, by ID, in pages (Relay connection).")
    async def officers(
        self,
        info: Info,
        department_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only officers working directly in this unit.")
        ] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> OfficerConnection:
        page = await list_officers(
            info.context,
            optional_db_id_for(department_id, "Department", "departmentId"),
            Slice(first, after, last, before),
        )
        return OfficerConnection.from_page(page)

    @strawberry.field(description="An officer by ID; null if there is none.")
    async def officer(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="The officer's ID.")]
    ) -> Officer | None:
        row = await info.context.loaders.officer_by_id.load(db_id_for(id, "Officer", "id"))
        return None if row is None else Officer.from_model(row)

    @strawberry.field(
        description="The public feed of every change, in sequence order. Pass the last sequence you saw to resume."
    )
    async def events(
        self, info: Info, after: AfterSequenceArgument = None, first: FirstArgument = None
    ) -> EventConnection:
        return EventConnection.from_page(
            await list_events(info.context.sessions, case_id=None, after=after, first=first)
        )

    @strawberry.field(
        description="The applicant's own view of their case, with the access code given at intake. "
        "Wrong pairs get one and the same error; attempts are rate-limited per client address."
    )
    async def my_case(
        self,
        info: Info,
        receipt_no: Annotated[str, strawberry.argument(description="The receipt number (접수번호).")],
        access_code: Annotated[str, strawberry.argument(description="The one-time access code from intake.")],
    ) -> OwnCase:
        return OwnCase.from_row(await open_own_case(info.context, receipt_no, access_code))

    @strawberry.field(description="The tamper-evident ledger: checkpoints, proofs and raw leaves.")
    def ledger(self) -> Ledger:
        return Ledger()

    @strawberry.field(
        description="Every article of law cited by a task type or an approval step.",
        directives=[ListSize(assumed_size=100)],
    )
    async def legal_references(self, info: Info) -> list[LegalReference]:
        return [LegalReference.from_model(row) for row in await all_legal_references(info.context)]

    @strawberry.field(
        description="Citizens' opinions (시민의견) about one case, step, officer or task type, newest first, in pages "
        "(Relay connection). Held and hidden ones are listed too, with their reason but without their text."
    )
    async def opinions(
        self,
        info: Info,
        about: OpinionSubjectArgument,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> OpinionConnection:
        return await resolve_opinions(info, about, Slice(first, after, last, before))

    audit_findings: AuditFindingConnection = audit_findings_field
    webhooks: list[Webhook] = webhooks_field

    late_steps: StepConnection = strawberry.field(
        resolver=oversight.late_steps,
        description="Steps open past their due time now, while their case's clock runs; the longest overdue "
        "first. The department is the one of the officer holding the step.",
    )
    delays: DelayConnection = strawberry.field(
        resolver=oversight.delays,
        description="Delays found by the oversight round (processing and input delays), newest first.",
    )
    statistics: list[GroupStatistics] = strawberry.field(
        resolver=oversight.statistics,
        description="Figures for dashboards over a window, grouped by task type, department or officer, "
        "optionally as a weekly, monthly or yearly series; computed by PostgreSQL.",
        directives=[Cost(weight=AGGREGATE_COST)],
    )
    officer_ranking: list[OfficerRanking] = strawberry.field(
        resolver=oversight.officer_ranking,
        description="Officers ranked by timely input in a month: the share of their entries made within the "
        "input-delay threshold of the fact (working hours), then how soon (their median lag), then how many. As "
        "of the last oversight round (every OVERSIGHT_INTERVAL_S), which counts each month that got new entries; "
        "a month no round has counted yet is counted on the spot.",
        directives=[Cost(weight=AGGREGATE_COST)],
    )
    inputter_awards: list[InputterAward] = strawberry.field(
        resolver=outcome.inputter_awards,
        description="The monthly awards for timely input, by month (newest first) and rank: public, like Seoul's.",
    )
    audit_disposition_counts: list[DispositionCount] = strawberry.field(
        resolver=outcome.audit_disposition_counts,
        description="How many cyber-audit findings were decided which way (referrals for discipline among them), "
        "by rule, among decisions made in a window: public figures, with no case or officer.",
        directives=[Cost(weight=AGGREGATE_COST)],
    )
    inspection_teams: list[InspectionTeam] = strawberry.field(
        resolver=inspection.inspection_teams,
        description="The standing inspection teams (상시 점검반) and their inspectors.",
    )
    inspections: InspectionConnection = strawberry.field(
        resolver=inspection.resolve_inspections,
        description="Standing inspections, scheduled and recorded, the latest first (Relay connection): the sample "
        "and the outcomes in aggregate are public, each case's outcome only to auditors.",
    )
    inspection_figures: InspectionFigures = strawberry.field(
        resolver=inspection.inspection_figures,
        description="Public figures over the inspections scheduled in a window of days: how many, how many "
        "recorded, the cases sampled and what was found.",
        directives=[Cost(weight=AGGREGATE_COST)],
    )
    counters: PublicCounters = strawberry.field(
        resolver=oversight.counters, description="Registered cases and documents, views, and the milestones passed."
    )

    search: SearchConnection = strawberry.field(
        resolver=resolve_search,
        description="One ranked search (자료검색) over cases, task types, departments, officers and legal "
        "references, in pages (Relay connection); best first, Korean typos forgiven.",
        directives=[Cost(weight="100")],
    )
